//! Proposals in strongSwan's syntax, and proposal selection (RFC 7296 §2.7, §3.3).
//!
//! A configuration names proposals the way swanctl.conf does: IKE
//! `aes256gcm16-prfsha256-x25519`, `aes128-sha256-modp2048`; ESP `aes256gcm16`,
//! `aes128-sha256-esn`, `aes128-sha256-modp2048` (a PFS group); and `default`,
//! which expands to what charon 5.9.8 proposes. [`ProposalSpec::parse`] turns one
//! string into typed proposals that convert to and from
//! [`wire::sa::Proposal`](crate::wire::sa::Proposal); `Display` prints the canonical
//! string back. [`select`] picks a proposal as a responder and [`check_response`]
//! validates the responder's choice as an initiator; both explain every proposal
//! and transform they did not take in a [`SelectionReport`].

mod check;
mod default;
mod keywords;
#[cfg(test)]
mod null_tests;
mod parse;
mod report;
mod select;
#[cfg(test)]
mod tests;

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::wire::iana::{
    DhId, EncrId, EsnId, IntegId, PrfId, ProtocolId, TransformAttrType, TransformType,
};
use crate::wire::sa::{AttributeValue, Proposal, SaPayload, Transform};

pub use check::check_response;
pub use default::{strongswan_default_esp, strongswan_default_ike};
pub use parse::{ProposalError, parse_proposals, proposals_to_strings};
pub use report::{
    ChosenProposal, OfferedProposal, RejectReason, Rejection, SelectionReport, SelectionRole,
    TransformLabel,
};
pub use select::select;

/// One transform as a proposal names it: type, ID and Key Length (bits) if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Algorithm {
    pub kind: TransformType,
    pub id: u16,
    pub key_bits: Option<u16>,
}

impl Algorithm {
    /// The wire transform (with a TV Key Length attribute when `key_bits` is set).
    pub fn to_transform(&self) -> Transform {
        match self.key_bits {
            Some(bits) => Transform::with_key_length(self.kind, self.id, bits),
            None => Transform::new(self.kind, self.id),
        }
    }

    /// The algorithm a wire transform names, or `None` if it carries an attribute
    /// other than one TV Key Length (RFC 7296 §3.3.6: such a transform must be
    /// rejected). A Blowfish transform without Key Length reads as 128 bits.
    pub fn from_transform(transform: &Transform) -> Option<Self> {
        let mut key_bits = None;
        for attribute in &transform.attributes {
            match (attribute.kind, &attribute.value) {
                (TransformAttrType::KEY_LENGTH, AttributeValue::Tv(bits)) if key_bits.is_none() => {
                    key_bits = Some(*bits);
                }
                _ => return None,
            }
        }
        // RFC 2451 §2.2: Blowfish without a Key Length attribute means 128 bits.
        if transform.kind == TransformType::ENCR && transform.id == EncrId::BLOWFISH.0 {
            key_bits = key_bits.or(Some(128));
        }
        Some(Self {
            kind: transform.kind,
            id: transform.id,
            key_bits,
        })
    }

    /// The strongSwan keyword (`aes128`, `prfsha256`, `x25519`), when there is one.
    pub fn keyword(&self) -> Option<String> {
        keywords::keyword_for(self)
    }

    /// The IANA name with the key length, e.g. "ENCR_AES_CBC (128-bit key)", "MODP_1024".
    pub fn iana_name(&self) -> String {
        let name = match self.kind {
            TransformType::ENCR => EncrId(self.id).name(),
            TransformType::PRF => PrfId(self.id).name(),
            TransformType::INTEG => IntegId(self.id).name(),
            TransformType::DH => DhId(self.id).name(),
            TransformType::ESN => EsnId(self.id).name(),
            _ => None,
        }
        .map_or_else(|| format!("{} {}", self.kind, self.id), str::to_owned);
        match self.key_bits {
            Some(bits) => format!("{name} ({bits}-bit key)"),
            None => name,
        }
    }
}

impl fmt::Display for Algorithm {
    /// The keyword if there is one, else the IANA name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match keywords::keyword_parts(self) {
            Some(keyword) => keyword.fmt(f),
            None => f.write_str(&self.iana_name()),
        }
    }
}

/// A typed proposal: the transforms of one proposal in wire order (ENCR, INTEG,
/// PRF, D-H, ESN; within a type, most preferred first), as charon emits them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalSpec {
    pub protocol: ProtocolId,
    pub algorithms: Vec<Algorithm>,
}

/// The order in which transform types appear in an emitted proposal.
const TYPE_ORDER: [TransformType; 5] = [
    TransformType::ENCR,
    TransformType::INTEG,
    TransformType::PRF,
    TransformType::DH,
    TransformType::ESN,
];

impl ProposalSpec {
    /// Parses one proposal string for `protocol` (`IKE` or `ESP`). `default`
    /// expands to charon 5.9.8's two default proposals, hence the `Vec`.
    pub fn parse(protocol: ProtocolId, text: &str) -> Result<Vec<Self>, ProposalError> {
        parse::parse_one(protocol, text)
    }

    /// The algorithms of one transform type, in preference order.
    pub fn of_type(&self, kind: TransformType) -> impl Iterator<Item = &Algorithm> {
        self.algorithms.iter().filter(move |a| a.kind == kind)
    }

    /// Whether the (first) encryption algorithm is an AEAD (RFC 5282, RFC 4106,
    /// RFC 7634), which takes no integrity transform.
    pub fn is_aead(&self) -> bool {
        self.of_type(TransformType::ENCR)
            .next()
            .is_some_and(|a| is_aead(EncrId(a.id)))
    }

    /// The wire proposal with this number and SPI (empty for an initial IKE SA, the
    /// 8-octet SPI for an IKE rekey, the 4-octet inbound SPI for ESP).
    pub fn to_wire(&self, number: u8, spi: Vec<u8>) -> Proposal {
        Proposal {
            number,
            protocol: self.protocol,
            spi,
            transforms: self
                .algorithms
                .iter()
                .map(Algorithm::to_transform)
                .collect(),
        }
    }

    /// The typed form of a received proposal. Transforms with attributes other
    /// than a Key Length are left out (they can never be chosen, §3.3.6).
    pub fn from_wire(proposal: &Proposal) -> Self {
        Self {
            protocol: proposal.protocol,
            algorithms: proposal
                .transforms
                .iter()
                .filter_map(Algorithm::from_transform)
                .collect(),
        }
    }

    /// The same proposal without key exchange transforms: a CHILD_SA proposal in
    /// IKE_AUTH carries no D-H (RFC 7296 §1.2: the first CHILD_SA uses the IKE SA's
    /// keying material), the PFS group is only proposed in CREATE_CHILD_SA.
    pub fn without_key_exchange(&self) -> Self {
        Self {
            protocol: self.protocol,
            algorithms: self
                .algorithms
                .iter()
                .copied()
                .filter(|a| a.kind != TransformType::DH)
                .collect(),
        }
    }

    /// Sorts the algorithms into wire order (stable within a type).
    fn normalise_order(&mut self) {
        self.algorithms.sort_by_key(|a| {
            TYPE_ORDER
                .iter()
                .position(|t| *t == a.kind)
                .unwrap_or(TYPE_ORDER.len())
        });
    }
}

impl fmt::Display for ProposalSpec {
    /// The canonical strongSwan string (see `parse::canonical`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&parse::canonical(self))
    }
}

/// Builds the SA payload for a list of proposals, numbered from 1 (§3.3.1).
pub fn to_sa_payload(proposals: &[ProposalSpec], spi: &[u8]) -> SaPayload {
    SaPayload {
        proposals: proposals
            .iter()
            .enumerate()
            .map(|(i, p)| p.to_wire(u8::try_from(i + 1).unwrap_or(u8::MAX), spi.to_vec()))
            .collect(),
    }
}

/// Whether an encryption algorithm is an AEAD (combined mode).
pub fn is_aead(id: EncrId) -> bool {
    matches!(
        id,
        EncrId::AES_GCM_8
            | EncrId::AES_GCM_12
            | EncrId::AES_GCM_16
            | EncrId::AES_CCM_8
            | EncrId::AES_CCM_12
            | EncrId::AES_CCM_16
            | EncrId::CAMELLIA_CCM_8
            | EncrId::CAMELLIA_CCM_12
            | EncrId::CAMELLIA_CCM_16
            | EncrId::CHACHA20_POLY1305
    )
}
