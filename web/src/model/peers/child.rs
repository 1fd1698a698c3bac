//! The facts about a CHILD SA (RFC 7296 §1.3, §2.8), folded into its state: made
//! by `ChildSaUp` with its configured lifetimes and an empty replay window, moved to
//! a new IKE SA by `ChildSasInherited` (§2.18), replaced by `ChildSaRekeyed`, ended
//! by `ChildSaDown`; the ESP packets it sealed and opened (RFC 4303 §3.3, §3.4),
//! those refused, and the volume limits it crossed (RFC 4301 §4.4.2.1). A CHILD SA
//! that could not be created (`ChildSaFailed`) is listed apart.

use ikelab_engine::event::ChildSaUp;

use super::facts::{Fact, What};
use super::fold::{ChildFold, PeerFold};
use super::lifetimes::Lifetimes;
use super::replay;
use super::state::{ChildSaState, Ending, FailedChild, RefusedPacket, Traffic};

impl PeerFold {
    fn child(&mut self, id: u64) -> Option<&mut ChildFold> {
        self.children.iter_mut().find(|c| c.state.id == id)
    }

    /// The facts about a CHILD SA.
    pub(super) fn apply_child(&mut self, fact: &Fact, config: Option<&Lifetimes>) {
        let ending = |text: String| Ending {
            text,
            record: fact.record,
            t_us: fact.t_us,
        };
        match &fact.what {
            What::ChildUp(up) => {
                let child = new_child(up, fact, config);
                self.children.push(child);
            }
            What::ChildFailed { name, reason } => self.failed_children.push(FailedChild {
                name: name.clone(),
                ike_sa: fact.ike_sa,
                reason: reason.clone(),
                record: fact.record,
                t_us: fact.t_us,
            }),
            What::ChildDown { child, reason } => {
                if let Some(c) = self.child(*child) {
                    c.state.ended = Some(ending(reason.clone()));
                }
            }
            What::ChildRekeyed { old, new, cause } => {
                if let Some(c) = self.child(*old) {
                    c.state.replaced_by =
                        Some(ending(format!("replaced by CHILD SA #{new} ({cause})")));
                }
                if let Some(c) = self.child(*new) {
                    c.state.replaces = Some(*old);
                }
            }
            What::VolumeLimit { child, text } => {
                if let Some(c) = self.child(*child) {
                    c.state.limits.push(text.clone());
                }
            }
            What::Sealed {
                child,
                length,
                sequence,
            } => {
                if let Some(c) = self.child(*child) {
                    count(&mut c.state.sealed, *length, *sequence);
                }
            }
            What::Opened {
                child,
                length,
                sequence,
            } => {
                if let Some(c) = self.child(*child) {
                    count(&mut c.state.opened, *length, *sequence);
                    // The data plane committed it after the ICV verified (§3.4.3);
                    // the trace's order is the engine's, so it cannot be refused here.
                    let _ = c.window.commit(*sequence);
                }
            }
            What::Refused {
                child: Some(child),
                sequence,
                kind,
                reason,
            } => {
                if let Some(c) = self.child(*child) {
                    c.state.refused.push(RefusedPacket {
                        sequence: *sequence,
                        kind: kind.name(),
                        reason: reason.clone(),
                        record: fact.record,
                    });
                }
            }
            What::Refused { child: None, .. } => {}
            What::Inherited(children) => {
                for id in children {
                    if let Some(c) = self.child(*id) {
                        c.state.ike_sa = fact.ike_sa;
                    }
                }
            }
            _ => {}
        }
    }
}

/// A new CHILD SA, with its lifetimes from the configuration (charon: a rekey at
/// `rekey_time` minus up to `rand_time`, expiry at `life_time`, RFC 7296 §2.8).
fn new_child(up: &ChildSaUp, fact: &Fact, config: Option<&Lifetimes>) -> ChildFold {
    let child_config = config.and_then(|c| c.child(&up.name));
    let since = fact.t_us;
    let rekey = child_config.and_then(|c| c.rekey_deadline(since));
    let expire = child_config.and_then(|c| c.expire_deadline(since));
    let (window, replay) = replay::new_window(child_config, up.esn);
    ChildFold {
        state: ChildSaState {
            id: up.child.0,
            name: up.name.clone(),
            ike_sa: fact.ike_sa,
            spi_in: up.spi_in,
            spi_out: up.spi_out,
            proposal: up.proposal.clone(),
            esn: up.esn,
            mode: match up.mode {
                ikelab_engine::config::Mode::Tunnel => "tunnel",
                ikelab_engine::config::Mode::Transport => "transport",
            },
            udp_encap: up.udp_encap,
            local_ts: up.local_ts.iter().map(ToString::to_string).collect(),
            remote_ts: up.remote_ts.iter().map(ToString::to_string).collect(),
            up_us: since,
            rekey,
            expire,
            sealed: Traffic::default(),
            opened: Traffic::default(),
            refused: Vec::new(),
            replay,
            limits: Vec::new(),
            replaces: None,
            replaced_by: None,
            ended: None,
            record: fact.record,
        },
        window,
    }
}

fn count(traffic: &mut Traffic, length: u64, sequence: u64) {
    traffic.packets += 1;
    traffic.esp_bytes = traffic.esp_bytes.saturating_add(length);
    traffic.highest_sequence = traffic.highest_sequence.max(sequence);
}
