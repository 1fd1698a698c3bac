//! `[expect]`: what a scenario's author says must come out of a run, per peer, and
//! the check of a finished run against it.
//!
//! ```toml
//! [expect.initiator]
//! ike_sa = "established"               # or "none": no live IKE SA at the end
//! ike_sas = 1                          # IKE SAs established at the end
//! child_sas = 1                        # CHILD SAs installed at the end
//! events = ["ike_sa_up", "decision:key_exchange:retrying"]
//! absent_events = ["ike_sa_down"]
//! notifies = ["INVALID_KE_PAYLOAD"]    # in a message this peer sent or received
//! absent_notifies = ["COOKIE"]
//! log = ["retransmit 1 of request"]    # substrings of the peer's transcript
//!
//! [expect.network]
//! events = ["dropped:loss"]
//! counts = { "esp_opened:echo_reply" = 3 }   # exactly this often
//!
//! [expect]
//! sas_match = true                     # both peers end with the same SAs
//! ```
//!
//! Event names are the `type` of the event's JSON, refined with a colon by its
//! `decision` or `kind` (or its reason's `kind`, its action's `action`, its cause's
//! `kind`) and then by its outcome: `ike_sa_down:timeout`,
//! `decision:cookie:demanded`, `child_sa_failed:peer_error`,
//! `exchange_done:rekey_child:peer_error`, `child_sa_rekeyed:collision`. A notify
//! answers to its IANA name and to `EXCHANGE:NAME` (`CREATE_CHILD_SA:NO_PROPOSAL_CHOSEN`).
//! Network event names are [`NetworkEvent::names`](super::NetworkEvent::names).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::event::{Event, EventKind};
use crate::ike::summary::exchange_name;
use crate::wire::{IkeSpi, Payload};

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
    /// IKE SAs established at the end (after a rekey: the old one is gone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ike_sas: Option<usize>,
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
    /// How many times each named event occurs, exactly
    /// (`counts = { "esp_opened:echo_reply" = 3, "esp_dropped:replay" = 1 }`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub counts: BTreeMap<String, usize>,
}

/// The `[expect]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Expect {
    pub initiator: PeerExpect,
    pub responder: PeerExpect,
    pub network: NetworkExpect,
    /// Both peers end with the same SAs: each established IKE SA (by its SPIs) and
    /// each CHILD SA (its inbound SPI the other's outbound one) exists on both.
    #[serde(skip_serializing_if = "core::ops::Not::not")]
    pub sas_match: bool,
}

/// What a peer looked like at the end of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerOutcome {
    /// IKE SAs established at the end.
    pub established: usize,
    /// IKE SAs in progress (not established, not closing) at the end.
    pub in_progress: usize,
    pub child_sas: usize,
    /// The SPIs (initiator's, responder's) of the established IKE SAs, sorted.
    pub ike_spis: Vec<(IkeSpi, IkeSpi)>,
    /// The (inbound, outbound) SPIs of the installed CHILD SAs, sorted.
    pub child_spis: Vec<(u32, u32)>,
}

/// `[expect] sas_match`: every way the two peers' SAs at the end differ.
pub fn sas_match(initiator: &PeerOutcome, responder: &PeerOutcome) -> Vec<String> {
    let mut problems = Vec::new();
    if initiator.ike_spis != responder.ike_spis {
        problems.push(format!(
            "the peers' IKE SAs differ: initiator {}, responder {}",
            ike_list(&initiator.ike_spis),
            ike_list(&responder.ike_spis)
        ));
    }
    // Our inbound SPI is the peer's outbound one (RFC 7296 §2.17).
    let mut crossed: Vec<(u32, u32)> = responder
        .child_spis
        .iter()
        .map(|(spi_in, spi_out)| (*spi_out, *spi_in))
        .collect();
    crossed.sort_unstable();
    if initiator.child_spis != crossed {
        problems.push(format!(
            "the peers' CHILD SAs differ: initiator {}, responder {}",
            child_list(&initiator.child_spis),
            child_list(&responder.child_spis)
        ));
    }
    problems
}

fn ike_list(spis: &[(IkeSpi, IkeSpi)]) -> String {
    let items: Vec<String> = spis.iter().map(|(i, r)| format!("{i}_i {r}_r")).collect();
    format!("[{}]", items.join(", "))
}

fn child_list(spis: &[(u32, u32)]) -> String {
    let items: Vec<String> = spis
        .iter()
        .map(|(i, o)| format!("{i:08x}_i {o:08x}_o"))
        .collect();
    format!("[{}]", items.join(", "))
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
            ["reason", "action", "cause"].into_iter().find_map(|field| {
                let inner = value.get(field)?;
                inner
                    .get("kind")
                    .or_else(|| inner.get("action"))
                    .and_then(Value::as_str)
            })
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
                out.insert(format!("{}:{name}", exchange_name(message.exchange)));
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
        if let Some(n) = self.ike_sas
            && n != outcome.established
        {
            problems.push(format!(
                "{peer}: expected {n} established IKE SAs at the end, found {}",
                outcome.established
            ));
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
    /// Every way the network's events (each name with how often it occurred)
    /// break these expectations.
    pub fn check(&self, names: &BTreeMap<String, usize>) -> Vec<String> {
        let mut problems = Vec::new();
        for name in &self.events {
            if !names.contains_key(name) {
                problems.push(format!("network: expected event {name:?} did not occur"));
            }
        }
        for name in &self.absent_events {
            if names.contains_key(name) {
                problems.push(format!("network: event {name:?} occurred but must not"));
            }
        }
        for (name, expected) in &self.counts {
            let found = names.get(name).copied().unwrap_or(0);
            if found != *expected {
                problems.push(format!(
                    "network: expected event {name:?} {expected} time(s), found {found}"
                ));
            }
        }
        problems
    }
}
