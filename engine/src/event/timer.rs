//! The kinds of timers an IKE SA arms, as events report them.

use serde::{Deserialize, Serialize};

use super::{Action, ChildSaId};
use crate::wire::iana::ExchangeType;

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

/// What an armed timer is for, so a reader sees "rekey CHILD SA #2 (soft lifetime)"
/// rather than a table slot. One [`Timer`] kind can serve several purposes: the
/// `Lifetime` timer is armed for the earliest of the IKE SA's and its CHILD SAs' soft
/// and hard lifetimes and the retries of failed exchanges (RFC 7296 §2.8, §2.25).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "for", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TimerPurpose {
    /// Retransmit our outstanding request, or give up once the budget is spent
    /// (RFC 7296 §2.1, §2.4). `transmissions` counts the sends so far.
    Retransmit {
        exchange: ExchangeType,
        message_id: u32,
        transmissions: u32,
    },
    /// Drop this half-open responder SA (no IKE_AUTH arrived).
    HalfOpen,
    /// Send a NAT keep-alive unless another packet went to the peer (RFC 3948 §4).
    Keepalive,
    /// Forget the closed SA kept to answer retransmissions (RFC 7296 §2.1).
    Linger,
    /// Check whether the peer was heard from, else start a liveness check (§2.4).
    Dpd,
    /// The IKE SA's soft lifetime: rekey it (§2.18).
    IkeRekey,
    /// The IKE SA's hard lifetime: delete it if it was not replaced.
    IkeExpire,
    /// A CHILD SA's soft lifetime: rekey it (§2.8).
    ChildRekey { child: ChildSaId },
    /// A CHILD SA's hard lifetime: delete it.
    ChildExpire { child: ChildSaId },
    /// Retry an exchange that failed (TEMPORARY_FAILURE, a failed rekey; §2.25).
    Retry { action: Action },
}

impl TimerPurpose {
    /// "rekey CHILD SA #2 (soft lifetime)".
    pub fn describe(&self) -> String {
        match self {
            Self::Retransmit {
                exchange,
                message_id,
                transmissions,
            } => format!(
                "retransmit {} request {message_id} (sent {transmissions} time{} so far)",
                crate::wire::summary::exchange_name(*exchange),
                if *transmissions == 1 { "" } else { "s" }
            ),
            Self::HalfOpen => "drop the half-open IKE_SA".to_owned(),
            Self::Keepalive => "send a NAT keep-alive if nothing else is sent".to_owned(),
            Self::Linger => "forget the closed IKE_SA".to_owned(),
            Self::Dpd => "check the peer's liveness".to_owned(),
            Self::IkeRekey => "rekey the IKE_SA (soft lifetime)".to_owned(),
            Self::IkeExpire => "delete the IKE_SA (hard lifetime)".to_owned(),
            Self::ChildRekey { child } => format!("rekey {child} (soft lifetime)"),
            Self::ChildExpire { child } => format!("delete {child} (hard lifetime)"),
            Self::Retry { action } => format!("retry: {}", action.describe()),
        }
    }
}
