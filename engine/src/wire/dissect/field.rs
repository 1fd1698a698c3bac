//! The dissection tree: fields with a catalogue id (name, RFC section and meaning live
//! in the catalogue), a byte range and a value for people.
//!
//! Serialised (the trace's form), a field is a JSON array, and ranges are implied
//! where they can be: leaves tile the buffer in reading order, so a leaf that starts
//! where the previous field ended is `[id, length, value]` (plus its decrypted block),
//! and a structure spanning exactly its children is `[id, value, [children]]`. Any
//! other field is written out in full, `[id, start, end, value, [children]]` (plus its
//! decrypted block). `explained()` gives the long form with names and meanings, as the
//! CLI's `ikelab-dissect/1` JSON prints it.

use std::borrow::Cow;
use std::cell::Cell;
use std::ops::Range;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use super::catalogue::{self, Doc, FieldId};
use crate::wire::error::WireError;

/// One field of a dissected message.
///
/// A field with no `children` is a *leaf*; leaves tile the dissected buffer exactly
/// (every byte in one leaf, see `check_leaf_coverage`). A field with children is a
/// structure (a payload, a proposal, ...) whose range spans its children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The catalogue entry naming and explaining this field (see `name`, `rfc`,
    /// `meaning`).
    pub id: FieldId,
    /// Absolute byte offsets into the dissected buffer: the whole message, or, inside a
    /// `DecryptedBlock`, that block's `bytes`.
    pub range: Range<usize>,
    /// The value, rendered for people ("ENCR_AES_GCM_16 (20), key length 256").
    pub value: String,
    pub children: Vec<Self>,
    /// Set only on the ciphertext leaf of an SK or SKF payload (or an ESP packet) once
    /// a decryptor supplied the plaintext: that plaintext, dissected with its own
    /// offsets.
    pub decrypted: Option<Box<DecryptedBlock>>,
}

/// Decrypted content of an SK / SKF payload, dissected as a nested buffer.
///
/// The ranges of `fields` index into `bytes` (offset 0 is the first plaintext octet),
/// not into the message: the plaintext is not on the wire. `bytes` holds the inner
/// payloads followed by the Padding and the Pad Length octet (RFC 7296 §3.14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecryptedBlock {
    /// How it was decrypted, as the decryptor reported it.
    pub note: String,
    #[serde(with = "crate::wire::hex::serde_hex")]
    pub bytes: Vec<u8>,
    #[serde(with = "compact")]
    pub fields: Vec<Field>,
    /// Set when the plaintext does not parse; `fields` then holds what was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<WireError>,
}

/// A dissected buffer: its fields, a one-line summary and, if it is malformed, the
/// error (whose leaf also sits in `fields`, where the parser stopped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dissection {
    /// Length of the dissected buffer; leaves cover `0..length`.
    pub length: usize,
    /// "IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) ]" (`wire::summary`).
    pub summary: String,
    #[serde(with = "compact")]
    pub fields: Vec<Field>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<WireError>,
}

impl Field {
    /// A leaf explained by `doc`.
    pub(crate) fn leaf(doc: &Doc, range: Range<usize>, value: impl Into<String>) -> Self {
        Self::with_id(doc.id, range, value.into())
    }

    /// A structure explained by `doc`, made of `children`.
    pub(crate) fn node(
        doc: &Doc,
        range: Range<usize>,
        value: impl Into<String>,
        children: Vec<Self>,
    ) -> Self {
        Self {
            children,
            ..Self::leaf(doc, range, value)
        }
    }

    /// A leaf with a catalogue id.
    pub fn with_id(id: FieldId, range: Range<usize>, value: String) -> Self {
        Self {
            id,
            range,
            value,
            children: Vec::new(),
            decrypted: None,
        }
    }

    /// The recorder's root, whose children are a dissection's top-level fields.
    pub(crate) fn root() -> Self {
        Self::with_id(FieldId(0), 0..0, String::new())
    }

    /// The field's name as the RFC diagram spells it ("Payload Length"), from the
    /// engine's catalogue; "field N (newer engine)" for an id it does not know.
    pub fn name(&self) -> Cow<'static, str> {
        catalogue::lookup(self.id)
            .map_or_else(|| catalogue::unknown_name(self.id).into(), |e| e.name)
    }

    /// Where the field is defined ("RFC 7296 §3.2"); empty for an unknown id.
    pub fn rfc(&self) -> Cow<'static, str> {
        catalogue::lookup(self.id).map_or(Cow::Borrowed(""), |e| e.rfc)
    }

    /// One plain sentence on what the field means; empty for an unknown id.
    pub fn meaning(&self) -> Cow<'static, str> {
        catalogue::lookup(self.id).map_or(Cow::Borrowed(""), |e| e.meaning)
    }

    /// Whether this field has no children.
    pub fn is_leaf(&self) -> bool {
        self.children.is_empty()
    }

    /// Moves this field and its children `by` octets further into an enclosing buffer
    /// (e.g. an IKE message found after the 4-octet non-ESP marker of RFC 3948).
    /// Decrypted blocks keep their own offsets.
    pub fn shift(&mut self, by: usize) {
        self.range = self.range.start + by..self.range.end + by;
        for child in &mut self.children {
            child.shift(by);
        }
    }

    /// Depth-first search for the first field with this name.
    pub fn find(&self, name: &str) -> Option<&Self> {
        if self.name() == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
    }

    /// Every field id in this tree (decrypted blocks included), depth first.
    pub fn ids(&self, out: &mut Vec<FieldId>) {
        out.push(self.id);
        for child in &self.children {
            child.ids(out);
        }
        if let Some(block) = &self.decrypted {
            for field in &block.fields {
                field.ids(out);
            }
        }
    }
}

impl Dissection {
    /// Moves every field `by` octets (see `Field::shift`) and grows `length` to match.
    pub fn shift(&mut self, by: usize) {
        for field in &mut self.fields {
            field.shift(by);
        }
        self.length += by;
        if let Some(error) = &mut self.error {
            error.offset += by;
        }
    }

    /// Depth-first search for the first field with this name.
    pub fn find(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find_map(|f| f.find(name))
    }

    /// Every field id used in this dissection, depth first.
    pub fn ids(&self) -> Vec<FieldId> {
        let mut out = Vec::new();
        for field in &self.fields {
            field.ids(&mut out);
        }
        out
    }

    /// The long, self-explaining form: each field with its name, RFC section and
    /// meaning from the catalogue (the CLI's `ikelab-dissect/1` JSON).
    pub fn explained(&self) -> ExplainedDissection<'_> {
        ExplainedDissection(self)
    }
}

/// `Dissection::explained`: serialises as `{length, summary, fields, error}` with
/// every field as `{id, name, rfc, range, value, meaning, children, decrypted}`.
/// A `Dissection` deserialises from this form too (by `id`, `range`, `value`,
/// `children` and `decrypted`; names and meanings come from the catalogue).
#[derive(Debug, Clone, Copy)]
pub struct ExplainedDissection<'a>(&'a Dissection);

impl Serialize for ExplainedDissection<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Doc<'a> {
            length: usize,
            summary: &'a str,
            fields: Vec<ExplainedField<'a>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            error: Option<&'a WireError>,
        }
        let d = self.0;
        Doc {
            length: d.length,
            summary: &d.summary,
            fields: d.fields.iter().map(ExplainedField).collect(),
            error: d.error.as_ref(),
        }
        .serialize(s)
    }
}

struct ExplainedField<'a>(&'a Field);

impl Serialize for ExplainedField<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Block<'a> {
            note: &'a str,
            bytes: String,
            fields: Vec<ExplainedField<'a>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            error: Option<&'a WireError>,
        }
        #[derive(Serialize)]
        struct Long<'a> {
            id: FieldId,
            name: Cow<'static, str>,
            rfc: Cow<'static, str>,
            range: &'a Range<usize>,
            value: &'a str,
            meaning: Cow<'static, str>,
            #[serde(skip_serializing_if = "Vec::is_empty")]
            children: Vec<ExplainedField<'a>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            decrypted: Option<Block<'a>>,
        }
        let f = self.0;
        Long {
            id: f.id,
            name: f.name(),
            rfc: f.rfc(),
            range: &f.range,
            value: &f.value,
            meaning: f.meaning(),
            children: f.children.iter().map(ExplainedField).collect(),
            decrypted: f.decrypted.as_deref().map(|b| Block {
                note: &b.note,
                bytes: crate::wire::hex::encode(&b.bytes),
                fields: b.fields.iter().map(ExplainedField).collect(),
                error: b.error.as_ref(),
            }),
        }
        .serialize(s)
    }
}

/// The compact serde form of a buffer's top-level fields (see the module
/// documentation); ranges are implied from a cursor that starts at offset 0.
mod compact {
    use super::*;

    pub(super) fn serialize<S: Serializer>(fields: &[Field], s: S) -> Result<S::Ok, S::Error> {
        let cursor = Cell::new(0);
        Fields {
            fields,
            cursor: &cursor,
        }
        .serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Field>, D::Error> {
        let raw = Vec::<RawField>::deserialize(d)?;
        let mut cursor = 0;
        raw.into_iter()
            .map(|r| r.into_field(&mut cursor))
            .collect::<Result<_, String>>()
            .map_err(de::Error::custom)
    }

    struct Fields<'a> {
        fields: &'a [Field],
        cursor: &'a Cell<usize>,
    }

    impl Serialize for Fields<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(self.fields.len()))?;
            for field in self.fields {
                seq.serialize_element(&One {
                    field,
                    cursor: self.cursor,
                })?;
            }
            seq.end()
        }
    }

    struct One<'a> {
        field: &'a Field,
        cursor: &'a Cell<usize>,
    }

    impl Serialize for One<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let f = self.field;
            let here = self.cursor.get();
            let contiguous = f.range.start == here;
            let spans_children = f
                .children
                .last()
                .is_some_and(|c| c.range.end == f.range.end);
            let children = Fields {
                fields: &f.children,
                cursor: self.cursor,
            };
            let mut seq = s.serialize_seq(None)?;
            seq.serialize_element(&f.id)?;
            if contiguous && f.is_leaf() {
                seq.serialize_element(&f.range.len())?;
                seq.serialize_element(&f.value)?;
                if let Some(block) = &f.decrypted {
                    seq.serialize_element(block)?;
                }
            } else if contiguous && spans_children && f.decrypted.is_none() {
                seq.serialize_element(&f.value)?;
                seq.serialize_element(&children)?;
            } else {
                seq.serialize_element(&f.range.start)?;
                seq.serialize_element(&f.range.end)?;
                seq.serialize_element(&f.value)?;
                self.cursor.set(f.range.start);
                seq.serialize_element(&children)?;
                if let Some(block) = &f.decrypted {
                    seq.serialize_element(block)?;
                }
            }
            self.cursor.set(f.range.end);
            seq.end()
        }
    }

    /// One element of a serialised field, before its range is worked out.
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Element {
        Number(usize),
        Text(String),
        Fields(Vec<RawField>),
        Block(Box<DecryptedBlock>),
    }

    /// A serialised field: the compact array, or the explained object.
    enum RawField {
        Compact(u32, Vec<Element>),
        Long(Box<LongField>),
    }

    /// The explained form (`Dissection::explained`), read back by id.
    #[derive(Deserialize)]
    struct LongField {
        id: u32,
        range: Range<usize>,
        value: String,
        #[serde(default)]
        children: Vec<RawField>,
        #[serde(default)]
        decrypted: Option<Box<DecryptedBlock>>,
    }

    impl<'de> Deserialize<'de> for RawField {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = RawField;
                fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                    f.write_str("a dissection field: [id, ...]")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawField, A::Error> {
                    let id: u32 = seq
                        .next_element()?
                        .ok_or_else(|| de::Error::custom("a field without an id"))?;
                    let mut rest = Vec::new();
                    while let Some(e) = seq.next_element()? {
                        rest.push(e);
                    }
                    Ok(RawField::Compact(id, rest))
                }
                fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<RawField, A::Error> {
                    LongField::deserialize(de::value::MapAccessDeserializer::new(map))
                        .map(|long| RawField::Long(Box::new(long)))
                }
            }
            d.deserialize_any(V)
        }
    }

    impl RawField {
        fn into_field(self, cursor: &mut usize) -> Result<Field, String> {
            let (id, elements) = match self {
                Self::Compact(id, elements) => (id, elements),
                Self::Long(long) => {
                    let LongField {
                        id,
                        range,
                        value,
                        children: raw,
                        decrypted,
                    } = *long;
                    *cursor = range.start;
                    let field = Field {
                        id: FieldId(id),
                        children: children(raw, cursor)?,
                        decrypted,
                        ..Field::with_id(FieldId(id), range, value)
                    };
                    *cursor = field.range.end;
                    return Ok(field);
                }
            };
            let id = FieldId(id);
            let mut it = elements.into_iter();
            let field = match (it.next(), it.next(), it.next(), it.next(), it.next()) {
                // [id, length, value, block?]
                (Some(Element::Number(len)), Some(Element::Text(value)), block, None, None) => {
                    let start = *cursor;
                    let mut field = Field::with_id(id, start..start + len, value);
                    field.decrypted = match block {
                        None => None,
                        Some(Element::Block(b)) => Some(b),
                        Some(_) => return Err(format!("field {id}: bad decrypted block")),
                    };
                    field
                }
                // [id, value, [children]]
                (Some(Element::Text(value)), Some(Element::Fields(raw)), None, None, None) => {
                    let start = *cursor;
                    let children = children(raw, cursor)?;
                    Field {
                        children,
                        ..Field::with_id(id, start..*cursor, value)
                    }
                }
                // [id, start, end, value, [children], block?]
                (
                    Some(Element::Number(start)),
                    Some(Element::Number(end)),
                    Some(Element::Text(value)),
                    Some(Element::Fields(raw)),
                    block,
                ) => {
                    *cursor = start;
                    let children = children(raw, cursor)?;
                    Field {
                        id,
                        range: start..end,
                        value,
                        children,
                        decrypted: match block {
                            None => None,
                            Some(Element::Block(b)) => Some(b),
                            Some(_) => return Err(format!("field {id}: bad decrypted block")),
                        },
                    }
                }
                _ => return Err(format!("field {id}: not a dissection field")),
            };
            if it.next().is_some() {
                return Err(format!("field {id}: too many elements"));
            }
            *cursor = field.range.end;
            Ok(field)
        }
    }

    fn children(raw: Vec<RawField>, cursor: &mut usize) -> Result<Vec<Field>, String> {
        raw.into_iter().map(|r| r.into_field(cursor)).collect()
    }
}
