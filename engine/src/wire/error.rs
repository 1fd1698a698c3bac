//! Typed errors of the wire format: what is wrong, where (byte offset) and in which field.
//!
//! `WireError` is for bytes that came from somewhere else (a peer, a capture): it names
//! the first byte of the offending field and says, in words a student can follow, what
//! the RFC expected. `EmitError` is for a locally built structure that cannot be
//! encoded (a value too long for its length field).

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::iana::{NotifyType, PayloadType};

/// A message or payload that does not follow the wire format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireError {
    /// Offset of the first byte of the offending field, counted from the start of the
    /// parsed buffer (the IKE header, or the decrypted SK plaintext).
    pub offset: usize,
    /// The field's name as the RFC diagrams spell it ("Payload Length").
    pub field: Cow<'static, str>,
    pub kind: ErrorKind,
}

/// What is wrong with a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The bytes end before the field does.
    Truncated { needed: usize, available: usize },
    /// A length field is smaller than the fixed part of its own structure (a payload
    /// length below 4 would make the chain loop on itself).
    LengthTooSmall { length: usize, minimum: usize },
    /// A length field points past the end of the enclosing structure.
    LengthOverrun { length: usize, available: usize },
    /// A length field disagrees with the bytes actually present.
    LengthMismatch { declared: usize, actual: usize },
    /// Bytes are left over after a structure that should have used them all.
    TrailingBytes { count: usize },
    /// The previous Next Payload field announces a payload, but the bytes end.
    MissingPayload { payload_type: u8 },
    /// The header's major version is not 2 (RFC 7296 §3.1, §2.5).
    UnsupportedMajorVersion { major: u8, minor: u8 },
    /// A payload type we do not understand, with the critical bit set (RFC 7296 §2.5).
    UnsupportedCriticalPayload { payload_type: u8 },
    /// Proposal numbers must start at 1 and grow by one (RFC 7296 §3.3.1).
    BadProposalNumber { expected: u8, found: u8 },
    /// "Last Substruc" must be 0 on the last substructure and `more` on the others.
    BadLastSubstructure { found: u8, more: u8, is_last: bool },
    /// A count field disagrees with the structures present.
    CountMismatch { declared: usize, found: usize },
    /// A field holds a value the RFC forbids here.
    BadValue {
        found: u64,
        expected: Cow<'static, str>,
    },
    /// SK and SKF must be the last payload of a message (RFC 7296 §3.14, RFC 7383 §2.5).
    MustBeLast { payload_type: u8 },
}

impl WireError {
    pub(crate) fn new(offset: usize, field: impl Into<Cow<'static, str>>, kind: ErrorKind) -> Self {
        Self {
            offset,
            field: field.into(),
            kind,
        }
    }

    /// The notification a receiver sends back for this error, where RFC 7296 names one:
    /// UNSUPPORTED_CRITICAL_PAYLOAD (with the type as data, §3.10.1),
    /// INVALID_MAJOR_VERSION (§2.5), otherwise INVALID_SYNTAX (§2.21.3).
    pub fn notify_type(&self) -> NotifyType {
        match self.kind {
            ErrorKind::UnsupportedCriticalPayload { .. } => {
                NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD
            }
            ErrorKind::UnsupportedMajorVersion { .. } => NotifyType::INVALID_MAJOR_VERSION,
            _ => NotifyType::INVALID_SYNTAX,
        }
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}, {}: {}", self.offset, self.field, self.kind)
    }
}

impl std::error::Error for WireError {}

fn octets(n: usize) -> &'static str {
    if n == 1 { "octet" } else { "octets" }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { needed, available } => write!(
                f,
                "needs {needed} {} but only {available} {} remain",
                octets(*needed),
                octets(*available)
            ),
            Self::LengthTooSmall { length, minimum } => write!(
                f,
                "says {length} {} but the structure's fixed part alone takes {minimum}",
                octets(*length)
            ),
            Self::LengthOverrun { length, available } => write!(
                f,
                "says {length} {} but only {available} {} are left in the enclosing structure",
                octets(*length),
                octets(*available)
            ),
            Self::LengthMismatch { declared, actual } => write!(
                f,
                "says {declared} {} but there are {actual}",
                octets(*declared)
            ),
            Self::TrailingBytes { count } => write!(
                f,
                "{count} unexpected {} left over after the end of the structure",
                octets(*count)
            ),
            Self::MissingPayload { payload_type } => write!(
                f,
                "announces a {} payload but the message ends here",
                PayloadType(*payload_type)
            ),
            Self::UnsupportedMajorVersion { major, minor } => write!(
                f,
                "version {major}.{minor} is not IKEv2 (major version 2); \
                 the answer is INVALID_MAJOR_VERSION"
            ),
            Self::UnsupportedCriticalPayload { payload_type } => write!(
                f,
                "payload type {payload_type} is not understood and its critical bit is set, \
                 so the whole message must be rejected with UNSUPPORTED_CRITICAL_PAYLOAD"
            ),
            Self::BadProposalNumber { expected, found } => write!(
                f,
                "proposal number {found} where {expected} was expected \
                 (the first proposal is 1, each next one adds 1)"
            ),
            Self::BadLastSubstructure {
                found,
                more,
                is_last,
            } => {
                if *is_last {
                    write!(f, "is {found} on the last substructure, where it must be 0")
                } else {
                    write!(
                        f,
                        "is {found}, but more substructures follow, so it must be {more}"
                    )
                }
            }
            Self::CountMismatch { declared, found } => {
                write!(f, "announces {declared} but {found} are present")
            }
            Self::BadValue { found, expected } => {
                write!(f, "value {found} is not allowed here: {expected}")
            }
            Self::MustBeLast { payload_type } => write!(
                f,
                "the {} payload must be the last payload of the message, but bytes follow it",
                PayloadType(*payload_type)
            ),
        }
    }
}

/// A locally built structure that cannot be put on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmitError {
    /// The field that cannot hold the value ("Payload Length", "SPI Size").
    pub field: Cow<'static, str>,
    pub kind: EmitErrorKind,
}

/// Why a structure cannot be emitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum EmitErrorKind {
    /// The value needs `length` but the field can express at most `max`.
    TooLong { length: usize, max: usize },
    /// SK or SKF is followed by other payloads (it must be last, RFC 7296 §3.14).
    MustBeLast,
    /// Two parts of the structure disagree (e.g. an SPI whose size differs from the
    /// payload's SPI Size).
    Inconsistent { expected: usize, found: usize },
}

impl EmitError {
    pub(crate) const fn too_long(field: &'static str, length: usize, max: usize) -> Self {
        Self {
            field: Cow::Borrowed(field),
            kind: EmitErrorKind::TooLong { length, max },
        }
    }
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            EmitErrorKind::TooLong { length, max } => {
                write!(f, "{}: {length} does not fit (at most {max})", self.field)
            }
            EmitErrorKind::MustBeLast => {
                write!(f, "{}: must be the last payload of the chain", self.field)
            }
            EmitErrorKind::Inconsistent { expected, found } => {
                write!(f, "{}: expected {expected}, found {found}", self.field)
            }
        }
    }
}

impl std::error::Error for EmitError {}
