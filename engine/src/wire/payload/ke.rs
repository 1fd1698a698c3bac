//! Key Exchange payload (RFC 7296 §3.4).
//!
//! ```text
//! |   Diffie-Hellman Group Num    |           RESERVED            |
//! ~                       Key Exchange Data                       ~
//! ```

use crate::wire::dissect::catalogue;
use serde::{Deserialize, Serialize};

use super::reserved;
use crate::wire::cursor::{Doc, Reader, WireResult};
use crate::wire::hex;
use crate::wire::iana::DhId;
use crate::wire::writer::{EmitResult, Writer};

/// A KE payload: the sender's public key-exchange value for one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KePayload {
    pub group: DhId,
    #[serde(with = "crate::wire::hex::serde_hex")]
    pub data: Vec<u8>,
}

const GROUP: Doc = catalogue::KE_GROUP;
const DATA: Doc = catalogue::KE_DATA;

impl KePayload {
    pub(crate) fn read(r: &mut Reader<'_>) -> WireResult<Self> {
        let group = DhId(r.u16(&GROUP, |v| DhId(v).to_string())?);
        reserved(r, 2, &catalogue::KE_RESERVED)?;
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
