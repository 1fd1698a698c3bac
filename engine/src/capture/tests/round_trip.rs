//! The writer against independently computed packets, and writer → reader round trips.

use core::time::Duration;
use std::net::SocketAddr;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::packets::*;
use crate::capture::writer::frame_datagram;
use crate::capture::{
    CaptureFormat, CaptureReader, CaptureWriteError, DatagramContent, DatagramKind, LinkType,
    PcapWriter, TimestampResolution,
};

fn addr(text: &str) -> SocketAddr {
    text.parse().unwrap()
}

#[test]
fn framing_matches_packets_built_independently() {
    let cases: [(&str, &str, DatagramContent<'_>, &[u8]); 6] = [
        (
            "192.0.2.1:500",
            "192.0.2.2:500",
            DatagramContent::Ike(&IKE_HEADER),
            &V4_UDP500_IKE,
        ),
        (
            "192.0.2.1:4500",
            "192.0.2.2:4500",
            DatagramContent::Ike(&IKE_HEADER),
            &V4_UDP4500_IKE,
        ),
        (
            "[2001:db8::1]:4500",
            "[2001:db8::2]:4500",
            DatagramContent::NatKeepalive,
            &V6_KEEPALIVE,
        ),
        (
            "192.0.2.1:0",
            "192.0.2.2:0",
            DatagramContent::Esp(&ESP),
            &V4_ESP,
        ),
        (
            "192.0.2.1:4500",
            "192.0.2.2:4500",
            DatagramContent::EspInUdp(&ESP),
            &V4_ESP_IN_UDP,
        ),
        (
            "[2001:db8::1]:500",
            "[2001:db8::2]:500",
            DatagramContent::Ike(&IKE_HEADER),
            &V6_UDP500_IKE,
        ),
    ];
    for (src, dst, content, expected) in cases {
        assert_eq!(
            frame_datagram(addr(src), addr(dst), content, 0).unwrap(),
            expected,
            "{content:?}"
        );
    }
}

#[test]
fn the_file_header_is_classic_pcap_raw_ip() {
    let file = PcapWriter::new(Vec::new(), TimestampResolution::Micro)
        .unwrap()
        .into_inner()
        .unwrap();
    assert_eq!(
        file,
        [
            0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00,
            0x04, 0x00, 0x65, 0x00, 0x00, 0x00,
        ]
    );
}

#[test]
fn writer_to_reader_round_trip() {
    for resolution in [TimestampResolution::Micro, TimestampResolution::Nano] {
        let mut writer = PcapWriter::new(Vec::new(), resolution).unwrap();
        let t0 = Duration::new(1_700_000_000, 123_456_789);
        let step = Duration::from_millis(250);
        let contents = [
            (
                "192.0.2.1:500",
                "192.0.2.2:500",
                DatagramContent::Ike(&IKE_HEADER),
            ),
            (
                "192.0.2.2:500",
                "192.0.2.1:500",
                DatagramContent::Ike(&IKE_HEADER),
            ),
            (
                "192.0.2.1:4500",
                "192.0.2.2:4500",
                DatagramContent::Ike(&IKE_HEADER),
            ),
            (
                "[2001:db8::1]:4500",
                "[2001:db8::2]:4500",
                DatagramContent::EspInUdp(&ESP),
            ),
            (
                "[2001:db8::1]:4500",
                "[2001:db8::2]:4500",
                DatagramContent::NatKeepalive,
            ),
            (
                "[2001:db8::1]:0",
                "[2001:db8::2]:0",
                DatagramContent::Esp(&ESP),
            ),
            (
                "192.0.2.1:4500",
                "192.0.2.2:4500",
                DatagramContent::Udp(&[0, 0, 0, 0, 1, 2, 3]),
            ),
        ];
        let mut time = t0;
        for (src, dst, content) in contents {
            writer
                .write_datagram(time, addr(src), addr(dst), content)
                .unwrap();
            time += step;
        }
        let file = writer.into_inner().unwrap();
        let reader = CaptureReader::new(&file).unwrap();
        assert_eq!(
            reader.format(),
            CaptureFormat::Pcap {
                link_type: LinkType::RAW,
                nanosecond: resolution == TimestampResolution::Nano,
                big_endian: false
            }
        );
        let datagrams: Vec<_> = reader
            .map(|record| record.unwrap().datagram().unwrap())
            .collect();
        let kinds: Vec<_> = datagrams.iter().map(|d| d.kind).collect();
        assert_eq!(
            kinds,
            [
                DatagramKind::Ike500,
                DatagramKind::Ike500,
                DatagramKind::Ike4500,
                DatagramKind::EspInUdp,
                DatagramKind::NatKeepalive,
                DatagramKind::Esp,
                DatagramKind::Ike4500,
            ]
        );
        for (i, datagram) in datagrams.iter().enumerate() {
            assert_eq!(datagram.frame, i as u64 + 1);
            let expected = t0 + step * u32::try_from(i).unwrap();
            let expected = match resolution {
                TimestampResolution::Nano => expected,
                TimestampResolution::Micro => {
                    Duration::from_micros(u64::try_from(expected.as_micros()).unwrap())
                }
            };
            assert_eq!(datagram.time, expected);
        }
        assert_eq!(datagrams[0].payload, IKE_HEADER);
        assert_eq!(datagrams[1].src, addr("192.0.2.2:500").ip());
        assert_eq!(datagrams[2].payload, IKE_HEADER);
        assert_eq!(datagrams[3].payload, ESP);
        assert_eq!(datagrams[5].payload, ESP);
        assert_eq!(datagrams[6].payload, [1, 2, 3]);
    }
}

#[test]
fn write_errors_are_typed() {
    let mut writer = PcapWriter::new(Vec::new(), TimestampResolution::Micro).unwrap();
    let too_late = Duration::from_secs(u64::from(u32::MAX) + 1);
    assert!(matches!(
        writer.write_ip_packet(too_late, &V4_ESP),
        Err(CaptureWriteError::TimeOutOfRange { .. })
    ));
    assert!(matches!(
        writer.write_datagram(
            Duration::ZERO,
            addr("192.0.2.1:500"),
            addr("[2001:db8::1]:500"),
            DatagramContent::NatKeepalive
        ),
        Err(CaptureWriteError::Framing(_))
    ));
    let huge = vec![0; 70_000];
    assert!(matches!(
        writer.write_datagram(
            Duration::ZERO,
            addr("192.0.2.1:500"),
            addr("192.0.2.2:500"),
            DatagramContent::Ike(&huge)
        ),
        Err(CaptureWriteError::Framing(_))
    ));
    // Nothing half-written: the file still holds only its header.
    assert_eq!(writer.into_inner().unwrap().len(), 24);
}

#[test]
fn every_octet_of_every_written_datagram_is_explained() {
    use crate::capture::dissect_datagram;
    use crate::wire::check_leaf_coverage;

    let mut writer = PcapWriter::new(Vec::new(), TimestampResolution::Nano).unwrap();
    let contents = [
        (
            "192.0.2.1:500",
            "192.0.2.2:500",
            DatagramContent::Ike(&IKE_HEADER),
        ),
        (
            "[2001:db8::1]:4500",
            "[2001:db8::2]:4500",
            DatagramContent::Ike(&IKE_HEADER),
        ),
        (
            "192.0.2.1:4500",
            "192.0.2.2:4500",
            DatagramContent::EspInUdp(&ESP),
        ),
        (
            "192.0.2.1:4500",
            "192.0.2.2:4500",
            DatagramContent::NatKeepalive,
        ),
        (
            "[2001:db8::1]:0",
            "[2001:db8::2]:0",
            DatagramContent::Esp(&ESP),
        ),
        (
            "192.0.2.1:53",
            "192.0.2.2:53",
            DatagramContent::Udp(b"dns?"),
        ),
    ];
    for (src, dst, content) in contents {
        writer
            .write_datagram(Duration::ZERO, addr(src), addr(dst), content)
            .unwrap();
    }
    let file = writer.into_inner().unwrap();
    let mut names = Vec::new();
    for record in CaptureReader::new(&file).unwrap() {
        let datagram = record.unwrap().datagram().unwrap();
        let dissection = dissect_datagram(&datagram, None, None);
        assert_eq!(dissection.length, datagram.ip_packet.len());
        check_leaf_coverage(&dissection.fields, 0..dissection.length)
            .unwrap_or_else(|e| panic!("{:?}: {e}", datagram.kind));
        names.push(
            dissection
                .fields
                .iter()
                .map(|f| f.name().to_string())
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(names[0][..3], ["IPv4 Header", "UDP Header", "IKE Header"]);
    assert_eq!(
        names[1][..4],
        ["IPv6 Header", "UDP Header", "Non-ESP Marker", "IKE Header"]
    );
    assert_eq!(names[2][2], "Security Parameters Index");
    assert_eq!(names[3][2], "NAT-Keepalive");
    assert_eq!(names[4][1], "Security Parameters Index");
    assert_eq!(names[5][2], "UDP Data");
}
