//! Crypto benchmarks: key agreement (X25519, ECP-256, MODP-2048: one side's key
//! generation plus the shared secret) and AES-256-GCM SK payload seal/open.
//!
//! `cargo bench -p ikelab-engine --bench crypto -- --warm-up-time 1 --measurement-time 3`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ikelab_engine::crypto::sk::SkProtection;
use ikelab_engine::crypto::{RUST_CRYPTO, Secret};
use ikelab_engine::wire::iana::{DhId, EncrId};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn key_agreement(c: &mut Criterion) {
    let mut group = c.benchmark_group("key_agreement");
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    for id in [DhId::CURVE25519, DhId::ECP_256, DhId::MODP_2048] {
        let dh = RUST_CRYPTO.group(id).expect("group");
        let peer = dh.start(&mut rng).expect("private key");
        let peer_public = peer.public_value().to_vec();
        group.bench_function(
            BenchmarkId::new("keygen+shared", id.name().unwrap_or("?")),
            |b| {
                b.iter(|| {
                    let ours = dh.start(&mut rng).expect("private key");
                    ours.complete(&peer_public).expect("valid peer value")
                });
            },
        );
    }
    group.finish();
}

fn sk_aes_gcm(c: &mut Criterion) {
    let mut group = c.benchmark_group("sk_aes256gcm16");
    let mut rng = ChaCha20Rng::from_seed([8; 32]);
    let cipher = RUST_CRYPTO
        .cipher(EncrId::AES_GCM_16, Some(256))
        .expect("AES-GCM-16-256");
    let sk = SkProtection::new(cipher, &Secret::new(vec![0x42; 36]), None).expect("keys");
    let aad = [0x5au8; 32];
    for size in [256usize, 1400] {
        let plaintext = vec![0xabu8; size];
        let body = sk.seal(&aad, &plaintext, &mut rng).expect("seal");
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::new("seal", size), |b| {
            b.iter(|| sk.seal(&aad, &plaintext, &mut rng).expect("seal"));
        });
        group.bench_function(BenchmarkId::new("open", size), |b| {
            b.iter(|| sk.open(&aad, &body).expect("open"));
        });
    }
    group.finish();
}

criterion_group!(benches, key_agreement, sk_aes_gcm);
criterion_main!(benches);
