//! Idempotent installers for every tool a layer needs.
//!
//! Only the package registries are reachable on the machines this runs on (crates.io,
//! Debian, npm), so each tool comes from one of them: `rustup target add`,
//! `cargo install`, `apt-get install`, `npm ci`. A tool that is already present at
//! the right version is left alone, so a second run costs seconds.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

use crate::cmd;

/// `cargo`, as the one that started xtask.
pub(crate) fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Where xtask keeps the tools it installs with `cargo install`, per version.
fn tools_dir() -> PathBuf {
    crate::target_dir().join("tools")
}

/// Adds the wasm32-unknown-unknown target to the active toolchain if it is missing.
pub(crate) fn ensure_wasm_target() -> Result<(), String> {
    const TARGET: &str = "wasm32-unknown-unknown";
    let installed = cmd::output(Command::new("rustup").args(["target", "list", "--installed"]))
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == TARGET)
        })
        .ok_or("rustup is needed to add the wasm32 target, and it did not run")?;
    if installed {
        return Ok(());
    }
    cmd::run(Command::new("rustup").args(["target", "add", TARGET]))
}

/// The version of a package as resolved in Cargo.lock.
pub(crate) fn locked_version(package: &str) -> Result<String, String> {
    let lock_path = crate::root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path)
        .map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
    let header = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == header
            && let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
        {
            return Ok(version.to_owned());
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}

/// Installs `wasm-bindgen-cli` at exactly the version of the `wasm-bindgen` crate in
/// Cargo.lock (the two must match) and returns the folder holding `wasm-bindgen` and
/// `wasm-bindgen-test-runner`.
pub(crate) fn ensure_wasm_bindgen() -> Result<PathBuf, String> {
    let version = locked_version("wasm-bindgen")?;
    let root = tools_dir().join(format!("wasm-bindgen-{version}"));
    let bin = root.join("bin");
    let probe = cmd::output(Command::new(bin.join("wasm-bindgen")).arg("--version"));
    let ok = probe
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == format!("wasm-bindgen {version}"))
        .unwrap_or(false);
    if !ok {
        // No --locked: the CLI's own lockfile pins a crate version the registry here
        // lacks (TOOLCHAIN.md); the CLI crate's version itself is still exact.
        cmd::run(
            cargo()
                .args([
                    "install",
                    "wasm-bindgen-cli",
                    "--version",
                    &format!("={version}"),
                    "--root",
                ])
                .arg(&root),
        )?;
    }
    Ok(bin)
}

/// Installs `cargo-fuzz` (crates.io) for the fuzz layer and returns its bin folder.
pub(crate) fn ensure_cargo_fuzz() -> Result<PathBuf, String> {
    let root = tools_dir().join("cargo-fuzz");
    let bin = root.join("bin");
    if !bin.join("cargo-fuzz").is_file() {
        cmd::run(cargo().args(["install", "cargo-fuzz", "--root"]).arg(&root))?;
    }
    Ok(bin)
}

/// Checks that a nightly toolchain is there (cargo-fuzz needs it for sanitizers).
pub(crate) fn ensure_nightly() -> Result<(), String> {
    let has = cmd::output(Command::new("rustup").args(["toolchain", "list"]))
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.starts_with("nightly"))
        })
        .unwrap_or(false);
    if has {
        return Ok(());
    }
    cmd::run(Command::new("rustup").args([
        "toolchain",
        "install",
        "nightly",
        "--profile",
        "minimal",
    ]))
}

/// Installs Debian packages that are not installed yet (needs root).
pub(crate) fn ensure_apt(packages: &[&str]) -> Result<(), String> {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|pkg| !dpkg_installed(pkg))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() {
        return Err(format!(
            "these Debian packages are missing and installing them needs root: {}",
            missing.join(" ")
        ));
    }
    static UPDATE: Once = Once::new();
    let mut update = Ok(());
    UPDATE.call_once(|| update = cmd::run(Command::new("apt-get").args(["update", "-q"])));
    update?;
    cmd::run(
        Command::new("apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(&missing),
    )
}

fn dpkg_installed(package: &str) -> bool {
    cmd::output(Command::new("dpkg-query").args(["-W", "-f=${Status}", package]))
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn is_root() -> bool {
    cmd::output(Command::new("id").arg("-u"))
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Node.js and npm (from Debian if the machine has none).
pub(crate) fn ensure_node() -> Result<(), String> {
    if cmd::exists("node") && cmd::exists("npm") {
        return Ok(());
    }
    ensure_apt(&["nodejs", "npm"])
}

/// `npm ci` in `dir` unless node_modules already matches package-lock.json.
pub(crate) fn ensure_npm_packages(dir: &Path) -> Result<(), String> {
    ensure_node()?;
    let lock = dir.join("package-lock.json");
    let installed = dir.join("node_modules").join(".package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&installed)) {
        (Ok(lock), Ok(installed)) => match (lock.modified(), installed.modified()) {
            (Ok(l), Ok(i)) => i >= l,
            _ => false,
        },
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    cmd::run(
        Command::new("npm")
            .current_dir(dir)
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
            .args(["ci", "--no-audit", "--no-fund"]),
    )
}

/// Debian's Chromium, driven by playwright-core in the browser layer.
pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";

pub(crate) fn ensure_chromium() -> Result<(), String> {
    ensure_apt(&["chromium"])?;
    if Path::new(CHROMIUM).is_file() {
        Ok(())
    } else {
        Err(format!(
            "the chromium package is installed but {CHROMIUM} is missing"
        ))
    }
}
