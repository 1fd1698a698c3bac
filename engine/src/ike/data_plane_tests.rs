//! Volume lifetimes end to end: the ESP data plane counts, and crossing a limit
//! rekeys (soft) or deletes (hard) the CHILD SA through the IKE side.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use core::time::Duration;
use std::net::{IpAddr, Ipv4Addr};

use crate::child::{EspError, LimitLevel, LimitReason, SEAL_OVERHEAD_MAX};
use crate::config::PeerConfig;
use crate::crypto::test_rng::seeded;
use crate::event::{Action, Cause, EventKind, LifetimeLimit};
use crate::sim::fixtures::{CLIENT, GATEWAY};
use crate::sim::{LinkConfig, Pair};
use crate::wire::ip::{IpProtocol, emit_ip_packet};
use crate::{Engine, EngineConfig};

fn engine(responder: Vec<PeerConfig>, seed: u8) -> Engine {
    let config = EngineConfig {
        responder,
        ..EngineConfig::default()
    };
    Engine::new(config, Box::new(seeded(seed))).unwrap()
}

fn ping(vip: IpAddr) -> Vec<u8> {
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
    packet
}

/// Packets sealed through the engine cross `rekey_packets` (the CHILD SA is rekeyed
/// by the IKE side, cause "lifetime (packets)"), then the new CHILD SA crosses
/// `life_packets`: it refuses to seal and is deleted.
#[test]
fn packet_limits_rekey_then_expire_the_child_sa() {
    let gateway: PeerConfig = toml::from_str(GATEWAY).unwrap();
    let mut client: PeerConfig = toml::from_str(CLIENT).unwrap();
    // Packet lifetimes small enough to cross in a test.
    let net = client.children.get_mut("net").unwrap();
    net.rekey_packets = 2;
    net.life_packets = Some(4);
    let mut pair = Pair::new(
        engine(Vec::new(), 1),
        engine(vec![gateway], 2),
        LinkConfig::default(),
        3,
    );
    let id = pair.a.initiate(Duration::ZERO, &client).unwrap();
    pair.drive_until(Duration::from_secs(1));
    let vip = pair.a.ike_sa(id).unwrap().virtual_ips[0];
    let first = pair.a.child_sas().next().unwrap().id;
    let packet = ping(vip);
    let mut out = vec![0u8; packet.len() + SEAL_OVERHEAD_MAX];

    // rekey_packets = 2: the second packet crosses the soft limit.
    for _ in 0..2 {
        pair.a.seal(pair.now, first, &packet, &mut out).unwrap();
    }
    pair.drive_until(pair.now + Duration::from_secs(1));
    let rekeyed = pair.a_events.iter().find_map(|e| match &e.kind {
        EventKind::ChildSaRekeyed { old, new, cause } if *old == first => {
            Some((*new, cause.clone()))
        }
        _ => None,
    });
    let Some((second, cause)) = rekeyed else {
        panic!("no rekey after the soft packet limit");
    };
    assert_eq!(
        cause,
        Cause::Lifetime {
            limit: LifetimeLimit::Packets,
            hard: false
        }
    );
    let ids: Vec<_> = pair.a.child_sas().map(|c| c.id).collect();
    assert_eq!(ids, [second], "the old CHILD SA is deleted after the rekey");
    assert_eq!(pair.b.child_sas().count(), 1);

    // life_packets = 4 on the new CHILD SA: the fourth packet crosses the hard limit;
    // the SA then seals nothing more and is deleted on both sides.
    for _ in 0..4 {
        pair.a.seal(pair.now, second, &packet, &mut out).unwrap();
    }
    assert_eq!(
        pair.a.seal(pair.now, second, &packet, &mut out),
        Err(EspError::Expired)
    );
    pair.drive_until(pair.now + Duration::from_secs(1));
    let limits: Vec<_> = pair
        .a_events
        .iter()
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
        limits,
        [
            (first, LimitLevel::Soft, LimitReason::Packets),
            (second, LimitLevel::Soft, LimitReason::Packets),
            (second, LimitLevel::Hard, LimitReason::Packets),
        ]
    );
    // The soft crossing (packet 2) had already started a rekey of the second CHILD
    // SA, so a third one replaces it; the expired second one is gone on both sides.
    let ids: Vec<_> = pair.a.child_sas().map(|c| c.id).collect();
    assert_eq!(ids.len(), 1);
    assert_ne!(ids[0], second);
    let expired = pair.a_events.iter().any(|e| {
        matches!(&e.kind, EventKind::ExchangeStarted { action: Action::DeleteChild { child }, cause: Cause::Lifetime { limit, hard: true }, .. } if *child == second && *limit == LifetimeLimit::Packets)
    });
    assert!(expired, "the hard limit deletes the CHILD SA");
    assert_eq!(pair.b.child_sas().count(), 1);
}
