//! Transport mode behind a NAT (RFC 3948 §3.1.2): the sender's TCP and UDP
//! checksums cover its own addresses; the receiver rebuilds the IP header with the
//! outer (translated) addresses and must leave a checksum that is right for them.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{A6, B4, B6, SUITES, any_ts, pair};
use crate::child::{
    InboundContext, SEAL_OVERHEAD_MAX, VolumeLimits, open_ip_packet, seal_ip_packet,
};
use crate::config::Mode;
use crate::crypto::providers;
use crate::crypto::test_rng::seeded;
use crate::wire::ip::{IpProtocol, OnesComplementSum, PseudoHeader, emit_ip_packet};

const HEADROOM: usize = 40;
/// The initiator's own address, behind the NAT.
const PRIVATE: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
/// What the NAT turns it into: the outer source the receiver sees.
const PUBLIC: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 7);

fn pseudo(src: IpAddr, dst: IpAddr) -> PseudoHeader {
    match (src, dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => PseudoHeader::V4 { src, dst },
        (IpAddr::V6(src), IpAddr::V6(dst)) => PseudoHeader::V6 { src, dst },
        _ => unreachable!("one family per test"),
    }
}

/// Whether `segment`'s checksum (the field included) verifies for `src` → `dst`.
fn verifies(segment: &[u8], src: IpAddr, dst: IpAddr, protocol: IpProtocol) -> bool {
    let mut sum = OnesComplementSum::new();
    pseudo(src, dst).add_for(&mut sum, protocol, segment.len() as u32);
    sum.add(segment);
    sum.folded() == 0xffff
}

/// A TCP (20-octet header, checksum at 16) or UDP (8 octets, checksum at 6)
/// segment with a correct checksum for `src` → `dst`, or a zero UDP checksum.
fn segment(protocol: IpProtocol, src: IpAddr, dst: IpAddr, with_checksum: bool) -> Vec<u8> {
    let (mut bytes, at) = if protocol == IpProtocol::TCP {
        let mut h = vec![
            0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff,
        ];
        h.extend([0, 0, 0, 0]);
        (h, 16)
    } else {
        (vec![0x30, 0x39, 0x00, 0x35, 0, 0, 0, 0], 6)
    };
    bytes.extend(b"hello through a NAT, transport mode".iter());
    if protocol == IpProtocol::UDP {
        let len = bytes.len() as u16;
        bytes[4..6].copy_from_slice(&len.to_be_bytes());
    }
    if with_checksum {
        let mut sum = OnesComplementSum::new();
        pseudo(src, dst).add_for(&mut sum, protocol, bytes.len() as u32);
        sum.add(&bytes);
        bytes[at..at + 2].copy_from_slice(&sum.checksum().to_be_bytes());
    }
    bytes
}

/// Seals `inner` (sent from `private`) in transport mode and opens it as arriving
/// from `outer_src`; returns the rebuilt packet.
fn through_nat(inner: &[u8], outer_src: IpAddr, outer_dst: IpAddr) -> Vec<u8> {
    let (mut a, mut b) = pair(
        providers()[0],
        SUITES[0],
        false,
        32,
        VolumeLimits::default(),
    );
    let mut out = vec![0u8; inner.len() + SEAL_OVERHEAD_MAX];
    let sealed =
        seal_ip_packet(&mut a, Mode::Transport, &mut seeded(3), inner, &mut out).expect("seal");
    let mut buf = vec![0u8; HEADROOM];
    buf.extend_from_slice(&out[..sealed.len]);
    let any = any_ts();
    let context = InboundContext {
        mode: Mode::Transport,
        local_ts: &any,
        remote_ts: &any,
        outer_src,
        outer_dst,
    };
    let opened = open_ip_packet(&mut b, &context, &mut buf, HEADROOM).expect("open");
    buf[opened.packet].to_vec()
}

#[test]
fn tcp_and_udp_checksums_are_right_for_the_translated_source() {
    for protocol in [IpProtocol::TCP, IpProtocol::UDP] {
        let (private, public, dst) = (IpAddr::V4(PRIVATE), IpAddr::V4(PUBLIC), IpAddr::V4(B4));
        let seg = segment(protocol, private, dst, true);
        let mut inner = Vec::new();
        emit_ip_packet(private, dst, protocol, 64, &seg, &mut inner).unwrap();
        // As sent, the checksum is right for the private address only.
        assert!(verifies(&seg, private, dst, protocol));
        assert!(!verifies(&seg, public, dst, protocol));
        let rebuilt = through_nat(&inner, public, dst);
        assert_eq!(&rebuilt[12..16], &PUBLIC.octets(), "{protocol:?}");
        let upper = &rebuilt[20..];
        assert!(verifies(upper, public, dst, protocol), "{protocol:?}");
        // Everything but the checksum field is what was sent.
        let at = if protocol == IpProtocol::TCP { 16 } else { 6 };
        assert_eq!(upper[..at], seg[..at]);
        assert_eq!(upper[at + 2..], seg[at + 2..]);
    }
}

#[test]
fn without_a_nat_the_segment_is_unchanged() {
    let (src, dst) = (IpAddr::V4(PUBLIC), IpAddr::V4(B4));
    let seg = segment(IpProtocol::TCP, src, dst, true);
    let mut inner = Vec::new();
    emit_ip_packet(src, dst, IpProtocol::TCP, 64, &seg, &mut inner).unwrap();
    let rebuilt = through_nat(&inner, src, dst);
    assert_eq!(&rebuilt[20..], &seg[..]);
}

#[test]
fn udp_over_ipv4_without_a_checksum_keeps_none() {
    let (private, public, dst) = (IpAddr::V4(PRIVATE), IpAddr::V4(PUBLIC), IpAddr::V4(B4));
    let seg = segment(IpProtocol::UDP, private, dst, false);
    let mut inner = Vec::new();
    emit_ip_packet(private, dst, IpProtocol::UDP, 64, &seg, &mut inner).unwrap();
    let rebuilt = through_nat(&inner, public, dst);
    assert_eq!(&rebuilt[20 + 6..20 + 8], &[0, 0]);
}

#[test]
fn ipv6_udp_checksum_is_right_for_the_outer_addresses() {
    let private = IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0x99));
    let (public, dst) = (IpAddr::V6(A6), IpAddr::V6(B6));
    let seg = segment(IpProtocol::UDP, private, dst, true);
    assert!(!verifies(&seg, public, dst, IpProtocol::UDP));
    let mut inner = Vec::new();
    emit_ip_packet(private, dst, IpProtocol::UDP, 64, &seg, &mut inner).unwrap();
    let rebuilt = through_nat(&inner, public, dst);
    assert!(verifies(&rebuilt[40..], public, dst, IpProtocol::UDP));
}
