//! Transport mode's IP header (RFC 4303 §3.1.1): ESP goes between the IP header and
//! the upper-layer protocol. The data plane exchanges ESP bytes with its driver
//! (whose raw or UDP socket adds the outer header, whose Protocol is then 50 or
//! 17), so sealing drops the original header and opening writes a fresh one in
//! front of the decrypted upper-layer data, in the headroom of the caller's buffer.
//! The rebuilt header carries the outer addresses, Protocol = Next Header, TTL /
//! Hop Limit 64, no options or extension headers.

use std::net::IpAddr;

use crate::wire::ip::{Ipv4Header, Ipv6Header, OnesComplementSum};

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
