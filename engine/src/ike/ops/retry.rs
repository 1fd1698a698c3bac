//! Trying a failed exchange again later, the one retry mechanism of an established
//! IKE SA:
//!
//! - any CREATE_CHILD_SA we started that the peer answered with TEMPORARY_FAILURE
//!   (RFC 7296 §2.25: "the sender should retry later");
//! - a CHILD SA or IKE SA rekey that failed in any other way: an error notify of the
//!   peer (NO_PROPOSAL_CHOSEN, INVALID_KE_PAYLOAD after its one retry,
//!   TS_UNACCEPTABLE, ...), an answer we could not use, or a request we could not
//!   make. The old SA goes on working (§2.8: it is deleted only once its replacement
//!   is up), and charon tries the rekey again until it is gone.
//!
//! The delay is charon's for both rekeys (and for TEMPORARY_FAILURE): 15 s minus a
//! random number of whole seconds below 10, so 6 to 15 s, the random part from the
//! engine's injected RNG. There is no retry for an SA whose hard lifetime comes
//! first, that is being deleted, or that was replaced meanwhile (by the peer's rekey,
//! or, for the IKE SA, by a rekey of either side); a pending retry is forgotten when
//! its SA goes.

use super::{Established, Task, done};
use crate::event::{Action, Cause, Outcome};
use crate::ike::context::Cx;
use crate::ike::datagram::{Time, micros};
use crate::ike::ids::ChildSaId;
use crate::ike::sa::SaCore;

/// The longest delay before a retry (charon's `RETRY_INTERVAL`).
const RETRY_INTERVAL_SECS: u64 = 15;
/// The random part subtracted from it is a whole number of seconds below this
/// (charon's `RETRY_JITTER`).
const RETRY_JITTER_SECS: u64 = 10;

/// The delay before a retry, from one random number: 6 to 15 s.
fn delay(random: u64) -> Time {
    Time::from_secs(RETRY_INTERVAL_SECS - random % RETRY_JITTER_SECS)
}

/// Whether a retry at `at` would come to nothing: the SA it would rekey is being
/// deleted or was replaced, or its hard lifetime ends first.
fn futile(est: &Established, action: &Action, at: Time) -> bool {
    match action {
        Action::RekeyChild { child } => {
            est.ops.deleting.contains(child)
                || est.ops.replaced.contains(child)
                || est
                    .ops
                    .life
                    .children
                    .get(child)
                    .is_none_or(|life| life.expire_at.is_some_and(|end| at >= end))
        }
        Action::RekeyIke => {
            est.ops.superseded_by.is_some()
                || est.ops.life.ike_expire_at.is_some_and(|end| at >= end)
        }
        _ => false,
    }
}

/// The attempt of `task` ended with `failure`: schedules a retry and reports it as
/// `RetryAt`, or, if a retry would come to nothing, reports `failure` as final.
pub(crate) fn after_failure(
    est: &mut Established,
    core: &SaCore,
    cx: &mut Cx<'_>,
    task: &Task,
    failure: Outcome,
) {
    let at = cx.now.saturating_add(delay(cx.rng.next_u64()));
    if futile(est, &task.action, at) {
        done(core, cx, task, failure);
        return;
    }
    done(
        core,
        cx,
        task,
        Outcome::RetryAt {
            at_us: micros(at),
            failure: Box::new(failure),
        },
    );
    // One pending retry per action: the newest failure sets its time.
    est.ops
        .life
        .delayed
        .retain(|(_, t)| t.action != task.action);
    est.ops.life.delayed.push((
        at,
        Task {
            action: task.action.clone(),
            cause: Cause::Retry,
        },
    ));
}

/// The CHILD SA is being deleted, was deleted or was replaced: its pending rekey
/// retry is dropped.
pub(crate) fn forget_child(est: &mut Established, child: ChildSaId) {
    est.ops
        .life
        .delayed
        .retain(|(_, t)| t.action != Action::RekeyChild { child });
}

/// The IKE SA was replaced: its pending rekey retry is dropped.
pub(crate) fn forget_ike_rekey(est: &mut Established) {
    est.ops
        .life
        .delayed
        .retain(|(_, t)| t.action != Action::RekeyIke);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_takes_every_whole_second_from_6_to_15() {
        let mut seen: Vec<u64> = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 19, u64::MAX]
            .into_iter()
            .map(|r| delay(r).as_secs())
            .collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen, (6..=15).collect::<Vec<u64>>());
        assert_eq!(delay(0), Time::from_secs(15));
        assert_eq!(delay(9), Time::from_secs(6));
    }
}
