//! Payload chains and the generic payload header (RFC 7296 §3.2).
//!
//! ```text
//! | Next Payload  |C|  RESERVED   |         Payload Length        |
//! ```
//!
//! Each payload names the type of the next; the IKE header (or the SK payload) names
//! the first. The chain ends with Next Payload 0 exactly at the end of the bytes; an SK
//! or SKF payload ends it too, its Next Payload naming the first payload inside.

use std::borrow::Cow;

use super::cursor::{Doc, Reader, WireResult};
use super::dissect::catalogue::{self, PAYLOADS};
use super::error::{EmitError, EmitErrorKind, ErrorKind, WireError};
use super::iana::PayloadType;
use super::payload::{Payload, PayloadContext, is_understood, read_body};
use super::writer::{EmitResult, Writer};

/// Parses a payload chain that starts with a payload of type `first` and fills
/// `bytes` exactly: what follows the IKE header, or the inner payloads of a decrypted
/// SK payload (without Padding and Pad Length, see `split_sk_plaintext`).
pub fn parse_payload_chain(bytes: &[u8], first: PayloadType) -> Result<Vec<Payload>, WireError> {
    read_chain(&mut Reader::new(bytes), first)
}

/// Emits a payload chain; returns its bytes and the type of its first payload (what
/// the header or the SK payload must name). An empty chain gives `PayloadType::NONE`.
pub fn emit_payload_chain(payloads: &[Payload]) -> Result<(Vec<u8>, PayloadType), EmitError> {
    let mut w = Writer::for_message();
    let first = write_chain(payloads, &mut w)?;
    Ok((w.into_bytes(), first))
}

pub(crate) fn read_chain(r: &mut Reader<'_>, first: PayloadType) -> WireResult<Vec<Payload>> {
    // Room for the payloads of a typical exchange (IKE_SA_INIT carries 5 to 7, an
    // IKE_AUTH body 6 to 9), so parsing grows the vector at most once.
    let mut payloads = Vec::with_capacity(8);
    let mut next = first;
    while next != PayloadType::NONE {
        if r.remaining() == 0 {
            return Err(WireError::new(
                r.pos(),
                "Next Payload",
                ErrorKind::MissingPayload {
                    payload_type: next.0,
                },
            ));
        }
        let this = next;
        let payload = r.group_titled(
            || PAYLOADS.id(u32::from(this.0), &catalogue::CHAIN_UNKNOWN_PAYLOAD),
            |r| read_one(r, this),
            |(p, _)| p.describe(),
        )?;
        next = payload.1;
        let last = matches!(payload.0, Payload::Sk(_) | Payload::Skf(_));
        payloads.push(payload.0);
        if last {
            if r.remaining() > 0 {
                return Err(WireError::new(
                    r.pos(),
                    "after the SK payload",
                    ErrorKind::MustBeLast {
                        payload_type: this.0,
                    },
                ));
            }
            return Ok(payloads);
        }
    }
    if r.remaining() > 0 {
        return Err(WireError::new(
            r.pos(),
            "after the last payload",
            ErrorKind::TrailingBytes {
                count: r.remaining(),
            },
        ));
    }
    Ok(payloads)
}

/// Reads one payload: generic header, then the body. Returns it with its Next Payload.
fn read_one(r: &mut Reader<'_>, payload_type: PayloadType) -> WireResult<(Payload, PayloadType)> {
    let start = r.pos();
    let (next, next_range) = r.raw_u8(NEXT_PAYLOAD)?;
    let next = PayloadType(next);
    let (flags, flags_range) = r.raw_u8("Critical")?;
    let critical = flags & 0x80 != 0;
    let (length, length_range) = r.raw_u16(PAYLOAD_LENGTH.name)?;
    let length = usize::from(length);
    let encrypted = matches!(payload_type, PayloadType::SK | PayloadType::SKF);
    r.leaf_explained(next_range, || {
        let doc = if encrypted {
            catalogue::CHAIN_NEXT_PAYLOAD_IN_SK
        } else if next == PayloadType::NONE {
            catalogue::CHAIN_NEXT_PAYLOAD_LAST
        } else {
            catalogue::CHAIN_NEXT_PAYLOAD_MORE
        };
        (next.to_string(), doc.id)
    });
    r.leaf_explained(flags_range, || {
        let reserved = flags & 0x7f;
        let mut value = format!("C={}, RESERVED=0x{reserved:02x}", u8::from(critical));
        if reserved != 0 {
            value.push_str(" (reserved bits not zero: a receiver ignores them)");
        }
        let doc = match (critical, is_understood(payload_type)) {
            (true, true) => catalogue::CHAIN_CRITICAL_UNDERSTOOD,
            (true, false) => catalogue::CHAIN_CRITICAL_NOT_UNDERSTOOD,
            (false, true) => catalogue::CHAIN_NOT_CRITICAL_UNDERSTOOD,
            (false, false) => catalogue::CHAIN_NOT_CRITICAL_NOT_UNDERSTOOD,
        };
        (value, doc.id)
    });
    if length < 4 {
        return Err(WireError::new(
            length_range.start,
            PAYLOAD_LENGTH.name,
            ErrorKind::LengthTooSmall { length, minimum: 4 },
        ));
    }
    if length - 4 > r.remaining() {
        return Err(WireError::new(
            length_range.start,
            PAYLOAD_LENGTH.name,
            ErrorKind::LengthOverrun {
                length,
                available: r.remaining() + 4,
            },
        ));
    }
    r.leaf(length_range, &PAYLOAD_LENGTH, || format!("{length} octets"));
    let cx = PayloadContext {
        payload_type,
        next_payload: next,
        critical,
        start,
    };
    let payload = r.limit(length - 4, PAYLOAD_LENGTH.name, |r| read_body(r, cx))?;
    Ok((payload, next))
}

/// The catalogue's entry for a payload of type `key` (`catalogue::PAYLOADS`): its
/// name ("Security Association (SA)"), section and meaning; `None` for a type this
/// dissector does not parse.
pub(crate) fn payload_title(key: u32) -> Option<catalogue::Title> {
    let t = PayloadType(u8::try_from(key).ok()?);
    let name: Cow<'static, str> = match (t.long_name(), t.name()) {
        (Some(long), Some(short)) if long != short => Cow::Owned(format!("{long} ({short})")),
        (Some(long), _) => Cow::Borrowed(long),
        _ => return None,
    };
    let (rfc, meaning) = match t {
        PayloadType::SA => (
            "RFC 7296 §3.3",
            "The algorithms the sender proposes (or, in a response, accepts) for an SA.",
        ),
        PayloadType::KE => ("RFC 7296 §3.4", "The sender's public key-exchange value."),
        PayloadType::IDI => ("RFC 7296 §3.5", "The identity the initiator claims."),
        PayloadType::IDR => (
            "RFC 7296 §3.5",
            "The identity the responder claims (or the one the initiator wants to reach).",
        ),
        PayloadType::CERT => (
            "RFC 7296 §3.6",
            "A certificate backing the sender's identity.",
        ),
        PayloadType::CERTREQ => (
            "RFC 7296 §3.7",
            "Asks the peer for a certificate from the listed authorities.",
        ),
        PayloadType::AUTH => (
            "RFC 7296 §3.8",
            "Proves the sender's identity over this exchange.",
        ),
        PayloadType::NONCE => (
            "RFC 7296 §3.9",
            "Fresh random data that makes this exchange's keys unique.",
        ),
        PayloadType::NOTIFY => (
            "RFC 7296 §3.10",
            "An error, status or capability notification.",
        ),
        PayloadType::DELETE => ("RFC 7296 §3.11", "Announces SAs the sender is deleting."),
        PayloadType::VENDOR_ID => (
            "RFC 7296 §3.12",
            "Names the sender's implementation or a private capability.",
        ),
        PayloadType::TSI => (
            "RFC 7296 §3.13",
            "Traffic on the initiator's side that the Child SA carries.",
        ),
        PayloadType::TSR => (
            "RFC 7296 §3.13",
            "Traffic on the responder's side that the Child SA carries.",
        ),
        PayloadType::SK => (
            "RFC 7296 §3.14",
            "Encrypted and integrity-protected payloads.",
        ),
        PayloadType::CP => (
            "RFC 7296 §3.15",
            "Configuration: virtual IP address, DNS servers.",
        ),
        PayloadType::EAP => ("RFC 7296 §3.16", "An EAP message, for EAP authentication."),
        PayloadType::SKF => (
            "RFC 7383 §2.5",
            "One fragment of an encrypted message too large for the path.",
        ),
        _ => return None,
    };
    Some((name, rfc, meaning))
}

pub(crate) fn write_chain(payloads: &[Payload], w: &mut Writer) -> EmitResult<PayloadType> {
    let first = payloads
        .first()
        .map_or(PayloadType::NONE, Payload::payload_type);
    for (i, p) in payloads.iter().enumerate() {
        let following = payloads.get(i + 1);
        let next = match p {
            Payload::Sk(sk) => {
                must_be_last(following, "SK")?;
                sk.first_payload
            }
            Payload::Skf(skf) => {
                must_be_last(following, "SKF")?;
                skf.first_payload
            }
            _ => following.map_or(PayloadType::NONE, Payload::payload_type),
        };
        let start = w.len();
        w.u8(next.0);
        w.u8(match p {
            Payload::Unknown(u) if u.critical => 0x80,
            _ => 0,
        });
        let at = w.placeholder_u16();
        p.write_body(w)?;
        w.patch_len_u16(at, start, "Payload Length")?;
    }
    Ok(first)
}

fn must_be_last(following: Option<&Payload>, field: &'static str) -> EmitResult {
    match following {
        None => Ok(()),
        Some(_) => Err(EmitError {
            field: field.into(),
            kind: EmitErrorKind::MustBeLast,
        }),
    }
}

/// The generic header's first field, as errors name it.
const NEXT_PAYLOAD: &str = "Next Payload";
const PAYLOAD_LENGTH: Doc = catalogue::CHAIN_PAYLOAD_LENGTH;
