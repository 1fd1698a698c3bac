//! IPv4 (RFC 791), IPv6 (RFC 8200) and UDP (RFC 768) headers: enough to frame and
//! unframe captured IKE and ESP packets.
//!
//! IKE itself never sees these headers (the bridge's sockets strip them), but a
//! capture file holds whole IP packets, and the pcap writer must build them. Each
//! header is a plain struct with one `parse` (which returns the header and the bytes
//! it carries) and one `emit` (which derives lengths and checksums), so a parse →
//! emit round trip gives back the same bytes for a well-formed packet.
//!
//! Scope, on purpose: IPv4 options are kept as raw bytes but not interpreted; IPv6
//! extension headers are skipped (Hop-by-Hop, Routing, Fragment, Destination
//! Options), never emitted; fragments are recognised, not reassembled.

mod checksum;
pub(crate) mod dissect;
mod error;
mod ipv4;
mod ipv6;
pub mod summary;
mod udp;

use core::ops::Range;
use std::net::IpAddr;

pub use checksum::OnesComplementSum;
pub use dissect::{dissect_ip_header, dissect_udp_header};
pub use error::IpError;
pub use ipv4::Ipv4Header;
pub use ipv6::{Ipv6Fragment, Ipv6Header, UpperLayer, skip_extension_headers};
pub use summary::{InnerKind, summary};
pub use udp::{PseudoHeader, UdpChecksum, UdpChecksumMode, UdpHeader};

use crate::wire::open_enum::open_enum;

open_enum! {
    /// IANA "Assigned Internet Protocol Numbers": IPv4's Protocol field (RFC 791
    /// §3.1), IPv6's Next Header (RFC 8200 §3) and ESP's Next Header (RFC 4303 §2.6).
    pub struct IpProtocol(u8) {
        HOPOPT = 0 => "HOPOPT",
        ICMP = 1 => "ICMP",
        /// IPv4 encapsulated in IP: what an ESP tunnel-mode packet carries (RFC 4303 §2.6).
        IPV4 = 4 => "IPv4",
        TCP = 6 => "TCP",
        UDP = 17 => "UDP",
        IPV6 = 41 => "IPv6",
        IPV6_ROUTE = 43 => "IPv6-Route",
        IPV6_FRAG = 44 => "IPv6-Frag",
        GRE = 47 => "GRE",
        ESP = 50 => "ESP",
        AH = 51 => "AH",
        ICMPV6 = 58 => "IPv6-ICMP",
        /// Nothing follows: ESP uses it to mark dummy packets (RFC 4303 §2.6).
        IPV6_NO_NEXT = 59 => "IPv6-NoNxt",
        IPV6_OPTS = 60 => "IPv6-Opts",
        SCTP = 132 => "SCTP",
    }
}

/// The IP header of a packet, either version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpHeader {
    V4(Ipv4Header),
    V6(Ipv6Header),
}

/// An IP packet taken apart: its header, the upper-layer protocol (after any IPv6
/// extension headers) and the bytes that protocol carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpPacket<'a> {
    pub header: IpHeader,
    /// IPv6 extension headers crossed (type, octets within the packet); empty for IPv4.
    pub extension_headers: Vec<(IpProtocol, Range<usize>)>,
    /// The protocol of `payload`: IPv4's Protocol, or the last IPv6 Next Header.
    pub protocol: IpProtocol,
    /// Offset of `payload` in the packet (IP header plus extension headers).
    pub payload_offset: usize,
    /// The upper-layer bytes, cut to the length the IP header states (so link-layer
    /// padding after the packet is not included).
    pub payload: &'a [u8],
    /// Set when this packet is a fragment (RFC 791 §2.3, RFC 8200 §4.5): the payload
    /// is then only part of the upper-layer datagram.
    pub fragment: Option<FragmentInfo>,
}

/// Where a fragment sits in its original datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FragmentInfo {
    /// Offset of this fragment's data in the original payload, in octets.
    pub offset: u32,
    /// More Fragments flag: further fragments follow this one.
    pub more: bool,
}

impl IpHeader {
    pub fn src(&self) -> IpAddr {
        match self {
            Self::V4(h) => IpAddr::V4(h.src),
            Self::V6(h) => IpAddr::V6(h.src),
        }
    }

    pub fn dst(&self) -> IpAddr {
        match self {
            Self::V4(h) => IpAddr::V4(h.dst),
            Self::V6(h) => IpAddr::V6(h.dst),
        }
    }

    /// The UDP/TCP pseudo-header addresses of this packet.
    pub fn pseudo_header(&self) -> PseudoHeader {
        match self {
            Self::V4(h) => PseudoHeader::V4 {
                src: h.src,
                dst: h.dst,
            },
            Self::V6(h) => PseudoHeader::V6 {
                src: h.src,
                dst: h.dst,
            },
        }
    }
}

impl<'a> IpPacket<'a> {
    /// Parses an IPv4 or IPv6 packet, chosen by the Version nibble (RFC 791 §3.1,
    /// RFC 8200 §3). IPv6 extension headers are skipped to reach the upper layer.
    pub fn parse(packet: &'a [u8]) -> Result<Self, IpError> {
        let first = *packet.first().ok_or(IpError::Truncated {
            structure: "IP header".into(),
            offset: 0,
            needed: 1,
            available: 0,
        })?;
        match first >> 4 {
            4 => {
                let (header, payload) = Ipv4Header::parse(packet)?;
                let fragment = header.fragment();
                Ok(Self {
                    extension_headers: Vec::new(),
                    protocol: header.protocol,
                    payload_offset: header.header_len(),
                    payload,
                    fragment,
                    header: IpHeader::V4(header),
                })
            }
            6 => {
                let (header, after_fixed) = Ipv6Header::parse(packet)?;
                let upper = skip_extension_headers(header.next_header, after_fixed)?;
                let payload = after_fixed.get(upper.offset..).ok_or(IpError::Truncated {
                    structure: "IPv6 extension header".into(),
                    offset: Ipv6Header::LEN,
                    needed: upper.offset,
                    available: after_fixed.len(),
                })?;
                let extension_headers = upper
                    .extension_headers
                    .iter()
                    .map(|(kind, r)| (*kind, r.start + Ipv6Header::LEN..r.end + Ipv6Header::LEN))
                    .collect();
                Ok(Self {
                    extension_headers,
                    protocol: upper.protocol,
                    payload_offset: Ipv6Header::LEN + upper.offset,
                    payload,
                    fragment: upper.fragment.and_then(|f| f.as_fragment_info()),
                    header: IpHeader::V6(header),
                })
            }
            version => Err(IpError::UnknownVersion { version }),
        }
    }
}

/// Builds a whole IP packet (IPv4 or IPv6, from the address family) around
/// `payload`, with the given upper-layer protocol: TTL/Hop Limit 64, no options, not
/// fragmented, IPv4 Identification as given (captures show it; 0 is fine).
pub fn emit_ip_packet(
    src: IpAddr,
    dst: IpAddr,
    protocol: IpProtocol,
    identification: u16,
    payload: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), IpError> {
    match (src, dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => {
            let mut header = Ipv4Header::new(src, dst, protocol);
            header.identification = identification;
            header.emit(payload, out)
        }
        (IpAddr::V6(src), IpAddr::V6(dst)) => {
            Ipv6Header::new(src, dst, protocol).emit(payload, out)
        }
        _ => Err(IpError::MixedAddressFamilies),
    }
}
