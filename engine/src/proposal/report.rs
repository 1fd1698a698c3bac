//! The selection report: what was chosen and why everything else was not, as the
//! state machine emits it (serde) and people read it (`message`).

use serde::{Deserialize, Serialize};

use super::Algorithm;
use crate::crypto::CryptoProvider;
use crate::wire::iana::{EncrId, ProtocolId, TransformType};
use crate::wire::sa::{Proposal, Transform};

/// Which side made the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SelectionRole {
    /// We chose among the peer's proposals.
    Responder,
    /// We checked the responder's choice against what we offered.
    Initiator,
}

/// A transform as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransformLabel {
    pub kind: TransformType,
    pub id: u16,
    pub key_bits: Option<u16>,
    /// "D-H MODP_1024", "ENCR_AES_CBC (128-bit key)", "AUTH_HMAC_SHA1_96".
    pub name: String,
}

impl TransformLabel {
    pub(super) fn of(transform: &Transform) -> Self {
        let algorithm = Algorithm {
            kind: transform.kind,
            id: transform.id,
            key_bits: transform.key_length(),
        };
        Self {
            kind: transform.kind,
            id: transform.id,
            key_bits: algorithm.key_bits,
            // The IANA names of ENCR, PRF and INTEG values already say their type.
            name: match transform.kind {
                TransformType::DH | TransformType::ESN => {
                    format!("{} {}", type_name(transform.kind), algorithm.iana_name())
                }
                _ => algorithm.iana_name(),
            },
        }
    }
}

pub(super) fn type_name(kind: TransformType) -> String {
    kind.name()
        .map_or_else(|| kind.0.to_string(), str::to_owned)
}

/// Why a proposal or transform was not taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RejectReason {
    /// We have no proposal configured for this protocol.
    NoProposalsConfigured,
    /// The proposal is for another protocol than the exchange negotiates.
    ProtocolMismatch {
        offered: ProtocolId,
        expected: ProtocolId,
    },
    /// An earlier proposal was chosen; later ones are not considered (§2.7).
    EarlierProposalChosen { chosen: u8 },
    /// The transform carries an attribute other than Key Length (§3.3.6).
    UnknownAttribute,
    /// The crypto provider has no implementation of the transform.
    NotImplemented { provider: String },
    /// None of our proposals contains the transform; `accepted` are the transforms
    /// of its type they do contain (empty: our proposals have no transform of that
    /// type, e.g. no INTEG next to AEAD ciphers only).
    NotInPolicy { accepted: Vec<String> },
    /// INTEG next to an AEAD cipher (RFC 5282 §8); ignored.
    IntegrityWithAead,
    /// Another transform of the same type, earlier in the peer's list, was chosen.
    OtherTransformPreferred { chosen: String },
    /// Compared with our proposal `policy`, no transform of `transform_type` fits.
    NoAcceptableTransform {
        policy: String,
        transform_type: TransformType,
        offered: Vec<String>,
        accepted: Vec<String>,
    },
    /// A response must contain exactly one proposal (§2.7).
    ResponseProposalCount { count: usize },
    /// The response's proposal number is not one we offered (§3.3.1).
    ProposalNumberNotOffered { number: u8 },
    /// The response chose a transform that our proposal did not contain.
    NotOffered,
    /// More than one transform of one type in the response.
    DuplicateTransformType { transform_type: TransformType },
    /// A transform type is missing.
    MissingTransformType { transform_type: TransformType },
    /// ENCR_NULL offered or chosen for an IKE SA, which must be encrypted.
    NullEncryptionForIke,
}

/// One thing not taken, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The proposal number (0 when the whole SA payload is at fault).
    pub proposal: u8,
    /// The transform, or `None` when the reason concerns the whole proposal.
    pub transform: Option<TransformLabel>,
    pub reason: RejectReason,
    /// The reason in one sentence, for people.
    pub message: String,
}

/// The proposal that was agreed on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChosenProposal {
    pub number: u8,
    /// Index of the configured (responder) or offered (initiator) proposal it matched.
    pub policy_index: usize,
    /// The proposal with one transform per type, as it goes on (or came off) the wire.
    pub proposal: Proposal,
    /// The same in strongSwan syntax, e.g. "aes256gcm16-prfsha256-x25519".
    pub text: String,
}

/// A proposal the peer sent, in strongSwan syntax.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferedProposal {
    pub number: u8,
    pub text: String,
}

/// Everything the selection decided, for the trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectionReport {
    pub role: SelectionRole,
    pub protocol: ProtocolId,
    /// What the SA payload under scrutiny contained.
    pub offered: Vec<OfferedProposal>,
    /// `None`: no proposal chosen (NO_PROPOSAL_CHOSEN, §3.10.1).
    pub chosen: Option<ChosenProposal>,
    pub rejections: Vec<Rejection>,
}

pub(super) fn reject(
    proposal: u8,
    transform: Option<&Transform>,
    reason: RejectReason,
) -> Rejection {
    let label = transform.map(TransformLabel::of);
    let message = explain(label.as_ref(), &reason);
    Rejection {
        proposal,
        transform: label,
        reason,
        message,
    }
}

/// The sentence for a rejection.
fn explain(label: Option<&TransformLabel>, reason: &RejectReason) -> String {
    let what = label.map_or_else(|| "the proposal".to_owned(), |l| l.name.clone());
    match reason {
        RejectReason::NoProposalsConfigured => {
            "we have no proposals configured for this protocol".to_owned()
        }
        RejectReason::ProtocolMismatch { offered, expected } => {
            format!("the proposal is for {offered}, but this exchange negotiates {expected}")
        }
        RejectReason::EarlierProposalChosen { chosen } => {
            format!("proposal {chosen} was already chosen; later proposals are not considered")
        }
        RejectReason::UnknownAttribute => format!(
            "{what} carries an attribute other than Key Length, so it must be rejected \
             (RFC 7296 §3.3.6)"
        ),
        RejectReason::NotImplemented { provider } => {
            format!("{what} is not implemented by the {provider} crypto provider")
        }
        RejectReason::NotInPolicy { accepted } => not_in_policy(&what, label, accepted),
        RejectReason::IntegrityWithAead => format!(
            "{what} was offered with an AEAD cipher, which takes no integrity transform \
             (RFC 5282 §8)"
        ),
        RejectReason::OtherTransformPreferred { chosen } => {
            format!("{chosen} came earlier in the peer's list and was chosen instead of {what}")
        }
        RejectReason::NoAcceptableTransform {
            policy,
            transform_type,
            offered,
            accepted,
        } => {
            let kind = type_name(*transform_type);
            let offered = if offered.is_empty() {
                "none".to_owned()
            } else {
                offered.join(", ")
            };
            let accepted = if accepted.is_empty() {
                "none".to_owned()
            } else {
                accepted.join(", ")
            };
            format!(
                "against our proposal '{policy}': no acceptable {kind} (peer offered {offered}; \
                 we accept {accepted})"
            )
        }
        RejectReason::ResponseProposalCount { count } => format!(
            "the response carries {count} proposals; it must carry exactly one (RFC 7296 §2.7)"
        ),
        RejectReason::ProposalNumberNotOffered { number } => {
            format!("the response's proposal number {number} is not one we offered")
        }
        RejectReason::NotOffered => format!("{what} was chosen but we did not offer it"),
        RejectReason::DuplicateTransformType { transform_type } => format!(
            "the response carries more than one {} transform",
            type_name(*transform_type)
        ),
        RejectReason::MissingTransformType { transform_type } => {
            format!("{what} has no {} transform", type_name(*transform_type))
        }
        RejectReason::NullEncryptionForIke => format!(
            "{what} leaves messages unencrypted, which only ESP may do: the IKE SA itself \
             must be encrypted (RFC 7296 §1.2: every exchange after IKE_SA_INIT is \
             protected; ENCR_NULL, RFC 2410, is an ESP transform)"
        ),
    }
}

/// A transform none of our proposals contains, said as what differs: the list of
/// what we accept of its type, or that we take none of that type at all.
fn not_in_policy(what: &str, label: Option<&TransformLabel>, accepted: &[String]) -> String {
    let kind = label.map(|l| l.kind);
    if !accepted.is_empty() {
        let ours = if kind == Some(TransformType::DH) {
            "our proposals list only the groups"
        } else {
            "our proposals accept only"
        };
        return format!(
            "peer offered {what}, which none of our proposals lists; {ours}: {}",
            accepted.join(", ")
        );
    }
    match kind {
        Some(TransformType::INTEG) => format!(
            "peer offered {what}; our proposals take no integrity transform: they list only \
             AEAD ciphers, which protect integrity themselves (RFC 5282 §8)"
        ),
        Some(TransformType::DH) => {
            format!("peer offered {what}; our proposals list no key exchange group (no PFS)")
        }
        Some(other) => format!(
            "peer offered {what}; our proposals take no {} transform",
            type_name(other)
        ),
        None => format!("peer offered {what}, which none of our proposals lists"),
    }
}

/// Why a transform cannot be used at all, if it cannot.
pub(super) fn unusable(
    provider: &CryptoProvider,
    protocol: ProtocolId,
    transform: &Transform,
) -> Option<RejectReason> {
    if Algorithm::from_transform(transform).is_none() {
        return Some(RejectReason::UnknownAttribute);
    }
    // ENCR_NULL (RFC 2410) needs no cipher: ESP runs it with its integrity
    // transform alone (`child::EspTransform::NullHmac`); an IKE SA never may.
    if transform.kind == TransformType::ENCR && EncrId(transform.id) == EncrId::NULL {
        return (protocol != ProtocolId::ESP).then_some(RejectReason::NullEncryptionForIke);
    }
    if !provider.supports(transform) {
        return Some(RejectReason::NotImplemented {
            provider: provider.name.to_owned(),
        });
    }
    None
}
