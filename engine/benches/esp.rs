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

use core::time::Duration;
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group};
use ikelab_engine::child::{SEAL_HEADROOM, SEAL_OVERHEAD_MAX};
use ikelab_engine::config::PeerConfig;
use ikelab_engine::crypto::{CryptoProvider, providers};
use ikelab_engine::ike::{ChildSaId, EspDatagram};
use ikelab_engine::sim::fixtures::{CLIENT, GATEWAY};
use ikelab_engine::sim::{LinkConfig, Pair};
use ikelab_engine::wire::ip::{IpProtocol, emit_ip_packet};
use ikelab_engine::{Engine, EngineConfig};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};

const PACKET: usize = 1400;

/// Two engines with one CHILD SA using `esp` ("aes256gcm16", "chacha20poly1305").
struct Tunnel {
    pair: Pair,
    child: ChildSaId,
    packet: Vec<u8>,
    out: Vec<u8>,
    /// The zero-copy path: the packet sits at `SEAL_HEADROOM` and stays there
    /// (sealed in place, opened in place).
    buf: Vec<u8>,
}

/// The shared example client or gateway with the ESP proposal under test and a
/// replay window wide enough for a benchmark's bursts.
fn config(text: &str, esp: &str) -> PeerConfig {
    let mut config: PeerConfig = toml::from_str(text).expect("bench configuration");
    let net = config.children.get_mut("net").expect("child net");
    net.esp_proposals = vec![esp.to_owned()];
    net.replay_window = 4096;
    config
}

fn engine(provider: &'static CryptoProvider, responder: Vec<PeerConfig>, seed: u64) -> Engine {
    let config = EngineConfig {
        responder,
        provider,
        ..EngineConfig::default()
    };
    Engine::new(config, Box::new(ChaCha20Rng::seed_from_u64(seed))).expect("engine")
}

impl Tunnel {
    fn new(provider: &'static CryptoProvider, esp: &str) -> Self {
        let a = engine(provider, Vec::new(), 1);
        let b = engine(provider, vec![config(GATEWAY, esp)], 2);
        let mut pair = Pair::new(a, b, LinkConfig::default(), 3);
        let id = pair
            .a
            .initiate(Duration::ZERO, &config(CLIENT, esp))
            .expect("initiate");
        pair.drive();
        let vip = pair.a.ike_sa(id).expect("IKE SA").virtual_ips[0];
        let child = pair.a.child_sas().next().expect("CHILD SA").id;
        let mut icmp = vec![8u8, 0, 0, 0, 0, 1, 0, 1];
        icmp.resize(PACKET - 20, 0x5a);
        let mut packet = Vec::new();
        emit_ip_packet(
            vip,
            IpAddr::V4(Ipv4Addr::new(10, 1, 0, 5)),
            IpProtocol(1),
            0,
            &icmp,
            &mut packet,
        )
        .expect("packet");
        assert_eq!(packet.len(), PACKET);
        let mut buf = vec![0u8; SEAL_HEADROOM + PACKET + SEAL_OVERHEAD_MAX];
        buf[SEAL_HEADROOM..SEAL_HEADROOM + PACKET].copy_from_slice(&packet);
        Self {
            pair,
            child,
            packet,
            out: vec![0u8; PACKET + SEAL_OVERHEAD_MAX],
            buf,
        }
    }

    /// `Engine::seal_in_place` on A, open in place on B: no copy at all.
    fn seal_open_in_place(&mut self) -> usize {
        let now = self.pair.now;
        let sealed = self
            .pair
            .a
            .seal_in_place(
                now,
                self.child,
                &mut self.buf,
                SEAL_HEADROOM..SEAL_HEADROOM + PACKET,
            )
            .expect("seal in place");
        let opened = self
            .pair
            .b
            .open(
                now,
                EspDatagram {
                    src: sealed.src,
                    dst: sealed.dst,
                    buf: &mut self.buf[..sealed.offset + sealed.len],
                    esp_offset: sealed.offset,
                },
            )
            .expect("open");
        opened.packet.len()
    }

    /// Seal on A, open in place on B.
    fn seal_open(&mut self) -> usize {
        let now = self.pair.now;
        let sealed = self
            .pair
            .a
            .seal(now, self.child, &self.packet, &mut self.out)
            .expect("seal");
        let opened = self
            .pair
            .b
            .open(
                now,
                EspDatagram {
                    src: sealed.src,
                    dst: sealed.dst,
                    buf: &mut self.out[..sealed.len],
                    esp_offset: 0,
                },
            )
            .expect("open");
        opened.packet.len()
    }
}

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
                Box::new(move || tunnel.seal_open_in_place()),
            ));
            let mut tunnel = Tunnel::new(provider, esp);
            cases.push((
                format!("engine/{}/{esp} copy", provider.name),
                Box::new(move || tunnel.seal_open()),
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
