//! Addresses as swanctl.conf writes them: single IPv4/IPv6 addresses, CIDR subnets
//! (`"10.1.0.0/24"`), ranges (`"10.1.0.1-10.1.0.20"`) and the wildcards `%any`,
//! `%any4`, `%any6`.
//!
//! [`IpRange`] is the inclusive range every one of these forms denotes; it is what
//! traffic selectors (RFC 7296 §3.13.1 carries a start and an end address) and address
//! pools are made of. [`AddrSpec`] is one entry of `local_addrs` / `remote_addrs`.
//!
//! swanctl also takes DNS names in `local_addrs` / `remote_addrs` and resolves them
//! each time it looks a configuration up. The engine does no I/O, so it cannot: the
//! caller (`ikelab --config`) resolves names and writes the addresses in; a name left
//! in the configuration is reported by `PeerConfig::validate`.

use core::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An inclusive range of addresses of one family, `start <= end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpRange {
    start: IpAddr,
    end: IpAddr,
}

impl IpRange {
    /// A range from `start` to `end`; `None` if the families differ or `start > end`.
    pub fn new(start: IpAddr, end: IpAddr) -> Option<Self> {
        let ordered = match (start, end) {
            (IpAddr::V4(a), IpAddr::V4(b)) => a <= b,
            (IpAddr::V6(a), IpAddr::V6(b)) => a <= b,
            _ => false,
        };
        ordered.then_some(Self { start, end })
    }

    /// One address.
    pub fn single(addr: IpAddr) -> Self {
        Self {
            start: addr,
            end: addr,
        }
    }

    /// The subnet `addr/prefix`. Host bits set in `addr` are cleared, as strongSwan
    /// does (`"10.1.0.5/24"` is `10.1.0.0/24`). `None` if the prefix is too long.
    pub fn from_cidr(addr: IpAddr, prefix: u8) -> Option<Self> {
        match addr {
            IpAddr::V4(a) => {
                let (lo, hi) = mask_bits(u128::from(u32::from(a)), prefix, 32)?;
                Some(Self {
                    start: IpAddr::V4(Ipv4Addr::from(lo as u32)),
                    end: IpAddr::V4(Ipv4Addr::from(hi as u32)),
                })
            }
            IpAddr::V6(a) => {
                let (lo, hi) = mask_bits(u128::from(a), prefix, 128)?;
                Some(Self {
                    start: IpAddr::V6(Ipv6Addr::from(lo)),
                    end: IpAddr::V6(Ipv6Addr::from(hi)),
                })
            }
        }
    }

    /// Every address of one family: `0.0.0.0/0` or `::/0`.
    pub fn all(ipv6: bool) -> Self {
        if ipv6 {
            Self {
                start: IpAddr::V6(Ipv6Addr::UNSPECIFIED),
                end: IpAddr::V6(Ipv6Addr::from(u128::MAX)),
            }
        } else {
            Self {
                start: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                end: IpAddr::V4(Ipv4Addr::BROADCAST),
            }
        }
    }

    pub fn start(&self) -> IpAddr {
        self.start
    }

    pub fn end(&self) -> IpAddr {
        self.end
    }

    pub fn is_ipv6(&self) -> bool {
        self.start.is_ipv6()
    }

    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.start, self.end, addr) {
            (IpAddr::V4(s), IpAddr::V4(e), IpAddr::V4(a)) => s <= a && a <= e,
            (IpAddr::V6(s), IpAddr::V6(e), IpAddr::V6(a)) => s <= a && a <= e,
            _ => false,
        }
    }

    /// Whether the two ranges share at least one address.
    pub fn overlaps(&self, other: &Self) -> bool {
        self.is_ipv6() == other.is_ipv6()
            && as_u128(self.start) <= as_u128(other.end)
            && as_u128(other.start) <= as_u128(self.end)
    }

    /// How many addresses the range holds (saturating at `u128::MAX` for `::/0`).
    pub fn len(&self) -> u128 {
        (as_u128(self.end) - as_u128(self.start)).saturating_add(1)
    }

    /// Never true: a range holds at least one address. (Present for clippy's
    /// `len_without_is_empty`.)
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The prefix length if the range is exactly one CIDR subnet.
    pub fn prefix_len(&self) -> Option<u8> {
        let bits = if self.is_ipv6() { 128 } else { 32 };
        let (start, end) = (as_u128(self.start), as_u128(self.end));
        let host = start ^ end;
        // A subnet: the host part is all ones at the end, all zeros at the start.
        if host.count_ones() != 128 - host.leading_zeros() || start & host != 0 {
            return None;
        }
        u8::try_from(bits - host.count_ones()).ok()
    }

    /// Reads `"10.1.0.0/24"`, `"10.1.0.1-10.1.0.20"` or a single address.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Some((start, end)) = text.split_once('-') {
            let start = parse_ip(start.trim(), text)?;
            let end = parse_ip(end.trim(), text)?;
            if start.is_ipv4() != end.is_ipv4() {
                return Err(format!(
                    "the range {text:?} mixes an IPv4 and an IPv6 address"
                ));
            }
            return Self::new(start, end)
                .ok_or_else(|| format!("the range {text:?} ends before it starts"));
        }
        if let Some((addr, prefix)) = text.split_once('/') {
            let addr = parse_ip(addr.trim(), text)?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let prefix: u8 = prefix
                .trim()
                .parse()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| {
                    format!("the prefix length in {text:?} must be a number from 0 to {max}")
                })?;
            return Self::from_cidr(addr, prefix)
                .ok_or_else(|| format!("the prefix length in {text:?} is too long"));
        }
        parse_ip(text, text).map(Self::single)
    }
}

impl fmt::Display for IpRange {
    /// The CIDR form when the range is one subnet (`10.1.0.0/24`, `10.1.0.1/32`), else
    /// `start-end`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.prefix_len() {
            Some(prefix) => write!(f, "{}/{prefix}", self.start),
            None => write!(f, "{}-{}", self.start, self.end),
        }
    }
}

/// `(network, last)` of `value/prefix` in a `bits`-wide address space.
fn mask_bits(value: u128, prefix: u8, bits: u32) -> Option<(u128, u128)> {
    let prefix = u32::from(prefix);
    if prefix > bits {
        return None;
    }
    let host_bits = bits - prefix;
    let host_mask = if host_bits == 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    Some((value & !host_mask, (value & !host_mask) | host_mask))
}

fn as_u128(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

fn parse_ip(part: &str, whole: &str) -> Result<IpAddr, String> {
    part.parse::<IpAddr>()
        .map_err(|_| format!("{part:?} in {whole:?} is not an IPv4 or IPv6 address"))
}

/// One entry of `local_addrs` or `remote_addrs` (swanctl.conf(5): "single IPv4/IPv6
/// addresses, DNS names, CIDR subnets or IP address ranges"), DNS names excepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddrSpec {
    /// `%any`: any address of either family.
    Any,
    /// `%any4`: any IPv4 address.
    Any4,
    /// `%any6`: any IPv6 address.
    Any6,
    /// One address: what an initiator sends to (remote) or from (local).
    Addr(IpAddr),
    /// A CIDR subnet or a range: only matches, never a destination.
    Range(IpRange),
}

impl AddrSpec {
    /// Reads one entry. A DNS name gives an error that says it must be resolved first.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        match trimmed {
            "%any" => return Ok(Self::Any),
            "%any4" => return Ok(Self::Any4),
            "%any6" => return Ok(Self::Any6),
            _ => {}
        }
        if let Ok(addr) = trimmed.parse::<IpAddr>() {
            return Ok(Self::Addr(addr));
        }
        if trimmed.contains('/') || trimmed.contains('-') && !looks_like_dns_name(trimmed) {
            return IpRange::parse(trimmed).map(Self::Range);
        }
        if looks_like_dns_name(trimmed) {
            return Err(format!(
                "{trimmed:?} is a DNS name: the engine does no DNS lookups, so resolve it first \
                 (ikelab --config does) and write the address"
            ));
        }
        Err(format!(
            "{trimmed:?} is not an address: write an IPv4 or IPv6 address, a subnet such as \
             \"192.0.2.0/24\", a range such as \"192.0.2.1-192.0.2.9\", or %any"
        ))
    }

    /// The one address an initiator can use (`Addr`), if this is one.
    pub fn as_addr(&self) -> Option<IpAddr> {
        match self {
            Self::Addr(addr) => Some(*addr),
            _ => None,
        }
    }

    /// Whether `addr` is one this entry accepts (a responder's check).
    pub fn matches(&self, addr: IpAddr) -> bool {
        match self {
            Self::Any => true,
            Self::Any4 => addr.is_ipv4(),
            Self::Any6 => addr.is_ipv6(),
            Self::Addr(a) => *a == addr,
            Self::Range(range) => range.contains(addr),
        }
    }
}

impl fmt::Display for AddrSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("%any"),
            Self::Any4 => f.write_str("%any4"),
            Self::Any6 => f.write_str("%any6"),
            Self::Addr(addr) => write!(f, "{addr}"),
            Self::Range(range) => write!(f, "{range}"),
        }
    }
}

/// A host name as RFC 1123 §2.1 allows it: dot-separated labels of letters, digits and
/// hyphens, not all-numeric at the top.
fn looks_like_dns_name(text: &str) -> bool {
    let labels_ok = text.trim_end_matches('.').split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    let top_is_alpha = text
        .trim_end_matches('.')
        .rsplit('.')
        .next()
        .is_some_and(|top| top.chars().any(|c| c.is_ascii_alphabetic()));
    !text.is_empty() && text.len() <= 253 && labels_ok && top_is_alpha
}
