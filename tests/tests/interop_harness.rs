//! The interop harness cleans up after itself: namespaces, processes and work directories
//! disappear when a test ends, panics or fails half-way.
//!
//! Interop layer: root and iproute2 needed; run one test at a time.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Mutex;

use ikelab_tests::interop::capture::Capture;
use ikelab_tests::interop::netns::{Lab, list_netns};
use ikelab_tests::interop::preflight::require_interop_environment;
use ikelab_tests::interop::strongswan::Charon;
use ikelab_tests::interop::workdir::WorkDir;

fn ready() {
    require_interop_environment().unwrap_or_else(|e| panic!("{e}"));
}

/// What a test body created, recorded before it panics.
#[derive(Default)]
struct Created {
    namespaces: Vec<String>,
    pids: Vec<u32>,
    workdir: Option<PathBuf>,
}

fn assert_gone(created: &Created) {
    let present = list_netns().unwrap();
    for name in &created.namespaces {
        assert!(!present.contains(name), "namespace {name} survived");
    }
    for pid in &created.pids {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "process {pid} survived"
        );
    }
    if let Some(dir) = &created.workdir {
        assert!(!dir.exists(), "{} survived", dir.display());
    }
}

#[test]
fn lab_cleans_up_after_a_panic() {
    ready();
    let created = Mutex::new(Created::default());
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let workdir = WorkDir::new("panic").unwrap();
        let mut lab = Lab::new("panic").unwrap();
        let a = lab.add_netns("a").unwrap();
        let b = lab.add_netns("b").unwrap();
        lab.link((&a, "to-b", "192.0.2.1/24"), (&b, "to-a", "192.0.2.2/24"))
            .unwrap();
        b.addr_add("to-a", "2001:db8::2/64").unwrap();
        let sleeper = lab
            .spawn_in(&a, "sleep", ["300"], &workdir.join("sleep.log"))
            .unwrap();
        let capture = Capture::start(&b, "any", &workdir.join("c.pcap"), None).unwrap();
        {
            let mut c = created.lock().unwrap();
            c.namespaces = lab.netns_names();
            c.pids = vec![sleeper, capture.pid().unwrap()];
            c.workdir = Some(workdir.path().to_owned());
        }
        // The namespaces really exist and are linked before the panic.
        let present = list_netns().unwrap();
        assert!(lab.netns_names().iter().all(|n| present.contains(n)));
        a.exec_in("ip", ["route", "get", "192.0.2.2"]).unwrap();
        panic!("deliberate panic inside an interop test");
    }));
    assert!(outcome.is_err(), "the body must have panicked");
    let created = created.into_inner().unwrap();
    assert_eq!(created.namespaces.len(), 2);
    assert_gone(&created);
}

#[test]
fn lab_close_removes_a_nat_router_topology() {
    ready();
    let mut lab = Lab::new("close").unwrap();
    let client = lab.add_netns("cl").unwrap();
    let router = lab.add_netns("rt").unwrap();
    let server = lab.add_netns("sv").unwrap();
    lab.link(
        (&client, "up", "192.0.2.2/24"),
        (&router, "lan", "192.0.2.1/24"),
    )
    .unwrap();
    lab.link(
        (&router, "wan", "198.51.100.2/24"),
        (&server, "down", "198.51.100.1/24"),
    )
    .unwrap();
    router.enable_forwarding().unwrap();
    router.masquerade("wan").unwrap();
    client
        .route_add("default", "192.0.2.1".parse().unwrap())
        .unwrap();
    let rules = router
        .exec_in("iptables", ["-t", "nat", "-S", "POSTROUTING"])
        .unwrap();
    assert!(
        rules.stdout.contains("-o wan -j MASQUERADE"),
        "{}",
        rules.stdout
    );
    let route = client
        .exec_in("ip", ["route", "get", "198.51.100.1"])
        .unwrap();
    assert!(route.stdout.contains("via 192.0.2.1"), "{}", route.stdout);
    let names = lab.netns_names();
    lab.close().unwrap_or_else(|e| panic!("{e}"));
    assert_gone(&Created {
        namespaces: names,
        ..Created::default()
    });
}

#[test]
fn a_namespace_outside_the_lab_is_refused() {
    ready();
    let mut first = Lab::new("own1").unwrap();
    let mut second = Lab::new("own2").unwrap();
    let a = first.add_netns("a").unwrap();
    let b = second.add_netns("b").unwrap();
    assert!(first.veth(&a, "x", &b, "y").is_err());
    assert!(
        second.add_netns("b").is_err(),
        "a role used twice must be refused"
    );
}

/// A process that is gone or only a zombie (dead, waiting for a `wait` nobody will make).
fn dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // `pid (comm) S …`: the state letter follows the last `)`.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

#[test]
fn a_leaked_charon_dies_with_its_namespace() {
    ready();
    let workdir = WorkDir::new("leak").unwrap();
    let mut lab = Lab::new("leak").unwrap();
    let gw = lab.add_netns("gw").unwrap();
    let charon = Charon::start(&gw, &workdir.join("gw"), |c| c).unwrap();
    let pid = charon.pid().unwrap();
    assert!(!dead(pid));
    assert_eq!(
        gw.pids().unwrap(),
        vec![pid],
        "charon runs inside the namespace"
    );
    // Its owner forgets it: only the lab can still stop it.
    std::mem::forget(charon);
    let names = lab.netns_names();
    lab.close().unwrap_or_else(|e| panic!("{e}"));
    assert!(dead(pid), "charon {pid} survived its namespace");
    assert_gone(&Created {
        namespaces: names,
        ..Created::default()
    });
}
