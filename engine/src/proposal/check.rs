//! The initiator's check of the responder's choice (RFC 7296 §2.7, §3.3.1).

use super::report::{
    ChosenProposal, OfferedProposal, RejectReason, SelectionReport, SelectionRole, reject, unusable,
};
use super::select::offered_text;
use super::{Algorithm, TYPE_ORDER, is_aead};
use crate::crypto::CryptoProvider;
use crate::wire::iana::{DhId, EncrId, ProtocolId, TransformType};
use crate::wire::sa::SaPayload;

/// As an initiator: checks the responder's SA payload against the one we sent
/// (`offered`). Success leaves `chosen` set and `rejections` empty.
pub fn check_response(
    offered: &SaPayload,
    response: &SaPayload,
    provider: &CryptoProvider,
    protocol: ProtocolId,
) -> SelectionReport {
    let mut report = SelectionReport {
        role: SelectionRole::Initiator,
        protocol,
        offered: response
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
    let [answer] = response.proposals.as_slice() else {
        report.rejections.push(reject(
            0,
            None,
            RejectReason::ResponseProposalCount {
                count: response.proposals.len(),
            },
        ));
        return report;
    };
    let Some((index, ours)) = offered
        .proposals
        .iter()
        .enumerate()
        .find(|(_, p)| p.number == answer.number)
    else {
        report.rejections.push(reject(
            answer.number,
            None,
            RejectReason::ProposalNumberNotOffered {
                number: answer.number,
            },
        ));
        return report;
    };
    if answer.protocol != protocol || answer.protocol != ours.protocol {
        report.rejections.push(reject(
            answer.number,
            None,
            RejectReason::ProtocolMismatch {
                offered: answer.protocol,
                expected: protocol,
            },
        ));
        return report;
    }
    let offered_algorithms: Vec<Algorithm> = ours
        .transforms
        .iter()
        .filter_map(Algorithm::from_transform)
        .collect();
    let mut seen: Vec<TransformType> = Vec::new();
    for transform in &answer.transforms {
        if seen.contains(&transform.kind) {
            report.rejections.push(reject(
                answer.number,
                Some(transform),
                RejectReason::DuplicateTransformType {
                    transform_type: transform.kind,
                },
            ));
            continue;
        }
        seen.push(transform.kind);
        let was_offered =
            Algorithm::from_transform(transform).is_some_and(|a| offered_algorithms.contains(&a));
        if !was_offered {
            report.rejections.push(reject(
                answer.number,
                Some(transform),
                RejectReason::NotOffered,
            ));
        } else if let Some(reason) = unusable(provider, protocol, transform) {
            report
                .rejections
                .push(reject(answer.number, Some(transform), reason));
        }
    }
    let aead = answer
        .transforms
        .iter()
        .any(|t| t.kind == TransformType::ENCR && is_aead(EncrId(t.id)));
    for kind in TYPE_ORDER {
        let we_offered = ours.transforms.iter().any(|t| t.kind == kind);
        let optional = (kind == TransformType::INTEG && aead)
            || (kind == TransformType::DH
                && protocol != ProtocolId::IKE
                && ours
                    .transforms
                    .iter()
                    .any(|t| t.kind == kind && t.id == DhId::NONE.0));
        if we_offered && !optional && !seen.contains(&kind) {
            report.rejections.push(reject(
                answer.number,
                None,
                RejectReason::MissingTransformType {
                    transform_type: kind,
                },
            ));
        }
    }
    if report.rejections.is_empty() {
        report.chosen = Some(ChosenProposal {
            number: answer.number,
            policy_index: index,
            proposal: answer.clone(),
            text: offered_text(answer),
        });
    }
    report
}
