//! Lifetimes, as swanctl.conf(5) configures them and charon applies them.
//!
//! - IKE SA: a rekey at `rekey_time` minus a random part of up to `rand_time`; if it
//!   has not been replaced `over_time` after that, it is deleted (hard limit).
//! - CHILD SA: a rekey at `rekey_time` minus up to `rand_time`; deleted at
//!   `life_time` (hard). Byte and packet limits come from the ESP counters through
//!   [`Engine::on_child_volume_limit`](crate::Engine).
//!
//! The random parts come from the engine's injected RNG, so a seeded run rekeys at
//! the same instants every time. All deadlines of one IKE SA (and the retries of
//! failed exchanges, see [`retry`](super::retry)) share one `Lifetime` timer at the
//! earliest.

use std::collections::BTreeMap;

use super::{Established, Flow, Task, enqueue};
use crate::event::{Action, Cause, DownReason, EventKind, LifetimeLimit};
use crate::ike::context::Cx;
use crate::ike::datagram::Time;
use crate::ike::ids::ChildSaId;
use crate::ike::sa::SaCore;
use crate::ike::timers::Timer;
use crate::wire::iana::ExchangeType;
use crate::wire::{DeletePayload, Payload};

/// Soft and hard deadlines of a CHILD SA.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ChildLife {
    pub(crate) rekey_at: Option<Time>,
    pub(crate) expire_at: Option<Time>,
}

/// Every deadline of one IKE SA.
#[derive(Debug, Default)]
pub(crate) struct Lifetimes {
    pub(crate) ike_rekey_at: Option<Time>,
    pub(crate) ike_expire_at: Option<Time>,
    pub(crate) children: BTreeMap<ChildSaId, ChildLife>,
    /// Tasks to start later (retries of failed exchanges).
    pub(crate) delayed: Vec<super::Timed>,
}

/// A random duration in [0, max] from the engine's RNG.
pub(crate) fn random_up_to(cx: &mut Cx<'_>, max: Time) -> Time {
    let max_us = u64::try_from(max.as_micros()).unwrap_or(u64::MAX);
    if max_us == 0 {
        return Time::ZERO;
    }
    Time::from_micros(cx.rng.next_u64() % max_us.saturating_add(1))
}

/// Arms the IKE SA's lifetimes and its liveness checks (a new SA, from IKE_AUTH or a
/// rekey).
pub(crate) fn arm_new_sa(est: &mut Established, core: &mut SaCore, cx: &mut Cx<'_>) {
    let config = &core.policy.config;
    let rekey = config.effective_rekey_time();
    let (rand, over) = (config.effective_rand_time(), config.effective_over_time());
    let dpd = config.dpd_delay;
    est.ops.last_heard = cx.now;
    if rekey.is_zero() {
        est.ops.life.ike_rekey_at = None;
        est.ops.life.ike_expire_at = None;
    } else {
        let soft = cx
            .now
            .saturating_add(rekey.saturating_sub(random_up_to(cx, rand)));
        est.ops.life.ike_rekey_at = Some(soft);
        est.ops.life.ike_expire_at = Some(soft.saturating_add(over));
    }
    if !dpd.is_zero() {
        core.timers.set(Timer::Dpd, cx.now.saturating_add(dpd));
    }
}

/// Arms a new CHILD SA's lifetimes from its configuration.
pub(crate) fn arm_child(est: &mut Established, core: &SaCore, cx: &mut Cx<'_>, child: ChildSaId) {
    let Some(name) = cx.children.get(&child).map(|c| c.name.clone()) else {
        return;
    };
    let Some(config) = core
        .policy
        .children
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.config.clone())
    else {
        return;
    };
    let rekey_at = (!config.rekey_time.is_zero()).then(|| {
        let off = random_up_to(cx, config.effective_rand_time());
        cx.now.saturating_add(config.rekey_time.saturating_sub(off))
    });
    let life = config.effective_life_time();
    let expire_at = (!life.is_zero()).then(|| cx.now.saturating_add(life));
    est.ops.life.children.insert(
        child,
        ChildLife {
            rekey_at,
            expire_at,
        },
    );
}

/// Sets the `Lifetime` timer to the earliest deadline.
pub(crate) fn arm(est: &Established, core: &mut SaCore) {
    let life = &est.ops.life;
    let next = [life.ike_rekey_at, life.ike_expire_at]
        .into_iter()
        .chain(
            life.children
                .values()
                .flat_map(|c| [c.rekey_at, c.expire_at]),
        )
        .chain(life.delayed.iter().map(|(t, _)| Some(*t)))
        .flatten()
        .min();
    match next {
        Some(at) => core.timers.set(Timer::Lifetime, at),
        None => core.timers.clear(Timer::Lifetime),
    }
}

fn soft(limit: LifetimeLimit) -> Cause {
    Cause::Lifetime { limit, hard: false }
}

fn hard(limit: LifetimeLimit) -> Cause {
    Cause::Lifetime { limit, hard: true }
}

/// The `Lifetime` timer fired: start what is due.
pub(crate) fn on_timer(est: &mut Established, core: &mut SaCore, cx: &mut Cx<'_>) -> Flow {
    let now = cx.now;
    let life = &mut est.ops.life;
    if life.ike_expire_at.is_some_and(|t| t <= now) {
        let (cause, reason) = if est.ops.superseded_by.is_some() {
            // Replaced by a rekey and the peer never deleted it: we do.
            (
                Cause::Rekeyed,
                DownReason::Deleted {
                    cause: Cause::Rekeyed,
                },
            )
        } else {
            (hard(LifetimeLimit::OverTime), DownReason::Expired)
        };
        return expire_ike(core, cx, cause, reason);
    }
    let mut tasks = Vec::new();
    if life.ike_rekey_at.is_some_and(|t| t <= now) {
        life.ike_rekey_at = None;
        tasks.push((
            false,
            Task {
                action: Action::RekeyIke,
                cause: soft(LifetimeLimit::RekeyTime),
            },
        ));
    }
    for (child, l) in &mut life.children {
        if l.expire_at.is_some_and(|t| t <= now) {
            l.expire_at = None;
            l.rekey_at = None;
            tasks.push((
                true,
                Task {
                    action: Action::DeleteChild { child: *child },
                    cause: hard(LifetimeLimit::LifeTime),
                },
            ));
        } else if l.rekey_at.is_some_and(|t| t <= now) {
            l.rekey_at = None;
            tasks.push((
                false,
                Task {
                    action: Action::RekeyChild { child: *child },
                    cause: soft(LifetimeLimit::RekeyTime),
                },
            ));
        }
    }
    let (due, later): (Vec<_>, Vec<_>) = life.delayed.drain(..).partition(|(t, _)| *t <= now);
    life.delayed = later;
    tasks.extend(due.into_iter().map(|(_, t)| (false, t)));
    for (front, task) in tasks {
        enqueue(est, task, front);
    }
    Flow::Stay
}

/// The IKE SA's hard lifetime: it was not replaced in time (or, replaced, the peer
/// did not delete it). A Delete is sent once (§1.4.1) and the SA ends without
/// waiting.
fn expire_ike(core: &mut SaCore, cx: &mut Cx<'_>, cause: Cause, reason: DownReason) -> Flow {
    let sent = core.window.outstanding.is_none()
        && core
            .send_request_once(
                cx,
                ExchangeType::INFORMATIONAL,
                vec![Payload::Delete(DeletePayload::ike())],
            )
            .is_ok();
    if sent {
        cx.emit(
            Some(core.id),
            EventKind::ExchangeStarted {
                action: Action::DeleteIke,
                cause,
                exchange: ExchangeType::INFORMATIONAL,
                message_id: core.window.next_request_id.wrapping_sub(1),
            },
        );
    }
    core.go_down(cx, reason, false);
    Flow::Close
}
