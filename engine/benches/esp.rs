//! ESP seal + open of 1400-octet packets through the Engine API (`Engine::seal` or
//! the zero-copy `Engine::seal_in_place` on one side, `Engine::open` on the other,
//! after a real handshake), for AES-256-GCM
//! and ChaCha20-Poly1305, with every compiled-in provider (RustCrypto, and the
//! native one with `--features native-crypto`), next to ring's AES-256-GCM seal +
//! open of the same 1400 octets in place (the reference: the fastest library path
//! on this kind of machine). After the criterion groups, a summary prints GB/s per
//! core (1400 octets per seal+open pair) and the ratio to ring.
//!
//! `cargo bench -p ikelab-engine --features native-crypto --bench esp`

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group};
use ikelab_engine::crypto::providers;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};

// Shared with benches/handshake.rs and examples/profile_hot_paths.rs; each uses part
// of it.
#[allow(dead_code)]
mod measured;

use measured::tunnel::{PACKET, Tunnel};

/// ring's AES-256-GCM on the same 1400 octets: seal in place with a separate tag,
/// then open in place (ciphertext | tag), a fresh nonce per packet.
struct RingGcm {
    key: LessSafeKey,
    buf: Vec<u8>,
    counter: u64,
}

impl RingGcm {
    fn new() -> Self {
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[7u8; 32]).expect("key"));
        Self {
            key,
            buf: vec![0x5a; PACKET + 16],
            counter: 0,
        }
    }

    fn nonce(counter: u64) -> Nonce {
        let mut n = [0u8; 12];
        n[4..].copy_from_slice(&counter.to_be_bytes());
        Nonce::assume_unique_for_key(n)
    }

    fn seal_open(&mut self) -> usize {
        self.counter += 1;
        let aad = [0u8; 8];
        let (data, tag_space) = self.buf.split_at_mut(PACKET);
        let tag = self
            .key
            .seal_in_place_separate_tag(Self::nonce(self.counter), Aad::from(aad), data)
            .expect("seal");
        tag_space.copy_from_slice(tag.as_ref());
        let plain = self
            .key
            .open_in_place(Self::nonce(self.counter), Aad::from(aad), &mut self.buf)
            .expect("open");
        plain.len()
    }
}

#[cfg(feature = "native-crypto")]
/// The same on aws-lc-rs directly (the other native library, without the engine):
/// the figure that had the native provider take its AEADs from ring
/// (`crypto::native::aead`).
struct AwsLcGcm {
    key: aws_lc_rs::aead::LessSafeKey,
    buf: Vec<u8>,
    counter: u64,
}

#[cfg(feature = "native-crypto")]
impl AwsLcGcm {
    fn new() -> Self {
        use aws_lc_rs::aead::{AES_256_GCM, LessSafeKey, UnboundKey};
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[7u8; 32]).expect("key"));
        Self {
            key,
            buf: vec![0x5a; PACKET + 16],
            counter: 0,
        }
    }

    fn seal_open(&mut self) -> usize {
        use aws_lc_rs::aead::{Aad, Nonce};
        self.counter += 1;
        let nonce = |counter: u64| {
            let mut n = [0u8; 12];
            n[4..].copy_from_slice(&counter.to_be_bytes());
            Nonce::assume_unique_for_key(n)
        };
        let aad = [0u8; 8];
        let (data, tag_space) = self.buf.split_at_mut(PACKET);
        let tag = self
            .key
            .seal_in_place_separate_tag(nonce(self.counter), Aad::from(aad), data)
            .expect("seal");
        tag_space.copy_from_slice(tag.as_ref());
        let plain = self
            .key
            .open_in_place(nonce(self.counter), Aad::from(aad), &mut self.buf)
            .expect("open");
        plain.len()
    }
}

fn cases() -> Vec<(String, Box<dyn FnMut() -> usize>)> {
    let mut cases: Vec<(String, Box<dyn FnMut() -> usize>)> = Vec::new();
    let mut ring = RingGcm::new();
    cases.push((
        "ring/aes256gcm (reference)".to_owned(),
        Box::new(move || ring.seal_open()),
    ));
    #[cfg(feature = "native-crypto")]
    {
        let mut aws = AwsLcGcm::new();
        cases.push((
            "aws-lc-rs/aes256gcm (library alone)".to_owned(),
            Box::new(move || aws.seal_open()),
        ));
    }
    for provider in providers() {
        for esp in ["aes256gcm16", "chacha20poly1305"] {
            let mut tunnel = Tunnel::new(provider, esp);
            cases.push((
                format!("engine/{}/{esp} in place", provider.name),
                Box::new(move || tunnel.measured_seal_open_in_place()),
            ));
            let mut tunnel = Tunnel::new(provider, esp);
            cases.push((
                format!("engine/{}/{esp} copy", provider.name),
                Box::new(move || tunnel.measured_seal_open()),
            ));
        }
    }
    cases
}

fn esp_seal_open(c: &mut Criterion) {
    let mut group = c.benchmark_group("esp_seal_open_1400");
    group.throughput(Throughput::Bytes(PACKET as u64));
    for (name, mut run) in cases() {
        group.bench_function(name, |b| b.iter(|| black_box(run())));
    }
    group.finish();
}

/// GB/s of each case and the ratio to ring. The cases run in turns (round-robin, 32
/// rounds of 25,000 packets each, ~15 ms per round) and the best round of each
/// counts, so load from other processes on a shared machine biases no case more
/// than another, and short rounds make a quiet one likely for every case.
fn summary() {
    const PACKETS: usize = 25_000;
    const ROUNDS: usize = 32;
    // ESP_BENCH_ONLY=<substring> keeps the summary to matching cases (profiling).
    let only = std::env::var("ESP_BENCH_ONLY").ok();
    let mut cases: Vec<_> = cases()
        .into_iter()
        .filter(|(name, _)| only.as_deref().is_none_or(|o| name.contains(o)))
        .collect();
    for (_, run) in &mut cases {
        for _ in 0..10_000 {
            black_box(run());
        }
    }
    let mut best = vec![f64::MAX; cases.len()];
    for _ in 0..ROUNDS {
        for ((_, run), best) in cases.iter_mut().zip(&mut best) {
            let start = Instant::now();
            for _ in 0..PACKETS {
                black_box(run());
            }
            *best = best.min(start.elapsed().as_secs_f64());
        }
    }
    let gbps: Vec<f64> = best
        .iter()
        .map(|secs| (PACKETS * PACKET) as f64 / secs / 1e9)
        .collect();
    let reference = gbps.first().copied().unwrap_or(1.0);
    println!(
        "\nESP seal+open, {PACKET}-octet packets, one core (best of {ROUNDS} rounds x {PACKETS}):"
    );
    for ((name, _), gbps) in cases.iter().zip(&gbps) {
        println!(
            "  {name:<44} {gbps:6.3} GB/s  {:5.1} % of ring",
            100.0 * gbps / reference
        );
    }
}

criterion_group!(benches, esp_seal_open);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    summary();
}
