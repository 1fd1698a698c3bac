//! Rekeying the IKE SA as initiator (RFC 7296 §1.3.2, §2.18):
//!
//! ```text
//! HDR, SK {SA, Ni, KEi}  -->
//!                   <--  HDR, SK {SA, Nr, KEr}
//! ```
//!
//! The SA payload carries our new SPI (8 octets) in each proposal. On success the new
//! IKE SA takes over the CHILD SAs and the old one is deleted, unless the peer rekeyed
//! at the same time and its exchange wins by the nonces (§2.8.2): then our new SA is
//! redundant and deleted, the CHILD SAs go to the peer's, and the peer deletes the
//! old one. A rekey that fails is tried again later (see [`retry`](super::retry)).

use super::child_initiator::NONCE_LEN;
use super::ike_rekey::{NewSa, await_peer_delete, create, hand_over, report};
use super::{
    Active, Established, Flow, Start, Task, collision, done, enqueue, retry, send_create_child_sa,
};
use crate::config::Role;
use crate::crypto::ActiveKeyExchange;
use crate::event::{Action, Cause, CollisionKind, Decision, EventKind, Outcome, Problem};
use crate::ike::context::{Cx, Effect};
use crate::ike::ids::IkeSaId;
use crate::ike::payloads::{errors, ke, nonce, notify as find_notify, sa};
use crate::ike::sa::SaCore;
use crate::ike::state::Received;
use crate::proposal::{check_response, to_sa_payload};
use crate::wire::iana::{DhId, NotifyType, PayloadType, ProtocolId, TransformType};
use crate::wire::{IkeSpi, KePayload, NoncePayload, NotifyData, NotifyPayload, Payload, SaPayload};

/// A peer's rekey of this IKE SA, answered while ours was outstanding.
#[derive(Debug)]
pub(crate) struct PeerIkeRekey {
    pub(crate) new_sa: IkeSaId,
    pub(crate) ni: Vec<u8>,
    pub(crate) nr: Vec<u8>,
}

/// Our IKE SA rekey, waiting for its response.
pub(crate) struct IkeRekeyExchange {
    pub(crate) task: Task,
    spi: IkeSpi,
    offered: SaPayload,
    ke: Box<dyn ActiveKeyExchange>,
    ni: Vec<u8>,
    ke_retried: bool,
    pub(crate) collision: Option<PeerIkeRekey>,
}

impl core::fmt::Debug for IkeRekeyExchange {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IkeRekeyExchange")
            .field("task", &self.task)
            .field("spi", &self.spi)
            .field("group", &self.ke.group())
            .finish_non_exhaustive()
    }
}

pub(super) fn start(core: &mut SaCore, cx: &mut Cx<'_>, task: Task) -> Start {
    let groups: Vec<DhId> = core
        .policy
        .ike_proposals
        .iter()
        .flat_map(|p| p.of_type(TransformType::DH))
        .map(|a| DhId(a.id))
        .collect();
    // charon keeps the current SA's group if it is still proposed.
    let group = if groups.contains(&core.dh) {
        Some(core.dh)
    } else {
        groups.first().copied()
    };
    let Some(ke) = group
        .and_then(|g| cx.provider.group(g))
        .and_then(|g| g.start(cx.rng).ok())
    else {
        done(
            core,
            cx,
            &task,
            Outcome::Dropped {
                problem: Problem::NoKeyExchangeGroup,
            },
        );
        return Start::Skipped;
    };
    let spi = cx.fresh_ike_spi();
    let offered = to_sa_payload(&core.policy.ike_proposals, &spi.0);
    let mut exchange = IkeRekeyExchange {
        task,
        spi,
        offered,
        ke,
        ni: Vec::new(),
        ke_retried: false,
        collision: None,
    };
    match exchange.send(core, cx) {
        Ok(()) => Start::Started(Active::Ike(Box::new(exchange))),
        Err(problem) => {
            done(core, cx, &exchange.task, Outcome::Rejected { problem });
            Start::Skipped
        }
    }
}

impl IkeRekeyExchange {
    fn send(&mut self, core: &mut SaCore, cx: &mut Cx<'_>) -> Result<(), Problem> {
        self.ni = cx.random_bytes(NONCE_LEN);
        let payloads = vec![
            Payload::Sa(self.offered.clone()),
            Payload::Nonce(NoncePayload {
                data: self.ni.clone(),
            }),
            Payload::Ke(KePayload {
                group: self.ke.group(),
                data: self.ke.public_value().to_vec(),
            }),
        ];
        send_create_child_sa(core, cx, &self.task, payloads)
    }
}

pub(super) fn on_response(
    est: &mut Established,
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    mut ex: Box<IkeRekeyExchange>,
    msg: &Received<'_>,
) -> Flow {
    let p = msg.payloads;
    if let Some(error) = errors(p).first().copied() {
        if error == NotifyType::INVALID_KE_PAYLOAD
            && !ex.ke_retried
            && let Some(Ok(NotifyData::DhGroup(group))) =
                find_notify(p, NotifyType::INVALID_KE_PAYLOAD).map(NotifyPayload::decoded)
            && group != ex.ke.group()
            && ex.offered.proposals.iter().any(|q| {
                q.transforms
                    .iter()
                    .any(|t| t.kind == TransformType::DH && t.id == group.0)
            })
            && let Some(next) = cx.provider.group(group).and_then(|g| g.start(cx.rng).ok())
        {
            cx.emit(
                Some(core.id),
                EventKind::Decision(Decision::KeyExchange(crate::event::KeDecision {
                    ke_group: ex.ke.group(),
                    proposal_group: group,
                    outcome: crate::event::KeOutcome::Retrying,
                })),
            );
            ex.ke = next;
            ex.ke_retried = true;
            if let Err(problem) = ex.send(core, cx) {
                done(core, cx, &ex.task, Outcome::Rejected { problem });
            } else {
                est.ops.active = Some(Active::Ike(ex));
            }
            return Flow::Stay;
        }
        let failure = Outcome::PeerError { notify: error };
        // NO_ADDITIONAL_SAS: the peer rekeys no IKE SA (charon reauthenticates
        // instead, which IKElab does not); any other failure is tried again while
        // the old SA lives (TEMPORARY_FAILURE, §2.25; NO_PROPOSAL_CHOSEN, ...).
        if error == NotifyType::NO_ADDITIONAL_SAS {
            done(core, cx, &ex.task, failure);
        } else {
            failed(est, core, cx, &ex, failure);
        }
        return Flow::Stay;
    }
    match complete(est, core, cx, &ex, p) {
        Ok(()) => done(core, cx, &ex.task, Outcome::Done),
        Err(problem) => failed(est, core, cx, &ex, Outcome::Rejected { problem }),
    }
    Flow::Stay
}

/// Our rekey failed. If we answered a crossing rekey of the peer's meanwhile, its new
/// SA is the only replacement and takes over (§2.8.2: the peer deletes this SA);
/// else the rekey is tried again later.
fn failed(
    est: &mut Established,
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    ex: &IkeRekeyExchange,
    failure: Outcome,
) {
    if let Some(peer) = &ex.collision {
        hand_over(est, core, cx, peer.new_sa);
        await_peer_delete(est, core, cx);
    }
    // A replaced SA is not rekeyed again: this reports the failure as final then.
    retry::after_failure(est, core, cx, &ex.task, failure);
}

fn complete(
    est: &mut Established,
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    ex: &IkeRekeyExchange,
    p: &[Payload],
) -> Result<(), Problem> {
    let (Some(sa_r), Some(nr), Some(ke_r)) = (sa(p), nonce(p), ke(p)) else {
        return Err(Problem::MissingPayloads {
            response: true,
            required: vec![PayloadType::SA, PayloadType::NONCE, PayloadType::KE],
        });
    };
    let report_sel = check_response(&ex.offered, sa_r, cx.provider, ProtocolId::IKE);
    let chosen = report_sel.chosen.clone();
    cx.emit(
        Some(core.id),
        EventKind::Decision(Decision::IkeProposal(report_sel)),
    );
    let chosen = chosen.ok_or(Problem::ProposalNotOffered {
        protocol: ProtocolId::IKE,
    })?;
    let spi_r = <[u8; 8]>::try_from(chosen.proposal.spi.as_slice())
        .map(IkeSpi)
        .ok()
        .filter(|s| !s.is_zero())
        .ok_or(Problem::BadSpi {
            sender: Role::Responder,
            protocol: ProtocolId::IKE,
        })?;
    let group = chosen
        .proposal
        .transforms
        .iter()
        .find(|t| t.kind == TransformType::DH)
        .map(|t| DhId(t.id));
    if group != Some(ex.ke.group()) || ke_r.group != ex.ke.group() {
        return Err(Problem::KeGroupMismatch {
            sent: ex.ke.group(),
            chosen: group,
            received: ke_r.group,
        });
    }
    let g_ir = ex
        .ke
        .complete(&ke_r.data)
        .map_err(|error| Problem::BadKePayload {
            sender: Role::Responder,
            error,
        })?;
    let new = NewSa {
        initiator: true,
        spi_i: ex.spi,
        spi_r,
        chosen: &chosen.proposal,
        text: chosen.text.clone(),
        g_ir: &g_ir,
        ni: &ex.ni,
        nr: &nr.data,
    };
    match &ex.collision {
        None => {
            let id = create(est, core, cx, &new, None)?;
            report(core, cx, id, &new, ex.task.cause.clone());
            hand_over(est, core, cx, id);
            enqueue(est, delete_old(), true);
        }
        Some(peer) => {
            let ours_lowest = collision::report(
                core,
                cx,
                CollisionKind::Ike,
                [&ex.ni, &nr.data],
                [&peer.ni, &peer.nr],
            );
            if ours_lowest {
                // Ours is redundant: it deletes itself first thing; the CHILD SAs go
                // to the peer's new SA and the peer deletes this one.
                let redundant = Task {
                    action: Action::DeleteIke,
                    cause: Cause::Collision,
                };
                create(est, core, cx, &new, Some(redundant))?;
                hand_over(est, core, cx, peer.new_sa);
                await_peer_delete(est, core, cx);
            } else {
                let id = create(est, core, cx, &new, None)?;
                report(core, cx, id, &new, ex.task.cause.clone());
                hand_over(est, core, cx, id);
                enqueue(est, delete_old(), true);
                cx.effects.push(Effect::Redundant {
                    sa: peer.new_sa,
                    winner: id,
                });
            }
        }
    }
    Ok(())
}

fn delete_old() -> Task {
    Task {
        action: Action::DeleteIke,
        cause: Cause::Rekeyed,
    }
}
