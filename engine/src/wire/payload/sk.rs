//! Encrypted and Authenticated payload SK (RFC 7296 §3.14) and its fragment form SKF
//! (RFC 7383 §2.5). Their bodies stay raw (IV | ciphertext | ICV) so a message
//! round-trips byte for byte; a `Decryptor` lets the dissector show the plaintext.
//!
//! ```text
//! SK:  | Initialization Vector | Encrypted IKE Payloads | Padding | Pad Length | ICV |
//!                                \____________ encrypted ____________________/
//! SKF: |        Fragment Number        |        Total Fragments        |  then as SK
//! ```

use crate::wire::dissect::catalogue;
use serde::{Deserialize, Serialize};

use super::PayloadContext;
use crate::wire::cursor::{Doc, Reader, WireResult};
use crate::wire::dissect::{SkOutcome, decrypted_block};
use crate::wire::error::{ErrorKind, WireError};
use crate::wire::hex;
use crate::wire::iana::PayloadType;
use crate::wire::writer::{EmitResult, Writer};

/// An SK payload. Its generic header's Next Payload is `first_payload`, the type of
/// the first payload inside; it must be the last payload of its message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkPayload {
    pub first_payload: PayloadType,
    /// IV | ciphertext (inner payloads, Padding, Pad Length) | ICV.
    #[serde(with = "crate::wire::hex::serde_hex")]
    pub body: Vec<u8>,
}

/// An SKF payload: one fragment of an SK payload too large for the path (RFC 7383).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkfPayload {
    /// The first inner payload's type in fragment 1, 0 in the others.
    pub first_payload: PayloadType,
    /// 1 to `total_fragments`.
    pub fragment_number: u16,
    pub total_fragments: u16,
    /// IV | ciphertext | ICV of this fragment.
    #[serde(with = "crate::wire::hex::serde_hex")]
    pub body: Vec<u8>,
}

impl SkPayload {
    pub(crate) fn read(r: &mut Reader<'_>, cx: PayloadContext) -> WireResult<Self> {
        let body = read_encrypted(r, cx, None)?;
        Ok(Self {
            first_payload: cx.next_payload,
            body,
        })
    }

    pub(crate) fn write(&self, w: &mut Writer) -> EmitResult {
        w.bytes(&self.body);
        Ok(())
    }
}

impl SkfPayload {
    pub(crate) fn read(r: &mut Reader<'_>, cx: PayloadContext) -> WireResult<Self> {
        let (number, number_range) = r.raw_u16(FRAGMENT_NUMBER.name)?;
        let (total, total_range) = r.raw_u16(TOTAL.name)?;
        if total == 0 {
            return Err(WireError::new(
                total_range.start,
                TOTAL.name,
                ErrorKind::BadValue {
                    found: 0,
                    expected: "Total Fragments must not be zero".into(),
                },
            ));
        }
        if number == 0 || number > total {
            return Err(WireError::new(
                number_range.start,
                FRAGMENT_NUMBER.name,
                ErrorKind::BadValue {
                    found: u64::from(number),
                    expected: format!("Fragment Number counts from 1 to Total Fragments ({total})")
                        .into(),
                },
            ));
        }
        r.leaf(number_range, &FRAGMENT_NUMBER, || number.to_string());
        r.leaf(total_range, &TOTAL, || total.to_string());
        let body = read_encrypted(r, cx, Some((number, total)))?;
        Ok(Self {
            first_payload: cx.next_payload,
            fragment_number: number,
            total_fragments: total,
            body,
        })
    }

    pub(crate) fn write(&self, w: &mut Writer) -> EmitResult {
        w.u16(self.fragment_number);
        w.u16(self.total_fragments);
        w.bytes(&self.body);
        Ok(())
    }
}

/// Reads the encrypted body; while dissecting, asks the decryptor for the plaintext
/// and records IV, ciphertext (with the decrypted block) and ICV, or one leaf.
fn read_encrypted(
    r: &mut Reader<'_>,
    cx: PayloadContext,
    fragment: Option<(u16, u16)>,
) -> WireResult<Vec<u8>> {
    let n = r.remaining();
    let (body, range) = r.raw_bytes(n, ENCRYPTED.name)?;
    if !r.is_recording() {
        return Ok(body.to_vec());
    }
    let outcome = r.decrypt(
        cx.start..range.end,
        range.clone(),
        cx.next_payload,
        fragment,
    );
    let d = match outcome {
        Some(SkOutcome::Decrypted(d))
            if d.iv_len
                .checked_add(d.icv_len)
                .is_some_and(|sum| sum <= range.len()) =>
        {
            d
        }
        other => {
            let note = match other {
                Some(SkOutcome::Encrypted { note }) => note,
                Some(SkOutcome::Decrypted(d)) => Some(format!(
                    "the decryptor's IV ({}) and ICV ({}) lengths exceed the {}-octet body",
                    d.iv_len,
                    d.icv_len,
                    range.len()
                )),
                None => None,
            };
            r.leaf(range, &ENCRYPTED, || match note {
                Some(note) => format!("{} — not decrypted: {note}", hex::preview(body)),
                None => hex::preview(body),
            });
            return Ok(body.to_vec());
        }
    };
    let iv = range.start..range.start + d.iv_len;
    let icv = range.end - d.icv_len..range.end;
    let ciphertext = iv.end..icv.start;
    r.leaf(iv.clone(), &IV, || hex::preview(r_slice(body, &range, &iv)));
    r.leaf(ciphertext.clone(), &CIPHERTEXT, || {
        format!(
            "{} → {} octets of plaintext",
            hex::preview(r_slice(body, &range, &ciphertext)),
            d.plaintext.len()
        )
    });
    // Fragments other than a lone one are parts of a chain: show their octets only.
    let whole_chain = fragment.is_none_or(|(_, total)| total == 1);
    if !ciphertext.is_empty() {
        r.attach_decrypted(decrypted_block(
            &d.plaintext,
            cx.next_payload,
            whole_chain,
            d.note.clone(),
        ));
    }
    r.leaf(icv.clone(), &ICV, || {
        hex::preview(r_slice(body, &range, &icv))
    });
    Ok(body.to_vec())
}

fn r_slice<'b>(
    body: &'b [u8],
    whole: &std::ops::Range<usize>,
    part: &std::ops::Range<usize>,
) -> &'b [u8] {
    body.get(part.start - whole.start..part.end - whole.start)
        .unwrap_or_default()
}

/// Splits decrypted SK content into the inner payload chain and the padding, checking
/// the final Pad Length octet (RFC 7296 §3.14).
pub fn split_sk_plaintext(plaintext: &[u8]) -> Result<(&[u8], &[u8]), WireError> {
    let Some((&pad_len, rest)) = plaintext.split_last() else {
        return Err(WireError::new(
            0,
            "Pad Length",
            ErrorKind::Truncated {
                needed: 1,
                available: 0,
            },
        ));
    };
    let inner = rest
        .len()
        .checked_sub(usize::from(pad_len))
        .ok_or_else(|| {
            WireError::new(
                rest.len(),
                "Pad Length",
                ErrorKind::LengthOverrun {
                    length: usize::from(pad_len),
                    available: rest.len(),
                },
            )
        })?;
    Ok(rest.split_at(inner))
}

const ENCRYPTED: Doc = catalogue::SK_ENCRYPTED;
const IV: Doc = catalogue::SK_IV;
const CIPHERTEXT: Doc = catalogue::SK_CIPHERTEXT;
const ICV: Doc = catalogue::SK_ICV;
const FRAGMENT_NUMBER: Doc = catalogue::SK_FRAGMENT_NUMBER;
const TOTAL: Doc = catalogue::SK_TOTAL;
