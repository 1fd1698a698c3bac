//! INFORMATIONAL exchanges (RFC 7296 §1.4): deletes in both directions, liveness
//! checks and error notifications from the peer.
//!
//! ```text
//! HDR, SK {D(ESP, our inbound SPIs)}   -->
//!                                 <--  HDR, SK {D(ESP, its inbound SPIs)}   (§1.4.1)
//! HDR, SK {D(IKE)}                     -->
//!                                 <--  HDR, SK {}
//! HDR, SK {}                           -->                                  (§2.4)
//!                                 <--  HDR, SK {}
//! ```
//!
//! Crossing deletes (§1.4.1): "If a node receives a delete request for SAs for which
//! it has already issued a delete request, it MUST delete the outgoing SAs while
//! processing the request and the incoming SAs while processing the response. In
//! that case, the responses MUST NOT include Delete payloads for the deleted SAs."

use super::{Active, Established, Flow, Start, Task, done, started};
use crate::event::{Action, ChildDownReason, DownReason, EventKind, Outcome, Problem};
use crate::ike::context::Cx;
use crate::ike::payloads::errors;
use crate::ike::sa::SaCore;
use crate::ike::state::Received;
use crate::wire::iana::{ExchangeType, NotifyType, ProtocolId};
use crate::wire::{DeletePayload, Payload};

pub(super) fn start_child(
    est: &mut Established,
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    task: Task,
) -> Start {
    let Action::DeleteChild { child } = task.action else {
        return Start::Skipped;
    };
    let spi_in = cx.children.get(&child).map(|c| c.spi_in);
    let Some(spi_in) = spi_in.filter(|_| core.children.contains(&child)) else {
        done(
            core,
            cx,
            &task,
            Outcome::Dropped {
                problem: Problem::ChildSaGone { child },
            },
        );
        return Start::Skipped;
    };
    let payloads = vec![Payload::Delete(DeletePayload::esp(&[spi_in]))];
    match core.send_request(cx, ExchangeType::INFORMATIONAL, payloads) {
        Ok(()) => {
            est.ops.deleting.insert(child);
            est.ops.life.children.remove(&child);
            super::retry::forget_child(est, child);
            started(core, cx, &task, ExchangeType::INFORMATIONAL);
            Start::Started(Active::DeleteChild(task))
        }
        Err(e) => {
            done(
                core,
                cx,
                &task,
                Outcome::Rejected {
                    problem: e.building(ExchangeType::INFORMATIONAL, false),
                },
            );
            Start::Skipped
        }
    }
}

pub(super) fn start_ike(core: &mut SaCore, cx: &mut Cx<'_>, task: Task) -> Start {
    let payloads = vec![Payload::Delete(DeletePayload::ike())];
    match core.send_request(cx, ExchangeType::INFORMATIONAL, payloads) {
        Ok(()) => {
            started(core, cx, &task, ExchangeType::INFORMATIONAL);
            Start::Started(Active::DeleteIke(task))
        }
        Err(e) => {
            done(
                core,
                cx,
                &task,
                Outcome::Rejected {
                    problem: e.building(ExchangeType::INFORMATIONAL, false),
                },
            );
            Start::Skipped
        }
    }
}

/// Removes a CHILD SA from the engine and reports why.
pub(crate) fn remove_child(
    est: &mut Established,
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    child: crate::ike::ids::ChildSaId,
    reason: ChildDownReason,
) {
    core.children.retain(|c| *c != child);
    est.ops.deleting.remove(&child);
    est.ops.replaced.remove(&child);
    est.ops.life.children.remove(&child);
    super::retry::forget_child(est, child);
    if cx.children.remove(&child).is_some() {
        cx.emit(Some(core.id), EventKind::ChildSaDown { child, reason });
    }
}

/// The CHILD SAs end with their IKE SA (§1.4.1: "deleting an IKE SA implicitly
/// closes any remaining Child SAs"), at once, though the IKE SA lingers to answer
/// retransmissions.
fn drop_children(
    est: &mut Established,
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    reason: &ChildDownReason,
) {
    for child in core.children.clone() {
        remove_child(est, core, cx, child, reason.clone());
    }
}

/// The peer answered our Delete of a CHILD SA.
pub(super) fn child_answered(
    est: &mut Established,
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    task: &Task,
) -> Flow {
    if let Action::DeleteChild { child } = task.action {
        let reason = ChildDownReason::Deleted {
            cause: task.cause.clone(),
        };
        remove_child(est, core, cx, child, reason);
    }
    done(core, cx, task, Outcome::Done);
    Flow::Stay
}

/// The peer answered our Delete of the IKE SA.
pub(super) fn ike_answered(core: &mut SaCore, cx: &mut Cx<'_>, task: Task) -> Flow {
    done(core, cx, &task, Outcome::Done);
    core.go_down(cx, DownReason::Deleted { cause: task.cause }, false);
    Flow::Close
}

/// An INFORMATIONAL request of the peer.
pub(super) fn informational(
    est: &mut Established,
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    msg: &Received<'_>,
) -> Flow {
    let mid = msg.header.message_id;
    let p = msg.payloads;
    let deletes: Vec<&DeletePayload> = p
        .iter()
        .filter_map(|x| match x {
            Payload::Delete(d) => Some(d),
            _ => None,
        })
        .collect();
    if deletes.iter().any(|d| d.protocol == ProtocolId::IKE) {
        // §2.25.2: "If a peer receives a request to close an IKE SA that it is
        // currently rekeying, it SHOULD reply as usual, and forget its own rekeying
        // request."
        let _ = core.send_response(cx, ExchangeType::INFORMATIONAL, mid, Vec::new());
        drop_children(est, core, cx, &ChildDownReason::IkeSaDeletedByPeer);
        core.go_down(cx, DownReason::DeletedByPeer, true);
        return Flow::Close;
    }
    // An error notify about the IKE SA itself ends it (§2.21.2, §3.10.1).
    if let Some(error) = errors(p)
        .into_iter()
        .find(|t| *t != NotifyType::INVALID_MESSAGE_ID)
    {
        let _ = core.send_response(cx, ExchangeType::INFORMATIONAL, mid, Vec::new());
        let reason = ChildDownReason::IkeSaPeerError { notify: error };
        drop_children(est, core, cx, &reason);
        core.go_down(
            cx,
            DownReason::PeerError {
                exchange: ExchangeType::INFORMATIONAL,
                notify: error,
            },
            true,
        );
        return Flow::Close;
    }
    let mut ours = Vec::new();
    for delete in deletes.iter().filter(|d| d.protocol == ProtocolId::ESP) {
        for spi in &delete.spis {
            let Ok(bytes) = <[u8; 4]>::try_from(spi.as_slice()) else {
                continue;
            };
            let Some(child) = super::child_by_spi_out(core, cx, u32::from_be_bytes(bytes)) else {
                continue;
            };
            let crossing = est.ops.deleting.contains(&child);
            let spi_in = cx.children.get(&child).map(|c| c.spi_in);
            remove_child(est, core, cx, child, ChildDownReason::DeletedByPeer);
            if !crossing && let Some(spi_in) = spi_in {
                ours.push(spi_in);
            }
        }
    }
    let response = if ours.is_empty() {
        Vec::new()
    } else {
        vec![Payload::Delete(DeletePayload::esp(&ours))]
    };
    let _ = core.send_response(cx, ExchangeType::INFORMATIONAL, mid, response);
    Flow::Stay
}
