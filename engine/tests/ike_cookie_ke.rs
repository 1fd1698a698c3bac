//! IKE_SA_INIT detours: the COOKIE challenge (RFC 7296 §2.6) and INVALID_KE_PAYLOAD
//! (§1.3), both roles.

mod ike_support;

use core::time::Duration;

use ike_support::*;
use ikelab_engine::event::{CookieOutcome, Decision, DownReason, EventKind, KeOutcome};
use ikelab_engine::ike::SaState;
use ikelab_engine::sim::{LinkConfig, Side};
use ikelab_engine::wire::iana::{DhId, NotifyType};
use ikelab_engine::wire::{Message, Payload};

fn cookie_outcomes(events: &[ikelab_engine::event::Event]) -> Vec<CookieOutcome> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Decision(Decision::Cookie(c)) => Some(c.outcome.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn responder_demands_a_cookie_and_initiator_retries_with_it() {
    let responder = with(RESPONDER, |c| c.cookie_threshold = 1);
    let (mut pair, id) = pair_with(&config(INITIATOR), responder, LinkConfig::default(), 3);
    pair.drive();
    assert_eq!(
        state(&pair.a, id),
        Some(SaState::Established),
        "{}",
        transcript(&pair.a_events)
    );
    // On the wire: the stateless COOKIE answer (SPIr zero), then the request again
    // with N(COOKIE) first and everything else unchanged.
    let from_a: Vec<_> = pair.wire.iter().filter(|w| w.from == Side::A).collect();
    let from_b: Vec<_> = pair.wire.iter().filter(|w| w.from == Side::B).collect();
    let first = Message::parse(&from_a[0].datagram.payload).unwrap_or_else(|e| panic!("{e}"));
    let second = Message::parse(&from_a[1].datagram.payload).unwrap_or_else(|e| panic!("{e}"));
    let answer = Message::parse(&from_b[0].datagram.payload).unwrap_or_else(|e| panic!("{e}"));
    assert!(answer.header.spi_r.is_zero() && answer.header.is_response());
    let [Payload::Notify(cookie)] = answer.payloads.as_slice() else {
        panic!("the answer must be one COOKIE notify: {}", answer.summary());
    };
    assert_eq!(cookie.notify_type, NotifyType::COOKIE);
    let Some(Payload::Notify(echo)) = second.payloads.first() else {
        panic!("the retry must start with N(COOKIE)");
    };
    assert_eq!(echo.notify_type, NotifyType::COOKIE);
    assert_eq!(echo.data, cookie.data);
    assert_eq!(&second.payloads[1..], first.payloads.as_slice());
    assert_eq!(second.header.spi_i, first.header.spi_i);
    assert_eq!(
        cookie_outcomes(&pair.b_events),
        [CookieOutcome::Demanded, CookieOutcome::Verified]
    );
    assert_eq!(cookie_outcomes(&pair.a_events), [CookieOutcome::Retrying]);
    // No state was kept for the first request: one IKE SA only.
    assert_eq!(pair.b.ike_sa_ids().len(), 1);
}

#[test]
fn a_forged_cookie_is_ignored_and_asked_again() {
    let responder = with(RESPONDER, |c| c.cookie_threshold = 1);
    let (mut pair, _) = pair_with(&config(INITIATOR), responder, LinkConfig::default(), 4);
    // Deliver the first request, take the genuine answer off the wire.
    pair.drive_until(Duration::from_millis(15));
    let Some(request) = pair
        .wire
        .iter()
        .find(|w| w.from == Side::A)
        .map(|w| w.datagram.clone())
    else {
        panic!("no request");
    };
    let mut message = Message::parse(&request.payload).unwrap_or_else(|e| panic!("{e}"));
    message.payloads.insert(
        0,
        Payload::Notify(ikelab_engine::wire::NotifyPayload::new(
            NotifyType::COOKIE,
            vec![1; 33],
        )),
    );
    let forged = ikelab_engine::Datagram {
        payload: message.emit(),
        ..request
    };
    let before = pair.b.ike_sa_ids().len();
    pair.inject(Side::B, forged);
    assert_eq!(
        pair.b.ike_sa_ids().len(),
        before,
        "a forged cookie created state"
    );
    assert_eq!(
        cookie_outcomes(&pair.b_events).last(),
        Some(&CookieOutcome::Invalid)
    );
}

#[test]
fn half_open_flood_switches_the_responder_to_cookies() {
    // Threshold 3: two half-open SAs from other initiators exist, the third
    // request must bring a cookie.
    let responder = with(RESPONDER, |c| {
        c.cookie_threshold = 3;
        c.cookie_threshold_ip = 0;
        c.block_threshold = 0;
    });
    let (mut pair, id) = pair_with(&config(INITIATOR), responder, LinkConfig::default(), 5);
    // Two floods from another engine that never continue past IKE_SA_INIT.
    let mut flood = engine(Vec::new(), 77, false);
    for n in 0..2u8 {
        let c = with(INITIATOR, |c| {
            c.local_addrs = vec![format!("198.51.100.{}", n + 10)]
        });
        if let Err(e) = flood.initiate(Duration::ZERO, &c) {
            panic!("{e}");
        }
    }
    while let Some(d) = flood.poll_transmit() {
        pair.inject(Side::B, d);
    }
    assert_eq!(pair.b.half_open_count(), 2);
    pair.drive();
    // Our SA got through, after a cookie round.
    assert_eq!(
        state(&pair.a, id),
        Some(SaState::Established),
        "{}",
        transcript(&pair.b_events)
    );
    assert!(cookie_outcomes(&pair.b_events).contains(&CookieOutcome::Demanded));
}

#[test]
fn invalid_ke_payload_makes_the_initiator_retry_once_with_the_named_group() {
    // The initiator guesses ECP-256 (first group of its first proposal); the
    // responder only accepts x25519.
    let initiator = with(INITIATOR, |c| {
        c.proposals = vec!["aes256gcm16-prfsha256-ecp256-x25519".to_owned()]
    });
    let responder = with(RESPONDER, |c| {
        c.proposals = vec!["aes256gcm16-prfsha256-x25519".to_owned()]
    });
    let (mut pair, id) = pair_with(&initiator, responder, LinkConfig::default(), 6);
    pair.drive();
    assert_eq!(
        state(&pair.a, id),
        Some(SaState::Established),
        "{}",
        transcript(&pair.a_events)
    );
    assert_eq!(
        sent(&pair.b_events)[0],
        "IKE_SA_INIT response 0 [ N(INVAL_KE) ]",
        "{}",
        transcript(&pair.b_events)
    );
    let b_ke = find(&pair.b_events, |k| match k {
        EventKind::Decision(Decision::KeyExchange(d)) => Some(d.clone()),
        _ => None,
    });
    assert!(
        b_ke.is_some_and(|d| d.outcome == KeOutcome::RequestedOtherGroup
            && d.ke_group == DhId::ECP_256
            && d.proposal_group == DhId::CURVE25519)
    );
    let a_ke = find(&pair.a_events, |k| match k {
        EventKind::Decision(Decision::KeyExchange(d)) => Some(d.clone()),
        _ => None,
    });
    assert!(a_ke.is_some_and(|d| d.outcome == KeOutcome::Retrying));
    let requests: Vec<_> = pair.wire.iter().filter(|w| w.from == Side::A).collect();
    let retry = Message::parse(&requests[1].datagram.payload).unwrap_or_else(|e| panic!("{e}"));
    let ke = retry.payloads.iter().find_map(|p| match p {
        Payload::Ke(k) => Some(k.group),
        _ => None,
    });
    assert_eq!(ke, Some(DhId::CURVE25519));
    let up = find(&pair.a_events, |k| match k {
        EventKind::IkeSaUp(u) => Some(u.dh),
        _ => None,
    });
    assert_eq!(up, Some(DhId::CURVE25519));
}

#[test]
fn responder_uses_the_ke_group_when_the_chosen_proposal_contains_it() {
    // Both accept ECP-256 and x25519; the initiator's first proposal lists x25519
    // first but its KE (first group of the first proposal)... is x25519 too, so
    // reorder: the initiator lists ecp256 first, the responder prefers x25519.
    let initiator = with(INITIATOR, |c| {
        c.proposals = vec!["aes256gcm16-prfsha256-ecp256-x25519".to_owned()]
    });
    let responder = with(RESPONDER, |c| {
        c.proposals = vec!["aes256gcm16-prfsha256-x25519-ecp256".to_owned()]
    });
    let (mut pair, id) = pair_with(&initiator, responder, LinkConfig::default(), 7);
    pair.drive();
    assert_eq!(state(&pair.a, id), Some(SaState::Established));
    // One round trip, no INVALID_KE_PAYLOAD.
    assert_eq!(
        count(
            &pair.a_events,
            |k| matches!(k, EventKind::MessageSent(m) if m.retransmission == 0)
        ),
        2
    );
    let up = find(&pair.b_events, |k| match k {
        EventKind::IkeSaUp(u) => Some(u.dh),
        _ => None,
    });
    assert_eq!(up, Some(DhId::ECP_256));
}

#[test]
fn initiator_retries_only_once_and_only_with_an_offered_group() {
    // A responder that always asks for x25519 whatever it gets: a crafted one. We
    // feed the initiator INVALID_KE_PAYLOAD answers by hand.
    let initiator = with(INITIATOR, |c| {
        c.proposals = vec!["aes256gcm16-prfsha256-ecp256-x25519".to_owned()]
    });
    let (mut pair, id) = pair_with(
        &initiator,
        config(RESPONDER),
        LinkConfig {
            loss: 1.0,
            ..LinkConfig::default()
        },
        8,
    );
    pair.drive_until(Duration::from_millis(1));
    let answer = |pair: &ikelab_engine::sim::Pair, group: DhId| {
        let Some(last) = pair.wire.iter().rev().find(|w| w.from == Side::A) else {
            panic!("no request");
        };
        let request = Message::parse(&last.datagram.payload).unwrap_or_else(|e| panic!("{e}"));
        let header = ikelab_engine::wire::IkeHeader::new(
            request.header.spi_i,
            ikelab_engine::wire::IkeSpi::ZERO,
            request.header.exchange_type,
            ikelab_engine::wire::Flags::new(false, true),
            0,
        );
        let reply = Message {
            header,
            payloads: vec![Payload::Notify(
                ikelab_engine::wire::NotifyPayload::invalid_ke(group),
            )],
        };
        ikelab_engine::Datagram::new(last.datagram.dst, last.datagram.src, reply.emit())
    };
    let first = answer(&pair, DhId::CURVE25519);
    pair.inject(Side::A, first);
    assert_eq!(state(&pair.a, id), Some(SaState::InitSent));
    // A second INVALID_KE_PAYLOAD: no second retry, the SA fails.
    let second = answer(&pair, DhId::ECP_256);
    pair.inject(Side::A, second);
    // Unauthenticated: acted on when the retransmission timer fires.
    assert_eq!(state(&pair.a, id), Some(SaState::InitSent));
    pair.drive_until(pair.now + Duration::from_millis(100));
    assert_eq!(state(&pair.a, id), None);
    assert!(matches!(
        down_reason(&pair.a_events),
        Some(DownReason::PeerError {
            notify: NotifyType::INVALID_KE_PAYLOAD,
            ..
        })
    ));

    // A group we never offered: refused at once.
    let (mut pair, id) = pair_with(
        &initiator,
        config(RESPONDER),
        LinkConfig {
            loss: 1.0,
            ..LinkConfig::default()
        },
        9,
    );
    pair.drive_until(Duration::from_millis(1));
    let odd = answer(&pair, DhId::MODP_1024);
    pair.inject(Side::A, odd);
    pair.drive_until(pair.now + Duration::from_millis(100));
    assert_eq!(state(&pair.a, id), None);
    let refused = find(&pair.a_events, |k| match k {
        EventKind::Decision(Decision::KeyExchange(d)) => Some(d.outcome.clone()),
        _ => None,
    });
    assert!(
        matches!(refused, Some(KeOutcome::RetryRefused { .. })),
        "{refused:?}"
    );
}
