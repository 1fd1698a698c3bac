//! Where secrets leave the engine: a [`KeyLog`] sink the driver installs
//! ([`EngineConfig::key_log`](crate::EngineConfig::key_log)), in the manner of
//! rustls's `KeyLog`.
//!
//! The engine hands the sink each step of the key schedule with its inputs and
//! outputs (SKEYSEED and the shared secret, the SK_* split, CHILD SA KEYMAT; RFC
//! 7296 §2.14, §2.17, §2.18), each IKE SA's keys (what Wireshark's
//! `ikev2_decryption_table` needs) and each CHILD SA's ESP keys (its `esp_sa`).
//! Without a sink no secret leaves the engine: the event stream never carries a key,
//! and the key schedule records no step.
//!
//! Records reach the sink from [`Engine::poll_event`](crate::Engine::poll_event), in
//! their place in the event stream: a record derived between two events is logged
//! when the driver polls the second one (or, after the last event, when
//! `poll_event` returns `None`). A driver that drains events after each call (as it
//! must) thus sees keys and events in the order they happened.
//!
//! Sinks here: [`KeyRecorder`] keeps the records in memory (the simulator's, which
//! puts them in the trace as the key events of that peer: it is a lab), and
//! [`KeyLogs`] hands each record to several sinks. [`KeyTables`](crate::capture::keys::KeyTables)
//! renders records as Wireshark tables for a driver that writes `--keys DIR`.

mod recorder;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use recorder::{KeyRecorder, poll_events};

use crate::crypto::keys::KeyDerivationStep;
use crate::event::{ChildSaKeys, Event, EventKind, FlightId, IkeSaKeys};
use crate::ike::IkeSaId;

/// A sink for the engine's secrets.
///
/// **Whoever installs a key log publishes secrets.** Every record holds keys that
/// decrypt the IKE SA's messages, or the ESP traffic of a CHILD SA, and SKEYSEED /
/// SK_d, from which every later key of the IKE SA follows: anyone who reads them can
/// break the confidentiality and integrity of past, present and future traffic of
/// those SAs. Install one for a lab, a debugger or Wireshark, never on a gateway
/// that protects real traffic.
pub trait KeyLog: core::fmt::Debug + Send + Sync {
    /// Takes one record. Called from `Engine::poll_event`, in event-stream order;
    /// it must not panic (a sink that cannot write remembers why, for its driver).
    fn log(&self, record: &KeyLogRecord);
}

/// One thing the engine hands a [`KeyLog`]: when, for which IKE SA, and what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyLogRecord {
    /// Microseconds since the driver's epoch (the `now` of the call that derived it).
    pub time_us: u64,
    /// The IKE SA the keys belong to (for a CHILD SA: the IKE SA that created it).
    pub ike_sa: IkeSaId,
    /// The received datagram whose handling derived them, as the events of that
    /// call carry it (`None` for keys of a call the driver made, e.g. a rekey).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flight: Option<FlightId>,
    pub entry: KeyLogEntry,
}

/// What a [`KeyLogRecord`] holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum KeyLogEntry {
    /// Key schedule steps with their inputs and outputs, for a key view (RFC 7296
    /// §2.14, §2.17, §2.18).
    KeysDerived { steps: Vec<KeyDerivationStep> },
    /// An IKE SA's keys (Wireshark's `ikev2_decryption_table`).
    IkeSaKeys(Box<IkeSaKeys>),
    /// A CHILD SA's ESP keys (Wireshark's `esp_sa`).
    ChildSaKeys(Box<ChildSaKeys>),
}

impl KeyLogRecord {
    /// The record as the key event a lab's trace shows among the peer's events
    /// ([`EventKind::KeysDerived`], [`EventKind::IkeSaKeys`],
    /// [`EventKind::ChildSaKeys`]).
    pub fn into_event(self) -> Event {
        let kind = match self.entry {
            KeyLogEntry::KeysDerived { steps } => EventKind::KeysDerived { steps },
            KeyLogEntry::IkeSaKeys(keys) => EventKind::IkeSaKeys(keys),
            KeyLogEntry::ChildSaKeys(keys) => EventKind::ChildSaKeys(keys),
        };
        Event {
            time_us: self.time_us,
            ike_sa: Some(self.ike_sa),
            flight: self.flight,
            kind,
        }
    }
}

/// Several sinks as one: each record goes to every sink, in order (the simulator's
/// trace recorder and a driver's `--keys DIR` writer, say).
#[derive(Debug, Clone, Default)]
pub struct KeyLogs(pub Vec<Arc<dyn KeyLog>>);

impl KeyLog for KeyLogs {
    fn log(&self, record: &KeyLogRecord) {
        for sink in &self.0 {
            sink.log(record);
        }
    }
}
