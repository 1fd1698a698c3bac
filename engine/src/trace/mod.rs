//! The trace: the full, ordered record of a run, as one serde document.
//!
//! ```text
//! { "schema": "ikelab-trace/2", "source": "sim" | "bridge", "seed": 7,
//!   "catalogue": { "version": 1, "entries": [ ... ] },   // entries only when embedded
//!   "peers": [ { "name": "initiator", "addresses": ["192.0.2.2"] }, ... ],
//!   "records": [ { "t_us": 0, "peer": "initiator", "event": { <engine Event> } },
//!                { "t_us": 10000, "peer": "network", "network": { <NetworkEvent> } }, ... ] }
//! ```
//!
//! - Every record has the virtual (simulator) or real (bridge) time in microseconds
//!   since the run's epoch and the name of the peer it belongs to.
//! - An engine's record carries its [`Event`] under `event`: messages with bytes,
//!   dissections and decrypted contents (each field a catalogue id, a range and a
//!   value: names, RFC sections and meanings are in the dissection catalogue the
//!   trace names, `wire::dissect::catalogue`; a dissection already written, the same
//!   message seen by its receiver or sent again, is `{"same_as": n}`, see
//!   `wire::dissect::sharing`), keys (the simulator's engines log keys: it
//!   is a lab), decisions with their reasons, state changes, SAs up and down.
//! - What the network did (a datagram put on a link, lost, duplicated, dropped by the
//!   MTU or a firewall, rewritten by a NAT box) is a record of the reserved peer name
//!   [`NETWORK_PEER`] (`"network"`) whose payload key is `network` instead of `event`
//!   ([`NetworkEvent`]). A reader tells the two apart by the key, never by guessing.
//! - Every datagram has a [`FlightId`]: the sender's `MessageSent` (or
//!   ESP seal), each network record about it (transmit, loss, duplication, reorder,
//!   drops, NAT rewrite), its arrival ([`NetworkEvent::Delivered`]) and the
//!   receiver's events about it carry it under `flight`. A copy the network makes
//!   (duplication, replay) gets its own flight naming its `parent`.
//! - Records are in the order things happened; within one instant, in the order the
//!   driver observed them. Every map in the document is a struct or a list, so the
//!   JSON text of a run is the same bytes every time (a seeded simulation replays
//!   byte for byte; the hashes in `assets/traces/` pin that).
//!
//! A bridge trace observes one side: its records are that peer's events, and the
//! network records are what crossed its sockets.

use serde::{Deserialize, Serialize};

use crate::event::Event;
use crate::wire::dissect::{Catalogue, sharing};

mod action_failure;
pub mod export;
pub mod network;

/// Flight ids are event vocabulary (an engine stamps them), defined below the
/// state machine with the other ids; the trace names them too.
pub use crate::event::{FlightCounter, FlightId};
pub use crate::wire::ip::InnerKind;
pub use action_failure::ActionFailure;
pub use network::{DropCause, NatDirection, NetworkEvent, WireProtocol};

/// The schema name and version of the document; readers refuse other values.
/// Version 2: flights (`flight` on events and network records, `delivered`
/// records), non-exhaustive records; dissection fields as catalogue ids, each
/// distinct dissection written once.
pub const TRACE_SCHEMA: &str = "ikelab-trace/2";

/// The peer name under which network records are filed.
pub const NETWORK_PEER: &str = "network";

/// Who produced the trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceSource {
    /// The deterministic simulator (`engine::sim`): both peers and the network.
    Sim,
    /// The native bridge: one real peer and what crossed its sockets.
    Bridge,
}

/// One peer of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TracePeer {
    /// The name its records use ("initiator", "responder", "attacker", ...).
    pub name: String,
    /// Its addresses at the start of the run.
    pub addresses: Vec<std::net::IpAddr>,
}

/// What one record holds: an engine event or a network event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    /// What an engine reported (`"event": {...}`).
    Event(Event),
    /// What the network did (`"network": {...}`, peer [`NETWORK_PEER`]).
    Network(NetworkEvent),
}

/// One record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Record {
    /// Microseconds since the run's epoch.
    pub t_us: u64,
    /// The peer's name, or [`NETWORK_PEER`].
    pub peer: String,
    #[serde(flatten)]
    pub entry: Entry,
}

impl Record {
    /// A record of `peer` at `t_us`.
    pub fn new(t_us: u64, peer: impl Into<String>, entry: Entry) -> Self {
        Self {
            t_us,
            peer: peer.into(),
            entry,
        }
    }

    /// A network record (peer [`NETWORK_PEER`]) at `t_us`.
    pub fn of_network(t_us: u64, event: NetworkEvent) -> Self {
        Self::new(t_us, NETWORK_PEER, Entry::Network(event))
    }

    /// The flight this record concerns: the engine event's or the network
    /// record's.
    pub fn flight(&self) -> Option<FlightId> {
        match &self.entry {
            Entry::Event(e) => e.flight,
            Entry::Network(n) => n.flight(),
        }
    }

    /// The engine event of this record, if it is one.
    pub fn event(&self) -> Option<&Event> {
        match &self.entry {
            Entry::Event(e) => Some(e),
            Entry::Network(_) => None,
        }
    }

    /// The network event of this record, if it is one.
    pub fn network(&self) -> Option<&NetworkEvent> {
        match &self.entry {
            Entry::Network(n) => Some(n),
            Entry::Event(_) => None,
        }
    }

    /// One transcript line: time, peer, and the event in charon's log style.
    pub fn describe(&self) -> String {
        let text = match &self.entry {
            Entry::Event(e) => e.describe(),
            Entry::Network(n) => n.describe(),
        };
        format!(
            "{:>4}.{:06} {:<9} {text}",
            self.t_us / 1_000_000,
            self.t_us % 1_000_000,
            self.peer
        )
    }
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// Always [`TRACE_SCHEMA`].
    pub schema: String,
    pub source: TraceSource,
    /// The seed of a simulated run (a bridge trace has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The dissection catalogue the fields' ids point into: its version, and its
    /// entries when embedded.
    pub catalogue: Catalogue,
    pub peers: Vec<TracePeer>,
    pub records: Vec<Record>,
}

/// Why a trace document could not be read.
#[derive(Debug)]
pub enum TraceError {
    /// Not JSON, or not the trace's shape (reading), or a value JSON cannot hold
    /// (writing).
    Json(serde_json::Error),
    /// A schema this reader does not know.
    Schema { found: String },
}

impl core::fmt::Display for TraceError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Json(e) => write!(f, "trace JSON: {e}"),
            Self::Schema { found } => {
                write!(f, "trace schema {found:?} is not {TRACE_SCHEMA:?}")
            }
        }
    }
}

impl core::error::Error for TraceError {}

impl Trace {
    /// An empty trace of this source.
    pub fn new(source: TraceSource, seed: Option<u64>, peers: Vec<TracePeer>) -> Self {
        Self {
            schema: TRACE_SCHEMA.to_owned(),
            source,
            seed,
            catalogue: Catalogue::version_only(),
            peers,
            records: Vec::new(),
        }
    }

    /// The JSON text (compact, fields in declaration order: the same run gives the
    /// same bytes).
    pub fn to_json(&self) -> Result<String, TraceError> {
        sharing::scope(|| serde_json::to_string(self)).map_err(TraceError::Json)
    }

    /// Puts this engine's whole dissection catalogue in the trace, for a reader
    /// built from another engine.
    pub fn embed_catalogue(&mut self) {
        self.catalogue = Catalogue::embedded();
    }

    /// Reads a trace document, checking its schema.
    pub fn from_json(text: &str) -> Result<Self, TraceError> {
        /// The schema alone, checked before the rest is read.
        #[derive(Deserialize)]
        struct Head {
            schema: String,
        }
        let head: Head = serde_json::from_str(text).map_err(TraceError::Json)?;
        if head.schema != TRACE_SCHEMA {
            return Err(TraceError::Schema { found: head.schema });
        }
        sharing::scope(|| serde_json::from_str(text)).map_err(TraceError::Json)
    }

    /// SHA-256 of [`to_json`](Self::to_json), lower-case hex: what the scenario
    /// hash file pins, natively and in WASM.
    pub fn sha256_hex(&self) -> Result<String, TraceError> {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(self.to_json()?.as_bytes());
        Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The events of one peer, in order.
    pub fn events_of<'a>(&'a self, peer: &'a str) -> impl Iterator<Item = &'a Event> + 'a {
        self.records
            .iter()
            .filter(move |r| r.peer == peer)
            .filter_map(Record::event)
    }

    /// The network's events, in order, with their times.
    pub fn network_events(&self) -> impl Iterator<Item = (u64, &NetworkEvent)> {
        self.records
            .iter()
            .filter_map(|r| r.network().map(|n| (r.t_us, n)))
    }
}
