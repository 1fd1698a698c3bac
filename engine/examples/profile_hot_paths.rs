//! A profiling harness for instruction counters (`valgrind --tool=callgrind`): runs
//! the two measured paths of the benchmarks `handshake` and `esp` N times, outside
//! criterion, with the benchmarks' own code (`benches/measured`), so that instruction
//! counts per handshake
//! and per ESP packet can be compared between commits (repeatable on a loaded
//! machine, unlike wall-clock time).
//!
//! `cargo build --release --features native-crypto -p ikelab-engine --example profile_hot_paths`
//! `valgrind --tool=callgrind --toggle-collect='*measured_*' target/release/examples/profile_hot_paths handshake 200`
//! `valgrind --tool=callgrind --toggle-collect='*measured_*' target/release/examples/profile_hot_paths esp 20000`
//!
//! Modes: `handshake N` (x25519-aes256gcm16-prfsha256, dissection off, as the
//! handshake benchmark), `esp N` (1400-octet seal in place + open, AES-256-GCM, as
//! the ESP benchmark), `esp-copy N` (`Engine::seal` into a second buffer + open).

use std::hint::black_box;

use ikelab_engine::Engine;
use ikelab_engine::crypto::default_provider;

// The benchmarks' own measured code (benches/measured), so the counts are of exactly
// what they time; this harness uses part of it.
#[allow(dead_code)]
#[path = "../benches/measured/mod.rs"]
mod measured;

use measured::handshake::{SUITES, engine, measured_handshake, peer_config};
use measured::tunnel::Tunnel;

fn handshakes(count: u64) {
    let provider = default_provider();
    let suite = &SUITES[0];
    let initiator = peer_config("192.0.2.2", "192.0.2.1", "cl.example", "gw.example", suite);
    let responder = peer_config("192.0.2.1", "%any", "gw.example", "cl.example", suite);
    for seed in 0..count {
        let a = engine(provider, Vec::new(), 2 * seed);
        let b = engine(provider, vec![responder.clone()], 2 * seed + 1);
        drop(black_box(measured_handshake(a, b, &initiator)));
    }
}

/// Wall-clock time per handshake as the benchmark's summary takes it: rounds of
/// 100 engine pairs built before the timing starts, the best of 24 rounds.
fn handshakes_timed() {
    let provider = default_provider();
    let suite = &SUITES[0];
    let initiator = peer_config("192.0.2.2", "192.0.2.1", "cl.example", "gw.example", suite);
    let responder = peer_config("192.0.2.1", "%any", "gw.example", "cl.example", suite);
    let mut best = f64::MAX;
    let mut seed = 1_000_000u64;
    for _ in 0..24 {
        let pairs: Vec<(Engine, Engine)> = (0..100)
            .map(|_| {
                seed += 2;
                (
                    engine(provider, Vec::new(), seed),
                    engine(provider, vec![responder.clone()], seed + 1),
                )
            })
            .collect();
        let start = std::time::Instant::now();
        let done: Vec<(Engine, Engine)> = pairs
            .into_iter()
            .map(|(a, b)| measured_handshake(a, b, &initiator))
            .collect();
        best = best.min(start.elapsed().as_secs_f64());
        drop(black_box(done));
    }
    println!("handshake {:.1} µs", best / 100.0 * 1e6);
}

/// Wall-clock time per 1400-octet seal in place + open, best of 32 rounds of 25,000.
fn esp_timed() {
    let mut tunnel = Tunnel::new(default_provider(), "aes256gcm16");
    for _ in 0..10_000 {
        black_box(tunnel.measured_seal_open_in_place());
    }
    let mut best = f64::MAX;
    for _ in 0..32 {
        let start = std::time::Instant::now();
        for _ in 0..25_000 {
            black_box(tunnel.measured_seal_open_in_place());
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!("esp {:.1} ns", best / 25_000.0 * 1e9);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "handshake".to_owned());
    let count: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(100);
    match mode.as_str() {
        "handshake" => handshakes(count),
        "esp" => {
            let mut tunnel = Tunnel::new(default_provider(), "aes256gcm16");
            for _ in 0..count {
                black_box(tunnel.measured_seal_open_in_place());
            }
        }
        "esp-copy" => {
            let mut tunnel = Tunnel::new(default_provider(), "aes256gcm16");
            for _ in 0..count {
                black_box(tunnel.measured_seal_open());
            }
        }
        "handshake-timed" => handshakes_timed(),
        "esp-timed" => esp_timed(),
        other => eprintln!(
            "unknown mode {other}: handshake | esp | esp-copy | handshake-timed | esp-timed"
        ),
    }
}
