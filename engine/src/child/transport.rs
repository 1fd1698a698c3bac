//! Transport mode's IP header (RFC 4303 §3.1.1): ESP goes between the IP header and
//! the upper-layer protocol. The data plane exchanges ESP bytes with its driver
//! (whose raw or UDP socket adds the outer header, whose Protocol is then 50 or
//! 17), so sealing drops the original header and opening writes a fresh one in
//! front of the decrypted upper-layer data, in the headroom of the caller's buffer.
//! The rebuilt header carries the outer addresses, Protocol = Next Header, TTL /
//! Hop Limit 64, no options or extension headers.
//!
//! TCP and UDP checksums cover a pseudo-header with the sender's addresses. Behind
//! a NAT (RFC 3948 §3.1.2, transport mode decapsulation) those are not the outer
//! addresses the rebuilt header carries, so [`fix_upper_checksum`] recomputes the
//! checksum over the segment, which ESP has just authenticated, with the rebuilt
//! header's addresses; without a NAT it comes out unchanged.

use std::net::IpAddr;

use crate::wire::ip::{IpProtocol, Ipv4Header, Ipv6Header, OnesComplementSum, PseudoHeader};

use super::error::EspError;

/// Length of the header [`write_header`] writes for `src`'s family.
pub(crate) fn header_len(src: IpAddr) -> usize {
    match src {
        IpAddr::V4(_) => Ipv4Header::MIN_LEN,
        IpAddr::V6(_) => Ipv6Header::LEN,
    }
}

/// Writes an IP header for a `payload_len`-octet upper-layer payload into `out`
/// (exactly [`header_len`] octets).
pub(crate) fn write_header(
    out: &mut [u8],
    src: IpAddr,
    dst: IpAddr,
    protocol: u8,
    payload_len: usize,
) -> Result<(), EspError> {
    match (src, dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => {
            let available = out.len();
            let out: &mut [u8; 20] = out.try_into().map_err(|_| EspError::BufferTooSmall {
                needed: Ipv4Header::MIN_LEN,
                available,
            })?;
            let total = u16::try_from(payload_len + Ipv4Header::MIN_LEN)
                .map_err(|_| EspError::BadInnerPacket)?;
            // RFC 791 §3.1: Version 4, IHL 5, no options, not fragmented, TTL 64.
            out[..12].copy_from_slice(&[0x45, 0, 0, 0, 0, 0, 0, 0, 64, protocol, 0, 0]);
            out[2..4].copy_from_slice(&total.to_be_bytes());
            out[12..16].copy_from_slice(&src.octets());
            out[16..20].copy_from_slice(&dst.octets());
            let mut sum = OnesComplementSum::new();
            sum.add(&out[..]);
            out[10..12].copy_from_slice(&sum.checksum().to_be_bytes());
            Ok(())
        }
        (IpAddr::V6(src), IpAddr::V6(dst)) => {
            let available = out.len();
            let out: &mut [u8; 40] = out.try_into().map_err(|_| EspError::BufferTooSmall {
                needed: Ipv6Header::LEN,
                available,
            })?;
            let length = u16::try_from(payload_len).map_err(|_| EspError::BadInnerPacket)?;
            // RFC 8200 §3: Version 6, Traffic Class and Flow Label 0, Hop Limit 64.
            out[..4].copy_from_slice(&[0x60, 0, 0, 0]);
            out[4..6].copy_from_slice(&length.to_be_bytes());
            out[6] = protocol;
            out[7] = 64;
            out[8..24].copy_from_slice(&src.octets());
            out[24..40].copy_from_slice(&dst.octets());
            Ok(())
        }
        _ => Err(EspError::BadInnerPacket),
    }
}

/// TCP's checksum field (RFC 9293 §3.1) and UDP's (RFC 768), from the start of the
/// segment.
const TCP_CHECKSUM_AT: usize = 16;
const UDP_CHECKSUM_AT: usize = 6;

/// Recomputes the TCP or UDP checksum of `segment` (the upper-layer packet after
/// the rebuilt header) for a header from `src` to `dst`. Other protocols, segments
/// too short to hold the field, and UDP over IPv4 sent without a checksum (zero,
/// RFC 768) are left as they are.
pub(crate) fn fix_upper_checksum(segment: &mut [u8], src: IpAddr, dst: IpAddr, protocol: u8) {
    let at = match IpProtocol(protocol) {
        IpProtocol::TCP => TCP_CHECKSUM_AT,
        IpProtocol::UDP => UDP_CHECKSUM_AT,
        _ => return,
    };
    let pseudo = match (src, dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => PseudoHeader::V4 { src, dst },
        (IpAddr::V6(src), IpAddr::V6(dst)) => PseudoHeader::V6 { src, dst },
        _ => return,
    };
    let Ok(length) = u32::try_from(segment.len()) else {
        return;
    };
    let Some(field) = segment.get_mut(at..at + 2) else {
        return;
    };
    let udp_without_checksum = at == UDP_CHECKSUM_AT && src.is_ipv4() && field == [0, 0];
    if udp_without_checksum {
        return;
    }
    field.copy_from_slice(&[0, 0]);
    let mut sum = OnesComplementSum::new();
    pseudo.add_for(&mut sum, IpProtocol(protocol), length);
    sum.add(segment);
    let mut checksum = sum.checksum();
    // RFC 768: a computed UDP checksum of zero is sent as all ones.
    if at == UDP_CHECKSUM_AT && checksum == 0 {
        checksum = 0xffff;
    }
    segment[at..at + 2].copy_from_slice(&checksum.to_be_bytes());
}
