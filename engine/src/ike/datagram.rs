//! What goes in and out of the engine: UDP datagrams with their addresses, and time.
//!
//! The engine owns no socket. A driver hands it every UDP datagram that arrived on its
//! IKE ports (500 and 4500, or whatever it bound) with the source and destination as
//! the socket saw them, and sends every datagram `poll_transmit` returns from the
//! socket bound to `src` (RFC 7296 §2.11: a response goes back from the address and
//! port the request was sent to).
//!
//! On the NAT-T port (4500, RFC 3948 §2.2) IKE messages carry the four-octet Non-ESP
//! Marker: the engine adds it to what it sends from that port and strips it from what
//! arrives there. A NAT keep-alive (one 0xFF octet, RFC 3948 §2.3) is a datagram too.

use core::time::Duration;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use crate::event::FlightId;

/// The engine's clock: a duration since an epoch the driver chooses (program start,
/// a scenario's zero). The engine never reads a clock itself; every call that can
/// make time-dependent decisions takes `now`.
pub type Time = Duration;

/// One UDP datagram: addresses as the socket sees them, and the UDP payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Datagram {
    /// Where it comes from (for a received datagram: the peer, as the NAT left it).
    pub src: SocketAddr,
    /// Where it goes (for a received datagram: our own address and port).
    pub dst: SocketAddr,
    /// The UDP payload: an IKE message, with the Non-ESP Marker on the NAT-T port.
    #[serde(with = "crate::wire::hex::serde_hex")]
    pub payload: Vec<u8>,
    /// Which datagram on the wire this is. The engine stamps what it queues for
    /// `poll_transmit` from its own counter; a driver may set it on what it hands to
    /// `handle_datagram`, and the events that datagram causes carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flight: Option<FlightId>,
}

impl Datagram {
    /// A datagram without a flight id.
    pub fn new(src: SocketAddr, dst: SocketAddr, payload: Vec<u8>) -> Self {
        Self {
            src,
            dst,
            payload,
            flight: None,
        }
    }

    /// The same datagram with flight id `flight`.
    pub fn with_flight(mut self, flight: FlightId) -> Self {
        self.flight = Some(flight);
        self
    }
}

/// Microseconds since the epoch, the unit of the trace format.
pub(crate) fn micros(t: Time) -> u64 {
    u64::try_from(t.as_micros()).unwrap_or(u64::MAX)
}
