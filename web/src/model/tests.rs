//! The model against real runs of the bundled scenarios.

use super::Lab;
use super::flights::{Fate, FlightKind};

fn run(name: &str, seed: u64) -> Lab {
    Lab::simulate(name, seed).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_happy_path_is_four_ike_datagrams_each_delivered_to_the_other_peer() {
    let lab = run("happy-path", 7);
    let ike: Vec<_> = lab
        .flights
        .iter()
        .filter(|f| f.kind == FlightKind::Ike)
        .collect();
    assert_eq!(ike.len(), 4, "{:#?}", lab.flights);
    let expected = [
        ("initiator", "responder", "IKE_SA_INIT request 0"),
        ("responder", "initiator", "IKE_SA_INIT response 0"),
        ("initiator", "responder", "IKE_AUTH request 1"),
        ("responder", "initiator", "IKE_AUTH response 1"),
    ];
    for (flight, (from, to, label)) in ike.iter().zip(expected) {
        assert_eq!((flight.from.as_str(), flight.to.as_str()), (from, to));
        assert!(flight.label.starts_with(label), "{}", flight.label);
        assert_eq!(flight.fate, Fate::Delivered);
        assert_eq!(flight.ports, "UDP 500 → 500");
        let end = flight.end_line.expect("delivered flights end on a line");
        assert!(end > flight.send_line);
        assert!(
            lab.lines[end].text.starts_with("parsed "),
            "{}",
            lab.lines[end].text
        );
    }
    assert!(lab.failure.is_none());
    assert_eq!(lab.lanes.left, "initiator");
    assert_eq!(lab.lanes.right, "responder");
}

#[test]
fn behind_a_nat_ike_floats_to_4500_and_each_crossing_is_rewritten() {
    let lab = run("nat-t-keepalive", 1);
    let auth = lab
        .flights
        .iter()
        .find(|f| f.label.starts_with("IKE_AUTH request"))
        .expect("an IKE_AUTH request");
    assert_eq!(auth.ports, "UDP 4500 → 4500");
    let rewrite = auth.nat_out.as_ref().expect("the NAT rewrites the source");
    assert_ne!(rewrite.before.0, rewrite.after.0);
    assert_eq!(lab.lanes.nat_behind.as_deref(), Some("initiator"));
    assert!(
        lab.flights
            .iter()
            .any(|f| f.kind == FlightKind::Keepalive && f.fate == Fate::Delivered)
    );
    let ladder = super::layout::ladder(&lab.flights, &lab.lanes, &lab.marks, &Default::default());
    assert!(
        !ladder.folds.is_empty(),
        "the waits between keep-alives fold"
    );
}

#[test]
fn wrong_psk_fails_with_authentication_failed_in_a_selected_notify() {
    let lab = run("wrong-psk", 1);
    let failure = lab.failure.as_ref().expect("wrong-psk fails");
    assert_eq!(failure.notify.as_deref(), Some("AUTHENTICATION_FAILED"));
    let record = failure.record.expect("a message carries it");
    let view = super::dissection::message_view(&lab.trace, record).expect("a message");
    let field = &view.fields[failure.field.expect("the notify is found")];
    assert!(field.value.contains("AUTHENTICATION_FAILED"), "{field:?}");
}

#[test]
fn a_byte_selects_the_innermost_field_and_the_sk_payload_is_decrypted() {
    let lab = run("happy-path", 7);
    let auth = lab
        .flights
        .iter()
        .find(|f| f.label.starts_with("IKE_AUTH request"))
        .expect("an IKE_AUTH request");
    let view = super::dissection::message_view(&lab.trace, auth.send_record).expect("a message");
    assert_eq!(view.buffers.len(), 2, "the message and the SK plaintext");
    let idi = view
        .fields
        .iter()
        .position(|f| f.buffer == 1 && f.name.contains("(IDi)"))
        .expect("the decrypted IDi");
    let data = super::dissection::innermost(&view.fields, 1, view.fields[idi].range.end - 1)
        .expect("a field covers the IDi's last octet");
    assert_eq!(view.fields[data].name, "Identification Data");
    assert_eq!(view.fields[data].parent, Some(idi));
}

#[test]
fn a_file_that_is_not_a_trace_is_refused_with_its_name() {
    for text in ["", "not json", "{\"schema\":\"ikelab-trace/0\"}"] {
        let problem = Lab::from_file("x.json", text).expect_err("not a trace");
        assert!(problem.contains("x.json"), "{problem}");
    }
    let json = run("happy-path", 7).trace.to_json().expect("JSON");
    let lab = Lab::from_file("h.json", &json).expect("a trace reads back");
    assert_eq!(lab.sha256, run("happy-path", 7).sha256);
    assert!(Lab::from_file("h.json", &json[..json.len() / 2]).is_err());
}

/// The timeline never draws one thing over another: every label, NAT note, burst
/// button, end note and row of lane marks has a row of its own, in every bundled
/// scenario, with every burst folded and with every burst open; arrows run down the
/// page and each flight sent before another is labelled above it.
#[test]
fn every_scenario_lays_out_without_overlap() {
    for (name, _) in super::run::scenario_list() {
        let lab = run(&name, 1);
        let all_bursts: std::collections::BTreeSet<usize> =
            super::layout::bursts(&lab.flights, &lab.lanes)
                .iter()
                .map(|b| b.first)
                .collect();
        for open in [Default::default(), all_bursts] {
            let ladder = super::layout::ladder(&lab.flights, &lab.lanes, &lab.marks, &open);
            for pair in ladder.rows.windows(2) {
                let ((top_a, height_a), (top_b, _)) = (pair[0], pair[1]);
                assert!(
                    top_a + height_a <= top_b,
                    "{name}: row at {top_a} (+{height_a}) runs into the row at {top_b}"
                );
            }
            let mut last_label = f64::MIN;
            for (flight, place) in lab.flights.iter().zip(&ladder.flights) {
                let Some(place) = place else { continue };
                assert!(place.y_end >= place.y_send, "{name}: {}", flight.label);
                assert!(place.label_top > last_label, "{name}: {}", flight.label);
                assert!(place.label_top + place.label_height <= ladder.height);
                last_label = place.label_top;
            }
        }
    }
}

/// Playback reaches the first datagram at once, lingers on a datagram's step while its
/// arrow travels and moves briskly through the other steps.
#[test]
fn playback_lingers_on_datagrams_only() {
    let lab = run("happy-path", 7);
    assert_eq!(lab.dwell_ms(0), 0.0);
    let first_send = lab.flights[0].send_line;
    assert_eq!(lab.dwell_ms(first_send + 1), crate::state::STEP_MS);
    assert!(first_send > 0, "the run starts with set-up lines");
    assert_eq!(lab.dwell_ms(first_send), 0.0, "set-up lines pass at once");
    let quiet = (first_send..lab.steps())
        .find(|line| lab.flights.iter().all(|f| f.send_line != *line))
        .expect("a line that sends nothing");
    assert_eq!(lab.dwell_ms(quiet + 1), crate::state::QUICK_STEP_MS);
}

/// A bridge session (`ikelab connect --trace` through strongSwan, committed under
/// assets/traces/bridge/): every datagram ends on a lane (what we sent left our
/// socket; nothing says when the gateway got it), and the tunnel's ESP is named by
/// SPI and sequence number both ways.
#[test]
fn a_bridge_session_draws_every_datagram_and_names_its_esp() {
    let text = include_str!("../../../assets/traces/bridge/strongswan-full-tunnel.json");
    let lab = Lab::from_file("strongswan-full-tunnel.json", text).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        lab.flights.iter().all(|f| f.fate == Fate::Delivered),
        "{:#?}",
        lab.flights
    );
    for (from, to) in [("ikelab", "gateway"), ("gateway", "ikelab")] {
        let esp: Vec<_> = lab
            .flights
            .iter()
            .filter(|f| f.kind == FlightKind::EspInUdp && f.from == from && f.to == to)
            .collect();
        assert!(esp.len() >= 3, "{from} → {to}: {esp:#?}");
        assert!(
            esp.iter().all(|f| f.label.starts_with("SPI 0x")),
            "{esp:#?}"
        );
    }
    let ike = lab
        .flights
        .iter()
        .filter(|f| f.kind == FlightKind::Ike)
        .count();
    assert!(
        ike >= 6,
        "IKE_SA_INIT, IKE_AUTH and INFORMATIONAL both ways"
    );
}

#[test]
fn times_read_as_a_person_writes_them() {
    use super::lines::format_time;
    for (t_us, text) in [
        (0, "0 s"),
        (1, "0.001 ms"),
        (1_000, "1 ms"),
        (1_500, "1.5 ms"),
        (10_000, "10 ms"),
        (999_999, "999.999 ms"),
        (1_000_000, "1 s"),
        (1_250_000, "1.25 s"),
        (1_000_499, "1 s"),
        (1_000_500, "1.001 s"),
        (90_000_000, "90 s"),
    ] {
        assert_eq!(format_time(t_us), text, "{t_us} µs");
    }
    assert!(format_time(u64::MAX).ends_with(" s"));
}
