//! Dissection: the field tree a student reads, produced by the parser itself.
//!
//! `dissect_message` runs the very code `Message::parse` runs, with a recorder attached
//! to the reader: each field read becomes a leaf with its byte range, and each
//! structure (header, payload, proposal, ...) a node. Leaves tile the message exactly
//! (`check_leaf_coverage`). A malformed message still yields every field read before
//! the fault, plus a "Malformed" leaf where the parser stopped.
//!
//! Malformed input keeps exactly one leaf per byte. The "Malformed" leaf sits in the
//! innermost structure being read and covers only the octets no other leaf covers:
//! from the end of the last field read to the end of that structure's bounds. When the
//! fault lies in a field already read (an IKE Length that disagrees with the datagram,
//! a Num Transforms that disagrees with the transforms), nothing is left unread and
//! the leaf is empty: an annotation placed where reading stopped, claiming no octet,
//! whose value is the error (offset and field). Octets beyond the failing structure
//! form one top-level "Unparsed" leaf. The same holds inside decrypted blocks.
//!
//! Encrypted payloads: without a `Decryptor`, an SK payload's body is one leaf. With
//! one that finds the keys, the body is split into IV, ciphertext and ICV leaves, and
//! the ciphertext leaf carries a `DecryptedBlock`: the plaintext bytes and their own
//! field tree, whose ranges index into the plaintext (it is not on the wire).

pub mod catalogue;
pub(crate) mod coverage;
pub(crate) mod decrypt;
pub(crate) mod field;
pub(crate) mod recorder;
pub mod sharing;

pub use catalogue::{CATALOGUE_VERSION, Catalogue, Entry as CatalogueEntry, FieldId};
pub use coverage::{CoverageError, check_leaf_coverage};
pub use decrypt::{Decrypted, Decryptor, KnownPlaintext, SkDecryptRequest, SkOutcome};
pub use field::{DecryptedBlock, Dissection, ExplainedDissection, Field};
use recorder::Recorder;

use super::chain::read_chain;
use super::cursor::{Doc, Reader, WireResult};
use super::error::{ErrorKind, WireError};
use super::hex;
use super::iana::PayloadType;
use super::message::read_message;

/// Dissects one IKE message. Never fails: see `Dissection::error`.
///
/// The bytes and the decryptor have lifetimes of their own, so a caller holding a
/// `&mut Box<dyn Decryptor>` or an `Option<&mut dyn Decryptor>` field passes
/// `Some(&mut **d)` or `field.as_deref_mut()` as they are.
pub fn dissect_message(bytes: &[u8], decryptor: Option<&mut (dyn Decryptor + '_)>) -> Dissection {
    let decryptor = decryptor.map(|d| -> &mut dyn Decryptor { d });
    let mut r = Reader::recording(bytes, Recorder::new(decryptor));
    let result = read_message(&mut r);
    let summary = match &result {
        Ok(m) => m.summary(),
        Err(e) => format!("malformed IKE message: {e}"),
    };
    finish(r, bytes.len(), result.err(), summary)
}

/// Dissects a payload chain that starts with a `first` payload (e.g. SK plaintext
/// without its padding). Never fails: see `Dissection::error`.
pub fn dissect_payload_chain(bytes: &[u8], first: PayloadType) -> Dissection {
    let mut r = Reader::recording(bytes, Recorder::new(None));
    let result = read_chain(&mut r, first);
    let summary = match &result {
        Ok(payloads) => {
            let names: Vec<String> = payloads
                .iter()
                .map(super::payload::Payload::short_name)
                .collect();
            format!("[ {} ]", names.join(" "))
        }
        Err(e) => format!("malformed payload chain: {e}"),
    };
    finish(r, bytes.len(), result.err(), summary)
}

fn finish(r: Reader<'_>, length: usize, error: Option<WireError>, summary: String) -> Dissection {
    let fields = r
        .into_recorder()
        .map(|mut rec| {
            if let Some(e) = &error {
                rec.record_error(e, length);
                rec.record_unparsed(length);
            }
            rec.finish(length)
        })
        .unwrap_or_default();
    Dissection {
        length,
        summary,
        fields,
        error,
    }
}

/// Dissects decrypted SK / SKF content: the inner payloads (a chain starting with
/// `first`, or, for a fragment of a larger message, raw content), then Padding and
/// Pad Length (RFC 7296 §3.14).
pub(crate) fn decrypted_block(
    plaintext: &[u8],
    first: PayloadType,
    whole_chain: bool,
    note: String,
) -> DecryptedBlock {
    let mut r = Reader::recording(plaintext, Recorder::new(None));
    let result = read_sk_plaintext(&mut r, first, whole_chain);
    let error = result.err();
    let fields = r
        .into_recorder()
        .map(|mut rec| {
            if let Some(e) = &error {
                rec.record_error(e, plaintext.len());
                rec.record_unparsed(plaintext.len());
            }
            rec.finish(plaintext.len())
        })
        .unwrap_or_default();
    DecryptedBlock {
        note,
        bytes: plaintext.to_vec(),
        fields,
        error,
    }
}

fn read_sk_plaintext(r: &mut Reader<'_>, first: PayloadType, whole_chain: bool) -> WireResult<()> {
    let total = r.remaining();
    let Some(&pad_len) = r.buffer().last() else {
        return Err(WireError::new(
            0,
            PAD_LENGTH.name,
            ErrorKind::Truncated {
                needed: 1,
                available: 0,
            },
        ));
    };
    let pad_len = usize::from(pad_len);
    let Some(inner) = (total - 1).checked_sub(pad_len) else {
        return Err(WireError::new(
            total - 1,
            PAD_LENGTH.name,
            ErrorKind::LengthOverrun {
                length: pad_len,
                available: total - 1,
            },
        ));
    };
    r.limit(inner, "Encrypted IKE Payloads", |r| {
        if whole_chain {
            read_chain(r, first).map(|_| ())
        } else {
            r.rest(&FRAGMENT_CONTENT, hex::preview);
            Ok(())
        }
    })?;
    r.bytes(pad_len, &PADDING, hex::preview)?;
    r.u8(&PAD_LENGTH, |v| format!("{v} octets"))?;
    Ok(())
}

const PADDING: Doc = catalogue::D_PADDING;
const PAD_LENGTH: Doc = catalogue::D_PAD_LENGTH;
const FRAGMENT_CONTENT: Doc = catalogue::D_FRAGMENT_CONTENT;
