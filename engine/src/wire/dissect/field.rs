//! The dissection tree: fields with a name, an RFC section, a byte range, a value for
//! people and one sentence on what it means.

use std::borrow::Cow;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::wire::error::WireError;

/// One field of a dissected message.
///
/// A field with no `children` is a *leaf*; leaves tile the dissected buffer exactly
/// (every byte in one leaf, see `check_leaf_coverage`). A field with children is a
/// structure (a payload, a proposal, ...) whose range spans its children.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// The field's name as the RFC diagram spells it ("Payload Length").
    pub name: Cow<'static, str>,
    /// Where the field is defined ("RFC 7296 §3.2").
    pub rfc: Cow<'static, str>,
    /// Absolute byte offsets into the dissected buffer: the whole message, or, inside a
    /// `DecryptedBlock`, that block's `bytes`.
    pub range: Range<usize>,
    /// The value, rendered for people ("ENCR_AES_GCM_16 (20), key length 256").
    pub value: String,
    /// One plain sentence on what the field means.
    pub meaning: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Self>,
    /// Set only on the ciphertext leaf of an SK or SKF payload once a `Decryptor`
    /// supplied the plaintext: that plaintext, dissected with its own offsets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    pub fields: Vec<Field>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<WireError>,
}

impl Field {
    /// A leaf.
    pub fn leaf(
        name: impl Into<Cow<'static, str>>,
        rfc: impl Into<Cow<'static, str>>,
        range: Range<usize>,
        value: impl Into<String>,
        meaning: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            name: name.into(),
            rfc: rfc.into(),
            range,
            value: value.into(),
            meaning: meaning.into(),
            children: Vec::new(),
            decrypted: None,
        }
    }

    /// A structure made of `children`.
    pub fn node(
        name: impl Into<Cow<'static, str>>,
        rfc: impl Into<Cow<'static, str>>,
        range: Range<usize>,
        value: impl Into<String>,
        meaning: impl Into<Cow<'static, str>>,
        children: Vec<Self>,
    ) -> Self {
        Self {
            children,
            ..Self::leaf(name, rfc, range, value, meaning)
        }
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
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
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
}
