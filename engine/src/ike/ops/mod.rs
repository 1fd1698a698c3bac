//! What an established IKE SA does after IKE_AUTH (RFC 7296 §1.3, §1.4, §2.4, §2.8,
//! §2.18, §2.25): its own exchanges (create, rekey, delete, liveness), queued behind
//! the window of one outstanding request (§2.3), and its answers to the peer's.
//!
//! ```text
//! command / lifetime / dpd / retry ──> queue ──(window free)──> active exchange
//!                                                   response ──> outcome event, next task
//! peer request ──> answer (create/rekey CHILD, rekey IKE, delete, liveness)
//! ```
//!
//! Every exchange we start is reported as `ExchangeStarted` with its [`Action`] and
//! [`Cause`], and ends with `ExchangeDone` and its [`Outcome`]; SAs that go carry the
//! cause in their down event.

mod child_initiator;
mod child_responder;
mod collision;
mod delete;
mod ike_initiator;
mod ike_rekey;
mod ike_responder;
mod lifetime;
mod liveness;
mod retry;
pub(crate) mod volume;

use std::collections::{BTreeSet, VecDeque};

use super::context::Cx;
use super::datagram::Time;
use super::ids::{ChildSaId, IkeSaId};
use super::sa::{IkeSa, SaCore};
use super::state::{Established, Received, State};
use super::timers::Timer;
use crate::config::IpRange;
use crate::event::{Action, Cause, DownReason, EventKind, Outcome, Problem};
use crate::wire::iana::{ExchangeType, NotifyType};
use crate::wire::{NotifyPayload, Payload};

pub(crate) use child_initiator::ChildExchange;
pub(crate) use ike_initiator::IkeRekeyExchange;
pub(crate) use lifetime::{ChildLife, arm as arm_lifetimes, arm_child, arm_new_sa};

/// A task with when to start it (at once if that time has come).
pub(crate) type Timed = (Time, Task);

/// An exchange to start, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Task {
    pub(crate) action: Action,
    pub(crate) cause: Cause,
}

/// The exchange our outstanding request belongs to.
#[derive(Debug)]
pub(crate) enum Active {
    Child(Box<ChildExchange>),
    Ike(Box<IkeRekeyExchange>),
    DeleteChild(Task),
    DeleteIke(Task),
    Liveness(Task),
}

impl Active {
    fn task(&self) -> &Task {
        match self {
            Self::Child(c) => &c.task,
            Self::Ike(i) => &i.task,
            Self::DeleteChild(t) | Self::DeleteIke(t) | Self::Liveness(t) => t,
        }
    }
}

/// Whether the IKE SA goes on after a handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Stay,
    Close,
}

/// The bookkeeping of an established IKE SA.
#[derive(Debug, Default)]
pub(crate) struct Ops {
    pub(crate) active: Option<Active>,
    pub(crate) queue: VecDeque<Task>,
    pub(crate) life: lifetime::Lifetimes,
    /// When an authenticated message from the peer last arrived (DPD, §2.4).
    pub(crate) last_heard: Time,
    /// CHILD SAs whose Delete we sent and whose answer is outstanding (§1.4.1,
    /// §2.25.1).
    pub(crate) deleting: BTreeSet<ChildSaId>,
    /// CHILD SAs replaced by the peer's rekey: their deletion is the peer's (§2.8).
    pub(crate) replaced: BTreeSet<ChildSaId>,
    /// This IKE SA was replaced by a rekey (§2.18): only its deletion is left.
    pub(crate) superseded_by: Option<IkeSaId>,
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CommandError {
    /// No IKE SA has this handle (it never existed or is gone).
    UnknownIkeSa(IkeSaId),
    /// No installed CHILD SA has this handle.
    UnknownChildSa(ChildSaId),
    /// The IKE SA is not established (still connecting, or closing).
    NotEstablished(IkeSaId),
    /// The IKE SA was replaced by a rekey; use the new one.
    Superseded { old: IkeSaId, new: IkeSaId },
    /// The IKE SA's configuration has no `[children.NAME]` of this name.
    UnknownChildConfig(String),
}

impl core::fmt::Display for CommandError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::UnknownIkeSa(id) => write!(f, "no {id}"),
            Self::UnknownChildSa(id) => write!(f, "no {id}"),
            Self::NotEstablished(id) => write!(f, "{id} is not established"),
            Self::Superseded { old, new } => write!(f, "{old} was rekeyed, use {new}"),
            Self::UnknownChildConfig(name) => write!(f, "no child configuration named {name:?}"),
        }
    }
}

impl std::error::Error for CommandError {}

pub(crate) fn started(core: &SaCore, cx: &mut Cx<'_>, task: &Task, exchange: ExchangeType) {
    cx.emit(
        Some(core.id),
        EventKind::ExchangeStarted {
            action: task.action.clone(),
            cause: task.cause.clone(),
            exchange,
            message_id: core.window.next_request_id.wrapping_sub(1),
        },
    );
}

/// Sends a CREATE_CHILD_SA request (RFC 7296 §1.3) with `payloads` and reports the
/// exchange started for `task`: the common end of a CHILD SA's and an IKE SA's
/// request.
pub(crate) fn send_create_child_sa(
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    task: &Task,
    payloads: Vec<Payload>,
) -> Result<(), Problem> {
    core.send_request(cx, ExchangeType::CREATE_CHILD_SA, payloads)
        .map_err(|e| e.building(ExchangeType::CREATE_CHILD_SA, false))?;
    started(core, cx, task, ExchangeType::CREATE_CHILD_SA);
    Ok(())
}

pub(crate) fn done(core: &SaCore, cx: &mut Cx<'_>, task: &Task, outcome: Outcome) {
    cx.emit(
        Some(core.id),
        EventKind::ExchangeDone {
            action: task.action.clone(),
            cause: task.cause.clone(),
            outcome,
        },
    );
}

pub(crate) fn notify(t: NotifyType) -> Payload {
    Payload::Notify(plain_notify(t))
}

/// A notify without data.
pub(crate) fn plain_notify(t: NotifyType) -> NotifyPayload {
    NotifyPayload::new(t, Vec::new())
}

/// Refuses a CREATE_CHILD_SA request with one error notify and nothing else
/// (RFC 7296 §1.3, §2.21.3); the response is cached like any other.
pub(crate) fn refuse_create_child_sa(
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    msg: &Received<'_>,
    n: NotifyPayload,
) -> Flow {
    let _ = core.send_response(
        cx,
        ExchangeType::CREATE_CHILD_SA,
        msg.header.message_id,
        vec![Payload::Notify(n)],
    );
    Flow::Stay
}

/// Adds a task unless the same action is already queued or under way.
pub(crate) fn enqueue(est: &mut Established, task: Task, front: bool) {
    let busy = est
        .ops
        .active
        .as_ref()
        .is_some_and(|a| a.task().action == task.action)
        || est.ops.queue.iter().any(|t| t.action == task.action);
    if busy {
        return;
    }
    if front {
        est.ops.queue.push_front(task);
    } else {
        est.ops.queue.push_back(task);
    }
}

/// What became of a task we tried to start.
enum Start {
    Started(Active),
    Skipped,
}

/// Starts queued tasks while the window is free (§2.3: one request outstanding).
pub(crate) fn start_next(est: &mut Established, core: &mut SaCore, cx: &mut Cx<'_>) {
    while core.window.outstanding.is_none() && est.ops.active.is_none() {
        let Some(task) = est.ops.queue.pop_front() else {
            break;
        };
        if let Some(new) = est.ops.superseded_by
            && task.action != Action::DeleteIke
        {
            done(
                core,
                cx,
                &task,
                Outcome::Dropped {
                    problem: Problem::IkeSaReplaced { new_sa: new },
                },
            );
            continue;
        }
        let start = match &task.action {
            Action::CreateChild { .. } | Action::RekeyChild { .. } => {
                child_initiator::start(est, core, cx, task)
            }
            Action::RekeyIke => ike_initiator::start(core, cx, task),
            Action::DeleteChild { .. } => delete::start_child(est, core, cx, task),
            Action::DeleteIke => delete::start_ike(core, cx, task),
            Action::Liveness => liveness::start(core, cx, task),
        };
        if let Start::Started(active) = start {
            est.ops.active = Some(active);
        }
    }
}

/// After a handler: start what is queued and arm the lifetime timers.
fn settle(mut est: Box<Established>, core: &mut SaCore, cx: &mut Cx<'_>, flow: Flow) -> State {
    if flow == Flow::Close {
        return State::Closing;
    }
    start_next(&mut est, core, cx);
    lifetime::arm(&est, core);
    State::Established(est)
}

/// A request of the peer on an established SA.
pub(crate) fn on_request(
    mut est: Box<Established>,
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    msg: &Received<'_>,
) -> State {
    est.ops.last_heard = cx.now;
    let flow = match msg.header.exchange_type {
        ExchangeType::CREATE_CHILD_SA => {
            if ike_responder::is_ike_rekey(msg.payloads) {
                ike_responder::respond(&mut est, core, cx, msg)
            } else {
                child_responder::respond(&mut est, core, cx, msg)
            }
        }
        _ => delete::informational(&mut est, core, cx, msg),
    };
    settle(est, core, cx, flow)
}

/// The response to our outstanding request.
pub(crate) fn on_response(
    mut est: Box<Established>,
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    msg: &Received<'_>,
) -> State {
    est.ops.last_heard = cx.now;
    super::address::follow(core, cx, true, msg.src, msg.dst);
    core.complete_request();
    let flow = match est.ops.active.take() {
        Some(Active::Child(exchange)) => {
            child_initiator::on_response(&mut est, core, cx, exchange, msg)
        }
        Some(Active::Ike(exchange)) => {
            ike_initiator::on_response(&mut est, core, cx, exchange, msg)
        }
        Some(Active::DeleteChild(task)) => delete::child_answered(&mut est, core, cx, &task),
        Some(Active::DeleteIke(task)) => delete::ike_answered(core, cx, task),
        Some(Active::Liveness(task)) => {
            done(core, cx, &task, Outcome::Done);
            Flow::Stay
        }
        // A request of part 1 (an INVALID_MESSAGE_ID notice, a CHILD SA's
        // rejection): nothing to follow up.
        None => Flow::Stay,
    };
    settle(est, core, cx, flow)
}

/// A command: queue the task and start it if the window is free.
pub(crate) fn command(sa: &mut IkeSa, cx: &mut Cx<'_>, task: Task) -> Result<(), CommandError> {
    let State::Established(est) = &mut sa.state else {
        return Err(CommandError::NotEstablished(sa.core.id));
    };
    if let Some(new) = est.ops.superseded_by {
        return Err(CommandError::Superseded {
            old: sa.core.id,
            new,
        });
    }
    match &task.action {
        Action::CreateChild { name }
            if !sa.core.policy.children.iter().any(|c| &c.name == name) =>
        {
            return Err(CommandError::UnknownChildConfig(name.clone()));
        }
        Action::RekeyChild { child } | Action::DeleteChild { child }
            if !sa.core.children.contains(child) =>
        {
            return Err(CommandError::UnknownChildSa(*child));
        }
        _ => {}
    }
    let front = matches!(task.action, Action::DeleteIke | Action::DeleteChild { .. });
    enqueue(est, task, front);
    start_next(est, &mut sa.core, cx);
    lifetime::arm(est, &mut sa.core);
    Ok(())
}

/// Runs what is queued (a new IKE SA right after its adoption).
pub(crate) fn kick(sa: &mut IkeSa, cx: &mut Cx<'_>) {
    if let State::Established(est) = &mut sa.state {
        start_next(est, &mut sa.core, cx);
        lifetime::arm(est, &mut sa.core);
    }
}

/// CHILD SAs arrive from the IKE SA this one replaced (§2.18).
pub(crate) fn inherit(
    sa: &mut IkeSa,
    cx: &mut Cx<'_>,
    from: IkeSaId,
    children: Vec<(ChildSaId, ChildLife)>,
    tasks: Vec<Timed>,
) {
    let id = sa.core.id;
    let (local, remote, udp_encap) = (sa.core.local, sa.core.remote, sa.core.nat.udp_encap);
    let mut moved = Vec::new();
    for (child, life) in children {
        let Some(record) = cx.children.get_mut(&child) else {
            continue;
        };
        record.ike_sa = id;
        record.local = local;
        record.remote = remote;
        record.udp_encap = udp_encap;
        sa.core.children.push(child);
        if let State::Established(est) = &mut sa.state {
            est.ops.life.children.insert(child, life);
        }
        moved.push(child);
    }
    cx.emit(
        Some(id),
        EventKind::ChildSasInherited {
            from,
            children: moved,
        },
    );
    if let State::Established(est) = &mut sa.state {
        for (at, task) in tasks {
            if at <= cx.now {
                enqueue(est, task, false);
            } else {
                est.ops.life.delayed.push((at, task));
            }
        }
        start_next(est, &mut sa.core, cx);
        lifetime::arm(est, &mut sa.core);
    }
}

/// An IKE SA that lost a rekey collision (§2.8.2) waits for the peer's Delete; it
/// neither rekeys nor checks liveness, and goes on its own if the Delete never comes.
pub(crate) fn redundant(sa: &mut IkeSa, cx: &mut Cx<'_>, winner: IkeSaId) {
    if let State::Established(est) = &mut sa.state {
        est.ops.superseded_by = Some(winner);
        est.ops.life.ike_rekey_at = None;
        retry::forget_ike_rekey(est);
        sa.core.timers.clear(Timer::Dpd);
        ike_rekey::await_peer_delete(est, &sa.core, cx);
        lifetime::arm(est, &mut sa.core);
    }
}

/// The CHILD SAs of `core` with their lifetimes and their tasks, each with when to
/// start it (queued ones at once, retries at their time), taken out for a move to
/// the IKE SA that replaces it.
pub(crate) fn take_children(
    est: &mut Established,
    core: &mut SaCore,
) -> (Vec<(ChildSaId, ChildLife)>, Vec<Timed>) {
    let children: Vec<(ChildSaId, ChildLife)> = core
        .children
        .drain(..)
        .map(|c| (c, est.ops.life.children.remove(&c).unwrap_or_default()))
        .collect();
    let for_children = |t: &Task| {
        matches!(
            t.action,
            Action::RekeyChild { .. } | Action::DeleteChild { .. } | Action::CreateChild { .. }
        )
    };
    let (queued, rest): (Vec<Task>, Vec<Task>) = est.ops.queue.drain(..).partition(for_children);
    est.ops.queue = rest.into();
    let mut tasks: Vec<Timed> = queued.into_iter().map(|t| (Time::ZERO, t)).collect();
    // Retries waiting for their time go along and keep it.
    let (delayed, rest): (Vec<_>, Vec<_>) = est
        .ops
        .life
        .delayed
        .drain(..)
        .partition(|(_, t)| for_children(t));
    est.ops.life.delayed = rest;
    tasks.extend(delayed);
    (children, tasks)
}

/// A timer of the established SA fired.
pub(crate) fn on_timer(sa: &mut IkeSa, cx: &mut Cx<'_>, timer: Timer) {
    let State::Established(est) = &mut sa.state else {
        return;
    };
    let flow = match timer {
        Timer::Dpd => liveness::on_timer(est, &mut sa.core, cx),
        _ => lifetime::on_timer(est, &mut sa.core, cx),
    };
    if flow == Flow::Close {
        sa.state = State::Closing;
        return;
    }
    start_next(est, &mut sa.core, cx);
    lifetime::arm(est, &mut sa.core);
}

/// The reason an SA goes down when a request's retransmissions are spent: on an
/// established SA the peer is dead (§2.4), and that is reported.
pub(crate) fn give_up_reason(sa: &IkeSa, cx: &mut Cx<'_>, reason: DownReason) -> DownReason {
    match (&sa.state, reason) {
        // A replaced SA's own Delete went unanswered: the SA that replaced it
        // decides about the peer, this one just times out.
        (State::Established(est), reason) if est.ops.superseded_by.is_some() => reason,
        (
            State::Established(_),
            DownReason::Timeout {
                exchange,
                message_id,
                transmissions,
            },
        ) => {
            cx.emit(
                Some(sa.core.id),
                EventKind::PeerDead {
                    exchange,
                    transmissions,
                },
            );
            DownReason::DeadPeer {
                exchange,
                message_id,
                transmissions,
            }
        }
        (_, reason) => reason,
    }
}

/// The child records of an engine an SA owns, by SPI we send with.
pub(crate) fn child_by_spi_out(core: &SaCore, cx: &Cx<'_>, spi_out: u32) -> Option<ChildSaId> {
    core.children
        .iter()
        .copied()
        .find(|id| cx.children.get(id).is_some_and(|c| c.spi_out == spi_out))
}

/// What `dynamic` stands for in traffic selectors (swanctl.conf(5)): on each side
/// its virtual IP if it got one, else its outer address. Returns (ours, the
/// peer's). The virtual IPs are ours if our configuration asked for them (`vips`),
/// else the peer's; the SA's role cannot tell after an IKE SA rekey (§2.18).
pub(crate) fn dynamic_ranges(core: &SaCore) -> (Vec<IpRange>, Vec<IpRange>) {
    let vips: Vec<IpRange> = core
        .virtual_ips
        .iter()
        .map(|a| IpRange::single(*a))
        .collect();
    let local = vec![IpRange::single(core.local.ip())];
    let remote = vec![IpRange::single(core.remote.ip())];
    if vips.is_empty() {
        (local, remote)
    } else if core.policy.config.vips.is_empty() {
        (local, vips)
    } else {
        (vips, remote)
    }
}

/// Orders of nonces for the collision rule (§2.8.1): a plain octet comparison.
pub(crate) fn lowest(nonces: &[&[u8]]) -> usize {
    let mut best = 0;
    for (i, n) in nonces.iter().enumerate() {
        if nonces.get(best).is_some_and(|b| *n < *b) {
            best = i;
        }
    }
    best
}
