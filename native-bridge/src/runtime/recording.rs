//! The run as an `ikelab-trace/2` trace of source `bridge` (engine `trace` module):
//! one peer's events, and what crossed its sockets as network records.
//!
//! Flights: the engine numbers what it sends from its own counter; the recording
//! numbers every datagram of the run, sent or received, from one counter (as the
//! simulator's `drain` does), so a flight id names one datagram in the trace. A sent
//! datagram is a `transmit` record (us to the gateway); a received one a `transmit`
//! (the gateway to us, as our socket saw it) followed by `delivered`, and the
//! engine's events about it carry its flight.

use std::collections::BTreeMap;

use ikelab_engine::event::{Direction, Event, EventKind};
use ikelab_engine::trace::{
    Entry, FlightCounter, FlightId, NetworkEvent, Record, Trace, TracePeer, TraceSource,
    WireProtocol,
};
use ikelab_engine::{Datagram, Time};

/// The trace being written, and the flight numbering.
#[derive(Debug)]
pub(crate) struct Recording {
    trace: Trace,
    /// The name of this peer's lane.
    us: String,
    /// The name of the other side's lane (it appears in network records only).
    them: String,
    flights: FlightCounter,
    /// The engine's flight id of a sent datagram → the run's, until its events are read.
    renumbered: BTreeMap<FlightId, FlightId>,
}

impl Recording {
    pub(crate) fn new(us: &str, them: &str, peers: Vec<TracePeer>) -> Self {
        Self {
            trace: Trace::new(TraceSource::Bridge, None, peers),
            us: us.to_owned(),
            them: them.to_owned(),
            flights: FlightCounter::default(),
            renumbered: BTreeMap::new(),
        }
    }

    /// A datagram the engine queued: numbered for the run and recorded as sent.
    pub(crate) fn sent(&mut self, t: Time, mut datagram: Datagram) -> Datagram {
        let flight = self.flights.next_id();
        if let Some(local) = datagram.flight {
            self.renumbered.insert(local, flight);
        }
        datagram.flight = Some(flight);
        let transmit = NetworkEvent::Transmit {
            flight,
            from: self.us.clone(),
            to: self.them.clone(),
            datagram: datagram.clone(),
            protocol: WireProtocol::Udp,
        };
        self.network(t, transmit);
        datagram
    }

    /// A datagram that arrived on a socket: numbered and recorded as delivered to us.
    pub(crate) fn received(&mut self, t: Time, mut datagram: Datagram) -> Datagram {
        let flight = self.flights.next_id();
        datagram.flight = Some(flight);
        let transmit = NetworkEvent::Transmit {
            flight,
            from: self.them.clone(),
            to: self.us.clone(),
            datagram: datagram.clone(),
            protocol: WireProtocol::Udp,
        };
        self.network(t, transmit);
        let delivered = NetworkEvent::Delivered {
            flight,
            to: self.us.clone(),
        };
        self.network(t, delivered);
        datagram
    }

    /// An engine event, with the run's flight if it describes a datagram we sent;
    /// returns its record (for the log).
    pub(crate) fn event(&mut self, mut event: Event) -> &Record {
        if describes_sent_datagram(&event) {
            event.flight = event
                .flight
                .and_then(|local| self.renumbered.get(&local).copied());
        }
        let record = Record::new(event.time_us, self.us.clone(), Entry::Event(event));
        self.push(record)
    }

    fn network(&mut self, t: Time, event: NetworkEvent) {
        self.push(Record::of_network(micros(t), event));
    }

    fn push(&mut self, record: Record) -> &Record {
        self.trace.records.push(record);
        let last = self.trace.records.len() - 1;
        &self.trace.records[last]
    }

    /// The whole trace.
    pub(crate) fn trace(&self) -> &Trace {
        &self.trace
    }
}

/// Whether an engine event describes a datagram that engine sent (its flight is
/// the engine's own id), rather than one it received.
fn describes_sent_datagram(event: &Event) -> bool {
    match &event.kind {
        EventKind::MessageSent(_) | EventKind::EspSealed(_) => true,
        EventKind::NatKeepalive { direction, .. } => *direction == Direction::Sent,
        _ => false,
    }
}

fn micros(t: Time) -> u64 {
    u64::try_from(t.as_micros()).unwrap_or(u64::MAX)
}
