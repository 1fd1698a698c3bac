//! The IKE header (RFC 7296 §3.1).
//!
//! ```text
//!                      1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                       IKE SA Initiator's SPI                  |
//! |                                                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                       IKE SA Responder's SPI                  |
//! |                                                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                          Message ID                           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                            Length                             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use crate::wire::dissect::catalogue::{self, FieldId};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::cursor::{Doc, Reader, WireResult};
use super::error::WireError;
use super::hex;
use super::iana::{ExchangeType, PayloadType};

/// An 8-octet IKE SA SPI (RFC 7296 §3.1). Shown and serialised as hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct IkeSpi(pub [u8; 8]);

impl IkeSpi {
    /// The all-zero SPI: the responder's SPI in the first IKE_SA_INIT request.
    pub const ZERO: Self = Self([0; 8]);

    pub fn is_zero(self) -> bool {
        self == Self::ZERO
    }
}

impl From<u64> for IkeSpi {
    fn from(v: u64) -> Self {
        Self(v.to_be_bytes())
    }
}

impl From<IkeSpi> for u64 {
    fn from(spi: IkeSpi) -> Self {
        Self::from_be_bytes(spi.0)
    }
}

impl fmt::Display for IkeSpi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(&self.0))
    }
}

impl fmt::Debug for IkeSpi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for IkeSpi {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for IkeSpi {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let text = text.strip_prefix("0x").unwrap_or(&text);
        hex::decode(text)
            .and_then(|v| <[u8; 8]>::try_from(v).ok())
            .map(Self)
            .ok_or_else(|| serde::de::Error::custom("an IKE SPI is 16 hex digits"))
    }
}

/// The Flags octet (RFC 7296 §3.1), kept whole: reserved bits are shown and re-emitted
/// as received, though a conforming sender clears them and a receiver ignores them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Flags(pub u8);

impl Flags {
    /// I (Initiator, bit 3): set by the original initiator of the IKE SA.
    pub const INITIATOR: u8 = 0x08;
    /// V (Version, bit 4): the sender could speak a higher major version; IKEv2 sends 0.
    pub const VERSION: u8 = 0x10;
    /// R (Response, bit 5): this message answers a request with the same Message ID.
    pub const RESPONSE: u8 = 0x20;
    /// The bits RFC 7296 reserves: sent as zero, ignored on receipt.
    pub const RESERVED: u8 = !(Self::INITIATOR | Self::VERSION | Self::RESPONSE);

    /// Flags with the I and R bits as given.
    pub const fn new(initiator: bool, response: bool) -> Self {
        let mut v = 0;
        if initiator {
            v |= Self::INITIATOR;
        }
        if response {
            v |= Self::RESPONSE;
        }
        Self(v)
    }

    pub const fn initiator(self) -> bool {
        self.0 & Self::INITIATOR != 0
    }

    pub const fn version(self) -> bool {
        self.0 & Self::VERSION != 0
    }

    pub const fn response(self) -> bool {
        self.0 & Self::RESPONSE != 0
    }

    pub const fn reserved_bits(self) -> u8 {
        self.0 & Self::RESERVED
    }
}

impl fmt::Display for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names = Vec::new();
        if self.initiator() {
            names.push("Initiator");
        }
        if self.version() {
            names.push("Version");
        }
        if self.response() {
            names.push("Response");
        }
        if self.reserved_bits() != 0 {
            names.push("reserved bits set");
        }
        if names.is_empty() {
            write!(f, "0x{:02x}", self.0)
        } else {
            write!(f, "0x{:02x} ({})", self.0, names.join(", "))
        }
    }
}

impl fmt::Debug for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The IKE header without the two fields an emitter computes (Next Payload, Length).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IkeHeader {
    pub spi_i: IkeSpi,
    pub spi_r: IkeSpi,
    /// 2 for IKEv2 (RFC 7296 §3.1).
    pub major_version: u8,
    /// 0 for RFC 7296 implementations.
    pub minor_version: u8,
    pub exchange_type: ExchangeType,
    pub flags: Flags,
    pub message_id: u32,
}

/// A header as read from the wire, with its Next Payload and Length fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedHeader {
    pub header: IkeHeader,
    pub next_payload: PayloadType,
    pub length: u32,
}

impl IkeHeader {
    /// Octets in the IKE header.
    pub const LEN: usize = 28;

    /// An IKEv2 (2.0) header.
    pub fn new(
        spi_i: IkeSpi,
        spi_r: IkeSpi,
        exchange_type: ExchangeType,
        flags: Flags,
        message_id: u32,
    ) -> Self {
        Self {
            spi_i,
            spi_r,
            major_version: 2,
            minor_version: 0,
            exchange_type,
            flags,
            message_id,
        }
    }

    /// Reads the 28-octet header alone, whatever the version, so that a receiver can
    /// answer a message it cannot parse (INVALID_MAJOR_VERSION, UNSUPPORTED_CRITICAL_PAYLOAD)
    /// with the right SPIs and Message ID. Bytes after the header are not looked at.
    pub fn parse(bytes: &[u8]) -> Result<ParsedHeader, WireError> {
        read_header(&mut Reader::new(bytes))
    }

    pub fn is_initiator(&self) -> bool {
        self.flags.initiator()
    }

    pub fn is_response(&self) -> bool {
        self.flags.response()
    }
}

const SPI_I: Doc = catalogue::HEADER_SPI_I;
const NEXT_PAYLOAD: Doc = catalogue::HEADER_NEXT_PAYLOAD;
const EXCHANGE_TYPE: Doc = catalogue::HEADER_EXCHANGE_TYPE;
const MESSAGE_ID: Doc = catalogue::HEADER_MESSAGE_ID;
const LENGTH: Doc = catalogue::HEADER_LENGTH;
const HEADER: Doc = catalogue::HEADER_HEADER;

/// Reads and records the header (one node with a leaf per field).
pub(crate) fn read_header(r: &mut Reader<'_>) -> WireResult<ParsedHeader> {
    r.group(
        &HEADER,
        |r| {
            let (spi_i, range) = r.raw_bytes(8, SPI_I.name)?;
            let spi_i = IkeSpi(<[u8; 8]>::try_from(spi_i).unwrap_or_default());
            r.leaf(range, &SPI_I, || spi_i.to_string());
            let (spi_r, range) = r.raw_bytes(8, "IKE SA Responder's SPI")?;
            let spi_r = IkeSpi(<[u8; 8]>::try_from(spi_r).unwrap_or_default());
            r.leaf_explained(range, || {
                let doc = if spi_r.is_zero() {
                    catalogue::HEADER_SPI_R_ZERO
                } else {
                    catalogue::HEADER_SPI_R
                };
                (spi_r.to_string(), doc.id)
            });
            let next_payload = PayloadType(r.u8(&NEXT_PAYLOAD, |v| PayloadType(v).to_string())?);
            let (version, range) = r.raw_u8("Version")?;
            let (major_version, minor_version) = (version >> 4, version & 0x0f);
            r.leaf_explained(range, || {
                let doc = if major_version == 2 {
                    catalogue::HEADER_VERSION_2
                } else {
                    catalogue::HEADER_VERSION_OTHER
                };
                (
                    format!("{major_version}.{minor_version} (MjVer {major_version}, MnVer {minor_version})"),
                    doc.id,
                )
            });
            let exchange_type = ExchangeType(r.u8(&EXCHANGE_TYPE, |v| ExchangeType(v).to_string())?);
            let (flags, range) = r.raw_u8("Flags")?;
            let flags = Flags(flags);
            r.leaf_explained(range, || explain_flags(flags));
            let message_id = r.u32(&MESSAGE_ID, |v| v.to_string())?;
            let length = r.u32(&LENGTH, |v| format!("{v} octets"))?;
            Ok(ParsedHeader {
                header: IkeHeader {
                    spi_i,
                    spi_r,
                    major_version,
                    minor_version,
                    exchange_type,
                    flags,
                    message_id,
                },
                next_payload,
                length,
            })
        },
        |h| {
            format!(
                "{} {} #{}",
                h.header.exchange_type,
                if h.header.flags.response() { "response" } else { "request" },
                h.header.message_id
            )
        },
    )
}

/// The Flags leaf: its value, with a note on the V and reserved bits when set, and
/// the catalogue entry for who sent it and whether it answers (RFC 7296 §3.1).
fn explain_flags(flags: Flags) -> (String, FieldId) {
    let doc = match (flags.initiator(), flags.response()) {
        (true, false) => catalogue::HEADER_FLAGS_INITIATOR_REQUEST,
        (true, true) => catalogue::HEADER_FLAGS_INITIATOR_RESPONSE,
        (false, false) => catalogue::HEADER_FLAGS_RESPONDER_REQUEST,
        (false, true) => catalogue::HEADER_FLAGS_RESPONDER_RESPONSE,
    };
    let mut value = flags.to_string();
    if flags.version() {
        value.push_str("; V is set: the sender can speak a higher major version");
    }
    if flags.reserved_bits() != 0 {
        value.push_str("; reserved bits set: they must be sent as zero and are ignored on receipt");
    }
    (value, doc.id)
}

/// Writes the header with the given first payload type and total length.
pub(crate) fn write_header(
    h: &IkeHeader,
    next: PayloadType,
    w: &mut super::writer::Writer,
) -> super::writer::EmitResult<usize> {
    if h.major_version > 0x0f || h.minor_version > 0x0f {
        return Err(super::error::EmitError::too_long(
            "Version",
            usize::from(h.major_version.max(h.minor_version)),
            0x0f,
        ));
    }
    w.bytes(&h.spi_i.0);
    w.bytes(&h.spi_r.0);
    w.u8(next.0);
    w.u8((h.major_version << 4) | h.minor_version);
    w.u8(h.exchange_type.0);
    w.u8(h.flags.0);
    w.u32(h.message_id);
    Ok(w.placeholder_u32())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn flags_bits() {
        let f = Flags::new(true, false);
        assert_eq!(f.0, 0x08);
        assert!(f.initiator() && !f.response() && !f.version());
        assert_eq!(Flags(0x20).to_string(), "0x20 (Response)");
        assert_eq!(Flags(0x01).reserved_bits(), 0x01);
    }

    #[test]
    fn spi_hex_and_serde() {
        let spi = IkeSpi::from(0x0123_4567_89ab_cdef);
        assert_eq!(spi.to_string(), "0x0123456789abcdef");
        let json = serde_json::to_string(&spi).unwrap_or_default();
        assert_eq!(json, "\"0123456789abcdef\"");
        let back: IkeSpi = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, spi);
        assert_eq!(u64::from(back), 0x0123_4567_89ab_cdef);
    }
}
