//! A peer of the simulation: a full [`Engine`] with its addresses and its seed.

use std::net::IpAddr;
use std::sync::Arc;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::config::PeerConfig;
use crate::crypto::RUST_CRYPTO;
use crate::ike::{Engine, EngineConfig, EngineError, SaState};
use crate::keylog::{KeyLog, KeyLogs, KeyRecorder};

use super::expect::PeerOutcome;
use super::simulator::SimOptions;

/// One simulated host.
#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) name: String,
    /// Its position: part of its RNG seed.
    pub(crate) index: u32,
    /// The configurations its engine answers IKE_SA_INIT with.
    pub(crate) responder: Vec<PeerConfig>,
    /// Its addresses (a datagram from any other source is dropped, unless it spoofs).
    pub(crate) addrs: Vec<IpAddr>,
    /// An attacker sends from addresses it does not have.
    pub(crate) spoofs: bool,
    /// `None` while killed.
    pub(crate) engine: Option<Engine>,
    /// How often it started (part of its RNG seed, so a restarted peer draws new
    /// SPIs and nonces, as a rebooted host would).
    pub(crate) starts: u32,
    /// The key log that puts its keys in the trace (`SimOptions::keys_in_trace`).
    pub(crate) keys: Option<Arc<KeyRecorder>>,
    /// A driver's own key log (`SimOptions::key_log`), beside `keys`.
    pub(crate) driver_key_log: Option<Arc<dyn KeyLog>>,
}

/// The 32-octet ChaCha20 seed of an engine: the scenario seed (8 octets,
/// little-endian), the node's index and its start count (4 octets each), zeros.
/// Every random value of a run (SPIs, nonces, private keys, IVs, cookie secrets)
/// follows from it; the crypto provider is the pure-Rust one on every target, so a
/// run is the same bytes natively and in WASM.
pub(crate) fn engine_seed(seed: u64, index: u32, starts: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[..8].copy_from_slice(&seed.to_le_bytes());
    out[8..12].copy_from_slice(&index.to_le_bytes());
    out[12..16].copy_from_slice(&starts.to_le_bytes());
    out
}

impl Node {
    pub(crate) fn new(
        name: &str,
        index: u32,
        responder: Vec<PeerConfig>,
        addrs: Vec<IpAddr>,
        spoofs: bool,
    ) -> Self {
        Self {
            name: name.to_owned(),
            index,
            responder,
            addrs,
            spoofs,
            engine: None,
            starts: 0,
            keys: None,
            driver_key_log: None,
        }
    }

    /// Its key logs as `options` asks (set before it starts).
    pub(crate) fn with_key_logs(mut self, options: &SimOptions) -> Self {
        self.keys = options.keys_in_trace.then(|| Arc::new(KeyRecorder::new()));
        self.driver_key_log = options.key_log.clone();
        self
    }

    /// The sink its engine logs keys to: the trace's recorder, the driver's, both
    /// or none.
    fn key_log(&self) -> Option<Arc<dyn KeyLog>> {
        let recorder = self.keys.clone().map(|r| r as Arc<dyn KeyLog>);
        match (recorder, self.driver_key_log.clone()) {
            (Some(recorder), Some(driver)) => Some(Arc::new(KeyLogs(vec![recorder, driver]))),
            (one, None) | (None, one) => one,
        }
    }

    /// Starts (or restarts) the engine from a fresh seed.
    pub(crate) fn start(&mut self, seed: u64) -> Result<(), EngineError> {
        let config = EngineConfig {
            responder: self.responder.clone(),
            key_log: self.key_log(),
            dissect: true,
            provider: &RUST_CRYPTO,
            ..EngineConfig::default()
        };
        let rng = ChaCha20Rng::from_seed(engine_seed(seed, self.index, self.starts));
        self.starts += 1;
        self.engine = Some(Engine::new(config, Box::new(rng))?);
        Ok(())
    }

    /// Its IKE and CHILD SAs now.
    pub(crate) fn outcome(&self) -> PeerOutcome {
        let Some(engine) = &self.engine else {
            return PeerOutcome::default();
        };
        let infos: Vec<_> = engine
            .ike_sa_ids()
            .into_iter()
            .filter_map(|id| engine.ike_sa(id))
            .collect();
        let established = || infos.iter().filter(|i| i.state == SaState::Established);
        let mut ike_spis: Vec<_> = established().map(|i| (i.spi_i, i.spi_r)).collect();
        ike_spis.sort_unstable();
        let mut child_spis: Vec<_> = engine.child_sas().map(|c| (c.spi_in, c.spi_out)).collect();
        child_spis.sort_unstable();
        PeerOutcome {
            established: established().count(),
            in_progress: infos
                .iter()
                .filter(|i| !matches!(i.state, SaState::Established | SaState::Closing))
                .count(),
            child_sas: child_spis.len(),
            ike_spis,
            child_spis,
        }
    }
}
