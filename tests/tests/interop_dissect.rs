//! `ikelab dissect --json` against tshark on real strongSwan ↔ strongSwan captures
//! (`tcpdump -i any`, so Linux cooked SLL2 frames): the list of IKE messages, their
//! exchange types, SPIs, flags, message IDs, lengths and payload types, and the ESP
//! packets' SPIs and sequence numbers, must be the same for both dissectors.
//!
//! Interop layer: root, strongSwan, tcpdump and tshark; one test at a time. Build the
//! binary first (`cargo build -p ikelab-bridge`; cargo xtask test does).

use std::net::IpAddr;
use std::path::Path;

use ikelab_tests::interop::pair::{PairOptions, run_pair, strongswan_pair_exchange};
use ikelab_tests::interop::tshark::Tshark;
use ikelab_tests::run_ikelab;
use serde_json::Value;

/// What both dissectors say about one IKE message.
#[derive(Debug, Clone, PartialEq, Eq)]
struct IkeFacts {
    frame: u64,
    src: IpAddr,
    dst: IpAddr,
    sport: u16,
    dport: u16,
    udp_encapsulated: bool,
    ispi: String,
    rspi: String,
    exchange_type: u8,
    flags: u8,
    message_id: u32,
    length: u32,
    payload_types: Vec<u8>,
    encrypted_next_payload: Option<u8>,
}

/// What both dissectors say about one ESP packet.
#[derive(Debug, Clone, PartialEq, Eq)]
struct EspFacts {
    frame: u64,
    src: IpAddr,
    dst: IpAddr,
    spi: u32,
    sequence: u32,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn u64_of(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn ip_of(v: &Value) -> IpAddr {
    v.as_str().unwrap().parse().unwrap()
}

/// `ikelab dissect --json` of `pcap`, as facts.
fn ikelab_facts(pcap: &Path) -> (Vec<IkeFacts>, Vec<EspFacts>, Value) {
    let out = run_ikelab(["dissect".as_ref(), pcap.as_os_str(), "--json".as_ref()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "ikelab dissect failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut ike = Vec::new();
    let mut esp = Vec::new();
    for frame in doc["frames"].as_array().unwrap() {
        let number = u64_of(&frame["frame"]);
        match frame["kind"].as_str().unwrap() {
            "ike" => {
                let m = &frame["ike"];
                assert_eq!(m["error"], Value::Null, "frame {number}: {m}");
                ike.push(IkeFacts {
                    frame: number,
                    src: ip_of(&frame["src"]),
                    dst: ip_of(&frame["dst"]),
                    sport: u16::try_from(u64_of(&frame["sport"])).unwrap(),
                    dport: u16::try_from(u64_of(&frame["dport"])).unwrap(),
                    udp_encapsulated: frame["transport"] == "udp4500",
                    ispi: m["ispi"].as_str().unwrap().to_owned(),
                    rspi: m["rspi"].as_str().unwrap().to_owned(),
                    exchange_type: u8::try_from(u64_of(&m["exchange_type"])).unwrap(),
                    flags: u8::try_from(u64_of(&m["flags"])).unwrap(),
                    message_id: u32::try_from(u64_of(&m["message_id"])).unwrap(),
                    length: u32::try_from(u64_of(&m["length"])).unwrap(),
                    payload_types: m["payloads"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|t| u8::try_from(u64_of(t)).unwrap())
                        .collect(),
                    encrypted_next_payload: m["encrypted_next_payload"]
                        .as_u64()
                        .map(|t| u8::try_from(t).unwrap()),
                });
            }
            "esp" => {
                let p = &frame["esp"];
                esp.push(EspFacts {
                    frame: number,
                    src: ip_of(&frame["src"]),
                    dst: ip_of(&frame["dst"]),
                    spi: u32::from_str_radix(p["spi"].as_str().unwrap(), 16).unwrap(),
                    sequence: u32::try_from(u64_of(&p["sequence"])).unwrap(),
                });
            }
            _ => {}
        }
    }
    (ike, esp, doc)
}

/// tshark's view of `pcap`, as the same facts.
fn tshark_facts(pcap: &Path) -> (Vec<IkeFacts>, Vec<EspFacts>) {
    let tshark = Tshark::new();
    let ike = tshark
        .ike_messages(pcap)
        .unwrap()
        .into_iter()
        .map(|m| IkeFacts {
            frame: u64::from(m.frame),
            src: m.src,
            dst: m.dst,
            sport: m.sport,
            dport: m.dport,
            udp_encapsulated: m.udp_encapsulated,
            ispi: hex(&m.ispi),
            rspi: hex(&m.rspi),
            exchange_type: m.exchange_type,
            flags: m.flags,
            message_id: m.message_id,
            length: m.length,
            payload_types: m.payload_types,
            encrypted_next_payload: m.encrypted_next_payload,
        })
        .collect();
    let esp = tshark
        .esp_packets(pcap)
        .unwrap()
        .into_iter()
        .map(|p| EspFacts {
            frame: u64::from(p.frame),
            src: p.src,
            dst: p.dst,
            spi: p.spi,
            sequence: p.sequence,
        })
        .collect();
    (ike, esp)
}

fn same_as_tshark(pcap: &Path) -> Vec<IkeFacts> {
    let (ours_ike, ours_esp, doc) = ikelab_facts(pcap);
    let (their_ike, their_esp) = tshark_facts(pcap);
    assert_eq!(ours_ike, their_ike, "IKE messages differ from tshark's");
    assert_eq!(ours_esp, their_esp, "ESP packets differ from tshark's");
    // A real exchange: IKE_SA_INIT, IKE_AUTH, then ESP and the Delete (INFORMATIONAL).
    let exchanges: Vec<u8> = ours_ike.iter().map(|m| m.exchange_type).collect();
    for exchange in [34, 35, 37] {
        assert!(
            exchanges.contains(&exchange),
            "no exchange {exchange} in {exchanges:?}"
        );
    }
    assert!(!ours_esp.is_empty(), "no ESP packet captured");
    assert_eq!(doc["error"], Value::Null);
    ours_ike
}

#[test]
fn gcm_x25519_direct_link() {
    let run =
        strongswan_pair_exchange("dsgcm", "aes256gcm16-prfsha256-x25519", "aes256gcm16").unwrap();
    let ike = same_as_tshark(&run.pcap);
    // kernel-libipsec forces UDP encapsulation: IKE_AUTH goes to port 4500.
    assert!(ike.iter().any(|m| m.udp_encapsulated), "{ike:?}");
}

#[test]
fn cbc_modp2048_through_nat() {
    let options = PairOptions {
        through_nat: true,
        ..PairOptions::new("dsnat", "aes128-sha256-modp2048", "aes128-sha256")
    };
    let run = run_pair(&options).unwrap();
    let ike = same_as_tshark(&run.pcap);
    assert!(ike.iter().any(|m| m.udp_encapsulated), "{ike:?}");
}
