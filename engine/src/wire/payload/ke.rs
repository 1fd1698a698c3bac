//! Key Exchange payload (RFC 7296 §3.4).
//!
//! ```text
//! |   Diffie-Hellman Group Num    |           RESERVED            |
//! ~                       Key Exchange Data                       ~
//! ```

use serde::{Deserialize, Serialize};

use super::reserved;
use crate::wire::cursor::{Doc, Reader, WireResult};
use crate::wire::hex;
use crate::wire::iana::DhId;
use crate::wire::writer::{EmitResult, Writer};

const RFC: &str = "RFC 7296 §3.4";

/// A KE payload: the sender's public key-exchange value for one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KePayload {
    pub group: DhId,
    #[serde(with = "crate::wire::hex::serde_hex")]
    pub data: Vec<u8>,
}

const GROUP: Doc = Doc::new(
    "Diffie-Hellman Group Num",
    RFC,
    "The key-exchange group this public value belongs to; it must be the group of the \
     proposal, or the responder answers INVALID_KE_PAYLOAD naming the one it wants.",
);
const DATA: Doc = Doc::new(
    "Key Exchange Data",
    RFC,
    "The sender's public value; combined with the peer's private value it yields the \
     shared secret from which every key of the IKE SA is derived.",
);

impl KePayload {
    pub(crate) fn read(r: &mut Reader<'_>) -> WireResult<Self> {
        let group = DhId(r.u16(&GROUP, |v| DhId(v).to_string())?);
        reserved(r, 2, RFC)?;
        let data = r.rest(&DATA, hex::preview).to_vec();
        Ok(Self { group, data })
    }

    pub(crate) fn write(&self, w: &mut Writer) -> EmitResult {
        w.u16(self.group.0);
        w.zeros(2);
        w.bytes(&self.data);
        Ok(())
    }

    pub(crate) fn describe(&self) -> String {
        format!("{}, {} octets", self.group, self.data.len())
    }
}
