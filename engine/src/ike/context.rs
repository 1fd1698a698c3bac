//! What a state handler may touch: the current time, randomness, the crypto provider,
//! the engine's outputs (datagrams, events) and the engine-wide tables an exchange
//! can change (CHILD SAs, address pools). Handlers never do I/O: they append to
//! [`Output`], and the driver drains it with `poll_transmit` / `poll_event`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use rand_core::CryptoRng;

use super::child_table::ChildTable;
use super::cookie::CookieJar;
use super::cp::PoolAllocator;
use super::datagram::{Datagram, Time, micros};
use super::ids::{ChildSaId, IdAllocator, IkeSaId};
use super::key_queue::KeyQueue;
use super::ops::{ChildLife, Timed};
use super::options::EngineConfig;
use super::policy::Policy;
use super::sa::IkeSa;
use crate::crypto::CryptoProvider;
use crate::event::{Event, EventKind};
use crate::event::{FlightCounter, FlightId};
use crate::keylog::{KeyLogEntry, KeyLogRecord};
use crate::wire::IkeSpi;

/// Datagrams and events waiting to be polled.
#[derive(Debug, Default)]
pub(crate) struct Output {
    pub(crate) events: VecDeque<Event>,
    pub(crate) transmits: VecDeque<Datagram>,
    /// Key log records, only with a key log installed (`EngineConfig::key_log`).
    pub(crate) keys: KeyQueue,
    /// Numbers every datagram this engine puts on the wire (IKE, keep-alives, ESP).
    pub(crate) flights: FlightCounter,
    /// The flight of the datagram being handled (set by `handle_datagram` for the
    /// length of the call): the events it causes carry it.
    pub(crate) inbound_flight: Option<FlightId>,
}

impl Output {
    /// Queues sized for one exchange's output (a handshake queues about a dozen
    /// events per side), so a fresh engine does not regrow them message by message.
    pub(crate) fn new() -> Self {
        Self {
            events: VecDeque::with_capacity(32),
            transmits: VecDeque::with_capacity(4),
            keys: KeyQueue::default(),
            flights: FlightCounter::default(),
            inbound_flight: None,
        }
    }
}

/// Consequences of an exchange for other IKE SAs, carried out by the engine.
#[derive(Debug)]
pub(crate) enum Effect {
    /// INITIAL_CONTACT (RFC 7296 §2.4): `old`, the other established IKE SAs
    /// between the new SA's authenticated identities, are dropped without a Delete.
    InitialContact { new_sa: IkeSaId, old: Vec<IkeSaId> },
    /// `unique = replace` (swanctl.conf(5)): `old`, the other established IKE SAs
    /// between the new SA's authenticated identities, are deleted with a Delete.
    DeleteDuplicates { new_sa: IkeSaId, old: Vec<IkeSaId> },
    /// A rekey created a new IKE SA (RFC 7296 §2.18): the engine registers it.
    AdoptIkeSa(Box<IkeSa>),
    /// `sa` (made by answering the peer's crossing IKE rekey) lost the collision to
    /// `winner`: the peer deletes it; it only waits for that (RFC 7296 §2.8.2).
    Redundant { sa: IkeSaId, winner: IkeSaId },
    /// CHILD SAs (with their lifetimes and their tasks, each with when to start
    /// it) move from `from` to `to` (RFC 7296 §2.18: "the new IKE SA inherits all
    /// of the Child SAs").
    MoveChildren {
        from: IkeSaId,
        to: IkeSaId,
        children: Vec<(ChildSaId, ChildLife)>,
        tasks: Vec<Timed>,
    },
}

pub(crate) struct Cx<'a> {
    pub(crate) now: Time,
    pub(crate) rng: &'a mut dyn CryptoRng,
    pub(crate) provider: &'static CryptoProvider,
    pub(crate) config: &'a EngineConfig,
    pub(crate) out: &'a mut Output,
    pub(crate) ids: &'a mut IdAllocator,
    pub(crate) children: &'a mut ChildTable,
    pub(crate) pools: &'a mut PoolAllocator,
    /// The engine's responder configurations (IKE_AUTH may switch between them by
    /// identity).
    pub(crate) responders: &'a [Arc<Policy>],
    /// Our IKE SPIs in use (a rekey draws a fresh one, RFC 7296 §2.18).
    pub(crate) spis: &'a BTreeMap<IkeSpi, IkeSaId>,
    /// The engine's other IKE SAs (the one being handled is out of the map while
    /// it is), to read: the uniqueness policy looks for older SAs between the same
    /// identities (`ike::uniqueness`).
    pub(crate) ike_sas: &'a BTreeMap<IkeSaId, Box<IkeSa>>,
    /// The responder's cookie secrets (RFC 7296 §2.6): IKE_SA_INIT checks cookies
    /// against them and hands out new ones, which arms their rotation.
    pub(crate) cookie: &'a mut CookieJar,
    pub(crate) effects: Vec<Effect>,
}

impl Cx<'_> {
    /// Reports an event; while a received datagram is handled, it carries that
    /// datagram's flight.
    pub(crate) fn emit(&mut self, sa: Option<IkeSaId>, kind: EventKind) {
        let flight = self.out.inbound_flight;
        self.emit_for(sa, flight, kind);
    }

    /// Reports an event about flight `flight` (a datagram we sent).
    pub(crate) fn emit_for(
        &mut self,
        sa: Option<IkeSaId>,
        flight: Option<FlightId>,
        kind: EventKind,
    ) {
        self.out.events.push_back(Event {
            time_us: micros(self.now),
            ike_sa: sa,
            flight,
            kind,
        });
    }

    /// Whether a key log is installed: only then does the key schedule record its
    /// steps and do keys leave the engine.
    pub(crate) fn logs_keys(&self) -> bool {
        self.config.key_log.is_some()
    }

    /// Hands `entry` to the key log, at this place in the event stream; without a
    /// key log it is dropped here.
    pub(crate) fn log_keys(&mut self, sa: IkeSaId, entry: KeyLogEntry) {
        if self.logs_keys() {
            let record = KeyLogRecord {
                time_us: micros(self.now),
                ike_sa: sa,
                flight: self.out.inbound_flight,
                entry,
            };
            self.out.keys.push(self.out.events.len(), record);
        }
    }

    /// Queues a datagram for `poll_transmit`, stamped with the next flight id of
    /// this engine; returns that id, for the event that describes the datagram.
    pub(crate) fn transmit(&mut self, datagram: Datagram) -> FlightId {
        let flight = self.out.flights.next_id();
        self.out.transmits.push_back(datagram.with_flight(flight));
        flight
    }

    /// A fresh random u32 that is not zero (SPIs, RFC 4303 §2.1: SPI 0 is reserved).
    pub(crate) fn random_nonzero_u32(&mut self) -> u32 {
        loop {
            let v = self.rng.next_u32();
            if v != 0 {
                return v;
            }
        }
    }

    pub(crate) fn random_bytes(&mut self, len: usize) -> Vec<u8> {
        let mut v = vec![0u8; len];
        self.rng.fill_bytes(&mut v);
        v
    }

    /// A fresh IKE SPI of ours: not zero, not used by another IKE SA of this engine.
    pub(crate) fn fresh_ike_spi(&mut self) -> IkeSpi {
        loop {
            let spi = IkeSpi::from(self.rng.next_u64());
            if !spi.is_zero() && !self.spis.contains_key(&spi) {
                return spi;
            }
        }
    }

    /// A fresh inbound ESP SPI not used by another CHILD SA of this engine.
    pub(crate) fn fresh_esp_spi(&mut self) -> u32 {
        loop {
            let spi = self.random_nonzero_u32();
            // SPIs 1-255 are reserved by IANA (RFC 4303 §2.1).
            if spi > 255 && !self.children.values().any(|c| c.spi_in == spi) {
                return spi;
            }
        }
    }
}
