//! Configuration payload (RFC 7296 §3.15, attributes §3.15.1).
//!
//! ```text
//! |   CFG Type    |                    RESERVED                   |
//! ~                   Configuration Attributes                    ~
//!
//! one attribute:
//! |R|         Attribute Type      |            Length             |
//! ~                             Value                             ~
//! ```

use crate::wire::dissect::catalogue::{self, CP_VALUES};
use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use super::{reserved, text_or_hex};
use crate::wire::cursor::{Doc, Reader, WireResult};
use crate::wire::error::{EmitError, ErrorKind, WireError};
use crate::wire::hex;
use crate::wire::iana::{CfgAttrType, CfgType};
use crate::wire::writer::{EmitResult, Writer, fit_u16};

const RFC_ATTR: &str = "RFC 7296 §3.15.1";

/// A CP payload: a request for, or an assignment of, configuration (virtual IP, DNS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpPayload {
    pub cfg_type: CfgType,
    pub attributes: Vec<CfgAttribute>,
}

/// One configuration attribute; an empty value in a CFG_REQUEST asks for one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CfgAttribute {
    /// 15 bits on the wire; the top bit is reserved.
    pub attr_type: CfgAttrType,
    #[serde(with = "crate::wire::hex::serde_hex")]
    pub value: Vec<u8>,
}

impl CfgAttribute {
    /// An attribute with no value (a request).
    pub fn request(attr_type: CfgAttrType) -> Self {
        Self {
            attr_type,
            value: Vec::new(),
        }
    }

    /// An IPv4 address attribute (INTERNAL_IP4_ADDRESS, _DNS, _NETMASK, ...).
    pub fn ipv4(attr_type: CfgAttrType, addr: Ipv4Addr) -> Self {
        Self {
            attr_type,
            value: addr.octets().to_vec(),
        }
    }

    /// The value as an IPv4 address, when it is 4 octets.
    pub fn as_ipv4(&self) -> Option<Ipv4Addr> {
        <[u8; 4]>::try_from(self.value.as_slice())
            .ok()
            .map(Ipv4Addr::from)
    }

    /// The value as an IPv6 address, from its first 16 octets (INTERNAL_IP6_ADDRESS
    /// adds a prefix-length octet).
    pub fn as_ipv6(&self) -> Option<Ipv6Addr> {
        self.value
            .get(..16)
            .and_then(|v| <[u8; 16]>::try_from(v).ok())
            .map(Ipv6Addr::from)
    }

    fn read(r: &mut Reader<'_>) -> WireResult<Self> {
        let (raw_type, type_range) = r.raw_u16(ATTR_TYPE.name)?;
        let attr_type = CfgAttrType(raw_type & 0x7fff);
        r.leaf(type_range, &ATTR_TYPE, || {
            if raw_type & 0x8000 == 0 {
                attr_type.to_string()
            } else {
                format!("{attr_type} (reserved R bit set, ignored)")
            }
        });
        let (len, len_range) = r.raw_u16(LENGTH.name)?;
        let len = usize::from(len);
        if len > r.remaining() {
            return Err(WireError::new(
                len_range.start,
                LENGTH.name,
                ErrorKind::LengthOverrun {
                    length: len,
                    available: r.remaining(),
                },
            ));
        }
        r.leaf(len_range, &LENGTH, || format!("{len} octets"));
        let (value, range) = r.raw_bytes(len, "Value")?;
        r.leaf_explained(range, || {
            (
                render(attr_type, value),
                CP_VALUES.id(u32::from(attr_type.0), &catalogue::CP_VALUE_OTHER),
            )
        });
        Ok(Self {
            attr_type,
            value: value.to_vec(),
        })
    }

    fn write(&self, w: &mut Writer) -> EmitResult {
        if self.attr_type.0 > 0x7fff {
            return Err(EmitError::too_long(
                "Attribute Type",
                usize::from(self.attr_type.0),
                0x7fff,
            ));
        }
        w.u16(self.attr_type.0);
        w.u16(fit_u16(self.value.len(), "Length")?);
        w.bytes(&self.value);
        Ok(())
    }
}

impl std::fmt::Display for CfgAttribute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} = {}",
            self.attr_type,
            render(self.attr_type, &self.value)
        )
    }
}

fn render(t: CfgAttrType, v: &[u8]) -> String {
    let v4 = |b: &[u8]| <[u8; 4]>::try_from(b).ok().map(Ipv4Addr::from);
    let v6 = |b: &[u8]| <[u8; 16]>::try_from(b).ok().map(Ipv6Addr::from);
    if v.is_empty() {
        return "(empty: asks for a value)".to_owned();
    }
    let typed = match t {
        CfgAttrType::INTERNAL_IP4_ADDRESS
        | CfgAttrType::INTERNAL_IP4_NETMASK
        | CfgAttrType::INTERNAL_IP4_DNS
        | CfgAttrType::INTERNAL_IP4_NBNS
        | CfgAttrType::INTERNAL_IP4_DHCP
        | CfgAttrType::P_CSCF_IP4_ADDRESS => v4(v).map(|a| a.to_string()),
        CfgAttrType::INTERNAL_IP4_SUBNET if v.len() == 8 => v4(v.get(..4).unwrap_or_default())
            .zip(v4(v.get(4..).unwrap_or_default()))
            .map(|(a, m)| format!("{a} netmask {m}")),
        CfgAttrType::INTERNAL_IP6_ADDRESS | CfgAttrType::INTERNAL_IP6_SUBNET if v.len() == 17 => {
            v6(v.get(..16).unwrap_or_default())
                .map(|a| format!("{a}/{}", v.get(16).copied().unwrap_or(0)))
        }
        CfgAttrType::INTERNAL_IP6_DNS
        | CfgAttrType::INTERNAL_IP6_DHCP
        | CfgAttrType::P_CSCF_IP6_ADDRESS => v6(v).map(|a| a.to_string()),
        CfgAttrType::APPLICATION_VERSION | CfgAttrType::INTERNAL_DNS_DOMAIN => Some(text_or_hex(v)),
        CfgAttrType::SUPPORTED_ATTRIBUTES if v.len().is_multiple_of(2) => Some(
            v.chunks_exact(2)
                .map(|c| CfgAttrType(u16::from_be_bytes([c[0], c[1]]) & 0x7fff).to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => None,
    };
    typed.unwrap_or_else(|| hex::preview(v))
}

/// The catalogue's Value entry for an attribute type (`catalogue::CP_VALUES`); `None`
/// for a type only the generic entry explains.
pub(crate) fn cp_value_title(key: u32) -> Option<catalogue::Title> {
    let t = CfgAttrType(u16::try_from(key).ok()?);
    let meaning = match t {
        CfgAttrType::INTERNAL_IP4_ADDRESS => {
            "The virtual IPv4 address the client uses inside the tunnel."
        }
        CfgAttrType::INTERNAL_IP4_NETMASK => "Netmask of the internal network.",
        CfgAttrType::INTERNAL_IP4_DNS => "A DNS server to use while the tunnel is up.",
        CfgAttrType::INTERNAL_IP6_ADDRESS => {
            "The virtual IPv6 address (and prefix length) inside the tunnel."
        }
        CfgAttrType::INTERNAL_IP6_DNS => "An IPv6 DNS server to use while the tunnel is up.",
        CfgAttrType::INTERNAL_IP4_SUBNET => "A network protected by the gateway.",
        CfgAttrType::INTERNAL_DNS_DOMAIN => {
            "A DNS domain to resolve through the tunnel's DNS servers."
        }
        CfgAttrType::APPLICATION_VERSION => "Free text naming the sender's software.",
        _ => return None,
    };
    Some((Cow::Borrowed("Value"), RFC_ATTR, meaning))
}

impl CpPayload {
    pub(crate) fn read(r: &mut Reader<'_>) -> WireResult<Self> {
        let cfg_type = CfgType(r.u8(&CFG_TYPE, |v| CfgType(v).to_string())?);
        reserved(r, 3, &catalogue::CP_RESERVED)?;
        let mut attributes = Vec::new();
        while r.remaining() > 0 {
            attributes.push(r.group(&ATTRIBUTE, CfgAttribute::read, ToString::to_string)?);
        }
        Ok(Self {
            cfg_type,
            attributes,
        })
    }

    pub(crate) fn write(&self, w: &mut Writer) -> EmitResult {
        w.u8(self.cfg_type.0);
        w.zeros(3);
        for a in &self.attributes {
            a.write(w)?;
        }
        Ok(())
    }

    pub(crate) fn describe(&self) -> String {
        let names: Vec<String> = self
            .attributes
            .iter()
            .map(|a| a.attr_type.to_string())
            .collect();
        format!("{} {}", self.cfg_type, names.join(", "))
    }
}

const CFG_TYPE: Doc = catalogue::CP_CFG_TYPE;
const ATTRIBUTE: Doc = catalogue::CP_ATTRIBUTE;
const ATTR_TYPE: Doc = catalogue::CP_ATTR_TYPE;
const LENGTH: Doc = catalogue::CP_LENGTH;
