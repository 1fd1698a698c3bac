//! CREATE_CHILD_SA as initiator, for a new CHILD SA or a CHILD SA rekey (RFC 7296
//! §1.3.1, §1.3.3):
//!
//! ```text
//! HDR, SK {[N(REKEY_SA)], SA, Ni, [KEi], TSi, TSr}  -->
//!                                    <--  HDR, SK {SA, Nr, [KEr], TSi, TSr}
//! ```
//!
//! PFS: the KE payload is of the first group of the child's `esp_proposals` (as
//! charon picks it); INVALID_KE_PAYLOAD names another group, and the request is
//! repeated once with it (§1.3). TEMPORARY_FAILURE means "try again later" (§2.25),
//! and a rekey that fails otherwise is tried again too, as charon does: see
//! [`retry`](super::retry). A rekey installs the new CHILD SA and then deletes the
//! old one (§2.8), unless a crossing rekey of the peer's holds the lowest nonce, in
//! which case our new one is redundant and goes instead (§2.8.1).

use super::{
    Active, Established, Flow, Start, Task, collision, done, enqueue, notify, retry,
    send_create_child_sa,
};
use crate::config::Mode;
use crate::crypto::ActiveKeyExchange;
use crate::event::{Action, Cause, ChildFailure, Decision, EventKind, Outcome, Problem};
use crate::ike::child_answer::{AnswerKeying, ChildAnswer, ChildOffer, check_answer};
use crate::ike::child_setup::child_failed;
use crate::ike::context::Cx;
use crate::ike::ids::ChildSaId;
use crate::ike::payloads::{errors, nonce, notify as find_notify};
use crate::ike::sa::SaCore;
use crate::ike::state::Received;
use crate::ike::ts;
use crate::proposal::to_sa_payload;
use crate::wire::iana::{DhId, NotifyType, ProtocolId, TransformType};
use crate::wire::{KePayload, NoncePayload, NotifyData, NotifyPayload, Payload, TsPayload};

/// Nonce length (§2.10: at least half the PRF's key size; charon sends 32 octets).
pub(crate) const NONCE_LEN: usize = 32;

/// A peer's rekey of the same CHILD SA, answered while ours was outstanding.
#[derive(Debug)]
pub(crate) struct PeerRekey {
    pub(crate) ni: Vec<u8>,
    pub(crate) nr: Vec<u8>,
}

/// Our CREATE_CHILD_SA for a CHILD SA, waiting for its response.
pub(crate) struct ChildExchange {
    pub(crate) task: Task,
    /// What we ask for (name, SPI, proposals, selectors, mode).
    offer: ChildOffer,
    /// The CHILD SA being replaced.
    pub(crate) rekey: Option<ChildSaId>,
    /// Its inbound SPI (the REKEY_SA notify's SPI, §1.3.3).
    rekey_spi: Option<u32>,
    ke: Option<Box<dyn ActiveKeyExchange>>,
    ni: Vec<u8>,
    ke_retried: bool,
    pub(crate) collision: Option<PeerRekey>,
}

impl core::fmt::Debug for ChildExchange {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ChildExchange")
            .field("task", &self.task)
            .field("rekey", &self.rekey)
            .field("group", &self.ke.as_ref().map(|k| k.group()))
            .finish_non_exhaustive()
    }
}

fn refuse(core: &SaCore, cx: &mut Cx<'_>, task: &Task, problem: Problem) -> Start {
    done(core, cx, task, Outcome::Dropped { problem });
    Start::Skipped
}

/// We cannot make the request now (a key exchange or encoding failure): a rekey is
/// tried again later, a new CHILD SA is not.
fn refuse_for_now(
    est: &mut Established,
    core: &SaCore,
    cx: &mut Cx<'_>,
    task: &Task,
    problem: Problem,
) -> Start {
    let failure = Outcome::Dropped { problem };
    if matches!(task.action, Action::RekeyChild { .. }) {
        retry::after_failure(est, core, cx, task, failure);
    } else {
        done(core, cx, task, failure);
    }
    Start::Skipped
}

pub(super) fn start(
    est: &mut Established,
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    task: Task,
) -> Start {
    let (name, rekey) = match &task.action {
        Action::CreateChild { name } => (name.clone(), None),
        Action::RekeyChild { child } => {
            let old = *child;
            if !core.children.contains(&old) {
                return refuse(core, cx, &task, Problem::ChildSaGone { child: old });
            }
            if est.ops.deleting.contains(&old) || est.ops.replaced.contains(&old) {
                return refuse(core, cx, &task, Problem::ChildSaBusy { child: old });
            }
            let Some(c) = cx.children.get(&old) else {
                return refuse(core, cx, &task, Problem::ChildSaGone { child: old });
            };
            (c.name.clone(), Some(old))
        }
        _ => return Start::Skipped,
    };
    let Some(policy) = core
        .policy
        .children
        .iter()
        .find(|c| c.name == name)
        .cloned()
    else {
        return refuse(core, cx, &task, Problem::UnknownChildConfig { name });
    };
    let (ts_i, ts_r, transport, replay_window, rekey_spi) =
        match rekey.and_then(|c| cx.children.get(&c)) {
            // §2.8: the new SA takes over the old one's traffic selectors.
            Some(old) => (
                old.local_ts.clone(),
                old.remote_ts.clone(),
                old.mode == Mode::Transport,
                old.replay_window,
                Some(old.spi_in),
            ),
            None => {
                let (local_dynamic, remote_dynamic) = super::dynamic_ranges(core);
                (
                    ts::resolve(&policy.config.local_ts, &local_dynamic),
                    ts::resolve(&policy.config.remote_ts, &remote_dynamic),
                    policy.config.mode == Mode::Transport,
                    policy.config.replay_window,
                    None,
                )
            }
        };
    let group = policy
        .esp_proposals
        .iter()
        .flat_map(|p| p.of_type(TransformType::DH))
        .filter(|a| a.id != DhId::NONE.0)
        .find_map(|a| cx.provider.group(DhId(a.id)));
    let ke = match group.map(|g| g.start(cx.rng)) {
        Some(Ok(ke)) => Some(ke),
        Some(Err(error)) => {
            let problem = Problem::KeyExchangeFailed { error };
            return refuse_for_now(est, core, cx, &task, problem);
        }
        None => None,
    };
    let spi_in = cx.fresh_esp_spi();
    let offered = to_sa_payload(&policy.esp_proposals, &spi_in.to_be_bytes());
    let mut exchange = ChildExchange {
        task,
        offer: ChildOffer {
            name,
            spi_in,
            offered,
            ts_i,
            ts_r,
            transport,
            replay_window,
        },
        rekey,
        rekey_spi,
        ke,
        ni: Vec::new(),
        ke_retried: false,
        collision: None,
    };
    match exchange.send(core, cx) {
        Ok(()) => Start::Started(Active::Child(Box::new(exchange))),
        Err(problem) => refuse_for_now(est, core, cx, &exchange.task, problem),
    }
}

impl ChildExchange {
    /// Sends the request with a fresh nonce.
    fn send(&mut self, core: &mut SaCore, cx: &mut Cx<'_>) -> Result<(), Problem> {
        self.ni = cx.random_bytes(NONCE_LEN);
        let mut payloads = Vec::new();
        if let Some(spi) = self.rekey_spi {
            payloads.push(Payload::Notify(NotifyPayload::rekey_sa(
                ProtocolId::ESP,
                spi,
            )));
        }
        payloads.push(Payload::Sa(self.offer.offered.clone()));
        payloads.push(Payload::Nonce(NoncePayload {
            data: self.ni.clone(),
        }));
        if let Some(ke) = &self.ke {
            payloads.push(Payload::Ke(KePayload {
                group: ke.group(),
                data: ke.public_value().to_vec(),
            }));
        }
        payloads.push(Payload::TsI(TsPayload {
            selectors: self.offer.ts_i.clone(),
        }));
        payloads.push(Payload::TsR(TsPayload {
            selectors: self.offer.ts_r.clone(),
        }));
        if self.offer.transport {
            payloads.push(notify(NotifyType::USE_TRANSPORT_MODE));
        }
        send_create_child_sa(core, cx, &self.task, payloads)
    }
}

pub(super) fn on_response(
    est: &mut Established,
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    mut ex: Box<ChildExchange>,
    msg: &Received<'_>,
) -> Flow {
    let p = msg.payloads;
    if let Some(error) = errors(p).first().copied() {
        if error == NotifyType::INVALID_KE_PAYLOAD
            && let Some(Ok(NotifyData::DhGroup(group))) =
                find_notify(p, NotifyType::INVALID_KE_PAYLOAD).map(NotifyPayload::decoded)
            && let Some(next) = ex.retry_group(cx, group)
        {
            cx.emit(
                Some(core.id),
                EventKind::Decision(Decision::KeyExchange(crate::event::KeDecision {
                    ke_group: ex.ke.as_ref().map_or(DhId::NONE, |k| k.group()),
                    proposal_group: group,
                    outcome: crate::event::KeOutcome::Retrying,
                })),
            );
            ex.ke = Some(next);
            ex.ke_retried = true;
            return match ex.send(core, cx) {
                Ok(()) => {
                    est.ops.active = Some(Active::Child(ex));
                    Flow::Stay
                }
                Err(problem) => {
                    done(core, cx, &ex.task, Outcome::Rejected { problem });
                    Flow::Stay
                }
            };
        }
        let failure = Outcome::PeerError { notify: error };
        if error == NotifyType::TEMPORARY_FAILURE {
            retry::after_failure(est, core, cx, &ex.task, failure);
            return Flow::Stay;
        }
        if ex.rekey.is_none() || error != NotifyType::CHILD_SA_NOT_FOUND {
            child_failed(
                core,
                cx,
                &ex.offer.name,
                ChildFailure::PeerError { notify: error },
            );
        }
        // The peer lost the CHILD SA (CHILD_SA_NOT_FOUND, §2.25) or takes no more
        // (NO_ADDITIONAL_SAS, §1.3): another rekey would meet the same answer.
        let final_answer = matches!(
            error,
            NotifyType::CHILD_SA_NOT_FOUND | NotifyType::NO_ADDITIONAL_SAS
        );
        if ex.rekey.is_some() && !final_answer {
            retry::after_failure(est, core, cx, &ex.task, failure);
        } else {
            done(core, cx, &ex.task, failure);
        }
        return Flow::Stay;
    }
    let keying = AnswerKeying {
        prf: est.prf,
        sk_d: &est.sk_d,
        ni: &ex.ni,
        nr: None,
        ke: ex.ke.as_deref(),
    };
    match check_answer(core, cx, &ex.offer, p, &keying) {
        ChildAnswer::Installed(new_child) => {
            super::arm_child(est, core, cx, new_child);
            if let Some(old) = ex.rekey {
                cx.emit(
                    Some(core.id),
                    EventKind::ChildSaRekeyed {
                        old,
                        new: new_child,
                        cause: ex.task.cause.clone(),
                    },
                );
                finish_rekey(est, core, cx, &ex, old, new_child, p);
            }
            done(core, cx, &ex.task, Outcome::Done);
        }
        ChildAnswer::Rejected { problem } => {
            let failure = Outcome::Rejected { problem };
            if ex.rekey.is_some() {
                retry::after_failure(est, core, cx, &ex.task, failure);
            } else {
                done(core, cx, &ex.task, failure);
            }
        }
        // Error notifies were handled above.
        ChildAnswer::PeerError(_) => {}
    }
    Flow::Stay
}

impl ChildExchange {
    /// A new key exchange in the group the responder asked for, if we offered it
    /// and have not retried yet (§1.3).
    fn retry_group(&self, cx: &mut Cx<'_>, group: DhId) -> Option<Box<dyn ActiveKeyExchange>> {
        let offered = self.offer.offered.proposals.iter().any(|p| {
            p.transforms
                .iter()
                .any(|t| t.kind == TransformType::DH && t.id == group.0)
        });
        if self.ke_retried || !offered || self.ke.as_ref().is_some_and(|k| k.group() == group) {
            return None;
        }
        cx.provider.group(group)?.start(cx.rng).ok()
    }
}

/// After our rekey's new CHILD SA is up: delete the old one, or, if a crossing
/// rekey of the peer's wins by the nonces, our new one (§2.8.1).
fn finish_rekey(
    est: &mut Established,
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    ex: &ChildExchange,
    old: ChildSaId,
    new_child: ChildSaId,
    p: &[Payload],
) {
    let nr = nonce(p).map(|n| n.data.clone()).unwrap_or_default();
    let delete = match &ex.collision {
        None => Task {
            action: Action::DeleteChild { child: old },
            cause: Cause::Rekeyed,
        },
        Some(peer) => {
            let ours_lowest = collision::report(
                core,
                cx,
                crate::event::CollisionKind::Child,
                [&ex.ni, &nr],
                [&peer.ni, &peer.nr],
            );
            if ours_lowest {
                // Ours is redundant; the peer deletes the old one.
                est.ops.replaced.insert(old);
                if let Some(l) = est.ops.life.children.get_mut(&old) {
                    l.rekey_at = None;
                }
                retry::forget_child(est, old);
                Task {
                    action: Action::DeleteChild { child: new_child },
                    cause: Cause::Collision,
                }
            } else {
                Task {
                    action: Action::DeleteChild { child: old },
                    cause: Cause::Rekeyed,
                }
            }
        }
    };
    enqueue(est, delete, true);
}
