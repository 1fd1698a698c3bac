//! The peers panel: each peer's IKE and CHILD SAs at a step of the run, and the
//! decisions it took so far, read from the trace.
//!
//! [`PeersModel::new`] reads a run's trace once into a short list of facts
//! ([`facts`]: the records that change an SA, a counter or the decision list,
//! without their bytes and dissections); [`PeersModel::at`] folds the facts played
//! by a step into each peer's state ([`fold`], the types of [`state`]). A step is a
//! number of event-list lines played (`LabState::step`): it covers every record
//! before the next line's, so the timers a line armed are already known when it is
//! shown.
//!
//! What comes from where:
//! - IKE SAs (RFC 7296 §1.2, §2.18): `IkeSaCreated`, `StateChanged`, `IkeSaUp`,
//!   `IkeSaRekeyed`, `IkeSaDown`; their SPIs and Message IDs (§2.2) from the
//!   messages sent and received; the exchange in progress from `ExchangeStarted`
//!   and `ExchangeDone` ([`ike`]).
//! - CHILD SAs (§1.3, §2.8): `ChildSaUp`, `ChildSaRekeyed`, `ChildSasInherited`,
//!   `ChildSaDown`, `ChildSaFailed`, `ChildSaVolumeLimit` ([`child`]).
//! - Lifetimes: the engine's `Timer` records when they say, else the scenario's
//!   configuration, which bounds them ([`lifetimes`]).
//! - Counters: the ESP packets sealed and opened per CHILD SA (RFC 4303 §3.3,
//!   §3.4) ([`child`]), and its anti-replay window (§3.4.3) replayed through the
//!   engine's own `ReplayWindow` from the sequence numbers opened ([`replay`]).
//! - Decisions: the event list's decision lines (the engine's words), with what the
//!   decision refused ([`decisions`]).

pub(crate) mod child;
pub(crate) mod decisions;
pub(crate) mod facts;
pub(crate) mod fold;
pub(crate) mod ike;
pub(crate) mod lifetimes;
pub(crate) mod replay;
pub(crate) mod state;
#[cfg(test)]
mod tests;

pub(crate) use decisions::{DecisionItem, Verdict};
pub(crate) use lifetimes::{Deadline, DeadlineSource};
pub(crate) use replay::{REPLAY_CELLS_SHOWN, ReplayView, WindowSize};
pub(crate) use state::{ChildSaState, Ending, FailedChild, IkeSaState, PeerState, Phase, Traffic};

use super::Lab;
use facts::{Fact, read_facts};
use fold::PeerFold;
use lifetimes::Lifetimes;

/// A run read for the peers panel: build once per run, then [`at`](Self::at) per
/// step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PeersModel {
    columns: Vec<Column>,
    /// The facts of every peer, in record order.
    facts: Vec<Fact>,
    /// Per step (0 to the number of lines): the records it has played, `0..cut`.
    cuts: Vec<usize>,
    /// Per step: its virtual time.
    times: Vec<u64>,
}

/// One peer of the run, and what its configuration says about lifetimes.
#[derive(Debug, Clone, PartialEq)]
struct Column {
    name: String,
    config: Option<Lifetimes>,
}

impl PeersModel {
    /// Reads `lab`'s trace (and its scenario's configurations, for lifetimes and
    /// window sizes).
    pub(crate) fn new(lab: &Lab) -> Self {
        let mut columns: Vec<Column> = Vec::new();
        let lanes = std::iter::once(&lab.lanes.left)
            .chain(std::iter::once(&lab.lanes.right))
            .chain(lab.lanes.third.iter());
        for name in lanes {
            let has_events = lab
                .trace
                .records
                .iter()
                .any(|r| &r.peer == name && r.event().is_some());
            if has_events && !columns.iter().any(|c| &c.name == name) {
                let config = lab
                    .scenario
                    .as_deref()
                    .and_then(|s| match name.as_str() {
                        "initiator" => Some(&s.initiator),
                        "responder" => Some(&s.responder),
                        _ => None,
                    })
                    .map(Lifetimes::of);
                columns.push(Column {
                    name: name.clone(),
                    config,
                });
            }
        }
        let facts = read_facts(lab, &columns);
        let steps = lab.lines.len();
        let cuts = (0..=steps)
            .map(|step| {
                lab.lines
                    .get(step)
                    .map_or(lab.trace.records.len(), |l| l.record)
            })
            .collect();
        let times = (0..=steps)
            .map(|step| {
                step.checked_sub(1)
                    .and_then(|i| lab.lines.get(i))
                    .map_or(0, |l| l.t_us)
            })
            .collect();
        Self {
            columns,
            facts,
            cuts,
            times,
        }
    }

    /// Each peer's state after `step` lines (past the end: at the end).
    pub(crate) fn at(&self, step: usize) -> Vec<PeerState> {
        let last = self.cuts.len().saturating_sub(1);
        let step = step.min(last);
        let cut = self.cuts.get(step).copied().unwrap_or(0);
        let now_us = self.times.get(step).copied().unwrap_or(0);
        let played = self.facts.partition_point(|f| f.record < cut);
        let mut folds: Vec<PeerFold> = self.columns.iter().map(|_| PeerFold::default()).collect();
        for fact in self.facts.iter().take(played) {
            if let Some(fold) = folds.get_mut(fact.peer) {
                let config = self.columns.get(fact.peer).and_then(|c| c.config.as_ref());
                fold.apply(fact, config);
            }
        }
        folds
            .into_iter()
            .zip(&self.columns)
            .map(|(fold, column)| fold.finish(column, now_us))
            .collect()
    }
}

/// Each peer's state after `step` lines of `lab`: [`PeersModel::new`] then
/// [`PeersModel::at`] (the panel keeps the model for the run).
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn peer_states(lab: &Lab, step: usize) -> Vec<PeerState> {
    PeersModel::new(lab).at(step)
}
