//! An established IKE SA answers an INFORMATIONAL request that carries only status
//! notifications with an empty response (RFC 7296 §1.4, §3.10.1: unrecognised status
//! types are ignored), in both roles.
//!
//! The case that matters live: a strongSwan gateway sends `INFORMATIONAL request 0
//! [ N(NO_ADD_ADDR) ]` right after IKE_AUTH to a client that announced MOBIKE (RFC 4555
//! §3.6, TOOLCHAIN.md) and expects an answer. Our engine does not announce MOBIKE yet,
//! so the interop runs never see that request; this proves the answer in memory, for the
//! gateway-to-client direction (our initiator) and the other one.

mod ike_support;

use ike_support::*;
use ikelab_engine::Datagram;
use ikelab_engine::crypto::RUST_CRYPTO;
use ikelab_engine::crypto::sk::SkProtection;
use ikelab_engine::event::{Event, EventKind};
use ikelab_engine::ike::SaState;
use ikelab_engine::sim::{Pair, Side};
use ikelab_engine::wire::iana::{ExchangeType, NotifyType, PayloadType};
use ikelab_engine::wire::{
    Flags, IkeHeader, Message, NotifyPayload, Payload, SkPayload, emit_payload_chain,
};

/// `inner` sealed with the SK_e/SK_a of the side `from` (the key log of either side holds
/// both directions' keys).
fn seal(
    events: &[Event],
    from: Side,
    header: IkeHeader,
    inner: &[u8],
    first: PayloadType,
) -> Vec<u8> {
    let Some(keys) = find(events, |k| match k {
        EventKind::IkeSaKeys(k) => Some(k.as_ref().clone()),
        _ => None,
    }) else {
        panic!("no key log");
    };
    let Some(cipher) = RUST_CRYPTO.cipher(keys.encr, keys.encr_key_bits) else {
        panic!("cipher");
    };
    let integ = keys.integ.and_then(|i| RUST_CRYPTO.integ(i));
    // Side A initiated the IKE SA: it sends with the initiator's keys (RFC 7296 §2.14).
    let (sk_e, sk_a) = match from {
        Side::A => (keys.keys.sk_ei(), keys.keys.sk_ai()),
        Side::B => (keys.keys.sk_er(), keys.keys.sk_ar()),
    };
    let protection = match SkProtection::new(cipher, sk_e, integ.map(|i| (i, sk_a))) {
        Ok(p) => p,
        Err(e) => panic!("keys: {e}"),
    };
    let skeleton = Message {
        header,
        payloads: vec![Payload::Sk(SkPayload {
            first_payload: first,
            body: vec![0; protection.sealed_len(inner.len())],
        })],
    };
    let mut bytes = skeleton.emit();
    bytes.truncate(IkeHeader::LEN + 4);
    let body = match protection.seal(&bytes, inner, &mut *rng(7)) {
        Ok(b) => b,
        Err(e) => panic!("seal: {e}"),
    };
    bytes.extend_from_slice(&body);
    bytes
}

/// An INFORMATIONAL request `[ N(NO_ADD_ADDR) ]` from `from`, with the address and port
/// of the last datagram that side sent.
fn no_additional_addresses(pair: &Pair, from: Side, message_id: u32) -> Datagram {
    let Some(info) = pair.a.ike_sa(ikelab_engine::IkeSaId(1)) else {
        panic!("no SA");
    };
    let header = IkeHeader::new(
        info.spi_i,
        info.spi_r,
        ExchangeType::INFORMATIONAL,
        Flags::new(from == Side::A, false),
        message_id,
    );
    let notify = Payload::Notify(NotifyPayload::new(
        NotifyType::NO_ADDITIONAL_ADDRESSES,
        Vec::new(),
    ));
    let (inner, first) = match emit_payload_chain(&[notify]) {
        Ok(chain) => chain,
        Err(e) => panic!("{e}"),
    };
    let payload = seal(&pair.a_events, from, header, &inner, first);
    let Some(template) = pair.wire.iter().rev().find(|w| w.from == from) else {
        panic!("{from:?} sent nothing");
    };
    Datagram {
        payload,
        ..template.datagram.clone()
    }
}

#[test]
fn our_initiator_answers_the_gateways_no_additional_addresses() {
    let (mut pair, id) = default_pair(61);
    pair.drive();
    assert_eq!(state(&pair.a, id), Some(SaState::Established));
    // The gateway's first request on this IKE SA has Message ID 0 (RFC 7296 §2.3).
    let request = no_additional_addresses(&pair, Side::B, 0);
    pair.inject(Side::A, request);
    pair.drive();
    assert_eq!(
        received(&pair.a_events).last().map(String::as_str),
        Some("INFORMATIONAL request 0 [ N(NO_ADD_ADDR) ]")
    );
    assert_eq!(
        sent(&pair.a_events).last().map(String::as_str),
        Some("INFORMATIONAL response 0 [ ]")
    );
    assert_eq!(state(&pair.a, id), Some(SaState::Established));
    assert_eq!(pair.a.child_sas().count(), 1);
}

#[test]
fn our_responder_answers_the_clients_no_additional_addresses() {
    let (mut pair, id) = default_pair(62);
    pair.drive();
    // The client's requests so far: IKE_SA_INIT 0 and IKE_AUTH 1.
    let request = no_additional_addresses(&pair, Side::A, 2);
    pair.inject(Side::B, request);
    pair.drive();
    assert_eq!(
        sent(&pair.b_events).last().map(String::as_str),
        Some("INFORMATIONAL response 2 [ ]")
    );
    assert_eq!(state(&pair.a, id), Some(SaState::Established));
    assert_eq!(pair.b.child_sas().count(), 1);
}
