//! Flights: the identity of one datagram on the wire, so a timeline can draw each
//! arrow (sent, each network step, delivered and received, or dropped) from the
//! records alone, without matching bytes.
//!
//! An engine numbers what it puts on the wire (IKE messages, NAT keep-alives,
//! sealed ESP packets) from its own counter; a driver that sees several engines
//! (the simulator) renumbers those engine-local ids into one sequence for the run,
//! and hands each received datagram to the engine with the id it gave it, so the
//! receiver's events name the same flight.

use serde::{Deserialize, Serialize};

/// The id of one datagram on the wire (in a simulator trace: unique in the run,
/// from 1, in send order; a copy the network makes gets its own id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FlightId(pub u64);

impl core::fmt::Display for FlightId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Hands out flight ids 1, 2, 3, ... (allocation-free: a counter).
#[derive(Debug, Clone, Default)]
pub struct FlightCounter {
    last: u64,
}

impl FlightCounter {
    /// The next id.
    pub fn next_id(&mut self) -> FlightId {
        self.last = self.last.wrapping_add(1);
        FlightId(self.last)
    }
}
