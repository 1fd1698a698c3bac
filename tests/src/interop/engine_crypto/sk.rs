//! Opening a whole IKE message's SK payload (RFC 7296 §3.14; RFC 5282 §5 for AEAD) with
//! the engine's `SkProtection`, and parsing the inner chain with the engine's wire parser.

use ikelab_engine::crypto::sk::SkProtection;
use ikelab_engine::wire::iana::PayloadType;
use ikelab_engine::wire::{IkeHeader, Message, Payload, parse_payload_chain};

use super::engine_error;
use crate::interop::error::{InteropError, Result};

/// An IKE message whose SK payload was verified and decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedMessage {
    pub header: IkeHeader,
    /// The SK payload's Next Payload field: the type of the first inner payload.
    pub first_payload: PayloadType,
    /// The inner payload chain as decrypted, without Padding and Pad Length.
    pub plaintext: Vec<u8>,
    /// `plaintext` parsed by the engine's payload chain parser.
    pub payloads: Vec<Payload>,
}

/// Verifies and decrypts the SK payload of the IKE message `bytes` with `protection` (the
/// sender's direction: SK_ei/SK_ai for the original initiator's messages) and parses what
/// is inside. The associated data (AEAD) or the octets the ICV covers before the IV
/// (CBC + HMAC) are every octet before the SK body: the IKE header and the SK payload's
/// generic header (§3.14, RFC 5282 §5.1).
pub fn open_message(bytes: &[u8], protection: &SkProtection) -> Result<OpenedMessage> {
    let message = Message::parse(bytes).map_err(|e| engine_error("IKE message", e))?;
    let Some(Payload::Sk(sk)) = message.payloads.last() else {
        return Err(InteropError::parse(
            "IKE message",
            format!("no SK payload last in {}", message.summary()),
        ));
    };
    // The SK payload is the last one (§3.14), so its body ends the message.
    let body_start = bytes.len() - sk.body.len();
    let (aad, body) = bytes.split_at(body_start);
    let plaintext = protection
        .open(aad, body)
        .map_err(|e| engine_error(&format!("SK payload of {}", message.summary()), e))?;
    let payloads = parse_payload_chain(&plaintext, sk.first_payload)
        .map_err(|e| engine_error(&format!("inner payloads of {}", message.summary()), e))?;
    Ok(OpenedMessage {
        header: message.header,
        first_payload: sk.first_payload,
        plaintext,
        payloads,
    })
}
