//! `ikelab listen` as the gateway of strongSwan 5.9.8 road warriors, in the gateway
//! lab (`interop::gateway_lab`: a bridge joining the gateway at 192.0.2.1 and the
//! clients, the protected host 203.0.113.1 behind the gateway, virtual IPs from
//! 203.0.113.128/25). The same set-up with charon as the gateway passes in
//! `interop_listen_lab`; `ikelab connect` as the client is in
//! `interop_listen_connect`, reloading in `interop_listen_reload`.
//!
//! - `strongswan_client_gets_a_virtual_ip_dns_and_reaches_the_inner_network`
//!   (~3 s): one client is ESTABLISHED with a virtual IP from the pool and the DNS
//!   server 203.0.113.53 (charon's `resolve` plugin writes it into the namespace's
//!   resolv.conf); listen logs the client up; 10 pings from the virtual IP to
//!   203.0.113.1 all answered; `ikelab status` names the connection, the client's
//!   identity, address and virtual IP, the CHILD SA's packets; the virtual IP is
//!   routed into the gateway's TUN device; `ikelab down` deletes the client's SA and
//!   listen exits 0.
//! - `two_strongswan_clients_reach_the_inner_network_and_not_each_other` (~7 s):
//!   alice and bob, each with its own PSK, both reach 203.0.113.1; their tunnels
//!   cover the pool too (`203.0.113.0/24`, as charon gives them in
//!   `interop_listen_lab`, where the same ping is answered), so alice's pings to
//!   bob's virtual IP enter her CHILD SA (swanctl counts them out) and reach the
//!   gateway; none is answered, bob's CHILD SA receives nothing, and `ikelab status`
//!   counts them as dropped between clients.
//! - `a_client_reconnecting_with_initial_contact_replaces_its_old_sas_and_keeps_its_virtual_ip`
//!   (~3 s): alice's charon is killed (SIGKILL: no DELETE) and started again; its
//!   new IKE_AUTH carries INITIAL_CONTACT; `ikelab status` then shows exactly one IKE
//!   SA for alice, with the same virtual IP, and pings go through.
//!
//! Interop layer: root, strongSwan, iproute2, ping; `cargo build --workspace --bins
//! --features ikelab-tests/interop` first; one test at a time.

use std::time::{Duration, Instant};

use ikelab_tests::interop::gateway_lab::config::{ALICE, BOB};
use ikelab_tests::interop::gateway_lab::{
    GatewayConnection, GatewayLab, ListenConfig, POOL_DNS, PROTECTED_AND_POOL, PROTECTED_HOST,
    PROTECTED_NET, Roadwarrior, StatusIkeSa, dropped_between_clients, in_pool, or_report,
    parse_status,
};

#[test]
fn strongswan_client_gets_a_virtual_ip_dns_and_reaches_the_inner_network() {
    let started = Instant::now();
    let lab = or_report(GatewayLab::build("lsnone", 1, false), &[]);
    let listen = or_report(
        lab.start_listen(&ListenConfig::any_client(&[ALICE]), &[]),
        &[],
    );
    let alice = or_report(
        lab.start_roadwarrior(lab.client(1), ALICE, &[PROTECTED_NET]),
        &[&listen],
    );
    or_report(alice.initiate(), &[&listen, &alice]);
    let vip = or_report(alice.virtual_ip(), &[&listen, &alice]);
    assert!(in_pool(vip), "{vip} is not from the pool");
    let up = format!(
        "client '{}' up on 'rw' from {}:",
        ALICE.id,
        lab.client(1).addr
    );
    let log = or_report(listen.wait_for_log(&up), &[&alice]);
    assert!(
        log.contains(&format!("virtual IP {vip}")),
        "listen's log names the virtual IP:\n{log}"
    );

    // The DNS server of the pool, as the client received it.
    let resolv = alice.resolv_conf();
    assert!(
        resolv.contains(&format!("nameserver {POOL_DNS}")),
        "alice's resolv.conf:\n{resolv}"
    );
    let charon_log = alice.charon.log().unwrap_or_default();
    assert!(
        charon_log.contains(&format!("installing DNS server {POOL_DNS}")),
        "charon's log names the DNS server"
    );

    let ping = or_report(alice.ping(PROTECTED_HOST, 10), &[&listen, &alice]);
    assert!(
        ping.all_answered() && ping.transmitted == 10,
        "{}\n{}",
        ping.output,
        listen.diagnostics_with(&[&alice])
    );

    let text = or_report(listen.status_text(), &[&alice]);
    let sas = parse_status(&text);
    assert_eq!(sas.len(), 1, "{text}");
    let sa = &sas[0];
    assert_eq!(
        (sa.connection.as_str(), sa.state.as_str()),
        ("rw", "ESTABLISHED"),
        "{text}"
    );
    assert_eq!(sa.remote_id, ALICE.id, "{text}");
    assert_eq!(sa.remote_addr(), lab.client(1).addr.to_string(), "{text}");
    assert_eq!(sa.remote_vips, [vip.to_string()], "{text}");
    let child = sa.children.first().unwrap_or_else(|| panic!("{text}"));
    assert!(
        child.packets_in >= 10 && child.packets_out >= 10,
        "the CHILD SA's counters:\n{text}"
    );
    let route = lab
        .run_in(&lab.gateway, "ip", &["route", "show", &vip.to_string()])
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        route.stdout.contains(" dev "),
        "the virtual IP is routed into the device: {route:?}\n{text}"
    );

    let (down, exit) = or_report(listen.down(), &[&alice]);
    assert!(down.status.success(), "ikelab down: {down:?}");
    assert_eq!(
        exit.and_then(|s| s.code()),
        Some(0),
        "listen's exit\n{}",
        listen.diagnostics_with(&[])
    );
    or_report(
        alice
            .charon
            .wait_for_sas(
                "alice's SA deleted by the gateway",
                Duration::from_secs(5),
                |sas| sas.is_empty(),
            )
            .map(|_| ()),
        &[&listen],
    );
    drop(alice);
    or_report(lab.close(), &[]);
    eprintln!("one strongSwan client: {:?}", started.elapsed());
}

#[test]
fn two_strongswan_clients_reach_the_inner_network_and_not_each_other() {
    let started = Instant::now();
    let lab = or_report(GatewayLab::build("lsntwo", 2, false), &[]);
    let mut connection = GatewayConnection::new("rw", "%any");
    connection.local_ts = vec![PROTECTED_AND_POOL.to_owned()];
    let listen = or_report(
        lab.start_listen(&ListenConfig::new(vec![connection], &[ALICE, BOB]), &[]),
        &[],
    );
    let alice = or_report(
        lab.start_roadwarrior(lab.client(1), ALICE, &[PROTECTED_AND_POOL]),
        &[&listen],
    );
    let bob = or_report(
        lab.start_roadwarrior(lab.client(2), BOB, &[PROTECTED_AND_POOL]),
        &[&listen],
    );
    for rw in [&alice, &bob] {
        or_report(rw.initiate(), &[&listen, rw]);
    }
    or_report(listen.wait_for_count("client '", 2), &[&alice, &bob]);
    let vips = [&alice, &bob].map(|rw| or_report(rw.virtual_ip(), &[&listen, rw]));
    assert_ne!(vips[0], vips[1]);
    for rw in [&alice, &bob] {
        let ping = or_report(rw.ping(PROTECTED_HOST, 5), &[&listen, rw]);
        assert!(
            ping.all_answered(),
            "{}: {}\n{}",
            rw.client.name,
            ping.output,
            listen.diagnostics_with(&[rw])
        );
    }
    let sas = or_report(listen.sas(), &[]);
    let ids: Vec<&str> = sas.iter().map(|sa| sa.remote_id.as_str()).collect();
    assert_eq!(ids.len(), 2, "{sas:#?}");
    assert!(ids.contains(&ALICE.id) && ids.contains(&BOB.id), "{sas:#?}");

    // Alice → bob's virtual IP: into alice's tunnel, and no further than the gateway.
    let alice_out = child_packets(&alice, "packets-out");
    let bob_in = child_packets(&bob, "packets-in");
    let dropped_before = dropped_between_clients(&or_report(listen.status_text(), &[]));
    let across = or_report(alice.ping(&vips[1].to_string(), 3), &[&listen]);
    assert_eq!(
        across.received, 0,
        "alice reached bob through the gateway:\n{}",
        across.output
    );
    assert!(
        child_packets(&alice, "packets-out") >= alice_out + 3,
        "alice's pings to bob did not enter her tunnel (so this test proves nothing)"
    );
    assert_eq!(
        child_packets(&bob, "packets-in"),
        bob_in,
        "bob's CHILD SA received packets during alice's pings"
    );
    let text = or_report(listen.status_text(), &[]);
    if let Some(dropped) = dropped_between_clients(&text) {
        assert!(
            dropped >= dropped_before.unwrap_or(0) + 3,
            "the gateway counts alice's pings as dropped between clients:\n{text}"
        );
    } else {
        eprintln!("note: ikelab status has no `dropped between clients` line:\n{text}");
    }
    // Both still reach the protected host afterwards.
    let ping = or_report(bob.ping(PROTECTED_HOST, 2), &[&listen, &bob]);
    assert!(ping.all_answered(), "{}", ping.output);

    let (down, exit) = or_report(listen.down(), &[]);
    assert!(down.status.success() && exit.and_then(|s| s.code()) == Some(0));
    drop((alice, bob));
    or_report(lab.close(), &[]);
    eprintln!("two strongSwan clients: {:?}", started.elapsed());
}

#[test]
fn a_client_reconnecting_with_initial_contact_replaces_its_old_sas_and_keeps_its_virtual_ip() {
    let started = Instant::now();
    let lab = or_report(GatewayLab::build("lsnic", 1, false), &[]);
    let listen = or_report(
        lab.start_listen(&ListenConfig::any_client(&[ALICE]), &[]),
        &[],
    );
    let mut alice = or_report(
        lab.start_roadwarrior(lab.client(1), ALICE, &[PROTECTED_NET]),
        &[&listen],
    );
    or_report(alice.initiate(), &[&listen, &alice]);
    let first_vip = or_report(alice.virtual_ip(), &[&listen, &alice]);
    or_report(listen.wait_for_count("client '", 1), &[&alice]);

    // A crash: no DELETE reaches the gateway, which still holds the old SAs.
    or_report(alice.crash_and_restart(), &[&listen]);
    let held = or_report(listen.sas(), &[&alice]);
    assert_eq!(alice_sas(&held).len(), 1, "{held:#?}");
    or_report(alice.initiate(), &[&listen, &alice]);
    let log = alice.charon.log().unwrap_or_default();
    assert!(
        log.contains("N(INIT_CONTACT)"),
        "the restarted charon sends INITIAL_CONTACT"
    );
    or_report(listen.wait_for_count("client '", 2), &[&alice]);
    let text = or_report(
        listen.wait_for_sas("one IKE SA for alice", |sas| alice_sas(sas).len() == 1),
        &[&alice],
    );
    let sas = parse_status(&text);
    let sa = alice_sas(&sas)[0];
    let second_vip = or_report(alice.virtual_ip(), &[&listen, &alice]);
    assert_eq!(second_vip, first_vip, "the returning client's virtual IP");
    assert_eq!(sa.remote_vips, [first_vip.to_string()], "{text}");
    assert_eq!(sa.children.len(), 1, "{text}");
    let ping = or_report(alice.ping(PROTECTED_HOST, 5), &[&listen, &alice]);
    assert!(
        ping.all_answered(),
        "{}\n{}",
        ping.output,
        listen.diagnostics_with(&[&alice])
    );
    let (down, exit) = or_report(listen.down(), &[&alice]);
    assert!(down.status.success() && exit.and_then(|s| s.code()) == Some(0));
    drop(alice);
    or_report(lab.close(), &[]);
    eprintln!("INITIAL_CONTACT: {:?}", started.elapsed());
}

/// The IKE SAs of `ikelab status` that belong to alice.
fn alice_sas(sas: &[StatusIkeSa]) -> Vec<&StatusIkeSa> {
    sas.iter().filter(|sa| sa.remote_id == ALICE.id).collect()
}

/// A counter (`packets-in`, `packets-out`) of the road warrior's CHILD SA, as
/// swanctl reports it.
fn child_packets(rw: &Roadwarrior, key: &str) -> u64 {
    let sas = rw.list_sas().unwrap_or_else(|e| panic!("{e}"));
    sas.iter()
        .flat_map(|sa| &sa.children)
        .filter_map(|c| c.raw.str(key)?.parse::<u64>().ok())
        .sum()
}
