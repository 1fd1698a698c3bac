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

/// Builds the web crate for wasm32, runs wasm-bindgen and lays out the site.
/// Returns the `dist` folder.
pub(crate) fn build(profile: Profile) -> Result<PathBuf, String> {
    tools::ensure_wasm_target()?;
    let bindgen_bin = tools::ensure_wasm_bindgen()?;

    let (profile_arg, profile_dir) = match profile {
        Profile::Dev => ("dev", "debug"),
        Profile::Release => ("wasm-release", "wasm-release"),
    };
    cmd::run(tools::cargo().args([
        "build",
        "--package",
        "ikelab-web",
        "--lib",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        profile_arg,
    ]))?;
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
    let mut bindgen = Command::new(bindgen_bin.join("wasm-bindgen"));
    bindgen
        .args(["--target", "web", "--no-typescript", "--out-dir"])
        .arg(&pkg);
    if profile == Profile::Release {
        bindgen.arg("--remove-name-section");
    }
    cmd::run(bindgen.arg(&wasm))?;

    let root = crate::root();
    copy(&root.join("index.html"), &dist.join("index.html"))?;
    copy_dir(&root.join("assets"), &dist.join("assets"))?;

    let wasm_out = pkg.join("ikelab_web_bg.wasm");
    let raw = std::fs::metadata(&wasm_out).map(|m| m.len()).unwrap_or(0);
    let gzipped = gzip_size(&wasm_out);
    println!(
        "web: {} — ikelab_web_bg.wasm {} KiB raw, {} gzipped",
        dist.display(),
        raw / 1024,
        gzipped.map_or("?".to_owned(), |g| format!("{} KiB", g / 1024)),
    );
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
