//! The IPv4 header (RFC 791 §3.1).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version|  IHL  |Type of Service|          Total Length         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Identification        |Flags|      Fragment Offset    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Time to Live |    Protocol   |         Header Checksum       |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                       Source Address                          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Destination Address                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Options                    |    Padding    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use std::net::Ipv4Addr;

use super::{FragmentInfo, IpError, IpProtocol, OnesComplementSum};

/// Byte ranges of the fixed header's fields (RFC 791 §3.1).
pub(super) mod field {
    use core::ops::Range;
    pub(crate) const VERSION_IHL: Range<usize> = 0..1;
    pub(crate) const TOS: Range<usize> = 1..2;
    pub(crate) const TOTAL_LENGTH: Range<usize> = 2..4;
    pub(crate) const IDENTIFICATION: Range<usize> = 4..6;
    pub(crate) const FLAGS_FRAGMENT: Range<usize> = 6..8;
    pub(crate) const TTL: Range<usize> = 8..9;
    pub(crate) const PROTOCOL: Range<usize> = 9..10;
    pub(crate) const CHECKSUM: Range<usize> = 10..12;
    pub(crate) const SRC: Range<usize> = 12..16;
    pub(crate) const DST: Range<usize> = 16..20;
}

/// An IPv4 header. Total Length and Header Checksum are not stored: `emit` derives
/// them from the payload and the other fields, and `parse` checks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4Header {
    /// Type of Service octet, today DSCP (6 bits, RFC 2474) and ECN (2 bits, RFC 3168).
    pub dscp_ecn: u8,
    pub identification: u16,
    /// The three flag bits: reserved (must be 0), Don't Fragment, More Fragments.
    pub flags: u8,
    /// Fragment Offset, in units of 8 octets (13 bits).
    pub fragment_offset: u16,
    pub ttl: u8,
    pub protocol: IpProtocol,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    /// Options and padding, kept as they came: not interpreted (RFC 791 §3.1).
    pub options: Vec<u8>,
}

impl Ipv4Header {
    /// Length of a header without options.
    pub const MIN_LEN: usize = 20;
    /// Don't Fragment flag bit (within `flags`).
    pub const FLAG_DONT_FRAGMENT: u8 = 0b010;
    /// More Fragments flag bit (within `flags`).
    pub const FLAG_MORE_FRAGMENTS: u8 = 0b001;

    /// A header with no options, TTL 64, Don't Fragment clear, Identification 0.
    pub const fn new(src: Ipv4Addr, dst: Ipv4Addr, protocol: IpProtocol) -> Self {
        Self {
            dscp_ecn: 0,
            identification: 0,
            flags: 0,
            fragment_offset: 0,
            ttl: 64,
            protocol,
            src,
            dst,
            options: Vec::new(),
        }
    }

    /// Header length in octets (IHL × 4).
    pub fn header_len(&self) -> usize {
        Self::MIN_LEN + self.options.len()
    }

    /// Set when this packet is a fragment: More Fragments set or a non-zero offset.
    pub fn fragment(&self) -> Option<FragmentInfo> {
        let more = self.flags & Self::FLAG_MORE_FRAGMENTS != 0;
        (more || self.fragment_offset != 0).then(|| FragmentInfo {
            offset: u32::from(self.fragment_offset) * 8,
            more,
        })
    }

    /// Parses the header at the start of `packet` and returns it with the payload,
    /// cut to Total Length (octets after it, such as Ethernet padding, are ignored).
    /// Checks Version, IHL, Total Length and the header checksum: the header must sum
    /// to all ones, as a receiver checks it (RFC 1071 §1). So a checksum field of
    /// 0xFFFF where 0x0000 is computed, the other zero of one's complement (which an
    /// incremental update can leave, RFC 1624 §3), is accepted; `emit` then writes
    /// 0x0000, and that header is the one whose round trip is not byte for byte.
    pub fn parse(packet: &[u8]) -> Result<(Self, &[u8]), IpError> {
        let fixed: &[u8; Self::MIN_LEN] = packet
            .get(..Self::MIN_LEN)
            .and_then(|b| b.try_into().ok())
            .ok_or(IpError::Truncated {
                structure: "IPv4 header".into(),
                offset: 0,
                needed: Self::MIN_LEN,
                available: packet.len(),
            })?;
        let version = fixed[0] >> 4;
        if version != 4 {
            return Err(IpError::UnknownVersion { version });
        }
        let ihl = fixed[0] & 0x0F;
        let header_len = usize::from(ihl) * 4;
        let total_length = u16::from_be_bytes([fixed[2], fixed[3]]);
        if header_len < Self::MIN_LEN || usize::from(total_length) < header_len {
            return Err(IpError::BadHeaderLength { ihl, total_length });
        }
        let whole = packet
            .get(..usize::from(total_length))
            .ok_or(IpError::Truncated {
                structure: "IPv4 packet (Total Length)".into(),
                offset: 0,
                needed: usize::from(total_length),
                available: packet.len(),
            })?;
        let (header_bytes, payload) = whole.split_at(header_len);
        let mut sum = OnesComplementSum::new();
        sum.add(header_bytes);
        if sum.folded() != 0xFFFF {
            let found = u16::from_be_bytes([fixed[10], fixed[11]]);
            let mut without = OnesComplementSum::new();
            without
                .add(&header_bytes[..field::CHECKSUM.start])
                .add(&header_bytes[field::CHECKSUM.end..]);
            return Err(IpError::BadHeaderChecksum {
                found,
                computed: without.checksum(),
            });
        }
        let flags_fragment = u16::from_be_bytes([fixed[6], fixed[7]]);
        let header = Self {
            dscp_ecn: fixed[1],
            identification: u16::from_be_bytes([fixed[4], fixed[5]]),
            flags: (flags_fragment >> 13) as u8,
            fragment_offset: flags_fragment & 0x1FFF,
            ttl: fixed[8],
            protocol: IpProtocol(fixed[9]),
            src: Ipv4Addr::new(fixed[12], fixed[13], fixed[14], fixed[15]),
            dst: Ipv4Addr::new(fixed[16], fixed[17], fixed[18], fixed[19]),
            options: header_bytes[Self::MIN_LEN..].to_vec(),
        };
        Ok((header, payload))
    }

    /// Appends this header and `payload` to `out`, with Total Length and the header
    /// checksum computed (RFC 791 §3.1).
    pub fn emit(&self, payload: &[u8], out: &mut Vec<u8>) -> Result<(), IpError> {
        let header_len = self.header_len();
        if !self.options.len().is_multiple_of(4) || self.options.len() > 40 {
            return Err(IpError::BadOptionsLength {
                length: self.options.len(),
            });
        }
        let total = header_len + payload.len();
        let total_length = u16::try_from(total).map_err(|_| IpError::TooLong {
            structure: "IPv4 packet".into(),
            length: total,
            max: usize::from(u16::MAX),
        })?;
        // header_len ≤ 60, so IHL fits in 4 bits.
        let ihl = (header_len / 4) as u8;
        let flags_fragment =
            (u16::from(self.flags & 0b111) << 13) | (self.fragment_offset & 0x1FFF);
        let start = out.len();
        out.push(0x40 | ihl);
        out.push(self.dscp_ecn);
        out.extend_from_slice(&total_length.to_be_bytes());
        out.extend_from_slice(&self.identification.to_be_bytes());
        out.extend_from_slice(&flags_fragment.to_be_bytes());
        out.push(self.ttl);
        out.push(self.protocol.0);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&self.src.octets());
        out.extend_from_slice(&self.dst.octets());
        out.extend_from_slice(&self.options);
        let mut sum = OnesComplementSum::new();
        sum.add(&out[start..]);
        let checksum = sum.checksum().to_be_bytes();
        out[start + field::CHECKSUM.start] = checksum[0];
        out[start + field::CHECKSUM.start + 1] = checksum[1];
        out.extend_from_slice(payload);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// The worked example of Wikipedia's "Internet checksum" article (IPv4 header
    /// checksum section): a 20-octet header 192.168.0.1 → 192.168.0.199, UDP, whose
    /// checksum field holds 0xb861. Total Length 0x73 covers a 95-octet payload.
    const HEADER: [u8; 20] = [
        0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00,
        0x01, 0xc0, 0xa8, 0x00, 0xc7,
    ];

    fn packet() -> Vec<u8> {
        let mut packet = HEADER.to_vec();
        packet.extend((0..95u8).map(|i| i.wrapping_mul(7)));
        packet
    }

    #[test]
    fn parses_the_fields() {
        let packet = packet();
        let (header, payload) = Ipv4Header::parse(&packet).unwrap();
        assert_eq!(header.src, Ipv4Addr::new(192, 168, 0, 1));
        assert_eq!(header.dst, Ipv4Addr::new(192, 168, 0, 199));
        assert_eq!(header.protocol, IpProtocol::UDP);
        assert_eq!(header.flags, Ipv4Header::FLAG_DONT_FRAGMENT);
        assert_eq!(header.ttl, 64);
        assert_eq!(payload.len(), 95);
        assert_eq!(header.fragment(), None);
    }

    #[test]
    fn emit_computes_the_published_checksum() {
        let packet = packet();
        let (header, payload) = Ipv4Header::parse(&packet).unwrap();
        let mut out = Vec::new();
        header.emit(payload, &mut out).unwrap();
        assert_eq!(out, packet);
        assert_eq!(&out[10..12], &[0xb8, 0x61]);
    }

    #[test]
    fn link_layer_padding_after_total_length_is_ignored() {
        let mut packet = packet();
        packet.extend_from_slice(&[0; 6]);
        let (_, payload) = Ipv4Header::parse(&packet).unwrap();
        assert_eq!(payload.len(), 95);
    }

    #[test]
    fn options_round_trip() {
        let mut header = Ipv4Header::new(
            Ipv4Addr::new(10, 0, 0, 1),
            Ipv4Addr::new(10, 0, 0, 2),
            IpProtocol::ESP,
        );
        // A Router Alert option (RFC 2113): type 148, length 4, value 0.
        header.options = vec![0x94, 0x04, 0x00, 0x00];
        let mut out = Vec::new();
        header.emit(b"abc", &mut out).unwrap();
        assert_eq!(out[0], 0x46);
        let (parsed, payload) = Ipv4Header::parse(&out).unwrap();
        assert_eq!(parsed, header);
        assert_eq!(payload, b"abc");
    }

    #[test]
    fn a_wrong_checksum_is_reported_with_the_right_one() {
        let mut packet = packet();
        packet[11] ^= 0x01;
        assert_eq!(
            Ipv4Header::parse(&packet),
            Err(IpError::BadHeaderChecksum {
                found: 0xb860,
                computed: 0xb861
            })
        );
    }

    #[test]
    fn malformed_headers_are_typed_errors() {
        let packet = packet();
        for len in 0..Ipv4Header::MIN_LEN {
            assert!(matches!(
                Ipv4Header::parse(&packet[..len]),
                Err(IpError::Truncated { .. })
            ));
        }
        assert!(matches!(
            Ipv4Header::parse(&packet[..50]),
            Err(IpError::Truncated { needed: 115, .. })
        ));
        let mut short_ihl = packet.clone();
        short_ihl[0] = 0x44;
        assert!(matches!(
            Ipv4Header::parse(&short_ihl),
            Err(IpError::BadHeaderLength { ihl: 4, .. })
        ));
        let mut v6 = packet;
        v6[0] = 0x65;
        assert_eq!(
            Ipv4Header::parse(&v6),
            Err(IpError::UnknownVersion { version: 6 })
        );
    }

    #[test]
    fn negative_zero_checksum_is_accepted_and_emitted_as_positive_zero() {
        // Chosen so the header without its checksum sums to 0xFFFF: the computed
        // checksum is 0x0000, and 0xFFFF sums the same.
        let mut header = [
            0x45, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0xff, 0xff, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        // 4500 + 0014 + 4011 = 0x8525; fill the source address to reach 0xFFFF.
        header[12..14].copy_from_slice(&(0xFFFFu16 - 0x8525).to_be_bytes());
        let (parsed, _) = Ipv4Header::parse(&header).unwrap();
        let mut out = Vec::new();
        parsed.emit(&[], &mut out).unwrap();
        assert_eq!(&out[10..12], &[0x00, 0x00]);
        assert_eq!(out[..10], header[..10]);
        assert_eq!(out[12..], header[12..]);
        assert_eq!(Ipv4Header::parse(&out).map(|(h, _)| h), Ok(parsed));
    }

    #[test]
    fn fragments_are_recognised() {
        let mut header = Ipv4Header::new(
            Ipv4Addr::new(10, 0, 0, 1),
            Ipv4Addr::new(10, 0, 0, 2),
            IpProtocol::UDP,
        );
        header.flags = Ipv4Header::FLAG_MORE_FRAGMENTS;
        header.fragment_offset = 185;
        assert_eq!(
            header.fragment(),
            Some(FragmentInfo {
                offset: 1480,
                more: true
            })
        );
    }

    #[test]
    fn oversized_payload_is_refused() {
        let header = Ipv4Header::new(Ipv4Addr::LOCALHOST, Ipv4Addr::LOCALHOST, IpProtocol::UDP);
        let mut out = Vec::new();
        assert!(matches!(
            header.emit(&vec![0; 65_516], &mut out),
            Err(IpError::TooLong { .. })
        ));
    }
}
