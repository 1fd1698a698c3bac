//! The ESP data plane between two engines after a real handshake: A (the client,
//! with a virtual IP) seals a ping to a host behind B (the gateway), B opens it
//! and answers, A opens the answer; replays, foreign addresses and lifetime
//! limits are refused or reported.

mod ike_support;

use core::time::Duration;
use std::net::{IpAddr, Ipv4Addr};

use ike_support::*;
use ikelab_engine::child::{EspError, LimitLevel, LimitReason, SEAL_OVERHEAD_MAX};
use ikelab_engine::event::{Action, EventKind};
use ikelab_engine::ike::{ChildSaId, EspDatagram};
use ikelab_engine::sim::{LinkConfig, Pair};
use ikelab_engine::wire::ip::{IpProtocol, emit_ip_packet};
use ikelab_engine::wire::udp_encap::Udp4500Payload;

const BEHIND_GATEWAY: Ipv4Addr = Ipv4Addr::new(10, 1, 0, 5);

fn ping(src: IpAddr, dst: IpAddr, reply: bool) -> Vec<u8> {
    let mut icmp = vec![if reply { 0 } else { 8 }, 0, 0, 0, 0x42, 0x42, 0, 1];
    icmp.extend(b"abcdefghijklmnopqrstuvwabcdefghi");
    let mut out = Vec::new();
    emit_ip_packet(src, dst, IpProtocol(1), 1, &icmp, &mut out).unwrap();
    out
}

fn established(pair: &mut Pair, id: ikelab_engine::IkeSaId) -> (ChildSaId, ChildSaId, IpAddr) {
    pair.drive();
    let info = pair.a.ike_sa(id).expect("IKE SA");
    let vip = info.virtual_ips[0];
    let a = pair.a.child_sas().next().expect("A's CHILD SA").id;
    let b = pair.b.child_sas().next().expect("B's CHILD SA").id;
    (a, b, vip)
}

/// Seals on one side and returns (ESP bytes with no headroom, src, dst).
fn seal(
    pair: &mut Pair,
    from_a: bool,
    child: ChildSaId,
    packet: &[u8],
) -> (Vec<u8>, std::net::SocketAddr, std::net::SocketAddr, bool) {
    let mut out = vec![0u8; packet.len() + SEAL_OVERHEAD_MAX];
    let now = pair.now;
    let engine = if from_a { &mut pair.a } else { &mut pair.b };
    let sealed = engine.seal(now, child, packet, &mut out).expect("seal");
    out.truncate(sealed.len);
    (out, sealed.src, sealed.dst, sealed.udp_encap)
}

#[test]
fn ping_and_reply_through_the_tunnel() {
    let (mut pair, id) = default_pair(7);
    let (a_child, b_child, vip) = established(&mut pair, id);
    let request = ping(vip, IpAddr::V4(BEHIND_GATEWAY), false);
    let (mut esp, src, dst, encap) = seal(&mut pair, true, a_child, &request);
    assert!(!encap, "no NAT: plain ESP");
    assert_eq!(src.ip(), IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)));
    assert_eq!(dst.ip(), IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
    let now = pair.now;
    let opened = open_on(&mut pair.b, now, src, dst, &mut esp).expect("B opens");
    assert_eq!(opened.child, b_child);
    assert_eq!(opened.sequence, 1);
    assert_eq!(opened.packet, &request[..]);

    let reply = ping(IpAddr::V4(BEHIND_GATEWAY), vip, true);
    let (esp, src, dst, _) = seal(&mut pair, false, b_child, &reply);
    let mut copy = esp.clone();
    let opened = open_on(&mut pair.a, now, src, dst, &mut copy).expect("A opens");
    assert_eq!(opened.packet, &reply[..]);
    // The replayed reply is refused by A's window.
    let mut again = esp.clone();
    let replay = open_on(&mut pair.a, now, src, dst, &mut again);
    assert!(matches!(replay, Err(EspError::Replay(_))), "{replay:?}");
    let counters = pair.a.child_sa_counters(a_child).unwrap();
    assert_eq!(counters.outbound.packets, 1);
    assert_eq!(counters.inbound.packets, 1);
    assert_eq!(counters.inbound.dropped, 1);
    assert_eq!(counters.inbound.bytes, reply.len() as u64);
}

#[test]
fn foreign_source_and_unknown_spi_are_refused() {
    let (mut pair, id) = default_pair(8);
    let (_, b_child, vip) = established(&mut pair, id);
    let now = pair.now;
    // The gateway sends something from outside its own selectors (10.1.0.0/24).
    let spoofed = ping(IpAddr::V4(Ipv4Addr::new(10, 9, 9, 9)), vip, true);
    let (mut esp, src, dst, _) = seal(&mut pair, false, b_child, &spoofed);
    let result = open_on(&mut pair.a, now, src, dst, &mut esp);
    assert!(
        matches!(result, Err(EspError::SelectorViolation { .. })),
        "{result:?}"
    );
    let mut unknown = vec![0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1, 0, 0, 0, 0];
    let result = open_on(&mut pair.a, now, src, dst, &mut unknown);
    assert_eq!(result, Err(EspError::UnknownSpi { spi: 0xdead_beef }));
    let mut short = vec![0xde, 0xad];
    assert!(
        pair.a
            .open(
                now,
                EspDatagram {
                    src,
                    dst,
                    buf: &mut short,
                    esp_offset: 5,
                },
            )
            .is_err()
    );
    assert_eq!(
        pair.a.seal(now, ChildSaId(999), &spoofed, &mut [0u8; 200]),
        Err(EspError::UnknownChild)
    );
}

#[test]
fn udp_encapsulated_behind_a_nat() {
    let initiator = with(INITIATOR, |c| c.encap = true);
    let (mut pair, id) = pair_with(&initiator, config(RESPONDER), LinkConfig::default(), 9);
    let (a_child, b_child, vip) = established(&mut pair, id);
    let request = ping(vip, IpAddr::V4(BEHIND_GATEWAY), false);
    let (mut esp, src, dst, encap) = seal(&mut pair, true, a_child, &request);
    assert!(encap);
    assert_eq!(dst.port(), 4500);
    // What arrives on port 4500 is classified as ESP (no non-ESP marker).
    assert!(matches!(
        Udp4500Payload::parse(&esp),
        Ok(Udp4500Payload::Esp(_))
    ));
    let now = pair.now;
    let opened = open_on(&mut pair.b, now, src, dst, &mut esp).expect("B opens");
    assert_eq!(opened.child, b_child);
    assert_eq!(opened.packet, &request[..]);
}

#[test]
fn volume_limits_are_reported_once() {
    let initiator = with(INITIATOR, |c| {
        if let Some(child) = c.children.get_mut("net") {
            child.rekey_packets = 3;
            child.life_packets = Some(5);
        }
    });
    let (mut pair, id) = pair_with(&initiator, config(RESPONDER), LinkConfig::default(), 10);
    let (a_child, _, vip) = established(&mut pair, id);
    let request = ping(vip, IpAddr::V4(BEHIND_GATEWAY), false);
    for _ in 0..5 {
        seal(&mut pair, true, a_child, &request);
    }
    // Past its hard limit the CHILD SA protects nothing more.
    let mut out = vec![0u8; request.len() + SEAL_OVERHEAD_MAX];
    let now = pair.now;
    assert_eq!(
        pair.a.seal(now, a_child, &request, &mut out),
        Err(EspError::Expired)
    );
    let mut limits = Vec::new();
    while let Some(event) = pair.a.poll_event() {
        if let EventKind::ChildSaVolumeLimit {
            child,
            limit,
            reason,
        } = event.kind
        {
            limits.push((child, limit, reason));
        }
    }
    // Soft at the 3rd packet, hard at the 5th, each once.
    assert_eq!(
        limits,
        vec![
            (a_child, LimitLevel::Soft, LimitReason::Packets),
            (a_child, LimitLevel::Hard, LimitReason::Packets),
        ]
    );
}

/// Authenticated ESP from the peer counts as hearing from it: while the gateway's
/// replies keep arriving, the client's liveness checks (`dpd_delay` = 2 s) wait;
/// once the traffic stops, the first check follows `dpd_delay` after the last packet.
#[test]
fn inbound_esp_postpones_liveness_checks() {
    let initiator = with(INITIATOR, |c| c.dpd_delay = Duration::from_secs(2));
    let (mut pair, id) = pair_with(&initiator, config(RESPONDER), LinkConfig::default(), 11);
    // Only until both sides are up: `Pair::drive` would run the checks already.
    pair.drive_until(Duration::from_millis(100));
    let vip = pair.a.ike_sa(id).expect("IKE SA").virtual_ips[0];
    let a_child = pair.a.child_sas().next().expect("A's CHILD SA").id;
    let b_child = pair.b.child_sas().next().expect("B's CHILD SA").id;
    let liveness_checks = |pair: &Pair| {
        count(&pair.a_events, |k| {
            matches!(
                k,
                EventKind::ExchangeStarted {
                    action: Action::Liveness,
                    ..
                }
            )
        })
    };
    let reply = ping(IpAddr::V4(BEHIND_GATEWAY), vip, true);
    let mut last_packet = pair.now;
    for _ in 0..10 {
        let (mut esp, src, dst, _) = seal(&mut pair, false, b_child, &reply);
        let now = pair.now;
        let opened = open_on(&mut pair.a, now, src, dst, &mut esp).expect("A opens");
        assert_eq!(opened.child, a_child);
        last_packet = now;
        pair.drive_until(now + Duration::from_millis(500));
    }
    assert_eq!(
        liveness_checks(&pair),
        0,
        "ESP arrived every 0.5 s: {}",
        transcript(&pair.a_events)
    );
    pair.drive_until(last_packet + Duration::from_millis(2100));
    assert_eq!(liveness_checks(&pair), 1, "{}", transcript(&pair.a_events));
}
