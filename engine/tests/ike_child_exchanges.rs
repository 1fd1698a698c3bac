//! CREATE_CHILD_SA for new CHILD SAs (RFC 7296 §1.3.1), both roles: without and with
//! PFS (a KE payload), the PFS mismatch answered as strongSwan answers it
//! (NO_PROPOSAL_CHOSEN), INVALID_KE_PAYLOAD naming the group and the retry, and
//! NO_ADDITIONAL_SAS.

mod ike_support;
mod lifecycle_support;

use ike_support::*;
use ikelab_engine::event::{Action, Cause, ChildFailure, EventKind, Outcome};
use ikelab_engine::ike::CommandError;
use ikelab_engine::wire::iana::NotifyType;
use lifecycle_support::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn failures(events: &[ikelab_engine::event::Event]) -> Vec<ChildFailure> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ChildSaFailed { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_initiator_creates_a_second_child_without_pfs() {
    let mut pair = default_established(101);
    let (a_mark, b_mark) = (pair.a_events.len(), pair.b_events.len());
    let ike = ike_id(&pair.a);
    assert_eq!(pair.a.create_child(pair.now, ike, "net"), Ok(()));
    run_for(&mut pair, 1.0);
    assert_eq!(
        sent_since(&pair.a_events, a_mark),
        ["CREATE_CHILD_SA request 2 [ SA No TSi TSr ]"]
    );
    assert_eq!(
        sent_since(&pair.b_events, b_mark),
        ["CREATE_CHILD_SA response 2 [ SA No TSi TSr ]"]
    );
    assert_eq!(children(&pair.a).len(), 2);
    assert_children_match(&pair);
    assert_eq!(
        outcomes(&pair.a_events),
        [(
            Action::CreateChild {
                name: "net".to_owned()
            },
            Cause::Command,
            Outcome::Done
        )]
    );
}

#[test]
fn the_responder_creates_a_child_with_pfs() {
    let initiator = with_esp(INITIATOR, &["aes256gcm16-x25519"]);
    let responder = with_esp(RESPONDER, &["aes256gcm16-x25519"]);
    let mut pair = established(&initiator, responder, 102);
    let a_mark = pair.a_events.len();
    let ike = ike_id(&pair.b);
    assert_eq!(pair.b.create_child(pair.now, ike, "net"), Ok(()));
    run_for(&mut pair, 1.0);
    // The gateway's first request on this IKE SA is Message ID 0 (§2.3).
    assert_eq!(
        sent_since(&pair.a_events, a_mark),
        ["CREATE_CHILD_SA response 0 [ SA No KE TSi TSr ]"]
    );
    assert_children_match(&pair);
    let newest = pair.a.child_sas().last().map(|c| c.proposal.clone());
    assert_eq!(newest.as_deref(), Some("aes256gcm16-x25519"));
    // PFS: the KEYMAT took g^ir (new) (RFC 7296 §2.17).
    let pfs = pair.a_events.iter().any(|e| match &e.kind {
        EventKind::KeysDerived { steps } => steps
            .iter()
            .any(|s| s.formula == "KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr)"),
        _ => false,
    });
    assert!(pfs);
}

#[test]
fn pfs_on_the_responder_only_is_no_proposal_chosen() {
    // The initiator proposes no group; the gateway requires x25519 for new children:
    // strongSwan matches the groups in CREATE_CHILD_SA and refuses.
    let responder = with_esp(RESPONDER, &["aes256gcm16-x25519"]);
    let mut pair = established(&config(INITIATOR), responder, 103);
    let b_mark = pair.b_events.len();
    let ike = ike_id(&pair.a);
    assert_eq!(pair.a.create_child(pair.now, ike, "net"), Ok(()));
    run_for(&mut pair, 1.0);
    assert_eq!(
        sent_since(&pair.b_events, b_mark),
        ["CREATE_CHILD_SA response 2 [ N(NO_PROP) ]"]
    );
    assert_eq!(
        failures(&pair.a_events),
        [ChildFailure::PeerError {
            notify: NotifyType::NO_PROPOSAL_CHOSEN
        }]
    );
    assert!(matches!(
        failures(&pair.b_events).as_slice(),
        [ChildFailure::Refused {
            notify: NotifyType::NO_PROPOSAL_CHOSEN,
            ..
        }]
    ));
    assert_eq!(children(&pair.a).len(), 1);
    assert_children_match(&pair);
}

#[test]
fn pfs_on_the_initiator_only_is_no_proposal_chosen() {
    let initiator = with_esp(INITIATOR, &["aes256gcm16-modp2048"]);
    let mut pair = established(&initiator, config(RESPONDER), 104);
    let (a_mark, b_mark) = (pair.a_events.len(), pair.b_events.len());
    let ike = ike_id(&pair.a);
    assert_eq!(pair.a.create_child(pair.now, ike, "net"), Ok(()));
    run_for(&mut pair, 1.0);
    assert_eq!(
        sent_since(&pair.a_events, a_mark),
        ["CREATE_CHILD_SA request 2 [ SA No KE TSi TSr ]"]
    );
    assert_eq!(
        sent_since(&pair.b_events, b_mark),
        ["CREATE_CHILD_SA response 2 [ N(NO_PROP) ]"]
    );
    assert_eq!(children(&pair.a).len(), 1);
    assert_children_match(&pair);
}

#[test]
fn a_ke_of_the_wrong_group_gets_invalid_ke_payload_and_the_retry_succeeds() {
    // The initiator's first proposal is MODP-2048, so its KE is; the gateway only
    // accepts the second one (x25519) and names that group.
    let initiator = with_esp(INITIATOR, &["aes256gcm16-modp2048", "aes256gcm16-x25519"]);
    let responder = with_esp(RESPONDER, &["aes256gcm16-x25519"]);
    let mut pair = established(&initiator, responder, 105);
    let (a_mark, b_mark) = (pair.a_events.len(), pair.b_events.len());
    let ike = ike_id(&pair.a);
    assert_eq!(pair.a.create_child(pair.now, ike, "net"), Ok(()));
    run_for(&mut pair, 1.0);
    assert_eq!(
        sent_since(&pair.a_events, a_mark),
        [
            "CREATE_CHILD_SA request 2 [ SA No KE TSi TSr ]",
            "CREATE_CHILD_SA request 3 [ SA No KE TSi TSr ]"
        ]
    );
    assert_eq!(
        sent_since(&pair.b_events, b_mark),
        [
            "CREATE_CHILD_SA response 2 [ N(INVAL_KE) ]",
            "CREATE_CHILD_SA response 3 [ SA No KE TSi TSr ]"
        ]
    );
    // The notify's data is the group the responder wants (RFC 7296 §3.10.1).
    let groups: Vec<_> = pair
        .b_events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MessageSent(m) => m.payloads.iter().find_map(|p| match p {
                ikelab_engine::wire::Payload::Notify(n)
                    if n.notify_type == NotifyType::INVALID_KE_PAYLOAD =>
                {
                    Some(n.data.clone())
                }
                _ => None,
            }),
            _ => None,
        })
        .collect();
    assert_eq!(groups, [31u16.to_be_bytes().to_vec()]);
    assert_eq!(children(&pair.a).len(), 2);
    assert_children_match(&pair);
}

#[test]
fn a_responder_without_children_answers_no_additional_sas() {
    let responder = with(RESPONDER, |c| c.children = Default::default());
    let mut pair = established(&config(INITIATOR), responder, 106);
    let b_mark = pair.b_events.len();
    let ike = ike_id(&pair.a);
    assert_eq!(pair.a.create_child(pair.now, ike, "net"), Ok(()));
    run_for(&mut pair, 1.0);
    assert_eq!(
        sent_since(&pair.b_events, b_mark),
        ["CREATE_CHILD_SA response 2 [ N(NO_ADD_SAS) ]"]
    );
    assert_eq!(
        failures(&pair.a_events).last(),
        Some(&ChildFailure::PeerError {
            notify: NotifyType::NO_ADDITIONAL_SAS
        })
    );
}

#[test]
fn commands_name_what_they_cannot_find() {
    let mut pair = default_established(107);
    let ike = ike_id(&pair.a);
    let now = pair.now;
    assert_eq!(
        pair.a.create_child(now, ike, "nope"),
        Err(CommandError::UnknownChildConfig("nope".to_owned()))
    );
    assert_eq!(
        pair.a.rekey_child(now, ikelab_engine::ChildSaId(99)),
        Err(CommandError::UnknownChildSa(ikelab_engine::ChildSaId(99)))
    );
    assert_eq!(
        pair.a.delete_ike(now, ikelab_engine::IkeSaId(42)),
        Err(CommandError::UnknownIkeSa(ikelab_engine::IkeSaId(42)))
    );
}
