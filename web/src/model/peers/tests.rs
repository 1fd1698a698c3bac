//! The peers panel's model against real runs of the bundled scenarios.

use ikelab_engine::event::{EventKind, TimerPurpose};
use ikelab_engine::sim::library;

use super::decisions::Topic;
use super::lifetimes::format_span;
use super::{Deadline, DeadlineSource, PeerState, PeersModel, Phase, Verdict, peer_states};
use crate::model::Lab;

fn run(name: &str, seed: u64) -> Lab {
    Lab::simulate(name, seed).unwrap_or_else(|e| panic!("{e}"))
}

fn peer<'a>(states: &'a [PeerState], name: &str) -> &'a PeerState {
    states
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no peer {name} in {states:#?}"))
}

/// The step that has just played the first line of `peer` whose record's event
/// matches `wanted`.
fn step_after(lab: &Lab, peer: &str, wanted: impl Fn(&EventKind) -> bool) -> usize {
    lab.lines
        .iter()
        .position(|l| {
            l.peer == peer
                && lab.trace.records[l.record]
                    .event()
                    .is_some_and(|e| wanted(&e.kind))
        })
        .map(|line| line + 1)
        .unwrap_or_else(|| panic!("no such line of {peer}"))
}

/// How many records of `peer` match `wanted`.
fn count_events(lab: &Lab, peer: &str, wanted: impl Fn(&EventKind) -> bool) -> u64 {
    lab.trace
        .events_of(peer)
        .filter(|e| wanted(&e.kind))
        .count() as u64
}

#[test]
fn before_the_first_step_no_peer_has_an_sa_or_a_decision() {
    for name in ["happy-path", "esp-replay", "no-proposal-chosen"] {
        let lab = run(name, 7);
        let states = peer_states(&lab, 0);
        let names: Vec<&str> = states.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["initiator", "responder"], "{name}");
        for p in &states {
            assert!(p.ike_sas.is_empty(), "{name}: {p:#?}");
            assert!(p.decisions.is_empty(), "{name}: {p:#?}");
            assert!(p.failed_children.is_empty() && p.loose_children.is_empty());
            assert_eq!(p.now_us, 0);
        }
    }
}

#[test]
fn the_happy_path_ends_with_one_ike_sa_and_one_child_sa_a_mirror_of_the_peers() {
    let lab = run("happy-path", 7);
    let model = PeersModel::new(&lab);
    let end = model.at(lab.steps());
    let (init, resp) = (peer(&end, "initiator"), peer(&end, "responder"));
    assert_eq!(init.ike_sas.len(), 1);
    assert_eq!(resp.ike_sas.len(), 1);
    let (i, r) = (&init.ike_sas[0], &resp.ike_sas[0]);
    assert_eq!((i.phase, r.phase), (Phase::Up, Phase::Up));
    assert_eq!((i.initiator, r.initiator), (Some(true), Some(false)));
    // Both ends name the IKE SA by the same SPI pair (RFC 7296 §2.6).
    assert_eq!((&i.spi_i, &i.spi_r), (&r.spi_i, &r.spi_r));
    assert_ne!(i.spi_r, ikelab_engine::wire::IkeSpi::ZERO.to_string());
    let up = lab
        .trace
        .events_of("initiator")
        .find_map(|e| match &e.kind {
            EventKind::IkeSaUp(up) => Some(up.clone()),
            _ => None,
        })
        .expect("the initiator's IKE SA comes up");
    assert_eq!(i.proposal.as_deref(), Some(up.proposal.as_str()));
    assert_eq!(i.local_id.as_deref(), Some(up.local_id.as_str()));
    // IKE_SA_INIT is request 0, IKE_AUTH request 1 (RFC 7296 §2.2).
    assert_eq!(i.next_request_id, Some(2));
    assert_eq!(r.peer_next_request_id, Some(2));
    assert_eq!(r.next_request_id, None, "the responder sent no request");
    assert_eq!(i.children.len(), 1);
    assert_eq!(r.children.len(), 1);
    let (ci, cr) = (&i.children[0], &r.children[0]);
    // What one peer receives on, the other sends with.
    assert_eq!((ci.spi_in, ci.spi_out), (cr.spi_out, cr.spi_in));
    assert_eq!(ci.phase(), Phase::Up);
    assert_eq!(ci.mode, "tunnel");
    assert!(!ci.local_ts.is_empty() && !ci.remote_ts.is_empty());
    assert_eq!(ci.local_ts, cr.remote_ts);
    // The decisions: every decision line of the peer, in the engine's words.
    let lines: Vec<&str> = lab
        .lines
        .iter()
        .filter(|l| l.peer == "responder" && l.kind == crate::model::lines::LineKind::Decision)
        .map(|l| l.text.as_str())
        .collect();
    let texts: Vec<&str> = resp.decisions.iter().map(|d| d.text.as_str()).collect();
    assert_eq!(texts, lines);
    assert!(resp.decisions.iter().all(|d| d.verdict != Verdict::Refused));
    assert!(
        resp.decisions
            .iter()
            .any(|d| d.topic == Topic::Proposal && d.verdict == Verdict::Accepted)
    );
}

#[test]
fn in_the_middle_of_ike_auth_the_responder_is_up_and_the_initiator_still_waits() {
    let lab = run("happy-path", 7);
    let step = step_after(&lab, "responder", |k| matches!(k, EventKind::IkeSaUp(_)));
    let states = PeersModel::new(&lab).at(step);
    let (init, resp) = (peer(&states, "initiator"), peer(&states, "responder"));
    assert_eq!(resp.ike_sas[0].phase, Phase::Up);
    assert_eq!(init.ike_sas[0].phase, Phase::Opening);
    assert!(
        init.ike_sas[0].state.contains("IKE_AUTH"),
        "{}",
        init.ike_sas[0].state
    );
    assert!(init.ike_sas[0].proposal.is_none());
    assert!(init.ike_sas[0].children.is_empty());
    assert_eq!(init.ike_sas[0].next_request_id, Some(2));
}

#[test]
fn lifetimes_come_from_the_engines_timer_else_from_the_configuration_range() {
    let lab = run("happy-path", 7);
    let scenario = lab.scenario.clone().expect("a bundled scenario");
    let end = PeersModel::new(&lab).at(lab.steps());
    let init = peer(&end, "initiator");
    let sa = &init.ike_sas[0];
    let child = &sa.children[0];
    // The CHILD SA's rekey is the earliest deadline: the engine armed its timer.
    let armed = lab
        .trace
        .events_of("initiator")
        .find_map(|e| match &e.kind {
            EventKind::Timer {
                purpose: Some(TimerPurpose::ChildRekey { .. }),
                deadline_us,
                ..
            } => *deadline_us,
            _ => None,
        })
        .expect("a CHILD SA rekey timer");
    let rekey = child.rekey.expect("a rekey deadline");
    assert_eq!(rekey.source, DeadlineSource::Timer);
    assert!(rekey.is_exact());
    assert_eq!(rekey.latest_us, armed);
    let config = scenario
        .initiator
        .children
        .get(&child.name)
        .expect("its config");
    let life = u64::try_from(config.effective_life_time().as_micros()).unwrap();
    let expire = child.expire.expect("an expiry");
    assert_eq!(expire.source, DeadlineSource::Configuration);
    assert_eq!(expire.latest_us, child.up_us + life);
    // The IKE SA's rekey timer is not armed yet (the CHILD SA's comes first): the
    // configuration bounds it, `rekey_time` minus up to `rand_time`.
    let ike_rekey = sa.rekey.expect("an IKE rekey deadline");
    assert_eq!(ike_rekey.source, DeadlineSource::Configuration);
    let rekey_time = u64::try_from(scenario.initiator.effective_rekey_time().as_micros()).unwrap();
    let rand_time = u64::try_from(scenario.initiator.effective_rand_time().as_micros()).unwrap();
    let up = sa.up_us.expect("established");
    assert_eq!(ike_rekey.latest_us, up + rekey_time);
    assert_eq!(ike_rekey.earliest_us, up + rekey_time - rand_time);
    assert!(sa.expire.expect("an IKE expiry").latest_us > ike_rekey.latest_us);
    // The bar: almost all of it is left a second in.
    assert!(rekey.fraction_left(init.now_us) > 0.9);
    assert!(!rekey.passed(init.now_us));
}

#[test]
fn the_replay_window_shows_the_replayed_packet_refused() {
    let lab = run("esp-replay", 1);
    let model = PeersModel::new(&lab);
    let dropped = step_after(&lab, "initiator", |k| matches!(k, EventKind::EspDropped(_)));
    let before = model.at(dropped - 1);
    let child = &peer(&before, "initiator").ike_sas[0].children[0];
    assert!(child.refused.is_empty());
    assert_eq!(child.replay.right_edge, 3);
    let after = model.at(dropped);
    let child = &peer(&after, "initiator").ike_sas[0].children[0];
    assert_eq!(child.refused.len(), 1, "{:#?}", child.refused);
    assert_eq!(child.refused[0].kind, "replay");
    assert_eq!(child.refused[0].sequence, 3);
    // The window did not move: a refused packet never slides it (RFC 4303 §3.4.3).
    let window = &child.replay;
    assert_eq!(window.right_edge, 3);
    let scenario = lab.scenario.clone().expect("a bundled scenario");
    let configured = scenario
        .initiator
        .children
        .get(&child.name)
        .expect("config");
    assert_eq!(window.size, configured.replay_window);
    let shown = window.size.min(super::REPLAY_CELLS_SHOWN) as usize;
    assert_eq!(window.cells.len(), shown);
    let last = window.cells.last().expect("cells");
    assert_eq!(last.sequence, Some(3));
    assert!(last.received && last.refused);
    let received: Vec<u64> = window
        .cells
        .iter()
        .filter(|c| c.received)
        .filter_map(|c| c.sequence)
        .collect();
    assert_eq!(received, [1, 2, 3]);
    assert!(
        window.cells[..shown - 3]
            .iter()
            .all(|c| c.sequence.is_none())
    );
    // The responder refused nothing and saw every request.
    let responder = &peer(&after, "responder").ike_sas[0].children[0];
    assert!(responder.refused.is_empty());
    assert_eq!(responder.opened.packets, 3);
    assert_eq!(responder.sealed.packets, 3);
    assert_eq!(responder.sealed.highest_sequence, 3);
}

#[test]
fn counters_equal_the_esp_records_of_each_peer_in_every_scenario() {
    for name in library::names() {
        let lab = run(name, 1);
        let states = PeersModel::new(&lab).at(lab.steps());
        for p in &states {
            let children: Vec<_> = p
                .ike_sas
                .iter()
                .flat_map(|s| &s.children)
                .chain(&p.loose_children)
                .collect();
            let sealed: u64 = children.iter().map(|c| c.sealed.packets).sum();
            let opened: u64 = children.iter().map(|c| c.opened.packets).sum();
            let refused = children.iter().map(|c| c.refused.len() as u64).sum::<u64>();
            let bytes: u64 = children.iter().map(|c| c.sealed.esp_bytes).sum();
            assert_eq!(
                sealed,
                count_events(&lab, &p.name, |k| matches!(k, EventKind::EspSealed(_))),
                "{name} {}",
                p.name
            );
            assert_eq!(
                opened,
                count_events(&lab, &p.name, |k| matches!(k, EventKind::EspOpened(_))),
                "{name} {}",
                p.name
            );
            assert_eq!(
                refused,
                count_events(
                    &lab,
                    &p.name,
                    |k| matches!(k, EventKind::EspDropped(d) if d.child.is_some())
                ),
                "{name} {}",
                p.name
            );
            let sealed_bytes: u64 = lab
                .trace
                .events_of(&p.name)
                .filter_map(|e| match &e.kind {
                    EventKind::EspSealed(s) => Some(s.length as u64),
                    _ => None,
                })
                .sum();
            assert_eq!(bytes, sealed_bytes, "{name} {}", p.name);
        }
    }
}

#[test]
fn no_proposal_chosen_shows_the_refusing_decision_with_its_reasons() {
    let lab = run("no-proposal-chosen", 1);
    let end = PeersModel::new(&lab).at(lab.steps());
    let resp = peer(&end, "responder");
    let refusal = resp
        .decisions
        .iter()
        .find(|d| d.verdict == Verdict::Refused)
        .expect("the responder refused something");
    assert_eq!(refusal.topic, Topic::Proposal);
    assert!(
        refusal.text.starts_with("no acceptable IKE proposal"),
        "{}",
        refusal.text
    );
    assert!(!refusal.details.is_empty());
    // Each rejection is one of the reasons the engine's line gives.
    for detail in &refusal.details {
        let reason = detail.split_once(": ").map_or(detail.as_str(), |(_, r)| r);
        assert!(
            refusal.text.contains(reason),
            "{reason} not in {}",
            refusal.text
        );
    }
    // The selection's record is in the trace, where the panel's click selects it.
    assert!(matches!(
        lab.trace.records[refusal.record].event().map(|e| &e.kind),
        Some(EventKind::Decision(_))
    ));
    assert!(
        resp.ike_sas.is_empty(),
        "no IKE SA is kept for a refused request"
    );
    let init = peer(&end, "initiator");
    let sa = &init.ike_sas[0];
    assert_eq!(sa.phase, Phase::Ended);
    let ended = sa.ended.as_ref().expect("why it ended");
    assert!(ended.text.contains("NO_PROP"), "{}", ended.text);
    assert!(sa.rekey.is_none() && sa.expire.is_none());
}

#[test]
fn an_ike_rekey_replaces_the_sa_and_moves_its_child_sa() {
    let lab = run("ike-rekey", 1);
    let model = PeersModel::new(&lab);
    let rekeyed = step_after(&lab, "initiator", |k| {
        matches!(k, EventKind::IkeSaRekeyed { .. })
    });
    let middle = model.at(rekeyed);
    let init = peer(&middle, "initiator");
    assert_eq!(init.ike_sas.len(), 2);
    let (old, new) = (&init.ike_sas[0], &init.ike_sas[1]);
    assert_eq!(old.phase, Phase::Replaced);
    assert!(old.replaced_by.is_some() && old.ended.is_none());
    assert_eq!(new.phase, Phase::Up);
    assert_eq!(new.replaces, Some(old.id));
    assert_ne!(new.spi_i, old.spi_i);
    assert_eq!(new.remote_id, old.remote_id);
    assert_eq!(
        new.next_request_id, None,
        "a new IKE SA counts from 0 (§2.18)"
    );
    let end = model.at(lab.steps());
    let init = peer(&end, "initiator");
    let (old, new) = (&init.ike_sas[0], &init.ike_sas[1]);
    assert_eq!(old.phase, Phase::Ended);
    assert!(old.ended.as_ref().is_some_and(|e| e.text.contains("rekey")));
    assert!(old.children.is_empty(), "{:#?}", old.children);
    assert_eq!(
        new.children.len(),
        1,
        "the CHILD SA moved to the new IKE SA"
    );
    assert_eq!(new.children[0].phase(), Phase::Up);
    // Its rekey is the engine's timer, armed at the rekey; its expiry is
    // `over_time` later (charon), exact but from the configuration.
    let rekey = new.rekey.expect("a rekey deadline");
    assert_eq!(rekey.source, DeadlineSource::Timer);
    assert_eq!(rekey.since_us, new.up_us.expect("up"));
    let over = lab
        .scenario
        .as_ref()
        .expect("a scenario")
        .initiator
        .effective_over_time();
    let expire = new.expire.expect("an expiry");
    assert_eq!(expire.source, DeadlineSource::Configuration);
    assert!(expire.is_exact());
    assert_eq!(
        expire.latest_us,
        rekey.latest_us + u64::try_from(over.as_micros()).unwrap()
    );
    let resp = peer(&end, "responder");
    assert_eq!(resp.ike_sas[0].phase, Phase::Ended);
    assert_eq!(resp.ike_sas[1].phase, Phase::Up);
    assert_eq!(resp.ike_sas[1].spi_i, new.spi_i);
}

#[test]
fn a_dead_peer_ends_the_ike_sa_and_its_child_sa() {
    let lab = run("dead-peer", 1);
    let model = PeersModel::new(&lab);
    let checking = step_after(&lab, "initiator", |k| {
        matches!(k, EventKind::ExchangeStarted { .. })
    });
    let states = model.at(checking);
    let sa = &peer(&states, "initiator").ike_sas[0];
    assert!(
        sa.exchange.as_ref().is_some_and(|e| e.contains("liveness")),
        "{sa:#?}"
    );
    let end = model.at(lab.steps());
    let sa = &peer(&end, "initiator").ike_sas[0];
    assert_eq!(sa.phase, Phase::Ended);
    assert!(
        sa.ended
            .as_ref()
            .is_some_and(|e| e.text.contains("dead peer"))
    );
    assert!(sa.exchange.is_none());
    assert_eq!(sa.children[0].phase(), Phase::Ended);
    assert!(sa.children[0].rekey.is_none());
}

#[test]
fn create_and_delete_shows_two_child_sas_then_each_deleted_with_its_reason() {
    let lab = run("create-and-delete", 1);
    let model = PeersModel::new(&lab);
    let created = step_after(
        &lab,
        "initiator",
        |k| matches!(k, EventKind::ChildSaUp(up) if up.child.0 == 2),
    );
    let middle = model.at(created);
    let sa = &peer(&middle, "initiator").ike_sas[0];
    let names: Vec<&str> = sa.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(sa.children.iter().all(|c| c.phase() == Phase::Up));
    assert_ne!(sa.children[0].spi_in, sa.children[1].spi_in);
    let end = model.at(lab.steps());
    let sa = &peer(&end, "initiator").ike_sas[0];
    assert_eq!(sa.phase, Phase::Ended);
    let reasons: Vec<&str> = sa
        .children
        .iter()
        .map(|c| c.ended.as_ref().map_or("", |e| e.text.as_str()))
        .collect();
    assert!(reasons[0].contains("deleted"), "{reasons:?}");
    assert!(reasons[1].contains("IKE SA is gone"), "{reasons:?}");
    let resp = peer(&end, "responder");
    assert!(
        resp.ike_sas[0].children[0]
            .ended
            .as_ref()
            .is_some_and(|e| e.text.contains("deleted by the peer"))
    );
}

#[test]
fn every_step_of_every_scenario_folds_without_panicking_and_only_grows() {
    for name in library::names() {
        let lab = run(name, 3);
        let model = PeersModel::new(&lab);
        let peers = model.at(0).len();
        let (mut decisions, mut sas) = (vec![0; peers], vec![0; peers]);
        for step in 0..=lab.steps() + 1 {
            let states = model.at(step);
            for (index, p) in states.iter().enumerate() {
                assert!(p.decisions.len() >= decisions[index], "{name} step {step}");
                assert!(p.ike_sas.len() >= sas[index], "{name} step {step}");
                decisions[index] = p.decisions.len();
                sas[index] = p.ike_sas.len();
                for sa in &p.ike_sas {
                    let _ = (sa.rekey.map(|d| d.left_text(p.now_us)), sa.phase.name());
                    for c in &sa.children {
                        assert!(c.replay.cells.len() <= super::REPLAY_CELLS_SHOWN as usize);
                        assert!(
                            c.opened.packets
                                >= c.replay.cells.iter().filter(|c| c.received).count() as u64
                        );
                    }
                }
            }
        }
        // At the end, each peer has every one of its decision lines.
        for p in model.at(lab.steps()) {
            let lines = lab
                .lines
                .iter()
                .filter(|l| l.peer == p.name && l.kind == crate::model::lines::LineKind::Decision)
                .count();
            assert_eq!(p.decisions.len(), lines, "{name} {}", p.name);
        }
    }
}

#[test]
fn a_range_deadline_says_both_ends_and_an_exact_one_a_single_time() {
    let range = Deadline {
        since_us: 0,
        earliest_us: 3_240_000_000,
        latest_us: 3_600_000_000,
        source: DeadlineSource::Configuration,
    };
    assert_eq!(range.left_text(0), "in 54 min – 1 h");
    assert!(!range.is_exact());
    assert!((range.fraction_left(1_800_000_000) - 0.5).abs() < 1e-9);
    let exact = Deadline::exact(1_000_000, 11_000_000, DeadlineSource::Timer);
    assert_eq!(exact.left_text(6_000_000), "in 5 s");
    assert_eq!(exact.left_text(11_000_000), "due now");
    assert_eq!(exact.fraction_left(20_000_000), 0.0);
    assert_eq!(format_span(3_564_000_000), "59 min 24 s");
    assert_eq!(format_span(14_400_000_000), "4 h");
    assert_eq!(format_span(250_000), "250 ms");
}

#[test]
fn a_half_open_responder_sa_shows_when_it_is_dropped() {
    let lab = run("happy-path", 7);
    let answered = step_after(
        &lab,
        "responder",
        |k| matches!(k, EventKind::MessageSent(m) if m.response && m.message_id == 0),
    );
    let armed = lab
        .trace
        .events_of("responder")
        .find_map(|e| match &e.kind {
            EventKind::Timer {
                purpose: Some(TimerPurpose::HalfOpen),
                deadline_us,
                ..
            } => *deadline_us,
            _ => None,
        })
        .expect("a half-open timer");
    let states = PeersModel::new(&lab).at(answered);
    let sa = &peer(&states, "responder").ike_sas[0];
    assert_eq!(sa.phase, Phase::Opening);
    assert!(sa.state.contains("half-open"), "{}", sa.state);
    let dropped = sa.expire.expect("the half-open deadline");
    assert_eq!(
        (dropped.latest_us, dropped.source),
        (armed, DeadlineSource::Timer)
    );
    assert_eq!(dropped.since_us, sa.created_us);
    assert!(sa.rekey.is_none());
    // Once established, the half-open deadline no longer applies.
    let end = PeersModel::new(&lab).at(lab.steps());
    let sa = &peer(&end, "responder").ike_sas[0];
    assert_ne!(sa.expire.map(|d| d.latest_us), Some(armed));
}
