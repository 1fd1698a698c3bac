//! The states of an IKE SA as events and status report them (the state machine's
//! typed states, `ike::state`, map onto these names).

use serde::{Deserialize, Serialize};

/// The state of an IKE SA, as events and status report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SaState {
    /// Initiator: IKE_SA_INIT request sent.
    InitSent,
    /// Initiator: IKE_AUTH request sent.
    AuthSent,
    /// Responder: IKE_SA_INIT answered, waiting for IKE_AUTH (a half-open SA).
    HalfOpen,
    /// Authenticated; CHILD SAs may exist.
    Established,
    /// Down; kept only to answer retransmissions.
    Closing,
}
