//! A driver over real sockets: two engines driven only through what such a driver
//! has. IKE goes through `handle_datagram` on UDP 500 and, with `encap = true`
//! (forced UDP encapsulation, RFC 7296 §2.23), 4500; ESP travels in UDP 4500
//! (RFC 3948) into `handle_datagram` too, or as plain ESP into `handle_esp`; the
//! outbound CHILD SA is looked up from the inner packet (`route`, `seal_packet`);
//! packets are sealed and opened in place. Pings go both ways.

mod driver_support;
mod ike_support;

use driver_support::*;
use ikelab_engine::child::{EspError, OPEN_HEADROOM, SEAL_HEADROOM, SEAL_OVERHEAD_MAX};
use ikelab_engine::event::{EspErrorKind, EventKind};
use ikelab_engine::ike::{EspDatagram, SaState};
use ikelab_engine::wire::udp_encap::NAT_T_PORT;
use ikelab_engine::{Datagram, Engine, EngineConfig, Time};

fn engine(
    responder: Vec<ikelab_engine::config::PeerConfig>,
    seed: u64,
    esp_events: bool,
) -> Engine {
    let config = EngineConfig {
        responder,
        esp_events,
        ..EngineConfig::default()
    };
    match Engine::new(config, ike_support::rng(seed)) {
        Ok(e) => e,
        Err(e) => panic!("engine: {e}"),
    }
}

/// A client and a gateway with an established IKE SA and CHILD SA.
fn connected(encap: bool, esp_events: bool) -> (Host, Host, Time) {
    let mut client = Host::new(engine(Vec::new(), 1, esp_events));
    let gateway_config = ike_support::config(ike_support::RESPONDER);
    let mut gateway = Host::new(engine(vec![gateway_config], 2, esp_events));
    let initiator = ike_support::with(ike_support::INITIATOR, |c| c.encap = encap);
    let id = match client.engine.initiate(Time::ZERO, &initiator) {
        Ok(id) => id,
        Err(e) => panic!("initiate: {e}"),
    };
    let now = exchange(&mut client, &mut gateway, Time::ZERO, SECOND);
    assert_eq!(
        client.state(id),
        Some(SaState::Established),
        "{}",
        client.transcript()
    );
    assert_eq!(client.engine.child_sas().count(), 1);
    assert_eq!(gateway.engine.child_sas().count(), 1);
    (client, gateway, now)
}

/// The client's virtual IP and a host on the gateway's protected network.
fn inner_addresses(client: &Host) -> (std::net::IpAddr, std::net::IpAddr) {
    let child = client.engine.child_sas().next().expect("a CHILD SA");
    let vip = first_address(&child.local_ts);
    let server = "10.1.0.5".parse().expect("address");
    (vip, server)
}

/// Client to gateway: `route` picks the CHILD SA, `seal_in_place` seals in the
/// buffer, the gateway gets the datagram from its socket. Returns what the
/// gateway's `poll_packet` gave.
fn client_sends(client: &mut Host, gateway: &mut Host, now: Time, packet: &[u8]) -> Datagram {
    let child = client
        .engine
        .route(packet)
        .expect("a CHILD SA covers the packet");
    let mut buf = vec![0u8; SEAL_HEADROOM + packet.len() + SEAL_OVERHEAD_MAX];
    buf[SEAL_HEADROOM..SEAL_HEADROOM + packet.len()].copy_from_slice(packet);
    let sealed = client
        .engine
        .seal_in_place(
            now,
            child,
            &mut buf,
            SEAL_HEADROOM..SEAL_HEADROOM + packet.len(),
        )
        .unwrap_or_else(|e| panic!("seal: {e}"));
    assert_eq!(sealed.child, child);
    let esp = buf[sealed.offset..sealed.offset + sealed.len].to_vec();
    let datagram = Datagram::new(sealed.src, sealed.dst, esp);
    if sealed.udp_encap {
        assert_eq!(sealed.dst.port(), NAT_T_PORT);
        gateway.engine.handle_datagram(now, datagram.clone());
    } else {
        assert_eq!(sealed.dst.port(), 0, "plain ESP has no ports");
        gateway.engine.handle_esp(now, datagram.clone());
    }
    client.drain_events();
    gateway.drain_events();
    datagram
}

/// Gateway to client: `seal_packet` picks the CHILD SA itself; the client opens
/// the received payload in place with `open`.
fn gateway_sends(gateway: &mut Host, client: &mut Host, now: Time, packet: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; packet.len() + SEAL_OVERHEAD_MAX];
    let sealed = gateway
        .engine
        .seal_packet(now, packet, &mut out)
        .unwrap_or_else(|e| panic!("seal_packet: {e}"));
    let esp = &out[sealed.offset..sealed.offset + sealed.len];
    let mut buf = vec![0u8; OPEN_HEADROOM + esp.len()];
    buf[OPEN_HEADROOM..].copy_from_slice(esp);
    let opened = client
        .engine
        .open(
            now,
            EspDatagram {
                src: sealed.src,
                dst: sealed.dst,
                buf: &mut buf,
                esp_offset: OPEN_HEADROOM,
            },
        )
        .unwrap_or_else(|e| panic!("open: {e}"));
    let inner = opened.packet.to_vec();
    client.drain_events();
    gateway.drain_events();
    inner
}

fn ping_both_ways(encap: bool) {
    let (mut client, mut gateway, now) = connected(encap, false);
    let (vip, server) = inner_addresses(&client);
    for seq in 1..=3u16 {
        let request = icmp_echo(vip, server, ECHO_REQUEST, 7, seq);
        client_sends(&mut client, &mut gateway, now, &request);
        let received = gateway.engine.poll_packet().expect("the gateway opened it");
        assert_eq!(received.bytes, request);
        assert_eq!(received.sequence, u64::from(seq));
        assert!(gateway.engine.poll_packet().is_none());
        // The host behind the gateway answers; the reply goes back.
        let reply = icmp_echo(server, vip, ECHO_REPLY, 7, seq);
        let back = gateway_sends(&mut gateway, &mut client, now, &reply);
        assert_eq!(back, reply);
        assert_eq!(echo_fields(&back), (ECHO_REPLY, 7, seq));
    }
    let counters = |host: &Host| {
        let child = host.engine.child_sas().next().expect("a CHILD SA").id;
        host.engine.child_sa_counters(child).expect("counters")
    };
    assert_eq!(counters(&client).outbound.packets, 3);
    assert_eq!(counters(&client).inbound.packets, 3);
    assert_eq!(counters(&gateway).inbound.packets, 3);
    // Events are off: the fast path reported nothing per packet.
    for host in [&client, &gateway] {
        assert_eq!(
            count(&host.events, EventKind::is_esp),
            0,
            "{}",
            host.transcript()
        );
    }
}

#[test]
fn pings_cross_esp_in_udp_4500_with_forced_encapsulation() {
    ping_both_ways(true);
}

#[test]
fn pings_cross_plain_esp_from_a_raw_socket() {
    ping_both_ways(false);
}

#[test]
fn ike_floats_to_4500_when_encapsulation_is_forced() {
    let (client, _, _) = connected(true, false);
    let child = client.engine.child_sas().next().expect("a CHILD SA");
    assert!(child.udp_encap);
    assert_eq!(child.remote.port(), NAT_T_PORT);
    let ports: Vec<u16> = client
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MessageSent(m) => Some(m.dst.port()),
            _ => None,
        })
        .collect();
    assert_eq!(ports.first(), Some(&500), "IKE_SA_INIT on 500");
    assert!(ports[1..].iter().all(|p| *p == NAT_T_PORT), "{ports:?}");
}

#[test]
fn a_replayed_or_unknown_datagram_is_refused_with_an_event_even_without_esp_events() {
    let (mut client, mut gateway, now) = connected(true, false);
    let (vip, server) = inner_addresses(&client);
    let request = icmp_echo(vip, server, ECHO_REQUEST, 1, 1);
    let datagram = client_sends(&mut client, &mut gateway, now, &request);
    assert!(gateway.engine.poll_packet().is_some());
    // The same datagram again: the anti-replay window refuses it (RFC 4303 §3.4.3).
    gateway.engine.handle_datagram(now, datagram.clone());
    let mut unknown = datagram.clone();
    unknown.payload[..4].copy_from_slice(&0x0bad_f00d_u32.to_be_bytes());
    gateway.engine.handle_datagram(now, unknown);
    gateway.drain_events();
    assert!(gateway.engine.poll_packet().is_none());
    let reasons: Vec<EspErrorKind> = gateway
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::EspDropped(d) => Some(d.reason.kind),
            _ => None,
        })
        .collect();
    assert_eq!(reasons, [EspErrorKind::Replay, EspErrorKind::UnknownSpi]);
}

#[test]
fn a_packet_no_selector_covers_has_no_route() {
    let (mut client, _, now) = connected(true, false);
    let (vip, _) = inner_addresses(&client);
    let outside = icmp_echo(
        vip,
        "10.9.0.1".parse().expect("address"),
        ECHO_REQUEST,
        1,
        1,
    );
    assert_eq!(client.engine.route(&outside), None);
    let mut out = vec![0u8; outside.len() + SEAL_OVERHEAD_MAX];
    let refused = client.engine.seal_packet(now, &outside, &mut out);
    assert!(
        matches!(refused, Err(EspError::NoCoveringChildSa { .. })),
        "{refused:?}"
    );
    // Not an IP packet at all.
    assert_eq!(client.engine.route(&[0x45, 0, 0]), None);
}

#[test]
fn with_esp_events_each_packet_is_reported_with_its_dissection() {
    let (mut client, mut gateway, now) = connected(true, true);
    let (vip, server) = inner_addresses(&client);
    let request = icmp_echo(vip, server, ECHO_REQUEST, 3, 1);
    client_sends(&mut client, &mut gateway, now, &request);
    assert!(gateway.engine.poll_packet().is_some());
    let sealed = client
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::EspSealed(s) => Some(s.clone()),
            _ => None,
        })
        .expect("an EspSealed event");
    let opened = gateway
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::EspOpened(o) => Some(o.clone()),
            _ => None,
        })
        .expect("an EspOpened event");
    assert_eq!(sealed.spi, opened.spi);
    assert_eq!((sealed.sequence, opened.sequence), (1, 1));
    assert!(sealed.udp_encap && opened.udp_encap);
    let expected = format!("ICMP echo request {vip} > {server} id 3 seq 1");
    assert_eq!(sealed.inner, expected);
    assert_eq!(opened.inner, expected);
    for event in [&sealed, &opened] {
        // SPI, Sequence Number, IV, the encrypted payload (decrypted beneath), ICV.
        assert_eq!(event.dissection.fields.len(), 5, "{:?}", event.dissection);
        // The ciphertext was decrypted for the inspector: the inner packet shows.
        assert!(
            event.dissection.summary.contains("ICMP"),
            "{}",
            event.dissection.summary
        );
        assert_eq!(event.length, event.dissection.length);
    }
}
