//! Authentication payload (RFC 7296 §3.8; the Digital Signature method of RFC 7427 §3).
//!
//! ```text
//! | Auth Method   |                RESERVED                       |
//! ~                      Authentication Data                      ~
//! ```

use crate::wire::dissect::catalogue;
use serde::{Deserialize, Serialize};

use super::reserved;
use crate::wire::cursor::{Doc, Reader, WireResult};
use crate::wire::hex;
use crate::wire::iana::AuthMethod;
use crate::wire::writer::{EmitResult, Writer};

/// An AUTH payload: proof that the sender holds the secret behind its identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthPayload {
    pub method: AuthMethod,
    #[serde(with = "crate::wire::hex::serde_hex")]
    pub data: Vec<u8>,
}

impl AuthPayload {
    /// For the Digital Signature method (14, RFC 7427 §3): the DER AlgorithmIdentifier
    /// and the signature value, split at the one-octet ASN.1 length.
    pub fn digital_signature(&self) -> Option<(&[u8], &[u8])> {
        if self.method != AuthMethod::DIGITAL_SIGNATURE {
            return None;
        }
        let mut r = Reader::new(&self.data);
        read_signature_parts(&mut r).ok()
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> WireResult<Self> {
        let method = AuthMethod(r.u8(&METHOD, |v| AuthMethod(v).to_string())?);
        reserved(r, 3, &catalogue::AUTH_RESERVED)?;
        let start = r.pos();
        let split = method == AuthMethod::DIGITAL_SIGNATURE
            && r.attempt(|r| read_signature_parts(r).map(|_| ())).is_ok();
        if !split {
            r.rest(&DATA, hex::preview);
        }
        let data = r.slice(start..r.pos()).to_vec();
        Ok(Self { method, data })
    }

    pub(crate) fn write(&self, w: &mut Writer) -> EmitResult {
        w.u8(self.method.0);
        w.zeros(3);
        w.bytes(&self.data);
        Ok(())
    }
}

/// ASN.1 Length (1 octet) | AlgorithmIdentifier | Signature Value (RFC 7427 §3).
fn read_signature_parts<'a>(r: &mut Reader<'a>) -> WireResult<(&'a [u8], &'a [u8])> {
    let len = r.u8(&ASN1_LEN, |v| format!("{v} octets"))?;
    let alg = r.bytes(usize::from(len), &ALG_ID, hex::preview)?;
    let sig = r.rest(&SIGNATURE, hex::preview);
    Ok((alg, sig))
}

const METHOD: Doc = catalogue::AUTH_METHOD;
const DATA: Doc = catalogue::AUTH_DATA;
const ASN1_LEN: Doc = catalogue::AUTH_ASN1_LEN;
const ALG_ID: Doc = catalogue::AUTH_ALG_ID;
const SIGNATURE: Doc = catalogue::AUTH_SIGNATURE;
