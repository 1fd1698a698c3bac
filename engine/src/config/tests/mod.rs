//! Tests of `PeerConfig` through TOML (the `toml` crate is a dev-dependency only: the
//! engine reads no text formats itself).

mod defaults;
mod durations;
mod example;
mod identities;
#[cfg(not(target_arch = "wasm32"))]
#[cfg(not(target_arch = "wasm32"))] // proptest is native-only
mod props;
mod roundtrip;
mod secrets;
mod selectors;
mod validation;

use super::{ConfigErrors, PeerConfig, Role};

/// Reads a configuration from TOML, as `ikelab --config` and the scenario loader do.
fn from_toml(text: &str) -> Result<PeerConfig, toml::de::Error> {
    toml::from_str(text)
}

/// Reads a configuration that must parse.
fn parse(text: &str) -> PeerConfig {
    match from_toml(text) {
        Ok(config) => config,
        Err(e) => panic!("configuration did not parse:\n{e}\n---\n{text}"),
    }
}

/// The message of a configuration that must not parse.
fn parse_error(text: &str) -> String {
    match from_toml(text) {
        Ok(config) => panic!("configuration parsed but should not have: {config:?}\n---\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// Writes a configuration as TOML.
fn to_toml(config: &PeerConfig) -> String {
    toml::to_string(config).expect("every PeerConfig serialises to TOML")
}

/// The problems `validate_for(role)` (or `validate()` with `None`) reports.
fn problems(config: &PeerConfig, role: Option<Role>) -> ConfigErrors {
    let result = match role {
        Some(role) => config.validate_for(role),
        None => config.validate(),
    };
    result.err().unwrap_or_default()
}

/// The example of ../shared/DESIGN.md ("PeerConfig follows swanctl.conf's shape"),
/// with one change: the sketch's `[pools.vpool]` is `[ip_pools.vpool]`, because its
/// `pools = []` already takes the key (TOML refuses a key that is both an array and a
/// table).
const DESIGN_EXAMPLE: &str = r#"
# one connection, as swanctl calls it
version = 2
local_addrs  = ["192.0.2.2"]
remote_addrs = ["192.0.2.1"]
proposals    = ["aes256gcm16-prfsha256-x25519", "aes128-sha256-modp2048"]
vips         = ["0.0.0.0"]          # ask for a virtual IP (CP)
pools        = []                   # responder: names of [ip_pools.*]
dpd_delay    = "30s"
rekey_time   = "4h"
encap        = false                # force UDP encapsulation
mobike       = false              # MOBIKE is not supported yet
[retransmit]                        # strongSwan's defaults
timeout = "4s"
base    = 1.8
tries   = 5
[local]
auth = "psk"                        # later: "pubkey", "eap-mschapv2"
id   = "cl.example"
[remote]
auth = "psk"
id   = "gw.example"
[children.net]
esp_proposals = ["aes256gcm16"]
local_ts      = ["dynamic"]
remote_ts     = ["10.1.0.0/24"]
mode          = "tunnel"
rekey_time    = "1h"
[secrets]
psk = "not-a-real-secret"            # or psk_file = "..."
[ip_pools.vpool]
addrs = "10.3.0.0/24"
dns   = ["10.1.0.53"]
"#;
