//! The UDP header (RFC 768) and its checksum over the IPv4 (RFC 768) or IPv6
//! (RFC 8200 §8.1) pseudo-header.
//!
//! ```text
//!  0      7 8     15 16    23 24    31
//! +--------+--------+--------+--------+
//! |     Source      |   Destination   |
//! |      Port       |      Port       |
//! +--------+--------+--------+--------+
//! |                 |                 |
//! |     Length      |    Checksum     |
//! +--------+--------+--------+--------+
//! ```

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{IpError, IpProtocol, OnesComplementSum};

/// Byte ranges of the header's fields (RFC 768).
pub(super) mod field {
    use core::ops::Range;
    pub(crate) const SRC_PORT: Range<usize> = 0..2;
    pub(crate) const DST_PORT: Range<usize> = 2..4;
    pub(crate) const LENGTH: Range<usize> = 4..6;
    pub(crate) const CHECKSUM: Range<usize> = 6..8;
}

/// The addresses the UDP checksum covers besides the datagram itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PseudoHeader {
    V4 { src: Ipv4Addr, dst: Ipv4Addr },
    V6 { src: Ipv6Addr, dst: Ipv6Addr },
}

impl PseudoHeader {
    /// Adds the pseudo-header for a UDP datagram of `udp_length` octets.
    fn add_to(&self, sum: &mut OnesComplementSum, udp_length: u32) {
        self.add_for(sum, IpProtocol::UDP, udp_length);
    }

    /// Adds the pseudo-header for an upper-layer packet of `protocol` (UDP, TCP:
    /// RFC 9293 §3.1 uses the same one) of `length` octets.
    pub(crate) fn add_for(&self, sum: &mut OnesComplementSum, protocol: IpProtocol, length: u32) {
        match self {
            // RFC 768: source, destination, zero, protocol, UDP length.
            Self::V4 { src, dst } => {
                sum.add(&src.octets())
                    .add(&dst.octets())
                    .add(&[0, protocol.0])
                    .add_u16(length as u16);
            }
            // RFC 8200 §8.1: source, destination, 32-bit length, 3 zero octets, next header.
            Self::V6 { src, dst } => {
                sum.add(&src.octets())
                    .add(&dst.octets())
                    .add(&length.to_be_bytes())
                    .add(&[0, 0, 0, protocol.0]);
            }
        }
    }
}

/// How `emit` fills the checksum field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UdpChecksumMode {
    /// Compute it (always over IPv6, where it is mandatory: RFC 8200 §8.1).
    Compute,
    /// Send zero, "no checksum": allowed over IPv4 only (RFC 768), and what RFC 3948
    /// §2.1 recommends for ESP in UDP over IPv4. Over IPv6 it is computed anyway.
    ZeroOverIpv4,
}

/// What a received checksum field says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UdpChecksum {
    /// Zero over IPv4: the sender computed none (RFC 768).
    Absent,
    Correct,
    /// Does not match. On a capture of outgoing packets this usually means the
    /// network card computes checksums after the capture point ("offload").
    Incorrect {
        expected: u16,
    },
}

/// A UDP header as it was on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpHeader {
    pub src_port: u16,
    pub dst_port: u16,
    /// Header plus data, in octets.
    pub length: u16,
    pub checksum: u16,
}

impl UdpHeader {
    pub const LEN: usize = 8;

    /// Parses the header at the start of `datagram` (the IP payload) and returns it
    /// with the data, cut to Length. The checksum is not judged here: see
    /// `checksum_status` (captures often show offloaded checksums).
    pub fn parse(datagram: &[u8]) -> Result<(Self, &[u8]), IpError> {
        let fixed: &[u8; Self::LEN] = datagram
            .get(..Self::LEN)
            .and_then(|b| b.try_into().ok())
            .ok_or(IpError::Truncated {
                structure: "UDP header".into(),
                offset: 0,
                needed: Self::LEN,
                available: datagram.len(),
            })?;
        let length = u16::from_be_bytes([fixed[4], fixed[5]]);
        let data = datagram
            .get(Self::LEN..usize::from(length))
            .ok_or(IpError::BadUdpLength {
                length,
                available: datagram.len(),
            })?;
        let header = Self {
            src_port: u16::from_be_bytes([fixed[0], fixed[1]]),
            dst_port: u16::from_be_bytes([fixed[2], fixed[3]]),
            length,
            checksum: u16::from_be_bytes([fixed[6], fixed[7]]),
        };
        Ok((header, data))
    }

    /// Judges the checksum field against `data` and the pseudo-header.
    pub fn checksum_status(&self, pseudo: &PseudoHeader, data: &[u8]) -> UdpChecksum {
        if self.checksum == 0 && matches!(pseudo, PseudoHeader::V4 { .. }) {
            return UdpChecksum::Absent;
        }
        let expected = checksum(
            pseudo,
            self.src_port,
            self.dst_port,
            u32::from(self.length),
            data,
        );
        if expected == self.checksum {
            UdpChecksum::Correct
        } else {
            UdpChecksum::Incorrect { expected }
        }
    }

    /// Appends a UDP header and `data` to `out`, with Length and the checksum
    /// computed as `mode` says.
    pub fn emit(
        src_port: u16,
        dst_port: u16,
        data: &[u8],
        pseudo: &PseudoHeader,
        mode: UdpChecksumMode,
        out: &mut Vec<u8>,
    ) -> Result<Self, IpError> {
        let total = Self::LEN + data.len();
        let length = u16::try_from(total).map_err(|_| IpError::TooLong {
            structure: "UDP datagram".into(),
            length: total,
            max: usize::from(u16::MAX),
        })?;
        let checksum = match (mode, pseudo) {
            (UdpChecksumMode::ZeroOverIpv4, PseudoHeader::V4 { .. }) => 0,
            _ => checksum(pseudo, src_port, dst_port, u32::from(length), data),
        };
        let header = Self {
            src_port,
            dst_port,
            length,
            checksum,
        };
        header.emit_header(out);
        out.extend_from_slice(data);
        Ok(header)
    }

    /// Appends the 8 header octets exactly as they are stored.
    pub fn emit_header(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.src_port.to_be_bytes());
        out.extend_from_slice(&self.dst_port.to_be_bytes());
        out.extend_from_slice(&self.length.to_be_bytes());
        out.extend_from_slice(&self.checksum.to_be_bytes());
    }
}

/// The checksum to transmit. RFC 768: a computed checksum of zero is sent as all
/// ones (zero means "none").
fn checksum(pseudo: &PseudoHeader, src_port: u16, dst_port: u16, length: u32, data: &[u8]) -> u16 {
    let mut sum = OnesComplementSum::new();
    pseudo.add_to(&mut sum, length);
    sum.add_u16(src_port)
        .add_u16(dst_port)
        .add_u16(length as u16)
        .add(data);
    match sum.checksum() {
        0 => 0xFFFF,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const V4: PseudoHeader = PseudoHeader::V4 {
        src: Ipv4Addr::new(192, 0, 2, 1),
        dst: Ipv4Addr::new(192, 0, 2, 2),
    };

    #[test]
    fn round_trip_with_checksum() {
        let mut out = Vec::new();
        let header =
            UdpHeader::emit(500, 500, b"IKE!", &V4, UdpChecksumMode::Compute, &mut out).unwrap();
        assert_eq!(header.length, 12);
        assert_eq!(&out[..6], &[0x01, 0xf4, 0x01, 0xf4, 0x00, 0x0c]);
        let (parsed, data) = UdpHeader::parse(&out).unwrap();
        assert_eq!(parsed, header);
        assert_eq!(data, b"IKE!");
        assert_eq!(parsed.checksum_status(&V4, data), UdpChecksum::Correct);
        let mut again = Vec::new();
        parsed.emit_header(&mut again);
        again.extend_from_slice(data);
        assert_eq!(again, out);
    }

    /// A checksum computed by hand: pseudo-header c000 0201 + c000 0202 + 0011 +
    /// 000c, header 01f4 + 01f4 + 000c, data 494b 4521 ("IKE!"). The words sum to
    /// 0x2_1680; folding gives 0x1682; the complement is 0xe97d.
    #[test]
    fn checksum_matches_a_hand_computation() {
        let mut out = Vec::new();
        let header =
            UdpHeader::emit(500, 500, b"IKE!", &V4, UdpChecksumMode::Compute, &mut out).unwrap();
        assert_eq!(header.checksum, 0xe97d);
    }

    #[test]
    fn ipv4_may_send_no_checksum_ipv6_may_not() {
        let mut out = Vec::new();
        let header = UdpHeader::emit(
            4500,
            4500,
            &[0xff],
            &V4,
            UdpChecksumMode::ZeroOverIpv4,
            &mut out,
        )
        .unwrap();
        assert_eq!(header.checksum, 0);
        assert_eq!(header.checksum_status(&V4, &[0xff]), UdpChecksum::Absent);
        let v6 = PseudoHeader::V6 {
            src: Ipv6Addr::LOCALHOST,
            dst: Ipv6Addr::LOCALHOST,
        };
        let header = UdpHeader::emit(
            4500,
            4500,
            &[0xff],
            &v6,
            UdpChecksumMode::ZeroOverIpv4,
            &mut out,
        )
        .unwrap();
        assert_ne!(header.checksum, 0);
        assert_eq!(header.checksum_status(&v6, &[0xff]), UdpChecksum::Correct);
    }

    #[test]
    fn a_damaged_datagram_fails_its_checksum() {
        let mut out = Vec::new();
        UdpHeader::emit(500, 500, b"IKE!", &V4, UdpChecksumMode::Compute, &mut out).unwrap();
        // "IKE!" becomes "I\x0bE!": the word 494b becomes 490b, so the sum drops
        // by 0x40 and the expected checksum rises by 0x40, to 0xe9bd.
        out[9] ^= 0x40;
        let (parsed, data) = UdpHeader::parse(&out).unwrap();
        assert_eq!(
            parsed.checksum_status(&V4, data),
            UdpChecksum::Incorrect { expected: 0xe9bd }
        );
    }

    #[test]
    fn bad_lengths_are_typed_errors() {
        let mut out = Vec::new();
        UdpHeader::emit(500, 500, b"IKE!", &V4, UdpChecksumMode::Compute, &mut out).unwrap();
        for len in 0..UdpHeader::LEN {
            assert!(matches!(
                UdpHeader::parse(&out[..len]),
                Err(IpError::Truncated { .. })
            ));
        }
        assert!(matches!(
            UdpHeader::parse(&out[..10]),
            Err(IpError::BadUdpLength {
                length: 12,
                available: 10
            })
        ));
        out[5] = 7;
        assert!(matches!(
            UdpHeader::parse(&out),
            Err(IpError::BadUdpLength { length: 7, .. })
        ));
    }
}
