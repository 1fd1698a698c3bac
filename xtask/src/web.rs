//! Builds the browser lab into `target/dist/`: index.html, assets/, pkg/ (wasm-bindgen).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cmd, tools};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Profile {
    /// `dev`: quick to compile.
    Dev,
    /// `wasm-release`: size-optimised, with the engine and crypto at opt-level 3.
    Release,
}

/// The build the page loads first (no trace reader) and the full one, loaded when a
/// trace file is opened: wasm-bindgen's `--out-name` of each, in `pkg/`.
pub(crate) const FIRST_BUILD: &str = "ikelab_web";
pub(crate) const FULL_BUILD: &str = "ikelab_web_full";

/// Builds the web crate for wasm32 twice (see [`FIRST_BUILD`]), runs wasm-bindgen
/// and lays out the site.
/// Returns the `dist` folder.
pub(crate) fn build(profile: Profile) -> Result<PathBuf, String> {
    tools::ensure_wasm_target()?;
    let bindgen_bin = tools::ensure_wasm_bindgen()?;

    let (profile_arg, profile_dir) = match profile {
        Profile::Dev => ("dev", "debug"),
        Profile::Release => ("wasm-release", "wasm-release"),
    };
    let target = crate::target_dir();
    let wasm = target
        .join("wasm32-unknown-unknown")
        .join(profile_dir)
        .join("ikelab_web.wasm");
    let dist = target.join("dist");
    if dist.exists() {
        std::fs::remove_dir_all(&dist)
            .map_err(|e| format!("cannot clear {}: {e}", dist.display()))?;
    }
    let pkg = dist.join("pkg");
    // Two builds of one crate (web/src/files.rs): the page loads the first, without
    // the trace reader, and the full one when a trace file is opened.
    for (name, features) in [
        (FIRST_BUILD, &["--no-default-features"][..]),
        (FULL_BUILD, &[][..]),
    ] {
        cmd::run(
            tools::cargo()
                .args([
                    "build",
                    "--package",
                    "ikelab-web",
                    "--lib",
                    "--target",
                    "wasm32-unknown-unknown",
                    "--profile",
                    profile_arg,
                ])
                .args(features),
        )?;
        let mut bindgen = Command::new(bindgen_bin.join("wasm-bindgen"));
        bindgen
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--out-name",
                name,
                "--out-dir",
            ])
            .arg(&pkg);
        if profile == Profile::Release {
            bindgen.arg("--remove-name-section");
        }
        cmd::run(bindgen.arg(&wasm))?;
    }

    let root = crate::root();
    copy(&root.join("index.html"), &dist.join("index.html"))?;
    copy_dir(&root.join("assets"), &dist.join("assets"))?;

    for name in [FIRST_BUILD, FULL_BUILD] {
        let wasm_out = pkg.join(format!("{name}_bg.wasm"));
        let raw = std::fs::metadata(&wasm_out).map(|m| m.len()).unwrap_or(0);
        let gzipped = gzip_size(&wasm_out);
        println!(
            "web: {} — {name}_bg.wasm {} KiB raw, {} gzipped",
            dist.display(),
            raw / 1024,
            gzipped.map_or("?".to_owned(), |g| format!("{} KiB", g / 1024)),
        );
    }
    Ok(dist)
}

/// Writes `ikelab sim NAME --seed SEED --trace` into `dir` with the CLI (built if
/// needed) and returns the file: the page must compute the same trace.
pub(crate) fn cli_trace(dir: &Path, scenario: &str, seed: u64) -> Result<PathBuf, String> {
    cmd::run(tools::cargo().args(["build", "--package", "ikelab-bridge", "--bin", "ikelab"]))?;
    let bin = crate::target_dir().join("debug").join("ikelab");
    let out = dir.join(format!("{scenario}-{seed}.trace.json"));
    cmd::run(
        Command::new(bin)
            .args(["sim", scenario, "--seed", &seed.to_string(), "--trace"])
            .arg(&out),
    )?;
    Ok(out)
}

pub(crate) fn gzip_size(path: &Path) -> Option<u64> {
    let out = cmd::output(Command::new("gzip").args(["-9", "-c"]).arg(path))?;
    out.status.success().then_some(out.stdout.len() as u64)
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::copy(from, to)
        .map(drop)
        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    let entries =
        std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &dest)?;
        } else {
            copy(&path, &dest)?;
        }
    }
    Ok(())
}
