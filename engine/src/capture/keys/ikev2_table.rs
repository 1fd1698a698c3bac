//! Wireshark's `ikev2_decryption_table`: one format, one parser, one emitter.
//!
//! A profile folder's `ikev2_decryption_table` is a Wireshark UAT file: one IKE SA per
//! line, eight comma-separated fields,
//!
//! ```text
//! SPIi,SPIr,SK_ei,SK_er,"<encryption>",SK_ai,SK_ar,"<integrity>"
//! ```
//!
//! SPIs (8 octets) and keys in hex, unquoted; algorithm names quoted, spelled exactly
//! as tshark 4.0.17 spells them (`vs_ikev2_encr_algs` and `vs_ikev2_auth_algs` of
//! Wireshark's `epan/dissectors/packet-isakmp.c`, checked against the strings of
//! Debian 12's `libwireshark.so.16`). With an AEAD cipher SK_e holds the key and the
//! salt (RFC 5282 §7.1), SK_ai/SK_ar are empty and the integrity is `"NONE [RFC4306]"`.
//! Empty lines and lines starting with `#` (Wireshark writes such a header) are
//! skipped; spaces around fields are ignored.
//!
//! [`Ikev2TableEntry::line`] writes a line, [`Ikev2TableEntry::parse_line`] reads one,
//! and [`parse_ikev2_decryption_table`] reads a whole file, naming the line of any
//! error. Every algorithm tshark lists is accepted; those IKElab cannot decrypt
//! (3DES, NULL, AES-CTR, AES-CCM, HMAC-MD5, the "ANY n-bits" no-check entries, ...)
//! parse, and a decryptor reports them instead of opening the payload.

use core::fmt;

use super::profile::KeyTableError;
use crate::crypto::keys::IkeKeys;
use crate::crypto::{Secret, from_hex, to_hex};
use crate::wire::IkeSpi;
use crate::wire::iana::{EncrId, IntegId};

/// The table's name, for errors.
pub const IKEV2_DECRYPTION_TABLE: &str = "ikev2_decryption_table";

/// One encryption choice of tshark's IKEv2 table.
#[derive(Debug, PartialEq, Eq)]
pub struct TsharkEncr {
    /// tshark's name, e.g. `"AES-GCM-256 with 16 octet ICV [RFC5282]"`.
    pub name: &'static str,
    pub id: EncrId,
    /// The Key Length attribute (RFC 7296 §3.3.5); `None` for fixed-length ciphers.
    pub key_bits: Option<u16>,
    /// Octets of SK_e (key, plus salt for AEAD, RFC 5282 §7.1) when IKElab decrypts
    /// with it; `None` for algorithms it cannot decrypt (lengths not checked).
    pub sk_e_len: Option<usize>,
    /// An AEAD cipher: no integrity transform (RFC 5282 §8).
    pub aead: bool,
}

/// One integrity choice of tshark's IKEv2 table.
#[derive(Debug, PartialEq, Eq)]
pub struct TsharkInteg {
    /// tshark's name, e.g. `"HMAC_SHA2_256_128 [RFC4868]"`.
    pub name: &'static str,
    /// The IANA transform ID (`IntegId::NONE` for `"NONE [RFC4306]"`); `None` for
    /// tshark's own entries that have no IANA number (no-check, draft algorithms).
    pub id: Option<IntegId>,
    /// Octets of SK_a when IKElab checks with it; `None` when it cannot.
    pub sk_a_len: Option<usize>,
}

const fn encr(
    name: &'static str,
    id: EncrId,
    key_bits: Option<u16>,
    sk_e_len: Option<usize>,
    aead: bool,
) -> TsharkEncr {
    TsharkEncr {
        name,
        id,
        key_bits,
        sk_e_len,
        aead,
    }
}

/// Salt octets of AES-GCM in IKEv2 (RFC 5282 §7.1).
const GCM_SALT: usize = 4;

/// tshark 4.0.17's IKEv2 encryption names, in its order.
pub const TSHARK_IKEV2_ENCRYPTION: &[TsharkEncr] = &[
    encr("3DES [RFC2451]", EncrId::TRIPLE_DES, None, None, false),
    encr(
        "AES-CBC-128 [RFC3602]",
        EncrId::AES_CBC,
        Some(128),
        Some(16),
        false,
    ),
    encr(
        "AES-CBC-192 [RFC3602]",
        EncrId::AES_CBC,
        Some(192),
        Some(24),
        false,
    ),
    encr(
        "AES-CBC-256 [RFC3602]",
        EncrId::AES_CBC,
        Some(256),
        Some(32),
        false,
    ),
    encr("NULL [RFC2410]", EncrId::NULL, None, None, false),
    encr(
        "AES-CTR-128 [RFC5930]",
        EncrId::AES_CTR,
        Some(128),
        None,
        false,
    ),
    encr(
        "AES-CTR-192 [RFC5930]",
        EncrId::AES_CTR,
        Some(192),
        None,
        false,
    ),
    encr(
        "AES-CTR-256 [RFC5930]",
        EncrId::AES_CTR,
        Some(256),
        None,
        false,
    ),
    encr(
        "AES-GCM-128 with 8 octet ICV [RFC5282]",
        EncrId::AES_GCM_8,
        Some(128),
        Some(16 + GCM_SALT),
        true,
    ),
    encr(
        "AES-GCM-192 with 8 octet ICV [RFC5282]",
        EncrId::AES_GCM_8,
        Some(192),
        Some(24 + GCM_SALT),
        true,
    ),
    encr(
        "AES-GCM-256 with 8 octet ICV [RFC5282]",
        EncrId::AES_GCM_8,
        Some(256),
        Some(32 + GCM_SALT),
        true,
    ),
    encr(
        "AES-GCM-128 with 12 octet ICV [RFC5282]",
        EncrId::AES_GCM_12,
        Some(128),
        Some(16 + GCM_SALT),
        true,
    ),
    encr(
        "AES-GCM-192 with 12 octet ICV [RFC5282]",
        EncrId::AES_GCM_12,
        Some(192),
        Some(24 + GCM_SALT),
        true,
    ),
    encr(
        "AES-GCM-256 with 12 octet ICV [RFC5282]",
        EncrId::AES_GCM_12,
        Some(256),
        Some(32 + GCM_SALT),
        true,
    ),
    encr(
        "AES-GCM-128 with 16 octet ICV [RFC5282]",
        EncrId::AES_GCM_16,
        Some(128),
        Some(16 + GCM_SALT),
        true,
    ),
    encr(
        "AES-GCM-192 with 16 octet ICV [RFC5282]",
        EncrId::AES_GCM_16,
        Some(192),
        Some(24 + GCM_SALT),
        true,
    ),
    encr(
        "AES-GCM-256 with 16 octet ICV [RFC5282]",
        EncrId::AES_GCM_16,
        Some(256),
        Some(32 + GCM_SALT),
        true,
    ),
    encr(
        "AES-CCM-128 with 16 octet ICV [RFC5282]",
        EncrId::AES_CCM_16,
        Some(128),
        None,
        true,
    ),
    encr(
        "AES-CCM-192 with 16 octet ICV [RFC5282]",
        EncrId::AES_CCM_16,
        Some(192),
        None,
        true,
    ),
    encr(
        "AES-CCM-256 with 16 octet ICV [RFC5282]",
        EncrId::AES_CCM_16,
        Some(256),
        None,
        true,
    ),
    encr(
        "AES-CCM-128 with 8 octet ICV [RFC5282]",
        EncrId::AES_CCM_8,
        Some(128),
        None,
        true,
    ),
    encr(
        "AES-CCM-192 with 8 octet ICV [RFC5282]",
        EncrId::AES_CCM_8,
        Some(192),
        None,
        true,
    ),
    encr(
        "AES-CCM-256 with 8 octet ICV [RFC5282]",
        EncrId::AES_CCM_8,
        Some(256),
        None,
        true,
    ),
    encr(
        "AES-CCM-128 with 12 octet ICV [RFC5282]",
        EncrId::AES_CCM_12,
        Some(128),
        None,
        true,
    ),
    encr(
        "AES-CCM-192 with 12 octet ICV [RFC5282]",
        EncrId::AES_CCM_12,
        Some(192),
        None,
        true,
    ),
    encr(
        "AES-CCM-256 with 12 octet ICV [RFC5282]",
        EncrId::AES_CCM_12,
        Some(256),
        None,
        true,
    ),
];

const fn integ(name: &'static str, id: Option<IntegId>, sk_a_len: Option<usize>) -> TsharkInteg {
    TsharkInteg { name, id, sk_a_len }
}

/// tshark 4.0.17's IKEv2 integrity names, in its order. Key lengths: RFC 2404 §3
/// (HMAC-SHA1-96, 160-bit key), RFC 4868 §2.1.2 (HMAC-SHA2: the hash's output size).
pub const TSHARK_IKEV2_INTEGRITY: &[TsharkInteg] = &[
    integ("HMAC_MD5_96 [RFC2403]", Some(IntegId::HMAC_MD5_96), None),
    integ(
        "HMAC_SHA1_96 [RFC2404]",
        Some(IntegId::HMAC_SHA1_96),
        Some(20),
    ),
    integ("HMAC_MD5_128 [RFC4595]", Some(IntegId::HMAC_MD5_128), None),
    integ(
        "HMAC_SHA1_160 [RFC4595]",
        Some(IntegId::HMAC_SHA1_160),
        None,
    ),
    integ(
        "HMAC_SHA2_256_96 [draft-ietf-ipsec-ciph-sha-256-00]",
        None,
        None,
    ),
    integ(
        "HMAC_SHA2_256_128 [RFC4868]",
        Some(IntegId::HMAC_SHA2_256_128),
        Some(32),
    ),
    integ(
        "HMAC_SHA2_384_192 [RFC4868]",
        Some(IntegId::HMAC_SHA2_384_192),
        Some(48),
    ),
    integ(
        "HMAC_SHA2_512_256 [RFC4868]",
        Some(IntegId::HMAC_SHA2_512_256),
        Some(64),
    ),
    integ("NONE [RFC4306]", Some(IntegId::NONE), Some(0)),
    integ("ANY 64-bits of Authentication [No Checking]", None, None),
    integ("ANY 96-bits of Authentication [No Checking]", None, None),
    integ("ANY 128-bits of Authentication [No Checking]", None, None),
    integ("ANY 160-bits of Authentication [No Checking]", None, None),
    integ("ANY 192-bits of Authentication [No Checking]", None, None),
    integ("ANY 256-bits of Authentication [No Checking]", None, None),
];

impl TsharkEncr {
    /// The row with exactly this name.
    pub fn by_name(name: &str) -> Option<&'static Self> {
        TSHARK_IKEV2_ENCRYPTION.iter().find(|e| e.name == name)
    }

    /// The row for a transform (ENCR ID and Key Length attribute).
    pub fn find(id: EncrId, key_bits: Option<u16>) -> Option<&'static Self> {
        TSHARK_IKEV2_ENCRYPTION
            .iter()
            .find(|e| e.id == id && e.key_bits == key_bits)
    }
}

impl TsharkInteg {
    /// The row with exactly this name.
    pub fn by_name(name: &str) -> Option<&'static Self> {
        TSHARK_IKEV2_INTEGRITY.iter().find(|i| i.name == name)
    }

    /// The row for an integrity transform; `None` and `Some(IntegId::NONE)` (an AEAD
    /// suite) give `"NONE [RFC4306]"`.
    pub fn find(id: Option<IntegId>) -> Option<&'static Self> {
        let id = id.unwrap_or(IntegId::NONE);
        TSHARK_IKEV2_INTEGRITY.iter().find(|i| i.id == Some(id))
    }
}

/// One line of `ikev2_decryption_table`: the keys of one IKE SA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ikev2TableEntry {
    pub spi_i: IkeSpi,
    pub spi_r: IkeSpi,
    /// Protects what the original initiator sends (RFC 7296 §2.14).
    pub sk_ei: Secret,
    /// Protects what the original responder sends.
    pub sk_er: Secret,
    pub encryption: &'static TsharkEncr,
    pub sk_ai: Secret,
    pub sk_ar: Secret,
    pub integrity: &'static TsharkInteg,
}

impl Ikev2TableEntry {
    /// The entry of an IKE SA whose keys IKElab derived.
    pub fn from_keys(
        spi_i: &[u8; 8],
        spi_r: &[u8; 8],
        encr: EncrId,
        key_bits: Option<u16>,
        integ: Option<IntegId>,
        keys: &IkeKeys,
    ) -> Result<Self, KeyTableError> {
        let encryption =
            TsharkEncr::find(encr, key_bits).ok_or_else(|| KeyTableError::NotInWireshark {
                table: IKEV2_DECRYPTION_TABLE,
                algorithm: match key_bits {
                    Some(bits) => format!("{encr} with {bits}-bit keys"),
                    None => format!("{encr}"),
                },
            })?;
        let integrity = TsharkInteg::find(integ).ok_or_else(|| KeyTableError::NotInWireshark {
            table: IKEV2_DECRYPTION_TABLE,
            algorithm: format!("{}", integ.unwrap_or(IntegId::NONE)),
        })?;
        Ok(Self {
            spi_i: IkeSpi(*spi_i),
            spi_r: IkeSpi(*spi_r),
            sk_ei: keys.sk_ei().clone(),
            sk_er: keys.sk_er().clone(),
            encryption,
            sk_ai: keys.sk_ai().clone(),
            sk_ar: keys.sk_ar().clone(),
            integrity,
        })
    }

    /// The line, without a newline: the one emitter of this format.
    pub fn line(&self) -> String {
        format!(
            "{},{},{},{},\"{}\",{},{},\"{}\"",
            to_hex(&self.spi_i.0),
            to_hex(&self.spi_r.0),
            self.sk_ei.to_hex(),
            self.sk_er.to_hex(),
            self.encryption.name,
            self.sk_ai.to_hex(),
            self.sk_ar.to_hex(),
            self.integrity.name,
        )
    }

    /// Parses one line (no newline; see the module doc for the format).
    pub fn parse_line(line: &str) -> Result<Self, LineError> {
        let cells = split_cells(line)?;
        let [spi_i, spi_r, sk_ei, sk_er, encr, sk_ai, sk_ar, integ] = cells.as_slice() else {
            return Err(LineError::FieldCount { found: cells.len() });
        };
        let spi_i = spi(spi_i, "SPIi")?;
        let spi_r = spi(spi_r, "SPIr")?;
        let sk_ei = key(sk_ei, "SK_ei")?;
        let sk_er = key(sk_er, "SK_er")?;
        let encryption = {
            let name = quoted(encr, "encryption algorithm")?;
            TsharkEncr::by_name(name).ok_or_else(|| LineError::UnknownEncryption {
                name: name.to_owned(),
            })?
        };
        let sk_ai = key(sk_ai, "SK_ai")?;
        let sk_ar = key(sk_ar, "SK_ar")?;
        let integrity = {
            let name = quoted(integ, "integrity algorithm")?;
            TsharkInteg::by_name(name).ok_or_else(|| LineError::UnknownIntegrity {
                name: name.to_owned(),
            })?
        };
        let entry = Self {
            spi_i,
            spi_r,
            sk_ei,
            sk_er,
            encryption,
            sk_ai,
            sk_ar,
            integrity,
        };
        entry.check_lengths()?;
        Ok(entry)
    }

    /// Key lengths against the algorithms IKElab decrypts with, and the pairing of
    /// AEAD with "NONE" (RFC 5282 §8) and of CBC with an integrity transform
    /// (RFC 7296 §3.3).
    fn check_lengths(&self) -> Result<(), LineError> {
        let none = self.integrity.id == Some(IntegId::NONE);
        if self.encryption.aead && !none {
            return Err(LineError::AeadWithIntegrity {
                encryption: self.encryption.name,
                integrity: self.integrity.name,
            });
        }
        if !self.encryption.aead && none && self.encryption.id != EncrId::NULL {
            return Err(LineError::MissingIntegrity {
                encryption: self.encryption.name,
            });
        }
        if let Some(expected) = self.encryption.sk_e_len {
            for (field, key) in [("SK_ei", &self.sk_ei), ("SK_er", &self.sk_er)] {
                if key.len() != expected {
                    return Err(LineError::KeyLength {
                        field,
                        octets: key.len(),
                        expected,
                        algorithm: self.encryption.name,
                    });
                }
            }
        }
        if let Some(expected) = self.integrity.sk_a_len {
            for (field, key) in [("SK_ai", &self.sk_ai), ("SK_ar", &self.sk_ar)] {
                if key.len() != expected {
                    return Err(LineError::KeyLength {
                        field,
                        octets: key.len(),
                        expected,
                        algorithm: self.integrity.name,
                    });
                }
            }
        }
        Ok(())
    }
}

/// A cell of a UAT line: quoted text or a bare token.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Cell {
    Quoted(String),
    Bare(String),
}

/// Splits a UAT line into cells. Quoted cells may hold commas and the escapes
/// `\\`, `\"` and `\xNN` (as Wireshark writes them); spaces and tabs around a cell
/// are ignored.
pub(super) fn split_cells(line: &str) -> Result<Vec<Cell>, LineError> {
    let mut cells = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
        let cell = if chars.next_if_eq(&'"').is_some() {
            let mut text = String::new();
            loop {
                match chars.next() {
                    None => {
                        return Err(LineError::UnterminatedQuote {
                            field: cells.len() + 1,
                        });
                    }
                    Some('"') => break,
                    Some('\\') => text.push(unescape(&mut chars, cells.len() + 1)?),
                    Some(c) => text.push(c),
                }
            }
            while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
            Cell::Quoted(text)
        } else {
            let mut text = String::new();
            while let Some(c) = chars.next_if(|c| *c != ',') {
                text.push(c);
            }
            Cell::Bare(text.trim_end_matches([' ', '\t']).to_owned())
        };
        cells.push(cell);
        match chars.next() {
            None => return Ok(cells),
            Some(',') => {}
            Some(other) => {
                return Err(LineError::AfterQuote {
                    field: cells.len(),
                    found: other,
                });
            }
        }
    }
}

fn unescape(
    chars: &mut core::iter::Peekable<core::str::Chars<'_>>,
    field: usize,
) -> Result<char, LineError> {
    match chars.next() {
        Some('\\') => Ok('\\'),
        Some('"') => Ok('"'),
        Some('x') => {
            let digits: String = [chars.next(), chars.next()].into_iter().flatten().collect();
            u8::from_str_radix(&digits, 16)
                .ok()
                .filter(|_| digits.len() == 2)
                .map(char::from)
                .ok_or(LineError::BadEscape { field })
        }
        _ => Err(LineError::BadEscape { field }),
    }
}

fn bare<'c>(cell: &'c Cell, field: &'static str) -> Result<&'c str, LineError> {
    match cell {
        Cell::Bare(text) => Ok(text),
        Cell::Quoted(_) => Err(LineError::QuotedHex { field }),
    }
}

fn quoted<'c>(cell: &'c Cell, field: &'static str) -> Result<&'c str, LineError> {
    match cell {
        Cell::Quoted(text) => Ok(text),
        Cell::Bare(text) => Err(LineError::UnquotedName {
            field,
            found: text.clone(),
        }),
    }
}

fn key(cell: &Cell, field: &'static str) -> Result<Secret, LineError> {
    let text = bare(cell, field)?;
    from_hex(text).map(Secret::new).ok_or(LineError::NotHex {
        field,
        digits: text.len(),
    })
}

fn spi(cell: &Cell, field: &'static str) -> Result<IkeSpi, LineError> {
    let bytes = key(cell, field)?;
    <[u8; 8]>::try_from(bytes.as_bytes())
        .map(IkeSpi)
        .map_err(|_| LineError::SpiLength {
            field,
            octets: bytes.len(),
        })
}

/// What is wrong with one line of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineError {
    /// Not eight fields.
    FieldCount { found: usize },
    /// A quoted field (1-based) has no closing quote.
    UnterminatedQuote { field: usize },
    /// Something other than a comma follows a quoted field.
    AfterQuote { field: usize, found: char },
    /// A backslash escape other than `\\`, `\"`, `\xNN`.
    BadEscape { field: usize },
    /// An SPI or key field is quoted (Wireshark writes hex bare).
    QuotedHex { field: &'static str },
    /// An algorithm name is not quoted.
    UnquotedName { field: &'static str, found: String },
    /// An SPI or key field is not an even number of hex digits. Only the digit count
    /// is kept: the text may be a key.
    NotHex { field: &'static str, digits: usize },
    /// An SPI is not 8 octets.
    SpiLength { field: &'static str, octets: usize },
    /// Not one of tshark's encryption names.
    UnknownEncryption { name: String },
    /// Not one of tshark's integrity names.
    UnknownIntegrity { name: String },
    /// A key of the wrong length for its algorithm.
    KeyLength {
        field: &'static str,
        octets: usize,
        expected: usize,
        algorithm: &'static str,
    },
    /// An AEAD cipher with an integrity algorithm other than NONE (RFC 5282 §8).
    AeadWithIntegrity {
        encryption: &'static str,
        integrity: &'static str,
    },
    /// A non-AEAD cipher with integrity NONE (RFC 7296 §3.3 requires one).
    MissingIntegrity { encryption: &'static str },
    /// The same SPI pair on two lines.
    DuplicateSpis {
        spi_i: IkeSpi,
        spi_r: IkeSpi,
        first_line: usize,
    },
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FieldCount { found } => write!(
                f,
                "{found} fields where 8 are expected: \
                 SPIi,SPIr,SK_ei,SK_er,\"<encryption>\",SK_ai,SK_ar,\"<integrity>\""
            ),
            Self::UnterminatedQuote { field } => {
                write!(f, "field {field} opens a quote that is never closed")
            }
            Self::AfterQuote { field, found } => write!(
                f,
                "field {field}: {found:?} after the closing quote (a comma should follow)"
            ),
            Self::BadEscape { field } => write!(
                f,
                "field {field}: a backslash must start \\\\, \\\" or \\xNN"
            ),
            Self::QuotedHex { field } => {
                write!(f, "{field} is quoted; SPIs and keys are bare hex")
            }
            Self::UnquotedName { field, found } => write!(
                f,
                "the {field} {found:?} is not quoted; names are written in double quotes"
            ),
            Self::NotHex { field, digits } => write!(
                f,
                "{field} is not hex: {digits} characters, expected an even number of \
                 digits 0-9, a-f"
            ),
            Self::SpiLength { field, octets } => {
                write!(
                    f,
                    "{field} is {octets} octets; an IKE SPI is 8 (16 hex digits)"
                )
            }
            Self::UnknownEncryption { name } => {
                write!(
                    f,
                    "unknown encryption algorithm \"{name}\"; tshark's names are "
                )?;
                list(f, TSHARK_IKEV2_ENCRYPTION.iter().map(|e| e.name))
            }
            Self::UnknownIntegrity { name } => {
                write!(
                    f,
                    "unknown integrity algorithm \"{name}\"; tshark's names are "
                )?;
                list(f, TSHARK_IKEV2_INTEGRITY.iter().map(|i| i.name))
            }
            Self::KeyLength {
                field,
                octets,
                expected,
                algorithm,
            } => write!(
                f,
                "{field} is {octets} octets; {algorithm} takes {expected}"
            ),
            Self::AeadWithIntegrity {
                encryption,
                integrity,
            } => write!(
                f,
                "{encryption} is an AEAD cipher: the integrity must be \"NONE [RFC4306]\", \
                 not \"{integrity}\" (RFC 5282 §8)"
            ),
            Self::MissingIntegrity { encryption } => write!(
                f,
                "{encryption} needs an integrity algorithm, not \"NONE [RFC4306]\" \
                 (RFC 7296 §3.3)"
            ),
            Self::DuplicateSpis {
                spi_i,
                spi_r,
                first_line,
            } => write!(
                f,
                "SPIs {spi_i}/{spi_r} already have an entry on line {first_line}"
            ),
        }
    }
}

fn list<'n>(f: &mut fmt::Formatter<'_>, names: impl Iterator<Item = &'n str>) -> fmt::Result {
    for (i, name) in names.enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "\"{name}\"")?;
    }
    Ok(())
}

impl core::error::Error for LineError {}

/// A malformed `ikev2_decryption_table`: which line (1-based) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError {
    pub line: usize,
    pub error: LineError,
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.error)
    }
}

impl core::error::Error for TableError {}

/// One parsed entry and the line (1-based) it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberedEntry {
    pub line: usize,
    pub entry: Ikev2TableEntry,
}

/// Parses a whole `ikev2_decryption_table` file. Stops at the first bad line.
pub fn parse_ikev2_decryption_table(text: &str) -> Result<Vec<NumberedEntry>, TableError> {
    let mut entries: Vec<NumberedEntry> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.trim_end_matches('\r').trim_matches([' ', '\t']);
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let entry =
            Ikev2TableEntry::parse_line(content).map_err(|error| TableError { line, error })?;
        if let Some(first) = entries
            .iter()
            .find(|e| e.entry.spi_i == entry.spi_i && e.entry.spi_r == entry.spi_r)
        {
            return Err(TableError {
                line,
                error: LineError::DuplicateSpis {
                    spi_i: entry.spi_i,
                    spi_r: entry.spi_r,
                    first_line: first.line,
                },
            });
        }
        entries.push(NumberedEntry { line, entry });
    }
    Ok(entries)
}
