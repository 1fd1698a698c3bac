//! Hand-made classic pcap files: each link type, both byte orders, µs and ns, and
//! damaged files.

use core::time::Duration;
use std::net::IpAddr;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::cat;
use super::packets::*;
use crate::capture::{
    CaptureError, CaptureFormat, CaptureReader, DatagramKind, LinkType, NotADatagram, Record,
};

/// Little-endian, microsecond pcap file header (magic a1b2c3d4 written LE), version
/// 2.4, snaplen 65535, then the link type.
fn le_micro_header(link: u16) -> Vec<u8> {
    cat(&[
        &[0xd4, 0xc3, 0xb2, 0xa1], // magic, little-endian µs
        &[0x02, 0x00, 0x04, 0x00], // version 2.4
        &[0; 8],                   // reserved (thiszone, sigfigs)
        &[0xff, 0xff, 0x00, 0x00], // snaplen 65535
        &link.to_le_bytes(),       // link type ...
        &[0x00, 0x00],             // ... and no FCS information
    ])
}

/// A little-endian record header: seconds, microseconds, captured = original length.
fn le_record(seconds: u32, micros: u32, len: u32) -> Vec<u8> {
    cat(&[
        &seconds.to_le_bytes(),
        &micros.to_le_bytes(),
        &len.to_le_bytes(),
        &len.to_le_bytes(),
    ])
}

fn records(file: &[u8]) -> Vec<Record<'_>> {
    CaptureReader::new(file)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

fn v4(last: u8) -> IpAddr {
    IpAddr::from([192, 0, 2, last])
}

#[test]
fn ethernet_with_a_vlan_tag_arp_and_padding() {
    let ethernet_vlan = [
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, // destination MAC
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // source MAC
        0x81, 0x00, 0x00, 0x64, // 802.1Q tag, VLAN 100
        0x08, 0x00, // IPv4
    ];
    let ethernet_arp = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,
        // ARP request body (28 octets), never looked at
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0xc0,
        0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x02,
    ];
    let ethernet = [
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
    ];
    // 14 + 32 octets is below Ethernet's 60-octet minimum: the NIC pads 14 zeros.
    let padding = [0u8; 14];
    let file = cat(&[
        &le_micro_header(1),
        &le_record(1_700_000_000, 123_456, 74),
        &ethernet_vlan,
        &V4_UDP500_IKE,
        &le_record(1_700_000_000, 200_000, 42),
        &ethernet_arp,
        &le_record(1_700_000_001, 0, 60),
        &ethernet,
        &V4_ESP,
        &padding,
    ]);
    let reader = CaptureReader::new(&file).unwrap();
    assert_eq!(
        reader.format(),
        CaptureFormat::Pcap {
            link_type: LinkType::ETHERNET,
            nanosecond: false,
            big_endian: false
        }
    );
    let records = records(&file);
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].frame, 1);
    assert_eq!(records[0].time, Duration::new(1_700_000_000, 123_456_000));
    let ike = records[0].datagram().unwrap();
    assert_eq!(ike.kind, DatagramKind::Ike500);
    assert_eq!((ike.src, ike.dst), (v4(1), v4(2)));
    assert_eq!((ike.src_port, ike.dst_port), (Some(500), Some(500)));
    assert_eq!(ike.payload, IKE_HEADER);
    assert_eq!(ike.ip_packet, V4_UDP500_IKE);
    assert_eq!(&ike.ip_packet[ike.payload_offset..], IKE_HEADER);
    assert_eq!(
        records[1].datagram(),
        Err(NotADatagram::NotIp { ethertype: 0x0806 })
    );
    let esp = records[2].datagram().unwrap();
    assert_eq!(esp.frame, 3);
    assert_eq!(esp.kind, DatagramKind::Esp);
    assert_eq!(esp.src_port, None);
    // The Ethernet padding is not part of the ESP packet.
    assert_eq!(esp.payload, ESP);
}

#[test]
fn big_endian_nanosecond_linux_sll() {
    let file = cat(&[
        &[0xa1, 0xb2, 0x3c, 0x4d], // magic, big-endian ns
        &[0x00, 0x02, 0x00, 0x04], // version 2.4
        &[0; 8],
        &[0x00, 0x04, 0x00, 0x00], // snaplen 262144
        &[0x00, 0x00, 0x00, 0x71], // LINKTYPE_LINUX_SLL (113)
        &[0x65, 0x53, 0xf1, 0x01], // 1700000001 s
        &[0x3b, 0x9a, 0xc9, 0xff], // 999999999 ns
        &[0x00, 0x00, 0x00, 0x4c], // captured 76
        &[0x00, 0x00, 0x00, 0x4c], // original 76
        &[
            0x00, 0x00, // packet type: to us
            0x00, 0x01, // ARPHRD_ETHER
            0x00, 0x06, // address length
            0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, // address, padded to 8
            0x08, 0x00, // protocol: IPv4
        ],
        &V4_UDP4500_IKE,
    ]);
    assert_eq!(
        CaptureReader::new(&file).unwrap().format(),
        CaptureFormat::Pcap {
            link_type: LinkType::LINUX_SLL,
            nanosecond: true,
            big_endian: true
        }
    );
    let records = records(&file);
    assert_eq!(records[0].time, Duration::new(1_700_000_001, 999_999_999));
    let datagram = records[0].datagram().unwrap();
    assert_eq!(datagram.kind, DatagramKind::Ike4500);
    // The Non-ESP Marker is not part of the IKE message.
    assert_eq!(datagram.payload, IKE_HEADER);
    assert_eq!(datagram.payload_offset, 20 + 8 + 4);
}

#[test]
fn linux_sll2_keepalive_over_ipv6() {
    let file = cat(&[
        &le_micro_header(276), // LINKTYPE_LINUX_SLL2
        &le_record(1_700_000_002, 5, 69),
        &[
            0x86, 0xdd, // protocol: IPv6
            0x00, 0x00, // reserved
            0x00, 0x00, 0x00, 0x02, // interface index 2
            0x00, 0x01, // ARPHRD_ETHER
            0x04, // packet type: outgoing
            0x06, // address length
            0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, // address, padded to 8
        ],
        &V6_KEEPALIVE,
    ]);
    let datagram = records(&file)[0].datagram().unwrap();
    assert_eq!(datagram.kind, DatagramKind::NatKeepalive);
    assert_eq!(datagram.src, "2001:db8::1".parse::<IpAddr>().unwrap());
    assert_eq!(datagram.payload, [0xff]);
}

#[test]
fn raw_ip_and_the_ipv4_ipv6_link_types() {
    let raw = cat(&[
        &le_micro_header(101),
        &le_record(1, 0, 32),
        &V4_ESP,
        &le_record(2, 0, 76),
        &V6_UDP500_IKE,
    ]);
    let kinds: Vec<_> = records(&raw)
        .iter()
        .map(|r| r.datagram().unwrap().kind)
        .collect();
    assert_eq!(kinds, [DatagramKind::Esp, DatagramKind::Ike500]);

    let ipv4 = cat(&[&le_micro_header(228), &le_record(1, 0, 40), &V4_ESP_IN_UDP]);
    let datagram = records(&ipv4)[0].datagram().unwrap();
    assert_eq!(datagram.kind, DatagramKind::EspInUdp);
    assert_eq!(datagram.payload, ESP);

    // An IPv6 packet in a file that announces IPv4 only.
    let wrong = cat(&[&le_micro_header(228), &le_record(1, 0, 76), &V6_UDP500_IKE]);
    assert_eq!(
        records(&wrong)[0].datagram(),
        Err(NotADatagram::VersionMismatch)
    );

    let ipv6 = cat(&[&le_micro_header(229), &le_record(1, 0, 76), &V6_UDP500_IKE]);
    assert_eq!(
        records(&ipv6)[0].datagram().unwrap().kind,
        DatagramKind::Ike500
    );
}

#[test]
fn bsd_loopback() {
    let file = cat(&[
        &le_micro_header(0),
        &le_record(1, 0, 64),
        &[0x02, 0x00, 0x00, 0x00], // AF_INET in the capturing host's (LE) order
        &V4_UDP4500_IKE,
    ]);
    assert_eq!(
        records(&file)[0].datagram().unwrap().kind,
        DatagramKind::Ike4500
    );
}

#[test]
fn snapshot_length_cuts_are_reported_per_frame() {
    // Captured 40 of 56 octets: the IP header says 56.
    let file = cat(&[
        &le_micro_header(101),
        &1u32.to_le_bytes(),
        &0u32.to_le_bytes(),
        &40u32.to_le_bytes(),
        &56u32.to_le_bytes(),
        &V4_UDP500_IKE[..40],
    ]);
    let records = records(&file);
    assert_eq!(records[0].original_len, 56);
    assert!(matches!(
        records[0].datagram(),
        Err(NotADatagram::Ip(crate::wire::ip::IpError::Truncated { .. }))
    ));
}

#[test]
fn unknown_link_types_are_reported_per_frame() {
    let file = cat(&[&le_micro_header(147), &le_record(1, 0, 32), &V4_ESP]);
    assert_eq!(
        records(&file)[0].datagram(),
        Err(NotADatagram::UnsupportedLinkType(LinkType(147)))
    );
}

#[test]
fn damaged_files_are_typed_errors() {
    assert_eq!(CaptureReader::new(&[]).unwrap_err(), CaptureError::Empty);
    assert_eq!(
        CaptureReader::new(b"hello, world").unwrap_err(),
        CaptureError::NotACapture {
            first_octets: b"hell".to_vec()
        }
    );
    let header = le_micro_header(101);
    assert!(matches!(
        CaptureReader::new(&header[..20]).unwrap_err(),
        CaptureError::Truncated { needed: 24, .. }
    ));
    let mut version_3 = header.clone();
    version_3[4] = 3;
    assert_eq!(
        CaptureReader::new(&version_3).unwrap_err(),
        CaptureError::UnsupportedVersion { major: 3, minor: 4 }
    );
    // A record header cut short, then a record whose data is cut short: the first
    // record still comes out, then the error, then nothing.
    for cut in [24 + 16 + 32 + 10, 24 + 16 + 32 + 16 + 30] {
        let file = cat(&[
            &header,
            &le_record(1, 0, 32),
            &V4_ESP,
            &le_record(2, 0, 32),
            &V4_ESP,
        ]);
        let mut reader = CaptureReader::new(&file[..cut]).unwrap();
        assert!(reader.next().unwrap().is_ok());
        assert!(matches!(
            reader.next(),
            Some(Err(CaptureError::Truncated { offset: 72, .. }))
        ));
        assert!(reader.next().is_none());
    }
    // A header alone is a valid, empty capture.
    assert_eq!(records(&header).len(), 0);
}

#[test]
fn a_huge_captured_length_is_an_error_not_an_allocation() {
    let file = cat(&[
        &le_micro_header(101),
        &1u32.to_le_bytes(),
        &0u32.to_le_bytes(),
        &u32::MAX.to_le_bytes(),
        &u32::MAX.to_le_bytes(),
        &V4_ESP,
    ]);
    let mut reader = CaptureReader::new(&file).unwrap();
    assert!(matches!(
        reader.next(),
        Some(Err(CaptureError::Truncated { .. }))
    ));
}
