//! The whole bundled scenario library, played by the simulator: how long one pass
//! takes natively (each scenario with its own seed; the trace with dissections and
//! keys is built as the browser gets it), and each scenario on its own.
//!
//! `cargo bench -p ikelab-engine --bench scenarios -- --warm-up-time 1 --measurement-time 5`

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ikelab_engine::sim::{self, Scenario, library};

fn scenarios() -> Vec<Scenario> {
    library::names()
        .map(|name| library::load(name).unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect()
}

fn library_bench(c: &mut Criterion) {
    let all = scenarios();
    c.bench_function("scenario library (all bundled, one pass)", |b| {
        b.iter(|| {
            let mut records = 0;
            for scenario in &all {
                records += sim::run(scenario, scenario.seed).trace.records.len();
            }
            records
        });
    });
    let mut group = c.benchmark_group("scenario");
    for scenario in &all {
        group.bench_with_input(
            BenchmarkId::from_parameter(&scenario.name),
            scenario,
            |b, s| b.iter(|| sim::run(s, s.seed).trace.records.len()),
        );
    }
    group.finish();
}

criterion_group!(benches, library_bench);
criterion_main!(benches);
