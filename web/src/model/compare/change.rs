//! The one change run B makes to run A's scenario (a seed, NAT in front of the
//! initiator, a pre-shared key, the initiator's IKE proposal), checked as a scenario
//! file is, and run B played with it in the engine's simulator.

use ikelab_engine::config::PskText;
use ikelab_engine::sim::scenario::NatSpec;
use ikelab_engine::sim::{self, Scenario};
use ikelab_engine::trace::Trace;

use crate::model::lines::{self, Line};

/// The public address of the NAT box Compare puts in front of the initiator: the
/// editor's (TEST-NET-3, reserved for documentation, RFC 5737 §3).
pub(crate) use crate::model::edit::fields::NAT_PUBLIC as NAT_PUBLIC_ADDRESS;

/// Which peer's configuration a change touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Initiator,
    Responder,
}

impl Side {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Initiator => "initiator",
            Self::Responder => "responder",
        }
    }
}

/// The one change run B makes to run A's scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    /// Another seed: other SPIs, nonces and keys, other losses on a lossy link.
    Seed(u64),
    /// A NAT box in front of the initiator (`true`) or none (`false`).
    Nat(bool),
    /// Another pre-shared key for one side (RFC 7296 §2.15).
    Psk { side: Side, psk: String },
    /// The initiator's IKE proposals, in strongSwan's syntax, comma-separated
    /// ("aes128-sha256-modp2048, aes256gcm16-prfsha256-x25519").
    Proposals(String),
}

impl Change {
    /// The change in words, for the heading of run B.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Seed(seed) => format!("seed {seed}"),
            Self::Nat(true) => format!("a NAT in front of the initiator ({NAT_PUBLIC_ADDRESS})"),
            Self::Nat(false) => "no NAT".to_owned(),
            Self::Psk { side, .. } => format!("another pre-shared key on the {}", side.name()),
            Self::Proposals(text) => format!("initiator's IKE proposal {}", text.trim()),
        }
    }
}

/// Run A's scenario with `change` made, checked as a scenario file is
/// (`Scenario::check`): the error is a sentence for the page.
pub(crate) fn apply(scenario: &Scenario, change: &Change) -> Result<Scenario, String> {
    let mut changed = scenario.clone();
    match change {
        // The seed is not part of the scenario: see `run_changed`.
        Change::Seed(_) => {}
        Change::Nat(true) => {
            if changed.network.nat.is_none() {
                changed.network.nat = Some(NatSpec {
                    peer: Side::Initiator.name().to_owned(),
                    public: NAT_PUBLIC_ADDRESS,
                    first_port: ikelab_engine::sim::scenario::DEFAULT_NAT_FIRST_PORT,
                    mapping_timeout: None,
                });
            }
        }
        Change::Nat(false) => changed.network.nat = None,
        Change::Psk { side, psk } => {
            if psk.is_empty() {
                return Err("Type a pre-shared key: an empty key is no key.".to_owned());
            }
            let config = match side {
                Side::Initiator => &mut changed.initiator,
                Side::Responder => &mut changed.responder,
            };
            config.secrets.psk = Some(PskText::new(psk.clone()));
            config.secrets.psk_file = None;
        }
        Change::Proposals(text) => {
            let proposals: Vec<String> = text
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect();
            if proposals.is_empty() {
                return Err(
                    "Type at least one IKE proposal, such as aes256gcm16-prfsha256-x25519."
                        .to_owned(),
                );
            }
            changed.initiator.proposals = proposals;
        }
    }
    changed
        .check()
        .map_err(|e| format!("Run B cannot start: the changed {e}."))?;
    Ok(changed)
}

/// Run B: its seed, trace and event lines.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChangedRun {
    pub(crate) change: Change,
    pub(crate) seed: u64,
    pub(crate) trace: Trace,
    pub(crate) lines: Vec<Line>,
}

/// Plays run A's `scenario` again with `change` (with `seed_a`, run A's seed, unless
/// the change is the seed), in the engine's simulator.
pub(crate) fn run_changed(
    scenario: &Scenario,
    seed_a: u64,
    change: &Change,
) -> Result<ChangedRun, String> {
    let changed = apply(scenario, change)?;
    let seed = match change {
        Change::Seed(seed) => *seed,
        _ => seed_a,
    };
    let trace = sim::run(&changed, seed).trace;
    let lines = lines::lines(&trace);
    Ok(ChangedRun {
        change: change.clone(),
        seed,
        trace,
        lines,
    })
}
