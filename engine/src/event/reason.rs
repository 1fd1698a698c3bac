//! Why an IKE SA went down, why a CHILD SA was not created, and why one was removed.

use serde::{Deserialize, Serialize};

use super::{AuthFailure, Cause, Problem};
use crate::wire::iana::{ExchangeType, NotifyType};

/// Why an IKE SA is gone (or never came up).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DownReason {
    /// The retransmission budget of a request was spent without a response
    /// (RFC 7296 §2.4).
    Timeout {
        exchange: ExchangeType,
        message_id: u32,
        /// How often the request was sent in all.
        transmissions: u32,
    },
    /// A responder's half-open IKE SA saw no IKE_AUTH in time.
    HalfOpenExpired,
    /// The peer answered (or informed us) with an error notification.
    PeerError {
        exchange: ExchangeType,
        notify: NotifyType,
    },
    /// We refused the peer's request with an error notification.
    Refused {
        exchange: ExchangeType,
        notify: NotifyType,
        problem: Problem,
    },
    /// We could not accept the peer's response (its proposal, key exchange, AUTH,
    /// identity or syntax); where the RFC asks for it, we told the peer.
    Rejected {
        exchange: ExchangeType,
        problem: Problem,
    },
    /// The peer's AUTH did not verify.
    AuthenticationFailed { failure: AuthFailure },
    /// The peer deleted the IKE SA (RFC 7296 §1.4.1).
    DeletedByPeer,
    /// A new IKE SA of the same peer came with INITIAL_CONTACT (RFC 7296 §2.4).
    ReplacedByInitialContact { new_sa: super::IkeSaId },
    /// Something on our side failed (a configuration the provider cannot run).
    Local { problem: Problem },
    /// A request of the established SA went unanswered through the whole
    /// retransmission budget (RFC 7296 §2.4: the peer is dead).
    DeadPeer {
        exchange: ExchangeType,
        message_id: u32,
        transmissions: u32,
    },
    /// We deleted the IKE SA (RFC 7296 §1.4.1), for this reason.
    Deleted { cause: Cause },
    /// The hard lifetime ran out before a rekey replaced the SA.
    Expired,
}

impl DownReason {
    pub fn describe(&self) -> String {
        use crate::wire::summary::{exchange_name, notify_name};
        match self {
            Self::Timeout {
                exchange,
                message_id,
                transmissions,
            } => format!(
                "giving up after {transmissions} transmissions of {} request {message_id}",
                exchange_name(*exchange)
            ),
            Self::HalfOpenExpired => "half-open IKE_SA timed out".to_owned(),
            Self::PeerError { exchange, notify } => format!(
                "received {} notify error in {}",
                notify_name(*notify),
                exchange_name(*exchange)
            ),
            Self::Refused {
                exchange,
                notify,
                problem,
            } => format!(
                "sent {} in {}: {problem}",
                notify_name(*notify),
                exchange_name(*exchange)
            ),
            Self::Rejected { exchange, problem } => {
                format!("{} response rejected: {problem}", exchange_name(*exchange))
            }
            Self::AuthenticationFailed { failure } => format!("authentication failed: {failure}"),
            Self::DeletedByPeer => "deleted by the peer".to_owned(),
            Self::ReplacedByInitialContact { new_sa } => {
                format!("replaced by {new_sa} (INITIAL_CONTACT)")
            }
            Self::Local { problem } => problem.describe(),
            Self::DeadPeer {
                exchange,
                message_id,
                transmissions,
            } => format!(
                "dead peer: {transmissions} transmissions of {} request {message_id} unanswered",
                exchange_name(*exchange)
            ),
            Self::Deleted { cause } => format!("deleted ({})", cause.describe()),
            Self::Expired => "hard lifetime expired".to_owned(),
        }
    }

    /// Whether this is a retransmission timeout (what the lossy sweep counts).
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            Self::Timeout { .. } | Self::HalfOpenExpired | Self::DeadPeer { .. }
        )
    }
}

/// Why a CHILD SA was not created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChildFailure {
    /// The peer answered with an error notification.
    PeerError { notify: NotifyType },
    /// We answered the peer's request with an error notification.
    Refused {
        notify: NotifyType,
        problem: Problem,
    },
    /// The peer's answer does not fit what we proposed.
    Rejected { problem: Problem },
}

impl ChildFailure {
    pub fn describe(&self) -> String {
        use crate::wire::summary::notify_name;
        match self {
            Self::PeerError { notify } => format!("received {}", notify_name(*notify)),
            Self::Refused { notify, problem } => {
                format!("sent {}: {problem}", notify_name(*notify))
            }
            Self::Rejected { problem } => problem.describe(),
        }
    }
}

/// Why a CHILD SA was removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChildDownReason {
    /// We deleted it (RFC 7296 §1.4.1), for this reason, and the peer answered.
    Deleted { cause: Cause },
    /// The peer deleted it (RFC 7296 §1.4.1).
    DeletedByPeer,
    /// The peer deleted its IKE SA, which closes its CHILD SAs (RFC 7296 §1.4.1).
    IkeSaDeletedByPeer,
    /// Its IKE SA ended on the peer's error notify (RFC 7296 §2.21.2, §3.10.1).
    IkeSaPeerError { notify: NotifyType },
    /// Its IKE SA is gone (closed, timed out, replaced).
    IkeSaGone,
    /// It was to move to the IKE SA that replaced its own (RFC 7296 §2.18), which is
    /// gone too.
    NewIkeSaGone,
}

impl ChildDownReason {
    pub fn describe(&self) -> String {
        match self {
            Self::Deleted { cause } => match cause {
                Cause::Lifetime { limit, .. } => format!("lifetime ({limit})"),
                Cause::Rekeyed => "rekeyed".to_owned(),
                Cause::Collision => "redundant after a rekey collision".to_owned(),
                other => format!("deleted ({})", other.describe()),
            },
            Self::DeletedByPeer => "deleted by the peer".to_owned(),
            Self::IkeSaDeletedByPeer => "its IKE SA was deleted by the peer".to_owned(),
            Self::IkeSaPeerError { notify } => format!(
                "its IKE SA ended on the peer's {} notify",
                crate::wire::summary::notify_name(*notify)
            ),
            Self::IkeSaGone => "its IKE SA is gone".to_owned(),
            Self::NewIkeSaGone => "the IKE SA it was to move to is gone".to_owned(),
        }
    }
}
