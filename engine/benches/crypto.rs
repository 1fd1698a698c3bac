//! Crypto benchmarks for every compiled-in provider (`crypto::providers`: RustCrypto,
//! and the native one with the `native-crypto` feature), side by side in one run: key
//! agreement (X25519, ECP-256, MODP-2048: one side's key generation plus the shared
//! secret), prf+ with PRF-HMAC-SHA2-256 as the IKE key schedule of the target suite
//! uses it, the AUTH_HMAC_SHA2_256_128 ICV of a 1400-octet packet, AES-256-GCM SK
//! payload seal/open, and AES-256-GCM and ChaCha20-Poly1305 seal+open of a
//! 1400-octet packet through the provider's `AeadKey` (the ESP-sized case), next to
//! AES-256-GCM called on aws-lc-rs directly (the library's own figure).
//!
//! `cargo bench -p ikelab-engine --features native-crypto --bench crypto -- --warm-up-time 1 --measurement-time 3`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ikelab_engine::crypto::prf_plus::prf_plus;
use ikelab_engine::crypto::sk::SkProtection;
use ikelab_engine::crypto::{Cipher, CryptoProvider, Secret, providers};
use ikelab_engine::wire::iana::{DhId, EncrId, IntegId, PrfId};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn key_agreement(c: &mut Criterion) {
    let mut group = c.benchmark_group("key_agreement");
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    for id in [DhId::CURVE25519, DhId::ECP_256, DhId::MODP_2048] {
        for provider in providers() {
            let dh = provider.group(id).expect("group");
            let peer = dh.start(&mut rng).expect("private key");
            let peer_public = peer.public_value().to_vec();
            group.bench_function(
                BenchmarkId::new(
                    format!("keygen+shared/{}", provider.name),
                    id.name().unwrap_or("?"),
                ),
                |b| {
                    b.iter(|| {
                        let ours = dh.start(&mut rng).expect("private key");
                        ours.complete(&peer_public).expect("valid peer value")
                    });
                },
            );
        }
    }
    group.finish();
}

/// prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) for 168 octets: SK_d, SK_ei, SK_er, SK_pi
/// and SK_pr of AES-256-GCM + PRF-HMAC-SHA2-256 (RFC 7296 §2.14), six PRF blocks.
fn key_schedule(c: &mut Criterion) {
    let mut group = c.benchmark_group("prf_plus_sha256_168");
    let skeyseed = [0x11u8; 32];
    let (ni, nr, spis) = ([0x22u8; 32], [0x33u8; 32], [0x44u8; 16]);
    for provider in providers() {
        let prf = provider
            .prf(PrfId::HMAC_SHA2_256)
            .expect("PRF-HMAC-SHA2-256");
        group.bench_function(provider.name, |b| {
            b.iter(|| prf_plus(prf, &skeyseed, &[&ni, &nr, &spis], 168).expect("prf+"));
        });
    }
    group.finish();
}

/// The ICV of AUTH_HMAC_SHA2_256_128 (RFC 4868) over a 64-octet message and an
/// ESP-sized packet; with `native-crypto`, also aws-lc-rs's HMAC called directly
/// (the figure behind the native provider's choice of RustCrypto's HMAC).
fn integrity(c: &mut Criterion) {
    let mut group = c.benchmark_group("hmac_sha256_128");
    let packet = [0x5au8; PACKET];
    for size in [64usize, PACKET] {
        group.throughput(Throughput::Bytes(size as u64));
        for provider in providers() {
            let integ = provider
                .integ(IntegId::HMAC_SHA2_256_128)
                .expect("AUTH_HMAC_SHA2_256_128");
            let key = integ.new_key(&[0x0b; 32]).expect("key");
            group.bench_function(BenchmarkId::new(provider.name, size), |b| {
                b.iter(|| key.compute(&[&packet[..8], &packet[8..size]]));
            });
        }
        #[cfg(feature = "native-crypto")]
        {
            use aws_lc_rs::hmac::{Context, HMAC_SHA256, Key};
            let key = Key::new(HMAC_SHA256, &[0x0b; 32]);
            group.bench_function(BenchmarkId::new("aws-lc-rs direct", size), |b| {
                b.iter(|| {
                    let mut context = Context::with_key(&key);
                    context.update(&packet[..8]);
                    context.update(&packet[8..size]);
                    context.sign().as_ref()[..16].to_vec()
                });
            });
        }
    }
    group.finish();
}

fn sk_aes_gcm(c: &mut Criterion) {
    let mut group = c.benchmark_group("sk_aes256gcm16");
    let mut rng = ChaCha20Rng::from_seed([8; 32]);
    let aad = [0x5au8; 32];
    for provider in providers() {
        let cipher = provider
            .cipher(EncrId::AES_GCM_16, Some(256))
            .expect("AES-GCM-16-256");
        let sk = SkProtection::new(cipher, &Secret::new(vec![0x42; 36]), None).expect("keys");
        for size in [256usize, 1400] {
            let plaintext = vec![0xabu8; size];
            let body = sk.seal(&aad, &plaintext, &mut rng).expect("seal");
            group.throughput(Throughput::Bytes(size as u64));
            group.bench_function(
                BenchmarkId::new(format!("seal/{}", provider.name), size),
                |b| {
                    b.iter(|| sk.seal(&aad, &plaintext, &mut rng).expect("seal"));
                },
            );
            group.bench_function(
                BenchmarkId::new(format!("open/{}", provider.name), size),
                |b| {
                    b.iter(|| sk.open(&aad, &body).expect("open"));
                },
            );
        }
    }
    group.finish();
}

/// The packet size of the ESP benchmark target (issue 7): seal then open one
/// 1400-octet payload in place, the 8-octet ESP header as AAD (RFC 4106 §5).
const PACKET: usize = 1400;

fn aead_seal_open(c: &mut Criterion) {
    let mut group = c.benchmark_group("seal+open_1400");
    group.throughput(Throughput::Bytes(PACKET as u64));
    let aad = [0x01u8, 0x02, 0x03, 0x04, 0, 0, 0, 5];
    for (encr, bits, name) in [
        (EncrId::AES_GCM_16, Some(256), "aes256gcm16"),
        (EncrId::CHACHA20_POLY1305, None, "chacha20poly1305"),
    ] {
        for provider in providers() {
            aead_bench(&mut group, provider, encr, bits, name, &aad);
        }
    }
    #[cfg(feature = "native-crypto")]
    {
        use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[0x42; 32]).expect("key"));
        let mut buffer = Vec::with_capacity(PACKET + 16);
        let mut counter = 0u64;
        group.bench_function("aes256gcm16/aws-lc-rs direct", |b| {
            b.iter(|| {
                counter += 1;
                let mut nonce = [0xa0, 0xa1, 0xa2, 0xa3, 0, 0, 0, 0, 0, 0, 0, 0];
                nonce[4..].copy_from_slice(&counter.to_be_bytes());
                buffer.clear();
                buffer.resize(PACKET, 0xab);
                key.seal_in_place_append_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(aad),
                    &mut buffer,
                )
                .expect("seal");
                let plain = key
                    .open_in_place(
                        Nonce::assume_unique_for_key(nonce),
                        Aad::from(aad),
                        &mut buffer,
                    )
                    .expect("open")
                    .len();
                buffer.truncate(plain);
                plain
            });
        });
    }
    group.finish();
}

/// Seal+open of one packet through a provider's `AeadKey`.
fn aead_bench(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    provider: &CryptoProvider,
    encr: EncrId,
    bits: Option<u16>,
    name: &str,
    aad: &[u8],
) {
    let Some(Cipher::Aead(aead)) = provider.cipher(encr, bits) else {
        panic!("{}: no {name}", provider.name);
    };
    let key = aead.new_key(&[0x42; 32]).expect("key");
    let mut buffer = Vec::with_capacity(PACKET + aead.icv_len());
    let mut counter = 0u64;
    group.bench_function(format!("{name}/{}", provider.name), |b| {
        b.iter(|| {
            counter += 1;
            let mut nonce = [0xa0, 0xa1, 0xa2, 0xa3, 0, 0, 0, 0, 0, 0, 0, 0];
            nonce[4..].copy_from_slice(&counter.to_be_bytes());
            buffer.clear();
            buffer.resize(PACKET, 0xab);
            key.seal(&nonce, aad, &mut buffer).expect("seal");
            key.open(&nonce, aad, &mut buffer).expect("open");
            buffer.len()
        });
    });
}

criterion_group!(
    benches,
    key_agreement,
    key_schedule,
    integrity,
    sk_aes_gcm,
    aead_seal_open
);
criterion_main!(benches);
