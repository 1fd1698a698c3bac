//! EAP payload (RFC 7296 §3.16): one EAP message (RFC 3748 §4).
//!
//! ```text
//! |     Code      | Identifier    |           Length              |
//! |     Type      | Type_Data...
//! ```

use crate::wire::dissect::catalogue;
use serde::{Deserialize, Serialize};

use crate::wire::cursor::{Doc, Reader, WireResult};
use crate::wire::error::{ErrorKind, WireError};
use crate::wire::hex;
use crate::wire::iana::{EapCode, EapType};
use crate::wire::writer::{EmitResult, Writer, fit_u16};

/// An EAP payload. `data` is everything after the EAP Length field: the Type octet
/// and the Type-Data (empty for Success and Failure).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EapPayload {
    pub code: EapCode,
    pub identifier: u8,
    #[serde(with = "crate::wire::hex::serde_hex")]
    pub data: Vec<u8>,
}

impl EapPayload {
    /// An EAP message with a method type (Request / Response).
    pub fn new(code: EapCode, identifier: u8, eap_type: EapType, type_data: &[u8]) -> Self {
        let mut data = vec![eap_type.0];
        data.extend_from_slice(type_data);
        Self {
            code,
            identifier,
            data,
        }
    }

    /// The method type, when the message has one.
    pub fn eap_type(&self) -> Option<EapType> {
        self.data.first().copied().map(EapType)
    }

    /// The Type-Data after the Type octet.
    pub fn type_data(&self) -> &[u8] {
        self.data.get(1..).unwrap_or_default()
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> WireResult<Self> {
        let code = EapCode(r.u8(&CODE, |v| EapCode(v).to_string())?);
        let identifier = r.u8(&IDENTIFIER, |v| v.to_string())?;
        let (len, range) = r.raw_u16(LENGTH.name)?;
        if usize::from(len) != r.remaining() + 4 {
            return Err(WireError::new(
                range.start,
                LENGTH.name,
                ErrorKind::LengthMismatch {
                    declared: usize::from(len),
                    actual: r.remaining() + 4,
                },
            ));
        }
        r.leaf(range, &LENGTH, || format!("{len} octets"));
        let start = r.pos();
        if r.remaining() > 0 {
            r.u8(&TYPE, |v| EapType(v).to_string())?;
            r.rest(&TYPE_DATA, hex::preview);
        }
        let data = r.slice(start..r.pos()).to_vec();
        Ok(Self {
            code,
            identifier,
            data,
        })
    }

    pub(crate) fn write(&self, w: &mut Writer) -> EmitResult {
        w.u8(self.code.0);
        w.u8(self.identifier);
        w.u16(fit_u16(self.data.len() + 4, "EAP Length")?);
        w.bytes(&self.data);
        Ok(())
    }

    pub(crate) fn describe(&self) -> String {
        match self.eap_type() {
            Some(t) => format!("{} #{} {t}", self.code, self.identifier),
            None => format!("{} #{}", self.code, self.identifier),
        }
    }
}

const CODE: Doc = catalogue::EAP_CODE;
const IDENTIFIER: Doc = catalogue::EAP_IDENTIFIER;
const LENGTH: Doc = catalogue::EAP_LENGTH;
const TYPE: Doc = catalogue::EAP_TYPE;
const TYPE_DATA: Doc = catalogue::EAP_TYPE_DATA;
