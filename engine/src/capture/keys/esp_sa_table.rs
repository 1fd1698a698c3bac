//! Wireshark's `esp_sa` table read back: the parser beside the writer
//! ([`profile::esp_sa_line`](super::profile::esp_sa_line), the one emitter of the
//! format, which [`EspSaRecord::line`] calls), so `ikelab dissect --keys DIR`
//! decrypts ESP with the keys the engine exports.
//!
//! A line: `"IPv4","*","*","0x<spi>","<encryption>","0x<key>","<authentication>","0x<key>"`,
//! every field quoted (UAT format, the escapes of `ikev2_table`), tshark 4.0.17's
//! algorithm names; the key length, and so the AES variant, comes from the key (for
//! AES-GCM: key | 4-octet salt, RFC 4106 §8.1). A key field may be empty (`""`):
//! the authentication key of an AEAD, the encryption key of NULL (RFC 2410).

use core::fmt;

use super::ikev2_table::{Cell, LineError, split_cells};
use super::profile::{
    EspSaEntry, EspSaFamily, KeyTableError, esp_encr_name, esp_integ_name, esp_sa_line,
};
use crate::crypto::{Secret, from_hex};
use crate::wire::iana::{EncrId, IntegId};

/// The file name in a Wireshark profile folder.
pub const ESP_SA: &str = "esp_sa";

/// The encryption transforms `esp_sa` can name (see `profile::esp_encr_name`).
const ENCRYPTIONS: [EncrId; 6] = [
    EncrId::NULL,
    EncrId::AES_CBC,
    EncrId::AES_GCM_8,
    EncrId::AES_GCM_12,
    EncrId::AES_GCM_16,
    EncrId::BLOWFISH,
];
/// The authentication transforms it can name (`None`: "NULL", an AEAD).
const AUTHENTICATIONS: [Option<IntegId>; 5] = [
    None,
    Some(IntegId::HMAC_SHA1_96),
    Some(IntegId::HMAC_SHA2_256_128),
    Some(IntegId::HMAC_SHA2_384_192),
    Some(IntegId::HMAC_SHA2_512_256),
];

/// One ESP SA of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EspSaRecord {
    pub family: EspSaFamily,
    /// Source address, or "*".
    pub source: String,
    /// Destination address, or "*".
    pub destination: String,
    pub spi: u32,
    pub encr: EncrId,
    /// From the key length (AES: 128, 192, 256).
    pub key_bits: Option<u16>,
    /// `None` with an AEAD ("NULL").
    pub integ: Option<IntegId>,
    /// For an AEAD: key | salt.
    pub encr_key: Secret,
    /// Empty with an AEAD.
    pub integ_key: Secret,
}

/// What is wrong with one `esp_sa` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EspSaLineError {
    /// Quoting or escapes (shared with `ikev2_decryption_table`).
    Cells(LineError),
    /// Not eight fields.
    FieldCount {
        found: usize,
    },
    /// A field that must be quoted is not.
    Unquoted {
        field: &'static str,
    },
    /// Not "IPv4" or "IPv6".
    Family {
        found: String,
    },
    /// Not `0x` and 8 hex digits.
    Spi {
        found: String,
    },
    /// A key that is not `0x` and an even number of hex digits (only the digit count
    /// is kept: the text is a key).
    NotHex {
        field: &'static str,
        digits: usize,
    },
    UnknownEncryption {
        name: String,
    },
    UnknownAuthentication {
        name: String,
    },
    /// A key length no variant of the algorithm has.
    KeyLength {
        field: &'static str,
        octets: usize,
    },
}

impl fmt::Display for EspSaLineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cells(e) => write!(f, "{e}"),
            Self::FieldCount { found } => write!(
                f,
                "{found} fields where 8 are expected: \"<family>\",\"<src>\",\"<dst>\",\
                 \"0x<spi>\",\"<encryption>\",\"0x<key>\",\"<authentication>\",\"0x<key>\""
            ),
            Self::Unquoted { field } => write!(f, "the {field} is not quoted"),
            Self::Family { found } => {
                write!(f, "address family {found:?}: \"IPv4\" or \"IPv6\" expected")
            }
            Self::Spi { found } => write!(f, "SPI {found:?}: 0x and 8 hex digits expected"),
            Self::NotHex { field, digits } => {
                write!(f, "{field} is not 0x and hex digits ({digits} characters)")
            }
            Self::UnknownEncryption { name } => {
                write!(f, "unknown encryption algorithm \"{name}\"")
            }
            Self::UnknownAuthentication { name } => {
                write!(f, "unknown authentication algorithm \"{name}\"")
            }
            Self::KeyLength { field, octets } => {
                write!(
                    f,
                    "{field} of {octets} octets fits no variant of its algorithm"
                )
            }
        }
    }
}

impl core::error::Error for EspSaLineError {}

fn quoted<'c>(cell: &'c Cell, field: &'static str) -> Result<&'c str, EspSaLineError> {
    match cell {
        Cell::Quoted(text) => Ok(text),
        Cell::Bare(_) => Err(EspSaLineError::Unquoted { field }),
    }
}

fn hex_key(cell: &Cell, field: &'static str) -> Result<Secret, EspSaLineError> {
    let text = quoted(cell, field)?;
    if text.is_empty() {
        return Ok(Secret::new(Vec::new()));
    }
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .ok_or(EspSaLineError::NotHex {
            field,
            digits: text.len(),
        })?;
    from_hex(digits)
        .map(Secret::new)
        .ok_or(EspSaLineError::NotHex {
            field,
            digits: text.len(),
        })
}

/// The key length in bits of `encr` keyed with `octets` of material, if valid.
fn key_bits(encr: EncrId, octets: usize) -> Option<Option<u16>> {
    let (key, allowed): (usize, &[usize]) = match encr {
        // RFC 2410 §2: ENCR_NULL has no key.
        EncrId::NULL => return (octets == 0).then_some(None),
        EncrId::AES_CBC => (octets, &[16, 24, 32]),
        EncrId::AES_GCM_8 | EncrId::AES_GCM_12 | EncrId::AES_GCM_16 => {
            (octets.checked_sub(4)?, &[16, 24, 32])
        }
        // RFC 2451 §2.2: 40 to 448 bits in whole octets; tshark's default 128.
        EncrId::BLOWFISH => (octets, &[16, 24, 32]),
        _ => return None,
    };
    allowed.contains(&key).then(|| u16::try_from(key * 8).ok())
}

impl EspSaRecord {
    /// The line (no newline), through the one writer.
    pub fn line(&self) -> Result<String, KeyTableError> {
        esp_sa_line(&EspSaEntry {
            family: self.family,
            source: &self.source,
            destination: &self.destination,
            spi: self.spi,
            encr: self.encr,
            key_bits: self.key_bits,
            integ: self.integ,
            encr_key: self.encr_key.as_bytes(),
            integ_key: self.integ_key.as_bytes(),
        })
    }

    /// Parses one line (no newline).
    pub fn parse_line(line: &str) -> Result<Self, EspSaLineError> {
        let cells = split_cells(line).map_err(EspSaLineError::Cells)?;
        let [
            family,
            source,
            destination,
            spi,
            encr,
            encr_key,
            integ,
            integ_key,
        ] = cells.as_slice()
        else {
            return Err(EspSaLineError::FieldCount { found: cells.len() });
        };
        let family = match quoted(family, "address family")? {
            "IPv4" => EspSaFamily::IPv4,
            "IPv6" => EspSaFamily::IPv6,
            other => {
                return Err(EspSaLineError::Family {
                    found: other.to_owned(),
                });
            }
        };
        let source = quoted(source, "source address")?.to_owned();
        let destination = quoted(destination, "destination address")?.to_owned();
        let spi_text = quoted(spi, "SPI")?;
        let spi = spi_text
            .strip_prefix("0x")
            .or_else(|| spi_text.strip_prefix("0X"))
            .filter(|digits| digits.len() == 8)
            .and_then(|digits| u32::from_str_radix(digits, 16).ok())
            .ok_or_else(|| EspSaLineError::Spi {
                found: spi_text.to_owned(),
            })?;
        let encr_name = quoted(encr, "encryption algorithm")?;
        let encr = ENCRYPTIONS
            .into_iter()
            .find(|id| esp_encr_name(*id, None).is_ok_and(|name| name == encr_name))
            .ok_or_else(|| EspSaLineError::UnknownEncryption {
                name: encr_name.to_owned(),
            })?;
        let encr_key = hex_key(encr_key, "encryption key")?;
        let key_bits = key_bits(encr, encr_key.len()).ok_or(EspSaLineError::KeyLength {
            field: "encryption key",
            octets: encr_key.len(),
        })?;
        let integ_name = quoted(integ, "authentication algorithm")?;
        let integ = AUTHENTICATIONS
            .into_iter()
            .find(|id| esp_integ_name(*id).is_ok_and(|name| name == integ_name))
            .ok_or_else(|| EspSaLineError::UnknownAuthentication {
                name: integ_name.to_owned(),
            })?;
        let integ_key = hex_key(integ_key, "authentication key")?;
        Ok(Self {
            family,
            source,
            destination,
            spi,
            encr,
            key_bits,
            integ,
            encr_key,
            integ_key,
        })
    }
}

/// A malformed `esp_sa`: which line (1-based) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EspSaTableError {
    pub line: usize,
    pub error: EspSaLineError,
}

impl fmt::Display for EspSaTableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.error)
    }
}

impl core::error::Error for EspSaTableError {}

/// One record and the line (1-based) it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberedEspSa {
    pub line: usize,
    pub record: EspSaRecord,
}

/// Parses a whole `esp_sa` file (blank lines and `#` comments skipped). Stops at
/// the first bad line.
pub fn parse_esp_sa_table(text: &str) -> Result<Vec<NumberedEspSa>, EspSaTableError> {
    let mut records = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.trim_end_matches('\r').trim_matches([' ', '\t']);
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let record =
            EspSaRecord::parse_line(content).map_err(|error| EspSaTableError { line, error })?;
        records.push(NumberedEspSa { line, record });
    }
    Ok(records)
}
