//! Set-up and checks of the tests of established SAs (part 2: create, rekey,
//! delete, liveness, lifetimes): an established pair, lookups of the current SAs,
//! and the invariant every test ends with: both sides hold the same SAs with the
//! same SPIs and keys.
#![allow(dead_code, unreachable_pub)]

use core::time::Duration;

use crate::ike_support::*;
use ikelab_engine::config::PeerConfig;
use ikelab_engine::crypto::keys::IkeKeys;
use ikelab_engine::event::{Action, Cause, CollisionReport, Event, EventKind, Outcome};
use ikelab_engine::ike::{IkeSaInfo, SaState};
use ikelab_engine::sim::{LinkConfig, Pair};
use ikelab_engine::wire::IkeSpi;
use ikelab_engine::{ChildSaId, Engine, IkeSaId};

/// A pair whose handshake is done (A initiated); panics with the transcript if not.
pub fn established(initiator: &PeerConfig, responder: PeerConfig, seed: u64) -> Pair {
    let (mut pair, id) = pair_with(initiator, responder, LinkConfig::default(), seed);
    pair.drive_until(Duration::from_secs(2));
    assert_eq!(
        state(&pair.a, id),
        Some(SaState::Established),
        "{}",
        transcript(&pair.a_events)
    );
    assert_eq!(
        live_ike(&pair.b).map(|i| i.state),
        Some(SaState::Established)
    );
    pair
}

pub fn default_established(seed: u64) -> Pair {
    established(&config(INITIATOR), config(RESPONDER), seed)
}

/// The established IKE SA of an engine that is not being replaced (the newest).
pub fn live_ike(engine: &Engine) -> Option<IkeSaInfo> {
    engine
        .ike_sa_ids()
        .into_iter()
        .rev()
        .filter_map(|id| engine.ike_sa(id))
        .find(|i| i.state == SaState::Established)
}

pub fn ike_id(engine: &Engine) -> IkeSaId {
    match live_ike(engine) {
        Some(i) => i.id,
        None => panic!("no established IKE SA"),
    }
}

/// IKE SAs that are not closing (a deleted SA lingers to answer retransmissions).
pub fn open_ike_sas(engine: &Engine) -> Vec<IkeSaId> {
    engine
        .ike_sa_ids()
        .into_iter()
        .filter(|id| {
            engine
                .ike_sa(*id)
                .is_some_and(|i| i.state != SaState::Closing)
        })
        .collect()
}

/// The CHILD SAs of an engine, in handle order.
pub fn children(engine: &Engine) -> Vec<ChildSaId> {
    engine.child_sas().map(|c| c.id).collect()
}

pub fn only_child(engine: &Engine) -> ChildSaId {
    match children(engine).as_slice() {
        [c] => *c,
        other => panic!("expected one CHILD SA, found {other:?}"),
    }
}

/// Every CHILD SA of A has its twin in B (SPIs crossed, same keys), and the
/// other way round.
pub fn assert_children_match(pair: &Pair) {
    let a: Vec<_> = pair.a.child_sas().collect();
    let b: Vec<_> = pair.b.child_sas().collect();
    assert_eq!(
        a.len(),
        b.len(),
        "CHILD SAs differ: {a:?} vs {b:?}\nA:\n{}\nB:\n{}",
        transcript(&pair.a_events),
        transcript(&pair.b_events)
    );
    for ca in &a {
        let Some(cb) = b.iter().find(|cb| cb.spi_in == ca.spi_out) else {
            panic!("no twin of {ca:?} in B: {b:?}");
        };
        assert_eq!(ca.spi_in, cb.spi_out);
        assert_eq!(ca.keys(), cb.keys(), "keys of {ca:?} and {cb:?} differ");
        assert_eq!(ca.proposal, cb.proposal);
        assert_ne!(ca.initiator, cb.initiator);
    }
}

/// The IKE keys an engine logged for these SPIs.
pub fn ike_keys_of(events: &[Event], spis: (IkeSpi, IkeSpi)) -> Option<IkeKeys> {
    events.iter().rev().find_map(|e| match &e.kind {
        EventKind::IkeSaKeys(k) if (k.spi_i, k.spi_r) == spis => Some(k.keys.clone()),
        _ => None,
    })
}

/// Both sides' live IKE SAs have the same SPIs and keys; returns the SPIs.
pub fn assert_ike_match(pair: &Pair) -> (IkeSpi, IkeSpi) {
    let (Some(a), Some(b)) = (live_ike(&pair.a), live_ike(&pair.b)) else {
        panic!(
            "no live IKE SA\nA:\n{}\nB:\n{}",
            transcript(&pair.a_events),
            transcript(&pair.b_events)
        );
    };
    assert_eq!((a.spi_i, a.spi_r), (b.spi_i, b.spi_r), "IKE SPIs differ");
    let spis = (a.spi_i, a.spi_r);
    let (ka, kb) = (
        ike_keys_of(&pair.a_events, spis),
        ike_keys_of(&pair.b_events, spis),
    );
    assert!(ka.is_some(), "no key log for {spis:?}");
    assert_eq!(ka, kb, "IKE keys differ");
    spis
}

/// The outcomes of the exchanges a side started, with action and cause.
pub fn outcomes(events: &[Event]) -> Vec<(Action, Cause, Outcome)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ExchangeDone {
                action,
                cause,
                outcome,
            } => Some((action.clone(), cause.clone(), outcome.clone())),
            _ => None,
        })
        .collect()
}

pub fn collisions(events: &[Event]) -> Vec<CollisionReport> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RekeyCollision(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

/// Each removed CHILD SA with its reason as the transcript words it.
pub fn child_down_reasons(events: &[Event]) -> Vec<(ChildSaId, String)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ChildSaDown { child, reason } => Some((*child, reason.describe())),
            _ => None,
        })
        .collect()
}

/// Messages a side sent from `from` on (first transmissions only).
pub fn sent_since(events: &[Event], from: usize) -> Vec<String> {
    sent(events.get(from..).unwrap_or_default())
}

/// Drives for `secs` seconds of virtual time.
pub fn run_for(pair: &mut Pair, secs: f64) {
    let until = pair.now + Duration::from_secs_f64(secs);
    pair.drive_until(until);
}

/// A configuration with the child's `esp_proposals` replaced.
pub fn with_esp(base: &str, esp: &[&str]) -> PeerConfig {
    with(base, |c| {
        if let Some(child) = c.children.get_mut("net") {
            child.esp_proposals = esp.iter().map(|s| (*s).to_owned()).collect();
        }
    })
}
