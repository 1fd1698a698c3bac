//! Why an IKE SA went down and why a CHILD SA was not created.

use serde::{Deserialize, Serialize};

use super::AuthFailure;
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
        detail: String,
    },
    /// We could not accept the peer's response (its proposal, key exchange, AUTH,
    /// identity or syntax); where the RFC asks for it, we told the peer.
    Rejected {
        exchange: ExchangeType,
        detail: String,
    },
    /// The peer's AUTH did not verify.
    AuthenticationFailed { failure: AuthFailure },
    /// The peer deleted the IKE SA (RFC 7296 §1.4.1).
    DeletedByPeer,
    /// A new IKE SA of the same peer came with INITIAL_CONTACT (RFC 7296 §2.4).
    ReplacedByInitialContact { new_sa: super::IkeSaId },
    /// Something on our side failed (a configuration the provider cannot run).
    Local { detail: String },
    /// A request of the established SA went unanswered through the whole
    /// retransmission budget (RFC 7296 §2.4: the peer is dead).
    DeadPeer {
        exchange: ExchangeType,
        message_id: u32,
        transmissions: u32,
    },
    /// We deleted the IKE SA (RFC 7296 §1.4.1), for this reason.
    Deleted { cause: super::Cause },
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
                detail,
            } => format!(
                "sent {} in {}: {detail}",
                notify_name(*notify),
                exchange_name(*exchange)
            ),
            Self::Rejected { exchange, detail } => {
                format!("{} response rejected: {detail}", exchange_name(*exchange))
            }
            Self::AuthenticationFailed { failure } => format!("authentication failed: {failure}"),
            Self::DeletedByPeer => "deleted by the peer".to_owned(),
            Self::ReplacedByInitialContact { new_sa } => {
                format!("replaced by {new_sa} (INITIAL_CONTACT)")
            }
            Self::Local { detail } => detail.clone(),
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
    Refused { notify: NotifyType, detail: String },
    /// The peer's answer does not fit what we proposed.
    Rejected { detail: String },
}

impl ChildFailure {
    pub fn describe(&self) -> String {
        use crate::wire::summary::notify_name;
        match self {
            Self::PeerError { notify } => format!("received {}", notify_name(*notify)),
            Self::Refused { notify, detail } => format!("sent {}: {detail}", notify_name(*notify)),
            Self::Rejected { detail } => detail.clone(),
        }
    }
}
