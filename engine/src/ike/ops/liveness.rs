//! Liveness checks (RFC 7296 §2.4): "an INFORMATIONAL request with no payloads",
//! sent when nothing was heard from the peer for `dpd_delay` (swanctl.conf(5)), or
//! on command. If its retransmissions go unanswered the peer is declared dead and
//! the IKE SA closes with its CHILD SAs (the engine's retransmission timer does it).

use super::{Active, Established, Flow, Start, Task, enqueue, started};
use crate::event::{Action, Cause, Outcome};
use crate::ike::context::Cx;
use crate::ike::sa::SaCore;
use crate::ike::timers::Timer;
use crate::wire::iana::ExchangeType;

pub(super) fn start(core: &mut SaCore, cx: &mut Cx<'_>, task: Task) -> Start {
    match core.send_request(cx, ExchangeType::INFORMATIONAL, Vec::new()) {
        Ok(()) => {
            started(core, cx, &task, ExchangeType::INFORMATIONAL);
            Start::Started(Active::Liveness(task))
        }
        Err(e) => {
            super::done(
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

/// The `Dpd` timer: a check if the peer was quiet for `dpd_delay`, else look again
/// `dpd_delay` after it was last heard.
pub(super) fn on_timer(est: &mut Established, core: &mut SaCore, cx: &mut Cx<'_>) -> Flow {
    let delay = core.policy.config.dpd_delay;
    if delay.is_zero() {
        return Flow::Stay;
    }
    // Authenticated ESP from the peer counts as hearing from it.
    let last_esp = core
        .children
        .iter()
        .filter_map(|id| cx.children.get(id)?.last_inbound)
        .max();
    let heard = last_esp.map_or(est.ops.last_heard, |t| t.max(est.ops.last_heard));
    let quiet_until = heard.saturating_add(delay);
    if cx.now >= quiet_until {
        // Anything outstanding already tests the peer: its retransmissions decide.
        if core.window.outstanding.is_none() {
            enqueue(
                est,
                Task {
                    action: Action::Liveness,
                    cause: Cause::Liveness,
                },
                false,
            );
        }
        core.timers.set(Timer::Dpd, cx.now.saturating_add(delay));
    } else {
        core.timers.set(Timer::Dpd, quiet_until);
    }
    Flow::Stay
}
