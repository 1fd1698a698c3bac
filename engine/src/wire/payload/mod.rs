//! Every payload of RFC 7296 §3.3–§3.16 (and SKF, RFC 7383 §2.5) as a typed structure
//! with one reader and one writer each. The generic payload header and the chaining
//! live in `chain`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::cursor::{Doc, Reader, WireResult};
use super::error::{ErrorKind, WireError};
use super::hex;
use super::iana::PayloadType;
use super::sa::SaPayload;
use super::writer::{EmitResult, Writer};

mod auth;
mod cert;
mod cp;
mod delete;
mod eap;
mod id;
mod ke;
mod nonce;
mod notify;
mod notify_data;
mod sa;
mod sk;
mod ts;
mod vendor;

pub use auth::AuthPayload;
pub use cert::{CertPayload, CertReqPayload};
pub use cp::{CfgAttribute, CpPayload};
pub use delete::DeletePayload;
pub use eap::EapPayload;
pub use id::IdPayload;
pub use ke::KePayload;
pub use nonce::NoncePayload;
pub use notify::NotifyPayload;
pub use notify_data::{GatewayIdentity, NotifyData};
pub use sk::{SkPayload, SkfPayload, split_sk_plaintext};
pub use ts::{TrafficSelector, TsPayload};
pub use vendor::VendorIdPayload;

/// One payload of a message or of an SK plaintext.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Payload {
    Sa(SaPayload),
    Ke(KePayload),
    IdI(IdPayload),
    IdR(IdPayload),
    Cert(CertPayload),
    CertReq(CertReqPayload),
    Auth(AuthPayload),
    Nonce(NoncePayload),
    Notify(NotifyPayload),
    Delete(DeletePayload),
    VendorId(VendorIdPayload),
    TsI(TsPayload),
    TsR(TsPayload),
    Sk(SkPayload),
    Cp(CpPayload),
    Eap(EapPayload),
    Skf(SkfPayload),
    /// A payload type this parser does not understand, sent without the critical bit:
    /// skipped by a receiver (RFC 7296 §2.5), kept here to be shown and re-emitted.
    Unknown(UnknownPayload),
}

/// A payload of a type we do not parse, body kept as is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownPayload {
    pub payload_type: PayloadType,
    /// Emitted as given, so tests can send an unknown critical payload.
    pub critical: bool,
    #[serde(with = "crate::wire::hex::serde_hex")]
    pub body: Vec<u8>,
}

impl Payload {
    /// The type that names this payload in the previous Next Payload field.
    pub fn payload_type(&self) -> PayloadType {
        match self {
            Self::Sa(_) => PayloadType::SA,
            Self::Ke(_) => PayloadType::KE,
            Self::IdI(_) => PayloadType::IDI,
            Self::IdR(_) => PayloadType::IDR,
            Self::Cert(_) => PayloadType::CERT,
            Self::CertReq(_) => PayloadType::CERTREQ,
            Self::Auth(_) => PayloadType::AUTH,
            Self::Nonce(_) => PayloadType::NONCE,
            Self::Notify(_) => PayloadType::NOTIFY,
            Self::Delete(_) => PayloadType::DELETE,
            Self::VendorId(_) => PayloadType::VENDOR_ID,
            Self::TsI(_) => PayloadType::TSI,
            Self::TsR(_) => PayloadType::TSR,
            Self::Sk(_) => PayloadType::SK,
            Self::Cp(_) => PayloadType::CP,
            Self::Eap(_) => PayloadType::EAP,
            Self::Skf(_) => PayloadType::SKF,
            Self::Unknown(u) => u.payload_type,
        }
    }

    /// charon's short name for message summaries: "SA", "No", "N(NATD_S_IP)", "CPRQ(ADDR)".
    pub fn short_name(&self) -> String {
        crate::wire::summary::payload_name(self)
    }

    /// The body as it is emitted (without the generic payload header): what AUTH signs
    /// for an ID payload (RestOfIDPayload, RFC 7296 §2.15) when built locally.
    pub fn emit_body(&self) -> Result<Vec<u8>, super::error::EmitError> {
        let mut w = Writer::new();
        self.write_body(&mut w)?;
        Ok(w.into_bytes())
    }

    pub(crate) fn write_body(&self, w: &mut Writer) -> EmitResult {
        match self {
            Self::Sa(p) => sa::write(p, w),
            Self::Ke(p) => p.write(w),
            Self::IdI(p) | Self::IdR(p) => p.write(w),
            Self::Cert(p) => p.write(w),
            Self::CertReq(p) => p.write(w),
            Self::Auth(p) => p.write(w),
            Self::Nonce(p) => p.write(w),
            Self::Notify(p) => p.write(w),
            Self::Delete(p) => p.write(w),
            Self::VendorId(p) => p.write(w),
            Self::TsI(p) | Self::TsR(p) => p.write(w),
            Self::Sk(p) => p.write(w),
            Self::Cp(p) => p.write(w),
            Self::Eap(p) => p.write(w),
            Self::Skf(p) => p.write(w),
            Self::Unknown(p) => {
                w.bytes(&p.body);
                Ok(())
            }
        }
    }

    /// The value shown on the payload's node in a dissection.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Sa(p) => sa::describe(p),
            Self::Ke(p) => p.describe(),
            Self::IdI(p) | Self::IdR(p) => p.describe(),
            Self::Cert(p) => p.encoding.to_string(),
            Self::CertReq(p) => p.encoding.to_string(),
            Self::Auth(p) => p.method.to_string(),
            Self::Nonce(p) => format!("{} octets", p.data.len()),
            Self::Notify(p) => p.describe(),
            Self::Delete(p) => p.describe(),
            Self::VendorId(p) => p.describe(),
            Self::TsI(p) | Self::TsR(p) => p.describe(),
            Self::Sk(p) => format!(
                "{} octets encrypted, first inner payload {}",
                p.body.len(),
                p.first_payload
            ),
            Self::Cp(p) => p.describe(),
            Self::Eap(p) => p.describe(),
            Self::Skf(p) => format!("fragment {} of {}", p.fragment_number, p.total_fragments),
            Self::Unknown(p) => format!("type {}, {} octets", p.payload_type, p.body.len()),
        }
    }
}

/// What a payload body's reader needs to know about its generic header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PayloadContext {
    pub(crate) payload_type: PayloadType,
    pub(crate) next_payload: PayloadType,
    pub(crate) critical: bool,
    /// Offset of the generic payload header.
    pub(crate) start: usize,
}

/// Whether this parser has a typed reader for the payload type (RFC 7296 §2.5: only
/// such types ignore the critical bit).
pub(crate) fn is_understood(t: PayloadType) -> bool {
    matches!(t.0, 33..=48 | 53)
}

/// Reads a payload body (the reader's limit is the body's end).
pub(crate) fn read_body(r: &mut Reader<'_>, cx: PayloadContext) -> WireResult<Payload> {
    let payload = match cx.payload_type {
        PayloadType::SA => Payload::Sa(sa::read(r)?),
        PayloadType::KE => Payload::Ke(KePayload::read(r)?),
        PayloadType::IDI => Payload::IdI(IdPayload::read(r)?),
        PayloadType::IDR => Payload::IdR(IdPayload::read(r)?),
        PayloadType::CERT => Payload::Cert(CertPayload::read(r)?),
        PayloadType::CERTREQ => Payload::CertReq(CertReqPayload::read(r)?),
        PayloadType::AUTH => Payload::Auth(AuthPayload::read(r)?),
        PayloadType::NONCE => Payload::Nonce(NoncePayload::read(r)?),
        PayloadType::NOTIFY => Payload::Notify(NotifyPayload::read(r)?),
        PayloadType::DELETE => Payload::Delete(DeletePayload::read(r)?),
        PayloadType::VENDOR_ID => Payload::VendorId(VendorIdPayload::read(r)?),
        PayloadType::TSI => Payload::TsI(TsPayload::read(r)?),
        PayloadType::TSR => Payload::TsR(TsPayload::read(r)?),
        PayloadType::SK => Payload::Sk(SkPayload::read(r, cx)?),
        PayloadType::CP => Payload::Cp(CpPayload::read(r)?),
        PayloadType::EAP => Payload::Eap(EapPayload::read(r)?),
        PayloadType::SKF => Payload::Skf(SkfPayload::read(r, cx)?),
        other => {
            if cx.critical {
                return Err(WireError::new(
                    cx.start + 1,
                    "Critical",
                    ErrorKind::UnsupportedCriticalPayload {
                        payload_type: other.0,
                    },
                ));
            }
            let body = r.rest(&UNKNOWN_BODY, hex::preview).to_vec();
            Payload::Unknown(UnknownPayload {
                payload_type: other,
                critical: false,
                body,
            })
        }
    };
    r.expect_end("Payload Length")?;
    Ok(payload)
}

const UNKNOWN_BODY: Doc = Doc::new(
    "Payload Data",
    "RFC 7296 §2.5",
    "A payload type this dissector does not know; its critical bit is clear, so a \
     receiver skips it.",
);

/// Reads and records `n` RESERVED octets: shown, flagged when not zero, ignored.
pub(crate) fn reserved(r: &mut Reader<'_>, n: usize, rfc: &'static str) -> WireResult<()> {
    let (v, range) = r.raw_bytes(n, "RESERVED")?;
    r.leaf_explained(range, &Doc::new("RESERVED", rfc, ""), || {
        let meaning = if v.iter().all(|b| *b == 0) {
            "Sent as zero, ignored on receipt."
        } else {
            "Not zero: a conforming sender writes zeros here; a receiver ignores them."
        };
        (format!("0x{}", hex::encode(v)), Cow::Borrowed(meaning))
    });
    Ok(())
}

/// Text for a value that may be printable ASCII: the text in quotes, else hex.
pub(crate) fn text_or_hex(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) if !s.is_empty() && s.chars().all(|c| !c.is_control()) => format!("\"{s}\""),
        _ => hex::preview(bytes),
    }
}
