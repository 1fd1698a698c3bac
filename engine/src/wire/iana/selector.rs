//! Traffic selector types (RFC 7296 §3.13.1; IANA "IKEv2 Traffic Selector Types").

use crate::wire::open_enum::open_enum;

open_enum! {
    /// TS Type of one traffic selector (RFC 7296 §3.13.1).
    pub struct TsType(u8) {
        IPV4_ADDR_RANGE = 7 => "TS_IPV4_ADDR_RANGE",
        IPV6_ADDR_RANGE = 8 => "TS_IPV6_ADDR_RANGE",
        /// RFC 4595.
        FC_ADDR_RANGE = 9 => "TS_FC_ADDR_RANGE",
        /// RFC 9478.
        SECLABEL = 10 => "TS_SECLABEL",
    }
}

/// Protocol names of traffic selectors (IANA "Assigned Internet Protocol Numbers"), as
/// swanctl.conf writes them: the config parser reads them and the one selector text
/// form ([`crate::wire::TrafficSelector`]'s `Display`) writes the first name of a number.
pub const PROTOCOL_NAMES: &[(&str, u8)] = &[
    ("icmp", 1),
    ("tcp", 6),
    ("udp", 17),
    ("gre", 47),
    ("esp", 50),
    ("ah", 51),
    ("ipv6-icmp", 58),
    ("icmpv6", 58),
    ("sctp", 132),
];

/// Writes the bracketed protocol/port part of a selector in swanctl's syntax
/// (`[tcp/443]`, `[udp]`, `[17/opaque]`, `[any/80]`), or nothing for any protocol and
/// any port. OPAQUE is start port 65535 with end port 0 (RFC 7296 §3.13.1).
pub fn write_protocol_ports(
    f: &mut core::fmt::Formatter<'_>,
    protocol: u8,
    (start, end): (u16, u16),
) -> core::fmt::Result {
    let any_port = (start, end) == (0, u16::MAX);
    if protocol == 0 && any_port {
        return Ok(());
    }
    f.write_str("[")?;
    match PROTOCOL_NAMES
        .iter()
        .find(|(_, number)| *number == protocol)
    {
        _ if protocol == 0 => f.write_str("any")?,
        Some((name, _)) => f.write_str(name)?,
        None => write!(f, "{protocol}")?,
    }
    if start == u16::MAX && end == 0 {
        f.write_str("/opaque")?;
    } else if start == end {
        write!(f, "/{start}")?;
    } else if !any_port {
        write!(f, "/{start}-{end}")?;
    }
    f.write_str("]")
}
