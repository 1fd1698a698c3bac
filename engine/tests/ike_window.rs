//! Message IDs and retransmission (RFC 7296 §2.1, §2.3): exponential back-off as
//! deadlines, the reported timeout, the response cache, INVALID_MESSAGE_ID, and the
//! half-open expiry.

mod ike_support;

use core::time::Duration;

use ike_support::*;
use ikelab_engine::event::{DownReason, DropReason, EventKind};
use ikelab_engine::ike::SaState;
use ikelab_engine::sim::{LinkConfig, Side};
use ikelab_engine::wire::iana::{ExchangeType, NotifyType};
use ikelab_engine::wire::{Flags, IkeHeader, NotifyPayload, Payload, emit_payload_chain};

#[test]
fn unanswered_requests_back_off_exponentially_then_time_out() {
    let dead = LinkConfig {
        loss: 1.0,
        ..LinkConfig::default()
    };
    let (mut pair, id) = pair_with(&config(INITIATOR), config(RESPONDER), dead, 41);
    pair.drive();
    let times: Vec<u128> = pair
        .wire
        .iter()
        .filter(|w| w.from == Side::A)
        .map(|w| w.time.as_millis())
        .collect();
    // timeout 100 ms, base 1.8: waits of 100, 180, 324, 583, 1049 ms; the same bytes.
    assert_eq!(times, [0, 100, 280, 604, 1187, 2236]);
    let first = &pair.wire[0].datagram.payload;
    assert!(pair.wire.iter().all(|w| &w.datagram.payload == first));
    assert_eq!(state(&pair.a, id), None);
    let down = pair.a_events.iter().find_map(|e| match &e.kind {
        EventKind::IkeSaDown { reason } => Some((e.time_us, reason.clone())),
        _ => None,
    });
    // Gives up 1889 ms (100 * 1.8^5) after the fifth retransmission.
    assert_eq!(
        down,
        Some((
            4_125_000,
            DownReason::Timeout {
                exchange: ExchangeType::IKE_SA_INIT,
                message_id: 0,
                transmissions: 6
            }
        ))
    );
    let retransmits: Vec<u32> = pair
        .a_events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MessageSent(m) => Some(m.retransmission),
            _ => None,
        })
        .collect();
    assert_eq!(retransmits, [0, 1, 2, 3, 4, 5]);
}

#[test]
fn retransmitted_requests_get_the_cached_response_bytes() {
    let (mut pair, id) = default_pair(42);
    pair.drive();
    assert_eq!(state(&pair.a, id), Some(SaState::Established));
    let from_a: Vec<_> = pair
        .wire
        .iter()
        .filter(|w| w.from == Side::A)
        .map(|w| w.datagram.clone())
        .collect();
    let from_b: Vec<_> = pair
        .wire
        .iter()
        .filter(|w| w.from == Side::B)
        .map(|w| w.datagram.payload.clone())
        .collect();
    // The IKE_SA_INIT request again, then the IKE_AUTH request again.
    pair.inject(Side::B, from_a[0].clone());
    pair.inject(Side::B, from_a[1].clone());
    pair.drive();
    let again: Vec<_> = pair
        .wire
        .iter()
        .filter(|w| w.from == Side::B)
        .skip(2)
        .map(|w| w.datagram.payload.clone())
        .collect();
    // IKE_SA_INIT is stale once IKE_AUTH has been answered: dropped. IKE_AUTH's
    // response is the cached one, byte for byte.
    assert_eq!(again, [from_b[1].clone()]);
    assert!(
        drops(&pair.b_events)
            .iter()
            .any(|d| matches!(d, DropReason::UnexpectedMessage { .. }))
    );
    let resent = pair.b_events.iter().any(|e| matches!(&e.kind, EventKind::MessageSent(m) if m.retransmission == 1 && m.exchange == ExchangeType::IKE_AUTH));
    assert!(resent);
}

#[test]
fn a_duplicate_ike_sa_init_gets_the_same_response_while_half_open() {
    let (mut pair, _) = default_pair(43);
    pair.drive_until(Duration::from_millis(12));
    let Some(request) = pair
        .wire
        .iter()
        .find(|w| w.from == Side::A)
        .map(|w| w.datagram.clone())
    else {
        panic!("no request");
    };
    pair.inject(Side::B, request);
    let responses: Vec<_> = pair
        .wire
        .iter()
        .filter(|w| w.from == Side::B)
        .map(|w| w.datagram.payload.clone())
        .collect();
    assert_eq!(responses.len(), 2);
    assert_eq!(responses[0], responses[1]);
    assert_eq!(pair.b.ike_sa_ids().len(), 1);
}

#[test]
fn a_request_outside_the_window_is_answered_with_invalid_message_id() {
    let (mut pair, id) = default_pair(44);
    pair.drive();
    let Some(info) = pair.a.ike_sa(id) else {
        panic!("no SA");
    };
    // An authenticated INFORMATIONAL request with Message ID 7 (B expects 2).
    let header = IkeHeader::new(
        info.spi_i,
        info.spi_r,
        ExchangeType::INFORMATIONAL,
        Flags::new(true, false),
        7,
    );
    let (inner, first) = emit_payload_chain(&[]).unwrap_or_else(|e| panic!("{e}"));
    let bytes = seal_as_initiator(&pair.a_events, header, &inner, first);
    let Some(template) = pair
        .wire
        .iter()
        .find(|w| w.from == Side::A)
        .map(|w| w.datagram.clone())
    else {
        panic!("no datagram");
    };
    pair.inject(
        Side::B,
        ikelab_engine::Datagram {
            payload: bytes,
            ..template
        },
    );
    pair.drive();
    assert!(drops(&pair.b_events).iter().any(|d| matches!(
        d,
        DropReason::InvalidMessageId {
            message_id: 7,
            expected: 2
        }
    )));
    assert_eq!(
        sent(&pair.b_events).last().map(String::as_str),
        Some("INFORMATIONAL request 0 [ N(INVAL_MID) ]")
    );
    let notify = pair.a_events.iter().find_map(|e| match &e.kind {
        EventKind::MessageReceived(m) if m.exchange == ExchangeType::INFORMATIONAL => {
            m.payloads.first().cloned()
        }
        _ => None,
    });
    assert_eq!(
        notify,
        Some(Payload::Notify(NotifyPayload::new(
            NotifyType::INVALID_MESSAGE_ID,
            7u32.to_be_bytes().to_vec()
        )))
    );
    // A answered it (an empty response), and both SAs are still up.
    assert_eq!(
        sent(&pair.a_events).last().map(String::as_str),
        Some("INFORMATIONAL response 0 [ ]")
    );
    assert_eq!(state(&pair.a, id), Some(SaState::Established));
    assert_eq!(pair.b.ike_sa_ids().len(), 1);
}

#[test]
fn a_half_open_sa_expires() {
    let responder = with(RESPONDER, |c| c.half_open_timeout = Duration::from_secs(2));
    let mut b = engine(vec![responder], 45, true);
    let mut a = engine(Vec::new(), 46, true);
    if let Err(e) = a.initiate(Duration::ZERO, &config(INITIATOR)) {
        panic!("{e}");
    }
    let Some(request) = a.poll_transmit() else {
        panic!("no request");
    };
    b.handle_datagram(Duration::ZERO, request);
    assert_eq!(b.half_open_count(), 1);
    assert_eq!(b.poll_timeout(), Some(Duration::from_secs(2)));
    b.handle_timeout(Duration::from_secs(2));
    assert_eq!(b.half_open_count(), 0);
    assert!(b.ike_sa_ids().is_empty());
    let mut events = Vec::new();
    while let Some(e) = b.poll_event() {
        events.push(e);
    }
    assert!(matches!(
        down_reason(&events),
        Some(DownReason::HalfOpenExpired)
    ));
    assert_eq!(b.poll_timeout(), None);
}
