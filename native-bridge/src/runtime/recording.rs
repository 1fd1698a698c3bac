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
//! grow. With a trace, the tunnel's ESP packets (both ways) are kept up to
//! [`ESP_KEPT`]: enough to replay and dissect a session in the browser lab, without
//! a long download growing the trace without end; later ones are counted.

use std::collections::BTreeMap;

use ikelab_engine::event::{Direction, Event, EventKind};
use ikelab_engine::sim::transcript::shown;
use ikelab_engine::trace::{
    Entry, FlightCounter, FlightId, NetworkEvent, Record, Trace, TracePeer, TraceSource,
    WireProtocol,
};
use ikelab_engine::{Datagram, Time};

/// How many ESP packets a trace keeps.
pub(crate) const ESP_KEPT: u64 = 200;

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
    /// ESP packets recorded so far, and those left out after [`ESP_KEPT`].
    esp_kept: u64,
    esp_left_out: u64,
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
            esp_kept: 0,
            esp_left_out: 0,
        }
    }

    /// Whether the next ESP packet gets its records (counting it either way).
    fn take_esp(&mut self) -> bool {
        if self.esp_kept < ESP_KEPT {
            self.esp_kept += 1;
            true
        } else {
            self.esp_left_out += 1;
            false
        }
    }

    /// ESP packets the trace left out (after the first [`ESP_KEPT`]).
    pub(crate) fn esp_left_out(&self) -> u64 {
        self.esp_left_out
    }

    /// An ESP packet the data path sent (in UDP, or as IP protocol 50 when
    /// `protocol` says so): numbered and, within the limit,
    /// recorded like any datagram we send.
    pub(crate) fn sent_esp(&mut self, t: Time, datagram: Datagram, protocol: WireProtocol) {
        let mut datagram = datagram;
        datagram.flight = Some(self.flights.next_id());
        if self.take_esp() {
            self.sent(t, &datagram, protocol);
        }
    }

    /// An ESP packet that arrived (in UDP, or as IP protocol 50): [`received`](Self::received) within the
    /// limit, else only numbered.
    pub(crate) fn received_esp(
        &mut self,
        t: Time,
        mut datagram: Datagram,
        protocol: WireProtocol,
    ) -> Datagram {
        if self.take_esp() {
            return self.received(t, datagram, protocol);
        }
        datagram.flight = Some(self.flights.next_id());
        datagram
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
    pub(crate) fn sent(&mut self, t: Time, datagram: &Datagram, protocol: WireProtocol) {
        let Some(flight) = datagram.flight else {
            return;
        };
        let transmit = NetworkEvent::Transmit {
            flight,
            from: self.us.clone(),
            to: self.them.clone(),
            datagram: datagram.clone(),
            protocol,
        };
        self.network(t, transmit);
    }

    /// A datagram that arrived on a socket: numbered and recorded as delivered to us.
    pub(crate) fn received(
        &mut self,
        t: Time,
        mut datagram: Datagram,
        protocol: WireProtocol,
    ) -> Datagram {
        let flight = self.flights.next_id();
        datagram.flight = Some(flight);
        let transmit = NetworkEvent::Transmit {
            flight,
            from: self.them.clone(),
            to: self.us.clone(),
            datagram: datagram.clone(),
            protocol,
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

    /// Whether records are kept for a trace (`--trace`).
    pub(crate) fn keeps(&self) -> bool {
        self.keep
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trace_keeps_the_first_esp_packets_and_counts_the_rest() {
        let mut recording = Recording::new("ikelab", "gateway", Vec::new(), true);
        let (us, them) = (
            "192.0.2.2:4500".parse().unwrap(),
            "192.0.2.1:4500".parse().unwrap(),
        );
        let esp = vec![0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1];
        for n in 0..=ESP_KEPT {
            let t = Time::from_micros(n);
            if n % 2 == 0 {
                recording.sent_esp(t, Datagram::new(us, them, esp.clone()), WireProtocol::Udp);
            } else {
                let got = recording.received_esp(
                    t,
                    Datagram::new(them, us, esp.clone()),
                    WireProtocol::Esp,
                );
                assert!(got.flight.is_some(), "every packet gets a flight");
            }
        }
        let transmits = recording
            .trace()
            .network_events()
            .filter(|(_, n)| matches!(n, NetworkEvent::Transmit { .. }))
            .count();
        assert_eq!(u64::try_from(transmits).unwrap(), ESP_KEPT);
        assert_eq!(recording.esp_left_out(), 1);

        let mut untraced = Recording::new("ikelab", "gateway", Vec::new(), false);
        untraced.received_esp(
            Time::from_micros(0),
            Datagram::new(them, us, esp),
            WireProtocol::Udp,
        );
        assert_eq!(
            untraced.trace().records.len(),
            0,
            "nothing kept without --trace"
        );
    }
}
