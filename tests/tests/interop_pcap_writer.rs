//! The engine's pcap writer, checked by tshark: a capture of messages built by the
//! engine's emitter (IKE on UDP 500 and 4500, over IPv4 and IPv6, ESP in UDP, ESP in
//! IP, a NAT-keepalive) has no malformed frame, every IP and UDP checksum verifies,
//! and tshark reads the same IKE header fields and payload types, ESP SPIs and
//! sequence numbers that were written.
//!
//! Interop layer (tshark must be installed).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ikelab_engine::capture::{DatagramContent, PcapWriter, TimestampResolution};
use ikelab_engine::wire::iana::{
    DhId, EncrId, ExchangeType, NotifyType, PayloadType, PrfId, ProtocolId, TransformType,
};
use ikelab_engine::wire::{
    Flags, IkeHeader, IkeSpi, KePayload, Message, NoncePayload, NotifyPayload, Payload, Proposal,
    SaPayload, SkPayload, Transform,
};
use ikelab_tests::interop::tshark::Tshark;

/// The capture file, removed when dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn header(exchange_type: ExchangeType, response: bool, message_id: u32) -> IkeHeader {
    IkeHeader {
        spi_i: IkeSpi::from(0x0011_2233_4455_6677),
        spi_r: IkeSpi::from(if message_id == 0 && !response {
            0
        } else {
            0x8899_aabb_ccdd_eeff
        }),
        major_version: 2,
        minor_version: 0,
        exchange_type,
        flags: Flags::new(!response, response),
        message_id,
    }
}

fn messages() -> Vec<Message> {
    let proposal = Proposal {
        number: 1,
        protocol: ProtocolId::IKE,
        spi: Vec::new(),
        transforms: vec![
            Transform::with_key_length(TransformType::ENCR, EncrId::AES_GCM_16.0, 256),
            Transform::new(TransformType::PRF, PrfId::HMAC_SHA2_256.0),
            Transform::new(TransformType::DH, DhId::CURVE25519.0),
        ],
    };
    let init_request = Message {
        header: header(ExchangeType::IKE_SA_INIT, false, 0),
        payloads: vec![
            Payload::Sa(SaPayload {
                proposals: vec![proposal.clone()],
            }),
            Payload::Ke(KePayload {
                group: DhId::CURVE25519,
                data: vec![0x42; 32],
            }),
            Payload::Nonce(NoncePayload {
                data: vec![0x24; 32],
            }),
            Payload::Notify(NotifyPayload::new(
                NotifyType::NAT_DETECTION_SOURCE_IP,
                vec![0x01; 20],
            )),
            Payload::Notify(NotifyPayload::new(
                NotifyType::NAT_DETECTION_DESTINATION_IP,
                vec![0x02; 20],
            )),
        ],
    };
    let init_response = Message {
        header: header(ExchangeType::IKE_SA_INIT, true, 0),
        payloads: vec![
            Payload::Sa(SaPayload {
                proposals: vec![proposal],
            }),
            Payload::Ke(KePayload {
                group: DhId::CURVE25519,
                data: vec![0x43; 32],
            }),
            Payload::Nonce(NoncePayload {
                data: vec![0x34; 32],
            }),
        ],
    };
    let auth_request = Message {
        header: header(ExchangeType::IKE_AUTH, false, 1),
        payloads: vec![Payload::Sk(SkPayload {
            first_payload: PayloadType::IDI,
            body: (0..=255u8).collect(),
        })],
    };
    let delete_response = Message {
        header: header(ExchangeType::INFORMATIONAL, true, 2),
        payloads: vec![Payload::Sk(SkPayload {
            first_payload: PayloadType::NONE,
            body: vec![0x99; 24],
        })],
    };
    vec![init_request, init_response, auth_request, delete_response]
}

fn addr(text: &str) -> SocketAddr {
    text.parse().unwrap()
}

fn esp(spi: u32, sequence: u32) -> Vec<u8> {
    let mut packet = spi.to_be_bytes().to_vec();
    packet.extend_from_slice(&sequence.to_be_bytes());
    packet.extend(std::iter::repeat_n(0x5c, 8 + 64 + 16));
    packet
}

#[test]
fn tshark_reads_what_the_writer_wrote() {
    let messages = messages();
    // (source, destination) for each message: 500 over IPv4, 4500 over IPv6.
    let routes = [
        ("192.0.2.1:500", "192.0.2.2:500"),
        ("192.0.2.2:500", "192.0.2.1:500"),
        ("[2001:db8::1]:4500", "[2001:db8::2]:4500"),
        ("[2001:db8::2]:4500", "[2001:db8::1]:4500"),
    ];
    let mut writer = PcapWriter::new(Vec::new(), TimestampResolution::Nano).unwrap();
    let mut time = Duration::new(1_700_000_000, 1);
    for (message, (src, dst)) in messages.iter().zip(routes) {
        writer
            .write_datagram(
                time,
                addr(src),
                addr(dst),
                DatagramContent::Ike(&message.emit()),
            )
            .unwrap();
        time += Duration::from_millis(10);
    }
    let esp_packets = [(0xc000_0001u32, 1u32), (0xc000_0002, 7)];
    writer
        .write_datagram(
            time,
            addr("192.0.2.1:4500"),
            addr("192.0.2.2:4500"),
            DatagramContent::EspInUdp(&esp(esp_packets[0].0, esp_packets[0].1)),
        )
        .unwrap();
    writer
        .write_datagram(
            time,
            addr("[2001:db8::1]:0"),
            addr("[2001:db8::2]:0"),
            DatagramContent::Esp(&esp(esp_packets[1].0, esp_packets[1].1)),
        )
        .unwrap();
    writer
        .write_datagram(
            time,
            addr("192.0.2.1:4500"),
            addr("192.0.2.2:4500"),
            DatagramContent::NatKeepalive,
        )
        .unwrap();
    let path = std::env::temp_dir().join(format!("ikelab-pcap-writer-{}.pcap", std::process::id()));
    std::fs::write(&path, writer.into_inner().unwrap()).unwrap();
    let file = TempFile(path);

    let tshark = Tshark::new();
    assert_eq!(tshark.malformed_frames(&file.0).unwrap(), Vec::<u32>::new());

    // Checksums: tshark verifies them when asked; 1 is "Good", 3 "Not present" (the
    // zero UDP checksum of ESP in UDP over IPv4, RFC 3948 §2.1).
    let checked = Tshark::new()
        .preference("ip.check_checksum:TRUE")
        .preference("udp.check_checksum:TRUE");
    let rows = checked
        .fields(
            &file.0,
            "ip || ipv6",
            &["frame.number", "ip.checksum.status", "udp.checksum.status"],
        )
        .unwrap();
    assert_eq!(rows.len(), 7);
    for row in &rows {
        let frame = &row[0][0];
        for status in row[1].iter() {
            assert_eq!(
                status, "1",
                "frame {frame}: IPv4 header checksum status {status}"
            );
        }
        for status in row[2].iter() {
            let expected = if frame == "5" { "3" } else { "1" };
            assert_eq!(
                status, expected,
                "frame {frame}: UDP checksum status {status}"
            );
        }
    }

    let seen = tshark.ike_messages(&file.0).unwrap();
    assert_eq!(seen.len(), messages.len());
    for (i, (theirs, ours)) in seen.iter().zip(&messages).enumerate() {
        let h = &ours.header;
        assert_eq!(u64::from(theirs.frame), i as u64 + 1);
        assert_eq!(theirs.src, addr(routes[i].0).ip());
        assert_eq!(theirs.sport, addr(routes[i].0).port());
        assert_eq!(theirs.udp_encapsulated, i >= 2);
        assert_eq!(theirs.ispi, h.spi_i.0);
        assert_eq!(theirs.rspi, h.spi_r.0);
        assert_eq!(theirs.exchange_type, h.exchange_type.0);
        assert_eq!(theirs.flags, h.flags.0);
        assert_eq!(theirs.message_id, h.message_id);
        assert_eq!(theirs.length as usize, ours.emit().len());
        let types: Vec<u8> = ours.payloads.iter().map(|p| p.payload_type().0).collect();
        assert_eq!(theirs.payload_types, types, "frame {}", theirs.frame);
        let inner = match ours.payloads.last() {
            Some(Payload::Sk(sk)) => Some(sk.first_payload.0),
            _ => None,
        };
        assert_eq!(theirs.encrypted_next_payload, inner);
    }

    let esp_seen = tshark.esp_packets(&file.0).unwrap();
    let facts: Vec<(u32, u32, u32)> = esp_seen
        .iter()
        .map(|p| (p.frame, p.spi, p.sequence))
        .collect();
    assert_eq!(
        facts,
        [
            (5, esp_packets[0].0, esp_packets[0].1),
            (6, esp_packets[1].0, esp_packets[1].1)
        ]
    );
}
