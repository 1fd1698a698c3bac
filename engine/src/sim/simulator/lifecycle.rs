//! The script's lifecycle actions: the engine's commands on an established IKE SA
//! (CREATE_CHILD_SA, rekeys, deletes, liveness checks; RFC 7296 §1.3, §1.4, §2.4,
//! §2.8, §2.18). Which SA each acts on is the rule of `sim/target.rs`. A
//! command that cannot be given (the peer is down, has no such SA, or the engine
//! refuses it) is a [`NetworkEvent::ScriptFailed`] record, and the run fails.

use super::Simulator;
use crate::ike::Engine;
use crate::sim::script::Action;
use crate::sim::target;
use crate::trace::ActionFailure;
use crate::trace::network::NetworkEvent;

impl Simulator<'_> {
    /// Gives `action` (one of the lifecycle actions) to its peer's engine.
    pub(super) fn run_lifecycle(&mut self, action: &Action) {
        let Some(peer) = action.peer() else {
            return;
        };
        let Some(index) = self.node_index(peer) else {
            return;
        };
        let now = self.now;
        let result = match self.nodes.get_mut(index).and_then(|n| n.engine.as_mut()) {
            Some(engine) => command(engine, now, action),
            None => Err(ActionFailure::PeerDown),
        };
        if let Err(failure) = result {
            self.network_record(NetworkEvent::ScriptFailed {
                action: action.describe(),
                failure,
            });
        }
        self.collect(index);
    }
}

/// The engine command of a lifecycle action, on the SA the script's rule picks.
fn command(
    engine: &mut Engine,
    now: crate::ike::Time,
    action: &Action,
) -> Result<(), ActionFailure> {
    let refused = |error| ActionFailure::CommandRefused { error };
    match action {
        Action::CreateChild { child, .. } => {
            let ike = target::ike_sa(engine)?;
            engine.create_child(now, ike, child).map_err(refused)
        }
        Action::RekeyChild { child, .. } => {
            let id = target::child_sa(engine, child.as_deref())?;
            engine.rekey_child(now, id).map_err(refused)
        }
        Action::RekeyIke { .. } => {
            let ike = target::ike_sa(engine)?;
            engine.rekey_ike(now, ike).map_err(refused)
        }
        Action::DeleteChild { child, .. } => {
            let id = target::child_sa(engine, child.as_deref())?;
            engine.delete_child(now, id).map_err(refused)
        }
        Action::DeleteIke { .. } => {
            let ike = target::ike_sa(engine)?;
            engine.delete_ike(now, ike).map_err(refused)
        }
        Action::CheckLiveness { .. } => {
            let ike = target::ike_sa(engine)?;
            engine.check_liveness(now, ike).map_err(refused)
        }
        // `run_lifecycle` is called for the lifecycle actions above only
        // (`Simulator::run_action`); the others have nothing to command here.
        _ => Ok(()),
    }
}
