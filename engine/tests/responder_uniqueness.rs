//! A gateway and the clients of one identity: INITIAL_CONTACT (RFC 7296 §2.4), the
//! uniqueness policy (swanctl.conf(5) `unique`) and virtual IPs across a reload of
//! the gateway's configuration (`remove_responder` + `add_responder`). Three
//! engines on one network, driven through `handle_datagram` only.

mod driver_support;
mod ike_support;

use std::net::IpAddr;

use driver_support::*;
use ikelab_engine::config::PeerConfig;
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
