//! Proposal selection (RFC 7296 §2.7, §3.3) with an explanation of every decision.
//!
//! Responder ([`select`]): the first of the initiator's proposals that one of our
//! configured proposals accepts wins (the initiator lists its proposals in order of
//! preference, §3.3); our configured proposals are tried in our order. Within the
//! winning pair, each transform type takes the initiator's first transform that our
//! proposal also contains and the provider implements. The answer carries exactly
//! one transform per type and the initiator's proposal number (§3.3.1).
//!
//! Initiator ([`check_response`](super::check_response), in `check.rs`): the responder's SA payload must hold exactly one
//! proposal, numbered as one we sent, with one transform of each type we offered
//! (none of INTEG with an AEAD cipher), each taken from that proposal (§2.7: "the
//! responder MUST NOT" change or add transforms).
//!
//! Every proposal and transform that was not taken gets a [`Rejection`](super::Rejection) with a
//! structured reason and a sentence; the state machine emits the
//! [`SelectionReport`] as an event.

use super::report::{
    ChosenProposal, OfferedProposal, RejectReason, SelectionReport, SelectionRole, TransformLabel,
    reject, unusable,
};
use super::{Algorithm, ProposalSpec, TYPE_ORDER, is_aead};
use crate::crypto::CryptoProvider;
use crate::wire::iana::{DhId, EncrId, ProtocolId, TransformType};
use crate::wire::sa::{Proposal, SaPayload, Transform};

/// The result of trying one of the peer's proposals against one of ours.
enum Match<'a> {
    /// The chosen transforms (one per type, D-H NONE omitted).
    Chosen(Vec<&'a Transform>),
    Failed {
        transform_type: TransformType,
    },
}

/// Types present in either proposal, in wire order.
fn types_of(peer: &Proposal, ours: &ProposalSpec) -> Vec<TransformType> {
    let mut types: Vec<TransformType> = TYPE_ORDER
        .iter()
        .copied()
        .filter(|t| {
            peer.transforms.iter().any(|x| x.kind == *t) || ours.of_type(*t).next().is_some()
        })
        .collect();
    for t in &peer.transforms {
        if !types.contains(&t.kind) {
            types.push(t.kind);
        }
    }
    types
}

fn try_match<'a>(peer: &'a Proposal, ours: &ProposalSpec, provider: &CryptoProvider) -> Match<'a> {
    let mut chosen: Vec<&Transform> = Vec::new();
    let mut aead = false;
    for kind in types_of(peer, ours) {
        if kind == TransformType::INTEG && aead {
            continue;
        }
        let candidates: Vec<&Transform> =
            peer.transforms.iter().filter(|t| t.kind == kind).collect();
        let accepted: Vec<Algorithm> = ours.of_type(kind).copied().collect();
        let no_pfs_allowed = kind == TransformType::DH && peer.protocol != ProtocolId::IKE;
        if accepted.is_empty() {
            // ESP without PFS on our side: acceptable if the peer allows "no D-H".
            if candidates.is_empty()
                || (no_pfs_allowed && candidates.iter().any(|t| t.id == DhId::NONE.0))
            {
                continue;
            }
            return Match::Failed {
                transform_type: kind,
            };
        }
        let pick = candidates.iter().find(|t| {
            unusable(provider, peer.protocol, t).is_none()
                && Algorithm::from_transform(t).is_some_and(|a| accepted.contains(&a))
        });
        match pick {
            Some(t) => {
                if kind == TransformType::ENCR && is_aead(EncrId(t.id)) {
                    aead = true;
                }
                chosen.push(t);
            }
            None => {
                return Match::Failed {
                    transform_type: kind,
                };
            }
        }
    }
    Match::Chosen(chosen)
}

fn names(algorithms: impl Iterator<Item = Algorithm>) -> Vec<String> {
    algorithms
        .map(|a| {
            let transform = a.to_transform();
            TransformLabel::of(&transform).name
        })
        .collect()
}

pub(super) fn offered_text(proposal: &Proposal) -> String {
    super::parse::canonical(&ProposalSpec::from_wire(proposal))
}

/// As a responder: chooses one of the peer's proposals (`offered`) that one of our
/// `policy` proposals accepts, for `protocol`. `our_spi` goes into the chosen
/// proposal (empty in IKE_SA_INIT; our new SPI for a rekey; our inbound ESP SPI).
pub fn select(
    policy: &[ProposalSpec],
    provider: &CryptoProvider,
    offered: &SaPayload,
    protocol: ProtocolId,
    our_spi: &[u8],
) -> SelectionReport {
    let mut report = SelectionReport {
        role: SelectionRole::Responder,
        protocol,
        offered: offered
            .proposals
            .iter()
            .map(|p| OfferedProposal {
                number: p.number,
                text: offered_text(p),
            })
            .collect(),
        chosen: None,
        rejections: Vec::new(),
    };
    let policy: Vec<&ProposalSpec> = policy.iter().filter(|p| p.protocol == protocol).collect();
    for peer in &offered.proposals {
        if let Some(chosen) = &report.chosen {
            report.rejections.push(reject(
                peer.number,
                None,
                RejectReason::EarlierProposalChosen {
                    chosen: chosen.number,
                },
            ));
            continue;
        }
        if peer.protocol != protocol {
            report.rejections.push(reject(
                peer.number,
                None,
                RejectReason::ProtocolMismatch {
                    offered: peer.protocol,
                    expected: protocol,
                },
            ));
            continue;
        }
        let mut failures = Vec::new();
        let mut winner = None;
        for (index, ours) in policy.iter().enumerate() {
            match try_match(peer, ours, provider) {
                Match::Chosen(transforms) => {
                    winner = Some((index, *ours, transforms));
                    break;
                }
                Match::Failed { transform_type } => failures.push((*ours, transform_type)),
            }
        }
        match winner {
            Some((index, ours, transforms)) => {
                explain_chosen(&mut report, peer, ours, &transforms, provider);
                let proposal = Proposal {
                    number: peer.number,
                    protocol,
                    spi: our_spi.to_vec(),
                    transforms: transforms.into_iter().cloned().collect(),
                };
                report.chosen = Some(ChosenProposal {
                    number: peer.number,
                    policy_index: index,
                    text: offered_text(&proposal),
                    proposal,
                });
            }
            None => explain_failed(&mut report, peer, &policy, &failures, provider),
        }
    }
    report
}

/// Rejections for the transforms of the chosen proposal that were not taken.
fn explain_chosen(
    report: &mut SelectionReport,
    peer: &Proposal,
    ours: &ProposalSpec,
    chosen: &[&Transform],
    provider: &CryptoProvider,
) {
    let aead = chosen
        .iter()
        .any(|t| t.kind == TransformType::ENCR && is_aead(EncrId(t.id)));
    for transform in &peer.transforms {
        if chosen.iter().any(|c| std::ptr::eq(*c, transform)) {
            continue;
        }
        let reason = if let Some(reason) = unusable(provider, peer.protocol, transform) {
            reason
        } else if transform.kind == TransformType::INTEG && aead {
            RejectReason::IntegrityWithAead
        } else if let Some(other) = chosen.iter().find(|c| c.kind == transform.kind) {
            let accepted = Algorithm::from_transform(transform)
                .is_some_and(|a| ours.of_type(a.kind).any(|o| *o == a));
            if accepted {
                RejectReason::OtherTransformPreferred {
                    chosen: TransformLabel::of(other).name,
                }
            } else {
                RejectReason::NotInPolicy {
                    accepted: names(ours.of_type(transform.kind).copied()),
                }
            }
        } else {
            // D-H NONE next to no PFS, or a type our proposal lacks.
            RejectReason::NotInPolicy {
                accepted: names(ours.of_type(transform.kind).copied()),
            }
        };
        report
            .rejections
            .push(reject(peer.number, Some(transform), reason));
    }
}

/// Rejections for a proposal none of ours accepted: one per configured proposal,
/// plus transform-level reasons where a transform is unusable, outside every
/// configured proposal, or a group weaker than every group we accept.
fn explain_failed(
    report: &mut SelectionReport,
    peer: &Proposal,
    policy: &[&ProposalSpec],
    failures: &[(&ProposalSpec, TransformType)],
    provider: &CryptoProvider,
) {
    if policy.is_empty() {
        report.rejections.push(reject(
            peer.number,
            None,
            RejectReason::NoProposalsConfigured,
        ));
        return;
    }
    for transform in &peer.transforms {
        let in_some_policy = Algorithm::from_transform(transform)
            .is_some_and(|a| policy.iter().any(|p| p.algorithms.contains(&a)));
        // A group none of our proposals lists is explained as such even if the
        // provider lacks it too: the policy is the reason that matters to the user.
        // It is a plain mismatch, not a strength requirement: we accept exactly the
        // groups listed.
        let group_not_listed =
            transform.kind == TransformType::DH && !in_some_policy && transform.id != DhId::NONE.0;
        let reason = if let Some(reason) =
            unusable(provider, peer.protocol, transform).filter(|_| !group_not_listed)
        {
            reason
        } else if !in_some_policy && transform.id != DhId::NONE.0 {
            RejectReason::NotInPolicy {
                accepted: names(
                    policy
                        .iter()
                        .flat_map(|p| p.of_type(transform.kind).copied())
                        .fold(Vec::new(), |mut acc, a| {
                            if !acc.contains(&a) {
                                acc.push(a);
                            }
                            acc
                        })
                        .into_iter(),
                ),
            }
        } else {
            continue;
        };
        report
            .rejections
            .push(reject(peer.number, Some(transform), reason));
    }
    for (ours, transform_type) in failures {
        report.rejections.push(reject(
            peer.number,
            None,
            RejectReason::NoAcceptableTransform {
                policy: ours.to_string(),
                transform_type: *transform_type,
                offered: peer
                    .transforms
                    .iter()
                    .filter(|t| t.kind == *transform_type)
                    .map(|t| TransformLabel::of(t).name)
                    .collect(),
                accepted: names(ours.of_type(*transform_type).copied()),
            },
        ));
    }
}
