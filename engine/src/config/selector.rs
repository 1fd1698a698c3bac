//! Traffic selectors as swanctl.conf writes them (`local_ts`, `remote_ts`).
//!
//! swanctl.conf(5): "Each selector is a CIDR subnet definition, followed by an optional
//! proto/port selector. The special value dynamic may be used instead of a subnet
//! definition, which gets replaced by the tunnel outer address or the virtual IP".
//! charon also takes an address range `from-to`. The proto/port part is in square
//! brackets: a protocol name or number, then optionally `/` and a port, a port range
//! `from-to`, or `opaque` (RFC 4301 §4.4.1: OPAQUE, encoded as start port 65535 and
//! end port 0, RFC 7296 §3.13.1).
//!
//! ```text
//! 10.1.0.0/24               10.1.0.1-10.1.0.20          dynamic
//! 0.0.0.0/0                 ::/0                        10.0.0.0/8[tcp/443]
//! 192.0.2.7[udp]            dynamic[udp/1701]           10.0.0.0/8[tcp/8000-8080]
//! 192.0.2.0/24[17/opaque]   2001:db8::/32[ipv6-icmp]    10.0.0.0/8[any/80]
//! ```
//!
//! charon looks protocol and service names up with getprotobyname(3) and
//! getservbyname(3). The engine reads no files, so it knows the names in
//! [`PROTOCOL_NAMES`] and [`SERVICE_NAMES`] (a subset of /etc/protocols and
//! /etc/services); any other protocol or port is written as a number.

use core::fmt;
use std::net::IpAddr;

use super::addr::IpRange;
use crate::wire;

pub use crate::wire::iana::PROTOCOL_NAMES;

/// Service names this parser knows (IANA "Service Name and Transport Protocol Port
/// Number Registry"), as /etc/services spells them.
pub const SERVICE_NAMES: &[(&str, u16)] = &[
    ("ssh", 22),
    ("domain", 53),
    ("http", 80),
    ("ntp", 123),
    ("https", 443),
    ("isakmp", 500),
    ("l2tp", 1701),
    ("ipsec-nat-t", 4500),
];

/// A port range of a traffic selector (RFC 7296 §3.13.1: Start Port, End Port).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortRange {
    pub start: u16,
    pub end: u16,
}

impl PortRange {
    /// Every port: 0-65535 (also what a protocol without ports must carry).
    pub const ANY: Self = Self {
        start: 0,
        end: u16::MAX,
    };
    /// RFC 4301 OPAQUE: start 65535, end 0 (RFC 7296 §3.13.1).
    pub const OPAQUE: Self = Self {
        start: u16::MAX,
        end: 0,
    };

    pub fn is_any(&self) -> bool {
        *self == Self::ANY
    }

    pub fn is_opaque(&self) -> bool {
        *self == Self::OPAQUE
    }
}

/// The address part of a selector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TsAddrs {
    /// `dynamic`: the tunnel's outer address, or the virtual IP if one was assigned
    /// (swanctl.conf(5), local_ts).
    Dynamic,
    /// A fixed range (a subnet is the range it spans).
    Range(IpRange),
}

/// One configured traffic selector: addresses, IP protocol (0 = any) and ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TrafficSelector {
    pub addrs: TsAddrs,
    /// IP protocol number; 0 means any protocol (RFC 7296 §3.13.1).
    pub protocol: u8,
    pub ports: PortRange,
}

/// Protocols that have ports (or, for ICMP and ICMPv6, type and code in the port
/// fields, RFC 4301 §4.4.1.3): TCP, UDP, DCCP, MH, SCTP, UDP-Lite, ICMP, ICMPv6.
pub fn protocol_has_ports(protocol: u8) -> bool {
    matches!(protocol, 1 | 6 | 17 | 33 | 58 | 132 | 135 | 136)
}

impl TrafficSelector {
    /// `dynamic`, any protocol, any port: swanctl's default for local_ts and remote_ts.
    pub const DYNAMIC: Self = Self {
        addrs: TsAddrs::Dynamic,
        protocol: 0,
        ports: PortRange::ANY,
    };

    /// Every protocol and port in `range`.
    pub fn range(range: IpRange) -> Self {
        Self {
            addrs: TsAddrs::Range(range),
            protocol: 0,
            ports: PortRange::ANY,
        }
    }

    /// Reads one selector in swanctl's syntax (see the module documentation).
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        let (addr_part, protoport) = match trimmed.split_once('[') {
            Some((addrs, rest)) => {
                let inner = rest.strip_suffix(']').ok_or_else(|| {
                    format!(
                        "traffic selector {trimmed:?}: the protocol/port part must end with ']'"
                    )
                })?;
                (addrs.trim(), Some(inner))
            }
            None if trimmed.contains(']') => {
                return Err(format!("traffic selector {trimmed:?}: ']' without '['"));
            }
            None => (trimmed, None),
        };
        let addrs = if addr_part == "dynamic" {
            TsAddrs::Dynamic
        } else if addr_part.is_empty() {
            return Err(format!(
                "traffic selector {trimmed:?} has no addresses: write a subnet such as \
                 \"10.1.0.0/24\", a range, or dynamic"
            ));
        } else {
            TsAddrs::Range(
                IpRange::parse(addr_part)
                    .map_err(|e| format!("traffic selector {trimmed:?}: {e}"))?,
            )
        };
        let (protocol, ports) = match protoport {
            Some(inner) => {
                parse_protoport(inner).map_err(|e| format!("traffic selector {trimmed:?}: {e}"))?
            }
            None => (0, PortRange::ANY),
        };
        Ok(Self {
            addrs,
            protocol,
            ports,
        })
    }

    /// The selector as the TSi/TSr payload carries it. `dynamic` takes `dynamic_addr`
    /// (the outer address or the virtual IP); `None` if it is dynamic and no address
    /// was given.
    pub fn to_wire(&self, dynamic_addr: Option<IpAddr>) -> Option<wire::TrafficSelector> {
        let range = match self.addrs {
            TsAddrs::Range(range) => range,
            TsAddrs::Dynamic => IpRange::single(dynamic_addr?),
        };
        let (start_port, end_port) = (self.ports.start, self.ports.end);
        let ip_protocol = self.protocol;
        Some(match (range.start(), range.end()) {
            (IpAddr::V4(start), IpAddr::V4(end)) => wire::TrafficSelector::Ipv4 {
                ip_protocol,
                start_port,
                end_port,
                start,
                end,
            },
            (IpAddr::V6(start), IpAddr::V6(end)) => wire::TrafficSelector::Ipv6 {
                ip_protocol,
                start_port,
                end_port,
                start,
                end,
            },
            // IpRange guarantees one family for both ends.
            _ => return None,
        })
    }
}

/// Reads what is inside `[...]`: `proto`, `proto/port`, `proto/from-to`,
/// `proto/opaque`, with `any` (or nothing) for either part.
fn parse_protoport(inner: &str) -> Result<(u8, PortRange), String> {
    let (proto, port) = match inner.split_once('/') {
        Some((proto, port)) => (proto.trim(), Some(port.trim())),
        None => (inner.trim(), None),
    };
    let protocol = if proto.is_empty() || proto == "any" {
        0
    } else if let Some(&(_, number)) = PROTOCOL_NAMES.iter().find(|(name, _)| *name == proto) {
        number
    } else {
        proto.parse::<u8>().map_err(|_| {
            format!(
                "unknown protocol {proto:?}: write a number from 0 to 255 or one of {}",
                names(PROTOCOL_NAMES.iter().map(|(name, _)| *name))
            )
        })?
    };
    let ports = match port {
        None | Some("") | Some("any") => PortRange::ANY,
        Some("opaque") => PortRange::OPAQUE,
        Some(port) => parse_ports(port)?,
    };
    Ok((protocol, ports))
}

fn parse_ports(text: &str) -> Result<PortRange, String> {
    if let Some(&(_, number)) = SERVICE_NAMES.iter().find(|(name, _)| *name == text) {
        return Ok(PortRange {
            start: number,
            end: number,
        });
    }
    let port = |part: &str| {
        part.trim().parse::<u16>().map_err(|_| {
            format!(
                "port {part:?} is not a number from 0 to 65535, a range such as 8000-8080, \
                 opaque, or one of {}",
                names(SERVICE_NAMES.iter().map(|(name, _)| *name))
            )
        })
    };
    let (start, end) = match text.split_once('-') {
        Some((start, end)) => (port(start)?, port(end)?),
        None => {
            let p = port(text)?;
            (p, p)
        }
    };
    if start > end {
        return Err(format!("the port range {text:?} ends before it starts"));
    }
    Ok(PortRange { start, end })
}

fn names<'a>(list: impl Iterator<Item = &'a str>) -> String {
    list.collect::<Vec<_>>().join(", ")
}

impl fmt::Display for TrafficSelector {
    /// swanctl's syntax; parsing the output gives the same selector.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.addrs {
            TsAddrs::Dynamic => f.write_str("dynamic")?,
            TsAddrs::Range(range) => write!(f, "{range}")?,
        }
        wire::iana::write_protocol_ports(f, self.protocol, (self.ports.start, self.ports.end))
    }
}

impl serde::Serialize for TrafficSelector {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for TrafficSelector {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}
