//! The bundled scenarios (`assets/scenarios/*.toml`) as JSON in `OUT_DIR`, for
//! `sim::library`.
//!
//! The library loads each bundled scenario from this JSON twin, so a program that
//! reads no TOML itself (the browser lab) carries no TOML parser: in the lab's WASM
//! that parser and its serde code cost about 74 KB gzipped. The conversion is
//! generic (a TOML table becomes a JSON object, key for key), and a test of the
//! library checks that each twin reads to the same `Scenario` as its TOML file.
//!
//! Without the `expectations` feature (the browser lab) the reader skips `[expect]`
//! anyway, so the twins leave it out: about 24 KB of the lab's WASM, 4 KB gzipped.

use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let dir = manifest.join("../assets/scenarios");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets it")).join("scenarios");
    fs::create_dir_all(&out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    println!("cargo::rerun-if-changed={}", dir.display());
    let entries = fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .path();
        if path.extension().is_some_and(|ext| ext == "toml") {
            println!("cargo::rerun-if-changed={}", path.display());
            convert(&path, &out);
        }
    }
}

/// Writes `OUT/NAME.json` for `path` (`NAME.toml`).
fn convert(path: &Path, out: &Path) {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut table: toml::Table =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if env::var_os("CARGO_FEATURE_EXPECTATIONS").is_none() {
        table.remove("expect");
    }
    let json = serde_json::to_string(&table)
        .unwrap_or_else(|e| panic!("{}: not expressible as JSON: {e}", path.display()));
    let stem = path.file_stem().expect("a .toml file has a stem");
    let target = out.join(stem).with_extension("json");
    fs::write(&target, json).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
}
