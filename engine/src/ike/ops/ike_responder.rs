//! Rekeying the IKE SA as responder (RFC 7296 §1.3.2, §2.18): the peer's
//! CREATE_CHILD_SA whose SA payload proposes an IKE SA (no traffic selectors).
//!
//! The answer follows IKE_SA_INIT's rules for proposals and groups (NO_PROPOSAL_CHOSEN,
//! INVALID_KE_PAYLOAD naming our group, §1.3), and §2.25.2 for collisions: a rekey
//! of an SA we are closing (or that is already replaced) is TEMPORARY_FAILURE, as is
//! one that arrives while a CHILD SA exchange of ours is under way (its CHILD SAs
//! cannot move in the middle of it); a rekey crossing ours is answered as usual and
//! settled by the nonces when our response arrives (§2.8.2).

use super::child_initiator::NONCE_LEN;
use super::ike_initiator::PeerIkeRekey;
use super::ike_rekey::{NewSa, await_peer_delete, create, hand_over, report};
use super::{Active, Established, Flow, plain_notify, refuse_create_child_sa};
use crate::event::{Cause, Decision, EventKind, KeDecision, KeOutcome};
use crate::ike::context::Cx;
use crate::ike::payloads::{ke, nonce, sa, ts_i, ts_r};
use crate::ike::sa::SaCore;
use crate::ike::state::Received;
use crate::proposal::select;
use crate::wire::iana::{DhId, ExchangeType, NotifyType, ProtocolId, TransformType};
use crate::wire::sa::Transform;
use crate::wire::{IkeSpi, KePayload, NoncePayload, NotifyPayload, Payload, SaPayload};

/// Whether a CREATE_CHILD_SA request rekeys the IKE SA: its proposals are for IKE
/// and it carries no traffic selectors (§1.3.2).
pub(super) fn is_ike_rekey(p: &[Payload]) -> bool {
    ts_i(p).is_none()
        && ts_r(p).is_none()
        && sa(p).is_some_and(|s| {
            s.proposals
                .first()
                .is_some_and(|q| q.protocol == ProtocolId::IKE)
        })
}

pub(super) fn respond(
    est: &mut Established,
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    msg: &Received<'_>,
) -> Flow {
    let p = msg.payloads;
    let closing = est.ops.superseded_by.is_some()
        || matches!(est.ops.active, Some(Active::DeleteIke(_)))
        || est
            .ops
            .queue
            .iter()
            .any(|t| t.action == crate::event::Action::DeleteIke);
    let child_busy = matches!(
        est.ops.active,
        Some(Active::Child(_) | Active::DeleteChild(_))
    );
    if closing || child_busy {
        return refuse_create_child_sa(core, cx, msg, plain_notify(NotifyType::TEMPORARY_FAILURE));
    }
    let (Some(sa_i), Some(ni), Some(ke_i)) = (sa(p), nonce(p), ke(p)) else {
        return refuse_create_child_sa(core, cx, msg, plain_notify(NotifyType::INVALID_SYNTAX));
    };
    let spi_r = cx.fresh_ike_spi();
    let report_sel = select(
        &core.policy.ike_proposals,
        cx.provider,
        sa_i,
        ProtocolId::IKE,
        &spi_r.0,
    );
    let chosen = report_sel.chosen.clone();
    cx.emit(
        Some(core.id),
        EventKind::Decision(Decision::IkeProposal(report_sel)),
    );
    let Some(chosen) = chosen else {
        return refuse_create_child_sa(core, cx, msg, plain_notify(NotifyType::NO_PROPOSAL_CHOSEN));
    };
    let offered = sa_i.proposals.iter().find(|q| q.number == chosen.number);
    let Some(spi_i) = offered
        .and_then(|q| <[u8; 8]>::try_from(q.spi.as_slice()).ok())
        .map(IkeSpi)
        .filter(|s| !s.is_zero())
    else {
        return refuse_create_child_sa(core, cx, msg, plain_notify(NotifyType::INVALID_SYNTAX));
    };
    let mut proposal = chosen.proposal.clone();
    let chosen_group = proposal
        .transforms
        .iter()
        .find(|t| t.kind == TransformType::DH)
        .map(|t| DhId(t.id));
    // As in IKE_SA_INIT: the KE's group if the peer's proposal holds it and we
    // accept it, else INVALID_KE_PAYLOAD with the group we chose.
    let ke_offered = offered.is_some_and(|q| {
        q.transforms
            .iter()
            .any(|t| t.kind == TransformType::DH && t.id == ke_i.group.0)
    });
    let ke_accepted = core
        .policy
        .ike_proposals
        .iter()
        .any(|q| q.of_type(TransformType::DH).any(|a| a.id == ke_i.group.0));
    if chosen_group != Some(ke_i.group) {
        if ke_offered && ke_accepted {
            for t in &mut proposal.transforms {
                if t.kind == TransformType::DH {
                    *t = Transform::new(TransformType::DH, ke_i.group.0);
                }
            }
        } else {
            let wanted = chosen_group.unwrap_or(DhId::NONE);
            cx.emit(
                Some(core.id),
                EventKind::Decision(Decision::KeyExchange(KeDecision {
                    ke_group: ke_i.group,
                    proposal_group: wanted,
                    outcome: KeOutcome::RequestedOtherGroup,
                })),
            );
            return refuse_create_child_sa(core, cx, msg, NotifyPayload::invalid_ke(wanted));
        }
    }
    let Some(Ok(ours)) = cx.provider.group(ke_i.group).map(|g| g.start(cx.rng)) else {
        return refuse_create_child_sa(core, cx, msg, plain_notify(NotifyType::NO_PROPOSAL_CHOSEN));
    };
    let Ok(g_ir) = ours.complete(&ke_i.data) else {
        return refuse_create_child_sa(core, cx, msg, plain_notify(NotifyType::INVALID_SYNTAX));
    };
    let nr = cx.random_bytes(NONCE_LEN);
    let text = crate::proposal::ProposalSpec::from_wire(&proposal).to_string();
    let new = NewSa {
        initiator: false,
        spi_i,
        spi_r,
        chosen: &proposal,
        text,
        g_ir: &g_ir,
        ni: &ni.data,
        nr: &nr,
    };
    let id = match create(est, core, cx, &new, None) {
        Ok(id) => id,
        Err(_) => {
            return refuse_create_child_sa(
                core,
                cx,
                msg,
                plain_notify(NotifyType::NO_PROPOSAL_CHOSEN),
            );
        }
    };
    let payloads = vec![
        Payload::Sa(SaPayload {
            proposals: vec![proposal.clone()],
        }),
        Payload::Nonce(NoncePayload { data: nr.clone() }),
        Payload::Ke(KePayload {
            group: ke_i.group,
            data: ours.public_value().to_vec(),
        }),
    ];
    let _ = core.send_response(
        cx,
        ExchangeType::CREATE_CHILD_SA,
        msg.header.message_id,
        payloads,
    );
    report(core, cx, id, &new, Cause::PeerRequest);
    if let Some(Active::Ike(ours)) = est.ops.active.as_mut() {
        // Crossing rekeys: the CHILD SAs stay here until our response settles it.
        ours.collision = Some(PeerIkeRekey {
            new_sa: id,
            ni: ni.data.clone(),
            nr,
        });
    } else {
        est.ops
            .queue
            .retain(|t| t.action != crate::event::Action::RekeyIke);
        hand_over(est, core, cx, id);
        await_peer_delete(est, core, cx);
    }
    Flow::Stay
}
