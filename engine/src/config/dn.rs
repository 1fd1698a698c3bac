//! Distinguished names: swanctl's text form (`"C=CH, O=strongSwan, CN=gw"`) to the DER
//! an ID_DER_ASN1_DN carries (RFC 7296 §3.5: "the binary Distinguished Encoding Rules
//! (DER) encoding of an ASN.1 X.500 Distinguished Name"), and RDN-wise comparison of
//! two DER names for identity matching.
//!
//! The DER structure (X.501, RFC 5280 §4.1.2.4):
//!
//! ```text
//! Name ::= SEQUENCE OF RelativeDistinguishedName
//! RelativeDistinguishedName ::= SET OF AttributeTypeAndValue
//! AttributeTypeAndValue ::= SEQUENCE { type OBJECT IDENTIFIER, value ANY }
//! ```
//!
//! Each `key=value` of the text becomes one single-valued RDN, in the order written.
//! The value's string type follows strongSwan 5.9.8 (checked against its `pki --self
//! --dn` output, see the tests): E/emailAddress are IA5String; every other attribute is
//! PrintableString when all its characters are in PrintableString's set (X.680 §41.4:
//! letters, digits, space and `'()+,-./:=?`), else UTF8String.
//!
//! Syntax (as charon's parser): RDNs separated by `,` (or by `/` when the text starts
//! with `/`, the OpenSSL style `/C=CH/O=strongSwan/CN=gw`); spaces around keys and
//! values are dropped; keys are case-insensitive. There is no escaping: a value that
//! contains a comma needs the `/` form. Unlike charon, an unknown key or an empty value
//! is an error here (charon then silently makes the whole text an ID_KEY_ID).

use core::fmt;

/// The string type an attribute's value is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StringKind {
    /// PrintableString (tag 0x13) if possible, else UTF8String (tag 0x0c).
    Directory,
    /// IA5String (tag 0x16): ASCII only.
    Ia5,
}

const TAG_SEQUENCE: u8 = 0x30;
const TAG_SET: u8 = 0x31;
const TAG_OID: u8 = 0x06;
const TAG_UTF8_STRING: u8 = 0x0c;
const TAG_PRINTABLE_STRING: u8 = 0x13;
const TAG_IA5_STRING: u8 = 0x16;

/// One attribute type: the names swanctl accepts for it, its OID in DER (contents
/// octets only) and its string type.
struct Attribute {
    names: &'static [&'static str],
    oid: &'static [u8],
    kind: StringKind,
}

/// The attribute types this encoder knows, with their OIDs:
/// X.520 (RFC 4519): 2.5.4.x; PKCS #9 emailAddress (RFC 2985): 1.2.840.113549.1.9.1;
/// RFC 4519 uid / dc: 0.9.2342.19200300.100.1.{1,25}.
const ATTRIBUTES: &[Attribute] = &[
    Attribute {
        names: &["CN"],
        oid: &[0x55, 0x04, 0x03],
        kind: StringKind::Directory,
    },
    Attribute {
        names: &["S"],
        oid: &[0x55, 0x04, 0x04],
        kind: StringKind::Directory,
    },
    Attribute {
        names: &["SN", "serialNumber"],
        oid: &[0x55, 0x04, 0x05],
        kind: StringKind::Directory,
    },
    Attribute {
        names: &["C"],
        oid: &[0x55, 0x04, 0x06],
        kind: StringKind::Directory,
    },
    Attribute {
        names: &["L"],
        oid: &[0x55, 0x04, 0x07],
        kind: StringKind::Directory,
    },
    Attribute {
        names: &["ST"],
        oid: &[0x55, 0x04, 0x08],
        kind: StringKind::Directory,
    },
    Attribute {
        names: &["O"],
        oid: &[0x55, 0x04, 0x0a],
        kind: StringKind::Directory,
    },
    Attribute {
        names: &["OU"],
        oid: &[0x55, 0x04, 0x0b],
        kind: StringKind::Directory,
    },
    Attribute {
        names: &["T"],
        oid: &[0x55, 0x04, 0x0c],
        kind: StringKind::Directory,
    },
    Attribute {
        names: &["G"],
        oid: &[0x55, 0x04, 0x2a],
        kind: StringKind::Directory,
    },
    Attribute {
        names: &["I"],
        oid: &[0x55, 0x04, 0x2b],
        kind: StringKind::Directory,
    },
    Attribute {
        names: &["E", "Email", "emailAddress"],
        oid: &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01],
        kind: StringKind::Ia5,
    },
    Attribute {
        names: &["UID"],
        oid: &[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01],
        kind: StringKind::Directory,
    },
    Attribute {
        names: &["DC"],
        oid: &[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19],
        kind: StringKind::Directory,
    },
];

/// Why a DN text could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnError(pub String);

impl fmt::Display for DnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DnError {}

/// The attribute keys [`encode_dn`] accepts, for error messages and documentation.
pub fn known_attribute_names() -> Vec<&'static str> {
    ATTRIBUTES
        .iter()
        .flat_map(|a| a.names.iter().copied())
        .collect()
}

/// Encodes a DN text to DER (see the module documentation).
pub fn encode_dn(text: &str) -> Result<Vec<u8>, DnError> {
    let trimmed = text.trim();
    let (separator, body) = match trimmed.strip_prefix('/') {
        Some(rest) => ('/', rest),
        None => (',', trimmed),
    };
    let mut rdns = Vec::new();
    for part in body.split(separator) {
        let part = part.trim();
        if part.is_empty() {
            return Err(DnError(format!(
                "distinguished name {trimmed:?} has an empty part between two '{separator}'"
            )));
        }
        let (key, value) = part.split_once('=').ok_or_else(|| {
            DnError(format!(
                "{part:?} in distinguished name {trimmed:?} is not of the form KEY=value"
            ))
        })?;
        let (key, value) = (key.trim(), value.trim());
        let attribute = ATTRIBUTES
            .iter()
            .find(|a| a.names.iter().any(|n| n.eq_ignore_ascii_case(key)))
            .ok_or_else(|| {
                DnError(format!(
                    "unknown attribute {key:?} in distinguished name {trimmed:?}; known: {}",
                    known_attribute_names().join(", ")
                ))
            })?;
        if value.is_empty() {
            return Err(DnError(format!(
                "attribute {key} in distinguished name {trimmed:?} has no value"
            )));
        }
        let tag = match attribute.kind {
            StringKind::Ia5 if !value.is_ascii() => {
                return Err(DnError(format!(
                    "attribute {key} in distinguished name {trimmed:?} must be ASCII (IA5String)"
                )));
            }
            StringKind::Ia5 => TAG_IA5_STRING,
            StringKind::Directory if value.chars().all(is_printable_string_char) => {
                TAG_PRINTABLE_STRING
            }
            StringKind::Directory => TAG_UTF8_STRING,
        };
        let mut atv = tlv(TAG_OID, attribute.oid);
        atv.extend(tlv(tag, value.as_bytes()));
        rdns.extend(tlv(TAG_SET, &tlv(TAG_SEQUENCE, &atv)));
    }
    Ok(tlv(TAG_SEQUENCE, &rdns))
}

/// X.680 §41.4 PrintableString characters.
fn is_printable_string_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || " '()+,-./:=?".contains(c)
}

/// One DER TLV with a definite length (short form below 128, long form above).
fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(contents);
    out
}

/// One attribute of a parsed DER name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Atv<'a> {
    oid: &'a [u8],
    tag: u8,
    value: &'a [u8],
}

/// Reads one TLV from `bytes`: `(tag, contents, rest)`. `None` if malformed.
fn read_tlv(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let (len_bytes, rest) = rest.split_at(count);
        let len = len_bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, rest)
    };
    if rest.len() < len {
        return None;
    }
    let (contents, rest) = rest.split_at(len);
    Some((tag, contents, rest))
}

/// The attributes of a DER Name in order (multi-valued RDNs flattened). `None` if the
/// bytes are not a well-formed Name.
fn parse_name(der: &[u8]) -> Option<Vec<Atv<'_>>> {
    let (tag, mut sets, rest) = read_tlv(der)?;
    if tag != TAG_SEQUENCE || !rest.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    while !sets.is_empty() {
        let (tag, mut seqs, next) = read_tlv(sets)?;
        if tag != TAG_SET || seqs.is_empty() {
            return None;
        }
        while !seqs.is_empty() {
            let (tag, atv, next_seq) = read_tlv(seqs)?;
            let (oid_tag, oid, after_oid) = read_tlv(atv)?;
            let (value_tag, value, end) = read_tlv(after_oid)?;
            if tag != TAG_SEQUENCE || oid_tag != TAG_OID || !end.is_empty() {
                return None;
            }
            out.push(Atv {
                oid,
                tag: value_tag,
                value,
            });
            seqs = next_seq;
        }
        sets = next;
    }
    Some(out)
}

/// Whether the DER name `received` matches the configured DER name `pattern`, as
/// charon compares DNs: the same attribute types in the same order; a pattern value of
/// exactly `*` matches any value; PrintableString values and emailAddress values
/// compare without regard to ASCII case; every other value compares octet for octet.
/// Malformed input never matches.
pub fn dn_matches(pattern: &[u8], received: &[u8]) -> bool {
    if pattern == received {
        return true;
    }
    let (Some(pattern), Some(received)) = (parse_name(pattern), parse_name(received)) else {
        return false;
    };
    const EMAIL_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01];
    pattern.len() == received.len()
        && pattern.iter().zip(&received).all(|(p, r)| {
            if p.oid != r.oid {
                return false;
            }
            if p.value == b"*" {
                return true;
            }
            let case_insensitive = p.tag == r.tag
                && (p.tag == TAG_PRINTABLE_STRING
                    || (p.tag == TAG_IA5_STRING && p.oid == EMAIL_OID));
            if case_insensitive {
                p.value.eq_ignore_ascii_case(r.value)
            } else {
                p.value == r.value
            }
        })
}

/// Whether the DER name has an attribute whose value is exactly `*` (a wildcard that
/// can only be matched, never sent).
pub fn dn_has_wildcard(der: &[u8]) -> bool {
    parse_name(der).is_some_and(|atvs| atvs.iter().any(|a| a.value == b"*"))
}
