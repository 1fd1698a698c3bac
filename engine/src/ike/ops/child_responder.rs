//! CREATE_CHILD_SA as responder, for a new CHILD SA or a CHILD SA rekey (RFC 7296
//! §1.3.1, §1.3.3), answered as charon answers:
//!
//! - the proposals are matched with the child's `esp_proposals` *including* their
//!   key exchange groups, so PFS on one side only is NO_PROPOSAL_CHOSEN (the
//!   mismatch that first shows at a rekey);
//! - a KE payload of another group than the chosen proposal's is answered with
//!   INVALID_KE_PAYLOAD naming that group (§1.3), unless the peer's proposal also
//!   holds the KE's group and we accept it; a KE next to a proposal without PFS is
//!   ignored;
//! - the rekey of an SA we are deleting is TEMPORARY_FAILURE, of one we do not know
//!   CHILD_SA_NOT_FOUND (§2.25.1); while our own IKE SA rekey is under way (or the
//!   IKE SA was replaced) new CHILD SAs wait: TEMPORARY_FAILURE (§2.25).
//!
//! A rekey of a CHILD SA we are rekeying ourselves is answered as usual and noted, so
//! the collision can be resolved when our response arrives (§2.8.1).

use super::child_initiator::{NONCE_LEN, PeerRekey};
use super::{Active, Established, Flow, notify, plain_notify, refuse_create_child_sa};
use crate::config::Mode;
use crate::config::Role;
use crate::event::{
    Action, Cause, ChildFailure, Decision, EventKind, KeDecision, KeOutcome, Problem,
};
use crate::ike::child::ChildParams;
use crate::ike::child_choice::{ChildChoice, ChildKeying, ChildRequest, choose_child};
use crate::ike::child_setup::{Keying, child_failed, install_child};
use crate::ike::context::Cx;
use crate::ike::ids::ChildSaId;
use crate::ike::payloads::{has_notify, ke, nonce, notify as find_notify, sa, ts_i, ts_r};
use crate::ike::policy::ChildPolicy;
use crate::ike::sa::SaCore;
use crate::ike::state::Received;
use crate::wire::iana::{DhId, ExchangeType, NotifyType, PayloadType, ProtocolId, TransformType};
use crate::wire::sa::{Proposal, Transform};
use crate::wire::{KePayload, NoncePayload, NotifyPayload, Payload, SaPayload, TsPayload};

/// Answers with an error notify (and reports the CHILD SA's failure).
fn answer_error(
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    msg: &Received<'_>,
    name: &str,
    notify_payload: NotifyPayload,
    problem: Problem,
) -> Flow {
    child_failed(
        core,
        cx,
        name,
        ChildFailure::Refused {
            notify: notify_payload.notify_type,
            problem,
        },
    );
    refuse_create_child_sa(core, cx, msg, notify_payload)
}

pub(super) fn respond(
    est: &mut Established,
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    msg: &Received<'_>,
) -> Flow {
    let p = msg.payloads;
    let busy = est.ops.superseded_by.is_some() || matches!(est.ops.active, Some(Active::Ike(_)));
    // §1.3.3: N(REKEY_SA) names the SA by the SPI its sender receives with, which
    // is the one we send with.
    let rekey_spi = find_notify(p, NotifyType::REKEY_SA)
        .filter(|n| n.protocol == ProtocolId::ESP)
        .map(|n| <[u8; 4]>::try_from(n.spi.as_slice()).map(u32::from_be_bytes));
    let old = match rekey_spi {
        None => None,
        Some(Err(_)) => {
            return answer_error(
                core,
                cx,
                msg,
                "",
                plain_notify(NotifyType::INVALID_SYNTAX),
                Problem::RekeySpiMalformed,
            );
        }
        Some(Ok(spi)) => match super::child_by_spi_out(core, cx, spi) {
            Some(c) => Some(c),
            None => {
                return answer_error(
                    core,
                    cx,
                    msg,
                    "",
                    plain_notify(NotifyType::CHILD_SA_NOT_FOUND),
                    Problem::UnknownRekeySpi { spi },
                );
            }
        },
    };
    let old_name = old
        .and_then(|c| cx.children.get(&c))
        .map(|c| c.name.clone());
    let label = old_name.clone().unwrap_or_default();
    if core.policy.children.is_empty() {
        // §1.3: "the responder is unwilling to accept any more Child SAs".
        return answer_error(
            core,
            cx,
            msg,
            &label,
            plain_notify(NotifyType::NO_ADDITIONAL_SAS),
            Problem::NoChildConfigured,
        );
    }
    if busy {
        return answer_error(
            core,
            cx,
            msg,
            &label,
            plain_notify(NotifyType::TEMPORARY_FAILURE),
            Problem::IkeSaRekeying,
        );
    }
    if let Some(old) = old
        && est.ops.deleting.contains(&old)
    {
        return answer_error(
            core,
            cx,
            msg,
            &label,
            plain_notify(NotifyType::TEMPORARY_FAILURE),
            Problem::ChildSaBeingDeleted,
        );
    }
    let (Some(sa_i), Some(ni), Some(tsi), Some(tsr)) = (sa(p), nonce(p), ts_i(p), ts_r(p)) else {
        return answer_error(
            core,
            cx,
            msg,
            &label,
            plain_notify(NotifyType::INVALID_SYNTAX),
            Problem::IncompletePayloads {
                together: vec![
                    PayloadType::SA,
                    PayloadType::NONCE,
                    PayloadType::TSI,
                    PayloadType::TSR,
                ],
            },
        );
    };
    let policy = core.policy.clone();
    let candidates: Vec<&ChildPolicy> = match &old_name {
        Some(name) => policy.children.iter().filter(|c| &c.name == name).collect(),
        None => policy.children.iter().collect(),
    };
    let request = ChildRequest {
        sa: sa_i,
        ts_i: &tsi.selectors,
        ts_r: &tsr.selectors,
        transport_requested: has_notify(p, NotifyType::USE_TRANSPORT_MODE),
    };
    let choice = match choose_child(core, cx, &candidates, &request, ChildKeying::OwnExchange) {
        Ok(choice) => choice,
        Err(refusal) => {
            let name = refusal.child.unwrap_or(label);
            return answer_error(
                core,
                cx,
                msg,
                &name,
                plain_notify(refusal.notify),
                refusal.problem,
            );
        }
    };
    let ChildChoice {
        child,
        ts_i: narrowed_i,
        ts_r: narrowed_r,
        spi_in,
        spi_out,
        mut proposal,
        peer_proposal,
        mode,
    } = choice;
    let offered = Some(peer_proposal);
    let ke_i = ke(p);
    let group = match settle_group(&mut proposal, offered, child, ke_i) {
        Ok(g) => g,
        Err(wanted) => {
            cx.emit(
                Some(core.id),
                EventKind::Decision(Decision::KeyExchange(KeDecision {
                    ke_group: ke_i.map_or(DhId::NONE, |k| k.group),
                    proposal_group: wanted,
                    outcome: KeOutcome::RequestedOtherGroup,
                })),
            );
            return answer_error(
                core,
                cx,
                msg,
                &child.name,
                NotifyPayload::invalid_ke(wanted),
                Problem::WrongKeGroup { required: wanted },
            );
        }
    };
    let mut ke_r = None;
    let mut g_ir = None;
    if let (Some(g), Some(theirs)) = (group, ke_i) {
        let exchange = cx.provider.group(g).map(|imp| imp.start(cx.rng));
        let Some(Ok(ours)) = exchange else {
            return answer_error(
                core,
                cx,
                msg,
                &child.name,
                plain_notify(NotifyType::NO_PROPOSAL_CHOSEN),
                Problem::GroupUnavailable { group: g },
            );
        };
        match ours.complete(&theirs.data) {
            Ok(secret) => g_ir = Some(secret),
            Err(error) => {
                return answer_error(
                    core,
                    cx,
                    msg,
                    &child.name,
                    plain_notify(NotifyType::NO_PROPOSAL_CHOSEN),
                    Problem::BadKePayload {
                        sender: Role::Initiator,
                        error,
                    },
                );
            }
        }
        ke_r = Some(KePayload {
            group: g,
            data: ours.public_value().to_vec(),
        });
    }
    let nr = cx.random_bytes(NONCE_LEN);
    let params = ChildParams {
        name: child.name.clone(),
        initiator: false,
        spi_in,
        spi_out,
        mode,
        local_ts: narrowed_r.clone(),
        remote_ts: narrowed_i.clone(),
        replay_window: old
            .and_then(|c| cx.children.get(&c))
            .map_or(child.config.replay_window, |c| c.replay_window),
    };
    let keying = Keying {
        prf: est.prf,
        sk_d: &est.sk_d,
        ni: &ni.data,
        nr: &nr,
        g_ir: g_ir.as_ref().map(|s| s.as_bytes()),
    };
    let name = child.name.clone();
    let new_child = match install_child(core, cx, params, &proposal, &keying) {
        Ok(id) => id,
        Err(problem) => {
            return answer_error(
                core,
                cx,
                msg,
                &name,
                plain_notify(NotifyType::NO_PROPOSAL_CHOSEN),
                problem,
            );
        }
    };
    let mut payloads = vec![
        Payload::Sa(SaPayload {
            proposals: vec![proposal],
        }),
        Payload::Nonce(NoncePayload { data: nr.clone() }),
    ];
    if let Some(k) = ke_r {
        payloads.push(Payload::Ke(k));
    }
    payloads.push(Payload::TsI(TsPayload {
        selectors: narrowed_i,
    }));
    payloads.push(Payload::TsR(TsPayload {
        selectors: narrowed_r,
    }));
    if mode == Mode::Transport {
        payloads.push(notify(NotifyType::USE_TRANSPORT_MODE));
    }
    let _ = core.send_response(
        cx,
        ExchangeType::CREATE_CHILD_SA,
        msg.header.message_id,
        payloads,
    );
    super::arm_child(est, core, cx, new_child);
    if let Some(old) = old {
        peer_rekeyed(est, core, cx, old, new_child, &ni.data, &nr);
    }
    Flow::Stay
}

/// The peer replaced `old` with `new_child`: its deletion is the peer's (§2.8), or,
/// if we are rekeying it too, the collision is settled when our response arrives.
fn peer_rekeyed(
    est: &mut Established,
    core: &SaCore,
    cx: &mut Cx<'_>,
    old: ChildSaId,
    new_child: ChildSaId,
    ni: &[u8],
    nr: &[u8],
) {
    cx.emit(
        Some(core.id),
        EventKind::ChildSaRekeyed {
            old,
            new: new_child,
            cause: Cause::PeerRequest,
        },
    );
    est.ops.replaced.insert(old);
    if let Some(l) = est.ops.life.children.get_mut(&old) {
        l.rekey_at = None;
    }
    super::retry::forget_child(est, old);
    est.ops
        .queue
        .retain(|t| t.action != Action::RekeyChild { child: old });
    if let Some(Active::Child(ours)) = est.ops.active.as_mut()
        && ours.rekey == Some(old)
    {
        ours.collision = Some(PeerRekey {
            ni: ni.to_vec(),
            nr: nr.to_vec(),
        });
    }
}

/// Settles the key exchange group of the chosen proposal against the KE payload:
/// `Ok(group)` to use (None: no PFS), or `Err(group)` to ask for with
/// INVALID_KE_PAYLOAD.
fn settle_group(
    proposal: &mut Proposal,
    offered: Option<&Proposal>,
    child: &ChildPolicy,
    ke_i: Option<&KePayload>,
) -> Result<Option<DhId>, DhId> {
    let Some(chosen) = proposal
        .transforms
        .iter()
        .find(|t| t.kind == TransformType::DH && t.id != DhId::NONE.0)
        .map(|t| DhId(t.id))
    else {
        // "ignoring KE exchange, agreed on a non-PFS proposal" (charon).
        return Ok(None);
    };
    let Some(ke_i) = ke_i else {
        return Err(chosen);
    };
    if ke_i.group == chosen {
        return Ok(Some(chosen));
    }
    // The peer also offered the KE's group in this proposal and we accept it: use
    // it rather than costing a round trip.
    let in_offer = offered.is_some_and(|o| {
        o.transforms
            .iter()
            .any(|t| t.kind == TransformType::DH && t.id == ke_i.group.0)
    });
    let accepted = child
        .esp_proposals
        .iter()
        .any(|q| q.of_type(TransformType::DH).any(|a| a.id == ke_i.group.0));
    if in_offer && accepted {
        for t in &mut proposal.transforms {
            if t.kind == TransformType::DH {
                *t = Transform::new(TransformType::DH, ke_i.group.0);
            }
        }
        return Ok(Some(ke_i.group));
    }
    Err(chosen)
}
