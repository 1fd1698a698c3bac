//! `crypto` sits below the protocol: it may use `wire` (IANA numbers, proposals)
//! but none of the modules built on it (the state machine `ike`, the ESP data plane
//! `child`, and `event`, `trace`, `sim`, `capture`, `config` above them). This test
//! reads every source file under `engine/src/crypto` (native only: it needs the
//! file system at test time) and fails on any path into those modules, whether
//! spelled from the crate root, inside a braced group of root paths, or through
//! `super`. The test's own paths are built with `format!`, so that this file passes
//! its own check.

use std::path::{Path, PathBuf};

/// The modules `crypto` must not reach.
const ABOVE_CRYPTO: [&str; 7] = ["ike", "child", "event", "trace", "sim", "capture", "config"];

/// Every `.rs` file under `dir`, recursively, in a stable order.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        panic!("cannot read {}", dir.display());
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level names of a braced group of root paths, `text` starting just after
/// the brace: `a::X, b::{c, d}}` gives `a`, `b`.
fn group_heads(text: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    let mut at_head = true;
    for c in text.chars() {
        match c {
            '{' => {
                depth += 1;
                at_head = false;
            }
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                at_head = true;
                current.clear();
            }
            ':' => at_head = false,
            c if at_head && depth == 0 && (c.is_alphanumeric() || c == '_') => current.push(c),
            c if at_head && depth == 0 && c.is_whitespace() => {}
            _ => at_head = false,
        }
        if !at_head && !current.is_empty() {
            heads.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        heads.push(current);
    }
    heads
}

/// Each path in `source` into a module above `crypto`, as written.
fn forbidden_paths(source: &str) -> Vec<String> {
    let compact: String = source.chars().filter(|c| !c.is_whitespace()).collect();
    let mut found = Vec::new();
    for module in ABOVE_CRYPTO {
        for prefix in ["crate::", "super::"] {
            let path = format!("{prefix}{module}");
            let mut rest = compact.as_str();
            while let Some(at) = rest.find(&path) {
                let after = &rest[at + path.len()..];
                // The module itself, not a longer name that starts with it.
                if !after.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                    found.push(path.clone());
                }
                rest = after;
            }
        }
    }
    let mut rest = compact.as_str();
    while let Some(at) = rest.find("crate::{") {
        let after = &rest[at + "crate::{".len()..];
        for head in group_heads(after) {
            if ABOVE_CRYPTO.contains(&head.as_str()) {
                found.push(format!("crate::{{{head}..}}"));
            }
        }
        rest = after;
    }
    found
}

#[test]
fn crypto_imports_neither_ike_nor_child() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join("crypto");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(
        files.len() > 10,
        "found only {files:?} under {}",
        root.display()
    );
    let mut problems = Vec::new();
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            panic!("cannot read {}", file.display());
        };
        for path in forbidden_paths(&text) {
            problems.push(format!("{}: {path}", file.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "crypto reaches above itself:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_check_sees_each_spelling() {
    let ike = format!("use crate::{}::ChildSa;", "ike");
    assert_eq!(forbidden_paths(&ike), [format!("crate::{}", "ike")]);
    let spaced = format!("fn f(c: &crate :: {} ::EspSa) {{}}", "child");
    assert_eq!(forbidden_paths(&spaced).len(), 1);
    let group = format!("use crate::{{wire::IkeSpi, {}::{{X, Y}}}};", "child");
    assert_eq!(
        forbidden_paths(&group),
        [format!("crate::{{{}..}}", "child")]
    );
    let relative = format!("use super::super::{}::Engine;", "ike");
    assert_eq!(forbidden_paths(&relative).len(), 1);
    assert!(forbidden_paths("use crate::wire::ikev2; use crate::{wire::iana::EncrId};").is_empty());
    assert_eq!(group_heads("a::b, c::{d, e}, f}"), ["a", "c", "f"]);
}
