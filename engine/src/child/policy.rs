//! Inbound policy: a decrypted packet must match the CHILD SA's traffic selectors
//! (RFC 4301 §5.2 step 4: "... check that the packet's selectors match those of
//! the SA ... If not, discard and audit"). The inner packet's source must lie in
//! the remote selectors and its destination in the local ones.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::wire::TrafficSelector;
use crate::wire::ip::{IpProtocol, Ipv4Header, Ipv6Header, skip_extension_headers};

use super::error::EspError;

/// What the selectors look at in an IP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InnerPacket {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub protocol: u8,
    /// (source port, destination port) for TCP, UDP, SCTP and UDP-Lite; for ICMP
    /// and ICMPv6 both are Type << 8 | Code (RFC 7296 §3.13.1). `None` for other
    /// protocols and non-first fragments.
    pub ports: Option<(u16, u16)>,
    /// The whole packet's length from its IP header (tunnel mode may carry TFC
    /// padding after it, RFC 4303 §2.7).
    pub length: usize,
    /// Where the upper-layer protocol starts (after IPv4 options or IPv6 extension
    /// headers): what transport mode protects.
    pub payload_offset: usize,
}

const ICMP: u8 = 1;
const TCP: u8 = 6;
const UDP: u8 = 17;
const ICMPV6: u8 = 58;
const SCTP: u8 = 132;
const UDP_LITE: u8 = 136;

#[inline]
fn ports(protocol: u8, upper: &[u8], first_fragment: bool) -> Option<(u16, u16)> {
    if !first_fragment {
        return None;
    }
    match protocol {
        TCP | UDP | SCTP | UDP_LITE => {
            let [a, b, c, d] = *upper.first_chunk::<4>()?;
            Some((u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d])))
        }
        ICMP | ICMPV6 => {
            let [kind, code] = *upper.first_chunk::<2>()?;
            let value = u16::from_be_bytes([kind, code]);
            Some((value, value))
        }
        _ => None,
    }
}

impl InnerPacket {
    /// Reads an IPv4 or IPv6 packet's selector fields, without allocating. The
    /// lengths are checked (IHL, Total Length, Payload Length against the octets
    /// present, as the wire parsers check them); the IPv4 header checksum is not:
    /// ESP has authenticated every octet already, and the checksum is the inner
    /// hosts' concern (RFC 4303 §3.4.4 processes the packet as received). IPv6
    /// extension headers are walked with the wire parser
    /// (`wire::ip::skip_extension_headers`).
    #[inline(always)]
    pub fn parse(packet: &[u8]) -> Result<Self, EspError> {
        match packet.first().map(|b| b >> 4) {
            Some(4) => Self::parse_v4(packet),
            Some(6) => Self::parse_v6(packet),
            _ => Err(EspError::BadInnerPacket),
        }
    }

    /// An IPv4 packet (RFC 791 §3.1): inlined into the data plane, the common case.
    #[inline(always)]
    fn parse_v4(packet: &[u8]) -> Result<Self, EspError> {
        let bad = || EspError::BadInnerPacket;
        let header: &[u8; Ipv4Header::MIN_LEN] = packet
            .get(..Ipv4Header::MIN_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or_else(bad)?;
        // IHL in 32-bit words, Total Length in octets.
        let header_len = usize::from(header[0] & 0x0f) * 4;
        let length = usize::from(u16::from_be_bytes([header[2], header[3]]));
        if header_len < Ipv4Header::MIN_LEN || length < header_len || length > packet.len() {
            return Err(bad());
        }
        let fragment_offset = u16::from_be_bytes([header[6], header[7]]) & 0x1fff;
        let protocol = header[9];
        let src = Ipv4Addr::new(header[12], header[13], header[14], header[15]);
        let dst = Ipv4Addr::new(header[16], header[17], header[18], header[19]);
        let upper = packet.get(header_len..length).ok_or_else(bad)?;
        Ok(Self {
            src: IpAddr::V4(src),
            dst: IpAddr::V4(dst),
            protocol,
            ports: ports(protocol, upper, fragment_offset == 0),
            length,
            payload_offset: header_len,
        })
    }

    /// An IPv6 packet (RFC 8200 §3), its extension headers walked.
    fn parse_v6(packet: &[u8]) -> Result<Self, EspError> {
        let bad = || EspError::BadInnerPacket;
        let header: &[u8; Ipv6Header::LEN] = packet
            .get(..Ipv6Header::LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or_else(bad)?;
        // Payload Length counts what follows the fixed header.
        let length = Ipv6Header::LEN + usize::from(u16::from_be_bytes([header[4], header[5]]));
        let after_fixed = packet.get(Ipv6Header::LEN..length).ok_or_else(bad)?;
        let mut src = [0u8; 16];
        src.copy_from_slice(&header[8..24]);
        let mut dst = [0u8; 16];
        dst.copy_from_slice(&header[24..40]);
        let next_header = header[6];
        let (protocol, offset, first_fragment) = if is_extension_header(next_header) {
            let upper =
                skip_extension_headers(IpProtocol(next_header), after_fixed).map_err(|_| bad())?;
            let first = upper.fragment.is_none_or(|f| f.offset_units == 0);
            (upper.protocol.0, upper.offset, first)
        } else {
            (next_header, 0, true)
        };
        let bytes = after_fixed.get(offset..).unwrap_or_default();
        Ok(Self {
            src: IpAddr::V6(Ipv6Addr::from(src)),
            dst: IpAddr::V6(Ipv6Addr::from(dst)),
            protocol,
            ports: ports(protocol, bytes, first_fragment),
            length,
            payload_offset: Ipv6Header::LEN + offset,
        })
    }
}

/// The IPv6 extension headers `skip_extension_headers` walks (RFC 8200 §4:
/// Hop-by-Hop Options 0, Routing 43, Fragment 44, Destination Options 60).
fn is_extension_header(next_header: u8) -> bool {
    matches!(next_header, 0 | 43 | 44 | 60)
}

/// Whether `addr` with `protocol` and `port` falls in `selector`. Without a port
/// (other protocols, non-first fragments) only a selector for every port matches.
#[inline]
fn selector_matches(
    selector: &TrafficSelector,
    addr: IpAddr,
    protocol: u8,
    port: Option<u16>,
) -> bool {
    let (sel_protocol, start_port, end_port, in_range) = match (selector, addr) {
        (
            TrafficSelector::Ipv4 {
                ip_protocol,
                start_port,
                end_port,
                start,
                end,
            },
            IpAddr::V4(a),
        ) => (
            *ip_protocol,
            *start_port,
            *end_port,
            *start <= a && a <= *end,
        ),
        (
            TrafficSelector::Ipv6 {
                ip_protocol,
                start_port,
                end_port,
                start,
                end,
            },
            IpAddr::V6(a),
        ) => (
            *ip_protocol,
            *start_port,
            *end_port,
            *start <= a && a <= *end,
        ),
        _ => return false,
    };
    if !in_range || (sel_protocol != 0 && sel_protocol != protocol) {
        return false;
    }
    let every_port = start_port == 0 && end_port == u16::MAX;
    every_port || port.is_some_and(|p| start_port <= p && p <= end_port)
}

/// Parses a decrypted inner packet and applies [`check_inbound`] to it; returns the
/// packet's length from its IP header. Each address family is parsed and checked
/// in its own arm, so the IPv4 packet's fields stay in registers instead of being
/// merged with the IPv6 layout in memory and read back (a store-forwarding stall
/// per packet, measured with `perf annotate` on `benches/esp.rs`).
#[inline(always)]
pub(crate) fn accepted_length(
    packet: &[u8],
    local_ts: &[TrafficSelector],
    remote_ts: &[TrafficSelector],
) -> Result<usize, EspError> {
    match packet.first().map(|b| b >> 4) {
        Some(4) => {
            let inner = InnerPacket::parse_v4(packet)?;
            check_inbound(&inner, local_ts, remote_ts)?;
            Ok(inner.length)
        }
        Some(6) => {
            let inner = InnerPacket::parse_v6(packet)?;
            check_inbound(&inner, local_ts, remote_ts)?;
            Ok(inner.length)
        }
        _ => Err(EspError::BadInnerPacket),
    }
}

/// RFC 4301 §5.2 step 4 for one decrypted packet: its source in `remote_ts`, its
/// destination in `local_ts`.
#[inline(always)]
pub fn check_inbound(
    packet: &InnerPacket,
    local_ts: &[TrafficSelector],
    remote_ts: &[TrafficSelector],
) -> Result<(), EspError> {
    if covers(packet, remote_ts, local_ts) {
        Ok(())
    } else {
        Err(EspError::SelectorViolation {
            src: packet.src,
            dst: packet.dst,
            protocol: packet.protocol,
        })
    }
}

/// Whether a CHILD SA's selectors cover `packet` going from `src_ts` to `dst_ts`:
/// its source (address, protocol, port) in one of `src_ts`, its destination in one
/// of `dst_ts` (RFC 7296 §2.9, RFC 4301 §4.4.1). Inbound that is (remote, local),
/// outbound (local, remote): the one selector match of the data plane.
#[inline(always)]
pub fn covers(
    packet: &InnerPacket,
    src_ts: &[TrafficSelector],
    dst_ts: &[TrafficSelector],
) -> bool {
    let src_port = packet.ports.map(|(s, _)| s);
    let dst_port = packet.ports.map(|(_, d)| d);
    src_ts
        .iter()
        .any(|ts| selector_matches(ts, packet.src, packet.protocol, src_port))
        && dst_ts
            .iter()
            .any(|ts| selector_matches(ts, packet.dst, packet.protocol, dst_port))
}
