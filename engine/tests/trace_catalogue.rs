//! The lean trace: every dissection field is a catalogue id with a name, an RFC
//! section and a meaning; the happy path's trace stays small; a trace reads back as
//! it was written, each repeated dissection shared.

use std::collections::BTreeSet;
use std::sync::Arc;

use ikelab_engine::event::EventKind;
use ikelab_engine::sim::{self, library};
use ikelab_engine::trace::Trace;
use ikelab_engine::wire::dissect::catalogue;
use ikelab_engine::wire::{CATALOGUE_VERSION, Catalogue, Dissection, Field, FieldId};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn trace_of(name: &str) -> Trace {
    let scenario = library::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    sim::run(&scenario, scenario.seed).trace
}

fn dissections(trace: &Trace) -> Vec<Arc<Dissection>> {
    trace
        .records
        .iter()
        .filter_map(|r| match &r.event()?.kind {
            EventKind::MessageSent(m) | EventKind::MessageReceived(m) => m.dissection.clone(),
            _ => None,
        })
        .collect()
}

/// Why an entry does not explain its field, if it does not.
fn unexplained(id: FieldId) -> Option<String> {
    let Some(entry) = catalogue::lookup(id) else {
        return Some(format!("field {id}: no catalogue entry"));
    };
    let mut missing = Vec::new();
    for (what, text) in [
        ("name", &entry.name),
        ("RFC section", &entry.rfc),
        ("meaning", &entry.meaning),
    ] {
        if text.trim().is_empty() {
            missing.push(what);
        }
    }
    (!missing.is_empty()).then(|| format!("field {id} ({}): no {}", entry.name, missing.join(", ")))
}

#[test]
fn every_catalogue_entry_is_explained_once() {
    let catalogue = Catalogue::embedded();
    assert_eq!(catalogue.version, CATALOGUE_VERSION);
    let ids: Vec<FieldId> = catalogue.entries.iter().map(|e| e.id).collect();
    let unique: BTreeSet<FieldId> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "an id is declared twice");
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "entries out of id order"
    );
    let problems: Vec<String> = ids.iter().filter_map(|&id| unexplained(id)).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for entry in &catalogue.entries {
        assert_eq!(catalogue::lookup(entry.id).as_ref(), Some(entry));
        assert_eq!(catalogue.get(entry.id), Some(entry));
    }
}

#[test]
fn every_field_of_every_scenario_has_a_catalogue_entry() {
    let mut problems = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for name in library::names() {
        for dissection in dissections(&trace_of(name)) {
            for id in dissection.ids() {
                seen.insert(id);
                if let Some(problem) = unexplained(id) {
                    problems.insert(format!("{name}: {problem}"));
                }
            }
        }
    }
    assert!(seen.len() > 50, "only {} distinct fields seen", seen.len());
    assert!(
        problems.is_empty(),
        "{}",
        problems.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn an_unknown_id_reads_as_a_newer_engines_field() {
    let field = Field::with_id(FieldId(99_998), 0..1, "0x00".to_owned());
    assert_eq!(field.name(), "field 99998 (newer engine)");
    assert_eq!(field.meaning(), "");
    let older = Catalogue::version_only();
    assert_eq!(
        older.explain(FieldId(99_998)).name,
        "field 99998 (newer engine)"
    );
    // A catalogue read from a trace of another version knows only its own entries.
    let other = Catalogue {
        version: CATALOGUE_VERSION + 1,
        entries: Vec::new(),
    };
    assert_eq!(other.explain(FieldId(5)).name, "field 5 (newer engine)");
    assert_eq!(
        Catalogue::version_only().explain(FieldId(5)).name,
        "IKE SA Initiator's SPI"
    );
}

/// The happy path's whole trace, every field explained through the catalogue, in at
/// most 40 KB of JSON (the size is deterministic: a seeded run). The bound leaves
/// room for a few bytes more per record (flight ids and the like); a change that
/// brings back explanations per field, or a second copy of each dissection, breaks it.
#[test]
fn the_happy_paths_trace_fits_in_40_kb() {
    let json = trace_of("happy-path")
        .to_json()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(json.len() <= 40 * 1024, "{} octets", json.len());
    println!("happy-path trace: {} octets", json.len());
}

#[test]
fn a_trace_reads_back_as_written_with_its_dissections_shared() {
    for name in ["happy-path", "loss-retransmit", "nat-t-esp"] {
        let mut trace = trace_of(name);
        let json = trace.to_json().unwrap_or_else(|e| panic!("{e}"));
        let back = Trace::from_json(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back.to_json().ok().as_ref(), Some(&json), "{name}");
        assert_eq!(dissections(&back), dissections(&trace), "{name}");
        // Each distinct dissection is written once; its repeats share it.
        let all = dissections(&back);
        let mut distinct: Vec<&Arc<Dissection>> = Vec::new();
        for d in &all {
            if !distinct.iter().any(|e| Arc::ptr_eq(e, d)) {
                assert!(!distinct.iter().any(|e| e == &d), "{name}: written twice");
                distinct.push(d);
            }
        }
        assert!(distinct.len() < all.len(), "{name}: nothing shared");
        assert_eq!(
            json.matches("\"same_as\"").count(),
            all.len() - distinct.len()
        );
        // With the catalogue embedded, a reader of another engine can explain it.
        trace.embed_catalogue();
        let embedded = Trace::from_json(&trace.to_json().unwrap_or_default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(embedded.catalogue, Catalogue::embedded());
    }
}
