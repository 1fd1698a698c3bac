//! Handles for the SAs an [`Engine`](crate::Engine) holds.
//!
//! Handles are numbers the engine hands out in order (1, 2, 3, ...), never reused
//! within one engine, so a seeded run names its SAs identically every time. They are
//! not the SPIs: the SPIs are on the wire, the handles are the driver's.

use core::fmt;

use serde::{Deserialize, Serialize};

/// One IKE SA of an engine (initiator or responder side).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IkeSaId(pub u64);

/// One CHILD SA (a pair of ESP SAs) of an engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChildSaId(pub u64);

impl fmt::Display for IkeSaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IKE SA #{}", self.0)
    }
}

impl fmt::Display for ChildSaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CHILD SA #{}", self.0)
    }
}
