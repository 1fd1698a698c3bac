//! The module graph has no cycle between `event`, `ike`, `trace` and `sim`: the
//! layers are `wire` < `event` < `ike` < `trace` < `sim` (issue: "the event types
//! that describe the protocol live below the state machine, so `event` no longer
//! depends on `ike`, nor `trace` on `sim`"). Read from the sources: every line of a
//! lower module's code (comments and `#[cfg(test)]` code left out: a test may drive
//! the state machine through the simulator) that names a higher module fails the
//! test. `crypto` importing neither `ike` nor `child` is `crypto::layering_tests`.
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};

/// The `.rs` files of a module: `src/NAME.rs` and everything under `src/NAME/`.
fn module_files(name: &str) -> Vec<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let single = src.join(format!("{name}.rs"));
    if single.is_file() {
        files.push(single);
    }
    let mut dirs = vec![src.join(name)];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    assert!(!files.is_empty(), "no sources for module {name}");
    files
}

/// Lines of `module` (outside comments) that name `crate::<higher>`.
fn uses_of(module: &str, higher: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in module_files(module) {
        if file.to_string_lossy().ends_with("_tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            let code = line.trim_start();
            if code.starts_with("#[cfg(test)]") {
                let next = lines.get(n + 1).map_or("", |l| l.trim());
                if next.starts_with("mod ") && next.ends_with(';') {
                    // A test file declared among the others (read on its own).
                    continue;
                }
                // An inline test module closes a file (the house style).
                break;
            }
            if code.starts_with("//") {
                continue;
            }
            let code = code.split("//").next().unwrap_or_default();
            for h in higher {
                if code.contains(&format!("crate::{h}::"))
                    || code.contains(&format!("crate::{h}}}"))
                    || code.contains(&format!("crate::{h};"))
                {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn events_depend_on_no_state_machine_and_no_simulator() {
    let bad = uses_of("event", &["ike", "sim", "trace"]);
    assert!(
        bad.is_empty(),
        "event must not import ike, sim or trace:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_trace_depends_on_no_simulator() {
    let bad = uses_of("trace", &["sim"]);
    assert!(
        bad.is_empty(),
        "trace must not import sim:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_state_machine_depends_on_no_trace_and_no_simulator() {
    let bad = uses_of("ike", &["trace", "sim"]);
    assert!(
        bad.is_empty(),
        "ike must not import trace or sim:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_check_sees_an_import() {
    // The checker itself: `sim` does import `trace` and `ike`.
    assert!(!uses_of("sim", &["trace"]).is_empty());
    assert!(!uses_of("sim", &["ike"]).is_empty());
}

#[test]
fn wire_is_the_bottom_layer() {
    let bad = uses_of(
        "wire",
        &["ike", "sim", "trace", "event", "child", "config", "crypto"],
    );
    assert!(
        bad.is_empty(),
        "wire must import no higher module:\n{}",
        bad.join("\n")
    );
}
