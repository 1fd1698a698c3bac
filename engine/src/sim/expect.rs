//! `[expect]`: what a scenario's author says must come out of a run, per peer, and
//! the check of a finished run against it.
//!
//! ```toml
//! [expect.initiator]
//! ike_sa = "established"               # or "none": no live IKE SA at the end
//! child_sas = 1                        # CHILD SAs installed at the end
//! events = ["ike_sa_up", "decision:key_exchange:retrying"]
//! absent_events = ["ike_sa_down"]
//! notifies = ["INVALID_KE_PAYLOAD"]    # in a message this peer sent or received
//! absent_notifies = ["COOKIE"]
//! log = ["retransmit 1 of request"]    # substrings of the peer's transcript
//!
//! [expect.network]
//! events = ["dropped:loss"]
//! ```
//!
//! Event names are the `type` of the event's JSON, refined with a colon by its
//! `decision` or `kind` and then by its outcome: `ike_sa_down:timeout`,
//! `decision:cookie:demanded`, `child_sa_failed:peer_error`. Network event names are
//! [`NetworkEvent::names`](super::NetworkEvent::names).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::event::{Event, EventKind};
use crate::wire::Payload;

/// The final state of a peer's IKE SAs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedIkeSa {
    /// At least one IKE SA is established at the end.
    Established,
    /// No IKE SA is established or in progress at the end.
    None,
}

/// Expectations about one peer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PeerExpect {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ike_sa: Option<ExpectedIkeSa>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child_sas: Option<usize>,
    pub events: Vec<String>,
    pub absent_events: Vec<String>,
    pub notifies: Vec<String>,
    pub absent_notifies: Vec<String>,
    pub log: Vec<String>,
}

/// Expectations about the network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkExpect {
    pub events: Vec<String>,
    pub absent_events: Vec<String>,
}

/// The `[expect]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Expect {
    pub initiator: PeerExpect,
    pub responder: PeerExpect,
    pub network: NetworkExpect,
}

/// What a peer looked like at the end of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerOutcome {
    /// IKE SAs established at the end.
    pub established: usize,
    /// IKE SAs in progress (not established, not closing) at the end.
    pub in_progress: usize,
    pub child_sas: usize,
}

/// The names an event answers to in `events` / `absent_events`.
pub fn event_names(event: &Event) -> Vec<String> {
    let Ok(value) = serde_json::to_value(&event.kind) else {
        return Vec::new();
    };
    let Some(tag) = value.get("type").and_then(Value::as_str) else {
        return Vec::new();
    };
    let mut names = vec![tag.to_owned()];
    let sub = value
        .get("decision")
        .or_else(|| value.get("kind"))
        .and_then(Value::as_str)
        .or_else(|| {
            value
                .get("reason")
                .and_then(|r| r.get("kind"))
                .and_then(Value::as_str)
        });
    if let Some(sub) = sub {
        names.push(format!("{tag}:{sub}"));
        let outcome = value
            .get("outcome")
            .and_then(|o| o.as_str().or_else(|| o.get("kind").and_then(Value::as_str)));
        if let Some(outcome) = outcome {
            names.push(format!("{tag}:{sub}:{outcome}"));
        }
    }
    names
}

/// The notify names (IANA, e.g. `INVALID_KE_PAYLOAD`) in messages a peer sent or
/// received, including the decrypted inner payloads.
pub fn notify_names(events: &[&Event]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for event in events {
        let message = match &event.kind {
            EventKind::MessageSent(m) | EventKind::MessageReceived(m) => m,
            _ => continue,
        };
        for payload in message.payloads.iter() {
            if let Payload::Notify(n) = payload {
                let name = n
                    .notify_type
                    .name()
                    .map_or_else(|| n.notify_type.0.to_string(), str::to_owned);
                out.insert(name);
            }
        }
    }
    out
}

impl PeerExpect {
    /// Every way `events` (and the final state) break these expectations; empty
    /// when they hold.
    pub fn check(&self, peer: &str, events: &[&Event], outcome: &PeerOutcome) -> Vec<String> {
        let mut problems = Vec::new();
        match self.ike_sa {
            Some(ExpectedIkeSa::Established) if outcome.established == 0 => problems.push(format!(
                "{peer}: expected an established IKE SA at the end, found none"
            )),
            Some(ExpectedIkeSa::None) if outcome.established + outcome.in_progress > 0 => {
                problems.push(format!(
                    "{peer}: expected no IKE SA at the end, found {} established and {} in progress",
                    outcome.established, outcome.in_progress
                ));
            }
            _ => {}
        }
        if let Some(n) = self.child_sas
            && n != outcome.child_sas
        {
            problems.push(format!(
                "{peer}: expected {n} CHILD SAs at the end, found {}",
                outcome.child_sas
            ));
        }
        let seen: BTreeSet<String> = events.iter().flat_map(|e| event_names(e)).collect();
        for name in &self.events {
            if !seen.contains(name) {
                problems.push(format!("{peer}: expected event {name:?} did not occur"));
            }
        }
        for name in &self.absent_events {
            if seen.contains(name) {
                problems.push(format!("{peer}: event {name:?} occurred but must not"));
            }
        }
        let notifies = notify_names(events);
        for name in &self.notifies {
            if !notifies.contains(name) {
                problems.push(format!("{peer}: expected notify {name} was not exchanged"));
            }
        }
        for name in &self.absent_notifies {
            if notifies.contains(name) {
                problems.push(format!(
                    "{peer}: notify {name} was exchanged but must not be"
                ));
            }
        }
        let lines: Vec<String> = events.iter().map(|e| e.describe()).collect();
        for text in &self.log {
            if !lines.iter().any(|l| l.contains(text.as_str())) {
                problems.push(format!("{peer}: no log line contains {text:?}"));
            }
        }
        problems
    }
}

impl NetworkExpect {
    /// Every way the network's events break these expectations.
    pub fn check(&self, names: &BTreeSet<String>) -> Vec<String> {
        let mut problems = Vec::new();
        for name in &self.events {
            if !names.contains(name) {
                problems.push(format!("network: expected event {name:?} did not occur"));
            }
        }
        for name in &self.absent_events {
            if names.contains(name) {
                problems.push(format!("network: event {name:?} occurred but must not"));
            }
        }
        problems
    }
}
