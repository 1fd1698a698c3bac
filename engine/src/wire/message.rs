//! A whole IKE message: header and payload chain (RFC 7296 §3.1, §3.2).

use serde::{Deserialize, Serialize};

use super::chain::{read_chain, write_chain};
use super::cursor::{Reader, WireResult};
use super::error::{EmitError, ErrorKind, WireError};
use super::header::{IkeHeader, read_header, write_header};
use super::iana::PayloadType;
use super::payload::Payload;
use super::writer::Writer;

/// An IKE message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub header: IkeHeader,
    /// In order; an SK or SKF payload, if present, is last.
    pub payloads: Vec<Payload>,
}

impl Message {
    /// Parses one IKE message, strictly: the Length field must equal `bytes.len()`, the
    /// major version must be 2, the chain must end exactly at the end, and every payload
    /// must follow its format (see `WireError` for what is reported and where).
    pub fn parse(bytes: &[u8]) -> Result<Self, WireError> {
        read_message(&mut Reader::new(bytes))
    }

    /// The message's bytes, with every length and next-payload field computed.
    ///
    /// # Panics
    /// If a value does not fit its length field (a payload body over 65 531 octets, more
    /// than 255 transforms, ...). Use `try_emit` when sizes come from elsewhere.
    pub fn emit(&self) -> Vec<u8> {
        match self.try_emit() {
            Ok(bytes) => bytes,
            Err(e) => panic!("IKE message cannot be emitted: {e}"),
        }
    }

    /// As `emit`, reporting a value that does not fit instead of panicking.
    pub fn try_emit(&self) -> Result<Vec<u8>, EmitError> {
        emit_message(&self.header, &self.payloads)
    }

    /// The type the header's Next Payload field carries.
    pub fn first_payload_type(&self) -> PayloadType {
        first_payload_type(&self.payloads)
    }

    /// One line in the style of strongSwan's log:
    /// "IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) ]" (charon's abbreviations,
    /// [`crate::wire::summary`]: the one summary the transcript, the trace and the
    /// dissection share).
    pub fn summary(&self) -> String {
        crate::wire::summary::message_summary(&self.header, &self.payloads)
    }
}

/// [`Message::try_emit`] for a header and payloads the caller keeps (no copy of the
/// payloads into a `Message`).
pub fn emit_message(header: &IkeHeader, payloads: &[Payload]) -> Result<Vec<u8>, EmitError> {
    let mut w = Writer::for_message();
    let at = write_header(header, first_payload_type(payloads), &mut w)?;
    write_chain(payloads, &mut w)?;
    w.patch_len_u32(at, 0, "Length")?;
    Ok(w.into_bytes())
}

fn first_payload_type(payloads: &[Payload]) -> PayloadType {
    payloads
        .first()
        .map_or(PayloadType::NONE, Payload::payload_type)
}

pub(crate) fn read_message(r: &mut Reader<'_>) -> WireResult<Message> {
    let parsed = read_header(r)?;
    let actual = r.buffer().len();
    if parsed.length as usize != actual {
        return Err(WireError::new(
            24,
            "Length",
            ErrorKind::LengthMismatch {
                declared: parsed.length as usize,
                actual,
            },
        ));
    }
    if parsed.header.major_version != 2 {
        return Err(WireError::new(
            17,
            "Version",
            ErrorKind::UnsupportedMajorVersion {
                major: parsed.header.major_version,
                minor: parsed.header.minor_version,
            },
        ));
    }
    if let Some(rec) = r.recorder() {
        rec.header = Some(parsed.header.clone());
    }
    let payloads = read_chain(r, parsed.next_payload)?;
    Ok(Message {
        header: parsed.header,
        payloads,
    })
}
