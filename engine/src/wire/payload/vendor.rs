//! Vendor ID payload (RFC 7296 §3.12).

use crate::wire::dissect::catalogue;
use serde::{Deserialize, Serialize};

use super::text_or_hex;
use crate::wire::cursor::{Doc, Reader, WireResult};
use crate::wire::writer::{EmitResult, Writer};

/// A Vendor ID payload: an opaque constant naming an implementation or a capability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorIdPayload {
    #[serde(with = "crate::wire::hex::serde_hex")]
    pub data: Vec<u8>,
}

const DATA: Doc = catalogue::VENDOR_DATA;

impl VendorIdPayload {
    pub(crate) fn read(r: &mut Reader<'_>) -> WireResult<Self> {
        let data = r.rest(&DATA, text_or_hex).to_vec();
        Ok(Self { data })
    }

    pub(crate) fn write(&self, w: &mut Writer) -> EmitResult {
        w.bytes(&self.data);
        Ok(())
    }

    pub(crate) fn describe(&self) -> String {
        text_or_hex(&self.data)
    }
}
