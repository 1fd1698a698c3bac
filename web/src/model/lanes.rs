//! The timeline's columns (the two peers, third parties, the NAT box and firewall)
//! and what sits on a peer's lane: state changes, SAs up and down.

use ikelab_engine::event::EventKind;
use ikelab_engine::trace::{NETWORK_PEER, Trace};

use super::flights::Flight;
use super::lines::Line;

/// The columns of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Lanes {
    /// The left lane (the peer that initiates), normally "initiator".
    pub(crate) left: String,
    /// The right lane, normally "responder".
    pub(crate) right: String,
    /// Other senders (cookie-flood's `attacker`): a lane at the edge of the network.
    pub(crate) third: Vec<String>,
    /// The peer behind the NAT box, when the scenario has one.
    pub(crate) nat_behind: Option<String>,
    /// What the firewall blocks, when the scenario has one.
    pub(crate) firewall: Option<String>,
}

/// What a mark on a lane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MarkKind {
    State,
    Up,
    Down,
}

/// A state change or SA event on a peer's lane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LaneMark {
    pub(crate) peer: String,
    pub(crate) t_us: u64,
    pub(crate) line: usize,
    pub(crate) kind: MarkKind,
    /// Short text for the lane ("ESTABLISHED", "IKE SA up", "CHILD SA up").
    pub(crate) text: String,
}

/// The lanes of a trace: its declared peers, left and right first.
pub(crate) fn lanes(trace: &Trace, flights: &[Flight]) -> Lanes {
    let mut names: Vec<String> = trace.peers.iter().map(|p| p.name.clone()).collect();
    for f in flights {
        for name in [&f.from, &f.to] {
            if !name.is_empty() && name != NETWORK_PEER && !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    let left = pick(&names, "initiator", 0);
    let right = pick(&names, "responder", 1);
    let third = names
        .iter()
        .filter(|n| **n != left && **n != right)
        .cloned()
        .collect();
    Lanes {
        left,
        right,
        third,
        nat_behind: None,
        firewall: None,
    }
}

fn pick(names: &[String], wanted: &str, fallback: usize) -> String {
    if names.iter().any(|n| n == wanted) {
        return wanted.to_owned();
    }
    names
        .get(fallback)
        .cloned()
        .unwrap_or_else(|| wanted.to_owned())
}

/// The marks of a trace, for the event-list lines that change a peer's state.
pub(crate) fn marks(trace: &Trace, lines: &[Line]) -> Vec<LaneMark> {
    lines
        .iter()
        .enumerate()
        .filter_map(|(index, line)| {
            let event = trace.records.get(line.record)?.event()?;
            let (kind, text) = match &event.kind {
                EventKind::StateChanged { to, .. } => (MarkKind::State, format!("{to:?}")),
                EventKind::IkeSaUp(_) => (MarkKind::Up, "IKE SA up".to_owned()),
                EventKind::IkeSaDown { .. } => (MarkKind::Down, "IKE SA down".to_owned()),
                EventKind::ChildSaUp(c) => (MarkKind::Up, format!("CHILD SA {} up", c.name)),
                EventKind::ChildSaDown { .. } => (MarkKind::Down, "CHILD SA down".to_owned()),
                EventKind::ChildSaFailed { name, .. } => {
                    (MarkKind::Down, format!("CHILD SA {name} failed"))
                }
                _ => return None,
            };
            Some(LaneMark {
                peer: line.peer.clone(),
                t_us: line.t_us,
                line: index,
                kind,
                text,
            })
        })
        .collect()
}
