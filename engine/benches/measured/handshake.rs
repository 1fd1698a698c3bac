//! The handshake the `handshake` benchmark times: the suites, the two peers'
//! configurations, the engines and the loop that hands datagrams across.

use core::time::Duration;

use ikelab_engine::config::PeerConfig;
use ikelab_engine::crypto::CryptoProvider;
use ikelab_engine::ike::SaState;
use ikelab_engine::wire::iana::{DhId, EncrId, IntegId};
use ikelab_engine::{Engine, EngineConfig};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

pub(crate) struct Suite {
    pub(crate) name: &'static str,
    pub(crate) ike: &'static str,
    pub(crate) esp: &'static str,
    pub(crate) group: DhId,
    pub(crate) encr: EncrId,
    pub(crate) key_bits: u16,
    pub(crate) integ: Option<IntegId>,
}

pub(crate) const SUITES: [Suite; 2] = [
    Suite {
        name: "x25519-aes256gcm16-prfsha256",
        ike: "aes256gcm16-prfsha256-x25519",
        esp: "aes256gcm16",
        group: DhId::CURVE25519,
        encr: EncrId::AES_GCM_16,
        key_bits: 256,
        integ: None,
    },
    Suite {
        name: "modp2048-aes128cbc-sha256",
        ike: "aes128-sha256-modp2048",
        esp: "aes128-sha256",
        group: DhId::MODP_2048,
        encr: EncrId::AES_CBC,
        key_bits: 128,
        integ: Some(IntegId::HMAC_SHA2_256_128),
    },
];

/// Not the shared fixtures (`sim::fixtures`): both sides take the same shape, one
/// suite per run, dynamic selectors and no virtual IP, so the measured handshake is
/// the key exchange and AUTH alone, without a configuration payload exchange.
pub(crate) fn peer_config(
    local: &str,
    remote: &str,
    id: &str,
    peer: &str,
    suite: &Suite,
) -> PeerConfig {
    let text = format!(
        r#"
local_addrs = ["{local}"]
remote_addrs = ["{remote}"]
proposals = ["{ike}"]
[local]
auth = "psk"
id = "{id}"
[remote]
auth = "psk"
id = "{peer}"
[children.net]
esp_proposals = ["{esp}"]
local_ts = ["dynamic"]
remote_ts = ["dynamic"]
[secrets]
psk = "bench-secret"
"#,
        ike = suite.ike,
        esp = suite.esp,
    );
    toml::from_str(&text).expect("benchmark configuration")
}

pub(crate) fn engine(
    provider: &'static CryptoProvider,
    responder: Vec<PeerConfig>,
    seed: u64,
) -> Engine {
    let config = EngineConfig {
        responder,
        dissect: false,
        provider,
        ..EngineConfig::default()
    };
    Engine::new(config, Box::new(ChaCha20Rng::seed_from_u64(seed))).expect("engine")
}

/// One handshake between two fresh engines; returns both, so that tearing them down
/// falls outside the measurement as building them does (criterion drops the outputs
/// of `iter_batched` after timing). Never inlined: its name is what callgrind's
/// `--toggle-collect='*measured_*'` collects.
#[inline(never)]
pub(crate) fn measured_handshake(
    mut a: Engine,
    mut b: Engine,
    initiator: &PeerConfig,
) -> (Engine, Engine) {
    let now = Duration::ZERO;
    let id = a.initiate(now, initiator).expect("initiate");
    loop {
        let mut moved = false;
        while let Some(d) = a.poll_transmit() {
            b.handle_datagram(now, d);
            moved = true;
        }
        while let Some(d) = b.poll_transmit() {
            a.handle_datagram(now, d);
            moved = true;
        }
        if !moved {
            break;
        }
    }
    while a.poll_event().is_some() {}
    while b.poll_event().is_some() {}
    assert_eq!(a.ike_sa(id).map(|s| s.state), Some(SaState::Established));
    (a, b)
}
