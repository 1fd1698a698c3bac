//! A gateway and the clients of one identity: INITIAL_CONTACT (RFC 7296 §2.4), the
//! uniqueness policy (swanctl.conf(5) `unique`) and virtual IPs across a reload of
//! the gateway's configuration (`remove_responder` + `add_responder`). Three
//! engines on one network, driven through `handle_datagram` only.

mod driver_support;
mod ike_support;

use std::net::IpAddr;

use driver_support::*;
use ikelab_engine::config::{PeerConfig, Unique};
use ikelab_engine::event::{
    Cause, Decision, DownReason, EventKind, Problem, UniquenessDecision, UniquenessOutcome,
};
use ikelab_engine::ike::{ResponderId, SaState};
use ikelab_engine::wire::iana::{ExchangeType, NotifyType};
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

/// The gateway's uniqueness decision, if it made one.
fn uniqueness(gateway: &Host) -> Option<UniquenessDecision> {
    gateway.events.iter().find_map(|e| match &e.kind {
        EventKind::Decision(Decision::Uniqueness(u)) => Some(u.clone()),
        _ => None,
    })
}

/// Whether the first IKE_AUTH request of a client carried INITIAL_CONTACT.
fn sent_initial_contact(client: &Host) -> bool {
    ike_support::sent(&client.events)
        .iter()
        .any(|m| m.starts_with("IKE_AUTH request") && m.contains("N(INIT_CONTACT)"))
}

/// Another client of alice's identity, at `address`, with `unique` of its own.
fn alice_at(address: &str, unique: Unique) -> PeerConfig {
    let mut config = client_config(address, "alice.example");
    config.unique = unique;
    config
}

/// A client connects; returns it, its IKE SA and the time reached.
fn connect(gw: &mut Host, seed: u64, now: Time, config: &PeerConfig) -> (Host, IkeSaId, Time) {
    let (mut client, sa) = client(seed, now, config);
    let address = ip(&config.local_addrs[0]);
    let now = exchange_routed(
        &mut [(ip(GATEWAY_IP), gw), (address, &mut client)],
        now,
        now + SECOND,
    );
    (client, sa, now)
}

#[test]
fn no_replaces_the_older_sa_on_initial_contact_and_the_client_keeps_its_virtual_ip() {
    let (mut gw, _) = gateway(|c| c.unique = Unique::No);
    let (_lost, _, old, now) = connect_alice(&mut gw, 1, Time::ZERO);
    // The client restarts: another engine, INITIAL_CONTACT.
    let (alice, sa, new, _) = connect_alice(&mut gw, 2, now);
    assert!(sent_initial_contact(&alice));
    let decision = uniqueness(&gw).unwrap_or_else(|| panic!("{}", gw.transcript()));
    assert_eq!(
        (
            decision.outcome,
            decision.existing,
            decision.initial_contact
        ),
        (UniquenessOutcome::Replaced, vec![old], true)
    );
    assert_eq!(
        down_reason(&gw, old),
        Some(DownReason::ReplacedByInitialContact { new_sa: new })
    );
    assert_eq!(gateway_sas(&gw, SaState::Established), [new]);
    assert_eq!(vips(&alice, sa), [ip("10.3.0.1")]);
}

#[test]
fn no_keeps_the_older_sa_without_initial_contact_which_a_never_initiator_does_not_send() {
    let (mut gw, _) = gateway(|c| c.unique = Unique::No);
    let (first, first_sa, now) =
        connect(&mut gw, 1, Time::ZERO, &alice_at("192.0.2.2", Unique::No));
    assert!(sent_initial_contact(&first));
    let (second, second_sa, _) = connect(&mut gw, 2, now, &alice_at("192.0.2.3", Unique::Never));
    assert!(!sent_initial_contact(&second), "{}", second.transcript());
    assert_eq!(second.state(second_sa), Some(SaState::Established));
    assert_eq!(first.state(first_sa), Some(SaState::Established));
    assert_eq!(gateway_sas(&gw, SaState::Established).len(), 2);
    // Two devices of one identity side by side: each has an address of its own, as
    // charon's pool gives them, so the gateway's return traffic finds each.
    assert_eq!(vips(&first, first_sa), [ip("10.3.0.1")]);
    assert_eq!(
        vips(&second, second_sa),
        [ip("10.3.0.2")],
        "{}",
        gw.transcript()
    );
    let decision = uniqueness(&gw).unwrap_or_else(|| panic!("{}", gw.transcript()));
    assert_eq!(decision.outcome, UniquenessOutcome::Kept);
    assert!(
        decision.describe().contains("no INITIAL_CONTACT"),
        "{}",
        decision.describe()
    );
}

#[test]
fn never_keeps_the_older_sa_even_on_initial_contact() {
    let (mut gw, _) = gateway(|c| c.unique = Unique::Never);
    let (_first, _, old, now) = connect_alice(&mut gw, 1, Time::ZERO);
    let (alice, sa, new, _) = connect_alice(&mut gw, 2, now);
    assert!(sent_initial_contact(&alice));
    assert_eq!(alice.state(sa), Some(SaState::Established));
    assert_eq!(gateway_sas(&gw, SaState::Established), [old, new]);
    let decision = uniqueness(&gw).unwrap_or_else(|| panic!("{}", gw.transcript()));
    assert_eq!(
        (
            decision.unique,
            decision.outcome.clone(),
            decision.existing.clone()
        ),
        (Unique::Never, UniquenessOutcome::Kept, vec![old])
    );
    assert!(
        decision.describe().contains("ignoring INITIAL_CONTACT"),
        "{}",
        decision.describe()
    );
}

#[test]
fn keep_refuses_a_second_sa_from_another_address_with_authentication_failed() {
    let (mut gw, _) = gateway(|c| c.unique = Unique::Keep);
    let (first, first_sa, now) =
        connect(&mut gw, 1, Time::ZERO, &alice_at("192.0.2.2", Unique::No));
    let old = gateway_sas(&gw, SaState::Established)[0];
    // Without INITIAL_CONTACT (which would replace the first, as charon does).
    let (second, second_sa, _) = connect(&mut gw, 2, now, &alice_at("192.0.2.3", Unique::Never));
    assert_ne!(second.state(second_sa), Some(SaState::Established));
    assert_eq!(
        down_reason(&second, second_sa),
        Some(DownReason::PeerError {
            exchange: ExchangeType::IKE_AUTH,
            notify: NotifyType::AUTHENTICATION_FAILED,
        }),
        "{}",
        second.transcript()
    );
    let new = gw
        .engine
        .ike_sa_ids()
        .into_iter()
        .find(|id| *id != old)
        .unwrap_or_else(|| panic!("{}", gw.transcript()));
    let reason = down_reason(&gw, new).unwrap_or_else(|| panic!("{}", gw.transcript()));
    assert_eq!(
        reason,
        DownReason::Refused {
            exchange: ExchangeType::IKE_AUTH,
            notify: NotifyType::AUTHENTICATION_FAILED,
            problem: Problem::UniquenessKeep { existing: old },
        }
    );
    assert!(
        reason.describe().contains("unique = keep"),
        "{}",
        reason.describe()
    );
    assert_eq!(
        uniqueness(&gw).map(|d| d.outcome),
        Some(UniquenessOutcome::Refused)
    );
    // The first stays, and the refused SA took no address from the pool.
    assert_eq!(first.state(first_sa), Some(SaState::Established));
    assert_eq!(gateway_sas(&gw, SaState::Established), [old]);
    assert!(
        !gw.events.iter().any(|e| e.ike_sa == Some(new)
            && matches!(&e.kind, EventKind::Decision(Decision::VirtualIp(_)))),
        "{}",
        gw.transcript()
    );
}

#[test]
fn keep_yields_to_initial_contact_as_charon_does() {
    let (mut gw, _) = gateway(|c| c.unique = Unique::Keep);
    let (_lost, _, old, now) = connect_alice(&mut gw, 1, Time::ZERO);
    let (alice, sa, new, _) = connect_alice(&mut gw, 2, now);
    assert!(sent_initial_contact(&alice));
    assert_eq!(alice.state(sa), Some(SaState::Established));
    assert_eq!(
        down_reason(&gw, old),
        Some(DownReason::ReplacedByInitialContact { new_sa: new })
    );
    assert_eq!(gateway_sas(&gw, SaState::Established), [new]);
}

#[test]
fn keep_takes_a_second_sa_from_the_same_address_for_a_reauthentication() {
    let (mut gw, _) = gateway(|c| c.unique = Unique::Keep);
    let config = alice_at("192.0.2.2", Unique::No);
    let (mut alice, first, now) = connect(&mut gw, 1, Time::ZERO, &config);
    // The same client connects again (no INITIAL_CONTACT: it has an SA with the
    // gateway), from the same address and port.
    let second = alice
        .engine
        .initiate(now, &config)
        .unwrap_or_else(|e| panic!("initiate: {e}"));
    exchange_routed(
        &mut [(ip(GATEWAY_IP), &mut gw), (ip("192.0.2.2"), &mut alice)],
        now,
        now + SECOND,
    );
    assert_eq!(alice.state(first), Some(SaState::Established));
    assert_eq!(alice.state(second), Some(SaState::Established));
    assert_eq!(
        uniqueness(&gw).map(|d| d.outcome),
        Some(UniquenessOutcome::Reauthentication),
        "{}",
        gw.transcript()
    );
    assert_eq!(gateway_sas(&gw, SaState::Established).len(), 2);
}

#[test]
fn replace_deletes_the_older_sa_with_a_delete_the_client_receives() {
    let (mut gw, _) = gateway(|c| c.unique = Unique::Replace);
    let config = alice_at("192.0.2.2", Unique::No);
    let (mut alice, first, now) = connect(&mut gw, 1, Time::ZERO, &config);
    let old = gateway_sas(&gw, SaState::Established)[0];
    // The same client connects again, without INITIAL_CONTACT.
    let second = alice
        .engine
        .initiate(now, &config)
        .unwrap_or_else(|e| panic!("initiate: {e}"));
    exchange_routed(
        &mut [(ip(GATEWAY_IP), &mut gw), (ip("192.0.2.2"), &mut alice)],
        now,
        now + SECOND,
    );
    assert_eq!(alice.state(second), Some(SaState::Established));
    let new = gateway_sas(&gw, SaState::Established);
    assert_eq!(new.len(), 1, "{}", gw.transcript());
    let decision = uniqueness(&gw).unwrap_or_else(|| panic!("{}", gw.transcript()));
    assert_eq!(
        (decision.outcome.clone(), decision.existing.clone()),
        (UniquenessOutcome::Deleted, vec![old])
    );
    assert!(
        decision.describe().contains("due to uniqueness policy"),
        "{}",
        decision.describe()
    );
    // The gateway deleted the old SA with a Delete, for this reason...
    let reason = down_reason(&gw, old).unwrap_or_else(|| panic!("{}", gw.transcript()));
    assert_eq!(
        reason,
        DownReason::Deleted {
            cause: Cause::Uniqueness { new_sa: new[0] }
        }
    );
    assert!(
        reason.describe().contains("unique = replace"),
        "{}",
        reason.describe()
    );
    // ...which the client received: its first SA is down, deleted by the peer.
    assert!(
        ike_support::received(&alice.events)
            .iter()
            .any(|m| m.starts_with("INFORMATIONAL request") && m.contains("[ D ]")),
        "{}",
        alice.transcript()
    );
    assert_eq!(down_reason(&alice, first), Some(DownReason::DeletedByPeer));
    assert_ne!(alice.state(first), Some(SaState::Established));
    // The new SA has the client's address.
    assert_eq!(vips(&alice, second), [ip("10.3.0.1")]);
}
