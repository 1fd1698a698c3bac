//! Security Association payload codec (RFC 7296 §3.3): proposals (§3.3.1), transforms
//! (§3.3.2) and transform attributes (§3.3.5). The types are in `wire::sa`.
//!
//! ```text
//! proposal:
//! | Last Substruc |   RESERVED    |         Proposal Length       |
//! | Proposal Num  |  Protocol ID  |    SPI Size   |Num  Transforms|
//! ~                        SPI (variable)                         ~
//! ~                        <Transforms>                           ~
//! transform:
//! | Last Substruc |   RESERVED    |        Transform Length       |
//! |Transform Type |   RESERVED    |          Transform ID         |
//! ~                      Transform Attributes                     ~
//! attribute:
//! |A|       Attribute Type        |    AF=0  Attribute Length     |
//! |                               |    AF=1  Attribute Value      |
//! ~                 AF=0  Attribute Value (TLV only)              ~
//! ```

use std::borrow::Cow;

use super::reserved;
use crate::wire::cursor::{Doc, Reader, WireResult};
use crate::wire::error::{EmitError, ErrorKind, WireError};
use crate::wire::hex;
use crate::wire::iana::{
    DhId, EncrId, EsnId, IntegId, PrfId, ProtocolId, TransformAttrType, TransformType,
};
use crate::wire::sa::{AttributeValue, Proposal, SaPayload, Transform, TransformAttribute};
use crate::wire::writer::{EmitResult, Writer, fit_u8, fit_u16};

const RFC_PROPOSAL: &str = "RFC 7296 §3.3.1";
const RFC_TRANSFORM: &str = "RFC 7296 §3.3.2";
const RFC_ATTRIBUTE: &str = "RFC 7296 §3.3.5";

/// "Last Substruc" of a proposal that is followed by another (§3.3.1).
const MORE_PROPOSALS: u8 = 2;
/// "Last Substruc" of a transform that is followed by another (§3.3.2).
const MORE_TRANSFORMS: u8 = 3;
/// Attribute Format bit: TV (§3.3.5).
const AF_TV: u16 = 0x8000;

pub(crate) fn read(r: &mut Reader<'_>) -> WireResult<SaPayload> {
    let mut proposals = Vec::new();
    while r.remaining() > 0 {
        let index = proposals.len();
        proposals.push(r.group(&PROPOSAL, |r| read_proposal(r, index), describe_proposal)?);
    }
    Ok(SaPayload { proposals })
}

/// Reads a "Last Substruc" / RESERVED / Length header and checks it against the bytes
/// left in the enclosing structure. Returns the structure's length.
fn read_substructure_header(
    r: &mut Reader<'_>,
    more: u8,
    rfc: &'static str,
    length_doc: &Doc,
) -> WireResult<usize> {
    let start = r.pos();
    let (last, last_range) = r.raw_u8("Last Substruc")?;
    reserved_unrecorded(r)?;
    let (length, length_range) = r.raw_u16(length_doc.name)?;
    let length = usize::from(length);
    if length < 8 {
        return Err(WireError::new(
            length_range.start,
            length_doc.name,
            ErrorKind::LengthTooSmall { length, minimum: 8 },
        ));
    }
    let available = r.remaining() + 4;
    if length > available {
        return Err(WireError::new(
            length_range.start,
            length_doc.name,
            ErrorKind::LengthOverrun { length, available },
        ));
    }
    let is_last = length == available;
    let expected = if is_last { 0 } else { more };
    if last != expected {
        return Err(WireError::new(
            last_range.start,
            "Last Substruc",
            ErrorKind::BadLastSubstructure {
                found: last,
                more,
                is_last,
            },
        ));
    }
    r.leaf_explained(last_range, &Doc::new("Last Substruc", rfc, ""), || {
        let meaning = if is_last {
            "0: this is the last one."
        } else if more == MORE_PROPOSALS {
            "2: another proposal follows."
        } else {
            "3: another transform follows."
        };
        (last.to_string(), Cow::Borrowed(meaning))
    });
    let reserved_range = start + 1..start + 2;
    let reserved = r
        .slice(reserved_range.clone())
        .first()
        .copied()
        .unwrap_or(0);
    r.leaf_explained(reserved_range, &Doc::new("RESERVED", rfc, ""), || {
        let meaning = if reserved == 0 {
            "Sent as zero, ignored on receipt."
        } else {
            "Not zero: a conforming sender writes zero here; a receiver ignores it."
        };
        (format!("0x{reserved:02x}"), Cow::Borrowed(meaning))
    });
    r.leaf(length_range, length_doc, || format!("{length} octets"));
    Ok(length)
}

fn reserved_unrecorded(r: &mut Reader<'_>) -> WireResult<()> {
    r.raw_u8("RESERVED").map(|_| ())
}

fn read_proposal(r: &mut Reader<'_>, index: usize) -> WireResult<Proposal> {
    let length = read_substructure_header(r, MORE_PROPOSALS, RFC_PROPOSAL, &PROPOSAL_LENGTH)?;
    let is_last = length == r.remaining() + 4;
    r.limit(length - 4, PROPOSAL_LENGTH.name, |r| {
        let (number, number_range) = r.raw_u8(PROPOSAL_NUM.name)?;
        // §3.3.1: the first proposal is 1 and each next one adds 1; a responder's single
        // accepted proposal repeats the number it accepted.
        let expected = u8::try_from(index + 1).unwrap_or(u8::MAX);
        let lone_answer = index == 0 && is_last && number != 0;
        if number != expected && !lone_answer {
            return Err(WireError::new(
                number_range.start,
                PROPOSAL_NUM.name,
                ErrorKind::BadProposalNumber {
                    expected,
                    found: number,
                },
            ));
        }
        r.leaf(number_range, &PROPOSAL_NUM, || number.to_string());
        let protocol = ProtocolId(r.u8(&PROTOCOL, |v| ProtocolId(v).to_string())?);
        let (spi_size, spi_size_range) = r.raw_u8(SPI_SIZE.name)?;
        let allowed: Option<&[u8]> = match protocol {
            ProtocolId::IKE => Some(&[0, 8]),
            ProtocolId::AH | ProtocolId::ESP => Some(&[4]),
            _ => None,
        };
        if let Some(allowed) = allowed
            && !allowed.contains(&spi_size)
        {
            return Err(WireError::new(
                spi_size_range.start,
                SPI_SIZE.name,
                ErrorKind::BadValue {
                    found: u64::from(spi_size),
                    expected: "the SPI Size is 0 (initial IKE SA) or 8 for IKE, 4 for AH and ESP"
                        .into(),
                },
            ));
        }
        r.leaf(spi_size_range, &SPI_SIZE, || format!("{spi_size} octets"));
        let (count, count_range) = r.raw_u8(NUM_TRANSFORMS.name)?;
        r.leaf(count_range.clone(), &NUM_TRANSFORMS, || count.to_string());
        let spi = r
            .bytes(usize::from(spi_size), &SPI, |v| {
                format!("0x{}", hex::encode(v))
            })?
            .to_vec();
        // Sized by the header's count; a lying count only mis-sizes the first
        // allocation (at most 255 entries), the loop reads what is there.
        let mut transforms = Vec::with_capacity(usize::from(count));
        while r.remaining() > 0 {
            transforms.push(r.group_titled(
                || {
                    (
                        Cow::Borrowed("Transform"),
                        RFC_TRANSFORM,
                        Cow::Borrowed(TRANSFORM_MEANING),
                    )
                },
                read_transform,
                describe_transform,
            )?);
        }
        if transforms.len() != usize::from(count) {
            return Err(WireError::new(
                count_range.start,
                NUM_TRANSFORMS.name,
                ErrorKind::CountMismatch {
                    declared: usize::from(count),
                    found: transforms.len(),
                },
            ));
        }
        Ok(Proposal {
            number,
            protocol,
            spi,
            transforms,
        })
    })
}

fn read_transform(r: &mut Reader<'_>) -> WireResult<Transform> {
    let length = read_substructure_header(r, MORE_TRANSFORMS, RFC_TRANSFORM, &TRANSFORM_LENGTH)?;
    r.limit(length - 4, TRANSFORM_LENGTH.name, |r| {
        let kind = TransformType(r.u8(&TRANSFORM_TYPE, |v| TransformType(v).to_string())?);
        reserved(r, 1, RFC_TRANSFORM)?;
        let (id, id_range) = r.raw_u16(TRANSFORM_ID.name)?;
        r.leaf_explained(id_range, &TRANSFORM_ID, || {
            (transform_id_name(kind, id), Cow::Borrowed(id_meaning(kind)))
        });
        let mut attributes = Vec::new();
        while r.remaining() > 0 {
            attributes.push(r.group(&ATTRIBUTE, read_attribute, describe_attribute)?);
        }
        Ok(Transform {
            kind,
            id,
            attributes,
        })
    })
}

fn read_attribute(r: &mut Reader<'_>) -> WireResult<TransformAttribute> {
    let (raw, type_range) = r.raw_u16(ATTR_TYPE.name)?;
    let kind = TransformAttrType(raw & !AF_TV);
    let tv = raw & AF_TV != 0;
    r.leaf(type_range, &ATTR_TYPE, || {
        format!(
            "{kind}, {} format",
            if tv { "TV (AF=1)" } else { "TLV (AF=0)" }
        )
    });
    let value = if tv {
        AttributeValue::Tv(r.u16(&ATTR_VALUE, |v| attr_value_text(kind, v))?)
    } else {
        let (len, len_range) = r.raw_u16(ATTR_LENGTH.name)?;
        if usize::from(len) > r.remaining() {
            return Err(WireError::new(
                len_range.start,
                ATTR_LENGTH.name,
                ErrorKind::LengthOverrun {
                    length: usize::from(len),
                    available: r.remaining(),
                },
            ));
        }
        r.leaf(len_range, &ATTR_LENGTH, || format!("{len} octets"));
        AttributeValue::Tlv(
            r.bytes(usize::from(len), &ATTR_VALUE, hex::preview)?
                .to_vec(),
        )
    };
    Ok(TransformAttribute { kind, value })
}

pub(crate) fn write(sa: &SaPayload, w: &mut Writer) -> EmitResult {
    let count = sa.proposals.len();
    for (i, p) in sa.proposals.iter().enumerate() {
        let start = w.len();
        w.u8(if i + 1 == count { 0 } else { MORE_PROPOSALS });
        w.u8(0);
        let at = w.placeholder_u16();
        w.u8(p.number);
        w.u8(p.protocol.0);
        w.u8(fit_u8(p.spi.len(), "SPI Size")?);
        w.u8(fit_u8(p.transforms.len(), "Num Transforms")?);
        w.bytes(&p.spi);
        let n = p.transforms.len();
        for (j, t) in p.transforms.iter().enumerate() {
            write_transform(t, j + 1 == n, w)?;
        }
        w.patch_len_u16(at, start, "Proposal Length")?;
    }
    Ok(())
}

fn write_transform(t: &Transform, last: bool, w: &mut Writer) -> EmitResult {
    let start = w.len();
    w.u8(if last { 0 } else { MORE_TRANSFORMS });
    w.u8(0);
    let at = w.placeholder_u16();
    w.u8(t.kind.0);
    w.u8(0);
    w.u16(t.id);
    for a in &t.attributes {
        if a.kind.0 & AF_TV != 0 {
            return Err(EmitError::too_long(
                "Attribute Type",
                usize::from(a.kind.0),
                usize::from(!AF_TV),
            ));
        }
        match &a.value {
            AttributeValue::Tv(v) => {
                w.u16(a.kind.0 | AF_TV);
                w.u16(*v);
            }
            AttributeValue::Tlv(v) => {
                w.u16(a.kind.0);
                w.u16(fit_u16(v.len(), "Attribute Length")?);
                w.bytes(v);
            }
        }
    }
    w.patch_len_u16(at, start, "Transform Length")
}

/// "ENCR_AES_GCM_16 (20)" — the Transform ID read in the registry its type names.
pub(crate) fn transform_id_name(kind: TransformType, id: u16) -> String {
    match kind.0 {
        1 => EncrId(id).to_string(),
        2 => PrfId(id).to_string(),
        3 => IntegId(id).to_string(),
        4 | 6..=12 => DhId(id).to_string(),
        5 => EsnId(id).to_string(),
        _ => id.to_string(),
    }
}

fn id_meaning(kind: TransformType) -> &'static str {
    match kind.0 {
        1 => "The cipher that encrypts the SA's traffic.",
        2 => "The pseudorandom function that derives the IKE SA's keys.",
        3 => "The integrity algorithm (MAC) that authenticates each message.",
        4 => "The key-exchange group (Diffie-Hellman or ML-KEM) for fresh shared secrets.",
        5 => "Whether ESP sequence numbers are extended to 64 bits.",
        6..=12 => "An additional key exchange run after IKE_SA_INIT (RFC 9370).",
        _ => "An algorithm of a transform type this dissector does not know.",
    }
}

fn attr_value_text(kind: TransformAttrType, v: u16) -> String {
    if kind == TransformAttrType::KEY_LENGTH {
        format!("{v} bits")
    } else {
        v.to_string()
    }
}

fn describe_attribute(a: &TransformAttribute) -> String {
    match &a.value {
        AttributeValue::Tv(v) => format!("{} = {}", a.kind, attr_value_text(a.kind, *v)),
        AttributeValue::Tlv(v) => format!("{} = {}", a.kind, hex::preview(v)),
    }
}

pub(crate) fn describe_transform(t: &Transform) -> String {
    let mut text = transform_id_name(t.kind, t.id);
    if let Some(bits) = t.key_length() {
        text.push_str(&format!(", key length {bits}"));
    }
    text
}

fn describe_proposal(p: &Proposal) -> String {
    let names: Vec<String> = p
        .transforms
        .iter()
        .map(|t| {
            let mut s = transform_id_name(t.kind, t.id);
            if let Some(bits) = t.key_length() {
                s.push_str(&format!("/{bits}"));
            }
            s
        })
        .collect();
    format!("#{} {}: {}", p.number, p.protocol, names.join(", "))
}

pub(crate) fn describe(sa: &SaPayload) -> String {
    match sa.proposals.len() {
        1 => "1 proposal".to_owned(),
        n => format!("{n} proposals"),
    }
}

const PROPOSAL: Doc = Doc::new(
    "Proposal",
    RFC_PROPOSAL,
    "One acceptable combination of algorithms for one protocol; the responder picks one \
     proposal and answers with it.",
);
const TRANSFORM_MEANING: &str = "One algorithm of the proposal; within a proposal the \
    responder picks one transform of each type.";
const PROPOSAL_LENGTH: Doc = Doc::new(
    "Proposal Length",
    RFC_PROPOSAL,
    "Length of this proposal with all its transforms and attributes.",
);
const PROPOSAL_NUM: Doc = Doc::new(
    "Proposal Num",
    RFC_PROPOSAL,
    "1 for the first proposal, one more for each next one; a response repeats the \
     number of the proposal it accepted.",
);
const PROTOCOL: Doc = Doc::new(
    "Protocol ID",
    RFC_PROPOSAL,
    "The protocol the proposal is for: IKE (the IKE SA itself), ESP or AH.",
);
const SPI_SIZE: Doc = Doc::new(
    "SPI Size",
    RFC_PROPOSAL,
    "0 in the first IKE_SA_INIT (the header carries the SPIs), 8 when rekeying the IKE \
     SA, 4 for ESP and AH.",
);
const NUM_TRANSFORMS: Doc = Doc::new(
    "Num Transforms",
    RFC_PROPOSAL,
    "How many transforms the proposal contains.",
);
const SPI: Doc = Doc::new(
    "SPI",
    RFC_PROPOSAL,
    "The sender's SPI for the new SA: the value the peer will put in packets sent to it.",
);
const TRANSFORM_LENGTH: Doc = Doc::new(
    "Transform Length",
    RFC_TRANSFORM,
    "Length of this transform with its attributes.",
);
const TRANSFORM_TYPE: Doc = Doc::new(
    "Transform Type",
    RFC_TRANSFORM,
    "The kind of algorithm: encryption, PRF, integrity, key exchange or ESN.",
);
const TRANSFORM_ID: Doc = Doc::new("Transform ID", RFC_TRANSFORM, "");
const ATTRIBUTE: Doc = Doc::new(
    "Transform Attribute",
    RFC_ATTRIBUTE,
    "A parameter of the algorithm, such as the key length of AES.",
);
const ATTR_TYPE: Doc = Doc::new(
    "Attribute Type",
    RFC_ATTRIBUTE,
    "Which parameter this is; the top bit (AF) says whether the value is the next two \
     octets (TV) or follows a length (TLV).",
);
const ATTR_LENGTH: Doc = Doc::new("Attribute Length", RFC_ATTRIBUTE, "Length of the value.");
const ATTR_VALUE: Doc = Doc::new(
    "Attribute Value",
    RFC_ATTRIBUTE,
    "The parameter's value; for Key Length, the key size in bits.",
);
