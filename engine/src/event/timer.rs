//! The kinds of timers an IKE SA arms, as events report them.

use serde::{Deserialize, Serialize};

/// The kinds of timers an IKE SA can have armed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    /// Retransmit the outstanding request, or give up when the budget is spent
    /// (RFC 7296 §2.1, §2.4).
    Retransmit,
    /// A responder's half-open IKE SA (IKE_SA_INIT answered, no IKE_AUTH yet) is
    /// dropped when this expires (strongSwan's `half_open_timeout`).
    HalfOpen,
    /// Send a NAT keep-alive (RFC 3948 §2.3) if nothing else was sent meanwhile.
    Keepalive,
    /// A failed or deleted IKE SA kept only to answer retransmissions of the request
    /// that ended it with the same bytes (RFC 7296 §2.1); removed when this expires.
    Linger,
    /// Check whether anything was heard from the peer within `dpd_delay`, else send
    /// a liveness check (RFC 7296 §2.4).
    Dpd,
    /// The earliest soft or hard lifetime of the IKE SA or one of its CHILD SAs, or
    /// the retry of a failed exchange (TEMPORARY_FAILURE, a failed rekey; RFC 7296
    /// §2.8, §2.25).
    Lifetime,
}
