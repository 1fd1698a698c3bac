//! Flights: every datagram of every bundled scenario can be drawn from the trace's
//! records alone. Each record about a datagram names its flight; each flight is
//! sent once (by an engine, the data plane, or the network copying another); and
//! each ends received, dropped, or still in flight when the run ends. A duplicate
//! is a flight of its own naming its parent. The same cases run in the `wasm`
//! layer (wasm_bindgen_test stands in for `#[test]` there).

use std::collections::{BTreeMap, BTreeSet};

use ikelab_engine::sim::{self, Scenario, SimRun, library};
use serde_json::Value;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// Network records about one datagram: each must carry `flight`.
const NETWORK_WITH_FLIGHT: &[&str] = &[
    "transmit",
    "duplicated",
    "reordered",
    "delivered",
    "dropped",
    "nat_rewrite",
    "esp_sent",
    "esp_opened",
    "esp_dropped",
    "esp_replayed",
];

/// Network records about no one datagram. A record type in neither list fails the
/// test: a new record must be classified here.
const NETWORK_WITHOUT_FLIGHT: &[&str] = &[
    "nat_mapping",
    "nat_mapping_expired",
    "script",
    "script_failed",
    "peer_moved",
    "peer_killed",
    "peer_restarted",
    "esp_not_sent",
];

/// Engine events about one datagram (sent or received): each must carry `flight`.
const EVENTS_WITH_FLIGHT: &[&str] = &[
    "message_sent",
    "message_received",
    "message_dropped",
    "nat_keepalive",
];

/// How a flight began: an engine sent it, or the network copied another.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin {
    Sent { peer: String },
    Copy { parent: u64 },
}

/// How a flight ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum End {
    Dropped,
    /// Delivered to this peer, and whether its events (or its data plane) then
    /// reported the datagram.
    Delivered {
        to: String,
        seen: bool,
    },
}

fn flight_of(v: &Value) -> Option<u64> {
    v.get("flight").and_then(Value::as_u64)
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Every problem with the flights of one run (empty: every arrow can be drawn).
fn flight_problems(run: &SimRun) -> Vec<String> {
    let json = run.trace.to_json().unwrap();
    let trace: Value = serde_json::from_str(&json).unwrap();
    let records = trace["records"].as_array().cloned().unwrap_or_default();
    let mut problems = Vec::new();
    let mut origins: BTreeMap<u64, Origin> = BTreeMap::new();
    let mut order = Vec::new();
    let mut transmitted = BTreeSet::new();
    let mut ends: BTreeMap<u64, Vec<End>> = BTreeMap::new();
    let begin = |origins: &mut BTreeMap<u64, Origin>,
                 order: &mut Vec<u64>,
                 flight: u64,
                 origin: Origin,
                 problems: &mut Vec<String>| {
        if let Some(first) = origins.get(&flight) {
            // A retransmission is a new flight; the same id twice is a bug.
            problems.push(format!(
                "flight {flight} begins twice ({first:?}, {origin:?})"
            ));
        } else {
            origins.insert(flight, origin);
            order.push(flight);
        }
    };
    for (n, record) in records.iter().enumerate() {
        let peer = text(record, "peer");
        let at = format!("record {n} ({peer} at {} us)", record["t_us"]);
        if let Some(event) = record.get("event") {
            let kind = text(&event["kind"], "type");
            let flight = flight_of(event);
            if EVENTS_WITH_FLIGHT.contains(&kind) && flight.is_none() {
                problems.push(format!("{at}: {kind} without a flight"));
            }
            let sent = kind == "message_sent"
                || (kind == "nat_keepalive" && text(&event["kind"], "direction") == "sent");
            match (flight, sent) {
                (Some(f), true) => {
                    let origin = Origin::Sent { peer: peer.into() };
                    begin(&mut origins, &mut order, f, origin, &mut problems);
                }
                (Some(f), false) => {
                    // The receiver's report of a delivered datagram.
                    match ends.get_mut(&f).and_then(|e| e.last_mut()) {
                        Some(End::Delivered { to, seen }) if to == peer => *seen = true,
                        _ => problems.push(format!(
                            "{at}: {kind} names flight {f}, not delivered to {peer}"
                        )),
                    }
                }
                (None, _) => {}
            }
            continue;
        }
        let Some(network) = record.get("network") else {
            problems.push(format!("{at}: neither an event nor a network record"));
            continue;
        };
        let kind = text(network, "type");
        let flight = flight_of(network);
        if NETWORK_WITH_FLIGHT.contains(&kind) {
            if flight.is_none() {
                problems.push(format!("{at}: network {kind} without a flight"));
                continue;
            }
        } else if !NETWORK_WITHOUT_FLIGHT.contains(&kind) {
            problems.push(format!("{at}: network record {kind:?} is not classified"));
            continue;
        }
        let Some(f) = flight else {
            continue;
        };
        let parent = network.get("parent").and_then(Value::as_u64);
        match kind {
            "esp_sent" => {
                let origin = Origin::Sent {
                    peer: text(network, "peer").into(),
                };
                begin(&mut origins, &mut order, f, origin, &mut problems);
            }
            "duplicated" | "esp_replayed" => match parent {
                Some(p) if p != f && origins.contains_key(&p) => {
                    let origin = Origin::Copy { parent: p };
                    begin(&mut origins, &mut order, f, origin, &mut problems);
                }
                _ => problems.push(format!(
                    "{at}: {kind} copy {f} names no earlier parent flight ({parent:?})"
                )),
            },
            "delivered" => ends.entry(f).or_default().push(End::Delivered {
                to: text(network, "to").into(),
                seen: false,
            }),
            "dropped" => ends.entry(f).or_default().push(End::Dropped),
            "esp_opened" | "esp_dropped" => match ends.get_mut(&f).and_then(|e| e.last_mut()) {
                Some(End::Delivered { to, seen }) if to == text(network, "peer") => {
                    *seen = true;
                }
                _ => problems.push(format!("{at}: {kind} of flight {f}, not delivered there")),
            },
            _ => {}
        }
        if kind == "transmit" {
            transmitted.insert(f);
        }
        if !origins.contains_key(&f) {
            problems.push(format!(
                "{at}: {kind} names flight {f}, which was never sent"
            ));
        }
    }
    // Ids are the run's own: 1, 2, 3, ... in the order the flights began.
    let expected: Vec<u64> = (1..=order.len() as u64).collect();
    if order != expected {
        problems.push(format!("flights begin out of order: {order:?}"));
    }
    let in_flight: BTreeSet<u64> = run.in_flight.iter().map(|f| f.0).collect();
    for flight in origins.keys() {
        let end = ends.get(flight).map(Vec::as_slice).unwrap_or_default();
        match (end, in_flight.contains(flight)) {
            ([End::Dropped], false) | ([End::Delivered { seen: true, .. }], false) => {}
            ([], true) if transmitted.contains(flight) => {}
            ([], false) => problems.push(format!("flight {flight} never ends")),
            ([End::Delivered { to, seen: false }], false) => problems.push(format!(
                "flight {flight} was delivered to {to}, which reported nothing about it"
            )),
            (end, in_flight) => problems.push(format!(
                "flight {flight} ends as {end:?} (still in flight at the end: {in_flight})"
            )),
        }
    }
    for flight in &in_flight {
        if !origins.contains_key(flight) {
            problems.push(format!(
                "flight {flight} is in flight at the end, never sent"
            ));
        }
    }
    problems
}

#[test]
fn every_flight_of_every_bundled_scenario_can_be_drawn() {
    let mut failures = Vec::new();
    for name in library::names() {
        let scenario = library::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let problems = flight_problems(&sim::run(&scenario, scenario.seed));
        if !problems.is_empty() {
            failures.push(format!("{name}:\n  {}", problems.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A scenario over a link that duplicates, reorders and loses.
fn rough_link(name: &str) -> Scenario {
    let mut scenario = library::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    scenario.network.link.duplicate = Some(0.5);
    scenario.network.link.reorder = Some(0.3);
    scenario.network.link.reorder_delay = Some(core::time::Duration::from_millis(25));
    scenario.network.link.loss = Some(0.1);
    scenario
}

#[test]
fn a_duplicate_is_a_flight_of_its_own_that_names_its_parent() {
    for name in ["happy-path", "nat-t-esp"] {
        let run = sim::run(&rough_link(name), 3);
        let problems = flight_problems(&run);
        assert!(problems.is_empty(), "{name}:\n  {}", problems.join("\n  "));
        let mut duplicates = 0;
        for (_, event) in run.trace.network_events() {
            if let sim::NetworkEvent::Duplicated { flight, parent, .. } = event {
                assert_ne!(flight, parent);
                // The copy arrives (or is dropped) under its own id.
                let copy_ends = run.trace.network_events().any(|(_, e)| {
                    matches!(
                        e,
                        sim::NetworkEvent::Delivered { flight: f, .. }
                            | sim::NetworkEvent::Dropped { flight: f, .. }
                            if f == flight
                    )
                }) || run.in_flight.contains(flight);
                assert!(copy_ends, "{name}: duplicate {flight} never ends");
                duplicates += 1;
            }
        }
        assert!(duplicates > 0, "{name}: the rough link duplicated nothing");
    }
}

#[test]
fn a_record_without_its_flight_is_caught() {
    // The checker itself: strip the flight from one delivered record and one
    // received message, and it must complain about each.
    let scenario = library::load("happy-path").unwrap();
    let mut run = sim::run(&scenario, scenario.seed);
    assert!(flight_problems(&run).is_empty());
    let received = run
        .trace
        .records
        .iter()
        .position(|r| {
            r.event().is_some_and(|e| {
                matches!(e.kind, ikelab_engine::event::EventKind::MessageReceived(_))
            })
        })
        .unwrap();
    let flight = run.trace.records[received].flight().unwrap();
    let receiver = run.trace.records[received].peer.clone();
    let mut json: Value = serde_json::from_str(&run.trace.to_json().unwrap()).unwrap();
    // Every event the received datagram caused at the receiver loses its flight.
    for record in json["records"].as_array_mut().unwrap() {
        if record["peer"] == receiver.as_str()
            && let Some(event) = record.get_mut("event").and_then(Value::as_object_mut)
            && event.get("flight").and_then(Value::as_u64) == Some(flight.0)
        {
            event.remove("flight");
        }
    }
    run.trace = ikelab_engine::trace::Trace::from_json(&json.to_string()).unwrap();
    let problems = flight_problems(&run);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("message_received without a flight")),
        "{problems:?}"
    );
    // The flight it received is now delivered but never reported.
    assert!(
        problems
            .iter()
            .any(|p| p.contains(&format!("flight {} was delivered", flight.0))),
        "{problems:?}"
    );
}
