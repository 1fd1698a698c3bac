//! The responder's cookie secret rotates on a timer, and a cookie made under the
//! previous secret stays valid for one more period (RFC 7296 §2.6), in virtual
//! time: the initiator's request carrying its cookie is held back and delivered
//! after one rotation (accepted) or two (refused, a fresh cookie demanded).

mod driver_support;
mod ike_support;

use core::time::Duration;

use driver_support::*;
use ikelab_engine::event::{CookieOutcome, Decision, EventKind};
use ikelab_engine::ike::cookie::COOKIE_SECRET_PERIOD;
use ikelab_engine::{Datagram, Engine, EngineConfig, Time};

fn hosts() -> (Host, Host) {
    let make = |responder, seed| {
        let config = EngineConfig {
            responder,
            ..EngineConfig::default()
        };
        Host::new(Engine::new(config, ike_support::rng(seed)).unwrap_or_else(|e| panic!("{e}")))
    };
    let gateway_config = ike_support::with(ike_support::RESPONDER, |c| c.cookie_threshold = 1);
    let mut client = make(Vec::new(), 11);
    let gateway = make(vec![gateway_config], 12);
    client
        .engine
        .initiate(Time::ZERO, &ike_support::config(ike_support::INITIATOR))
        .unwrap_or_else(|e| panic!("initiate: {e}"));
    (client, gateway)
}

/// The request with the cookie, after the gateway demanded one at time zero.
fn request_with_cookie(client: &mut Host, gateway: &mut Host) -> Datagram {
    deliver(client, gateway, Time::ZERO);
    deliver(gateway, client, Time::ZERO);
    let held = client
        .engine
        .poll_transmit()
        .expect("the request with N(COOKIE)");
    client.drain_events();
    held
}

fn cookie_outcomes(host: &Host) -> Vec<CookieOutcome> {
    host.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Decision(Decision::Cookie(c)) => Some(c.outcome.clone()),
            _ => None,
        })
        .collect()
}

/// Runs the gateway's timers up to `until`, as a driver does at `poll_timeout`.
fn tick_until(gateway: &mut Host, until: Time) {
    while let Some(at) = gateway.engine.poll_timeout().filter(|at| *at <= until) {
        gateway.engine.handle_timeout(at);
    }
    gateway.drain_events();
}

#[test]
fn a_cookie_survives_one_rotation() {
    let (mut client, mut gateway) = hosts();
    let held = request_with_cookie(&mut client, &mut gateway);
    assert_eq!(cookie_outcomes(&gateway), [CookieOutcome::Demanded]);
    // Handing out a cookie armed the rotation, one period on.
    assert_eq!(gateway.engine.poll_timeout(), Some(COOKIE_SECRET_PERIOD));
    let after_one = COOKIE_SECRET_PERIOD + Duration::from_secs(1);
    tick_until(&mut gateway, after_one);
    gateway.engine.handle_datagram(after_one, held);
    gateway.drain_events();
    assert_eq!(
        cookie_outcomes(&gateway),
        [CookieOutcome::Demanded, CookieOutcome::Verified],
        "{}",
        gateway.transcript()
    );
}

#[test]
fn a_cookie_two_rotations_old_is_refused_and_a_fresh_one_demanded() {
    let (mut client, mut gateway) = hosts();
    let held = request_with_cookie(&mut client, &mut gateway);
    let after_two = COOKIE_SECRET_PERIOD * 2 + Duration::from_secs(1);
    tick_until(&mut gateway, after_two);
    // No cookie since the rotation: the timer went quiet with the old secret.
    assert_eq!(gateway.engine.poll_timeout(), None);
    gateway.engine.handle_datagram(after_two, held);
    gateway.drain_events();
    assert_eq!(
        cookie_outcomes(&gateway),
        [CookieOutcome::Demanded, CookieOutcome::Invalid],
        "{}",
        gateway.transcript()
    );
    assert!(
        gateway.engine.poll_transmit().is_some(),
        "a fresh COOKIE answer"
    );
    assert!(gateway.engine.ike_sa_ids().is_empty(), "no state kept");
}
