//! Draining an engine with run-wide flight ids: the simulator and the test `Pair`
//! see several engines, each numbering its own datagrams from 1; the run numbers
//! them again in one sequence, in the datagrams and in the events that describe
//! them, so a flight id names one datagram of the whole run.

use std::collections::BTreeMap;

use crate::event::FlightCounter;
use crate::event::{Direction, Event, EventKind};
use crate::ike::{Datagram, Engine};
use crate::keylog::{KeyRecorder, poll_events};

/// What an engine had queued: datagrams and events, with run-wide flight ids.
#[derive(Debug, Default)]
pub(crate) struct Drained {
    pub(crate) datagrams: Vec<Datagram>,
    pub(crate) events: Vec<Event>,
}

/// Polls every datagram and event of `engine`, renumbering the flights it sent
/// from `flights`. Events about received datagrams keep the flight the driver gave.
/// With the engine's key log `keys`, its records go among the events in place
/// (`keylog::poll_events`), as the key events of the lab's trace.
pub(crate) fn drain(
    engine: &mut Engine,
    keys: Option<&KeyRecorder>,
    flights: &mut FlightCounter,
) -> Drained {
    let mut drained = Drained::default();
    let mut renumbered = BTreeMap::new();
    while let Some(mut datagram) = engine.poll_transmit() {
        let flight = flights.next_id();
        if let Some(local) = datagram.flight {
            renumbered.insert(local, flight);
        }
        datagram.flight = Some(flight);
        drained.datagrams.push(datagram);
    }
    let mut events = Vec::new();
    poll_events(engine, keys, &mut events);
    for mut event in events {
        if describes_sent_datagram(&event) {
            event.flight = event.flight.and_then(|l| renumbered.get(&l).copied());
        }
        drained.events.push(event);
    }
    drained
}

/// Whether an engine event describes a datagram that engine sent (its flight is
/// the engine's own id), rather than one it received.
fn describes_sent_datagram(event: &Event) -> bool {
    match &event.kind {
        EventKind::MessageSent(_) => true,
        EventKind::NatKeepalive { direction, .. } => *direction == Direction::Sent,
        _ => false,
    }
}
