//! A gateway and the clients of one identity: INITIAL_CONTACT (RFC 7296 §2.4), the
//! uniqueness policy (swanctl.conf(5) `unique`) and virtual IPs across a reload of
//! the gateway's configuration (`remove_responder` + `add_responder`). Three
//! engines on one network, driven through `handle_datagram` only.

mod driver_support;
mod ike_support;

use std::net::IpAddr;

use driver_support::*;
use ikelab_engine::config::PeerConfig;
use ikelab_engine::event::{DownReason, EventKind};
use ikelab_engine::ike::{ResponderId, SaState};
use ikelab_engine::{Engine, EngineConfig, IkeSaId, Time};

const GATEWAY_IP: &str = "192.0.2.1";

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn engine(seed: u64) -> Engine {
    Engine::new(EngineConfig::default(), ike_support::rng(seed))
        .unwrap_or_else(|e| panic!("engine: {e}"))
}

/// The gateway of the fixtures, with `edit` applied to its configuration.
fn gateway(edit: impl FnOnce(&mut PeerConfig)) -> (Host, ResponderId) {
    let mut host = Host::new(engine(100));
    let id = host
        .engine
        .add_responder(ike_support::with(ike_support::RESPONDER, edit))
        .unwrap_or_else(|e| panic!("add_responder: {e}"));
    (host, id)
}

/// The client of the fixtures at `address` with identity `identity`.
fn client_config(address: &str, identity: &str) -> PeerConfig {
    ike_support::with(ike_support::INITIATOR, |c| {
        c.local_addrs = vec![address.to_owned()];
        c.local.id = Some(
            ikelab_engine::config::Identity::parse(identity).unwrap_or_else(|e| panic!("{e}")),
        );
    })
}

/// A client engine that has started to connect with `config`.
fn client(seed: u64, now: Time, config: &PeerConfig) -> (Host, IkeSaId) {
    let mut host = Host::new(engine(seed));
    let sa = host
        .engine
        .initiate(now, config)
        .unwrap_or_else(|e| panic!("initiate: {e}"));
    (host, sa)
}

/// The virtual IPs a client's IKE SA was given.
fn vips(host: &Host, sa: IkeSaId) -> Vec<IpAddr> {
    host.engine
        .ike_sa(sa)
        .map(|info| info.virtual_ips)
        .unwrap_or_default()
}

#[test]
fn a_reloaded_configuration_hands_an_online_clients_address_to_no_one_else() {
    let (mut gw, first_config) = gateway(|_| {});
    let alice_config = client_config("192.0.2.2", "alice.example");
    let (mut alice, alice_sa) = client(1, Time::ZERO, &alice_config);
    let now = exchange_routed(
        &mut [(ip(GATEWAY_IP), &mut gw), (ip("192.0.2.2"), &mut alice)],
        Time::ZERO,
        SECOND,
    );
    assert_eq!(
        vips(&alice, alice_sa),
        [ip("10.3.0.1")],
        "{}",
        gw.transcript()
    );

    // The gateway reloads the connection: the same configuration, a new id.
    let removed = gw.engine.remove_responder(first_config);
    let config = removed.unwrap_or_else(|| panic!("configuration not loaded"));
    let reloaded = gw
        .engine
        .add_responder(config)
        .unwrap_or_else(|e| panic!("add_responder: {e}"));
    assert_ne!(reloaded, first_config);

    // Bob is not handed alice's address: she is still online.
    let (mut bob, bob_sa) = client(2, now, &client_config("192.0.2.3", "bob.example"));
    let now = exchange_routed(
        &mut [(ip(GATEWAY_IP), &mut gw), (ip("192.0.2.3"), &mut bob)],
        now,
        now + SECOND,
    );
    assert_eq!(bob.state(bob_sa), Some(SaState::Established));
    assert_eq!(vips(&bob, bob_sa), [ip("10.3.0.2")], "{}", gw.transcript());

    // Alice reconnects (a restarted client) and gets her address back.
    let (mut alice, again) = client(3, now, &alice_config);
    exchange_routed(
        &mut [(ip(GATEWAY_IP), &mut gw), (ip("192.0.2.2"), &mut alice)],
        now,
        now + SECOND,
    );
    assert_eq!(alice.state(again), Some(SaState::Established));
    assert_eq!(vips(&alice, again), [ip("10.3.0.1")], "{}", gw.transcript());
}

/// Why the gateway's IKE SA `sa` went down, if it did.
fn down_reason(host: &Host, sa: IkeSaId) -> Option<DownReason> {
    host.events.iter().find_map(|e| match &e.kind {
        EventKind::IkeSaDown { reason } if e.ike_sa == Some(sa) => Some(reason.clone()),
        _ => None,
    })
}

/// The gateway's IKE SAs in state `state`, in creation order.
fn gateway_sas(gateway: &Host, state: SaState) -> Vec<IkeSaId> {
    gateway
        .engine
        .ike_sa_ids()
        .into_iter()
        .filter(|id| gateway.state(*id) == Some(state))
        .collect()
}

/// Alice connects to `gw`; returns her client, her IKE SA, the gateway's and the
/// time reached.
fn connect_alice(gw: &mut Host, seed: u64, now: Time) -> (Host, IkeSaId, IkeSaId, Time) {
    let (mut alice, sa) = client(seed, now, &client_config("192.0.2.2", "alice.example"));
    let before = gw.engine.ike_sa_ids();
    let now = exchange_routed(
        &mut [(ip(GATEWAY_IP), gw), (ip("192.0.2.2"), &mut alice)],
        now,
        now + SECOND,
    );
    assert_eq!(
        alice.state(sa),
        Some(SaState::Established),
        "{}",
        gw.transcript()
    );
    let gateway_sa = gw
        .engine
        .ike_sa_ids()
        .into_iter()
        .find(|id| !before.contains(id))
        .unwrap_or_else(|| panic!("no new gateway SA"));
    (alice, sa, gateway_sa, now)
}

#[test]
fn initial_contact_after_a_reload_replaces_the_old_sa_and_the_client_keeps_its_virtual_ip() {
    let (mut gw, loaded) = gateway(|_| {});
    let (_lost, _, old_gateway_sa, now) = connect_alice(&mut gw, 1, Time::ZERO);

    // The gateway reloads the connection (an equal configuration, a new id)...
    let config = gw
        .engine
        .remove_responder(loaded)
        .unwrap_or_else(|| panic!("configuration not loaded"));
    gw.engine
        .add_responder(config)
        .unwrap_or_else(|e| panic!("add_responder: {e}"));

    // ...and alice's client restarts: a new engine, INITIAL_CONTACT.
    let (alice, sa, gateway_sa, _) = connect_alice(&mut gw, 2, now);
    assert!(
        ike_support::sent(&alice.events)[1].contains("N(INIT_CONTACT)"),
        "{}",
        alice.transcript()
    );
    assert_eq!(
        down_reason(&gw, old_gateway_sa),
        Some(DownReason::ReplacedByInitialContact { new_sa: gateway_sa }),
        "{}",
        gw.transcript()
    );
    assert_eq!(gateway_sas(&gw, SaState::Established), [gateway_sa]);
    assert_eq!(vips(&alice, sa), [ip("10.3.0.1")]);
}

#[test]
fn initial_contact_leaves_an_sa_between_other_identities() {
    // The gateway's identity is its address (no local.id), and it has two.
    let (mut gw, _) = gateway(|c| {
        c.local_addrs = vec!["%any".to_owned()];
        c.local.id = None;
    });
    let to = |gateway: &str| {
        let mut config = client_config("192.0.2.2", "alice.example");
        config.remote_addrs = vec![gateway.to_owned()];
        config.remote.id =
            ikelab_engine::config::Identity::parse("%any").unwrap_or_else(|e| panic!("{e}"));
        config
    };
    let (mut first, first_sa) = client(1, Time::ZERO, &to("192.0.2.1"));
    let now = exchange(&mut first, &mut gw, Time::ZERO, SECOND);
    // Alice again, to the other address: INITIAL_CONTACT, but between alice and
    // 192.0.2.10, not alice and 192.0.2.1 (RFC 7296 §2.4).
    let (mut second, second_sa) = client(2, now, &to("192.0.2.10"));
    exchange(&mut second, &mut gw, now, now + SECOND);
    assert_eq!(first.state(first_sa), Some(SaState::Established));
    assert_eq!(second.state(second_sa), Some(SaState::Established));
    assert!(
        ike_support::sent(&second.events)[1].contains("N(INIT_CONTACT)"),
        "{}",
        second.transcript()
    );
    assert_eq!(
        gateway_sas(&gw, SaState::Established).len(),
        2,
        "{}",
        gw.transcript()
    );
}
