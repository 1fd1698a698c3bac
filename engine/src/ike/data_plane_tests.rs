//! The lifetime signal the data plane leaves for rekeying and expiry (issue #6):
//! `take_child_volume_limits` drains each crossing once, next to its event.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use core::time::Duration;
use std::net::{IpAddr, Ipv4Addr};

use crate::child::{LimitLevel, LimitReason, SEAL_OVERHEAD_MAX, VolumeLimit};
use crate::config::PeerConfig;
use crate::crypto::test_rng::seeded;
use crate::event::EventKind;
use crate::sim::{LinkConfig, Pair};
use crate::wire::ip::{IpProtocol, emit_ip_packet};
use crate::{Engine, EngineConfig};

const CLIENT: &str = r#"
version = 2
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
rekey_packets = 2
life_packets = 4
[secrets]
psk = "not-a-real-secret"
"#;

const GATEWAY: &str = r#"
version = 2
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
[secrets]
psk = "not-a-real-secret"
[ip_pools.vpool]
addrs = "10.3.0.0/24"
"#;

fn engine(responder: Vec<PeerConfig>, seed: u8) -> Engine {
    let config = EngineConfig {
        responder,
        ..EngineConfig::default()
    };
    Engine::new(config, Box::new(seeded(seed))).unwrap()
}

#[test]
fn volume_limits_are_queued_once_for_rekeying() {
    let gateway: PeerConfig = toml::from_str(GATEWAY).unwrap();
    let client: PeerConfig = toml::from_str(CLIENT).unwrap();
    let mut pair = Pair::new(
        engine(Vec::new(), 1),
        engine(vec![gateway], 2),
        LinkConfig::default(),
        3,
    );
    let id = pair.a.initiate(Duration::ZERO, &client).unwrap();
    pair.drive();
    let vip = pair.a.ike_sa(id).unwrap().virtual_ips[0];
    let child = pair.a.child_sas().next().unwrap().id;
    let mut packet = Vec::new();
    emit_ip_packet(
        vip,
        IpAddr::V4(Ipv4Addr::new(10, 1, 0, 5)),
        IpProtocol(1),
        0,
        &[8, 0, 0, 0, 0, 1, 0, 1],
        &mut packet,
    )
    .unwrap();
    let mut out = vec![0u8; packet.len() + SEAL_OVERHEAD_MAX];
    assert!(pair.a.take_child_volume_limits().is_empty());
    let now = pair.now;
    for _ in 0..2 {
        pair.a.seal(now, child, &packet, &mut out).unwrap();
    }
    let soft = VolumeLimit {
        level: LimitLevel::Soft,
        reason: LimitReason::Packets,
    };
    assert_eq!(pair.a.take_child_volume_limits(), vec![(child, soft)]);
    assert!(pair.a.take_child_volume_limits().is_empty(), "drained");
    for _ in 0..3 {
        pair.a.seal(now, child, &packet, &mut out).unwrap();
    }
    let hard = VolumeLimit {
        level: LimitLevel::Hard,
        reason: LimitReason::Packets,
    };
    assert_eq!(pair.a.take_child_volume_limits(), vec![(child, hard)]);
    let events: Vec<_> = core::iter::from_fn(|| pair.a.poll_event())
        .filter_map(|e| match e.kind {
            EventKind::ChildSaVolumeLimit {
                child,
                limit,
                reason,
            } => Some((child, limit, reason)),
            _ => None,
        })
        .collect();
    assert_eq!(
        events,
        vec![
            (child, LimitLevel::Soft, LimitReason::Packets),
            (child, LimitLevel::Hard, LimitReason::Packets),
        ]
    );
}
