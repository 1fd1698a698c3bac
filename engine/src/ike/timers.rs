//! Timers as data (the idea of quinn-proto's `TimerTable`): each IKE SA has one
//! deadline per kind of timer, and the engine keeps every armed deadline in one
//! ordered queue, so `poll_timeout` is the queue's first entry and `handle_timeout`
//! pops what has expired. Nothing here reads a clock.

use std::collections::BTreeSet;

use super::datagram::Time;
use super::ids::IkeSaId;
pub use crate::event::Timer;

impl Timer {
    /// Every kind, in table order.
    pub const ALL: [Self; 6] = [
        Self::Retransmit,
        Self::HalfOpen,
        Self::Keepalive,
        Self::Linger,
        Self::Dpd,
        Self::Lifetime,
    ];

    fn index(self) -> usize {
        match self {
            Self::Retransmit => 0,
            Self::HalfOpen => 1,
            Self::Keepalive => 2,
            Self::Linger => 3,
            Self::Dpd => 4,
            Self::Lifetime => 5,
        }
    }
}

/// The deadlines of one IKE SA.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TimerTable {
    deadlines: [Option<Time>; 6],
}

impl TimerTable {
    pub(crate) fn set(&mut self, timer: Timer, at: Time) {
        self.deadlines[timer.index()] = Some(at);
    }

    pub(crate) fn clear(&mut self, timer: Timer) {
        self.deadlines[timer.index()] = None;
    }

    pub(crate) fn get(&self, timer: Timer) -> Option<Time> {
        self.deadlines[timer.index()]
    }

    /// (timer, deadline) for every armed timer.
    pub(crate) fn armed(&self) -> impl Iterator<Item = (Timer, Time)> + '_ {
        Timer::ALL
            .into_iter()
            .filter_map(|t| self.get(t).map(|at| (t, at)))
    }
}

/// Every armed deadline of every IKE SA, in deadline order.
#[derive(Debug, Default)]
pub(crate) struct TimerQueue {
    queue: BTreeSet<(Time, IkeSaId, Timer)>,
}

impl TimerQueue {
    /// Replaces the entries of `sa` that were `before` with those that are `after`.
    /// Returns the timers whose deadline changed (for the trace).
    pub(crate) fn update(
        &mut self,
        sa: IkeSaId,
        before: &TimerTable,
        after: &TimerTable,
    ) -> Vec<(Timer, Option<Time>)> {
        let mut changed = Vec::new();
        for timer in Timer::ALL {
            let (old, new) = (before.get(timer), after.get(timer));
            if old == new {
                continue;
            }
            if let Some(at) = old {
                self.queue.remove(&(at, sa, timer));
            }
            if let Some(at) = new {
                self.queue.insert((at, sa, timer));
            }
            changed.push((timer, new));
        }
        changed
    }

    /// Removes every entry of an SA that is going away.
    pub(crate) fn remove_all(&mut self, sa: IkeSaId, table: &TimerTable) {
        for (timer, at) in table.armed() {
            self.queue.remove(&(at, sa, timer));
        }
    }

    /// The earliest deadline.
    pub(crate) fn next(&self) -> Option<Time> {
        self.queue.first().map(|(at, _, _)| *at)
    }

    /// The earliest entry if it is due at `now`, taken out of the queue.
    pub(crate) fn pop_due(&mut self, now: Time) -> Option<(IkeSaId, Timer, Time)> {
        let first = *self.queue.first()?;
        if first.0 > now {
            return None;
        }
        self.queue.remove(&first);
        Some((first.1, first.2, first.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::time::Duration;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn queue_orders_deadlines_and_follows_updates() {
        let mut q = TimerQueue::default();
        let (a, b) = (IkeSaId(1), IkeSaId(2));
        let mut ta = TimerTable::default();
        let before = ta;
        ta.set(Timer::Retransmit, Duration::from_secs(5));
        q.update(a, &before, &ta);
        let mut tb = TimerTable::default();
        tb.set(Timer::HalfOpen, Duration::from_secs(3));
        q.update(b, &TimerTable::default(), &tb);
        assert_eq!(q.next(), Some(Duration::from_secs(3)));
        // Moving b's deadline later leaves a first.
        let old = tb;
        tb.set(Timer::HalfOpen, Duration::from_secs(9));
        assert_eq!(
            q.update(b, &old, &tb),
            vec![(Timer::HalfOpen, Some(Duration::from_secs(9)))]
        );
        assert_eq!(q.next(), Some(Duration::from_secs(5)));
        assert_eq!(q.pop_due(Duration::from_secs(4)), None);
        assert_eq!(
            q.pop_due(Duration::from_secs(5)),
            Some((a, Timer::Retransmit, Duration::from_secs(5)))
        );
        q.remove_all(b, &tb);
        assert_eq!(q.next(), None);
    }
}
