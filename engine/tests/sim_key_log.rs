//! Keys leave the engine only through the key log a driver installs
//! (`EngineConfig::key_log`): every bundled scenario runs once with a sink and once
//! without, and no value the sink received (SKEYSEED, g^ir, SK_*, KEYMAT, ESP keys)
//! appears in the sink-less run's trace, as hex (either case), as a JSON array of
//! octets, or as raw bytes. The simulator's default (keys in the trace, for the lab)
//! puts the same records among each peer's events, in place.

#![cfg(not(target_arch = "wasm32"))]

use std::collections::HashSet;
use std::sync::Arc;

use ikelab_engine::capture::keys::KeyTables;
use ikelab_engine::event::EventKind;
use ikelab_engine::keylog::{KeyLog, KeyLogEntry, KeyLogRecord, KeyRecorder};
use ikelab_engine::sim::{self, Scenario, SimOptions, SimRun, library};
use serde_json::Value;

/// Inputs of the key schedule that travel in the clear (nonces, SPIs: RFC 7296
/// §3.1, §3.9): the key view shows them beside the secrets, but they are no secret.
const PUBLIC_INPUTS: [&str; 4] = ["Ni", "Nr", "SPIi", "SPIr"];

/// Windows this long (octets) index the secrets; every secret is longer.
const WINDOW: usize = 8;

fn scenarios() -> Vec<Scenario> {
    library::names()
        .map(|name| library::load(name).unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect()
}

fn run(scenario: &Scenario, options: SimOptions) -> SimRun {
    sim::run_with(scenario, scenario.seed, options)
}

/// Each secret of a record, named.
fn secrets(record: &KeyLogRecord) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    match &record.entry {
        KeyLogEntry::KeysDerived { steps } => {
            for step in steps {
                for value in step.inputs.iter().chain(&step.outputs) {
                    if !PUBLIC_INPUTS.contains(&value.name.as_str()) {
                        let name = format!("{}: {}", step.name, value.name);
                        out.push((name, value.value.as_bytes().to_vec()));
                    }
                }
            }
        }
        KeyLogEntry::IkeSaKeys(k) => {
            let keys = &k.keys;
            for (name, value) in keys.named() {
                out.push((name.to_owned(), value.as_bytes().to_vec()));
            }
        }
        KeyLogEntry::ChildSaKeys(k) => {
            let keys = &k.keys;
            for (name, value) in [
                ("ESP encr_i", keys.encr_i()),
                ("ESP integ_i", keys.integ_i()),
                ("ESP encr_r", keys.encr_r()),
                ("ESP integ_r", keys.integ_r()),
            ] {
                out.push((name.to_owned(), value.as_bytes().to_vec()));
            }
        }
        other => panic!("a key log entry this test does not know: {other:?}"),
    }
    // ENCR_NULL has no key (RFC 2410): nothing to leak.
    out.retain(|(_, value)| !value.is_empty());
    out
}

/// Finds secrets in octet strings: an index of each secret's windows, then a check
/// of the whole value around a hit.
struct SecretIndex {
    secrets: Vec<(String, Vec<u8>)>,
    windows: HashSet<[u8; WINDOW]>,
}

impl SecretIndex {
    fn new(secrets: Vec<(String, Vec<u8>)>) -> Self {
        let mut windows = HashSet::new();
        for (name, value) in &secrets {
            assert!(
                value.len() > WINDOW,
                "{name} is only {} octets",
                value.len()
            );
            for w in value.windows(WINDOW) {
                let mut key = [0u8; WINDOW];
                key.copy_from_slice(w);
                windows.insert(key);
            }
        }
        Self { secrets, windows }
    }

    /// The names of the secrets found whole in `haystack`.
    fn found_in(&self, haystack: &[u8]) -> Vec<String> {
        let hit = haystack.windows(WINDOW).any(|w| {
            let mut key = [0u8; WINDOW];
            key.copy_from_slice(w);
            self.windows.contains(&key)
        });
        if !hit {
            return Vec::new();
        }
        self.secrets
            .iter()
            .filter(|(_, value)| haystack.windows(value.len()).any(|w| w == value.as_slice()))
            .map(|(name, _)| name.clone())
            .collect()
    }
}

/// The octet strings a JSON value can hold a key in: each string read as hex (any
/// case, from any offset: a key may sit inside a longer hex string), each string's
/// own bytes, and each array of numbers 0..=255.
fn octet_strings(value: &Value, out: &mut Vec<Vec<u8>>) {
    match value {
        Value::String(text) => {
            out.push(text.as_bytes().to_vec());
            let lower = text.to_ascii_lowercase();
            let hex: Vec<u8> = lower.bytes().filter(u8::is_ascii_hexdigit).collect();
            for start in 0..2.min(hex.len()) {
                out.push(
                    hex[start..]
                        .chunks_exact(2)
                        .map(|pair| (nibble(pair[0]) << 4) | nibble(pair[1]))
                        .collect(),
                );
            }
        }
        Value::Array(items) => {
            let octets: Option<Vec<u8>> = items
                .iter()
                .map(|v| v.as_u64().and_then(|n| u8::try_from(n).ok()))
                .collect();
            if let Some(octets) = octets
                && !octets.is_empty()
            {
                out.push(octets);
            }
            for item in items {
                octet_strings(item, out);
            }
        }
        Value::Object(fields) => {
            for item in fields.values() {
                octet_strings(item, out);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn nibble(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        _ => digit - b'a' + 10,
    }
}

/// Every secret of `index` found in the trace of `run`.
fn leaks(index: &SecretIndex, run: &SimRun) -> Vec<String> {
    let json = run.trace.to_json().unwrap_or_else(|e| panic!("{e}"));
    let mut found: Vec<String> = index.found_in(json.as_bytes());
    let value: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    let mut strings = Vec::new();
    octet_strings(&value, &mut strings);
    for s in &strings {
        found.extend(index.found_in(s));
    }
    found.sort();
    found.dedup();
    found
}

fn is_key_event(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::KeysDerived { .. } | EventKind::IkeSaKeys(_) | EventKind::ChildSaKeys(_)
    )
}

#[test]
fn no_value_the_key_log_received_is_in_a_run_without_one() {
    let mut scenarios_with_keys = 0;
    for scenario in scenarios() {
        let sink = Arc::new(KeyRecorder::new());
        let with_sink = run(
            &scenario,
            SimOptions {
                keys_in_trace: true,
                key_log: Some(sink.clone() as Arc<dyn KeyLog>),
            },
        );
        let without = run(
            &scenario,
            SimOptions {
                keys_in_trace: false,
                key_log: None,
            },
        );
        let records = sink.take();
        let index = SecretIndex::new(records.iter().flat_map(secrets).collect());
        if !index.secrets.is_empty() {
            scenarios_with_keys += 1;
        }
        // The check finds what it looks for: the run with keys has every one.
        let seen = leaks(&index, &with_sink);
        let mut all: Vec<String> = index.secrets.iter().map(|(n, _)| n.clone()).collect();
        all.sort();
        all.dedup();
        assert_eq!(
            seen, all,
            "{}: the trace with keys lacks some",
            scenario.name
        );

        let leaked = leaks(&index, &without);
        assert!(leaked.is_empty(), "{}: leaked {leaked:?}", scenario.name);
        let key_events = without
            .trace
            .records
            .iter()
            .filter_map(|r| r.event())
            .filter(|e| is_key_event(&e.kind))
            .count();
        assert_eq!(key_events, 0, "{}", scenario.name);
        // Without a sink the engines do the same: the same records but the keys.
        let mut expected = with_sink.trace.clone();
        expected
            .records
            .retain(|r| r.event().is_none_or(|e| !is_key_event(&e.kind)));
        assert_eq!(expected.records, without.trace.records, "{}", scenario.name);
    }
    assert!(
        scenarios_with_keys > 10,
        "only {scenarios_with_keys} scenarios derived keys"
    );
}

#[test]
fn the_trace_holds_each_record_the_key_log_received_in_place() {
    let scenario = library::load("happy-path").unwrap_or_else(|e| panic!("{e}"));
    let sink = Arc::new(KeyRecorder::new());
    let run = run(
        &scenario,
        SimOptions {
            keys_in_trace: true,
            key_log: Some(sink.clone() as Arc<dyn KeyLog>),
        },
    );
    let logged: Vec<_> = sink
        .take()
        .into_iter()
        .map(KeyLogRecord::into_event)
        .collect();
    let in_trace: Vec<_> = run
        .trace
        .records
        .iter()
        .filter_map(|r| r.event())
        .filter(|e| is_key_event(&e.kind))
        .cloned()
        .collect();
    // Two peers, each: its key schedule steps (IKE SA, then CHILD SA) and the
    // keys of its IKE SA and CHILD SA.
    assert!(in_trace.len() >= 8, "{in_trace:?}");
    let mut logged_sorted = logged.clone();
    let mut trace_sorted = in_trace;
    for list in [&mut logged_sorted, &mut trace_sorted] {
        list.sort_by_key(|e| serde_json::to_string(e).unwrap_or_default());
    }
    assert_eq!(logged_sorted, trace_sorted);
    // In place: each peer's IKE SA keys come after the IKE_SA_INIT message that
    // brought it the peer's nonce and before its first IKE_AUTH message; its CHILD SA
    // keys come just before its ChildSaUp, after their KEYMAT step.
    for peer in ["initiator", "responder"] {
        let kinds: Vec<String> = run
            .trace
            .events_of(peer)
            .map(|e| match &e.kind {
                EventKind::MessageSent(m) => format!("sent {}", m.summary),
                EventKind::MessageReceived(m) => format!("received {}", m.summary),
                EventKind::KeysDerived { steps } => {
                    format!("steps {}", steps.first().map_or("", |s| s.name.as_str()))
                }
                EventKind::IkeSaKeys(_) => "IKE SA keys".to_owned(),
                EventKind::ChildSaKeys(_) => "CHILD SA keys".to_owned(),
                EventKind::ChildSaUp(_) => "CHILD SA up".to_owned(),
                _ => String::new(),
            })
            .filter(|s| !s.is_empty())
            .collect();
        let at = |what: &str| {
            kinds
                .iter()
                .position(|k| k.starts_with(what))
                .unwrap_or_else(|| panic!("{peer}: no {what} in {kinds:?}"))
        };
        assert!(
            at("received IKE_SA_INIT") < at("steps SKEYSEED"),
            "{peer}: {kinds:?}"
        );
        assert_eq!(
            at("steps SKEYSEED") + 1,
            at("IKE SA keys"),
            "{peer}: {kinds:?}"
        );
        assert!(at("IKE SA keys") < at("sent IKE_AUTH") || peer == "responder");
        assert!(at("IKE SA keys") < at("received IKE_AUTH") || peer == "initiator");
        assert_eq!(
            at("steps CHILD_SA KEYMAT") + 1,
            at("CHILD SA keys"),
            "{peer}: {kinds:?}"
        );
        assert_eq!(
            at("CHILD SA keys") + 1,
            at("CHILD SA up"),
            "{peer}: {kinds:?}"
        );
    }
}

#[test]
fn a_drivers_key_log_gives_the_tables_of_the_trace() {
    for name in ["happy-path", "rekey-collision", "esp-replay"] {
        let scenario = library::load(name).unwrap_or_else(|e| panic!("{e}"));
        let sink = Arc::new(KeyRecorder::new());
        let run = run(
            &scenario,
            SimOptions {
                keys_in_trace: true,
                key_log: Some(sink.clone() as Arc<dyn KeyLog>),
            },
        );
        let mut from_sink = KeyTables::default();
        for record in sink.take() {
            from_sink.add(&record);
        }
        let from_trace = sim::export::key_tables(&run.trace);
        assert_eq!(from_sink.files(), from_trace.files(), "{name}");
        assert!(
            !from_sink.ikev2.is_empty() && !from_sink.esp.is_empty(),
            "{name}"
        );
        // Each SA once: two lines per CHILD SA, however many peers logged it.
        assert_eq!(from_sink.esp.len() % 2, 0);
        let unique: HashSet<&String> = from_sink.esp.iter().collect();
        assert_eq!(unique.len(), from_sink.esp.len(), "{name}");
    }
}
