//! A gateway reloads its configuration while running (as `swanctl --load-conns`):
//! a responder configuration added to a running engine is used by the next
//! initiator; once removed, its established SAs stay up (they keep their compiled
//! policy) and the next initiator is refused with NO_PROPOSAL_CHOSEN, as charon
//! refuses a peer it has no configuration for. Driven through `handle_datagram`
//! only.

mod driver_support;
mod ike_support;

use driver_support::*;
use ikelab_engine::child::SEAL_OVERHEAD_MAX;
use ikelab_engine::event::{DownReason, DropReason, EventKind};
use ikelab_engine::ike::{EngineError, ResponderId, SaState};
use ikelab_engine::wire::iana::{ExchangeType, NotifyType};
use ikelab_engine::{Engine, EngineConfig, Time};

fn engine(seed: u64) -> Engine {
    match Engine::new(EngineConfig::default(), ike_support::rng(seed)) {
        Ok(e) => e,
        Err(e) => panic!("engine: {e}"),
    }
}

fn client(seed: u64) -> (Host, ikelab_engine::IkeSaId) {
    let mut host = Host::new(engine(seed));
    let id = host
        .engine
        .initiate(Time::ZERO, &ike_support::config(ike_support::INITIATOR))
        .unwrap_or_else(|e| panic!("initiate: {e}"));
    (host, id)
}

#[test]
fn a_configuration_added_while_running_is_used_and_once_removed_refuses_the_next_peer() {
    let mut gateway = Host::new(engine(2));
    let id = gateway
        .engine
        .add_responder(ike_support::config(ike_support::RESPONDER))
        .unwrap_or_else(|e| panic!("add_responder: {e}"));
    assert_eq!(id, ResponderId(0));
    assert_eq!(gateway.engine.responders().count(), 1);

    let (mut first, first_sa) = client(1);
    let now = exchange(&mut first, &mut gateway, Time::ZERO, SECOND);
    assert_eq!(
        first.state(first_sa),
        Some(SaState::Established),
        "{}",
        gateway.transcript()
    );
    let gateway_sa = gateway.engine.ike_sa_ids()[0];

    // Reload without the connection.
    let removed = gateway.engine.remove_responder(id);
    assert_eq!(
        removed
            .and_then(|c| c.local.id)
            .map(|i| i.as_str().to_owned()),
        Some("gw.example".to_owned())
    );
    assert_eq!(gateway.engine.remove_responder(id), None, "already gone");
    assert_eq!(gateway.engine.responders().count(), 0);

    // The next initiator is refused, statelessly, with NO_PROPOSAL_CHOSEN.
    let (mut second, second_sa) = client(3);
    let later = exchange(&mut second, &mut gateway, now, now + SECOND);
    let refused = second.events.iter().find_map(|e| match &e.kind {
        EventKind::IkeSaDown { reason } => Some(reason.clone()),
        _ => None,
    });
    assert_eq!(
        refused,
        Some(DownReason::PeerError {
            exchange: ExchangeType::IKE_SA_INIT,
            notify: NotifyType::NO_PROPOSAL_CHOSEN,
        }),
        "{}",
        second.transcript()
    );
    assert_ne!(second.state(second_sa), Some(SaState::Established));
    assert!(
        gateway.events.iter().any(|e| matches!(
            &e.kind,
            EventKind::MessageDropped(d) if d.reason == DropReason::NoConfiguration
        )),
        "{}",
        gateway.transcript()
    );
    assert_eq!(
        gateway.engine.ike_sa_ids(),
        vec![gateway_sa],
        "no state kept"
    );

    // The established SA stays up and still carries traffic.
    assert_eq!(gateway.state(gateway_sa), Some(SaState::Established));
    assert_eq!(first.state(first_sa), Some(SaState::Established));
    let child = first.engine.child_sas().next().expect("a CHILD SA");
    let vip = first_address(&child.local_ts);
    let request = icmp_echo(
        vip,
        "10.1.0.5".parse().expect("address"),
        ECHO_REQUEST,
        1,
        1,
    );
    let mut out = vec![0u8; request.len() + SEAL_OVERHEAD_MAX];
    let sealed = first
        .engine
        .seal_packet(later, &request, &mut out)
        .unwrap_or_else(|e| panic!("seal: {e}"));
    gateway.engine.handle_esp(
        later,
        ikelab_engine::Datagram::new(
            sealed.src,
            sealed.dst,
            out[sealed.offset..sealed.offset + sealed.len].to_vec(),
        ),
    );
    assert_eq!(gateway.engine.poll_packet().map(|p| p.bytes), Some(request));
}

#[test]
fn ids_stay_stable_when_an_earlier_configuration_is_removed() {
    let config = ike_support::config(ike_support::RESPONDER);
    let engine_config = EngineConfig {
        responder: vec![config.clone()],
        ..EngineConfig::default()
    };
    let mut gateway =
        Engine::new(engine_config, ike_support::rng(5)).unwrap_or_else(|e| panic!("engine: {e}"));
    let second = gateway
        .add_responder(config.clone())
        .unwrap_or_else(|e| panic!("add: {e}"));
    assert_eq!(second, ResponderId(1));
    assert!(gateway.remove_responder(ResponderId(0)).is_some());
    let third = gateway
        .add_responder(config)
        .unwrap_or_else(|e| panic!("add: {e}"));
    assert_eq!(third, ResponderId(2), "ids are never reused");
    let ids: Vec<ResponderId> = gateway.responders().map(|(id, _)| id).collect();
    assert_eq!(ids, [ResponderId(1), ResponderId(2)]);

    // And the remaining configuration still answers.
    let mut gateway = Host::new(gateway);
    let (mut peer, sa) = client(6);
    exchange(&mut peer, &mut gateway, Time::ZERO, SECOND);
    assert_eq!(
        peer.state(sa),
        Some(SaState::Established),
        "{}",
        gateway.transcript()
    );
}

#[test]
fn an_invalid_configuration_is_refused_and_changes_nothing() {
    let mut gateway = engine(7);
    let broken = ike_support::with(ike_support::RESPONDER, |c| {
        c.proposals = vec!["no-such-algorithm".to_owned()];
    });
    let refused = gateway.add_responder(broken);
    assert!(
        matches!(
            refused,
            Err(EngineError::Config {
                responder: Some(0),
                ..
            })
        ),
        "{refused:?}"
    );
    assert_eq!(gateway.responders().count(), 0);
    let added = gateway
        .add_responder(ike_support::config(ike_support::RESPONDER))
        .unwrap_or_else(|e| panic!("add: {e}"));
    assert_eq!(added, ResponderId(0), "a refused configuration takes no id");
}
