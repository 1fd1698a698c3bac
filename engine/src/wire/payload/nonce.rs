//! Nonce payload (RFC 7296 §3.9): Ni and Nr.

use crate::wire::dissect::catalogue;
use serde::{Deserialize, Serialize};

use crate::wire::cursor::{Doc, Reader, WireResult};
use crate::wire::error::{ErrorKind, WireError};
use crate::wire::hex;
use crate::wire::writer::{EmitResult, Writer};

/// A Nonce payload: fresh random data, 16 to 256 octets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoncePayload {
    #[serde(with = "crate::wire::hex::serde_hex")]
    pub data: Vec<u8>,
}

impl NoncePayload {
    /// Shortest Nonce Data allowed (RFC 7296 §3.9).
    pub const MIN_LEN: usize = 16;
    /// Longest Nonce Data allowed (RFC 7296 §3.9).
    pub const MAX_LEN: usize = 256;
}

const DATA: Doc = catalogue::NONCE_DATA;

impl NoncePayload {
    pub(crate) fn read(r: &mut Reader<'_>) -> WireResult<Self> {
        let len = r.remaining();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&len) {
            return Err(WireError::new(
                r.pos(),
                DATA.name,
                ErrorKind::BadValue {
                    found: len as u64,
                    expected: "Nonce Data must be 16 to 256 octets long".into(),
                },
            ));
        }
        let data = r.rest(&DATA, hex::preview).to_vec();
        Ok(Self { data })
    }

    pub(crate) fn write(&self, w: &mut Writer) -> EmitResult {
        w.bytes(&self.data);
        Ok(())
    }
}
