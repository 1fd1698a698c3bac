//! The gateway lab itself, with no `ikelab listen` in it: what the listen tests
//! (`interop_listen*.rs`) stand on, so that when one of them fails while these pass,
//! the gateway under test is at fault and not the set-up.
//!
//! - `plain_ip_reaches_the_gateway_the_clients_and_the_lan` (~1 s): the bridge joins
//!   the gateway and two clients, the NAT router MASQUERADEs its client, the gateway
//!   forwards to the protected host and back, and no client reaches 203.0.113.0/24
//!   without a route the test adds.
//! - `a_strongswan_gateway_serves_the_same_clients` (~5 s): charon in the gateway's
//!   place, loaded with the listen tests' own configuration (as swanctl.conf): two
//!   strongSwan road warriors get virtual IPs from the pool and the DNS server
//!   (written by charon's `resolve` plugin), ping the protected host, and reach
//!   each other's virtual IP (charon does not isolate clients: the isolation test's
//!   ping is one that can be answered); `ikelab connect` through the NAT gets its
//!   virtual IP and pings too.
//!
//! Interop layer: root, strongSwan, iproute2, iptables, ping; one test at a time.

use std::time::Instant;

use ikelab_tests::interop::gateway_lab::config::{
    ALICE, BOB, CHILD, DAVE, GatewayConnection, ListenConfig,
};
use ikelab_tests::interop::gateway_lab::{
    ConnectConfig, Diagnose, GATEWAY_ADDR, GATEWAY_INSIDE, GatewayLab, POOL_DNS,
    PROTECTED_AND_POOL, PROTECTED_HOST, PROTECTED_NET, in_pool, ping, report, route,
};
use ikelab_tests::interop::strongswan::Charon;

#[test]
fn plain_ip_reaches_the_gateway_the_clients_and_the_lan() {
    let started = Instant::now();
    let lab = GatewayLab::build("lsnplain", 2, true).unwrap_or_else(|e| panic!("{e}"));
    let (c1, c2, natc) = (lab.client(1), lab.client(2), lab.nat_client());
    let gateway = GATEWAY_ADDR.to_string();
    let c2_addr = c2.addr.to_string();
    for (from, to) in [
        (&c1.netns, gateway.as_str()),
        (&c2.netns, gateway.as_str()),
        (&c1.netns, c2_addr.as_str()),
        (&natc.netns, gateway.as_str()),
        (&lab.gateway, PROTECTED_HOST),
        (&lab.lan, GATEWAY_INSIDE),
    ] {
        let ping = ping(from, None, to, 2, "0.1").unwrap_or_else(|e| panic!("{e}"));
        assert!(
            ping.all_answered(),
            "{} → {to}:\n{}",
            from.name(),
            ping.output
        );
    }
    // Without a tunnel the clients have no way to 203.0.113.0/25 …
    let ping_lan = |netns| ping(netns, None, PROTECTED_HOST, 1, "0.1").unwrap();
    assert_eq!(ping_lan(&c1.netns).received, 0, "a client reaches the LAN");
    // … and with a route through the gateway they do: it forwards both ways.
    route(&c1.netns, "add", PROTECTED_NET, &gateway).unwrap();
    let through = ping_lan(&c1.netns);
    assert!(through.all_answered(), "{}", through.output);
    route(&c1.netns, "del", PROTECTED_NET, &gateway).unwrap();
    lab.close().unwrap_or_else(|e| panic!("{e}"));
    eprintln!("plain IP lab: {:?}", started.elapsed());
}

#[test]
fn a_strongswan_gateway_serves_the_same_clients() {
    let started = Instant::now();
    let lab = GatewayLab::build("lsnswan", 2, true).unwrap_or_else(|e| panic!("{e}"));
    // The two-client test's configuration: the pool reachable through the tunnel.
    let mut connection = GatewayConnection::new("rw", "%any");
    connection.local_ts = vec![PROTECTED_AND_POOL.to_owned()];
    let config = ListenConfig::new(vec![connection], &[ALICE, BOB, DAVE]);
    let gateway = Charon::start(&lab.gateway, &lab.dir().join("gateway"), |c| c)
        .unwrap_or_else(|e| panic!("{e}"));
    gateway
        .load_all(&config.swanctl())
        .unwrap_or_else(|e| panic!("{e}"));

    let alice = lab
        .start_roadwarrior(lab.client(1), ALICE, &[PROTECTED_AND_POOL])
        .unwrap_or_else(|e| panic!("{e}"));
    let bob = lab
        .start_roadwarrior(lab.client(2), BOB, &[PROTECTED_AND_POOL])
        .unwrap_or_else(|e| panic!("{e}"));
    let diagnose = |parts: &[&dyn Diagnose]| report(parts);
    for rw in [&alice, &bob] {
        rw.initiate()
            .unwrap_or_else(|e| panic!("{e}\n{}", gateway.diagnostics()));
    }
    let (a_vip, b_vip) = (alice.virtual_ip().unwrap(), bob.virtual_ip().unwrap());
    assert_ne!(a_vip, b_vip);
    for (rw, vip) in [(&alice, a_vip), (&bob, b_vip)] {
        assert!(in_pool(vip), "{vip} is not from the pool");
        let resolv = rw.resolv_conf();
        assert!(
            resolv.contains(&format!("nameserver {POOL_DNS}")),
            "{}'s resolv.conf:\n{resolv}\n{}",
            rw.client.name,
            diagnose(&[rw])
        );
        let ping = rw.ping(PROTECTED_HOST, 5).unwrap();
        assert!(
            ping.all_answered(),
            "{}: {}\n{}",
            rw.client.name,
            ping.output,
            diagnose(&[rw])
        );
    }
    let log = alice.charon.log().unwrap();
    assert!(
        log.contains(&format!("installing DNS server {POOL_DNS}")),
        "charon's log names the DNS server"
    );
    // charon forwards between its clients: the same ping is answered here that
    // `ikelab listen` must drop.
    let across = alice.ping(&b_vip.to_string(), 3).unwrap();
    assert!(across.all_answered(), "alice → bob: {}", across.output);

    // `ikelab connect` behind the NAT, in UDP 4500 (charon fakes a NAT anyway).
    let natc = lab.nat_client().clone();
    let dave = lab
        .start_connect(&natc, &ConnectConfig::new(DAVE, natc.addr), &[])
        .unwrap_or_else(|e| panic!("{e}"));
    dave.wait_for_log("tunnel: routes")
        .unwrap_or_else(|e| panic!("{e}\n{}", gateway.diagnostics()));
    let ping_dave = ping(&natc.netns, None, PROTECTED_HOST, 5, "0.2").unwrap();
    assert!(
        ping_dave.all_answered(),
        "{}\n{}",
        ping_dave.output,
        diagnose(&[&dave])
    );
    let sas = gateway.list_sas().unwrap();
    assert_eq!(sas.len(), 3, "{sas:#?}");
    assert!(
        sas.iter()
            .all(|sa| sa.children.iter().any(|c| c.name == CHILD)),
        "{sas:#?}"
    );
    let (down, exit) = dave.down().unwrap();
    assert!(down.status.success() && exit.is_some(), "{down:?}");
    drop((alice, bob, gateway));
    lab.close().unwrap_or_else(|e| panic!("{e}"));
    eprintln!("strongSwan gateway lab: {:?}", started.elapsed());
}
