//! NAT traversal (RFC 7296 §2.23, RFC 3948): detection, the float to UDP 4500 with
//! the Non-ESP Marker, keep-alives from the side behind the NAT, and forced
//! encapsulation (`encap`, and a strongSwan kernel-libipsec gateway's fake NAT).

mod ike_support;

use core::time::Duration;
use std::net::{IpAddr, Ipv4Addr};

use ike_support::*;
use ikelab_engine::event::{Decision, Direction, EventKind, NatDecision};
use ikelab_engine::ike::SaState;
use ikelab_engine::sim::{LinkConfig, NatBox, Side};

fn nat_decision(events: &[ikelab_engine::event::Event]) -> Option<NatDecision> {
    find(events, |k| match k {
        EventKind::Decision(Decision::Nat(n)) => Some(n.clone()),
        _ => None,
    })
}

fn keepalives(events: &[ikelab_engine::event::Event]) -> usize {
    count(events, |k| {
        matches!(
            k,
            EventKind::NatKeepalive {
                direction: Direction::Sent,
                ..
            }
        )
    })
}

#[test]
fn behind_a_nat_the_initiator_floats_to_4500_and_sends_keepalives() {
    let initiator = with(INITIATOR, |c| c.keep_alive = Duration::from_secs(2));
    let (mut pair, id) = pair_with(&initiator, config(RESPONDER), LinkConfig::default(), 31);
    pair.nat = Some(NatBox::new(
        IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)),
        30_000,
        None,
    ));
    pair.drive_until(Duration::from_secs(7));
    assert_eq!(
        state(&pair.a, id),
        Some(SaState::Established),
        "{}",
        transcript(&pair.a_events)
    );
    let a = nat_decision(&pair.a_events).unwrap_or_else(|| panic!("no NAT decision"));
    let b = nat_decision(&pair.b_events).unwrap_or_else(|| panic!("no NAT decision"));
    assert!(
        a.detection.local_behind_nat
            && !a.detection.remote_behind_nat
            && a.udp_encap
            && a.keepalives
    );
    assert!(
        b.detection.remote_behind_nat
            && !b.detection.local_behind_nat
            && b.udp_encap
            && !b.keepalives
    );
    // IKE_AUTH went from 4500 to 4500 with the Non-ESP Marker.
    let from_a: Vec<_> = pair.wire.iter().filter(|w| w.from == Side::A).collect();
    assert_eq!(from_a[0].datagram.src.port(), 500);
    assert_eq!(from_a[1].datagram.src.port(), 4500);
    assert_eq!(from_a[1].datagram.dst.port(), 4500);
    assert_eq!(&from_a[1].datagram.payload[..4], &[0, 0, 0, 0]);
    let from_b: Vec<_> = pair.wire.iter().filter(|w| w.from == Side::B).collect();
    assert_eq!(from_b[1].datagram.src.port(), 4500);
    assert_eq!(
        from_b[1].datagram.dst.ip(),
        IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1))
    );
    // Keep-alives: one 0xFF octet every 2 s from A only.
    let ka: Vec<_> = from_a
        .iter()
        .filter(|w| w.datagram.payload == [0xff])
        .collect();
    assert!(ka.len() >= 3, "{} keep-alives", ka.len());
    assert_eq!(keepalives(&pair.b_events), 0);
    assert!(
        ka.windows(2)
            .all(|w| w[1].time - w[0].time == Duration::from_secs(2))
    );
    assert!(
        pair.a
            .child_sas()
            .all(|c| c.udp_encap && c.local.port() == 4500)
    );
    assert!(
        pair.b
            .child_sas()
            .all(|c| c.udp_encap && c.remote.port() != 4500)
    );
    let received = count(&pair.b_events, |k| {
        matches!(
            k,
            EventKind::NatKeepalive {
                direction: Direction::Received,
                ..
            }
        )
    });
    assert_eq!(received, ka.len());
}

#[test]
fn a_gateway_that_fakes_nat_makes_us_float_without_keepalives() {
    // A strongSwan kernel-libipsec gateway fakes its NAT-D source hash (as `encap`).
    let responder = with(RESPONDER, |c| c.encap = true);
    let (mut pair, id) = pair_with(&config(INITIATOR), responder, LinkConfig::default(), 32);
    pair.drive_until(Duration::from_secs(60));
    assert_eq!(state(&pair.a, id), Some(SaState::Established));
    let a = nat_decision(&pair.a_events).unwrap_or_else(|| panic!("no NAT decision"));
    assert!(
        a.detection.remote_behind_nat
            && !a.detection.local_behind_nat
            && a.udp_encap
            && !a.keepalives
    );
    assert_eq!(keepalives(&pair.a_events), 0);
    assert_eq!(
        pair.a.ike_sa(id).map(|s| (s.local.port(), s.remote.port())),
        Some((4500, 4500))
    );
    assert!(pair.a.child_sas().all(|c| c.udp_encap));
}

#[test]
fn encap_on_the_initiator_forces_udp_encapsulation() {
    let initiator = with(INITIATOR, |c| c.encap = true);
    let (mut pair, id) = pair_with(&initiator, config(RESPONDER), LinkConfig::default(), 33);
    pair.drive();
    assert_eq!(state(&pair.a, id), Some(SaState::Established));
    let b = nat_decision(&pair.b_events).unwrap_or_else(|| panic!("no NAT decision"));
    assert!(b.detection.remote_behind_nat && b.udp_encap);
    assert!(
        pair.b
            .child_sas()
            .all(|c| c.udp_encap && c.local.port() == 4500)
    );
}

#[test]
fn without_nat_ike_stays_on_500() {
    let (mut pair, id) = default_pair(34);
    pair.drive();
    let a = nat_decision(&pair.a_events).unwrap_or_else(|| panic!("no NAT decision"));
    assert!(!a.udp_encap && !a.detection.local_behind_nat && !a.detection.remote_behind_nat);
    assert!(pair.wire.iter().all(|w| w.datagram.src.port() == 500));
    assert_eq!(pair.a.ike_sa(id).map(|s| s.udp_encap), Some(false));
}

/// RFC 3948 §4: a keep-alive is sent only when nothing was sent to the peer for the
/// keep-alive interval. The first comes one interval after our last IKE message (not
/// after IKE_AUTH completed), and ESP packets we seal postpone it like IKE messages.
#[test]
fn keepalives_are_timed_from_the_last_packet_sent_esp_included() {
    use ikelab_engine::child::SEAL_OVERHEAD_MAX;
    use ikelab_engine::wire::ip::{IpProtocol, emit_ip_packet};

    let interval = Duration::from_secs(2);
    let initiator = with(INITIATOR, |c| c.keep_alive = interval);
    let (mut pair, id) = pair_with(&initiator, config(RESPONDER), LinkConfig::default(), 31);
    pair.nat = Some(NatBox::new(
        IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)),
        30_000,
        None,
    ));
    pair.drive_until(Duration::from_millis(1_000));
    assert_eq!(state(&pair.a, id), Some(SaState::Established));
    let from_a = |pair: &ikelab_engine::sim::Pair| -> Vec<(Duration, bool)> {
        pair.wire
            .iter()
            .filter(|w| w.from == Side::A)
            .map(|w| (w.time, w.datagram.payload == [0xff]))
            .collect()
    };
    // ESP every second from 1.5 s to 5.5 s: no keep-alive in between.
    let child = pair.a.child_sas().next().map(|c| c.id).expect("CHILD SA");
    let vip = pair.a.ike_sa(id).expect("IKE SA").virtual_ips[0];
    let mut packet = Vec::new();
    emit_ip_packet(
        vip,
        IpAddr::V4(Ipv4Addr::new(10, 1, 0, 5)),
        IpProtocol(1),
        0,
        &[8, 0, 0, 0, 0, 1, 0, 1],
        &mut packet,
    )
    .unwrap_or_else(|e| panic!("packet: {e:?}"));
    let mut out = vec![0u8; packet.len() + SEAL_OVERHEAD_MAX];
    let mut last_esp = Duration::ZERO;
    for second in 1..=5 {
        // The driver's clock: the simulator's `now` is the last event's time.
        let now = Duration::from_millis(500 + 1_000 * second);
        pair.drive_until(now);
        pair.a
            .seal(now, child, &packet, &mut out)
            .unwrap_or_else(|e| panic!("seal: {e:?}"));
        last_esp = now;
    }
    pair.drive_until(Duration::from_secs(10));
    let keepalives: Vec<Duration> = from_a(&pair)
        .iter()
        .filter(|(_, ka)| *ka)
        .map(|(t, _)| *t)
        .collect();
    let after_traffic: Vec<Duration> = keepalives
        .iter()
        .copied()
        .filter(|t| *t > Duration::from_secs(1))
        .collect();
    assert_eq!(
        after_traffic,
        [last_esp + interval, last_esp + 2 * interval],
        "keep-alives {keepalives:?}, last ESP at {last_esp:?}"
    );
}

/// The first keep-alive comes one interval after the last IKE message we sent (the
/// IKE_AUTH request of the initiator), not one interval after IKE_AUTH completed.
#[test]
fn the_first_keepalive_is_timed_from_our_last_ike_message() {
    let interval = Duration::from_secs(2);
    let initiator = with(INITIATOR, |c| c.keep_alive = interval);
    // A slow link: the IKE_AUTH response arrives well after our request left.
    let link = LinkConfig {
        latency: Duration::from_millis(300),
        ..LinkConfig::default()
    };
    let (mut pair, id) = pair_with(&initiator, config(RESPONDER), link, 31);
    pair.nat = Some(NatBox::new(
        IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)),
        30_000,
        None,
    ));
    pair.drive_until(Duration::from_secs(3));
    assert_eq!(state(&pair.a, id), Some(SaState::Established));
    let sent: Vec<_> = pair.wire.iter().filter(|w| w.from == Side::A).collect();
    let first_keepalive = sent
        .iter()
        .find(|w| w.datagram.payload == [0xff])
        .map(|w| w.time)
        .expect("a keep-alive");
    let last_ike_before = sent
        .iter()
        .filter(|w| w.datagram.payload != [0xff] && w.time < first_keepalive)
        .map(|w| w.time)
        .max()
        .expect("IKE messages");
    assert_eq!(first_keepalive - last_ike_before, interval);
}
