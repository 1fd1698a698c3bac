//! Traffic Selector payloads TSi and TSr (RFC 7296 §3.13).
//!
//! ```text
//! | Number of TSs |                 RESERVED                      |
//! ~                       <Traffic Selectors>                     ~
//!
//! one selector (§3.13.1):
//! |   TS Type     |IP Protocol ID*|       Selector Length         |
//! |           Start Port*         |           End Port*           |
//! ~                         Starting Address*                     ~
//! ~                         Ending Address*                       ~
//! ```

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use super::reserved;
use crate::wire::cursor::{Doc, Reader, WireResult};
use crate::wire::error::{ErrorKind, WireError};
use crate::wire::hex;
use crate::wire::iana::TsType;
use crate::wire::writer::{EmitResult, Writer, fit_u8};

const RFC: &str = "RFC 7296 §3.13";
const RFC_TS: &str = "RFC 7296 §3.13.1";

/// A TSi or TSr payload: the traffic a Child SA is for, as a list of ranges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TsPayload {
    pub selectors: Vec<TrafficSelector>,
}

/// One traffic selector: an address range, an IP protocol and a port range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrafficSelector {
    Ipv4 {
        /// 0 means any protocol.
        ip_protocol: u8,
        start_port: u16,
        end_port: u16,
        start: Ipv4Addr,
        end: Ipv4Addr,
    },
    Ipv6 {
        ip_protocol: u8,
        start_port: u16,
        end_port: u16,
        start: Ipv6Addr,
        end: Ipv6Addr,
    },
    /// A selector type this parser keeps raw (e.g. TS_FC_ADDR_RANGE, TS_SECLABEL).
    Other {
        ts_type: TsType,
        /// The octet after TS Type (IP Protocol ID for IP types, reserved for others).
        second_octet: u8,
        /// Everything after the Selector Length field.
        #[serde(with = "crate::wire::hex::serde_hex")]
        data: Vec<u8>,
    },
}

impl TrafficSelector {
    /// Every protocol and port between two IPv4 addresses.
    pub fn ipv4_range(start: Ipv4Addr, end: Ipv4Addr) -> Self {
        Self::Ipv4 {
            ip_protocol: 0,
            start_port: 0,
            end_port: u16::MAX,
            start,
            end,
        }
    }

    /// Every protocol and port between two IPv6 addresses.
    pub fn ipv6_range(start: Ipv6Addr, end: Ipv6Addr) -> Self {
        Self::Ipv6 {
            ip_protocol: 0,
            start_port: 0,
            end_port: u16::MAX,
            start,
            end,
        }
    }

    pub fn ts_type(&self) -> TsType {
        match self {
            Self::Ipv4 { .. } => TsType::IPV4_ADDR_RANGE,
            Self::Ipv6 { .. } => TsType::IPV6_ADDR_RANGE,
            Self::Other { ts_type, .. } => *ts_type,
        }
    }

    fn read(r: &mut Reader<'_>) -> WireResult<Self> {
        let ts_type = TsType(r.u8(&TS_TYPE, |v| TsType(v).to_string())?);
        let ip_type = matches!(ts_type, TsType::IPV4_ADDR_RANGE | TsType::IPV6_ADDR_RANGE);
        let second_octet = if ip_type {
            r.u8(&IP_PROTOCOL, |v| protocol_name(v).into_owned())?
        } else {
            r.u8(&SECOND_OCTET, |v| v.to_string())?
        };
        let (len, len_range) = r.raw_u16(SELECTOR_LENGTH.name)?;
        let len = usize::from(len);
        if len < 4 {
            return Err(WireError::new(
                len_range.start,
                SELECTOR_LENGTH.name,
                ErrorKind::LengthTooSmall {
                    length: len,
                    minimum: 4,
                },
            ));
        }
        if len - 4 > r.remaining() {
            return Err(WireError::new(
                len_range.start,
                SELECTOR_LENGTH.name,
                ErrorKind::LengthOverrun {
                    length: len,
                    available: r.remaining() + 4,
                },
            ));
        }
        let required = match ts_type {
            TsType::IPV4_ADDR_RANGE => Some(16),
            TsType::IPV6_ADDR_RANGE => Some(40),
            _ => None,
        };
        if let Some(required) = required
            && len != required
        {
            return Err(WireError::new(
                len_range.start,
                SELECTOR_LENGTH.name,
                ErrorKind::BadValue {
                    found: len as u64,
                    expected: format!("a {ts_type} selector is {required} octets").into(),
                },
            ));
        }
        r.leaf(len_range, &SELECTOR_LENGTH, || format!("{len} octets"));
        r.limit(len - 4, SELECTOR_LENGTH.name, |r| {
            if !ip_type {
                let data = r.rest(&SELECTOR_DATA, hex::preview).to_vec();
                return Ok(Self::Other {
                    ts_type,
                    second_octet,
                    data,
                });
            }
            let start_port = r.u16(&START_PORT, |v| v.to_string())?;
            let end_port = r.u16(&END_PORT, |v| v.to_string())?;
            if ts_type == TsType::IPV4_ADDR_RANGE {
                let start = Ipv4Addr::from(r.u32(&START_ADDR, |v| Ipv4Addr::from(v).to_string())?);
                let end = Ipv4Addr::from(r.u32(&END_ADDR, |v| Ipv4Addr::from(v).to_string())?);
                Ok(Self::Ipv4 {
                    ip_protocol: second_octet,
                    start_port,
                    end_port,
                    start,
                    end,
                })
            } else {
                let start = ipv6(r.bytes(16, &START_ADDR, |v| ipv6(v).to_string())?);
                let end = ipv6(r.bytes(16, &END_ADDR, |v| ipv6(v).to_string())?);
                Ok(Self::Ipv6 {
                    ip_protocol: second_octet,
                    start_port,
                    end_port,
                    start,
                    end,
                })
            }
        })
    }

    fn write(&self, w: &mut Writer) -> EmitResult {
        match self {
            Self::Ipv4 {
                ip_protocol,
                start_port,
                end_port,
                start,
                end,
            } => write_ip_range(
                w,
                TsType::IPV4_ADDR_RANGE,
                *ip_protocol,
                (*start_port, *end_port),
                (&start.octets(), &end.octets()),
            ),
            Self::Ipv6 {
                ip_protocol,
                start_port,
                end_port,
                start,
                end,
            } => write_ip_range(
                w,
                TsType::IPV6_ADDR_RANGE,
                *ip_protocol,
                (*start_port, *end_port),
                (&start.octets(), &end.octets()),
            ),
            Self::Other {
                ts_type,
                second_octet,
                data,
            } => {
                w.u8(ts_type.0);
                w.u8(*second_octet);
                let at = w.placeholder_u16();
                w.bytes(data);
                w.patch_len_u16(at, at - 2, "Selector Length")?;
            }
        }
        Ok(())
    }
}

impl std::fmt::Display for TrafficSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Ipv4 {
                ip_protocol,
                start_port,
                end_port,
                start,
                end,
            } => fmt_ip_range(
                f,
                (start, end),
                (&start.octets(), &end.octets()),
                (*ip_protocol, *start_port, *end_port),
            ),
            Self::Ipv6 {
                ip_protocol,
                start_port,
                end_port,
                start,
                end,
            } => fmt_ip_range(
                f,
                (start, end),
                (&start.octets(), &end.octets()),
                (*ip_protocol, *start_port, *end_port),
            ),
            Self::Other { ts_type, data, .. } => write!(f, "{ts_type} {}", hex::preview(data)),
        }
    }
}

/// Writes an IPv4 or IPv6 range selector (§3.13.1); its Selector Length follows from
/// the address size: 8 octets of header and ports, then the two addresses.
fn write_ip_range(
    w: &mut Writer,
    ts_type: TsType,
    ip_protocol: u8,
    (start_port, end_port): (u16, u16),
    (start, end): (&[u8], &[u8]),
) {
    w.u8(ts_type.0);
    w.u8(ip_protocol);
    // 8 + 2 × 16 at most: always fits the 16-bit field.
    w.u16((8 + start.len() + end.len()) as u16);
    w.u16(start_port);
    w.u16(end_port);
    w.bytes(start);
    w.bytes(end);
}

/// "10.1.0.0/24[tcp/443]" when the range is one CIDR block, else "start-end[…]".
/// The one text form of a selector, swanctl's syntax: the range as a CIDR block when
/// it is one (`10.1.0.0/24`), else `start-end`, then the protocol and ports in brackets
/// (`[tcp/443]`, [`write_protocol_ports`](crate::wire::iana::write_protocol_ports)).
/// `PeerConfig` selectors print the same way, so a transcript, a trace and a
/// configuration name a selector alike.
fn fmt_ip_range(
    f: &mut std::fmt::Formatter<'_>,
    (start, end): (&dyn std::fmt::Display, &dyn std::fmt::Display),
    (start_octets, end_octets): (&[u8], &[u8]),
    (protocol, start_port, end_port): (u8, u16, u16),
) -> std::fmt::Result {
    match prefix_len(start_octets, end_octets) {
        Some(p) => write!(f, "{start}/{p}")?,
        None => write!(f, "{start}-{end}")?,
    }
    crate::wire::iana::write_protocol_ports(f, protocol, (start_port, end_port))
}

fn ipv6(bytes: &[u8]) -> Ipv6Addr {
    Ipv6Addr::from(<[u8; 16]>::try_from(bytes).unwrap_or_default())
}

/// The prefix length if `start..=end` is exactly one CIDR block.
fn prefix_len(start: &[u8], end: &[u8]) -> Option<u32> {
    let bits = start.len() * 8;
    let s = start
        .iter()
        .fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
    let e = end.iter().fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
    let host = s ^ e;
    let host_bits = 128 - host.leading_zeros();
    let is_block = host.count_ones() == host_bits && s & host == 0 && e & host == host;
    let prefix = u32::try_from(bits).ok()?.checked_sub(host_bits)?;
    is_block.then_some(prefix)
}

fn protocol_name(v: u8) -> Cow<'static, str> {
    match v {
        0 => Cow::Borrowed("0 (any)"),
        1 => Cow::Borrowed("ICMP (1)"),
        6 => Cow::Borrowed("TCP (6)"),
        17 => Cow::Borrowed("UDP (17)"),
        47 => Cow::Borrowed("GRE (47)"),
        58 => Cow::Borrowed("ICMPv6 (58)"),
        132 => Cow::Borrowed("SCTP (132)"),
        v => Cow::Owned(v.to_string()),
    }
}

impl TsPayload {
    pub(crate) fn read(r: &mut Reader<'_>) -> WireResult<Self> {
        let (count, count_range) = r.raw_u8(COUNT.name)?;
        r.leaf(count_range.clone(), &COUNT, || count.to_string());
        reserved(r, 3, RFC)?;
        let mut selectors = Vec::new();
        while r.remaining() > 0 {
            selectors.push(r.group(&SELECTOR, TrafficSelector::read, ToString::to_string)?);
        }
        if selectors.len() != usize::from(count) {
            return Err(WireError::new(
                count_range.start,
                COUNT.name,
                ErrorKind::CountMismatch {
                    declared: usize::from(count),
                    found: selectors.len(),
                },
            ));
        }
        Ok(Self { selectors })
    }

    pub(crate) fn write(&self, w: &mut Writer) -> EmitResult {
        w.u8(fit_u8(self.selectors.len(), "Number of TSs")?);
        w.zeros(3);
        for ts in &self.selectors {
            ts.write(w)?;
        }
        Ok(())
    }

    pub(crate) fn describe(&self) -> String {
        let list: Vec<String> = self.selectors.iter().map(ToString::to_string).collect();
        list.join(", ")
    }
}

const COUNT: Doc = Doc::new("Number of TSs", RFC, "How many traffic selectors follow.");
const SELECTOR: Doc = Doc::new(
    "Traffic Selector",
    RFC_TS,
    "A range of addresses, an IP protocol and a port range: packets matching it travel \
     through the Child SA.",
);
const TS_TYPE: Doc = Doc::new(
    "TS Type",
    RFC_TS,
    "The kind of selector: an IPv4 or IPv6 address range.",
);
const IP_PROTOCOL: Doc = Doc::new(
    "IP Protocol ID",
    RFC_TS,
    "The IP protocol (TCP 6, UDP 17, ...) the selector covers; 0 means any.",
);
const SECOND_OCTET: Doc = Doc::new(
    "Type-specific octet",
    RFC_TS,
    "The octet after TS Type, defined by the selector type.",
);
const SELECTOR_LENGTH: Doc = Doc::new(
    "Selector Length",
    RFC_TS,
    "Length of this selector, header included: 16 for IPv4, 40 for IPv6.",
);
const START_PORT: Doc = Doc::new(
    "Start Port",
    RFC_TS,
    "Lowest port covered (ICMP: type and code); 0 with End Port 65535 means any port.",
);
const END_PORT: Doc = Doc::new("End Port", RFC_TS, "Highest port covered.");
const START_ADDR: Doc = Doc::new("Starting Address", RFC_TS, "Lowest address covered.");
const END_ADDR: Doc = Doc::new("Ending Address", RFC_TS, "Highest address covered.");
const SELECTOR_DATA: Doc = Doc::new(
    "Selector Data",
    RFC_TS,
    "The selector's content, in the layout of its type.",
);

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn cidr_rendering() {
        let ts =
            TrafficSelector::ipv4_range(Ipv4Addr::new(10, 1, 0, 0), Ipv4Addr::new(10, 1, 0, 255));
        assert_eq!(ts.to_string(), "10.1.0.0/24");
        let any = TrafficSelector::ipv4_range(Ipv4Addr::UNSPECIFIED, Ipv4Addr::BROADCAST);
        assert_eq!(any.to_string(), "0.0.0.0/0");
        let odd =
            TrafficSelector::ipv4_range(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 6));
        assert_eq!(odd.to_string(), "10.0.0.1-10.0.0.6");
        let host = TrafficSelector::Ipv4 {
            ip_protocol: 6,
            start_port: 443,
            end_port: 443,
            start: Ipv4Addr::new(192, 0, 2, 1),
            end: Ipv4Addr::new(192, 0, 2, 1),
        };
        assert_eq!(host.to_string(), "192.0.2.1/32[tcp/443]");
    }
}
