//! Malformed and unauthenticated bytes: every kind, at every stage, to both peers,
//! changes no SA's state; IKE_SA_INIT requests get the RFC's stateless answers;
//! authenticated but malformed requests get INVALID_SYNTAX or
//! UNSUPPORTED_CRITICAL_PAYLOAD.

mod ike_support;

use core::time::Duration;

use ike_support::*;
use ikelab_engine::Datagram;
use ikelab_engine::event::{DropReason, EventKind};
use ikelab_engine::ike::{IkeSaInfo, SaState};
use ikelab_engine::sim::{Pair, Side};
use ikelab_engine::wire::iana::{ExchangeType, NotifyType, PayloadType};
use ikelab_engine::wire::{
    Flags, IkeHeader, Message, NotifyPayload, Payload, UnknownPayload, emit_payload_chain,
};

fn snapshot(engine: &ikelab_engine::Engine) -> Vec<IkeSaInfo> {
    engine
        .ike_sa_ids()
        .into_iter()
        .filter_map(|id| engine.ike_sa(id))
        .collect()
}

/// Hostile variants of a genuine datagram.
fn mutations(genuine: &Datagram) -> Vec<Datagram> {
    let mut out = Vec::new();
    let mut push = |payload: Vec<u8>| {
        out.push(Datagram {
            payload,
            ..genuine.clone()
        })
    };
    let bytes = genuine.payload.clone();
    let marker = bytes.starts_with(&[0, 0, 0, 0]);
    let skip = if marker { 4 } else { 0 };
    push(Vec::new());
    push(vec![0xff; 3]);
    push(bytes[..bytes.len().min(skip + 20)].to_vec());
    push(bytes[..bytes.len() - 1].to_vec());
    let mut longer = bytes.clone();
    longer.push(0);
    push(longer);
    for at in [
        skip + 17,
        skip + 19,
        skip + 27,
        skip + 30,
        bytes.len() - 1,
        bytes.len() / 2,
    ] {
        let mut flipped = bytes.clone();
        if let Some(b) = flipped.get_mut(at) {
            *b ^= 0x41;
        }
        push(flipped);
    }
    // Flags flipped: a response as a request and the other way round.
    let mut reflag = bytes.clone();
    if let Some(b) = reflag.get_mut(skip + 19) {
        *b ^= Flags::RESPONSE;
    }
    push(reflag);
    out
}

/// Every existing SA is still there, unchanged.
fn unchanged(before: &[IkeSaInfo], after: &[IkeSaInfo]) -> bool {
    before.iter().all(|b| after.contains(b))
}

/// Every mutation of every datagram seen so far, to the peer it was for: no existing
/// SA changes state.
fn assault(pair: &mut Pair) {
    let records: Vec<_> = pair.wire.clone();
    for record in records {
        for bad in mutations(&record.datagram) {
            // IKE_SA_INIT is unauthenticated by design (RFC 7296 §2.4): a changed but
            // well-formed one is a different message, not a malformed one; skip it.
            let ike = bad
                .payload
                .strip_prefix(&[0u8, 0, 0, 0][..])
                .unwrap_or(&bad.payload);
            let init = IkeHeader::parse(&record.datagram.payload)
                .is_ok_and(|h| h.header.exchange_type == ExchangeType::IKE_SA_INIT);
            if init && Message::parse(ike).is_ok() {
                continue;
            }
            let target = record.from.other();
            let before_a = snapshot(&pair.a);
            let before_b = snapshot(&pair.b);
            let events_before = pair.events(target).len();
            pair.inject(target, bad);
            assert!(unchanged(&before_a, &snapshot(&pair.a)));
            assert!(unchanged(&before_b, &snapshot(&pair.b)));
            for e in &pair.events(target)[events_before..] {
                match &e.kind {
                    EventKind::MessageDropped(_)
                    | EventKind::MessageReceived(_)
                    | EventKind::Decision(_)
                    | EventKind::MessageSent(_)
                    | EventKind::IkeSaCreated { .. }
                    | EventKind::KeysDerived { .. }
                    | EventKind::IkeSaKeys(_)
                    | EventKind::Timer { .. } => {}
                    other => panic!("a hostile datagram caused {other:?}"),
                }
            }
        }
    }
}

#[test]
fn hostile_bytes_never_change_state_at_any_stage() {
    let (mut pair, id) = default_pair(51);
    // Stage 1: IKE_SA_INIT request on the wire, not yet delivered.
    pair.drive_until(Duration::from_millis(5));
    assault(&mut pair);
    // Stage 2: IKE_AUTH in flight (responder half-open, initiator waiting).
    pair.drive_until(Duration::from_millis(25));
    assault(&mut pair);
    // Stage 3: established.
    pair.drive_until(Duration::from_millis(60));
    assert_eq!(
        state(&pair.a, id),
        Some(SaState::Established),
        "{}",
        transcript(&pair.a_events)
    );
    assault(&mut pair);
    pair.drive_until(Duration::from_secs(40));
    assert_eq!(state(&pair.a, id), Some(SaState::Established));
    assert_eq!(
        pair.b.ike_sa_ids().len(),
        1,
        "{}",
        transcript(&pair.b_events)
    );
    assert_eq!(pair.a.child_sas().count(), 1);
    let unauthenticated = drops(&pair.b_events)
        .iter()
        .filter(|d| matches!(d, DropReason::Unauthenticated { .. }))
        .count();
    assert!(unauthenticated > 0);
}

fn init_request() -> Datagram {
    let mut a = engine(Vec::new(), 52, false);
    if let Err(e) = a.initiate(Duration::ZERO, &config(INITIATOR)) {
        panic!("{e}");
    }
    a.poll_transmit().unwrap_or_else(|| panic!("no request"))
}

fn answer_to(request: Datagram) -> (Message, usize) {
    let mut b = engine(vec![config(RESPONDER)], 53, false);
    b.handle_datagram(Duration::ZERO, request);
    let reply = b.poll_transmit().unwrap_or_else(|| panic!("no answer"));
    (
        Message::parse(&reply.payload).unwrap_or_else(|e| panic!("{e}")),
        b.ike_sa_ids().len(),
    )
}

#[test]
fn malformed_ike_sa_init_requests_get_stateless_error_answers() {
    let genuine = init_request();
    let mut message = Message::parse(&genuine.payload).unwrap_or_else(|e| panic!("{e}"));
    // An unknown payload with the critical bit: UNSUPPORTED_CRITICAL_PAYLOAD naming it.
    message.payloads.push(Payload::Unknown(UnknownPayload {
        payload_type: PayloadType(200),
        critical: true,
        body: vec![1, 2, 3],
    }));
    let (answer, sas) = answer_to(Datagram {
        payload: message.emit(),
        ..genuine.clone()
    });
    assert_eq!(sas, 0);
    assert_eq!(
        answer.payloads,
        [Payload::Notify(
            NotifyPayload::unsupported_critical_payload(PayloadType(200))
        )]
    );
    assert!(answer.header.spi_r.is_zero());

    // A truncated Nonce payload: INVALID_SYNTAX.
    let mut bytes = genuine.payload.clone();
    let (answer, sas) = {
        let message = Message::parse(&bytes).unwrap_or_else(|e| panic!("{e}"));
        let mut payloads = message.payloads.clone();
        if let Some(Payload::Nonce(n)) =
            payloads.iter_mut().find(|p| matches!(p, Payload::Nonce(_)))
        {
            n.data.truncate(8);
        }
        bytes = Message {
            header: message.header,
            payloads,
        }
        .emit();
        answer_to(Datagram {
            payload: bytes,
            ..genuine.clone()
        })
    };
    assert_eq!(sas, 0);
    assert_eq!(
        answer.payloads,
        [Payload::Notify(NotifyPayload::new(
            NotifyType::INVALID_SYNTAX,
            vec![]
        ))]
    );

    // Major version 3: INVALID_MAJOR_VERSION in a version 2 header (RFC 7296 §2.5).
    let mut v3 = genuine.payload.clone();
    v3[17] = 0x30;
    let (answer, sas) = answer_to(Datagram {
        payload: v3,
        ..genuine.clone()
    });
    assert_eq!(sas, 0);
    assert_eq!(answer.header.major_version, 2);
    assert_eq!(
        answer.payloads,
        [Payload::Notify(NotifyPayload::new(
            NotifyType::INVALID_MAJOR_VERSION,
            vec![]
        ))]
    );

    // No KE payload: INVALID_SYNTAX.
    let mut message = Message::parse(&genuine.payload).unwrap_or_else(|e| panic!("{e}"));
    message.payloads.retain(|p| !matches!(p, Payload::Ke(_)));
    let (answer, sas) = answer_to(Datagram {
        payload: message.emit(),
        ..genuine
    });
    assert_eq!(sas, 0);
    assert_eq!(
        answer.payloads,
        [Payload::Notify(NotifyPayload::new(
            NotifyType::INVALID_SYNTAX,
            vec![]
        ))]
    );
}

fn authenticated_request(
    pair: &Pair,
    message_id: u32,
    inner: &[u8],
    first: PayloadType,
) -> Datagram {
    let info = pair
        .a
        .ike_sa(ikelab_engine::IkeSaId(1))
        .unwrap_or_else(|| panic!("no SA"));
    let header = IkeHeader::new(
        info.spi_i,
        info.spi_r,
        ExchangeType::INFORMATIONAL,
        Flags::new(true, false),
        message_id,
    );
    let bytes = seal_as_initiator(&pair.a_events, header, inner, first);
    let template = pair
        .wire
        .iter()
        .find(|w| w.from == Side::A)
        .map(|w| w.datagram.clone())
        .unwrap_or_else(|| panic!("no datagram"));
    Datagram {
        payload: bytes,
        ..template
    }
}

#[test]
fn authenticated_but_malformed_requests_get_encrypted_error_answers() {
    let (mut pair, id) = default_pair(54);
    pair.drive();
    // An unknown critical payload inside SK.
    let (inner, first) = emit_payload_chain(&[Payload::Unknown(UnknownPayload {
        payload_type: PayloadType(201),
        critical: true,
        body: vec![9],
    })])
    .unwrap_or_else(|e| panic!("{e}"));
    let request = authenticated_request(&pair, 2, &inner, first);
    pair.inject(Side::B, request);
    pair.drive();
    assert_eq!(
        sent(&pair.b_events).last().map(String::as_str),
        Some("INFORMATIONAL response 2 [ N(CRIT) ]")
    );
    // Inner payloads that overrun their chain: INVALID_SYNTAX.
    let request = authenticated_request(&pair, 3, &[0, 0, 0, 200, 1], PayloadType::NONCE);
    pair.inject(Side::B, request);
    pair.drive();
    assert_eq!(
        sent(&pair.b_events).last().map(String::as_str),
        Some("INFORMATIONAL response 3 [ N(INVAL_SYN) ]")
    );
    // A liveness check (empty INFORMATIONAL) gets an empty answer.
    let (inner, first) = emit_payload_chain(&[]).unwrap_or_else(|e| panic!("{e}"));
    let request = authenticated_request(&pair, 4, &inner, first);
    pair.inject(Side::B, request);
    pair.drive();
    assert_eq!(
        sent(&pair.b_events).last().map(String::as_str),
        Some("INFORMATIONAL response 4 [ ]")
    );
    assert_eq!(state(&pair.a, id), Some(SaState::Established));
    assert_eq!(pair.b.ike_sa_ids().len(), 1);
}
