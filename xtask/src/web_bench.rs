//! The browser lab's benchmark: the gzipped size of the release .wasm (the build the
//! page loads, and the full one it loads for trace files and tools), the time from
//! navigation to the first animated message, the median frame interval over 10 s
//! of playing the scenario with the most records, and the time from an edit to the
//! new timeline painted (`tests/browser/bench.mjs`, headless Chromium). Targets on
//! the team's 2-core machine: ≤ 600 KB gzipped, ≤ 1 s, ≤ 20 ms, ≤ 100 ms.

use std::process::Command;

use crate::{cmd, serve, tools, web};

/// Builds the release site, serves it under a sub-path and measures it.
pub(crate) fn bench() -> Result<(), String> {
    let dist = web::build(web::Profile::Release)?;
    for (name, what) in [
        (web::FIRST_BUILD, "what the page loads (target ≤ 600 KB)"),
        (web::FULL_BUILD, "loaded for a trace file or a tool"),
    ] {
        let wasm = dist.join("pkg").join(format!("{name}_bg.wasm"));
        let gzipped = web::gzip_size(&wasm).ok_or("gzip could not measure the .wasm")?;
        println!(
            "bench: {name}_bg.wasm {:.0} KB gzipped, {what}",
            gzipped as f64 / 1000.0
        );
    }
    tools::ensure_chromium()?;
    let browser_dir = crate::root().join("tests").join("browser");
    tools::ensure_npm_packages(&browser_dir)?;
    const MOUNT: &str = "/bench/ikelab/";
    let addr = serve::serve_in_background(&dist, MOUNT)?;
    cmd::run(
        Command::new("node")
            .current_dir(&browser_dir)
            .env("IKELAB_URL", format!("http://{addr}{MOUNT}"))
            .env("CHROMIUM", tools::CHROMIUM)
            .arg("bench.mjs"),
    )
}
