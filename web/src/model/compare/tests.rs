//! Compare against real runs of the bundled scenarios.

use core::time::Duration;

use ikelab_engine::event::{Decision, EventKind};
use ikelab_engine::trace::{Entry, Trace};

use super::network_words::flight_labels;
use super::signature::{mask_random, signature};
use super::{Change, ChangedRun, Comparison, RowState, Side, compare, run_changed};
use crate::model::Lab;
use crate::model::lines::lines;

fn lab(name: &str, seed: u64) -> Lab {
    Lab::simulate(name, seed).unwrap_or_else(|e| panic!("{e}"))
}

fn changed(lab: &Lab, seed: u64, change: &Change) -> ChangedRun {
    let scenario = lab
        .scenario
        .as_ref()
        .expect("a simulated run has its scenario");
    run_changed(scenario, seed, change).unwrap_or_else(|e| panic!("{e}"))
}

fn against(lab: &Lab, run: &ChangedRun) -> Comparison {
    compare(&lab.trace, &lab.lines, &run.trace, &run.lines)
}

/// The engine event of a record.
fn event_kind(trace: &Trace, record: Option<usize>) -> Option<&EventKind> {
    match &trace.records.get(record?)?.entry {
        Entry::Event(e) => Some(&e.kind),
        _ => None,
    }
}

/// The IKE SPIs (initiator's, responder's) of the first IKE_SA_INIT response.
fn ike_spis(trace: &Trace) -> Option<String> {
    trace
        .records
        .iter()
        .find_map(|r| match r.event().map(|e| &e.kind) {
            Some(EventKind::MessageSent(m)) if m.response => {
                Some(format!("{} {}", m.spi_i, m.spi_r))
            }
            _ => None,
        })
}

/// Every row before the first difference is the same in both runs (or not compared).
fn rows_before_first_are_same(comparison: &Comparison) -> bool {
    comparison
        .rows
        .iter()
        .take_while(|r| r.state != RowState::FirstDifference)
        .all(|r| matches!(r.state, RowState::Same | RowState::NotCompared))
}

#[test]
fn another_seed_changes_every_spi_and_nonce_but_no_event() {
    let a = lab("happy-path", 7);
    let b = changed(&a, 7, &Change::Seed(8));
    assert_eq!(b.seed, 8);
    let (spis_a, spis_b) = (ike_spis(&a.trace), ike_spis(&b.trace));
    assert!(spis_a.is_some());
    assert_ne!(spis_a, spis_b, "the seed draws the SPIs");
    assert_ne!(a.trace, b.trace);
    let comparison = against(&a, &b);
    assert_eq!(comparison.first_difference, None, "{comparison:#?}");
    assert_eq!(comparison.compared_a, comparison.compared_b);
    assert!(comparison.compared_a > 10);
    // Same order, so every line shares its row with its twin.
    assert_eq!(comparison.rows.len(), a.lines.len());
    assert!(
        comparison
            .rows
            .iter()
            .all(|r| r.a.is_some() && r.b.is_some() && r.state == RowState::Same)
    );
}

#[test]
fn link_jitter_moves_lines_in_time_but_is_no_difference() {
    let a = lab("happy-path", 7);
    let mut jittery = (**a.scenario.as_ref().expect("a scenario")).clone();
    jittery.network.link.jitter = Some(Duration::from_millis(8));
    let run = |seed| {
        let trace = ikelab_engine::sim::run(&jittery, seed).trace;
        let lines = lines(&trace);
        (trace, lines)
    };
    let (trace_a, lines_a) = run(7);
    let (trace_b, lines_b) = run(8);
    let times =
        |lines: &[crate::model::lines::Line]| lines.iter().map(|l| l.t_us).collect::<Vec<_>>();
    assert_ne!(times(&lines_a), times(&lines_b), "jitter moves the lines");
    let comparison = compare(&trace_a, &lines_a, &trace_b, &lines_b);
    assert_eq!(comparison.first_difference, None, "{comparison:#?}");
}

#[test]
fn a_wrong_psk_on_the_responder_first_differs_at_its_authentication_in_ike_auth() {
    let a = lab("happy-path", 7);
    let b = changed(
        &a,
        7,
        &Change::Psk {
            side: Side::Responder,
            psk: "a-different-secret".to_owned(),
        },
    );
    let comparison = against(&a, &b);
    let first = comparison.first_difference.as_ref().expect("a difference");
    assert_eq!(first.peer, "responder");
    // The responder verifies the initiator's AUTH (RFC 7296 §2.15) before it answers.
    assert!(matches!(
        event_kind(&a.trace, first.record_a),
        Some(EventKind::Decision(Decision::Authentication {
            verified: true,
            ..
        }))
    ));
    assert!(matches!(
        event_kind(&b.trace, first.record_b),
        Some(EventKind::Decision(Decision::Authentication {
            verified: false,
            ..
        }))
    ));
    // What the initiator then gets: the IKE_AUTH response with AUTH, or the error.
    assert!(
        first.explanation.contains(
            "What the other side sees: in run A the responder sends IKE_AUTH response 1 with \
             IDr AUTH"
        ),
        "{}",
        first.explanation
    );
    assert!(
        first.explanation.ends_with(
            "in run B the responder sends IKE_AUTH response 1 with N(AUTHENTICATION_FAILED)."
        ),
        "{}",
        first.explanation
    );
    assert!(
        first
            .explanation
            .starts_with("Run A: the responder decides: authentication")
    );
    // Up to there the runs agree: IKE_SA_INIT does not involve the PSK.
    assert!(rows_before_first_are_same(&comparison));
    let row = comparison
        .rows
        .iter()
        .find(|r| r.state == RowState::FirstDifference)
        .expect("a marked row");
    assert_eq!((row.a, row.b), (first.line_a, first.line_b));
    let sent_before = comparison
        .rows
        .iter()
        .take_while(|r| r.state != RowState::FirstDifference)
        .filter_map(|r| r.a.and_then(|l| a.lines.get(l)))
        .filter(|l| l.text.starts_with("sending "))
        .count();
    assert_eq!(sent_before, 3, "INIT request, INIT response, AUTH request");
}

#[test]
fn a_nat_in_front_of_the_initiator_first_differs_at_nat_detection() {
    let a = lab("happy-path", 7);
    assert!(a.scenario.as_ref().is_some_and(|s| s.network.nat.is_none()));
    let b = changed(&a, 7, &Change::Nat(true));
    let comparison = against(&a, &b);
    let first = comparison.first_difference.as_ref().expect("a difference");
    // The responder reads the NATD hashes of IKE_SA_INIT first (RFC 7296 §2.23).
    assert_eq!(first.peer, "responder");
    let nat = |kind: Option<&EventKind>| match kind {
        Some(EventKind::Decision(Decision::Nat(n))) => Some(n.detection.remote_behind_nat),
        _ => None,
    };
    assert_eq!(nat(event_kind(&a.trace, first.record_a)), Some(false));
    assert_eq!(nat(event_kind(&b.trace, first.record_b)), Some(true));
    assert!(
        first.explanation.contains("remote host is behind NAT"),
        "{}",
        first.explanation
    );
    // The NAT's rewrites are shown in run B's column but not compared.
    assert!(
        comparison
            .rows
            .iter()
            .any(|r| r.state == RowState::NotCompared && r.a.is_none() && r.b.is_some())
    );
    assert!(rows_before_first_are_same(&comparison));

    // And back: the NAT taken away from a scenario that has one.
    let behind = lab("nat-t-keepalive", 1);
    let without = changed(&behind, 1, &Change::Nat(false));
    let back = against(&behind, &without);
    let first = back.first_difference.as_ref().expect("a difference");
    assert!(matches!(
        event_kind(&without.trace, first.record_b),
        Some(EventKind::Decision(Decision::Nat(_)))
    ));
}

#[test]
fn a_proposal_the_responder_does_not_accept_first_differs_at_its_proposal_decision() {
    let a = lab("happy-path", 7);
    let b = changed(&a, 7, &Change::Proposals("aes128-sha1-ecp256".to_owned()));
    let comparison = against(&a, &b);
    let first = comparison.first_difference.as_ref().expect("a difference");
    assert_eq!(first.peer, "responder");
    let chosen = |kind: Option<&EventKind>| match kind {
        Some(EventKind::Decision(Decision::IkeProposal(report))) => Some(report.chosen.is_some()),
        _ => None,
    };
    assert_eq!(chosen(event_kind(&a.trace, first.record_a)), Some(true));
    assert_eq!(chosen(event_kind(&b.trace, first.record_b)), Some(false));
    assert!(
        first.explanation.ends_with(
            "in run B the responder sends IKE_SA_INIT response 0 with N(NO_PROPOSAL_CHOSEN)."
        ),
        "{}",
        first.explanation
    );
}

#[test]
fn a_run_that_ends_early_differs_where_its_lines_stop() {
    let a = lab("happy-path", 7);
    // Run B: the same run, cut after the responder's IKE_AUTH request arrived.
    let cut = a
        .trace
        .records
        .iter()
        .position(|r| {
            r.peer == "responder"
                && matches!(r.event().map(|e| &e.kind), Some(EventKind::MessageReceived(m)) if m.message_id == 1)
        })
        .expect("the responder receives IKE_AUTH")
        + 1;
    let mut short = a.trace.clone();
    short.records.truncate(cut);
    let short_lines = lines(&short);
    let comparison = compare(&a.trace, &a.lines, &short, &short_lines);
    let first = comparison.first_difference.as_ref().expect("a difference");
    assert_eq!(first.record_b, None);
    assert_eq!(first.line_b, None);
    let record_a = first.record_a.expect("run A goes on");
    assert!(record_a >= cut, "{record_a} < {cut}");
    // The first of the lines run B lacks (the responder's, after IKE_AUTH arrived,
    // or the initiator's, waiting for the answer: whichever comes first).
    let first_missing = a
        .lines
        .iter()
        .find(|l| {
            l.record >= cut && signature(&a.trace, l.record, &flight_labels(&a.trace)).is_some()
        })
        .expect("run A has more lines");
    assert_eq!(record_a, first_missing.record);
    assert!(
        first.explanation.contains("in run B, the"),
        "{}",
        first.explanation
    );
    assert!(first.explanation.contains("does nothing more"));
    // And the other way round: run A is the short one.
    let reversed = compare(&short, &short_lines, &a.trace, &a.lines);
    let first = reversed.first_difference.expect("a difference");
    assert_eq!((first.record_a, first.record_b), (None, Some(record_a)));
}

#[test]
fn a_run_compared_with_itself_has_no_difference_and_every_line_paired() {
    for (name, seed) in [
        ("happy-path", 1),
        ("nat-t-keepalive", 1),
        ("loss-retransmit", 3),
    ] {
        let a = lab(name, seed);
        let comparison = compare(&a.trace, &a.lines, &a.trace, &a.lines);
        assert_eq!(comparison.first_difference, None, "{name}");
        assert_eq!(comparison.rows.len(), a.lines.len(), "{name}");
        assert!(
            comparison
                .rows
                .iter()
                .enumerate()
                .all(|(i, r)| r.a == Some(i) && r.b == Some(i)),
            "{name}"
        );
    }
}

#[test]
fn another_seed_on_a_lossy_link_loses_other_datagrams_a_real_difference() {
    let a = lab("loss-retransmit", 1);
    let differing = (2..12).find_map(|seed| {
        let b = changed(&a, 1, &Change::Seed(seed));
        against(&a, &b).first_difference.map(|first| (b, first))
    });
    let (changed_b, first) = differing.expect("some seed loses other datagrams");
    // The loss itself is the first difference, before the retransmission it causes.
    assert_eq!(first.peer, "network");
    let lost = [
        (&a.trace, first.record_a),
        (&changed_b.trace, first.record_b),
    ]
    .into_iter()
    .filter_map(|(trace, record)| signature(trace, record?, &flight_labels(trace)))
    .map(|s| s.sentence())
    .find(|s| s.contains("lost on the link"));
    assert!(
        lost.is_some_and(|s| s.starts_with("the network drops the ")),
        "{}",
        first.explanation
    );
}

#[test]
fn an_invalid_change_is_refused_with_the_reason_and_not_run() {
    let a = lab("happy-path", 7);
    let scenario = a.scenario.as_ref().expect("a scenario");
    let error = run_changed(scenario, 7, &Change::Proposals("aes999-nothing".to_owned()))
        .expect_err("not a proposal");
    assert!(error.starts_with("Run B cannot start"), "{error}");
    assert!(error.contains("aes999"), "{error}");
    let empty = run_changed(
        scenario,
        7,
        &Change::Psk {
            side: Side::Initiator,
            psk: String::new(),
        },
    );
    assert!(empty.is_err());
    assert!(run_changed(scenario, 7, &Change::Proposals(" , ".to_owned())).is_err());
}

#[test]
fn spis_nonces_and_keys_in_reason_words_are_masked() {
    assert_eq!(
        mask_random("no CHILD SA sends with SPI c0ffee01 (RFC 7296 §2.25)"),
        "no CHILD SA sends with SPI … (RFC 7296 §2.25)"
    );
    assert_eq!(
        mask_random("IKE SA 0123456789abcdef_i fedcba9876543210_r"),
        "IKE SA …_i …_r"
    );
    assert_eq!(
        mask_random("deadbeefing 12345678x"),
        "deadbeefing 12345678x",
        "words stay"
    );
    assert_eq!(mask_random("nonce 8d1f22aa3b..."), "nonce …...");
    assert_eq!(
        mask_random("decadent defaced IKE_AUTH 1"),
        "decadent defaced IKE_AUTH 1"
    );
}
