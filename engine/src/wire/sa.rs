//! Security Association payload (RFC 7296 §3.3): proposals, transforms, attributes.
//!
//! These types are the shared contract between the wire format (parse, emit,
//! dissect) and `proposal` (strongSwan-style strings, selection per §2.7).

use serde::{Deserialize, Serialize};

use super::iana::{ProtocolId, TransformAttrType, TransformType};

/// The body of an SA payload: one or more proposals, numbered from 1 (§3.3.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaPayload {
    pub proposals: Vec<Proposal>,
}

/// One proposal substructure (§3.3.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// Proposal Num: 1 for the first proposal, +1 for each following one (§3.3.1).
    pub number: u8,
    pub protocol: ProtocolId,
    /// Empty in an initial IKE_SA_INIT; 8 octets for an IKE SA rekey; 4 for ESP/AH.
    pub spi: Vec<u8>,
    pub transforms: Vec<Transform>,
}

/// One transform substructure (§3.3.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transform {
    pub kind: TransformType,
    /// The Transform ID, read in the registry named by `kind` (`EncrId`, `PrfId`,
    /// `IntegId`, `DhId`, `EsnId`).
    pub id: u16,
    pub attributes: Vec<TransformAttribute>,
}

/// One data attribute of a transform (§3.3.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransformAttribute {
    pub kind: TransformAttrType,
    pub value: AttributeValue,
}

/// The value of a transform attribute: TV (Attribute Format bit set, a 2-octet value)
/// or TLV (a length-prefixed value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttributeValue {
    Tv(u16),
    Tlv(Vec<u8>),
}

impl Transform {
    /// A transform without attributes.
    pub fn new(kind: TransformType, id: u16) -> Self {
        Self {
            kind,
            id,
            attributes: Vec::new(),
        }
    }

    /// A transform with a Key Length attribute (bits), as variable-key-length
    /// ciphers such as AES need (§3.3.5).
    pub fn with_key_length(kind: TransformType, id: u16, bits: u16) -> Self {
        Self {
            kind,
            id,
            attributes: vec![TransformAttribute {
                kind: TransformAttrType::KEY_LENGTH,
                value: AttributeValue::Tv(bits),
            }],
        }
    }

    /// The Key Length attribute, if present in TV form.
    pub fn key_length(&self) -> Option<u16> {
        self.attributes
            .iter()
            .find_map(|a| match (a.kind, &a.value) {
                (TransformAttrType::KEY_LENGTH, AttributeValue::Tv(bits)) => Some(*bits),
                _ => None,
            })
    }
}
