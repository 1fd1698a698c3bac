//! What decisions are based on: the facts a decision event reports (an AUTH verdict,
//! the cookie thresholds, an address request, what NAT detection found, a selector
//! narrowing). The state machine computes them (`ike::auth`, `ike::cookie`, `ike::cp`,
//! `ike::nat`, `ike::ts`); they are defined here, below it, so that events depend on
//! no state machine code.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::wire::TrafficSelector;
use crate::wire::iana::AuthMethod;

/// Why the peer's AUTH payload was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuthFailure {
    /// The peer used another authentication method than the configuration requires.
    MethodMismatch {
        expected: AuthMethod,
        received: AuthMethod,
    },
    /// The shared-key MIC does not verify: the two pre-shared keys differ (or the
    /// IKE_SA_INIT messages were tampered with).
    SharedKeyMismatch,
    /// The message carries no AUTH payload.
    Missing,
}

/// Why a cookie is demanded (or not), for the trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CookiePolicy {
    /// Half-open IKE SAs of this responder, counting the request being answered.
    pub half_open: u32,
    /// Of those, from the requesting IP address.
    pub half_open_from_ip: u32,
    /// strongSwan's `cookie_threshold` (0: never).
    pub threshold: u32,
    /// strongSwan's `cookie_threshold_ip` (0: never).
    pub threshold_ip: u32,
    /// Whether the thresholds are reached.
    pub required: bool,
}

/// One address a CFG_REQUEST asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressRequest {
    pub ipv6: bool,
    /// The address the initiator would like, if it named one.
    pub preferred: Option<IpAddr>,
}

/// What the NAT detection notifies of one message say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NatDetection {
    /// The peer sent both notifies, so it supports NAT traversal.
    pub peer_supports_nat_t: bool,
    /// Our own address as the peer saw it is not what we sent from: we are behind a
    /// NAT (strongSwan's "local host is behind NAT").
    pub local_behind_nat: bool,
    /// The peer's address as we see it is not what it sent from: the peer is behind a
    /// NAT, or fakes it to force UDP encapsulation.
    pub remote_behind_nat: bool,
}

/// The outcome of narrowing one side, for the trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TsNarrowing {
    /// What the initiator proposed for this side.
    pub proposed: Vec<TrafficSelector>,
    /// Our configured selectors for this side, `dynamic` resolved.
    pub configured: Vec<TrafficSelector>,
    /// The narrowed result (empty: unacceptable).
    pub result: Vec<TrafficSelector>,
}
