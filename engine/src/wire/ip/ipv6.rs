//! The IPv6 header (RFC 8200 §3) and the extension headers a capture may put
//! between it and UDP or ESP (RFC 8200 §4).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version| Traffic Class |           Flow Label                  |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Payload Length        |  Next Header  |   Hop Limit   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Source Address (128 bits)                  |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                 Destination Address (128 bits)                |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use core::ops::Range;
use std::net::Ipv6Addr;

use super::{FragmentInfo, IpError, IpProtocol};

/// Byte ranges of the fixed header's fields (RFC 8200 §3).
pub(super) mod field {
    use core::ops::Range;
    pub(crate) const VERSION_CLASS_FLOW: Range<usize> = 0..4;
    pub(crate) const PAYLOAD_LENGTH: Range<usize> = 4..6;
    pub(crate) const NEXT_HEADER: Range<usize> = 6..7;
    pub(crate) const HOP_LIMIT: Range<usize> = 7..8;
    pub(crate) const SRC: Range<usize> = 8..24;
    pub(crate) const DST: Range<usize> = 24..40;
}

/// The fixed IPv6 header. Payload Length is not stored: `emit` derives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6Header {
    pub traffic_class: u8,
    /// 20 bits.
    pub flow_label: u32,
    /// The first header after this one: an extension header or the upper layer.
    pub next_header: IpProtocol,
    pub hop_limit: u8,
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
}

/// The Fragment extension header's facts (RFC 8200 §4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv6Fragment {
    /// Fragment Offset in 8-octet units.
    pub offset_units: u16,
    pub more: bool,
    pub identification: u32,
}

impl Ipv6Fragment {
    /// `None` for an "atomic fragment" (offset 0, M clear: RFC 6946), which holds a
    /// whole datagram.
    pub fn as_fragment_info(self) -> Option<FragmentInfo> {
        (self.more || self.offset_units != 0).then(|| FragmentInfo {
            offset: u32::from(self.offset_units) * 8,
            more: self.more,
        })
    }
}

/// Where the upper-layer protocol starts after the extension headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpperLayer {
    pub protocol: IpProtocol,
    /// Offset of the upper-layer header from the end of the fixed IPv6 header.
    pub offset: usize,
    /// The Fragment header, if one was crossed.
    pub fragment: Option<Ipv6Fragment>,
    /// Each extension header crossed: its type and its octets, as offsets from the
    /// end of the fixed header.
    pub extension_headers: Vec<(IpProtocol, Range<usize>)>,
}

/// Most extension headers a packet may chain before we give up (a loop guard for
/// hostile input; RFC 8200 §4.1 expects at most a handful).
const MAX_EXTENSION_HEADERS: usize = 8;

/// Walks the extension headers (RFC 8200 §4) starting with `next_header` over
/// `after_fixed` (the bytes after the fixed header) and returns where the upper
/// layer starts. Hop-by-Hop Options, Routing and Destination Options use the
/// generic "Next Header, Hdr Ext Len in 8-octet units beyond the first 8" layout
/// (§4.3, §4.4, §4.6); the Fragment header is 8 octets (§4.5). Past a non-first
/// fragment the upper-layer header is absent, so the walk stops there.
pub fn skip_extension_headers(
    next_header: IpProtocol,
    after_fixed: &[u8],
) -> Result<UpperLayer, IpError> {
    let mut protocol = next_header;
    let mut offset = 0usize;
    let mut fragment = None;
    let mut extension_headers = Vec::new();
    for _ in 0..MAX_EXTENSION_HEADERS {
        let truncated = |needed: usize| IpError::Truncated {
            structure: "IPv6 extension header".into(),
            offset: Ipv6Header::LEN + offset,
            needed,
            available: after_fixed.len().saturating_sub(offset),
        };
        match protocol {
            IpProtocol::HOPOPT | IpProtocol::IPV6_ROUTE | IpProtocol::IPV6_OPTS => {
                let head = after_fixed
                    .get(offset..offset + 2)
                    .ok_or_else(|| truncated(2))?;
                let len = (usize::from(head[1]) + 1) * 8;
                if after_fixed.len() < offset + len {
                    return Err(truncated(len));
                }
                extension_headers.push((protocol, offset..offset + len));
                protocol = IpProtocol(head[0]);
                offset += len;
            }
            IpProtocol::IPV6_FRAG => {
                let head = after_fixed
                    .get(offset..offset + 8)
                    .ok_or_else(|| truncated(8))?;
                let offset_and_flags = u16::from_be_bytes([head[2], head[3]]);
                let this = Ipv6Fragment {
                    offset_units: offset_and_flags >> 3,
                    more: offset_and_flags & 1 != 0,
                    identification: u32::from_be_bytes([head[4], head[5], head[6], head[7]]),
                };
                extension_headers.push((protocol, offset..offset + 8));
                protocol = IpProtocol(head[0]);
                offset += 8;
                fragment = Some(this);
                if this.offset_units != 0 {
                    break;
                }
            }
            _ => break,
        }
    }
    Ok(UpperLayer {
        protocol,
        offset,
        fragment,
        extension_headers,
    })
}

impl Ipv6Header {
    /// Length of the fixed header.
    pub const LEN: usize = 40;

    /// A header with Hop Limit 64, traffic class and flow label 0.
    pub const fn new(src: Ipv6Addr, dst: Ipv6Addr, next_header: IpProtocol) -> Self {
        Self {
            traffic_class: 0,
            flow_label: 0,
            next_header,
            hop_limit: 64,
            src,
            dst,
        }
    }

    /// Parses the fixed header and returns it with the bytes after it, cut to
    /// Payload Length (extension headers included; see `skip_extension_headers`).
    pub fn parse(packet: &[u8]) -> Result<(Self, &[u8]), IpError> {
        let fixed: &[u8; Self::LEN] = packet
            .get(..Self::LEN)
            .and_then(|b| b.try_into().ok())
            .ok_or(IpError::Truncated {
                structure: "IPv6 header".into(),
                offset: 0,
                needed: Self::LEN,
                available: packet.len(),
            })?;
        let first = u32::from_be_bytes([fixed[0], fixed[1], fixed[2], fixed[3]]);
        let version = (first >> 28) as u8;
        if version != 6 {
            return Err(IpError::UnknownVersion { version });
        }
        let payload_length = usize::from(u16::from_be_bytes([fixed[4], fixed[5]]));
        let payload =
            packet
                .get(Self::LEN..Self::LEN + payload_length)
                .ok_or(IpError::Truncated {
                    structure: "IPv6 packet (Payload Length)".into(),
                    offset: 0,
                    needed: Self::LEN + payload_length,
                    available: packet.len(),
                })?;
        let octets = |range: core::ops::Range<usize>| -> Ipv6Addr {
            let mut addr = [0u8; 16];
            addr.copy_from_slice(&fixed[range]);
            Ipv6Addr::from(addr)
        };
        let header = Self {
            traffic_class: ((first >> 20) & 0xFF) as u8,
            flow_label: first & 0x000F_FFFF,
            next_header: IpProtocol(fixed[6]),
            hop_limit: fixed[7],
            src: octets(field::SRC),
            dst: octets(field::DST),
        };
        Ok((header, payload))
    }

    /// Appends this header and `payload` (everything after the fixed header) to
    /// `out`, with Payload Length computed (RFC 8200 §3).
    pub fn emit(&self, payload: &[u8], out: &mut Vec<u8>) -> Result<(), IpError> {
        let payload_length = u16::try_from(payload.len()).map_err(|_| IpError::TooLong {
            structure: "IPv6 payload".into(),
            length: payload.len(),
            max: usize::from(u16::MAX),
        })?;
        let first =
            (6u32 << 28) | (u32::from(self.traffic_class) << 20) | (self.flow_label & 0x000F_FFFF);
        out.extend_from_slice(&first.to_be_bytes());
        out.extend_from_slice(&payload_length.to_be_bytes());
        out.push(self.next_header.0);
        out.push(self.hop_limit);
        out.extend_from_slice(&self.src.octets());
        out.extend_from_slice(&self.dst.octets());
        out.extend_from_slice(payload);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// A hand-made IPv6 header: traffic class 0x12, flow label 0x34567, Payload
    /// Length 4, Next Header 17 (UDP), Hop Limit 64, 2001:db8::1 → 2001:db8::2
    /// (RFC 3849 documentation prefix), then 4 payload octets.
    const PACKET: [u8; 44] = [
        0x61, 0x23, 0x45, 0x67, // version 6, class 0x12, flow 0x34567
        0x00, 0x04, 0x11, 0x40, // payload length 4, UDP, hop limit 64
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // source
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, // destination
        0xde, 0xad, 0xbe, 0xef, // payload
    ];

    #[test]
    fn round_trip() {
        let (header, payload) = Ipv6Header::parse(&PACKET).unwrap();
        assert_eq!(header.traffic_class, 0x12);
        assert_eq!(header.flow_label, 0x34567);
        assert_eq!(header.next_header, IpProtocol::UDP);
        assert_eq!(header.src, "2001:db8::1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(header.dst, "2001:db8::2".parse::<Ipv6Addr>().unwrap());
        assert_eq!(payload, &[0xde, 0xad, 0xbe, 0xef]);
        let mut out = Vec::new();
        header.emit(payload, &mut out).unwrap();
        assert_eq!(out, PACKET);
    }

    #[test]
    fn truncation_and_version_are_typed_errors() {
        for len in 0..PACKET.len() {
            assert!(matches!(
                Ipv6Header::parse(&PACKET[..len]),
                Err(IpError::Truncated { .. })
            ));
        }
        let mut v4 = PACKET;
        v4[0] = 0x41;
        assert_eq!(
            Ipv6Header::parse(&v4),
            Err(IpError::UnknownVersion { version: 4 })
        );
    }

    #[test]
    fn extension_headers_are_skipped() {
        // Hop-by-Hop (next: Destination Options), 8 octets of PadN;
        // Destination Options (next: UDP), Hdr Ext Len 1 → 16 octets; then UDP.
        let mut after = vec![60, 0, 1, 4, 0, 0, 0, 0];
        after.extend_from_slice(&[17, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        after.extend_from_slice(b"udp!");
        let upper = skip_extension_headers(IpProtocol::HOPOPT, &after).unwrap();
        assert_eq!(
            upper,
            UpperLayer {
                protocol: IpProtocol::UDP,
                offset: 24,
                fragment: None,
                extension_headers: vec![(IpProtocol::HOPOPT, 0..8), (IpProtocol::IPV6_OPTS, 8..24)],
            }
        );
        assert!(matches!(
            skip_extension_headers(IpProtocol::HOPOPT, &after[..12]),
            Err(IpError::Truncated { .. })
        ));
    }

    #[test]
    fn fragment_header_is_reported() {
        // Fragment header: next UDP, offset 0, M set, identification 0x01020304.
        let first = [17, 0, 0x00, 0x01, 1, 2, 3, 4, 0xaa];
        let upper = skip_extension_headers(IpProtocol::IPV6_FRAG, &first).unwrap();
        assert_eq!(upper.offset, 8);
        let fragment = upper.fragment.unwrap();
        assert_eq!(fragment.identification, 0x0102_0304);
        assert_eq!(
            fragment.as_fragment_info(),
            Some(FragmentInfo {
                offset: 0,
                more: true
            })
        );
        // An atomic fragment (offset 0, M clear) holds a whole datagram.
        let atomic = [17, 0, 0, 0, 1, 2, 3, 4];
        let upper = skip_extension_headers(IpProtocol::IPV6_FRAG, &atomic).unwrap();
        assert_eq!(upper.fragment.unwrap().as_fragment_info(), None);
    }

    #[test]
    fn a_loop_of_extension_headers_ends() {
        // Hop-by-Hop headers pointing to Hop-by-Hop forever: the walk stops.
        let after: Vec<u8> = [0u8, 0, 0, 0, 0, 0, 0, 0].repeat(20);
        let upper = skip_extension_headers(IpProtocol::HOPOPT, &after).unwrap();
        assert_eq!(upper.protocol, IpProtocol::HOPOPT);
        assert_eq!(upper.offset, 8 * MAX_EXTENSION_HEADERS);
    }
}
