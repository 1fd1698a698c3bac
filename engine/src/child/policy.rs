//! Inbound policy: a decrypted packet must match the CHILD SA's traffic selectors
//! (RFC 4301 §5.2 step 4: "... check that the packet's selectors match those of
//! the SA ... If not, discard and audit"). The inner packet's source must lie in
//! the remote selectors and its destination in the local ones.

use std::net::IpAddr;

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
    /// Reads an IPv4 or IPv6 packet's selector fields (the wire parsers; no heap
    /// use for packets without IPv4 options or IPv6 extension headers).
    pub fn parse(packet: &[u8]) -> Result<Self, EspError> {
        let version = packet.first().map(|b| b >> 4);
        match version {
            Some(4) => {
                let (header, upper) =
                    Ipv4Header::parse(packet).map_err(|_| EspError::BadInnerPacket)?;
                let first = header.fragment_offset == 0;
                let protocol = header.protocol.0;
                Ok(Self {
                    src: IpAddr::V4(header.src),
                    dst: IpAddr::V4(header.dst),
                    protocol,
                    ports: ports(protocol, upper, first),
                    length: header.header_len() + upper.len(),
                    payload_offset: header.header_len(),
                })
            }
            Some(6) => {
                let (header, after_fixed) =
                    Ipv6Header::parse(packet).map_err(|_| EspError::BadInnerPacket)?;
                let length = Ipv6Header::LEN + after_fixed.len();
                let upper = skip_extension_headers(header.next_header, after_fixed)
                    .map_err(|_| EspError::BadInnerPacket)?;
                let first = upper.fragment.is_none_or(|f| f.offset_units == 0);
                let IpProtocol(protocol) = upper.protocol;
                let bytes = after_fixed.get(upper.offset..).unwrap_or_default();
                Ok(Self {
                    src: IpAddr::V6(header.src),
                    dst: IpAddr::V6(header.dst),
                    protocol,
                    ports: ports(protocol, bytes, first),
                    length,
                    payload_offset: Ipv6Header::LEN + upper.offset,
                })
            }
            _ => Err(EspError::BadInnerPacket),
        }
    }
}

/// Whether `addr` with `protocol` and `port` falls in `selector`. Without a port
/// (other protocols, non-first fragments) only a selector for every port matches.
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

/// RFC 4301 §5.2 step 4 for one decrypted packet: its source in `remote_ts`, its
/// destination in `local_ts`.
pub fn check_inbound(
    packet: &InnerPacket,
    local_ts: &[TrafficSelector],
    remote_ts: &[TrafficSelector],
) -> Result<(), EspError> {
    let src_port = packet.ports.map(|(s, _)| s);
    let dst_port = packet.ports.map(|(_, d)| d);
    let src_ok = remote_ts
        .iter()
        .any(|ts| selector_matches(ts, packet.src, packet.protocol, src_port));
    let dst_ok = local_ts
        .iter()
        .any(|ts| selector_matches(ts, packet.dst, packet.protocol, dst_port));
    if src_ok && dst_ok {
        Ok(())
    } else {
        Err(EspError::SelectorViolation {
            src: packet.src,
            dst: packet.dst,
            protocol: packet.protocol,
        })
    }
}
