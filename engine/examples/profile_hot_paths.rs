//! A profiling harness for instruction counters (`valgrind --tool=callgrind`): runs
//! the two measured paths of the benchmarks `handshake` and `esp` N times, outside
//! criterion, with the same configurations, so that instruction counts per handshake
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

use core::time::Duration;
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

use ikelab_engine::child::{SEAL_HEADROOM, SEAL_OVERHEAD_MAX};
use ikelab_engine::config::PeerConfig;
use ikelab_engine::crypto::{CryptoProvider, default_provider};
use ikelab_engine::ike::{ChildSaId, EspDatagram, SaState};
use ikelab_engine::sim::{LinkConfig, Pair};
use ikelab_engine::wire::ip::{IpProtocol, emit_ip_packet};
use ikelab_engine::{Engine, EngineConfig};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const PACKET: usize = 1400;

/// The handshake benchmark's configuration (engine/benches/handshake.rs), x25519 suite.
fn handshake_config(local: &str, remote: &str, id: &str, peer: &str) -> PeerConfig {
    let text = format!(
        r#"
local_addrs = ["{local}"]
remote_addrs = ["{remote}"]
proposals = ["aes256gcm16-prfsha256-x25519"]
[local]
auth = "psk"
id = "{id}"
[remote]
auth = "psk"
id = "{peer}"
[children.net]
esp_proposals = ["aes256gcm16"]
local_ts = ["dynamic"]
remote_ts = ["dynamic"]
[secrets]
psk = "bench-secret"
"#
    );
    toml::from_str(&text).expect("handshake configuration")
}

/// The ESP benchmark's client and gateway (engine/benches/esp.rs), spelled out so
/// the harness builds on commits without `sim::fixtures`.
const ESP_CLIENT: &str = r#"
local_addrs = ["192.0.2.2"]
remote_addrs = ["192.0.2.1"]
proposals = ["aes256gcm16-prfsha256-x25519"]
vips = ["0.0.0.0"]
[local]
auth = "psk"
id = "cl.example"
[remote]
auth = "psk"
id = "gw.example"
[children.net]
esp_proposals = ["aes256gcm16"]
local_ts = ["dynamic"]
remote_ts = ["10.1.0.0/24"]
replay_window = 4096
[secrets]
psk = "not-a-real-secret"
"#;

const ESP_GATEWAY: &str = r#"
local_addrs = ["192.0.2.1"]
remote_addrs = ["%any"]
proposals = ["aes256gcm16-prfsha256-x25519"]
pools = ["vpool"]
[local]
auth = "psk"
id = "gw.example"
[remote]
auth = "psk"
id = "%any"
[children.net]
esp_proposals = ["aes256gcm16"]
local_ts = ["10.1.0.0/24"]
remote_ts = ["dynamic"]
replay_window = 4096
[secrets]
psk = "not-a-real-secret"
[ip_pools.vpool]
addrs = "10.3.0.0/24"
"#;

fn engine(
    provider: &'static CryptoProvider,
    responder: Vec<PeerConfig>,
    dissect: bool,
    seed: u64,
) -> Engine {
    let config = EngineConfig {
        responder,
        dissect,
        provider,
        ..EngineConfig::default()
    };
    Engine::new(config, Box::new(ChaCha20Rng::seed_from_u64(seed))).expect("engine")
}

/// One handshake between two fresh engines, datagrams handed straight across (the
/// benchmark's loop); the only function whose instructions callgrind collects.
#[inline(never)]
fn measured_handshake(mut a: Engine, mut b: Engine, initiator: &PeerConfig) -> (Engine, Engine) {
    let now = Duration::ZERO;
    let id = a.initiate(now, initiator).expect("initiate");
    loop {
        let mut moved = false;
        while let Some(d) = a.poll_transmit() {
            b.handle_datagram(now, d);
            moved = true;
        }
        while let Some(d) = b.poll_transmit() {
            a.handle_datagram(now, d);
            moved = true;
        }
        if !moved {
            break;
        }
    }
    while a.poll_event().is_some() {}
    while b.poll_event().is_some() {}
    assert_eq!(a.ike_sa(id).map(|s| s.state), Some(SaState::Established));
    (a, b)
}

fn handshakes(count: u64) {
    let provider = default_provider();
    let initiator = handshake_config("192.0.2.2", "192.0.2.1", "cl.example", "gw.example");
    let responder = handshake_config("192.0.2.1", "%any", "gw.example", "cl.example");
    for seed in 0..count {
        let a = engine(provider, Vec::new(), false, 2 * seed);
        let b = engine(provider, vec![responder.clone()], false, 2 * seed + 1);
        drop(black_box(measured_handshake(a, b, &initiator)));
    }
}

/// Wall-clock time per handshake as the benchmark's summary takes it: rounds of
/// 100 engine pairs built before the timing starts, the best of 24 rounds.
fn handshakes_timed() {
    let provider = default_provider();
    let initiator = handshake_config("192.0.2.2", "192.0.2.1", "cl.example", "gw.example");
    let responder = handshake_config("192.0.2.1", "%any", "gw.example", "cl.example");
    let mut best = f64::MAX;
    let mut seed = 1_000_000u64;
    for _ in 0..24 {
        let pairs: Vec<(Engine, Engine)> = (0..100)
            .map(|_| {
                seed += 2;
                (
                    engine(provider, Vec::new(), false, seed),
                    engine(provider, vec![responder.clone()], false, seed + 1),
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
    let mut tunnel = Tunnel::new();
    for _ in 0..10_000 {
        black_box(measured_esp_in_place(&mut tunnel));
    }
    let mut best = f64::MAX;
    for _ in 0..32 {
        let start = std::time::Instant::now();
        for _ in 0..25_000 {
            black_box(measured_esp_in_place(&mut tunnel));
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!("esp {:.1} ns", best / 25_000.0 * 1e9);
}

struct Tunnel {
    pair: Pair,
    child: ChildSaId,
    packet: Vec<u8>,
    out: Vec<u8>,
    buf: Vec<u8>,
}

impl Tunnel {
    fn new() -> Self {
        let provider = default_provider();
        let gateway: PeerConfig = toml::from_str(ESP_GATEWAY).expect("gateway");
        let client: PeerConfig = toml::from_str(ESP_CLIENT).expect("client");
        let a = engine(provider, Vec::new(), true, 1);
        let b = engine(provider, vec![gateway], true, 2);
        let mut pair = Pair::new(a, b, LinkConfig::default(), 3);
        let id = pair.a.initiate(Duration::ZERO, &client).expect("initiate");
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
}

/// The ESP benchmark's `seal_open_in_place`.
#[inline(never)]
fn measured_esp_in_place(t: &mut Tunnel) -> usize {
    let now = t.pair.now;
    let sealed = t
        .pair
        .a
        .seal_in_place(
            now,
            t.child,
            &mut t.buf,
            SEAL_HEADROOM..SEAL_HEADROOM + PACKET,
        )
        .expect("seal in place");
    let opened = t
        .pair
        .b
        .open(
            now,
            EspDatagram {
                src: sealed.src,
                dst: sealed.dst,
                buf: &mut t.buf[..sealed.offset + sealed.len],
                esp_offset: sealed.offset,
            },
        )
        .expect("open");
    opened.packet.len()
}

/// The ESP benchmark's `seal_open` (copying seal).
#[inline(never)]
fn measured_esp_copy(t: &mut Tunnel) -> usize {
    let now = t.pair.now;
    let sealed = t
        .pair
        .a
        .seal(now, t.child, &t.packet, &mut t.out)
        .expect("seal");
    let opened = t
        .pair
        .b
        .open(
            now,
            EspDatagram {
                src: sealed.src,
                dst: sealed.dst,
                buf: &mut t.out[..sealed.len],
                esp_offset: 0,
            },
        )
        .expect("open");
    opened.packet.len()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "handshake".to_owned());
    let count: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(100);
    match mode.as_str() {
        "handshake" => handshakes(count),
        "esp" => {
            let mut tunnel = Tunnel::new();
            for _ in 0..count {
                black_box(measured_esp_in_place(&mut tunnel));
            }
        }
        "esp-copy" => {
            let mut tunnel = Tunnel::new();
            for _ in 0..count {
                black_box(measured_esp_copy(&mut tunnel));
            }
        }
        "handshake-timed" => handshakes_timed(),
        "esp-timed" => esp_timed(),
        other => eprintln!(
            "unknown mode {other}: handshake | esp | esp-copy | handshake-timed | esp-timed"
        ),
    }
}
