//! `ikelab connect` as a person would run it, against a strongSwan 5.9.8 gateway
//! (kernel-libipsec: ESP in UDP 4500, RFC 3948) in network namespaces.
//!
//! The gateway's `local_ts` is `0.0.0.0/0` and its pool hands out a DNS server, so
//! our client opens a full tunnel. In the client's namespace it checks:
//! - the TUN device carries the virtual IP from the gateway's pool (RFC 7296 §3.15.1);
//! - `0.0.0.0/1` and `128.0.0.0/1` go into it, the gateway's own address keeps its
//!   path outside (a host route: no routing loop for the ESP packets), and IPv6 is
//!   blocked with `unreachable` routes (the tunnel carries IPv4 only: nothing leaks);
//! - `/etc/resolv.conf` (the namespace's own, `ip netns exec` mounts it) names the
//!   gateway's DNS server and keeps the `search` line;
//! - `ping` from the client reaches 203.0.113.1 behind the gateway and back, sealed and
//!   opened by our engine, and the gateway's `swanctl --list-sas` counts the packets;
//! - `ikelab down` ends it: the device, every route it added and the DNS change are
//!   gone, `/etc/resolv.conf` is byte for byte what it was, and the gateway saw the
//!   IKE SA deleted.
//!
//! Another run kills the client with SIGKILL: the blocks, the gateway's host route
//! and `/etc/resolv.conf` outlive it (the device and its routes do not), and the next
//! `ikelab down` (finding no instance) undoes them; killed again, the next `connect`
//! on the same control socket undoes them before it starts its own tunnel.
//!
//! A last run asks for a device name that a non-TUN interface already holds: the
//! tunnel fails after IKE_AUTH, so the client says why, deletes the IKE SA on the
//! gateway and leaves no route or DNS change behind.
//!
//! Interop layer: root, strongSwan, iproute2, ping; one test at a time.

use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use ikelab_engine::trace::{NetworkEvent, Trace};
use ikelab_tests::interop::cmd::signal;
use ikelab_tests::interop::engine_driver::scenario::engine_config;
use ikelab_tests::interop::engine_driver::{EngineSession, Initiator, RunSpec};
use ikelab_tests::interop::pair::{CHILD_NAME, PROTECTED_HOST};
use ikelab_tests::{ikelab_bin, run_ikelab};

/// The DNS server the gateway's pool hands out.
const GATEWAY_DNS: &str = "203.0.113.53";
/// The client's resolv.conf before the tunnel.
const RESOLV_BEFORE: &str = "nameserver 192.0.2.99\nsearch lab.example\n";
/// The device name we ask for (the kernel fills in the number).
const TUN_NAME: &str = "ikelab%d";
const UP_TIMEOUT: Duration = Duration::from_secs(20);

/// `/etc/netns/NAME/resolv.conf`, which `ip netns exec NAME` mounts over
/// `/etc/resolv.conf`; removed with its folder when dropped.
struct NetnsResolvConf {
    dir: PathBuf,
}

impl NetnsResolvConf {
    fn create(netns: &str, text: &str) -> Self {
        let dir = Path::new("/etc/netns").join(netns);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        std::fs::write(dir.join("resolv.conf"), text).unwrap();
        Self { dir }
    }

    fn text(&self) -> String {
        std::fs::read_to_string(self.dir.join("resolv.conf")).unwrap_or_default()
    }
}

impl Drop for NetnsResolvConf {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Waits until `log` holds `needle`; panics with the log if `ikelab` ends first or
/// the time runs out.
fn wait_for_log(log: &Path, needle: &str, pid: u32) -> String {
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.contains(needle) {
            return text;
        }
        let alive = Path::new(&format!("/proc/{pid}")).exists();
        assert!(
            alive && started.elapsed() < UP_TIMEOUT,
            "no `{needle}` in ikelab's log after {:?} (running: {alive}):\n{text}",
            started.elapsed()
        );
        thread::sleep(Duration::from_millis(50));
    }
}

/// Starts `ikelab connect` for the session's spec in our engine's namespace with
/// `extra` arguments; returns its pid, its log's path and its control socket.
fn start_connect(session: &mut EngineSession, extra: &[&str]) -> (u32, PathBuf, PathBuf) {
    start_connect_under(session, None, extra)
}

/// [`start_connect`] run by `wrapper` (a program and its arguments, such as
/// `setpriv`), which is given ikelab's path and arguments after its own.
fn start_connect_under(
    session: &mut EngineSession,
    wrapper: Option<(&str, &[&str])>,
    extra: &[&str],
) -> (u32, PathBuf, PathBuf) {
    let config = engine_config(&session.spec, &session.topology.addressing)
        .unwrap_or_else(|e| panic!("{e}"));
    let work = session.workdir().to_path_buf();
    let config_path = work.join("client.toml");
    std::fs::write(&config_path, toml::to_string(&config).unwrap()).unwrap();
    let control = work.join("control.sock");
    let log = work.join("ikelab.log");
    let mut args: Vec<String> = vec![
        "connect".into(),
        config_path.to_string_lossy().into_owned(),
        "--control".into(),
        control.to_string_lossy().into_owned(),
        "-v".into(),
    ];
    args.extend(extra.iter().map(ToString::to_string));
    let (program, args) = match wrapper {
        None => (ikelab_bin(), args),
        Some((program, own)) => {
            let mut all: Vec<String> = own.iter().map(ToString::to_string).collect();
            all.push(ikelab_bin().to_string_lossy().into_owned());
            all.extend(args);
            (PathBuf::from(program), all)
        }
    };
    let pid = session
        .spawn_in_engine_netns(&program, &args, &log)
        .unwrap_or_else(|e| panic!("{e}"));
    (pid, log, control)
}

/// A strongSwan gateway for a full tunnel (`local_ts = 0.0.0.0/0`, a DNS server in
/// its pool), and our namespace's own resolv.conf.
fn full_tunnel_gateway(tag: &str) -> (EngineSession, NetnsResolvConf) {
    let mut spec = RunSpec::new("aes256gcm16-prfsha256-x25519", "aes256gcm16");
    spec.charon_local_ts = vec!["0.0.0.0/0".to_owned()];
    spec.charon_pool_dns = vec![GATEWAY_DNS.to_owned()];
    let session =
        EngineSession::start(tag, Initiator::Engine, false, spec).unwrap_or_else(|e| panic!("{e}"));
    let netns = session.topology.engine.name().to_owned();
    let resolv = NetnsResolvConf::create(&netns, RESOLV_BEFORE);
    (session, resolv)
}

/// Our namespace's IPv4 and IPv6 routing tables.
fn routing_tables(session: &EngineSession) -> (String, String) {
    let (_, v4) = in_ns(session, "ip", &["route", "show"]);
    let (_, v6) = in_ns(session, "ip", &["-6", "route", "show"]);
    (v4, v6)
}

fn in_ns(session: &EngineSession, program: &str, args: &[&str]) -> (bool, String) {
    let out = session
        .topology
        .engine
        .cmd(program)
        .args(args)
        .output(Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("{program} {args:?}: {e}"));
    (
        out.status.success(),
        format!("{}{}", out.stdout, out.stderr),
    )
}

#[test]
fn connect_opens_a_full_tunnel_carries_pings_and_leaves_no_trace() {
    let (mut session, resolv) = full_tunnel_gateway("tunfull");
    let (routes_before, routes6_before) = routing_tables(&session);
    let work = session.workdir().to_path_buf();
    let (pcap, keys, trace) = (
        work.join("client.pcap"),
        work.join("keys"),
        work.join("client.trace.json"),
    );
    let (pid, log, control) = start_connect(
        &mut session,
        &[
            "--tun-name",
            TUN_NAME,
            "--pcap",
            pcap.to_str().unwrap(),
            "--keys",
            keys.to_str().unwrap(),
            "--trace",
            trace.to_str().unwrap(),
        ],
    );
    let text = wait_for_log(&log, "tunnel: DNS", pid);

    // The device and its address from the pool (203.0.113.128/25).
    let (ok, addr) = in_ns(
        &session,
        "ip",
        &["-o", "-4", "addr", "show", "dev", "ikelab0"],
    );
    assert!(ok, "{addr}\n{text}");
    assert!(
        addr.contains("inet 203.0.113.1"),
        "a pool address on ikelab0: {addr}"
    );
    // Routes: the two halves, the gateway pinned to its link, IPv6 blocked.
    let (_, routes) = in_ns(&session, "ip", &["route", "show"]);
    for want in [
        "0.0.0.0/1 dev ikelab0",
        "128.0.0.0/1 dev ikelab0",
        "192.0.2.1 dev to-res",
    ] {
        assert!(routes.contains(want), "no `{want}` in:\n{routes}\n{text}");
    }
    let (_, routes6) = in_ns(&session, "ip", &["-6", "route", "show"]);
    for want in ["unreachable ::/1", "unreachable 8000::/1"] {
        assert!(routes6.contains(want), "no `{want}` in:\n{routes6}");
    }
    // DNS: the gateway's server first, the host's search domain kept.
    let during = resolv.text();
    assert!(
        during.contains(&format!("nameserver {GATEWAY_DNS}\n")),
        "{during}"
    );
    assert!(!during.contains("192.0.2.99"), "{during}");
    assert!(during.contains("search lab.example"), "{during}");

    // Traffic both ways through the tunnel.
    let (ok, ping) = in_ns(
        &session,
        "ping",
        &["-c", "3", "-i", "0.2", "-W", "2", PROTECTED_HOST],
    );
    assert!(
        ok && ping.contains("3 received"),
        "{ping}\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    // IPv6 fails at once instead of leaving beside the tunnel.
    let (ok, ping6) = in_ns(
        &session,
        "ping",
        &["-6", "-c", "1", "-W", "1", "2001:db8::1"],
    );
    // (The unreachable route answers EHOSTUNREACH: "No route to host".)
    let refused = ping6.contains("No route to host") || ping6.contains("unreachable");
    assert!(!ok && refused, "{ping6}");

    let sas = session
        .charon_established(Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("{e}"));
    let child = sas
        .iter()
        .flat_map(|sa| &sa.children)
        .find(|c| c.name == CHILD_NAME)
        .unwrap_or_else(|| panic!("no CHILD SA on the gateway: {sas:#?}"));
    let packets_in: u64 = child
        .raw
        .str("packets-in")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(
        packets_in >= 3,
        "the gateway counted {packets_in} packets in: {child:#?}"
    );

    // `ikelab status` shows the tunnel beside the SAs.
    let status = run_ikelab(["status", "--control", control.to_str().unwrap()]);
    let status = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(status.contains("tunnel ikelab0:"), "{status}");
    assert!(
        status.contains("routes 0.0.0.0/1, 128.0.0.0/1 into ikelab0"),
        "{status}"
    );
    let counts: Vec<u64> = status
        .lines()
        .find_map(|l| l.trim().strip_prefix("packets: "))
        .map(|l| {
            l.split(", ")
                .filter_map(|part| part.split(' ').next()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        counts.len() == 4 && counts[0] >= 3 && counts[1] >= 3,
        "{status}"
    );

    // `ikelab down`, from outside the namespace: the control socket is a path.
    let down = run_ikelab(["down", "--control", control.to_str().unwrap()]);
    assert!(
        down.status.success(),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
    let text = wait_for_log(&log, "tunnel closed:", pid);
    let closed = text
        .lines()
        .find(|l| l.contains("tunnel closed:"))
        .unwrap_or_default();
    assert!(!closed.contains(" 0 packets sent"), "{closed}");
    assert!(!closed.contains(" 0 received"), "{closed}");
    // `down` returned: the instance has exited (its device went with its descriptor).
    // Its --trace holds the ESP packets both ways, as network records the browser
    // lab replays.
    let trace = Trace::from_json(&std::fs::read_to_string(&trace).unwrap()).unwrap();
    let esp_transmits = |from: &str| {
        trace
            .network_events()
            .filter(|(_, n)| match n {
                NetworkEvent::Transmit {
                    from: f, datagram, ..
                } => {
                    f == from
                        && datagram.dst.port() == 4500
                        && datagram.payload.get(..4).is_some_and(|spi| spi != [0; 4])
                        && datagram.payload.len() > 1
                }
                _ => false,
            })
            .count()
    };
    assert!(esp_transmits("ikelab") >= 3, "ESP we sent, in the trace");
    assert!(
        esp_transmits("gateway") >= 3,
        "ESP we received, in the trace"
    );
    // Its --pcap, decrypted with its --keys: the pings inside the ESP both ways.
    let dissect = run_ikelab([
        "dissect",
        pcap.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
    ]);
    let dissected = String::from_utf8_lossy(&dissect.stdout);
    let icmp: Vec<&str> = dissected
        .lines()
        .filter(|l| l.contains("tunnelled ICMP (1)"))
        .collect();
    let requests = icmp
        .iter()
        .filter(|l| l.ends_with(&format!("→ {PROTECTED_HOST}")))
        .count();
    let replies = icmp
        .iter()
        .filter(|l| l.contains(&format!("ICMP (1) {PROTECTED_HOST} →")))
        .count();
    assert!(
        dissect.status.success() && requests >= 3 && replies >= 3,
        "{requests} requests, {replies} replies: {}\n{dissected}",
        String::from_utf8_lossy(&dissect.stderr)
    );

    let (exists, _) = in_ns(&session, "ip", &["link", "show", "ikelab0"]);
    assert!(!exists, "the TUN device outlived ikelab");
    let (routes_after, routes6_after) = routing_tables(&session);
    assert_eq!(routes_after, routes_before, "IPv4 routes after the tunnel");
    assert_eq!(
        routes6_after, routes6_before,
        "IPv6 routes after the tunnel"
    );
    assert_eq!(resolv.text(), RESOLV_BEFORE, "resolv.conf after the tunnel");
    let gateway_deleted =
        session
            .charon
            .wait_for_sas("the gateway's SAs deleted", Duration::from_secs(5), |sas| {
                sas.is_empty()
            });
    assert!(gateway_deleted.is_ok(), "{gateway_deleted:?}");

    let artifacts = session.finish(None).unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "full tunnel through strongSwan: {closed}; whole run {:?}",
        artifacts.total
    );
}

#[test]
fn a_tunnel_that_fails_after_ike_auth_deletes_the_ike_sa_and_changes_nothing() {
    let (mut session, resolv) = full_tunnel_gateway("tunfail");
    // The name is taken by an interface that is no TUN device.
    let (ok, out) = in_ns(
        &session,
        "ip",
        &[
            "link", "add", "ikelabx", "type", "veth", "peer", "name", "ikelaby",
        ],
    );
    assert!(ok, "{out}");
    let (routes_before, routes6_before) = routing_tables(&session);
    let (pid, log, _) = start_connect(&mut session, &["--tun-name", "ikelabx"]);
    let text = wait_for_log(
        &log,
        "ikelab connect: cannot create the TUN device ikelabx",
        pid,
    );
    assert!(
        text.contains("IKE_SA established"),
        "the failure came after IKE_AUTH:\n{text}"
    );
    let deleted =
        session
            .charon
            .wait_for_sas("the gateway's SAs deleted", Duration::from_secs(5), |sas| {
                sas.is_empty()
            });
    assert!(deleted.is_ok(), "{deleted:?}\n{text}");
    let (routes_after, routes6_after) = routing_tables(&session);
    assert_eq!(routes_after, routes_before);
    assert_eq!(routes6_after, routes6_before);
    assert_eq!(resolv.text(), RESOLV_BEFORE);
    session.finish(None).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn what_a_killed_client_leaves_is_undone_by_down_or_the_next_connect() {
    let (mut session, resolv) = full_tunnel_gateway("tunkill");
    let (routes_before, routes6_before) = routing_tables(&session);
    let (pid, log, control) = start_connect(&mut session, &["--tun-name", TUN_NAME]);
    wait_for_log(&log, "tunnel: DNS", pid);
    signal(pid, "KILL").unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    while in_ns(&session, "ip", &["link", "show", "ikelab0"]).0 {
        assert!(
            started.elapsed() < UP_TIMEOUT,
            "the device outlived its process"
        );
        thread::sleep(Duration::from_millis(50));
    }
    // Left behind: the blocks, the gateway's host route, our resolv.conf.
    let (_, routes6) = in_ns(&session, "ip", &["-6", "route", "show"]);
    assert!(routes6.contains("unreachable ::/1"), "{routes6}");
    let (_, routes) = in_ns(&session, "ip", &["route", "show"]);
    assert!(routes.contains("192.0.2.1 dev to-res"), "{routes}");
    assert_ne!(resolv.text(), RESOLV_BEFORE);

    // From another network namespace (this test's), `ikelab down` refuses to touch
    // the routes; in the client's, it finds no instance and undoes what it left.
    let elsewhere = run_ikelab(["down", "--control", control.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&elsewhere.stdout).into_owned();
    assert!(
        !elsewhere.status.success() && said.contains("another network namespace"),
        "{said}"
    );
    let bin = ikelab_bin();
    let (ok, said) = in_ns(
        &session,
        bin.to_str().unwrap(),
        &["down", "--control", control.to_str().unwrap()],
    );
    assert!(ok, "{said}");
    assert!(
        said.contains("removed the route unreachable ::/1"),
        "{said}"
    );
    assert_eq!(
        routing_tables(&session),
        (routes_before.clone(), routes6_before.clone())
    );
    assert_eq!(resolv.text(), RESOLV_BEFORE);

    // Killed again: this time the next `connect` finds the leftovers first.
    let (pid, log, _) = start_connect(&mut session, &["--tun-name", TUN_NAME]);
    wait_for_log(&log, "tunnel: DNS", pid);
    signal(pid, "KILL").unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    while in_ns(&session, "ip", &["link", "show", "ikelab0"]).0 {
        assert!(
            started.elapsed() < UP_TIMEOUT,
            "the device outlived its process"
        );
        thread::sleep(Duration::from_millis(50));
    }
    let (pid, log, _) = start_connect(&mut session, &["--tun-name", TUN_NAME]);
    let text = wait_for_log(&log, "tunnel: DNS", pid);
    assert!(
        text.contains("a previous instance ended without closing its tunnel")
            && text.contains("removed the route unreachable ::/1")
            && text.contains("restored /etc/resolv.conf"),
        "{text}"
    );
    let down = run_ikelab(["down", "--control", control.to_str().unwrap()]);
    assert!(
        down.status.success(),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
    let (routes_after, routes6_after) = routing_tables(&session);
    assert_eq!(routes_after, routes_before);
    assert_eq!(routes6_after, routes6_before);
    assert_eq!(resolv.text(), RESOLV_BEFORE);
    assert!(
        !control.with_file_name("tunnel.undo").exists(),
        "a clean exit forgets the list"
    );
    session.finish(None).unwrap_or_else(|e| panic!("{e}"));
}

/// Without CAP_NET_ADMIN (dropped from the bounding set with `setpriv`, as root) the
/// TUN device cannot be created: exit code 12 says so and what to do, and the IKE SA
/// that came up is deleted on the gateway.
#[test]
fn without_cap_net_admin_the_tunnel_fails_with_what_to_do() {
    let (mut session, resolv) = full_tunnel_gateway("tuncap");
    let (routes_before, routes6_before) = routing_tables(&session);
    let (pid, log, _) = start_connect_under(
        &mut session,
        Some(("setpriv", &["--bounding-set", "-net_admin", "--"])),
        &["--tun-name", TUN_NAME],
    );
    let text = wait_for_log(&log, "ikelab connect: cannot create the TUN device", pid);
    assert!(text.contains("CAP_NET_ADMIN"), "{text}");
    let deleted =
        session
            .charon
            .wait_for_sas("the gateway's SAs deleted", Duration::from_secs(5), |sas| {
                sas.is_empty()
            });
    assert!(deleted.is_ok(), "{deleted:?}\n{text}");
    assert_eq!(routing_tables(&session), (routes_before, routes6_before));
    assert_eq!(resolv.text(), RESOLV_BEFORE);
    session.finish(None).unwrap_or_else(|e| panic!("{e}"));
}
