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

use crate::wire::dissect::catalogue::{self, TRANSFORM_IDS};
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
fn read_substructure_header(r: &mut Reader<'_>, more: u8, length_doc: &Doc) -> WireResult<usize> {
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
    let proposal = more == MORE_PROPOSALS;
    r.leaf_explained(last_range, || {
        let doc = match (proposal, is_last) {
            (true, true) => catalogue::SA_PROPOSAL_LAST,
            (true, false) => catalogue::SA_PROPOSAL_MORE,
            (false, true) => catalogue::SA_TRANSFORM_LAST,
            (false, false) => catalogue::SA_TRANSFORM_MORE,
        };
        (last.to_string(), doc.id)
    });
    let reserved_range = start + 1..start + 2;
    let reserved = r
        .slice(reserved_range.clone())
        .first()
        .copied()
        .unwrap_or(0);
    r.leaf_explained(reserved_range, || {
        let doc = if proposal {
            catalogue::SA_PROPOSAL_RESERVED
        } else {
            catalogue::SA_TRANSFORM_RESERVED
        };
        (super::reserved_value(&[reserved]), doc.id)
    });
    r.leaf(length_range, length_doc, || format!("{length} octets"));
    Ok(length)
}

fn reserved_unrecorded(r: &mut Reader<'_>) -> WireResult<()> {
    r.raw_u8("RESERVED").map(|_| ())
}

fn read_proposal(r: &mut Reader<'_>, index: usize) -> WireResult<Proposal> {
    let length = read_substructure_header(r, MORE_PROPOSALS, &PROPOSAL_LENGTH)?;
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
            transforms.push(r.group(
                &catalogue::SA_TRANSFORM,
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
    let length = read_substructure_header(r, MORE_TRANSFORMS, &TRANSFORM_LENGTH)?;
    r.limit(length - 4, TRANSFORM_LENGTH.name, |r| {
        let kind = TransformType(r.u8(&TRANSFORM_TYPE, |v| TransformType(v).to_string())?);
        reserved(r, 1, &catalogue::SA_TRANSFORM_RESERVED)?;
        let (id, id_range) = r.raw_u16(TRANSFORM_ID.name)?;
        r.leaf_explained(id_range, || {
            (
                transform_id_name(kind, id),
                TRANSFORM_IDS.id(u32::from(kind.0), &TRANSFORM_ID),
            )
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

/// The catalogue's Transform ID entry for a Transform Type (`catalogue::TRANSFORM_IDS`);
/// `None` for a type this dissector does not know.
pub(crate) fn transform_id_title(kind: u32) -> Option<catalogue::Title> {
    let meaning = match kind {
        1 => "The cipher that encrypts the SA's traffic.",
        2 => "The pseudorandom function that derives the IKE SA's keys.",
        3 => "The integrity algorithm (MAC) that authenticates each message.",
        4 => "The key-exchange group (Diffie-Hellman or ML-KEM) for fresh shared secrets.",
        5 => "Whether ESP sequence numbers are extended to 64 bits.",
        6..=12 => "An additional key exchange run after IKE_SA_INIT (RFC 9370).",
        _ => return None,
    };
    Some((Cow::Borrowed(TRANSFORM_ID.name), TRANSFORM_ID.rfc, meaning))
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

const PROPOSAL: Doc = catalogue::SA_PROPOSAL;
const PROPOSAL_LENGTH: Doc = catalogue::SA_PROPOSAL_LENGTH;
const PROPOSAL_NUM: Doc = catalogue::SA_PROPOSAL_NUM;
const PROTOCOL: Doc = catalogue::SA_PROTOCOL;
const SPI_SIZE: Doc = catalogue::SA_SPI_SIZE;
const NUM_TRANSFORMS: Doc = catalogue::SA_NUM_TRANSFORMS;
const SPI: Doc = catalogue::SA_SPI;
const TRANSFORM_LENGTH: Doc = catalogue::SA_TRANSFORM_LENGTH;
const TRANSFORM_TYPE: Doc = catalogue::SA_TRANSFORM_TYPE;
const TRANSFORM_ID: Doc = catalogue::SA_TRANSFORM_ID;
const ATTRIBUTE: Doc = catalogue::SA_ATTRIBUTE;
const ATTR_TYPE: Doc = catalogue::SA_ATTR_TYPE;
const ATTR_LENGTH: Doc = catalogue::SA_ATTR_LENGTH;
const ATTR_VALUE: Doc = catalogue::SA_ATTR_VALUE;
