//! The fold: one peer's state built from the facts a step has played, in record
//! order; the facts about an IKE SA itself go to [`super::ike`], those about a
//! CHILD SA to [`super::child`]. At the end of the step the CHILD SAs join their IKE
//! SAs, with their lifetimes ([`super::lifetimes`]) and replay windows
//! ([`super::replay`]).

use ikelab_engine::child::ReplayWindow;

use super::Column;
use super::decisions::DecisionItem;
use super::facts::{Fact, What};
use super::lifetimes::{Due, Lifetimes, child_deadlines, ike_deadlines};
use super::replay;
use super::state::{ChildSaState, FailedChild, IkeSaState, PeerState, Phase};

/// One peer's state while the facts are folded.
#[derive(Debug, Default)]
pub(super) struct PeerFold {
    pub(super) ike_sas: Vec<IkeSaState>,
    pub(super) children: Vec<ChildFold>,
    pub(super) failed_children: Vec<FailedChild>,
    pub(super) decisions: Vec<DecisionItem>,
    /// The latest deadlines the engine armed timers for: (IKE SA, due) and
    /// (CHILD SA, due).
    pub(super) ike_timers: Vec<(u64, Due, u64)>,
    pub(super) child_timers: Vec<(u64, Due, u64)>,
}

/// A CHILD SA while the facts are folded, with its inbound replay window.
#[derive(Debug)]
pub(super) struct ChildFold {
    pub(super) state: ChildSaState,
    pub(super) window: ReplayWindow,
}

impl PeerFold {
    pub(super) fn apply(&mut self, fact: &Fact, config: Option<&Lifetimes>) {
        match &fact.what {
            What::Decision(item) => self.decisions.push(item.clone()),
            What::Deadline { purpose, at_us } => {
                let (list, id) = match purpose {
                    Due::HalfOpen | Due::IkeRekey | Due::IkeExpire => match fact.ike_sa {
                        Some(id) => (&mut self.ike_timers, id),
                        None => return,
                    },
                    Due::ChildRekey(child) | Due::ChildExpire(child) => {
                        (&mut self.child_timers, *child)
                    }
                };
                list.retain(|(i, p, _)| !(*i == id && p == purpose));
                list.push((id, *purpose, *at_us));
            }
            What::ChildUp(_)
            | What::ChildFailed { .. }
            | What::ChildDown { .. }
            | What::ChildRekeyed { .. }
            | What::VolumeLimit { .. }
            | What::Sealed { .. }
            | What::Opened { .. }
            | What::Refused { .. }
            | What::Inherited(_) => self.apply_child(fact, config),
            _ => self.apply_ike(fact),
        }
    }

    pub(super) fn finish(self, column: &Column, now_us: u64) -> PeerState {
        let Self {
            mut ike_sas,
            children,
            failed_children,
            decisions,
            ike_timers,
            child_timers,
        } = self;
        let config = column.config.as_ref();
        let mut loose_children = Vec::new();
        for sa in &mut ike_sas {
            if sa.replaced_by.is_some() && sa.phase == Phase::Up {
                sa.phase = Phase::Replaced;
            }
            ike_deadlines(sa, &ike_timers, config);
        }
        for ChildFold { mut state, window } in children {
            replay::show(&mut state.replay, &window, &state.refused);
            child_deadlines(&mut state, &child_timers);
            match state
                .ike_sa
                .and_then(|id| ike_sas.iter_mut().find(|s| s.id == id))
            {
                Some(sa) => sa.children.push(state),
                None => loose_children.push(state),
            }
        }
        PeerState {
            name: column.name.clone(),
            now_us,
            ike_sas,
            loose_children,
            failed_children,
            decisions,
        }
    }
}
