//! INFORMATIONAL exchanges and lifetimes of established SAs (RFC 7296 §1.4, §2.4,
//! §2.8, §2.23): deletes of CHILD and IKE SAs in both roles with the peer's answer,
//! liveness checks on command and after `dpd_delay`, the dead-peer verdict against a
//! silent peer, following a peer whose NAT mapping changed, soft and hard lifetimes
//! (time-based, with the RNG's jitter), a rekey refused for PFS retried after 6 to
//! 15 s until the hard lifetime (and not after a delete), and unauthenticated bytes
//! that change nothing.

mod ike_support;
mod lifecycle_support;

use core::time::Duration;
use std::net::{IpAddr, Ipv4Addr};

use ike_support::*;
use ikelab_engine::ChildSaId;
use ikelab_engine::event::{Action, Cause, DownReason, Event, EventKind, LifetimeLimit, Outcome};
use ikelab_engine::ike::SaState;
use ikelab_engine::sim::{NatBox, Pair, Side};
use ikelab_engine::wire::iana::{ExchangeType, NotifyType};
use lifecycle_support::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[test]
fn the_initiator_deletes_its_child_and_the_peer_answers_with_its_half() {
    let mut pair = default_established(401);
    let (a_mark, b_mark) = (pair.a_events.len(), pair.b_events.len());
    let (ca, cb) = (only_child(&pair.a), only_child(&pair.b));
    let spi_in = pair.a.child_sa(ca).map(|c| c.spi_in);
    let spi_peer = pair.b.child_sa(cb).map(|c| c.spi_in);
    assert_eq!(pair.a.delete_child(pair.now, ca), Ok(()));
    run_for(&mut pair, 1.0);
    assert_eq!(
        sent_since(&pair.a_events, a_mark),
        ["INFORMATIONAL request 2 [ D ]"]
    );
    assert_eq!(
        sent_since(&pair.b_events, b_mark),
        ["INFORMATIONAL response 2 [ D ]"]
    );
    // Each Delete names the SPI its sender receives with (§1.4.1).
    let deleted = |events: &[ikelab_engine::event::Event]| {
        events.iter().rev().find_map(|e| match &e.kind {
            EventKind::MessageSent(m) => m.payloads.iter().find_map(|p| match p {
                ikelab_engine::wire::Payload::Delete(d) => d
                    .spis
                    .first()
                    .and_then(|s| <[u8; 4]>::try_from(s.as_slice()).ok())
                    .map(u32::from_be_bytes),
                _ => None,
            }),
            _ => None,
        })
    };
    assert_eq!(deleted(&pair.a_events), spi_in);
    assert_eq!(deleted(&pair.b_events), spi_peer);
    assert!(children(&pair.a).is_empty() && children(&pair.b).is_empty());
    assert_eq!(
        child_down_reasons(&pair.a_events),
        [(ca, "deleted (command)".to_owned())]
    );
    assert_eq!(
        live_ike(&pair.a).map(|i| i.state),
        Some(SaState::Established)
    );
}

#[test]
fn the_responder_deletes_the_ike_sa_and_both_children_go() {
    let mut pair = default_established(402);
    let a_mark = pair.a_events.len();
    let ib = ike_id(&pair.b);
    assert_eq!(pair.b.delete_ike(pair.now, ib), Ok(()));
    run_for(&mut pair, 1.0);
    assert_eq!(
        sent_since(&pair.a_events, a_mark),
        ["INFORMATIONAL response 0 [ ]"]
    );
    assert!(open_ike_sas(&pair.a).is_empty() && open_ike_sas(&pair.b).is_empty());
    assert!(children(&pair.a).is_empty() && children(&pair.b).is_empty());
    assert_eq!(down_reason(&pair.a_events), Some(DownReason::DeletedByPeer));
    assert_eq!(
        down_reason(&pair.b_events),
        Some(DownReason::Deleted {
            cause: Cause::Command
        })
    );
}

#[test]
fn the_initiator_deletes_the_ike_sa() {
    let mut pair = default_established(403);
    let ia = ike_id(&pair.a);
    assert_eq!(pair.a.delete_ike(pair.now, ia), Ok(()));
    run_for(&mut pair, 1.0);
    assert_eq!(
        sent(&pair.b_events).last().map(String::as_str),
        Some("INFORMATIONAL response 2 [ ]")
    );
    assert!(open_ike_sas(&pair.a).is_empty() && open_ike_sas(&pair.b).is_empty());
    assert!(children(&pair.a).is_empty() && children(&pair.b).is_empty());
}

#[test]
fn crossing_child_deletes_carry_no_second_delete() {
    let mut pair = default_established(404);
    let (ca, cb) = (only_child(&pair.a), only_child(&pair.b));
    let now = pair.now;
    assert_eq!(pair.a.delete_child(now, ca), Ok(()));
    assert_eq!(pair.b.delete_child(now, cb), Ok(()));
    run_for(&mut pair, 1.0);
    // §1.4.1: "the responses MUST NOT include Delete payloads for the deleted SAs".
    assert!(
        sent(&pair.a_events)
            .iter()
            .any(|s| s == "INFORMATIONAL response 0 [ ]")
    );
    assert!(
        sent(&pair.b_events)
            .iter()
            .any(|s| s == "INFORMATIONAL response 2 [ ]")
    );
    assert!(children(&pair.a).is_empty() && children(&pair.b).is_empty());
}

#[test]
fn liveness_checks_on_command_in_both_roles() {
    let mut pair = default_established(405);
    let (ia, ib) = (ike_id(&pair.a), ike_id(&pair.b));
    let (a_mark, b_mark) = (pair.a_events.len(), pair.b_events.len());
    assert_eq!(pair.a.check_liveness(pair.now, ia), Ok(()));
    run_for(&mut pair, 0.5);
    assert_eq!(pair.b.check_liveness(pair.now, ib), Ok(()));
    run_for(&mut pair, 0.5);
    assert_eq!(
        sent_since(&pair.a_events, a_mark),
        [
            "INFORMATIONAL request 2 [ ]",
            "INFORMATIONAL response 0 [ ]"
        ]
    );
    assert_eq!(
        sent_since(&pair.b_events, b_mark),
        [
            "INFORMATIONAL response 2 [ ]",
            "INFORMATIONAL request 0 [ ]"
        ]
    );
    assert_eq!(
        outcomes(&pair.b_events),
        [(Action::Liveness, Cause::Command, Outcome::Done)]
    );
}

#[test]
fn dpd_checks_a_quiet_peer_after_dpd_delay() {
    let initiator = with(INITIATOR, |c| c.dpd_delay = Duration::from_secs(2));
    let mut pair = established(&initiator, config(RESPONDER), 406);
    let a_mark = pair.a_events.len();
    let up = pair.now;
    run_for(&mut pair, 5.0);
    let checks: Vec<u64> = pair.a_events[a_mark..]
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ExchangeStarted {
                action: Action::Liveness,
                cause: Cause::Liveness,
                ..
            } => Some(e.time_us),
            _ => None,
        })
        .collect();
    // Quiet for 2 s after IKE_AUTH, then every 2 s (the answers do not count as
    // traffic before the next check is due).
    let up_us = u64::try_from(up.as_micros()).unwrap_or_default();
    assert!(!checks.is_empty(), "{}", transcript(&pair.a_events));
    assert!(
        checks[0] >= up_us + 1_900_000 && checks[0] <= up_us + 2_100_000,
        "{checks:?}"
    );
    assert!(
        sent_since(&pair.a_events, a_mark)
            .iter()
            .all(|s| s.starts_with("INFORMATIONAL request"))
    );
    assert_eq!(
        live_ike(&pair.a).map(|i| i.state),
        Some(SaState::Established)
    );
}

#[test]
fn a_silent_peer_is_declared_dead_after_the_retransmission_budget() {
    let initiator = with(INITIATOR, |c| c.dpd_delay = Duration::from_secs(1));
    let mut pair = established(&initiator, config(RESPONDER), 407);
    let ia = ike_id(&pair.a);
    let child = only_child(&pair.a);
    pair.link.config.loss = 1.0;
    run_for(&mut pair, 10.0);
    let dead = pair.a_events.iter().find_map(|e| match &e.kind {
        EventKind::PeerDead {
            exchange,
            transmissions,
        } => Some((e.time_us, *exchange, *transmissions)),
        _ => None,
    });
    // The last check is sent 6 times and given up 100 + 180 + 324 + 583 + 1049 +
    // 1889 ms = 4.125 s after it started.
    let Some((at, exchange, transmissions)) = dead else {
        panic!("no verdict\n{}", transcript(&pair.a_events));
    };
    assert_eq!((exchange, transmissions), (ExchangeType::INFORMATIONAL, 6));
    let started = pair.a_events.iter().filter_map(|e| match &e.kind {
        EventKind::ExchangeStarted {
            action: Action::Liveness,
            cause: Cause::Liveness,
            ..
        } if e.time_us < at => Some(e.time_us),
        _ => None,
    });
    assert_eq!(started.max().map(|s| at - s), Some(4_125_000));
    assert!(matches!(
        down_reason(&pair.a_events),
        Some(DownReason::DeadPeer {
            exchange: ExchangeType::INFORMATIONAL,
            transmissions: 6,
            ..
        })
    ));
    assert!(down_reason(&pair.a_events).is_some_and(|r| r.is_timeout()));
    assert_eq!(state(&pair.a, ia), None);
    assert!(pair.a.child_sa(child).is_none());
    assert!(
        child_down_reasons(&pair.a_events)
            .iter()
            .any(|(c, _)| *c == child)
    );
}

#[test]
fn the_gateway_follows_a_client_whose_nat_mapping_changed() {
    let mut pair = {
        let (mut pair, id) = pair_with(
            &config(INITIATOR),
            config(RESPONDER),
            ikelab_engine::sim::LinkConfig::default(),
            408,
        );
        pair.nat = Some(NatBox::new(
            IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)),
            30_000,
            None,
        ));
        pair.drive_until(Duration::from_secs(2));
        assert_eq!(state(&pair.a, id), Some(SaState::Established));
        pair
    };
    let before = live_ike(&pair.b).map(|i| i.remote);
    // The NAT reboots: the client's next message comes from a new port.
    pair.nat_rebind();
    let ia = ike_id(&pair.a);
    assert_eq!(pair.a.check_liveness(pair.now, ia), Ok(()));
    run_for(&mut pair, 1.0);
    let after = live_ike(&pair.b).map(|i| i.remote);
    assert_ne!(before, after);
    let moved = pair.b_events.iter().find_map(|e| match &e.kind {
        EventKind::PeerAddressChanged {
            old_remote,
            new_remote,
            ..
        } => Some((*old_remote, *new_remote)),
        _ => None,
    });
    assert_eq!(moved.map(|m| Some(m.0)), Some(before));
    assert_eq!(moved.map(|m| Some(m.1)), Some(after));
    // The CHILD SA follows, and the gateway's own requests reach the new mapping.
    let cb = only_child(&pair.b);
    assert_eq!(pair.b.child_sa(cb).map(|c| c.remote), after);
    let ib = ike_id(&pair.b);
    assert_eq!(pair.b.check_liveness(pair.now, ib), Ok(()));
    run_for(&mut pair, 1.0);
    assert_eq!(
        outcomes(&pair.b_events),
        [(Action::Liveness, Cause::Command, Outcome::Done)]
    );
}

#[test]
fn a_child_rekeys_at_its_soft_lifetime_with_jitter() {
    let initiator = with(INITIATOR, |c| {
        if let Some(child) = c.children.get_mut("net") {
            child.rekey_time = Duration::from_secs(10);
        }
    });
    let mut pair = established(&initiator, config(RESPONDER), 409);
    let up = pair.now;
    let old = only_child(&pair.a);
    run_for(&mut pair, 11.0);
    let at = pair.a_events.iter().find_map(|e| match &e.kind {
        EventKind::ExchangeStarted {
            action: Action::RekeyChild { child },
            cause: Cause::Lifetime { limit, hard: false },
            ..
        } if *child == old && *limit == LifetimeLimit::RekeyTime => Some(e.time_us),
        _ => None,
    });
    // rekey_time 10 s minus up to rand_time (life_time 11 s - 10 s = 1 s).
    let up_us = u64::try_from(up.as_micros()).unwrap_or_default();
    let Some(at) = at else {
        panic!("{}", transcript(&pair.a_events));
    };
    assert!(
        (up_us + 9_000_000..=up_us + 10_000_000).contains(&at),
        "{at}"
    );
    assert_ne!(only_child(&pair.a), old);
    assert_children_match(&pair);
}

#[test]
fn a_pfs_mismatch_shows_at_the_first_rekey_and_the_child_expires_at_its_hard_lifetime() {
    let initiator = with(INITIATOR, |c| {
        if let Some(child) = c.children.get_mut("net") {
            child.rekey_time = Duration::from_secs(10);
            child.esp_proposals = vec!["aes256gcm16-x25519".to_owned()];
        }
    });
    let mut pair = established(&initiator, config(RESPONDER), 410);
    let child = only_child(&pair.a);
    run_for(&mut pair, 12.0);
    assert!(
        sent(&pair.b_events)
            .iter()
            .any(|s| s == "CREATE_CHILD_SA response 2 [ N(NO_PROP) ]"),
        "{}",
        transcript(&pair.b_events)
    );
    // The old CHILD SA lives on until life_time (11 s), then is deleted.
    assert_eq!(
        child_down_reasons(&pair.a_events),
        [(child, "lifetime (life_time)".to_owned())]
    );
    assert!(children(&pair.a).is_empty() && children(&pair.b).is_empty());
    assert_eq!(
        live_ike(&pair.a).map(|i| i.state),
        Some(SaState::Established)
    );
}

#[test]
fn the_ike_sa_rekeys_at_its_soft_lifetime() {
    let initiator = with(INITIATOR, |c| c.rekey_time = Some(Duration::from_secs(20)));
    let mut pair = established(&initiator, config(RESPONDER), 411);
    let before = assert_ike_match(&pair);
    let child = only_child(&pair.a);
    run_for(&mut pair, 21.0);
    let after = assert_ike_match(&pair);
    assert_ne!(before, after);
    assert!(pair.a_events.iter().any(|e| matches!(
        &e.kind,
        EventKind::IkeSaRekeyed {
            cause: Cause::Lifetime { hard: false, .. },
            ..
        }
    )));
    assert_eq!(only_child(&pair.a), child);
    assert_children_match(&pair);
}

#[test]
fn the_ike_sa_is_deleted_at_its_hard_lifetime_if_no_rekey_succeeds() {
    // rekey at 20 s (no jitter), hard limit over_time = 5 s later; the rekey goes
    // unanswered, and its retransmission budget (2 s base: ~2 min) outlasts that.
    let initiator = with(INITIATOR, |c| {
        c.rekey_time = Some(Duration::from_secs(20));
        c.over_time = Some(Duration::from_secs(5));
        c.rand_time = Some(Duration::ZERO);
        c.retransmit.timeout = Duration::from_secs(2);
    });
    let mut pair = established(&initiator, config(RESPONDER), 412);
    pair.link.config.loss = 1.0;
    run_for(&mut pair, 30.0);
    let down = pair.a_events.iter().find_map(|e| match &e.kind {
        EventKind::IkeSaDown { reason } => Some((e.time_us, reason.clone())),
        _ => None,
    });
    // The deadlines count from IKE_AUTH's completion.
    let up_us = pair
        .a_events
        .iter()
        .find_map(|e| matches!(e.kind, EventKind::IkeSaUp(_)).then_some(e.time_us))
        .unwrap_or_default();
    let Some((at, reason)) = down else {
        panic!("{}", transcript(&pair.a_events));
    };
    assert_eq!(reason, DownReason::Expired);
    assert_eq!(at, up_us + 25_000_000);
    assert!(pair.a_events.iter().any(|e| matches!(
        &e.kind,
        EventKind::ExchangeStarted {
            action: Action::RekeyIke,
            cause: Cause::Lifetime { hard: false, .. },
            ..
        }
    )));
    assert!(open_ike_sas(&pair.a).is_empty() && children(&pair.a).is_empty());
}

#[test]
fn forged_or_garbled_requests_change_nothing() {
    let mut pair = default_established(413);
    let before = (live_ike(&pair.b), children(&pair.b));
    // A CREATE_CHILD_SA request under the right SPIs with a garbled ICV.
    let Some(template) = pair.wire.iter().rev().find(|w| w.from == Side::A).cloned() else {
        panic!("nothing sent");
    };
    let mut bytes = template.datagram.payload.clone();
    if let Some(b) = bytes.get_mut(18) {
        *b = ExchangeType::CREATE_CHILD_SA.0;
    }
    if let Some(b) = bytes.get_mut(23) {
        *b = 2; // Message ID 2, the next one
    }
    if let Some(last) = bytes.last_mut() {
        *last ^= 0x01;
    }
    let forged = ikelab_engine::Datagram {
        payload: bytes,
        ..template.datagram.clone()
    };
    let b_mark = pair.b_events.len();
    pair.inject(Side::B, forged);
    run_for(&mut pair, 1.0);
    assert!(matches!(
        drops(&pair.b_events[b_mark..]).as_slice(),
        [ikelab_engine::event::DropReason::Unauthenticated { .. }]
    ));
    assert!(sent_since(&pair.b_events, b_mark).is_empty());
    assert_eq!((live_ike(&pair.b), children(&pair.b)), before);
}

/// The rekeys a side started for a CHILD SA (time, cause) and how each ended (time,
/// outcome).
struct Attempts {
    started: Vec<(u64, Cause)>,
    ended: Vec<(u64, Outcome)>,
}

fn rekey_attempts(events: &[Event], child: ChildSaId) -> Attempts {
    let (mut started, mut ended) = (Vec::new(), Vec::new());
    for e in events {
        match &e.kind {
            EventKind::ExchangeStarted {
                action: Action::RekeyChild { child: c },
                cause,
                ..
            } if *c == child => started.push((e.time_us, cause.clone())),
            EventKind::ExchangeDone {
                action: Action::RekeyChild { child: c },
                outcome,
                ..
            } if *c == child => ended.push((e.time_us, outcome.clone())),
            _ => {}
        }
    }
    Attempts { started, ended }
}

/// The messages a side sent (first transmissions) with their time.
fn sent_at(events: &[Event]) -> Vec<(u64, String)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MessageSent(m) if m.retransmission == 0 => {
                Some((e.time_us, m.summary.clone()))
            }
            _ => None,
        })
        .collect()
}

/// The side that rekeys proposes no PFS, rekeys at 10 s (no jitter) and ends the
/// CHILD SA at 60 s; the other requires an x25519 key exchange for new CHILD SAs.
fn pfs_mismatch(rekeying: Side) -> Pair {
    let lifetimes = |base: &str| {
        with(base, |c| {
            if let Some(child) = c.children.get_mut("net") {
                child.rekey_time = Duration::from_secs(10);
                child.life_time = Some(Duration::from_secs(60));
                child.rand_time = Some(Duration::ZERO);
            }
        })
    };
    let (initiator, responder) = match rekeying {
        Side::A => (
            lifetimes(INITIATOR),
            with_esp(RESPONDER, &["aes256gcm16-x25519"]),
        ),
        Side::B => (
            with_esp(INITIATOR, &["aes256gcm16-x25519"]),
            lifetimes(RESPONDER),
        ),
    };
    established(&initiator, responder, 414)
}

fn a_pfs_refused_rekey_is_retried_until_the_hard_lifetime(rekeying: Side) {
    let mut pair = pfs_mismatch(rekeying);
    let child = only_child(pair.engine(rekeying));
    run_for(&mut pair, 70.0);
    let events = pair.events(rekeying);
    let peer = pair.events(rekeying.other());
    let Attempts { started, ended } = rekey_attempts(events, child);
    assert!(started.len() >= 4, "{}", transcript(events));
    assert_eq!(started.len(), ended.len());
    assert!(matches!(&started[0].1, Cause::Lifetime { hard: false, .. }));
    let down = child_down_reasons(events);
    assert_eq!(down, [(child, "lifetime (life_time)".to_owned())]);
    let Some(down_at) = events.iter().find_map(|e| match &e.kind {
        EventKind::ChildSaDown { .. } => Some(e.time_us),
        _ => None,
    }) else {
        panic!("no ChildSaDown");
    };
    let requests = sent_at(events);
    for (i, (at, cause)) in started.iter().enumerate() {
        if i > 0 {
            assert_eq!(*cause, Cause::Retry);
        }
        assert!(*at < down_at);
        // Each attempt is a rekey request on the wire at that instant.
        assert!(
            requests.iter().any(|(t, s)| t == at
                && s.starts_with("CREATE_CHILD_SA request")
                && s.contains("N(REKEY_SA)")),
            "{}",
            transcript(events)
        );
    }
    // Every refusal but the last schedules the next attempt 6 to 15 s later; the
    // last one is final, as a retry would come after the hard lifetime.
    for (i, (done_at, outcome)) in ended.iter().enumerate() {
        if let Some((next_at, _)) = started.get(i + 1) {
            let Outcome::RetryAt { at_us, failure } = outcome else {
                panic!("attempt {i} ended {outcome:?}\n{}", transcript(events));
            };
            assert_eq!(failure.describe(), "peer answered NO_PROP");
            assert!(
                (done_at + 6_000_000..=done_at + 15_000_000).contains(at_us),
                "{done_at} -> {at_us}"
            );
            assert_eq!(at_us, next_at);
        } else {
            assert_eq!(
                *outcome,
                Outcome::PeerError {
                    notify: NotifyType::NO_PROPOSAL_CHOSEN
                }
            );
        }
    }
    let refusals = sent(peer)
        .iter()
        .filter(|s| s.starts_with("CREATE_CHILD_SA response") && s.contains("N(NO_PROP)"))
        .count();
    assert_eq!(refusals, started.len());
    // Nothing is tried after the hard lifetime.
    assert!(
        !requests
            .iter()
            .any(|(t, s)| *t > down_at && s.starts_with("CREATE_CHILD_SA")),
        "{}",
        transcript(events)
    );
    assert!(children(&pair.a).is_empty() && children(&pair.b).is_empty());
    assert_eq!(
        live_ike(&pair.a).map(|i| i.state),
        Some(SaState::Established)
    );
}

#[test]
fn the_initiator_retries_a_pfs_refused_rekey_until_the_hard_lifetime() {
    a_pfs_refused_rekey_is_retried_until_the_hard_lifetime(Side::A);
}

#[test]
fn the_responder_retries_a_pfs_refused_rekey_until_the_hard_lifetime() {
    a_pfs_refused_rekey_is_retried_until_the_hard_lifetime(Side::B);
}

/// A rekey refused for PFS waits for its retry; then `deleter` deletes the CHILD SA:
/// the retry is forgotten.
fn a_deleted_child_is_not_retried(deleter: Side) {
    let initiator = config(INITIATOR);
    let responder = with_esp(RESPONDER, &["aes256gcm16-x25519"]);
    let mut pair = established(&initiator, responder, 415);
    let child = only_child(&pair.a);
    assert_eq!(pair.a.rekey_child(pair.now, child), Ok(()));
    run_for(&mut pair, 1.0);
    let ended = rekey_attempts(&pair.a_events, child).ended;
    assert!(
        matches!(ended.as_slice(), [(_, Outcome::RetryAt { .. })]),
        "{}",
        transcript(&pair.a_events)
    );
    let victim = only_child(pair.engine(deleter));
    let now = pair.now;
    assert_eq!(pair.engine(deleter).delete_child(now, victim), Ok(()));
    let mark = pair.a_events.len();
    run_for(&mut pair, 20.0);
    let Attempts { started, ended } = rekey_attempts(&pair.a_events, child);
    assert_eq!(started.len(), 1, "{}", transcript(&pair.a_events));
    assert_eq!(ended.len(), 1);
    assert!(
        !sent_since(&pair.a_events, mark)
            .iter()
            .any(|s| s.starts_with("CREATE_CHILD_SA")),
        "{}",
        transcript(&pair.a_events)
    );
    assert!(children(&pair.a).is_empty() && children(&pair.b).is_empty());
}

#[test]
fn a_pending_rekey_retry_is_dropped_when_we_delete_the_child() {
    a_deleted_child_is_not_retried(Side::A);
}

#[test]
fn a_pending_rekey_retry_is_dropped_when_the_peer_deletes_the_child() {
    a_deleted_child_is_not_retried(Side::B);
}
