//! Full IKEv2 handshakes per second (IKE_SA_INIT + IKE_AUTH with the first CHILD
//! SA, PSK), both peers in one process, datagrams handed straight across; and, in
//! the same run, the crypto-only bound: exactly the cryptographic operations of one
//! handshake (both sides) without the state machine. Both run for every compiled-in
//! provider (`crypto::providers`: RustCrypto, and the native one with the
//! `native-crypto` feature).
//!
//! `cargo bench -p ikelab-engine --features native-crypto --bench handshake -- --warm-up-time 1 --measurement-time 5`

use std::hint::black_box;
use std::time::Instant;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group};
use ikelab_engine::Engine;
use ikelab_engine::crypto::auth::{shared_key_auth, signed_octets};
use ikelab_engine::crypto::keys::{ChildSuite, IkeSuite, derive_child_keys, derive_ike_keys};
use ikelab_engine::crypto::sk::SkProtection;
use ikelab_engine::crypto::{Cipher, CryptoProvider, Secret, providers};
use ikelab_engine::wire::iana::PrfId;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sha1::{Digest, Sha1};

// Shared with benches/esp.rs and examples/profile_hot_paths.rs; each uses part of it.
#[allow(dead_code)]
mod measured;

use measured::handshake::{SUITES, Suite, engine, measured_handshake, peer_config};

fn full_handshake(c: &mut Criterion) {
    let mut group = c.benchmark_group("handshake");
    for suite in &SUITES {
        let initiator = peer_config("192.0.2.2", "192.0.2.1", "cl.example", "gw.example", suite);
        let responder = peer_config("192.0.2.1", "%any", "gw.example", "cl.example", suite);
        for &provider in providers() {
            let mut seed = 0u64;
            group.bench_function(
                BenchmarkId::new(format!("engine/{}", provider.name), suite.name),
                |b| {
                    b.iter_batched(
                        || {
                            seed += 2;
                            (
                                engine(provider, Vec::new(), seed),
                                engine(provider, vec![responder.clone()], seed + 1),
                            )
                        },
                        |(a, r)| measured_handshake(a, r, &initiator),
                        BatchSize::SmallInput,
                    );
                },
            );
            let mut rng = ChaCha20Rng::seed_from_u64(1);
            group.bench_function(
                BenchmarkId::new(format!("crypto_only/{}", provider.name), suite.name),
                |b| {
                    b.iter(|| crypto_of_one_handshake(provider, suite, &mut rng));
                },
            );
        }
    }
    group.finish();
}

/// The cryptography of one handshake, both sides: two key pairs and two shared
/// secrets, the eight NAT_DETECTION SHA-1 hashes (each side hashes its two and
/// checks the peer's two, RFC 7296 §2.23), SKEYSEED and the key split twice, four
/// AUTH computations (each side makes its own and checks the other's: MACed ID and
/// the two PRF calls), the IKE_AUTH request and response sealed and opened, the
/// CHILD SA KEYMAT twice, and on each side the ESP data plane keyed for both
/// directions (what installing the CHILD SA does).
fn crypto_of_one_handshake(
    provider: &'static CryptoProvider,
    suite: &Suite,
    rng: &mut ChaCha20Rng,
) -> usize {
    let group = provider.group(suite.group).expect("group");
    let ike = IkeSuite::new(
        provider,
        suite.encr,
        Some(suite.key_bits),
        PrfId::HMAC_SHA2_256,
        suite.integ,
    )
    .expect("IKE suite");
    let child = ChildSuite::new(provider, suite.encr, Some(suite.key_bits), suite.integ)
        .expect("child suite");
    let initiator = group.start(rng).expect("key");
    let responder = group.start(rng).expect("key");
    let g_i = initiator
        .complete(responder.public_value())
        .expect("shared");
    let g_r = responder
        .complete(initiator.public_value())
        .expect("shared");
    let (ni, nr) = ([1u8; 32], [2u8; 32]);
    let (spi_i, spi_r) = ([3u8; 8], [4u8; 8]);
    let mut total = 0;
    for i in 0..8u8 {
        let mut natd = Sha1::new();
        natd.update(spi_i);
        natd.update(spi_r);
        natd.update([192, 0, 2, i, 1, 244]);
        total += usize::from(natd.finalize()[0]);
    }
    for g in [&g_i, &g_r] {
        let keys =
            derive_ike_keys(&ike, g.as_bytes(), &ni, &nr, &spi_i, &spi_r, None).expect("keys");
        for _ in 0..2 {
            let octets = signed_octets(
                ike.prf,
                &[0u8; 250],
                &nr,
                keys.sk_pi(),
                b"\x02\0\0\0cl.example",
            );
            total += shared_key_auth(ike.prf, b"bench-secret", &octets).len();
        }
        let integ = ike.integ.map(|i| (i, keys.sk_ai()));
        let out = SkProtection::new(ike.cipher, keys.sk_ei(), integ).expect("sk");
        let sealed = out.seal(&[0u8; 32], &[0u8; 200], rng).expect("seal");
        total += out.open(&[0u8; 32], &sealed).expect("open").len();
        let child_keys =
            derive_child_keys(ike.prf, keys.sk_d(), &child, None, &ni, &nr, None).expect("keymat");
        total += child_keys.encr_i().len();
        for (encr, integ) in [
            (child_keys.encr_i(), child_keys.integ_i()),
            (child_keys.encr_r(), child_keys.integ_r()),
        ] {
            match child
                .cipher
                .cipher()
                .expect("the benchmarked suites encrypt")
            {
                Cipher::Aead(aead) => {
                    let key = encr.as_bytes().get(..aead.key_len()).expect("key length");
                    black_box(aead.new_key(key).expect("ESP key"));
                }
                Cipher::Cbc(cbc) => {
                    black_box(cbc.new_key(encr.as_bytes()).expect("ESP key"));
                    let integ_alg = child.integ.expect("integrity");
                    black_box(integ_alg.new_key(integ.as_bytes()).expect("ESP MAC"));
                }
            }
        }
    }
    let _ = Secret::default();
    total
}

/// Engine time against the crypto-only bound, per provider and suite, as the
/// ratio the target is stated in (bound / engine). The two run in turns (24 rounds
/// of 100 handshakes each; the engine pairs of a round are built before its timing
/// starts and dropped after it ends) and the best round of each counts, so load
/// from other processes on a shared machine biases neither side.
fn summary() {
    const ROUNDS: usize = 24;
    const PER_ROUND: usize = 100;
    println!(
        "\nHandshake vs its crypto-only bound, one core (best of {ROUNDS} rounds x {PER_ROUND}):"
    );
    for suite in &SUITES {
        let initiator = peer_config("192.0.2.2", "192.0.2.1", "cl.example", "gw.example", suite);
        let responder = peer_config("192.0.2.1", "%any", "gw.example", "cl.example", suite);
        for &provider in providers() {
            let mut rng = ChaCha20Rng::seed_from_u64(7);
            let (mut best_engine, mut best_crypto) = (f64::MAX, f64::MAX);
            let mut seed = 1_000_000u64;
            for _ in 0..ROUNDS {
                let pairs: Vec<(Engine, Engine)> = (0..PER_ROUND)
                    .map(|_| {
                        seed += 2;
                        (
                            engine(provider, Vec::new(), seed),
                            engine(provider, vec![responder.clone()], seed + 1),
                        )
                    })
                    .collect();
                let start = Instant::now();
                let done: Vec<(Engine, Engine)> = pairs
                    .into_iter()
                    .map(|(a, b)| measured_handshake(a, b, &initiator))
                    .collect();
                best_engine = best_engine.min(start.elapsed().as_secs_f64());
                drop(black_box(done));
                let start = Instant::now();
                for _ in 0..PER_ROUND {
                    black_box(crypto_of_one_handshake(provider, suite, &mut rng));
                }
                best_crypto = best_crypto.min(start.elapsed().as_secs_f64());
            }
            let engine_us = best_engine / PER_ROUND as f64 * 1e6;
            let crypto_us = best_crypto / PER_ROUND as f64 * 1e6;
            println!(
                "  {:<12} {:<30} engine {engine_us:8.1} µs ({:6.0}/s)  crypto-only {crypto_us:8.1} µs  {:5.1} % of the bound",
                provider.name,
                suite.name,
                1e6 / engine_us,
                100.0 * crypto_us / engine_us
            );
        }
    }
}

criterion_group!(benches, full_handshake);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    summary();
}
