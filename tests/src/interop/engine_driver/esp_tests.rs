//! The driver's ESP side and key tables against a gateway engine in memory (the
//! engine's `sim::Pair`), without sockets or root: the gateway opens our echo
//! requests and answers them as a kernel would (RFC 792: same identifier, sequence
//! and data, addresses swapped).

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use ikelab_engine::capture::keys::profile::esp_sa_lines_of;
use ikelab_engine::child::SEAL_OVERHEAD_MAX;
use ikelab_engine::config::PeerConfig;
use ikelab_engine::ike::EspDatagram;
use ikelab_engine::keylog::{KeyLog, KeyRecorder};
use ikelab_engine::sim::{LinkConfig, Pair, Side, fixtures};
use ikelab_engine::wire::ip::{IpProtocol, emit_ip_packet};
use ikelab_engine::{Datagram, Engine, EngineConfig, Time};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

use super::esp::{EspTraffic, REPLY_WAIT};
use super::icmp::{ECHO_REPLY, ECHO_REQUEST, IcmpEcho, echo_message, inner_echo};
use super::keys::EventKeyTables;
use super::options::PingOptions;
use super::record::DriverRecord;

const HOST: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 1);

/// The shared client fixture, UDP-encapsulated (`encap`, as strongSwan's
/// kernel-libipsec wants ESP on 4500) with a CHILD SA for all of IPv4 and `esp` as
/// its proposal.
fn client(esp: &str) -> PeerConfig {
    client_with(esp, true)
}

/// [`client`], with `encap` as given: without it and without a NAT, the CHILD SA
/// sends plain ESP (IP protocol 50).
fn client_with(esp: &str, encap: bool) -> PeerConfig {
    let esp = format!("[\"{esp}\"]");
    fixtures::variant(
        fixtures::CLIENT,
        &[
            ("encap", if encap { "true" } else { "false" }),
            ("children.net.esp_proposals", &esp),
            ("children.net.remote_ts", r#"["0.0.0.0/0"]"#),
        ],
    )
    .unwrap()
}

/// The shared gateway fixture serving [`HOST`]'s network, virtual IPs from the
/// other half of it, and `esp` as its proposal.
fn gateway(esp: &str) -> PeerConfig {
    let esp = format!("[\"{esp}\"]");
    fixtures::variant(
        fixtures::GATEWAY,
        &[
            ("children.net.esp_proposals", &esp),
            ("children.net.local_ts", r#"["203.0.113.0/25"]"#),
            ("ip_pools.vpool.addrs", r#""203.0.113.128/25""#),
        ],
    )
    .unwrap()
}

/// An engine whose key log is `keys` (the pair puts its records among the events).
fn engine(responder: Vec<PeerConfig>, seed: u64, keys: &Arc<KeyRecorder>) -> Engine {
    let config = EngineConfig {
        responder,
        key_log: Some(keys.clone() as Arc<dyn KeyLog>),
        ..EngineConfig::default()
    };
    Engine::new(config, Box::new(ChaCha20Rng::seed_from_u64(seed))).unwrap()
}

/// Our engine (`a`) with an IKE SA and a CHILD SA up with the gateway (`b`).
fn established(esp: &str) -> Pair {
    established_with(client(esp), esp)
}

/// [`established`] with the client configuration `client`.
fn established_with(client: PeerConfig, esp: &str) -> Pair {
    let (keys_a, keys_b) = (Arc::new(KeyRecorder::new()), Arc::new(KeyRecorder::new()));
    let a = engine(Vec::new(), 21, &keys_a);
    let b = engine(vec![gateway(esp)], 22, &keys_b);
    let mut pair = Pair::new(a, b, LinkConfig::default(), 23);
    pair.record_keys(Side::A, keys_a);
    pair.record_keys(Side::B, keys_b);
    pair.a.initiate(Duration::ZERO, &client).unwrap();
    pair.drive();
    assert_eq!(pair.a.child_sas().count(), 1, "{esp}: no CHILD SA");
    pair
}

/// The gateway opens one request and seals the reply a kernel would send.
fn gateway_answers(pair: &mut Pair, now: Time, request: &Datagram) -> Datagram {
    let mut buf = request.payload.clone();
    let opened = pair
        .b
        .open(
            now,
            EspDatagram {
                src: request.src,
                dst: request.dst,
                buf: &mut buf,
                esp_offset: 0,
            },
        )
        .unwrap();
    let inner = inner_echo(opened.packet).unwrap();
    assert_eq!(inner.echo.kind, ECHO_REQUEST);
    let data = vec![0x5a; inner.data_len];
    let reply = echo_message(
        IcmpEcho {
            kind: ECHO_REPLY,
            ..inner.echo
        },
        &data,
    );
    let mut packet = Vec::new();
    emit_ip_packet(
        inner.dst,
        inner.src,
        IpProtocol::ICMP,
        0,
        &reply,
        &mut packet,
    )
    .unwrap();
    let child = opened.child;
    let mut out = vec![0_u8; packet.len() + SEAL_OVERHEAD_MAX];
    let sealed = pair.b.seal(now, child, &packet, &mut out).unwrap();
    Datagram::new(
        sealed.src,
        sealed.dst,
        out[sealed.offset..sealed.offset + sealed.len].to_vec(),
    )
}

fn pinger(pair: &Pair, count: u16) -> EspTraffic {
    let mut esp = EspTraffic::new(
        Some(PingOptions {
            dst: HOST,
            count,
            interval: Duration::from_millis(10),
        }),
        false,
    );
    for event in &pair.a_events {
        esp.observe(pair.now, event);
    }
    esp
}

#[test]
fn pings_are_answered_and_a_replayed_reply_is_refused() {
    for esp_proposal in ["aes256gcm16", "aes128-sha256"] {
        let mut pair = established(esp_proposal);
        let mut esp = pinger(&pair, 3);
        let vip = pair.a.child_sas().next().unwrap().local_ts[0].clone();
        let mut records = Vec::new();
        let mut now = pair.now;
        while !records
            .iter()
            .any(|r| matches!(r, DriverRecord::PingsDone { .. }))
        {
            assert!(now < pair.now + Duration::from_secs(1), "{records:#?}");
            let output = esp.tick(now, &mut pair.a);
            records.extend(output.records);
            for request in &output.packets {
                assert_eq!(request.sealed.dst.port(), 4500, "ESP in UDP (RFC 3948)");
                let reply = gateway_answers(&mut pair, now, &request.datagram());
                records.extend(esp.on_esp(now, &mut pair.a, reply).records);
            }
            // As the driver's loop does: tick again right after a reply (the last one
            // ends the plan at once), else sleep until the next request is due.
            if output.packets.is_empty() {
                now = esp.deadline().unwrap_or(now).max(now);
            }
        }
        let sent = records
            .iter()
            .filter(|r| matches!(r, DriverRecord::PingSent { .. }))
            .count();
        let replies: Vec<u16> = records
            .iter()
            .filter_map(|r| match r {
                DriverRecord::EspOpened {
                    echo: Some(echo),
                    inner_src,
                    ..
                } if *inner_src == IpAddr::V4(HOST) => Some(echo.seq),
                _ => None,
            })
            .collect();
        assert_eq!(sent, 3, "{esp_proposal}: {records:#?}");
        assert_eq!(replies, [1, 2, 3], "{esp_proposal}: {vip:?}");
        let replay = records.iter().find_map(|r| match r {
            DriverRecord::ReplayCheck {
                replay,
                esp_sequence,
                ..
            } => Some((*replay, *esp_sequence)),
            _ => None,
        });
        assert_eq!(replay, Some((true, 1)), "{esp_proposal}: {records:#?}");
        match records.last() {
            Some(DriverRecord::PingsDone {
                sent: 3,
                replies: 3,
                counters: Some(c),
            }) => {
                assert_eq!((c.outbound.packets, c.inbound.packets), (3, 3));
                assert_eq!(c.inbound.dropped, 1, "the replayed copy");
            }
            other => panic!("{esp_proposal}: {other:?}"),
        }
        assert_eq!(esp.deadline(), None, "the plan is over");
    }
}

#[test]
fn unanswered_pings_end_after_the_wait_and_foreign_esp_is_rejected() {
    let mut pair = established("aes256gcm16");
    let mut esp = pinger(&pair, 2);
    let start = pair.now;
    let first = esp.tick(start, &mut pair.a);
    assert_eq!(first.packets.len(), 1);
    let second = esp.tick(start + Duration::from_millis(10), &mut pair.a);
    assert_eq!(second.packets.len(), 1);
    let early = esp.tick(start + Duration::from_secs(1), &mut pair.a);
    assert!(early.records.is_empty() && early.packets.is_empty());
    assert_eq!(
        esp.deadline(),
        Some(start + Duration::from_millis(10) + REPLY_WAIT)
    );
    let late = esp.tick(start + Duration::from_secs(4), &mut pair.a);
    assert!(
        matches!(
            late.records.as_slice(),
            [DriverRecord::PingsDone {
                sent: 2,
                replies: 0,
                ..
            }]
        ),
        "no replay check without a reply: {:?}",
        late.records
    );

    // An SPI we never gave out: RFC 4303 §3.4.2, dropped and reported.
    let foreign = Datagram::new(
        "192.0.2.1:4500".parse().unwrap(),
        "192.0.2.2:4500".parse().unwrap(),
        [0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 9].repeat(8),
    );
    match esp.on_esp(start, &mut pair.a, foreign).records.as_slice() {
        [
            DriverRecord::EspRejected {
                spi: Some(0xdead_beef),
                esp_sequence: Some(9),
                replay: false,
                detail,
            },
        ] => assert!(detail.contains("SPI"), "{detail}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn answered_pings_come_back_through_the_child_sa_in_plain_esp() {
    let mut pair = established_with(client_with("aes256gcm16", false), "aes256gcm16");
    let mut client = pinger(&pair, 2);
    let mut gateway = EspTraffic::new(None, true);
    let now = pair.now;
    let mut requests = client.tick(now, &mut pair.a).packets;
    requests.extend(
        client
            .tick(now + Duration::from_millis(10), &mut pair.a)
            .packets,
    );
    assert_eq!(requests.len(), 2);
    let mut client_records = Vec::new();
    for request in &requests {
        // No NAT and no `encap`: IP protocol 50, so no ports (RFC 4303 §2).
        assert!(!request.sealed.udp_encap, "{:?}", request.sealed);
        assert_eq!(request.sealed.dst.port(), 0);
        let answered = gateway.on_esp(now, &mut pair.b, request.datagram());
        match answered.records.as_slice() {
            [
                DriverRecord::EspOpened { .. },
                DriverRecord::PingAnswered { src, dst, .. },
            ] => {
                assert_eq!(*src, IpAddr::V4(HOST));
                assert_ne!(*dst, IpAddr::V4(HOST), "back to the client's virtual IP");
            }
            other => panic!("{other:#?}"),
        }
        let [reply] = answered.packets.as_slice() else {
            panic!("one reply: {:?}", answered.packets);
        };
        assert!(!reply.sealed.udp_encap);
        client_records.extend(client.on_esp(now, &mut pair.a, reply.datagram()).records);
    }
    let replies: Vec<u16> = client_records
        .iter()
        .filter_map(|r| match r {
            DriverRecord::EspOpened {
                echo: Some(echo), ..
            } if echo.kind == ECHO_REPLY => Some(echo.seq),
            _ => None,
        })
        .collect();
    assert_eq!(replies, [1, 2], "{client_records:#?}");

    // Without --answer-pings a request is only opened.
    let mut quiet = EspTraffic::new(None, false);
    let request = client
        .tick(now + Duration::from_millis(20), &mut pair.a)
        .packets;
    assert!(request.is_empty(), "the plan sent its two");
    let mut again = pinger(&pair, 1);
    let one = again
        .tick(now + Duration::from_millis(30), &mut pair.a)
        .packets;
    let output = quiet.on_esp(now, &mut pair.b, one[0].datagram());
    assert!(output.packets.is_empty());
    assert!(matches!(
        output.records.as_slice(),
        [DriverRecord::EspOpened { .. }]
    ));
}

#[test]
fn key_tables_from_events_match_the_engines_own_export() {
    for esp_proposal in ["aes256gcm16", "aes128-sha256"] {
        let pair = established(esp_proposal);
        let ours = EventKeyTables::from_events(&pair.a_events).unwrap();
        let theirs = EventKeyTables::from_events(&pair.b_events).unwrap();
        let a_child = pair.a.child_sas().next().unwrap();
        let b_child = pair.b.child_sas().next().unwrap();
        assert_eq!(ours.esp, esp_sa_lines_of(a_child).unwrap().to_vec());
        // The responder's view gives the same two lines (initiator → responder first).
        assert_eq!(theirs.esp, esp_sa_lines_of(b_child).unwrap().to_vec());
        assert_eq!(ours.esp, theirs.esp, "{esp_proposal}");
        assert!(ours.esp[0].starts_with("\"IPv4\",\"192.0.2.2\",\"192.0.2.1\","));
        assert_eq!(ours.ikev2.len(), 1);
        assert_eq!(ours.ikev2, theirs.ikev2);
    }
}
