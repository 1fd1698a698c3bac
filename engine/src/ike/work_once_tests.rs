//! Work once: a message is encrypted or decrypted once, and its dissection is built
//! from that result; a retransmission or a cached response shares the first
//! dissection.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::sync::Arc;

use super::protect::decryptions;
use crate::event::{EventKind, MessageEvent};
use crate::sim::{self, library};
use crate::wire::{Dissection, Field, Payload, check_leaf_coverage, emit_payload_chain};

fn run(name: &str) -> sim::SimRun {
    let scenario = library::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    sim::run(&scenario, scenario.seed)
}

/// `(peer, sent?, message)` for every message event of the run.
fn messages(run: &sim::SimRun) -> Vec<(String, bool, MessageEvent)> {
    run.trace
        .records
        .iter()
        .filter_map(|r| match &r.event()?.kind {
            EventKind::MessageSent(m) => Some((r.peer.clone(), true, m.clone())),
            EventKind::MessageReceived(m) => Some((r.peer.clone(), false, m.clone())),
            _ => None,
        })
        .collect()
}

/// The ciphertext leaf's decrypted block of a protected message's dissection.
fn plaintext_leaf(dissection: &Dissection) -> Option<&Field> {
    fn find(fields: &[Field]) -> Option<&Field> {
        fields.iter().find_map(|f| {
            if f.decrypted.is_some() {
                Some(f)
            } else {
                find(&f.children)
            }
        })
    }
    find(&dissection.fields)
}

#[test]
fn each_received_message_is_decrypted_once_and_sent_ones_never() {
    let before = decryptions::so_far();
    let run = run("happy-path");
    let decrypted = decryptions::so_far() - before;
    let all = messages(&run);
    let received_protected = all
        .iter()
        .filter(|(_, sent, m)| !sent && m.encrypted)
        .count();
    assert!(received_protected >= 2, "IKE_AUTH both ways");
    // One decryption per protected message received: the state machine's. The
    // dissections (of these and of the protected messages sent) cost none.
    assert_eq!(decrypted, received_protected);
    for (peer, sent, m) in all.iter().filter(|(_, _, m)| m.encrypted) {
        let dissection = m
            .dissection
            .as_deref()
            .unwrap_or_else(|| panic!("{peer}: none"));
        assert_eq!(dissection.error, None, "{peer} {}", m.summary);
        check_leaf_coverage(&dissection.fields, 0..dissection.length)
            .unwrap_or_else(|e| panic!("{peer} {}: {e}", m.summary));
        let leaf = plaintext_leaf(dissection)
            .unwrap_or_else(|| panic!("{peer} sent={sent} {}: not decrypted", m.summary));
        let block = leaf.decrypted.as_deref().unwrap_or_else(|| unreachable!());
        // The plaintext shown is the inner payloads the engine had, as emitted.
        let (chain, _) = emit_payload_chain(&m.payloads).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            block.bytes.get(..chain.len()),
            Some(&chain[..]),
            "{}",
            m.summary
        );
        assert!(block.note.contains("SK_e"), "{}", block.note);
    }
}

#[test]
fn a_sent_message_is_dissected_from_what_was_sealed() {
    // Both peers see the same bytes: the sender's dissection (from the plaintext it
    // sealed) and the receiver's (from the plaintext it opened) are the same.
    let all = messages(&run("happy-path"));
    for (_, _, sent) in all.iter().filter(|(_, sent, m)| *sent && m.encrypted) {
        let received = all
            .iter()
            .find(|(_, s, m)| !s && m.bytes == sent.bytes)
            .unwrap_or_else(|| panic!("{} never arrived", sent.summary));
        assert_eq!(sent.dissection, received.2.dissection, "{}", sent.summary);
        assert!(!matches!(sent.payloads.first(), Some(Payload::Sk(_))));
    }
}

#[test]
fn retransmissions_and_cached_responses_share_the_first_dissection() {
    let all = messages(&run("loss-retransmit"));
    let mut resent = 0;
    for (peer, _, again) in all
        .iter()
        .filter(|(_, sent, m)| *sent && m.retransmission > 0)
    {
        let first = all
            .iter()
            .find(|(p, sent, m)| {
                p == peer && *sent && m.retransmission == 0 && m.bytes == again.bytes
            })
            .unwrap_or_else(|| panic!("{peer}: no first transmission of {}", again.summary));
        let (Some(a), Some(b)) = (&first.2.dissection, &again.dissection) else {
            panic!("{peer}: {} not dissected", again.summary);
        };
        assert!(
            Arc::ptr_eq(a, b),
            "{peer}: {} dissected again",
            again.summary
        );
        assert!(Arc::ptr_eq(&first.2.payloads, &again.payloads));
        resent += 1;
    }
    assert!(resent > 0, "loss-retransmit sends nothing twice");
    assert!(
        all.iter()
            .any(|(p, sent, m)| p == "responder" && *sent && m.response && m.retransmission > 0),
        "no cached response was sent again"
    );
}
