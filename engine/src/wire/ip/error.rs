//! Why an IP or UDP header could not be parsed or emitted.

use core::fmt;
use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// A malformed or unsupported IPv4, IPv6 or UDP header. Offsets count from the
/// first octet of the buffer handed to the parser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IpError {
    /// The buffer ends before the structure does (often a capture's snapshot length).
    Truncated {
        structure: Cow<'static, str>,
        offset: usize,
        needed: usize,
        available: usize,
    },
    /// The Version nibble is neither 4 nor 6 (RFC 791 §3.1, RFC 8200 §3).
    UnknownVersion { version: u8 },
    /// IPv4 IHL below 5 words, or beyond Total Length (RFC 791 §3.1).
    BadHeaderLength { ihl: u8, total_length: u16 },
    /// IPv4 header checksum does not match its header (RFC 791 §3.1).
    BadHeaderChecksum { found: u16, computed: u16 },
    /// UDP Length below 8 or beyond the IP payload (RFC 768).
    BadUdpLength { length: u16, available: usize },
    /// A header or payload too long for its 16-bit length field.
    TooLong {
        structure: Cow<'static, str>,
        length: usize,
        max: usize,
    },
    /// IPv4 options must be a multiple of 4 octets, at most 40 (RFC 791 §3.1).
    BadOptionsLength { length: usize },
    /// Source and destination addresses of different families.
    MixedAddressFamilies,
}

impl fmt::Display for IpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated {
                structure,
                offset,
                needed,
                available,
            } => write!(
                f,
                "{structure} at offset {offset} needs {needed} octets, only {available} present"
            ),
            Self::UnknownVersion { version } => {
                write!(f, "IP version {version} is neither 4 nor 6")
            }
            Self::BadHeaderLength { ihl, total_length } => write!(
                f,
                "IPv4 header length {ihl} words does not fit (minimum 5, total length {total_length})"
            ),
            Self::BadHeaderChecksum { found, computed } => write!(
                f,
                "IPv4 header checksum is 0x{found:04x}, the header sums to 0x{computed:04x}"
            ),
            Self::BadUdpLength { length, available } => write!(
                f,
                "UDP length {length} is below 8 or beyond the {available} octets present"
            ),
            Self::TooLong {
                structure,
                length,
                max,
            } => write!(f, "{structure} of {length} octets exceeds {max}"),
            Self::BadOptionsLength { length } => write!(
                f,
                "IPv4 options of {length} octets: must be a multiple of 4, at most 40"
            ),
            Self::MixedAddressFamilies => {
                f.write_str("source and destination addresses are of different IP versions")
            }
        }
    }
}

impl std::error::Error for IpError {}
