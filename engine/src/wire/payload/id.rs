//! Identification payloads IDi and IDr (RFC 7296 §3.5).
//!
//! ```text
//! |   ID Type     |                 RESERVED                      |
//! ~                   Identification Data                         ~
//! ```

use crate::wire::dissect::catalogue::{self, ID_DATA};
use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use super::{reserved, text_or_hex};
use crate::wire::cursor::{Doc, Reader, WireResult};
use crate::wire::error::{ErrorKind, WireError};
use crate::wire::hex;
use crate::wire::iana::IdType;
use crate::wire::writer::{EmitResult, Writer};

const RFC: &str = "RFC 7296 §3.5";

/// An IDi or IDr payload: who the sender claims to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdPayload {
    pub id_type: IdType,
    /// The identity in the form `id_type` names; see the typed accessors.
    #[serde(with = "crate::wire::hex::serde_hex")]
    pub data: Vec<u8>,
}

impl IdPayload {
    pub fn ipv4(addr: Ipv4Addr) -> Self {
        Self {
            id_type: IdType::IPV4_ADDR,
            data: addr.octets().to_vec(),
        }
    }

    pub fn ipv6(addr: Ipv6Addr) -> Self {
        Self {
            id_type: IdType::IPV6_ADDR,
            data: addr.octets().to_vec(),
        }
    }

    /// An ID_FQDN ("gw.example.org"), no terminator.
    pub fn fqdn(name: &str) -> Self {
        Self {
            id_type: IdType::FQDN,
            data: name.as_bytes().to_vec(),
        }
    }

    /// An ID_RFC822_ADDR ("alice@example.org").
    pub fn rfc822(address: &str) -> Self {
        Self {
            id_type: IdType::RFC822_ADDR,
            data: address.as_bytes().to_vec(),
        }
    }

    /// An ID_KEY_ID: opaque octets.
    pub fn key_id(id: &[u8]) -> Self {
        Self {
            id_type: IdType::KEY_ID,
            data: id.to_vec(),
        }
    }

    /// ID_NULL (RFC 7619): no identity.
    pub fn null() -> Self {
        Self {
            id_type: IdType::NULL,
            data: Vec::new(),
        }
    }

    pub fn as_ipv4(&self) -> Option<Ipv4Addr> {
        (self.id_type == IdType::IPV4_ADDR)
            .then(|| {
                <[u8; 4]>::try_from(self.data.as_slice())
                    .ok()
                    .map(Ipv4Addr::from)
            })
            .flatten()
    }

    pub fn as_ipv6(&self) -> Option<Ipv6Addr> {
        (self.id_type == IdType::IPV6_ADDR)
            .then(|| {
                <[u8; 16]>::try_from(self.data.as_slice())
                    .ok()
                    .map(Ipv6Addr::from)
            })
            .flatten()
    }

    /// The FQDN, if this is an ID_FQDN in UTF-8.
    pub fn as_fqdn(&self) -> Option<&str> {
        (self.id_type == IdType::FQDN)
            .then(|| std::str::from_utf8(&self.data).ok())
            .flatten()
    }

    /// The address, if this is an ID_RFC822_ADDR in UTF-8.
    pub fn as_rfc822(&self) -> Option<&str> {
        (self.id_type == IdType::RFC822_ADDR)
            .then(|| std::str::from_utf8(&self.data).ok())
            .flatten()
    }

    /// The identity for people: "192.0.2.1", "gw.example", "alice@example", hex otherwise.
    pub fn display_value(&self) -> String {
        render(self.id_type, &self.data)
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> WireResult<Self> {
        let id_type = IdType(r.u8(&ID_TYPE, |v| IdType(v).to_string())?);
        reserved(r, 3, &catalogue::ID_RESERVED)?;
        let expected = match id_type {
            IdType::IPV4_ADDR => Some(4),
            IdType::IPV6_ADDR => Some(16),
            _ => None,
        };
        if let Some(expected) = expected
            && r.remaining() != expected
        {
            return Err(WireError::new(
                r.pos(),
                "Identification Data",
                ErrorKind::BadValue {
                    found: r.remaining() as u64,
                    expected: format!(
                        "an {} is exactly {expected} octets",
                        id_type.name().unwrap_or("address")
                    )
                    .into(),
                },
            ));
        }
        let n = r.remaining();
        let (data, range) = r.raw_bytes(n, "Identification Data")?;
        r.leaf_explained(range, || {
            (
                render(id_type, data),
                ID_DATA.id(u32::from(id_type.0), &catalogue::ID_DATA_OTHER),
            )
        });
        let data = data.to_vec();
        Ok(Self { id_type, data })
    }

    pub(crate) fn write(&self, w: &mut Writer) -> EmitResult {
        w.u8(self.id_type.0);
        w.zeros(3);
        w.bytes(&self.data);
        Ok(())
    }

    pub(crate) fn describe(&self) -> String {
        format!("{} {}", self.id_type, self.display_value())
    }
}

fn render(id_type: IdType, data: &[u8]) -> String {
    match id_type {
        IdType::IPV4_ADDR => <[u8; 4]>::try_from(data)
            .map_or_else(|_| hex::preview(data), |a| Ipv4Addr::from(a).to_string()),
        IdType::IPV6_ADDR => <[u8; 16]>::try_from(data)
            .map_or_else(|_| hex::preview(data), |a| Ipv6Addr::from(a).to_string()),
        IdType::FQDN | IdType::RFC822_ADDR | IdType::KEY_ID => text_or_hex(data),
        IdType::NULL if data.is_empty() => "(none)".to_owned(),
        _ => hex::preview(data),
    }
}

/// The catalogue's Identification Data entry for an ID Type (`catalogue::ID_DATA`);
/// `None` for a type this dissector does not decode.
pub(crate) fn id_data_title(key: u32) -> Option<catalogue::Title> {
    let id_type = IdType(u8::try_from(key).ok()?);
    let meaning = match id_type {
        IdType::IPV4_ADDR => "A single IPv4 address identifies the sender.",
        IdType::IPV6_ADDR => "A single IPv6 address identifies the sender.",
        IdType::FQDN => "A fully qualified domain name identifies the sender.",
        IdType::RFC822_ADDR => "An e-mail address identifies the sender.",
        IdType::DER_ASN1_DN => {
            "A DER-encoded X.500 Distinguished Name, usually the subject of the sender's certificate."
        }
        IdType::DER_ASN1_GN => "A DER-encoded X.509 GeneralName.",
        IdType::KEY_ID => {
            "Opaque octets meaningful only to the two peers (often a pre-shared key's name)."
        }
        IdType::NULL => "No identity: NULL authentication (RFC 7619).",
        _ => return None,
    };
    Some((Cow::Borrowed("Identification Data"), RFC, meaning))
}

const ID_TYPE: Doc = catalogue::ID_ID_TYPE;
