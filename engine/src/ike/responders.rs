//! Responder configurations added and removed while the engine runs (a gateway
//! reloads its configuration without dropping its SAs, as `swanctl --load-conns`
//! does).
//!
//! Each configuration gets a [`ResponderId`] that is never reused: the trace's
//! `peer_config` decisions name a configuration by it, so removing one does not
//! renumber the others. An IKE SA keeps the compiled policy it was made with (an
//! `Arc`), so removing its configuration leaves it up; a new IKE_SA_INIT that no
//! configuration accepts is answered NO_PROPOSAL_CHOSEN, as charon answers a peer
//! it has no configuration for.
//!
//! What must outlive a reload does not hang on the id: pool leases belong to the
//! pool (its name and addresses, `ike::cp`), so a configuration removed and added
//! again hands a returning client its address and no one else's; INITIAL_CONTACT
//! and the uniqueness policy (RFC 7296 §2.4, swanctl.conf(5) `unique`,
//! `ike::uniqueness`) compare the authenticated identities, so they find the SAs
//! made under the configuration before the reload.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::engine::Engine;
use super::error::EngineError;
use super::policy::Policy;
use crate::config::{PeerConfig, Role};

/// A responder configuration of an [`Engine`], stable while it is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ResponderId(pub usize);

impl core::fmt::Display for ResponderId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "responder configuration {}", self.0)
    }
}

/// Compiles `config` as responder configuration `id`.
pub(super) fn compile(config: PeerConfig, id: ResponderId) -> Result<Arc<Policy>, EngineError> {
    Policy::new(config, Role::Responder, id.0)
        .map(Arc::new)
        .map_err(|errors| EngineError::Config {
            responder: Some(id.0),
            errors,
        })
}

impl Engine {
    /// Loads another responder configuration, tried after those already loaded.
    /// An invalid one is refused with every problem listed, and nothing changes.
    pub fn add_responder(&mut self, config: PeerConfig) -> Result<ResponderId, EngineError> {
        let id = ResponderId(self.next_responder);
        let policy = compile(config, id)?;
        self.next_responder += 1;
        self.responders.push(policy);
        Ok(id)
    }

    /// Unloads a responder configuration: new IKE SAs can no longer use it; the IKE
    /// SAs made with it stay up with their policy. Returns the configuration, or
    /// `None` if no such one is loaded.
    pub fn remove_responder(&mut self, id: ResponderId) -> Option<PeerConfig> {
        let position = self.responders.iter().position(|p| p.index == id.0)?;
        let policy = self.responders.remove(position);
        Some(policy.config.clone())
    }

    /// The loaded responder configurations, in the order they are tried.
    pub fn responders(&self) -> impl Iterator<Item = (ResponderId, &PeerConfig)> {
        self.responders
            .iter()
            .map(|p| (ResponderId(p.index), &p.config))
    }
}
