//! IKE identities as swanctl.conf writes them (`local.id`, `remote.id`), turned into
//! the ID Type and Identification Data of an IDi/IDr payload (RFC 7296 §3.5).
//!
//! The type is found from the text as swanctl.conf(5) (`local.id`) and charon's
//! parser do it:
//!
//! | text                                   | ID type           | Identification Data          |
//! |----------------------------------------|-------------------|------------------------------|
//! | `%any`, `%any6`, `*`, `0.0.0.0`, `::`, empty | none: matches any | (cannot be sent)         |
//! | `192.0.2.1`                            | ID_IPV4_ADDR (1)  | 4 octets                     |
//! | `2001:db8::1`                          | ID_IPV6_ADDR (5)  | 16 octets                    |
//! | `gw.example`                           | ID_FQDN (2)       | the ASCII text               |
//! | `@gw.example` (forces FQDN)            | ID_FQDN (2)       | text after `@`               |
//! | `user@example.org`                     | ID_RFC822_ADDR (3)| the text                     |
//! | `@@user@example.org`                   | ID_RFC822_ADDR (3)| text after `@@`              |
//! | `C=CH, O=strongSwan, CN=gw`            | ID_DER_ASN1_DN (9)| DER of the name (see `dn`)   |
//! | `@#0123ab`                             | ID_KEY_ID (11)    | the hex-decoded octets       |
//! | `fqdn:`, `dns:`, `rfc822:`, `email:`, `userfqdn:`, `ipv4:`, `ipv6:`, `asn1dn:`, `asn1gn:`, `keyid:` + data | that type | the data as written, or hex after `#` |
//! | `{N}:` + data                          | type N            | the data as written, or hex after `#` |
//!
//! Where charon guesses, IKElab reports instead: text with `=` that is not a DN it can
//! encode, and text with `:` that is not an IPv6 address, are errors here (charon turns
//! both into an ID_KEY_ID of the text, a classic way to never match). Likewise
//! `ipv4:10.0.0.1` is an error, not the 8-octet "address" charon would send
//! (swanctl.conf(5) warns about exactly this); write `10.0.0.1` or `ipv4:#0a000001`.

use core::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::dn;
use crate::wire::IdPayload;
use crate::wire::iana::IdType;

/// An identity as configured: the text and what it means on the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    text: String,
    /// `None` for `%any`.
    payload: Option<IdPayload>,
}

/// Why an identity text could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityError(pub String);

impl fmt::Display for IdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for IdentityError {}

/// Typed prefixes swanctl knows (swanctl.conf(5), `local.id`); case-insensitive.
const PREFIXES: &[(&str, IdType)] = &[
    ("ipv4:", IdType::IPV4_ADDR),
    ("ipv6:", IdType::IPV6_ADDR),
    ("rfc822:", IdType::RFC822_ADDR),
    ("email:", IdType::RFC822_ADDR),
    ("userfqdn:", IdType::RFC822_ADDR),
    ("fqdn:", IdType::FQDN),
    ("dns:", IdType::FQDN),
    ("asn1dn:", IdType::DER_ASN1_DN),
    ("asn1gn:", IdType::DER_ASN1_GN),
    ("keyid:", IdType::KEY_ID),
];

impl Identity {
    /// `%any`: matches every identity; the default of `remote.id`.
    pub fn any() -> Self {
        Self {
            text: "%any".to_owned(),
            payload: None,
        }
    }

    /// The identity of an IP address (what strongSwan uses when `local.id` is unset).
    pub fn from_ip(addr: IpAddr) -> Self {
        let payload = match addr {
            IpAddr::V4(a) => IdPayload::ipv4(a),
            IpAddr::V6(a) => IdPayload::ipv6(a),
        };
        Self {
            text: addr.to_string(),
            payload: Some(payload),
        }
    }

    /// Reads swanctl's identity syntax (see the module documentation).
    pub fn parse(text: &str) -> Result<Self, IdentityError> {
        let payload = parse_payload(text)?;
        Ok(Self {
            text: text.to_owned(),
            payload,
        })
    }

    /// The text as configured.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether this is `%any`.
    pub fn is_any(&self) -> bool {
        self.payload.is_none()
    }

    /// The ID Type, or `None` for `%any`.
    pub fn id_type(&self) -> Option<IdType> {
        self.payload.as_ref().map(|p| p.id_type)
    }

    /// The Identification Data, or `None` for `%any`.
    pub fn data(&self) -> Option<&[u8]> {
        self.payload.as_ref().map(|p| p.data.as_slice())
    }

    /// The IDi/IDr payload to send, or `None` for `%any` (which cannot be sent).
    pub fn payload(&self) -> Option<&IdPayload> {
        self.payload.as_ref()
    }

    /// Whether the identity holds a wildcard (`*` at the start of an FQDN or RFC 822
    /// address, or a DN attribute of exactly `*`), so it can match but not be sent.
    pub fn has_wildcard(&self) -> bool {
        match &self.payload {
            None => true,
            Some(p) if p.id_type == IdType::FQDN || p.id_type == IdType::RFC822_ADDR => {
                p.data.starts_with(b"*")
            }
            Some(p) if p.id_type == IdType::DER_ASN1_DN => dn::dn_has_wildcard(&p.data),
            Some(_) => false,
        }
    }

    /// Whether a received identity matches this configured one, as charon matches:
    /// `%any` matches everything; FQDN and RFC 822 compare without regard to ASCII
    /// case, and a leading `*` matches any prefix (`*.example.org`, `*@example.org`;
    /// a lone `*` any name of the type); DNs compare attribute by attribute (see
    /// [`dn::dn_matches`]); every other type compares octet for octet.
    pub fn matches(&self, received: &IdPayload) -> bool {
        let Some(own) = &self.payload else {
            return true;
        };
        if own.id_type != received.id_type {
            return false;
        }
        match own.id_type {
            IdType::FQDN | IdType::RFC822_ADDR => {
                if own.data.eq_ignore_ascii_case(&received.data) {
                    return true;
                }
                let Some(suffix) = own.data.strip_prefix(b"*") else {
                    return false;
                };
                received
                    .data
                    .len()
                    .checked_sub(suffix.len())
                    .and_then(|start| received.data.get(start..))
                    .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
            }
            IdType::DER_ASN1_DN => dn::dn_matches(&own.data, &received.data),
            _ => own.data == received.data,
        }
    }
}

fn parse_payload(text: &str) -> Result<Option<IdPayload>, IdentityError> {
    let fail = |reason: String| IdentityError(format!("identity {text:?}: {reason}"));
    // 1. A typed prefix: "fqdn:gw.example", "keyid:#0123".
    let lower = text.to_ascii_lowercase();
    if let Some((prefix, id_type)) = PREFIXES
        .iter()
        .find(|(prefix, _)| lower.starts_with(prefix))
    {
        let data = typed_data(&text[prefix.len()..]).map_err(fail)?;
        return check_typed(*id_type, data).map(Some).map_err(fail);
    }
    // 2. A numeric type: "{11}:#0123", "{2}:gw.example".
    if let Some(rest) = text.strip_prefix('{')
        && let Some((number, data)) = rest.split_once("}:")
    {
        let id_type = number.parse::<u8>().map(IdType).map_err(|_| {
            fail(format!(
                "{number:?} in {{...}}: is not an ID type number from 0 to 255"
            ))
        })?;
        let data = typed_data(data).map_err(fail)?;
        return check_typed(id_type, data).map(Some).map_err(fail);
    }
    // 3. A distinguished name.
    if text.contains('=') {
        return match dn::encode_dn(text) {
            Ok(der) => Ok(Some(IdPayload {
                id_type: IdType::DER_ASN1_DN,
                data: der,
            })),
            Err(e) => Err(fail(format!(
                "{e} (charon would fall back to an ID_KEY_ID of the text, which never matches a DN)"
            ))),
        };
    }
    // 4. No '@': any, an address or an FQDN.
    if !text.contains('@') {
        if matches!(
            text,
            "" | "%any" | "%any6" | "0.0.0.0" | "*" | "::" | "0::0"
        ) {
            return Ok(None);
        }
        if !text.contains(':') {
            return Ok(Some(match text.parse::<Ipv4Addr>() {
                Ok(addr) => IdPayload::ipv4(addr),
                Err(_) => IdPayload::fqdn(text),
            }));
        }
        return match text.parse::<Ipv6Addr>() {
            Ok(addr) => Ok(Some(IdPayload::ipv6(addr))),
            Err(_) => Err(fail(
                "has ':' but is not an IPv6 address (an FQDN cannot contain ':'); to send these \
                 characters as an ID_KEY_ID write keyid: in front"
                    .to_owned(),
            )),
        };
    }
    // 5. With '@': "@#hex" key ID, "@@user@host" RFC 822, "@name" FQDN, else RFC 822.
    if let Some(hex) = text.strip_prefix("@#") {
        return decode_hex(hex)
            .map(|d| Some(IdPayload::key_id(&d)))
            .map_err(fail);
    }
    if text.chars().all(|c| c == '@') {
        return Err(fail("there is no name after the '@'".to_owned()));
    }
    if let Some(rest) = text.strip_prefix("@@") {
        return Ok(Some(IdPayload::rfc822(rest)));
    }
    if let Some(rest) = text.strip_prefix('@') {
        return Ok(Some(IdPayload::fqdn(rest)));
    }
    Ok(Some(IdPayload::rfc822(text)))
}

/// The data after a typed prefix: hex after `#`, else the octets as written.
fn typed_data(data: &str) -> Result<Vec<u8>, String> {
    if data.is_empty() {
        return Err("nothing follows the type prefix".to_owned());
    }
    match data.strip_prefix('#') {
        Some(hex) => decode_hex(hex),
        None => Ok(data.as_bytes().to_vec()),
    }
}

/// Rejects typed data the wire could not carry: an address of the wrong length.
fn check_typed(id_type: IdType, data: Vec<u8>) -> Result<IdPayload, String> {
    let expected = match id_type {
        IdType::IPV4_ADDR => Some((4, "10.0.0.1", "ipv4:#0a000001")),
        IdType::IPV6_ADDR => Some((16, "2001:db8::1", "ipv6:#20010db8000000000000000000000001")),
        _ => None,
    };
    if let Some((len, plain, hex)) = expected
        && data.len() != len
    {
        return Err(format!(
            "an {} is {len} octets, but this gives {} (a typed prefix takes the text as-is, \
             without converting it); write the address alone, e.g. {plain}, or in hex, e.g. {hex}",
            id_type.name().unwrap_or("address"),
            data.len()
        ));
    }
    Ok(IdPayload { id_type, data })
}

fn decode_hex(hex: &str) -> Result<Vec<u8>, String> {
    if hex.is_empty() {
        return Err("the hex after '#' is empty".to_owned());
    }
    if !hex.len().is_multiple_of(2) {
        return Err("the hex after '#' has an odd number of digits".to_owned());
    }
    hex.as_bytes()
        .chunks(2)
        .map(|pair| {
            let digit = |c: u8| (c as char).to_digit(16);
            match (digit(pair[0]), digit(pair[1])) {
                (Some(hi), Some(lo)) => Ok((hi * 16 + lo) as u8),
                _ => Err(format!(
                    "{:?} after '#' is not hexadecimal",
                    String::from_utf8_lossy(pair)
                )),
            }
        })
        .collect()
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.payload {
            None => write!(f, "Identity({:?}: any)", self.text),
            Some(p) => write!(
                f,
                "Identity({:?}: {:?} {})",
                self.text,
                p.id_type,
                hex(&p.data)
            ),
        }
    }
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

impl serde::Serialize for Identity {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for Identity {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}
