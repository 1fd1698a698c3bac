//! The test layers of `cargo xtask test`, in order, each installing its own tools.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::summary::{self, Counts};
use crate::{cmd, serve, tools, web};

/// Every layer, in the order `cargo xtask test` runs them.
const LAYERS: &[&str] = &[
    "fmt", "clippy", "unit", "wasm", "web", "browser", "fuzz", "interop",
];

/// Debian packages the interop layer needs: strongSwan with kernel-libipsec
/// (TOOLCHAIN.md), tshark as the independent dissector, tcpdump, ip, iptables, ping
/// (traffic through the tunnels), and the base tools the harness calls (kill, unshare,
/// mount), listed so a slimmer image still gets them.
const INTEROP_PACKAGES: &[&str] = &[
    "strongswan-charon",
    "strongswan-swanctl",
    "libcharon-extra-plugins",
    "libstrongswan-extra-plugins",
    "libstrongswan-standard-plugins",
    "tshark",
    "tcpdump",
    "iproute2",
    "iptables",
    "iputils-ping",
    "procps",
    "util-linux",
    "mount",
];

struct LayerResult {
    name: &'static str,
    seconds: f64,
    counts: Counts,
    error: Option<String>,
}

/// Runs the named layers (all when `only` is empty) and prints the summary; fails if
/// any test case failed.
pub(crate) fn run(only: &[String], fuzz_seconds: u64) -> Result<(), String> {
    for name in only {
        if !LAYERS.contains(&name.as_str()) {
            return Err(format!(
                "unknown layer {name:?}; layers are: {}",
                LAYERS.join(" ")
            ));
        }
    }
    let selected: Vec<&'static str> = LAYERS
        .iter()
        .copied()
        .filter(|l| only.is_empty() || only.iter().any(|o| o == l))
        .collect();

    let mut results = Vec::new();
    for name in selected {
        println!("\n==== layer {name} ====");
        let start = Instant::now();
        let outcome = run_layer(name, fuzz_seconds);
        let seconds = start.elapsed().as_secs_f64();
        let (counts, error) = match outcome {
            Ok(counts) => (counts, None),
            Err((counts, err)) => (counts, Some(err)),
        };
        // A failing layer whose runner printed no test line still counts as one failure.
        let counts = if error.is_some() && counts.failed == 0 {
            let mut c = counts;
            c.failed += 1;
            c
        } else {
            counts
        };
        if let Some(err) = &error {
            eprintln!("layer {name} failed: {err}");
        }
        results.push(LayerResult {
            name,
            seconds,
            counts,
            error,
        });
    }

    println!("\n==== summary ====");
    let mut total = Counts::default();
    for r in &results {
        println!(
            "{:<8} {:>7.1} s  {:>5} passed  {:>3} failed{}",
            r.name,
            r.seconds,
            r.counts.passed,
            r.counts.failed,
            r.error
                .as_ref()
                .map_or(String::new(), |e| format!("  ({e})")),
        );
        total.add(r.counts);
    }
    let seconds: f64 = results.iter().map(|r| r.seconds).sum();
    println!("total    {seconds:>7.1} s");
    println!("{} passed, {} failed", total.passed, total.failed);
    if total.failed == 0 && results.iter().all(|r| r.error.is_none()) {
        Ok(())
    } else {
        Err("some tests failed".to_owned())
    }
}

type LayerOutcome = Result<Counts, (Counts, String)>;

fn run_layer(name: &str, fuzz_seconds: u64) -> LayerOutcome {
    match name {
        "fmt" => single(tools::cargo().args(["fmt", "--all", "--check"])),
        "clippy" => clippy(),
        "unit" => unit(),
        "wasm" => wasm(),
        "web" => web::build(web::Profile::Release)
            .map(|_| Counts::one(true))
            .map_err(|e| (Counts::default(), e)),
        "browser" => browser(),
        "fuzz" => fuzz(fuzz_seconds),
        "interop" => interop(),
        _ => Err((Counts::default(), format!("no layer {name}"))),
    }
}

/// Clippy on the workspace, and on the browser lab's first build, whose code differs
/// (the `files` feature off: web/src/files.rs).
fn clippy() -> LayerOutcome {
    single(tools::cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    single(tools::cargo().args([
        "clippy",
        "--package",
        "ikelab-web",
        "--lib",
        "--no-default-features",
        "--",
        "-D",
        "warnings",
    ]))
}

/// A layer that is one check: one test case.
fn single(cmd: &mut Command) -> LayerOutcome {
    match cmd::run(cmd) {
        Ok(()) => Ok(Counts::one(true)),
        Err(e) => Err((Counts::default(), e)),
    }
}

/// Runs a libtest-style runner and counts its result lines.
fn libtest(cmd: &mut Command) -> LayerOutcome {
    let (ok, text) = cmd::run_tee(cmd).map_err(|e| (Counts::default(), e))?;
    let counts = summary::libtest(&text);
    if ok && counts.failed == 0 {
        if counts.is_empty() {
            return Err((counts, "the runner reported no test at all".to_owned()));
        }
        Ok(counts)
    } else {
        let names = summary::libtest_failures(&text);
        Err((counts, summary::naming("test runner failed", &names)))
    }
}

/// The workspace's native tests. The CLI tests in `tests/` run the `ikelab` binary,
/// so every binary is built first.
fn unit() -> LayerOutcome {
    cmd::run(tools::cargo().args(["build", "--workspace", "--bins"]))
        .map_err(|e| (Counts::default(), e))?;
    libtest(tools::cargo().args(["test", "--workspace", "--no-fail-fast"]))
}

/// The engine on wasm32 under node, with wasm-bindgen-test-runner: its unit tests, the
/// `wasm` target, the two-peer handshake (`pair_wasm`), the two-peer tests of
/// established SAs, and the simulator (every bundled scenario against its `[expect]`
/// and its native trace hash).
fn wasm() -> LayerOutcome {
    let bin = wasm_test_tools().map_err(|e| (Counts::default(), e))?;
    libtest(
        tools::cargo()
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                bin.join("wasm-bindgen-test-runner"),
            )
            .args([
                "test",
                "--package",
                "ikelab-engine",
                "--target",
                "wasm32-unknown-unknown",
                // The engine's unit tests (vectors, wire, crypto, config) run here too:
                // each test module imports wasm_bindgen_test as `test` on wasm32.
                "--lib",
                "--test",
                "wasm",
                "--test",
                "pair_wasm",
                // The two-peer tests of established SAs (rekey, delete, liveness).
                "--test",
                "ike_child_exchanges",
                "--test",
                "ike_rekey",
                "--test",
                "ike_lifecycle",
                "--test",
                "sim_scenarios",
                "--test",
                "sim_network",
                "--test",
                "timer_purposes",
            ]),
    )
}

/// The built site in headless Chromium (playwright-core + Debian's chromium),
/// mounted under a sub-path.
fn browser() -> LayerOutcome {
    let fail = |e: String| (Counts::default(), e);
    let root = crate::root();
    let browser_dir = root.join("tests").join("browser");
    tools::ensure_chromium().map_err(fail)?;
    tools::ensure_npm_packages(&browser_dir).map_err(fail)?;
    // tshark decrypts the pcap and key folder the page builds (tools.test.mjs).
    tools::ensure_apt(&["tshark"]).map_err(fail)?;
    // Always (re)build: cargo and wasm-bindgen take seconds when nothing changed, and
    // a site left in target/dist by an older checkout would test yesterday's engine.
    let dist = web::build(web::Profile::Release).map_err(fail)?;
    const MOUNT: &str = "/sub/ikelab/";
    let addr = serve::serve_in_background(&dist, MOUNT).map_err(fail)?;
    let artifacts = crate::target_dir().join("browser");
    std::fs::create_dir_all(&artifacts).map_err(|e| fail(e.to_string()))?;
    let cli_trace = web::cli_trace(&artifacts, "happy-path", 7).map_err(fail)?;
    let (ok, text) = cmd::run_tee(
        Command::new("node")
            .current_dir(&browser_dir)
            .env("IKELAB_URL", format!("http://{addr}{MOUNT}"))
            .env("IKELAB_ENGINE_VERSION", env!("CARGO_PKG_VERSION"))
            .env("IKELAB_ARTIFACTS", &artifacts)
            .env("IKELAB_TRACES", root.join("assets").join("traces"))
            .env("IKELAB_CLI_TRACE", &cli_trace)
            .env(
                "IKELAB_BIN",
                crate::target_dir().join("debug").join("ikelab"),
            )
            .env("CHROMIUM", tools::CHROMIUM)
            .args(["--test", "--test-reporter=tap", "--test-concurrency=1"])
            .args(browser_test_files(&browser_dir).map_err(fail)?),
    )
    .map_err(fail)?;
    let counts = summary::node_tap(&text);
    if ok && counts.failed == 0 && !counts.is_empty() {
        Ok(counts)
    } else if counts.is_empty() {
        Err((
            counts,
            "the browser tests reported no test at all".to_owned(),
        ))
    } else {
        let names = summary::node_tap_failures(&text);
        Err((counts, summary::naming("browser tests failed", &names)))
    }
}

/// Every `*.test.mjs` of tests/browser, sorted.
fn browser_test_files(dir: &Path) -> Result<Vec<String>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut files: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".test.mjs"))
        .collect();
    files.sort();
    Ok(files)
}

fn fuzz_dir() -> std::path::PathBuf {
    crate::root().join("engine").join("fuzz")
}

/// The fuzz targets declared in engine/fuzz/Cargo.toml (`[[bin]] name = …`).
fn fuzz_targets() -> Result<Vec<String>, String> {
    let manifest = fuzz_dir().join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    let mut targets = Vec::new();
    let mut in_bin = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if in_bin
            && let Some(name) = line
                .strip_prefix("name = \"")
                .and_then(|n| n.strip_suffix('"'))
        {
            targets.push(name.to_owned());
        }
    }
    if targets.is_empty() {
        return Err(format!("{} declares no fuzz target", manifest.display()));
    }
    Ok(targets)
}

/// Runs one fuzz target for `seconds` and returns libFuzzer's execution count.
///
/// The first corpus folder (under target/) is the writable one, so the committed seeds
/// in engine/fuzz/corpus/<target> are read but never rewritten. A crash makes cargo-fuzz
/// exit non-zero; its reproducer lands in engine/fuzz/artifacts/<target>/.
fn run_fuzz_target(bin: &Path, target: &str, seconds: u64) -> Result<u64, String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin.to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    let joined = std::env::join_paths(paths).map_err(|e| e.to_string())?;
    let work_corpus = crate::target_dir().join("fuzz-corpus").join(target);
    std::fs::create_dir_all(&work_corpus)
        .map_err(|e| format!("cannot create {}: {e}", work_corpus.display()))?;
    let seeds = fuzz_dir().join("corpus").join(target);
    let (ok, text) = cmd::run_tee(
        Command::new("cargo")
            .current_dir(crate::root().join("engine"))
            .env("PATH", joined)
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("RUSTUP_TOOLCHAIN")
            .args(["+nightly", "fuzz", "run", target])
            .arg(&work_corpus)
            .arg(&seeds)
            .args(["--", &format!("-max_total_time={seconds}")]),
    )?;
    if !ok {
        return Err(format!(
            "crashed or failed to build; see engine/fuzz/artifacts/{target}/"
        ));
    }
    // libFuzzer's last line: "Done 1293543 runs in 61 second(s)".
    let runs = text
        .lines()
        .rev()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Done ")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .ok_or_else(|| format!("{target}: libFuzzer printed no \"Done N runs\" line"))?;
    println!("fuzz: {target}: {runs} executions in {seconds} s, no crash");
    Ok(runs)
}

/// Each fuzz target for a bounded time; each target is one test case.
fn fuzz(seconds: u64) -> LayerOutcome {
    let setup = || -> Result<(std::path::PathBuf, Vec<String>), String> {
        tools::ensure_nightly()?;
        Ok((tools::ensure_cargo_fuzz()?, fuzz_targets()?))
    };
    let (bin, targets) = setup().map_err(|e| (Counts::default(), e))?;
    let mut counts = Counts::default();
    let mut failures = Vec::new();
    for target in &targets {
        let result = run_fuzz_target(&bin, target, seconds);
        counts.add(Counts::one(result.is_ok()));
        if let Err(e) = result {
            failures.push(format!("{target}: {e}"));
        }
    }
    if failures.is_empty() {
        Ok(counts)
    } else {
        Err((counts, failures.join("; ")))
    }
}

/// `cargo xtask fuzz`: long runs, outside the test suite.
pub(crate) fn fuzz_long(target: Option<&str>, seconds: u64) -> Result<(), String> {
    tools::ensure_nightly()?;
    let bin = tools::ensure_cargo_fuzz()?;
    let targets = match target {
        Some(t) => vec![t.to_owned()],
        None => fuzz_targets()?,
    };
    for target in &targets {
        run_fuzz_target(&bin, target, seconds)?;
    }
    Ok(())
}

/// Interop with a real strongSwan in network namespaces (root), one test at a time.
fn interop() -> LayerOutcome {
    tools::ensure_apt(INTEROP_PACKAGES).map_err(|e| (Counts::default(), e))?;
    cmd::run(tools::cargo().args(["build", "--workspace", "--bins"]))
        .map_err(|e| (Counts::default(), e))?;
    // --no-fail-fast: a failing test binary does not hide the results of the others.
    libtest(tools::cargo().args([
        "test",
        "--no-fail-fast",
        "--package",
        "ikelab-tests",
        "--features",
        "interop",
        "--test",
        "interop_*",
        "--",
        "--test-threads=1",
    ]))
}

/// The wasm32 target, node and wasm-bindgen-cli; returns the folder of
/// `wasm-bindgen-test-runner`.
fn wasm_test_tools() -> Result<std::path::PathBuf, String> {
    tools::ensure_wasm_target()?;
    tools::ensure_node()?;
    tools::ensure_wasm_bindgen()
}

/// `cargo xtask bench`: every criterion benchmark (release build), then the
/// scenario library timed in WASM under node (`engine/tests/scenario_library_timing.rs`).
pub(crate) fn bench(args: &[String]) -> Result<(), String> {
    let mut cmd = tools::cargo();
    cmd.args(["bench", "--workspace", "--bench", "*"]);
    if !args.is_empty() {
        cmd.arg("--").args(args);
    }
    cmd::run(&mut cmd)?;
    let bin = wasm_test_tools()?;
    cmd::run(
        tools::cargo()
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                bin.join("wasm-bindgen-test-runner"),
            )
            .args([
                "test",
                "--package",
                "ikelab-engine",
                "--release",
                "--target",
                "wasm32-unknown-unknown",
                "--test",
                "scenario_library_timing",
                "--",
                "--nocapture",
            ]),
    )
}
