//! The tunnel the `esp` benchmark seals and opens through: two engines after a real
//! handshake (the shared fixtures, `sim::fixtures`), one CHILD SA, a 1400-octet ICMP
//! packet from the client's virtual IP.

use core::time::Duration;
use std::net::{IpAddr, Ipv4Addr};

use ikelab_engine::child::{SEAL_HEADROOM, SEAL_OVERHEAD_MAX};
use ikelab_engine::config::PeerConfig;
use ikelab_engine::crypto::CryptoProvider;
use ikelab_engine::ike::{ChildSaId, EspDatagram};
use ikelab_engine::sim::fixtures::{CLIENT, GATEWAY};
use ikelab_engine::sim::{LinkConfig, Pair};
use ikelab_engine::wire::ip::{IpProtocol, emit_ip_packet};
use ikelab_engine::{Engine, EngineConfig};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

pub(crate) const PACKET: usize = 1400;

/// Two engines with one CHILD SA using `esp` ("aes256gcm16", "chacha20poly1305").
pub(crate) struct Tunnel {
    pair: Pair,
    child: ChildSaId,
    pub(crate) packet: Vec<u8>,
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
    pub(crate) fn new(provider: &'static CryptoProvider, esp: &str) -> Self {
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

    /// `Engine::seal_in_place` on A, open in place on B: no copy at all. Never
    /// inlined, so that callgrind can collect it alone (`*measured_*`).
    #[inline(never)]
    pub(crate) fn measured_seal_open_in_place(&mut self) -> usize {
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

    /// Seal on A, open in place on B (never inlined, as above).
    #[inline(never)]
    pub(crate) fn measured_seal_open(&mut self) -> usize {
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
