//! Hand-made pcapng files: interfaces of different link types and timestamp
//! resolutions, both byte orders, several sections, skipped blocks, damaged blocks.

use core::time::Duration;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::cat;
use super::packets::*;
use crate::capture::{CaptureError, CaptureFormat, CaptureReader, DatagramKind, LinkType};

/// Section Header Block, little-endian, version 1.0, section length unknown (-1).
const SHB_LE: [u8; 28] = [
    0x0a, 0x0d, 0x0d, 0x0a, // block type
    0x1c, 0x00, 0x00, 0x00, // block total length 28
    0x4d, 0x3c, 0x2b, 0x1a, // byte-order magic 0x1A2B3C4D, little-endian
    0x01, 0x00, 0x00, 0x00, // version 1.0
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // section length: unknown
    0x1c, 0x00, 0x00, 0x00, // block total length again
];

/// The same, big-endian.
const SHB_BE: [u8; 28] = [
    0x0a, 0x0d, 0x0d, 0x0a, 0x00, 0x00, 0x00, 0x1c, // type, length 28
    0x1a, 0x2b, 0x3c, 0x4d, // byte-order magic, big-endian
    0x00, 0x01, 0x00, 0x00, // version 1.0
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x1c,
];

/// Interface Description Block, LE: Ethernet, snaplen 262144, if_tsresol = 9 (ns).
const IDB_ETHERNET_NS_LE: [u8; 32] = [
    0x01, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, // type 1, length 32
    0x01, 0x00, 0x00, 0x00, // LINKTYPE_ETHERNET, reserved
    0x00, 0x00, 0x04, 0x00, // snaplen 262144
    0x09, 0x00, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00, // if_tsresol (9), length 1: 10^-9, padded
    0x00, 0x00, 0x00, 0x00, // opt_endofopt
    0x20, 0x00, 0x00, 0x00,
];

/// Interface Description Block, LE: raw IP, snaplen 0 (no limit), no options (µs).
const IDB_RAW_LE: [u8; 20] = [
    0x01, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, // type 1, length 20
    0x65, 0x00, 0x00, 0x00, // LINKTYPE_RAW (101), reserved
    0x00, 0x00, 0x00, 0x00, // snaplen 0
    0x14, 0x00, 0x00, 0x00,
];

/// Name Resolution Block with only its end record: skipped by the reader.
const NRB_LE: [u8; 16] = [
    0x04, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
];

const ETHERNET_IPV4: [u8; 14] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
];

/// Enhanced Packet Block (LE) around `data`, padded to 32 bits.
fn epb_le(interface: u32, ticks: u64, data: &[u8]) -> Vec<u8> {
    let padded = data.len().div_ceil(4) * 4;
    let total = u32::try_from(12 + 20 + padded).unwrap();
    let len = u32::try_from(data.len()).unwrap();
    cat(&[
        &[0x06, 0x00, 0x00, 0x00], // block type 6
        &total.to_le_bytes(),
        &interface.to_le_bytes(),
        &u32::try_from(ticks >> 32).unwrap().to_le_bytes(), // timestamp, high 32 bits
        &u32::try_from(ticks & 0xffff_ffff).unwrap().to_le_bytes(), // low 32 bits
        &len.to_le_bytes(),                                 // captured length
        &len.to_le_bytes(),                                 // original length
        data,
        &vec![0; padded - data.len()],
        &total.to_le_bytes(),
    ])
}

#[test]
fn little_endian_two_interfaces_and_a_simple_packet() {
    let ethernet_ike = cat(&[&ETHERNET_IPV4, &V4_UDP500_IKE]);
    let ethernet_esp = cat(&[&ETHERNET_IPV4, &V4_ESP]);
    let spb = cat(&[
        &[0x03, 0x00, 0x00, 0x00], // Simple Packet Block
        &[0x40, 0x00, 0x00, 0x00], // length 64
        &[0x2e, 0x00, 0x00, 0x00], // original length 46
        &ethernet_esp,
        &[0x00, 0x00], // padding to 32 bits
        &[0x40, 0x00, 0x00, 0x00],
    ]);
    let file = cat(&[
        &SHB_LE,
        &IDB_ETHERNET_NS_LE,
        &IDB_RAW_LE,
        // 1700000000.123456789 s in ns: 0x17979cfe_3d85cd15.
        &epb_le(0, 0x1797_9cfe_3d85_cd15, &ethernet_ike),
        &NRB_LE,
        // 1700000001.000002 s in µs: 0x00060a24_182d8242.
        &epb_le(1, 0x0006_0a24_182d_8242, &V4_ESP),
        &spb,
    ]);
    let reader = CaptureReader::new(&file).unwrap();
    assert_eq!(reader.format(), CaptureFormat::PcapNg);
    let records: Vec<_> = reader.collect::<Result<_, _>>().unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].link_type, LinkType::ETHERNET);
    assert_eq!(records[0].time, Duration::new(1_700_000_000, 123_456_789));
    assert_eq!(records[0].datagram().unwrap().kind, DatagramKind::Ike500);
    assert_eq!(records[1].frame, 2);
    assert_eq!(records[1].link_type, LinkType::RAW);
    assert_eq!(records[1].time, Duration::new(1_700_000_001, 2_000));
    assert_eq!(records[1].datagram().unwrap().kind, DatagramKind::Esp);
    // The Simple Packet Block has no timestamp and uses interface 0.
    assert_eq!(records[2].time, Duration::ZERO);
    assert_eq!(records[2].link_type, LinkType::ETHERNET);
    assert_eq!(records[2].data.len(), 46);
    assert_eq!(records[2].datagram().unwrap().payload, ESP);
}

#[test]
fn big_endian_binary_resolution_offset_then_a_little_endian_section() {
    let idb_ipv6_be = [
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x2c, // type 1, length 44
        0x00, 0xe5, 0x00, 0x00, // LINKTYPE_IPV6 (229), reserved
        0x00, 0x00, 0xff, 0xff, // snaplen 65535
        0x00, 0x09, 0x00, 0x01, 0x8a, 0x00, 0x00, 0x00, // if_tsresol: 0x8a = 2^-10 s
        0x00, 0x0e, 0x00, 0x08, // if_tsoffset, 8 octets:
        0x00, 0x00, 0x00, 0x00, 0x65, 0x53, 0xf1, 0x00, // 1700000000 s
        0x00, 0x00, 0x00, 0x00, // opt_endofopt
        0x00, 0x00, 0x00, 0x2c,
    ];
    let epb_be = cat(&[
        &[0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x6c], // type 6, length 108
        &[0x00, 0x00, 0x00, 0x00],                         // interface 0
        &[0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x00], // 5632 ticks of 2^-10 s = 5.5 s
        &[0x00, 0x00, 0x00, 0x4c, 0x00, 0x00, 0x00, 0x4c], // captured and original 76
        &V6_UDP500_IKE,
        &[0x00, 0x00, 0x00, 0x6c],
    ]);
    let idb_sll_le = [
        0x01, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x71, 0x00, 0x00, 0x00, // SLL (113)
        0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,
    ];
    let sll_ipv4 = [
        0x00, 0x04, 0x00, 0x01, 0x00, 0x06, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x08,
        0x00,
    ];
    let file = cat(&[
        &SHB_BE,
        &idb_ipv6_be,
        &epb_be,
        &SHB_LE,
        &idb_sll_le,
        &epb_le(0, 10, &cat(&[&sll_ipv4, &V4_ESP_IN_UDP])),
    ]);
    let records: Vec<_> = CaptureReader::new(&file)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].time, Duration::new(1_700_000_005, 500_000_000));
    assert_eq!(records[0].link_type, LinkType::IPV6);
    assert_eq!(records[0].datagram().unwrap().kind, DatagramKind::Ike500);
    // The second section's interface 0 is SLL, not the first section's IPv6.
    assert_eq!(records[1].link_type, LinkType::LINUX_SLL);
    assert_eq!(records[1].time, Duration::from_micros(10));
    assert_eq!(records[1].datagram().unwrap().kind, DatagramKind::EspInUdp);
}

#[test]
fn damaged_pcapng_files_are_typed_errors() {
    // A packet naming an interface never declared.
    let file = cat(&[&SHB_LE, &IDB_RAW_LE, &epb_le(1, 0, &V4_ESP)]);
    let mut reader = CaptureReader::new(&file).unwrap();
    assert_eq!(
        reader.next(),
        Some(Err(CaptureError::UnknownInterface {
            offset: 48,
            interface_id: 1
        }))
    );
    assert_eq!(reader.next(), None);

    // Bad byte-order magic.
    let mut bad_magic = SHB_LE;
    bad_magic[8] = 0x00;
    assert!(matches!(
        CaptureReader::new(&bad_magic).unwrap_err(),
        CaptureError::BadByteOrderMagic { offset: 0, .. }
    ));

    // Version 2 sections are not pcapng 1.x.
    let mut version_2 = SHB_LE;
    version_2[12] = 2;
    assert!(matches!(
        CaptureReader::new(&version_2).unwrap_err(),
        CaptureError::UnsupportedSectionVersion { major: 2, .. }
    ));

    // Trailing length differs from the leading one.
    let mut mismatch = cat(&[&SHB_LE, &IDB_RAW_LE]);
    mismatch[28 + 16] = 0x18;
    let mut reader = CaptureReader::new(&mismatch).unwrap();
    assert!(matches!(
        reader.next(),
        Some(Err(CaptureError::BlockLengthMismatch {
            offset: 28,
            leading: 20,
            trailing: 24
        }))
    ));

    // A block length that is not a multiple of 4, and one below 12.
    for length in [21u8, 8] {
        let mut bad = cat(&[&SHB_LE, &IDB_RAW_LE]);
        bad[28 + 4] = length;
        let mut reader = CaptureReader::new(&bad).unwrap();
        assert!(matches!(
            reader.next(),
            Some(Err(CaptureError::BadBlockLength { offset: 28, .. }))
        ));
    }

    // A captured length larger than the block.
    let mut overrun = cat(&[&SHB_LE, &IDB_RAW_LE, &epb_le(0, 0, &V4_ESP)]);
    overrun[48 + 20] = 0x40;
    let mut reader = CaptureReader::new(&overrun).unwrap();
    assert!(matches!(
        reader.next(),
        Some(Err(CaptureError::RecordOverrun {
            captured: 64,
            room: 32,
            ..
        }))
    ));

    // A file cut inside a block.
    let whole = cat(&[&SHB_LE, &IDB_RAW_LE, &epb_le(0, 0, &V4_ESP)]);
    for cut in [29, 40, 50, whole.len() - 1] {
        let mut reader = CaptureReader::new(&whole[..cut]).unwrap();
        assert!(
            matches!(reader.next(), Some(Err(CaptureError::Truncated { .. }))),
            "cut at {cut}"
        );
    }
    // Cut inside the first Section Header Block: fails at open.
    assert!(matches!(
        CaptureReader::new(&SHB_LE[..20]).unwrap_err(),
        CaptureError::Truncated { offset: 0, .. }
    ));
}
