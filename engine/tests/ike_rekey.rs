//! Rekeying (RFC 7296 §1.3.2, §1.3.3, §2.8, §2.18) in both roles: the CHILD SA with
//! N(REKEY_SA) and the old one deleted after the new one is up, the IKE SA with new
//! SPIs and SKEYSEED from the old SK_d, its CHILD SAs moving over and the old SA
//! deleted; a lost request or response recovered by retransmission; simultaneous
//! rekeys resolved by the lowest nonce in both orders with no SA lost (§2.8.1,
//! §2.8.2); a delete crossing a rekey (§2.25); rekeys refused as busy
//! (TEMPORARY_FAILURE) that succeed on a retry 6 to 15 s later, and retries that are
//! forgotten when the peer replaced the SA meanwhile.

mod ike_support;
mod lifecycle_support;

use ike_support::*;
use ikelab_engine::event::{Action, Cause, Event, EventKind, Outcome};
use ikelab_engine::ike::SaState;
use ikelab_engine::sim::{Pair, Side};
use ikelab_engine::wire::iana::NotifyType;
use lifecycle_support::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn rekeyed(events: &[ikelab_engine::event::Event]) -> Vec<(u64, u64)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ChildSaRekeyed { old, new, .. } => Some((old.0, new.0)),
            _ => None,
        })
        .collect()
}

#[test]
fn the_initiator_rekeys_its_child_and_deletes_the_old_one() {
    let mut pair = default_established(201);
    let (a_mark, b_mark) = (pair.a_events.len(), pair.b_events.len());
    let old_a = only_child(&pair.a);
    let old_b = only_child(&pair.b);
    assert_eq!(pair.a.rekey_child(pair.now, old_a), Ok(()));
    run_for(&mut pair, 1.0);
    assert_eq!(
        sent_since(&pair.a_events, a_mark),
        [
            "CREATE_CHILD_SA request 2 [ N(REKEY_SA) SA No TSi TSr ]",
            "INFORMATIONAL request 3 [ D ]"
        ]
    );
    assert_eq!(
        sent_since(&pair.b_events, b_mark),
        [
            "CREATE_CHILD_SA response 2 [ SA No TSi TSr ]",
            "INFORMATIONAL response 3 [ D ]"
        ]
    );
    let new_a = only_child(&pair.a);
    assert_ne!(new_a, old_a);
    assert_children_match(&pair);
    assert_eq!(rekeyed(&pair.a_events), [(old_a.0, new_a.0)]);
    assert_eq!(
        child_down_reasons(&pair.a_events),
        [(old_a, "rekeyed".to_owned())]
    );
    assert_eq!(
        child_down_reasons(&pair.b_events),
        [(old_b, "deleted by the peer".to_owned())]
    );
    // The REKEY_SA notify names the SA by the SPI its sender receives with (§1.3.3).
    let old_spi = pair
        .a_events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ChildSaUp(c) if c.child == old_a => Some(c.spi_in),
            _ => None,
        })
        .unwrap_or_default();
    let rekey_sa = pair.a_events.iter().find_map(|e| match &e.kind {
        EventKind::MessageSent(m) => m.payloads.iter().find_map(|p| match p {
            ikelab_engine::wire::Payload::Notify(n)
                if n.notify_type == ikelab_engine::wire::iana::NotifyType::REKEY_SA =>
            {
                Some(n.spi.clone())
            }
            _ => None,
        }),
        _ => None,
    });
    assert_eq!(rekey_sa, Some(old_spi.to_be_bytes().to_vec()));
    assert_eq!(
        outcomes(&pair.a_events),
        [
            (
                Action::RekeyChild { child: old_a },
                Cause::Command,
                Outcome::Done
            ),
            (
                Action::DeleteChild { child: old_a },
                Cause::Rekeyed,
                Outcome::Done
            )
        ]
    );
}

#[test]
fn the_responder_rekeys_a_child_with_pfs() {
    let initiator = with_esp(INITIATOR, &["aes256gcm16-x25519"]);
    let responder = with_esp(RESPONDER, &["aes256gcm16-x25519"]);
    let mut pair = established(&initiator, responder, 202);
    let a_mark = pair.a_events.len();
    let old_b = only_child(&pair.b);
    assert_eq!(pair.b.rekey_child(pair.now, old_b), Ok(()));
    run_for(&mut pair, 1.0);
    assert_eq!(
        sent_since(&pair.a_events, a_mark),
        [
            "CREATE_CHILD_SA response 0 [ SA No KE TSi TSr ]",
            "INFORMATIONAL response 1 [ D ]"
        ]
    );
    assert_ne!(only_child(&pair.b), old_b);
    assert_children_match(&pair);
}

#[test]
fn a_lost_rekey_request_is_retransmitted() {
    let mut pair = default_established(203);
    let old = only_child(&pair.a);
    pair.link.config.loss = 1.0;
    assert_eq!(pair.a.rekey_child(pair.now, old), Ok(()));
    pair.step(); // the request leaves and is lost
    pair.link.config.loss = 0.0;
    assert!(pair.b_events.iter().all(|e| !matches!(&e.kind, EventKind::MessageReceived(m) if m.summary.starts_with("CREATE_CHILD_SA"))));
    run_for(&mut pair, 2.0);
    let retransmitted = pair.a_events.iter().any(|e| match &e.kind {
        EventKind::MessageSent(m) => {
            m.retransmission == 1 && m.summary.starts_with("CREATE_CHILD_SA request 2")
        }
        _ => false,
    });
    assert!(retransmitted, "{}", transcript(&pair.a_events));
    assert_ne!(only_child(&pair.a), old);
    assert_children_match(&pair);
}

#[test]
fn a_lost_rekey_response_is_resent_from_the_cache() {
    let mut pair = default_established(204);
    let old = only_child(&pair.a);
    assert_eq!(pair.a.rekey_child(pair.now, old), Ok(()));
    // Hand the request to B directly, with the link dropping B's response.
    let Some(request) = pair.a.poll_transmit() else {
        panic!("no request");
    };
    pair.link.config.loss = 1.0;
    pair.inject(Side::B, request);
    pair.link.config.loss = 0.0;
    run_for(&mut pair, 2.0);
    let resent: Vec<_> = pair
        .b_events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MessageSent(m) if m.summary.starts_with("CREATE_CHILD_SA response 2") => {
                Some((m.retransmission, m.bytes.clone()))
            }
            _ => None,
        })
        .collect();
    // The same bytes again (§2.1), one CHILD SA made.
    assert_eq!(resent.len(), 2, "{}", transcript(&pair.b_events));
    assert_eq!(resent[0].1, resent[1].1);
    assert_eq!(
        count(&pair.b_events, |k| matches!(k, EventKind::ChildSaUp(_))),
        2
    );
    assert_ne!(only_child(&pair.a), old);
    assert_children_match(&pair);
}

fn ike_rekey(seed: u64, side: Side) -> Pair {
    let mut pair = default_established(seed);
    let before = assert_ike_match(&pair);
    let child_before = only_child(&pair.a);
    let vips = live_ike(&pair.a).map(|i| i.virtual_ips);
    let id = ike_id(pair.engine(side));
    let now = pair.now;
    assert_eq!(pair.engine(side).rekey_ike(now, id), Ok(()));
    run_for(&mut pair, 1.0);
    let after = assert_ike_match(&pair);
    assert_ne!(before, after);
    // One IKE SA left on each side; the CHILD SA moved over, unchanged.
    assert_eq!(
        open_ike_sas(&pair.a).len(),
        1,
        "{}",
        transcript(&pair.a_events)
    );
    assert_eq!(
        open_ike_sas(&pair.b).len(),
        1,
        "{}",
        transcript(&pair.b_events)
    );
    assert_eq!(only_child(&pair.a), child_before);
    assert_eq!(
        live_ike(&pair.a).map(|i| i.children),
        Some(vec![child_before])
    );
    // The virtual IP stays with the client on both sides (§2.18).
    assert!(vips.as_ref().is_some_and(|v| !v.is_empty()));
    assert_eq!(live_ike(&pair.a).map(|i| i.virtual_ips), vips);
    assert_eq!(live_ike(&pair.b).map(|i| i.virtual_ips), vips);
    assert_children_match(&pair);
    // The new SA works: its first exchange rekeys the CHILD SA.
    let now = pair.now;
    assert_eq!(pair.a.rekey_child(now, child_before), Ok(()));
    run_for(&mut pair, 1.0);
    assert_ne!(
        only_child(&pair.a),
        child_before,
        "A:\n{}\nB:\n{}",
        transcript(&pair.a_events),
        transcript(&pair.b_events)
    );
    assert_children_match(&pair);
    pair
}

#[test]
fn the_initiator_rekeys_the_ike_sa() {
    let pair = ike_rekey(205, Side::A);
    let sent_a = sent(&pair.a_events);
    let tail: Vec<&str> = sent_a
        .iter()
        .rev()
        .take(4)
        .rev()
        .map(String::as_str)
        .collect();
    assert_eq!(
        tail,
        [
            "CREATE_CHILD_SA request 2 [ SA No KE ]",
            "INFORMATIONAL request 3 [ D ]",
            "CREATE_CHILD_SA request 0 [ N(REKEY_SA) SA No TSi TSr ]",
            "INFORMATIONAL request 1 [ D ]"
        ]
    );
    // SKEYSEED from the old SK_d (RFC 7296 §2.18).
    let rekey_seed = pair.a_events.iter().any(|e| match &e.kind {
        EventKind::KeysDerived { steps } => steps
            .iter()
            .any(|s| s.formula == "SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)"),
        _ => false,
    });
    assert!(rekey_seed);
    assert!(matches!(
        down_reason(&pair.a_events),
        Some(ikelab_engine::event::DownReason::Deleted {
            cause: Cause::Rekeyed
        })
    ));
    assert_eq!(
        down_reason(&pair.b_events),
        Some(ikelab_engine::event::DownReason::DeletedByPeer)
    );
}

#[test]
fn the_responder_rekeys_the_ike_sa() {
    let pair = ike_rekey(206, Side::B);
    let sent_b = sent(&pair.b_events);
    assert!(
        sent_b
            .iter()
            .any(|s| s == "CREATE_CHILD_SA request 0 [ SA No KE ]"),
        "{sent_b:?}"
    );
    // The new IKE SA's original initiator is the gateway (§2.18).
    let info = live_ike(&pair.b).map(|i| i.role);
    assert_eq!(info, Some(ikelab_engine::config::Role::Initiator));
}

/// Both sides rekey the same SA at the same instant; returns whether A's exchange
/// held the lowest nonce.
fn collide(seed: u64, ike: bool) -> bool {
    let mut pair = default_established(seed);
    let child_a = only_child(&pair.a);
    let child_b = only_child(&pair.b);
    let now = pair.now;
    if ike {
        let (ia, ib) = (ike_id(&pair.a), ike_id(&pair.b));
        assert_eq!(pair.a.rekey_ike(now, ia), Ok(()));
        assert_eq!(pair.b.rekey_ike(now, ib), Ok(()));
    } else {
        assert_eq!(pair.a.rekey_child(now, child_a), Ok(()));
        assert_eq!(pair.b.rekey_child(now, child_b), Ok(()));
    }
    run_for(&mut pair, 3.0);
    let (ca, cb) = (collisions(&pair.a_events), collisions(&pair.b_events));
    assert_eq!(ca.len(), 1, "{}", transcript(&pair.a_events));
    assert_eq!(cb.len(), 1, "{}", transcript(&pair.b_events));
    // Both saw the same four nonces and reached opposite roles.
    assert_eq!(ca[0].our_nonces, cb[0].peer_nonces);
    assert_eq!(ca[0].peer_nonces, cb[0].our_nonces);
    assert_ne!(ca[0].lowest_is_ours, cb[0].lowest_is_ours);
    // No SA lost, none left over: one IKE SA and one CHILD SA each, matching.
    assert_eq!(
        open_ike_sas(&pair.a).len(),
        1,
        "{}",
        transcript(&pair.a_events)
    );
    assert_eq!(
        open_ike_sas(&pair.b).len(),
        1,
        "{}",
        transcript(&pair.b_events)
    );
    assert_eq!(
        live_ike(&pair.a).map(|i| i.state),
        Some(SaState::Established)
    );
    assert_ike_match(&pair);
    assert_eq!(children(&pair.a).len(), 1, "{}", transcript(&pair.a_events));
    assert_children_match(&pair);
    if !ike {
        assert_ne!(only_child(&pair.a), child_a);
    }
    // The surviving SAs still work.
    let now = pair.now;
    let c = only_child(&pair.a);
    assert_eq!(pair.a.rekey_child(now, c), Ok(()));
    run_for(&mut pair, 1.0);
    assert_children_match(&pair);
    ca[0].lowest_is_ours
}

fn both_orders(ike: bool) {
    let mut seen = [false, false];
    for seed in 300..340 {
        seen[usize::from(collide(seed, ike))] = true;
        if seen == [true, true] {
            return;
        }
    }
    panic!("40 seeds did not produce both nonce orders: {seen:?}");
}

#[test]
fn simultaneous_child_rekeys_keep_exactly_one_child_in_both_nonce_orders() {
    both_orders(false);
}

#[test]
fn simultaneous_ike_rekeys_keep_exactly_one_ike_sa_in_both_nonce_orders() {
    both_orders(true);
}

#[test]
fn a_delete_crossing_a_child_rekey_wins_and_the_rekey_is_refused() {
    let mut pair = default_established(207);
    let child_a = only_child(&pair.a);
    let child_b = only_child(&pair.b);
    let now = pair.now;
    assert_eq!(pair.a.rekey_child(now, child_a), Ok(()));
    assert_eq!(pair.b.delete_child(now, child_b), Ok(()));
    run_for(&mut pair, 20.0);
    // B refused to rekey what it is deleting (§2.25.1); A dropped the CHILD SA on
    // B's Delete and did not retry (a retry would come 6 to 15 s later).
    assert!(
        sent(&pair.b_events)
            .iter()
            .any(|s| s == "CREATE_CHILD_SA response 2 [ N(TEMP_FAIL) ]"),
        "{}",
        transcript(&pair.b_events)
    );
    assert!(
        children(&pair.a).is_empty(),
        "{}",
        transcript(&pair.a_events)
    );
    assert!(children(&pair.b).is_empty());
    let rekeys: Vec<(Cause, Outcome)> = outcomes(&pair.a_events)
        .into_iter()
        .filter(|(a, _, _)| *a == Action::RekeyChild { child: child_a })
        .map(|(_, c, o)| (c, o))
        .collect();
    assert_eq!(
        rekeys,
        [(
            Cause::Command,
            Outcome::PeerError {
                notify: NotifyType::TEMPORARY_FAILURE
            }
        )],
        "{}",
        transcript(&pair.a_events)
    );
    assert_eq!(
        sent(&pair.a_events)
            .iter()
            .filter(|s| s.starts_with("CREATE_CHILD_SA request"))
            .count(),
        1
    );
    assert_eq!(
        live_ike(&pair.a).map(|i| i.state),
        Some(SaState::Established)
    );
}

#[test]
fn a_delete_crossing_an_ike_rekey_ends_both_sides() {
    let mut pair = default_established(208);
    let now = pair.now;
    let (ia, ib) = (ike_id(&pair.a), ike_id(&pair.b));
    assert_eq!(pair.a.rekey_ike(now, ia), Ok(()));
    assert_eq!(pair.b.delete_ike(now, ib), Ok(()));
    run_for(&mut pair, 3.0);
    assert!(
        sent(&pair.b_events)
            .iter()
            .any(|s| s == "CREATE_CHILD_SA response 2 [ N(TEMP_FAIL) ]"),
        "{}",
        transcript(&pair.b_events)
    );
    assert!(
        open_ike_sas(&pair.a).is_empty(),
        "{}",
        transcript(&pair.a_events)
    );
    assert!(open_ike_sas(&pair.b).is_empty());
    assert!(
        children(&pair.a).is_empty() && children(&pair.b).is_empty(),
        "A:\n{}\nB:\n{}",
        transcript(&pair.a_events),
        transcript(&pair.b_events)
    );
}

#[test]
fn a_rekey_of_a_child_the_peer_already_deleted_gets_child_sa_not_found() {
    let mut pair = default_established(209);
    let (ca, cb) = (only_child(&pair.a), only_child(&pair.b));
    let now = pair.now;
    assert_eq!(pair.a.rekey_child(now, ca), Ok(()));
    // The first copy of the rekey is lost; the gateway deletes the CHILD SA meanwhile.
    let Some(_lost) = pair.a.poll_transmit() else {
        panic!("no request");
    };
    assert_eq!(pair.b.delete_child(now, cb), Ok(()));
    run_for(&mut pair, 2.0);
    assert!(
        sent(&pair.b_events)
            .iter()
            .any(|s| s == "CREATE_CHILD_SA response 2 [ N(NO_CHILD_SA) ]"),
        "{}",
        transcript(&pair.b_events)
    );
    assert!(outcomes(&pair.a_events).iter().any(|(a, _, o)| {
        *a == Action::RekeyChild { child: ca }
            && *o
                == Outcome::PeerError {
                    notify: NotifyType::CHILD_SA_NOT_FOUND,
                }
    }));
    assert!(children(&pair.a).is_empty() && children(&pair.b).is_empty());
    assert_eq!(
        live_ike(&pair.a).map(|i| i.state),
        Some(SaState::Established)
    );
}

#[test]
fn a_child_exchange_crossing_an_ike_rekey_is_refused_both_ways_and_retried() {
    let mut pair = default_established(210);
    let now = pair.now;
    let (ia, ib) = (ike_id(&pair.a), ike_id(&pair.b));
    assert_eq!(pair.a.rekey_ike(now, ia), Ok(()));
    assert_eq!(pair.b.create_child(now, ib, "net"), Ok(()));
    run_for(&mut pair, 16.0);
    // Each side was busy with its own exchange: TEMPORARY_FAILURE (§2.25), then a
    // retry after a random delay.
    assert!(
        sent(&pair.a_events)
            .iter()
            .any(|s| s == "CREATE_CHILD_SA response 0 [ N(TEMP_FAIL) ]")
    );
    assert!(
        sent(&pair.b_events)
            .iter()
            .any(|s| s == "CREATE_CHILD_SA response 2 [ N(TEMP_FAIL) ]")
    );
    for events in [&pair.a_events, &pair.b_events] {
        assert!(
            outcomes(events)
                .iter()
                .any(|(_, c, o)| *c == Cause::Retry && *o == Outcome::Done),
            "{}",
            transcript(events)
        );
        assert_retries_on_time(events);
    }
    assert_ike_match(&pair);
    assert_eq!(children(&pair.a).len(), 2);
    assert_children_match(&pair);
}

/// Every `RetryAt` is 6 to 15 s after the failure it reports, and an exchange with
/// the same action and cause `Retry` starts at that instant (or later, behind
/// another exchange); returns how many there were.
fn assert_retries_on_time(events: &[Event]) -> usize {
    let mut checked = 0;
    for (i, e) in events.iter().enumerate() {
        let EventKind::ExchangeDone {
            action,
            outcome: Outcome::RetryAt { at_us, failure },
            ..
        } = &e.kind
        else {
            continue;
        };
        assert_eq!(failure.describe(), "peer answered TEMP_FAIL");
        assert!(
            (e.time_us + 6_000_000..=e.time_us + 15_000_000).contains(at_us),
            "{} -> {at_us}\n{}",
            e.time_us,
            transcript(events)
        );
        let retried = events.iter().skip(i).find_map(|r| match &r.kind {
            EventKind::ExchangeStarted {
                action: a,
                cause: Cause::Retry,
                ..
            } if a == action => Some(r.time_us),
            _ => None,
        });
        assert!(
            retried.is_some_and(|t| t >= *at_us),
            "{action:?} retried at {retried:?}, due {at_us}\n{}",
            transcript(events)
        );
        checked += 1;
    }
    checked
}

/// A CHILD SA rekey of one side crosses an IKE SA rekey of the other: each is busy
/// and answers TEMPORARY_FAILURE (§2.25), and both rekeys succeed on a retry.
fn crossing_rekeys_succeed_on_retry(child_side: Side) {
    let mut pair = default_established(211);
    let now = pair.now;
    let child = only_child(pair.engine(child_side));
    let ike = ike_id(pair.engine(child_side.other()));
    assert_eq!(pair.engine(child_side).rekey_child(now, child), Ok(()));
    assert_eq!(pair.engine(child_side.other()).rekey_ike(now, ike), Ok(()));
    run_for(&mut pair, 40.0);
    for side in [Side::A, Side::B] {
        let events = pair.events(side);
        assert!(
            sent(events)
                .iter()
                .any(|s| s.starts_with("CREATE_CHILD_SA response") && s.contains("N(TEMP_FAIL)")),
            "{}",
            transcript(events)
        );
        assert!(assert_retries_on_time(events) >= 1);
    }
    let child_events = pair.events(child_side);
    assert!(
        child_events.iter().any(|e| matches!(
            &e.kind,
            EventKind::ChildSaRekeyed { old, cause: Cause::Retry, .. } if *old == child
        )),
        "{}",
        transcript(child_events)
    );
    let ike_events = pair.events(child_side.other());
    assert!(
        ike_events.iter().any(|e| matches!(
            &e.kind,
            EventKind::IkeSaRekeyed {
                cause: Cause::Retry,
                initiator: true,
                ..
            }
        )),
        "{}",
        transcript(ike_events)
    );
    assert_ike_match(&pair);
    assert_ne!(only_child(pair.engine(child_side)), child);
    assert_children_match(&pair);
}

#[test]
fn the_initiator_s_child_rekey_and_the_responder_s_ike_rekey_succeed_on_retry() {
    crossing_rekeys_succeed_on_retry(Side::A);
}

#[test]
fn the_responder_s_child_rekey_and_the_initiator_s_ike_rekey_succeed_on_retry() {
    crossing_rekeys_succeed_on_retry(Side::B);
}

/// `side`'s rekey (of the CHILD SA, or of the IKE SA if `ike`) is refused as busy
/// and waits for its retry; meanwhile the peer rekeys the same SA: the retry is
/// forgotten, never started nor reported as dropped.
fn a_replaced_sa_is_not_retried(side: Side, ike: bool) {
    let mut pair = default_established(212);
    let now = pair.now;
    let (ia, ib) = (ike_id(&pair.a), ike_id(&pair.b));
    let (own_ike, peer_ike) = match side {
        Side::A => (ia, ib),
        Side::B => (ib, ia),
    };
    let child = only_child(pair.engine(side));
    // At the same time the peer starts an exchange that makes it busy for ours, so
    // that it answers TEMPORARY_FAILURE (and we answer its request likewise): a
    // CHILD SA creation against our IKE rekey, an IKE rekey against our CHILD rekey.
    let (ours, busy) = if ike {
        (
            pair.engine(side).rekey_ike(now, own_ike),
            pair.engine(side.other()).create_child(now, peer_ike, "net"),
        )
    } else {
        (
            pair.engine(side).rekey_child(now, child),
            pair.engine(side.other()).rekey_ike(now, peer_ike),
        )
    };
    assert_eq!((ours, busy), (Ok(()), Ok(())));
    run_for(&mut pair, 1.0);
    let action = if ike {
        Action::RekeyIke
    } else {
        Action::RekeyChild { child }
    };
    let ours_ended = |events: &[Event]| -> Vec<(Cause, Outcome)> {
        outcomes(events)
            .into_iter()
            .filter(|(a, _, _)| *a == action)
            .map(|(_, c, o)| (c, o))
            .collect()
    };
    assert!(
        matches!(
            ours_ended(pair.events(side)).as_slice(),
            [(Cause::Command, Outcome::RetryAt { .. })]
        ),
        "{}",
        transcript(pair.events(side))
    );
    // The peer rekeys the same SA first.
    let now = pair.now;
    let replaced = if ike {
        pair.engine(side.other()).rekey_ike(now, peer_ike)
    } else {
        let spi_in = match side {
            Side::A => pair.a.child_sa(child),
            Side::B => pair.b.child_sa(child),
        }
        .map(|c| c.spi_in);
        let peer = match side {
            Side::A => &pair.b,
            Side::B => &pair.a,
        };
        let peer_child = peer
            .child_sas()
            .find(|c| Some(c.spi_out) == spi_in)
            .map(|c| c.id);
        let Some(peer_child) = peer_child else {
            panic!("no twin of {child:?}");
        };
        pair.engine(side.other()).rekey_child(now, peer_child)
    };
    assert_eq!(replaced, Ok(()));
    run_for(&mut pair, 20.0);
    let events = pair.events(side);
    assert_eq!(ours_ended(events).len(), 1, "{}", transcript(events));
    let started = events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::ExchangeStarted { action: a, .. } if *a == action))
        .count();
    assert_eq!(started, 1, "{}", transcript(events));
    assert_ike_match(&pair);
    assert_children_match(&pair);
}

#[test]
fn a_child_rekey_retry_is_forgotten_when_the_peer_rekeys_the_child_first() {
    a_replaced_sa_is_not_retried(Side::A, false);
    a_replaced_sa_is_not_retried(Side::B, false);
}

#[test]
fn an_ike_rekey_retry_is_forgotten_when_the_peer_rekeys_the_ike_sa_first() {
    a_replaced_sa_is_not_retried(Side::A, true);
    a_replaced_sa_is_not_retried(Side::B, true);
}
