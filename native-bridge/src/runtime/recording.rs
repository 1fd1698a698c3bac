//! The run as an `ikelab-trace/2` trace of source `bridge` (engine `trace` module):
//! one peer's events, and what crossed its sockets as network records.
//!
//! Flights: the engine numbers what it sends from its own counter; the recording
//! numbers every datagram of the run, sent or received, from one counter (as the
//! simulator's `drain` does), so a flight id names one datagram in the trace. A sent
//! datagram is a `transmit` record (us to the gateway); a received one a `transmit`
//! (the gateway to us, as our socket saw it) followed by `delivered`, and the
//! engine's events about it carry its flight.
//!
//! Every record is logged as it is made ([`super::log`]); it is kept for the trace
//! only when one is asked for (`keep`), so a long session without `--trace` does not
//! grow.

use std::collections::BTreeMap;

use ikelab_engine::event::{Direction, Event, EventKind};
use ikelab_engine::sim::transcript::shown;
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
    /// The engine's flight id of a sent datagram → the run's, until its events are
    /// read (the same flush: see [`end_flush`](Self::end_flush)).
    renumbered: BTreeMap<FlightId, FlightId>,
    /// Whether records are kept for a trace.
    keep: bool,
}

impl Recording {
    pub(crate) fn new(us: &str, them: &str, peers: Vec<TracePeer>, keep: bool) -> Self {
        Self {
            trace: Trace::new(TraceSource::Bridge, None, peers),
            us: us.to_owned(),
            them: them.to_owned(),
            flights: FlightCounter::default(),
            renumbered: BTreeMap::new(),
            keep,
        }
    }

    /// A datagram the engine queued, numbered for the run (before its events are read).
    pub(crate) fn number(&mut self, mut datagram: Datagram) -> Datagram {
        let flight = self.flights.next_id();
        if let Some(local) = datagram.flight {
            self.renumbered.insert(local, flight);
        }
        datagram.flight = Some(flight);
        datagram
    }

    /// A numbered datagram goes out on a socket (after the events that describe it,
    /// as the simulator records them).
    pub(crate) fn sent(&mut self, t: Time, datagram: &Datagram) {
        let Some(flight) = datagram.flight else {
            return;
        };
        let transmit = NetworkEvent::Transmit {
            flight,
            from: self.us.clone(),
            to: self.them.clone(),
            datagram: datagram.clone(),
            protocol: WireProtocol::Udp,
        };
        self.network(t, transmit);
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

    /// An engine event, with the run's flight if it describes a datagram we sent.
    pub(crate) fn event(&mut self, mut event: Event) {
        if describes_sent_datagram(&event) {
            event.flight = event
                .flight
                .and_then(|local| self.renumbered.get(&local).copied());
        }
        let record = Record::new(event.time_us, self.us.clone(), Entry::Event(event));
        self.push(record);
    }

    /// The events of the datagrams sent in this flush have been read.
    pub(crate) fn end_flush(&mut self) {
        self.renumbered.clear();
    }

    fn network(&mut self, t: Time, event: NetworkEvent) {
        self.push(Record::of_network(micros(t), event));
    }

    /// Logs the record (the lines `ikelab sim` shows at the normal level, the rest
    /// with `-v`) and keeps it if a trace is written.
    fn push(&mut self, record: Record) {
        if shown(&record, false) {
            tracing::info!("{}", record.describe());
        } else {
            tracing::debug!("{}", record.describe());
        }
        if self.keep {
            self.trace.records.push(record);
        }
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
