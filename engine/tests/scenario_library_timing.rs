//! How long the bundled scenario library takes in WASM: a benchmark, not a test.
//! `cargo xtask bench` runs it under node with wasm-bindgen-test-runner after the
//! criterion benchmarks (`benches/scenarios.rs` times the same passes natively); no
//! test layer runs it. Each pass plays every bundled scenario with its own seed
//! and builds its trace, as the browser does; the clock is JavaScript's `Date.now()`.
//!
//! `cargo test -p ikelab-engine --release --target wasm32-unknown-unknown --test scenario_library_timing -- --nocapture`
#![cfg(target_arch = "wasm32")]

use ikelab_engine::sim::{self, Scenario, library};
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

const PASSES: usize = 10;

#[wasm_bindgen_test]
fn scenario_library_pass_time() {
    let all: Vec<Scenario> = library::names()
        .map(|name| library::load(name).unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect();
    let mut times = Vec::with_capacity(PASSES);
    let mut records = 0;
    for _ in 0..PASSES {
        let start = js_sys::Date::now();
        for scenario in &all {
            records += sim::run(scenario, scenario.seed).trace.records.len();
        }
        times.push(js_sys::Date::now() - start);
    }
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    console_log!(
        "scenario library in WASM: {} scenarios, {records} trace records over {PASSES} passes; \
         per pass: min {:.1} ms, median {:.1} ms, mean {mean:.1} ms",
        all.len(),
        times[0],
        times[times.len() / 2],
    );
    assert!(records > 0, "the passes produced no trace");
}
