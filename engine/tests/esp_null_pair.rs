//! Integrity-only ESP (ENCR_NULL, RFC 2410) negotiated end to end between two
//! engines: the CHILD SA is `null-sha256`, a sealed ping travels in the clear
//! inside the ESP packet (the teaching point), the other side opens it, and the
//! ICV still refuses a packet with one changed octet (RFC 4303 §3.4.4). A rekey
//! with PFS keeps NULL; the exported `esp_sa` lines name it for Wireshark and
//! open the packet again; an IKE proposal with `null` is refused before anything
//! is sent; the `esp-null-integrity-only` lesson puts readable pings on the wire.

mod ike_support;
mod lifecycle_support;

use core::time::Duration;
use std::net::{IpAddr, Ipv4Addr};

use ike_support::*;
use ikelab_engine::capture::keys::esp_sa_table::parse_esp_sa_table;
use ikelab_engine::capture::keys::esp_table_decryptor::EspTableDecryptor;
use ikelab_engine::capture::keys::profile::esp_sa_lines_of;
use ikelab_engine::child::{EspError, SEAL_OVERHEAD_MAX};
use ikelab_engine::crypto::RUST_CRYPTO;
use ikelab_engine::event::EventKind;
use ikelab_engine::ike::ChildSaId;
use ikelab_engine::sim::{self, LinkConfig, NetworkEvent, Pair, WireProtocol, library};
use ikelab_engine::wire::esp::{EspDecryptRequest, EspDecryptor};
use ikelab_engine::wire::iana::{EncrId, IntegId};
use ikelab_engine::wire::ip::{IpProtocol, emit_ip_packet};
use lifecycle_support::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const BEHIND_GATEWAY: Ipv4Addr = Ipv4Addr::new(10, 1, 0, 5);
const PAYLOAD: &[u8] = b"integrity only: anyone on the path can read this";

fn ping(src: IpAddr, dst: IpAddr) -> Vec<u8> {
    let mut icmp = vec![8, 0, 0, 0, 0x4e, 0x55, 0, 1];
    icmp.extend(PAYLOAD);
    let mut out = Vec::new();
    emit_ip_packet(src, dst, IpProtocol(1), 1, &icmp, &mut out).unwrap();
    out
}

/// A (client) offers only `null-sha256-x25519`; B (gateway) prefers AES-GCM but
/// accepts it.
fn null_pair(seed: u64) -> Pair {
    let initiator = with_esp(INITIATOR, &["null-sha256-x25519"]);
    let responder = with_esp(RESPONDER, &["aes256gcm16", "null-sha256-x25519"]);
    established(&initiator, responder, seed)
}

fn vip(pair: &Pair) -> IpAddr {
    live_ike(&pair.a).expect("A's IKE SA").virtual_ips[0]
}

/// Seals `packet` on A's CHILD SA: (ESP packet, src, dst).
fn seal_on_a(
    pair: &mut Pair,
    child: ChildSaId,
    packet: &[u8],
) -> (Vec<u8>, std::net::SocketAddr, std::net::SocketAddr) {
    let mut out = vec![0u8; packet.len() + SEAL_OVERHEAD_MAX];
    let now = pair.now;
    let sealed = pair.a.seal(now, child, packet, &mut out).expect("seal");
    out.truncate(sealed.len);
    (out, sealed.src, sealed.dst)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn null_sha256_is_negotiated_and_carries_a_readable_ping() {
    let mut pair = null_pair(41);
    assert_children_match(&pair);
    let a_child = only_child(&pair.a);
    let b_child = only_child(&pair.b);
    let sa = pair.a.child_sa(a_child).unwrap();
    assert_eq!(sa.proposal, "null-sha256");
    assert_eq!((sa.encr, sa.encr_key_bits), (EncrId::NULL, None));
    assert_eq!(sa.integ, Some(IntegId::HMAC_SHA2_256_128));
    // KEYMAT (RFC 7296 §2.17): no encryption keys, two 32-octet HMAC keys.
    let keys = sa.keys();
    assert!(keys.encr_i().is_empty() && keys.encr_r().is_empty());
    assert_eq!((keys.integ_i().len(), keys.integ_r().len()), (32, 32));
    let up = pair
        .a_events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ChildSaUp(up) => Some(up.clone()),
            _ => None,
        })
        .expect("ChildSaUp");
    assert_eq!(up.proposal, "null-sha256");
    assert_eq!(up.encr, EncrId::NULL);

    let request = ping(vip(&pair), IpAddr::V4(BEHIND_GATEWAY));
    let (esp, src, dst) = seal_on_a(&mut pair, a_child, &request);
    // The teaching point: the whole inner packet, text included, is in the clear
    // right after the 8-octet ESP header (no IV, RFC 2410 §2), followed by padding,
    // the trailer and a 16-octet ICV (HMAC-SHA2-256-128, RFC 4868).
    assert_eq!(&esp[8..8 + request.len()], &request[..]);
    assert!(contains(&esp, PAYLOAD));
    assert_eq!(esp.len() % 4, 0);
    assert_eq!(esp[esp.len() - 17], 4, "Next Header: IPv4");

    // One changed octet of the readable payload: the ICV check refuses it.
    let now = pair.now;
    let mut tampered = esp.clone();
    let at = 8 + request.len() - 3;
    tampered[at] ^= 0x20;
    let refused = open_on(&mut pair.b, now, src, dst, &mut tampered);
    assert!(matches!(refused, Err(EspError::IcvMismatch)), "{refused:?}");

    // The packet as sealed opens on B to the same ping.
    let mut copy = esp.clone();
    let opened = open_on(&mut pair.b, now, src, dst, &mut copy).expect("B opens");
    assert_eq!(opened.child, b_child);
    assert_eq!(opened.packet, &request[..]);

    // The key export: Wireshark's esp_sa lines name NULL and open the packet.
    let lines = esp_sa_lines_of(pair.a.child_sa(a_child).unwrap()).unwrap();
    assert!(
        lines[0].contains("\"NULL\",\"\",\"HMAC-SHA-256-128 [RFC4868]\""),
        "{}",
        lines[0]
    );
    let records = parse_esp_sa_table(&format!("{}\n{}\n", lines[0], lines[1])).unwrap();
    let mut decryptor = EspTableDecryptor::new(&records, &RUST_CRYPTO);
    let decrypted = decryptor
        .decrypt_esp(&EspDecryptRequest {
            spi: u32::from_be_bytes(esp[..4].try_into().unwrap()),
            sequence_number: 1,
            src: Some(src.ip()),
            dst: Some(dst.ip()),
            packet: &esp,
        })
        .expect("the esp_sa table opens the packet");
    assert_eq!(&decrypted.plaintext[..request.len()], &request[..]);
}

#[test]
fn a_null_child_rekeyed_with_pfs_stays_null() {
    let mut pair = null_pair(42);
    let old = only_child(&pair.a);
    assert_eq!(pair.a.rekey_child(pair.now, old), Ok(()));
    run_for(&mut pair, 1.0);
    let new = only_child(&pair.a);
    assert_ne!(new, old);
    assert_children_match(&pair);
    let sa = pair.a.child_sa(new).unwrap();
    assert_eq!(sa.proposal, "null-sha256-x25519");
    assert!(sa.keys().encr_i().is_empty());
    let request = ping(vip(&pair), IpAddr::V4(BEHIND_GATEWAY));
    let (mut esp, src, dst) = seal_on_a(&mut pair, new, &request);
    assert!(contains(&esp, PAYLOAD));
    let now = pair.now;
    let opened = open_on(&mut pair.b, now, src, dst, &mut esp).expect("B opens");
    assert_eq!(opened.packet, &request[..]);
}

#[test]
fn null_in_an_ike_proposal_is_refused_before_sending() {
    let initiator = with(INITIATOR, |c| {
        c.proposals = vec!["null-sha256-x25519".to_owned()];
    });
    let a = engine(Vec::new(), 43, false);
    let b = engine(vec![config(RESPONDER)], 44, false);
    let mut pair = Pair::new(a, b, LinkConfig::default(), 43);
    let error = pair
        .a
        .initiate(Duration::ZERO, &initiator)
        .expect_err("ENCR_NULL for IKE");
    let message = error.to_string();
    assert!(
        message.contains("only ESP proposals") && message.contains("must be encrypted"),
        "{message}"
    );
    // And ESP with null but no integrity.
    let initiator = with_esp(INITIATOR, &["null"]);
    let message = pair
        .a
        .initiate(Duration::ZERO, &initiator)
        .expect_err("ENCR_NULL without integrity")
        .to_string();
    assert!(
        message.contains("without an integrity algorithm"),
        "{message}"
    );
}

/// The ESP packets (IP protocol 50) the initiator put on the link in a scenario run.
fn esp_from_initiator(name: &str) -> Vec<Vec<u8>> {
    let scenario = library::load(name).unwrap();
    let run = sim::run(&scenario, scenario.seed);
    run.trace
        .network_events()
        .filter_map(|(_, event)| match event {
            NetworkEvent::Transmit {
                from,
                datagram,
                protocol: WireProtocol::Esp,
                ..
            } if from == "initiator" => Some(datagram.payload.clone()),
            _ => None,
        })
        .collect()
}

/// An IPv4 echo request from the virtual IP 10.3.0.1 to 10.1.0.1 at `at`.
fn readable_echo_request(packet: &[u8], at: usize) -> bool {
    packet.get(at..at + 21).is_some_and(|ip| {
        ip[0] == 0x45
            && ip[9] == 1
            && ip[12..16] == [10, 3, 0, 1]
            && ip[16..20] == [10, 1, 0, 1]
            && ip[20] == 8
    })
}

#[test]
fn the_scenario_puts_readable_pings_on_the_wire() {
    let null = esp_from_initiator("esp-null-integrity-only");
    assert_eq!(null.len(), 3, "three echo requests");
    for packet in &null {
        assert!(readable_echo_request(packet, 8), "{packet:02x?}");
    }
    // The same pings under AES-256-CBC (the esp-replay lesson) are unreadable.
    let encrypted = esp_from_initiator("esp-replay");
    assert_eq!(encrypted.len(), 3);
    for packet in &encrypted {
        assert!((0..packet.len()).all(|at| !readable_echo_request(packet, at)));
    }
}
