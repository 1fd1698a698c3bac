//! Engine-wide settings.

use std::sync::Arc;

use crate::config::PeerConfig;
use crate::crypto::{CryptoProvider, default_provider};
use crate::keylog::KeyLog;

/// How an [`Engine`](super::Engine) is set up.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Configurations the engine answers IKE_SA_INIT requests with (a gateway's
    /// connections). The first one whose `local_addrs` / `remote_addrs` accept the
    /// request's addresses and whose proposals fit is used; IKE_AUTH may move to
    /// another one whose identities fit. Empty: the engine only initiates.
    pub responder: Vec<PeerConfig>,
    /// The sink secrets leave through (key schedule steps, IKE SA and CHILD SA keys:
    /// for a lab and for Wireshark's decryption tables). `None` by default: then no
    /// secret leaves the engine, in events or otherwise. Whoever installs one
    /// publishes secrets (see [`KeyLog`]).
    pub key_log: Option<Arc<dyn KeyLog>>,
    /// Attach the full dissection (every field, decrypted SK contents) to message
    /// events. On by default; a benchmark or a busy gateway turns it off.
    pub dissect: bool,
    /// Our IKE port as the driver bound it (RFC 7296 §2: 500).
    pub ike_port: u16,
    /// Our NAT-T port (RFC 3948: 4500): datagrams to and from it carry the Non-ESP
    /// Marker, and IKE floats to it when NAT is detected.
    pub nat_t_port: u16,
    /// The algorithm implementations (default: `crypto::default_provider()`, the
    /// native provider when the `native-crypto` feature is on).
    pub provider: &'static CryptoProvider,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            responder: Vec::new(),
            key_log: None,
            dissect: true,
            ike_port: 500,
            nat_t_port: 4500,
            provider: default_provider(),
        }
    }
}
