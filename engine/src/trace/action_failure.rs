//! Why a peer could not carry out what a scenario's script asked of it: a command
//! for its engine, or an inner packet to send through its CHILD SA. The reason of
//! the `script_failed` and `esp_not_sent` network records.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::child::EspError;
use crate::ike::{CommandError, EngineError};
use crate::wire::ip::IpError;

/// Why a script action or a packet to send came to nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ActionFailure {
    /// The peer was killed and not restarted.
    PeerDown,
    /// The peer has no established IKE SA to act on.
    NoEstablishedIkeSa,
    /// The peer has no installed CHILD SA (of the `[children.NAME]`, if named).
    NoChildSa {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        child: Option<String>,
    },
    /// The CHILD SA's selectors name no host to send from or to (RFC 7296 §3.13.1).
    NoHostInSelectors,
    /// `initiate` was refused.
    InitiateRefused { error: EngineError },
    /// A lifecycle command was refused.
    CommandRefused { error: CommandError },
    /// A replay was asked for before any ESP packet went towards the peer.
    NoEspPacketYet { towards: String },
    /// The inner packet could not be built.
    InnerPacket { error: IpError },
    /// The data plane refused to seal the packet (RFC 4303 §3.3).
    SealRefused { error: EspError },
}

impl fmt::Display for ActionFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PeerDown => f.write_str("it is down"),
            Self::NoEstablishedIkeSa => f.write_str("it has no established IKE SA"),
            Self::NoChildSa { child: Some(name) } => {
                write!(f, "it has no installed CHILD SA of [children.{name}]")
            }
            Self::NoChildSa { child: None } => f.write_str("it has no installed CHILD SA"),
            Self::NoHostInSelectors => f.write_str("its CHILD SA has no IP traffic selectors"),
            Self::InitiateRefused { error } => write!(f, "{error}"),
            Self::CommandRefused { error } => write!(f, "the engine refused: {error}"),
            Self::NoEspPacketYet { towards } => {
                write!(f, "the network carried no ESP packet towards {towards} yet")
            }
            Self::InnerPacket { error } => write!(f, "{error}"),
            Self::SealRefused { error } => write!(f, "{error}"),
        }
    }
}
