//! The gateway's file: several connections in swanctl.conf's shape, the address
//! pools they assign from, and one pre-shared key per client identity.
//!
//! ```toml
//! [connections.rw]            # a responder PeerConfig (README "Configuration")
//! local_addrs = ["192.0.2.1"]
//! pools = ["vpool"]
//! [connections.rw.local]
//! auth = "psk"
//! id = "gw.example"
//! [connections.rw.remote]
//! auth = "psk"
//! id = "%any"                 # or a pattern: "*.example", "*@example.org"
//! [connections.rw.children.net]
//! local_ts = ["203.0.113.0/25"]
//!
//! [pools.vpool]               # swanctl.conf(5) pools.<name>
//! addrs = "203.0.113.128/25"
//! dns = ["203.0.113.53"]
//!
//! [secrets.ike-alice]         # swanctl.conf(5) secrets.ike<suffix>
//! id = "alice.example"        # the client identity the key belongs to
//! secret = "alice's key"      # ASCII, 0x hex or 0s Base64, as in swanctl
//! ```
//!
//! IKEv2 PSK authentication needs the key before AUTH can be checked, and the key
//! depends on who the client says it is (IDi, RFC 7296 §2.15). So each connection is
//! loaded into the engine as one responder configuration per `[secrets.*]` entry
//! whose `id` its `remote.id` matches (with that identity and key), plus the
//! connection itself when it carries its own `[connections.NAME.secrets] psk` for
//! any other client. IKE_AUTH then picks the configuration by the client's identity
//! (the engine's `PeerConfig` decision).
//!
//! Reading is all or nothing: a file with any problem is refused whole, each
//! problem named by its key.

use std::path::Path;

use ikelab_engine::config::{Identity, Named, PeerConfig, Pool, PskText, Role};
use serde::Deserialize;

/// What the file holds, before the connections are expanded.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GatewayFile {
    #[serde(default)]
    connections: Named<PeerConfig>,
    #[serde(default)]
    pools: Named<Pool>,
    #[serde(default)]
    secrets: Named<IdentitySecret>,
}

/// `[secrets.NAME]`: the pre-shared key of one client identity.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentitySecret {
    id: Identity,
    secret: PskText,
}

/// One `[connections.NAME]`, as the engine's responder configurations.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Connection {
    pub(crate) name: String,
    /// One per client identity with a key of its own, then the connection's own
    /// key (if any) for every other identity.
    pub(crate) configs: Vec<PeerConfig>,
}

/// The whole file, checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Gateway {
    pub(crate) connections: Vec<Connection>,
    /// Secrets that no connection's `remote.id` matches (worth a warning).
    pub(crate) unused_secrets: Vec<String>,
}

impl Gateway {
    /// The address to bind: the first single address of a connection's
    /// `local_addrs`.
    pub(crate) fn local_addr(&self) -> Option<std::net::IpAddr> {
        self.connections
            .iter()
            .flat_map(|c| &c.configs)
            .find_map(PeerConfig::initiator_local_addr)
    }
}

/// Reads and checks the file's text; `dir` is where `psk_file` paths start.
pub(crate) fn parse(text: &str, dir: &Path) -> Result<Gateway, String> {
    let file: GatewayFile = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut problems = Vec::new();
    if file.connections.is_empty() {
        problems
            .push("connections: none; a gateway needs at least one [connections.NAME]".to_owned());
    }
    for (name, secret) in file.secrets.iter() {
        if secret.id.has_wildcard() {
            problems.push(format!(
                "secrets.{name}.id: {:?} is a pattern; a key belongs to one identity",
                secret.id.as_str()
            ));
        }
    }
    let mut used = vec![false; file.secrets.len()];
    let mut connections = Vec::new();
    for (name, peer) in file.connections.iter() {
        match expand(name, peer, &file, dir, &mut used) {
            Ok(configs) => connections.push(Connection {
                name: name.to_owned(),
                configs,
            }),
            Err(mut lines) => problems.append(&mut lines),
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let unused_secrets = file
        .secrets
        .names()
        .zip(&used)
        .filter(|(_, used)| !**used)
        .map(|(name, _)| name.to_owned())
        .collect();
    Ok(Gateway {
        connections,
        unused_secrets,
    })
}

/// The responder configurations of connection `name` (see the module
/// documentation), each checked as a responder's (`PeerConfig::validate_for`).
fn expand(
    name: &str,
    peer: &PeerConfig,
    file: &GatewayFile,
    dir: &Path,
    used: &mut [bool],
) -> Result<Vec<PeerConfig>, Vec<String>> {
    let at = |key: &str| format!("connections.{name}.{key}");
    let mut problems = Vec::new();
    let mut base = peer.clone();
    for pool in &peer.pools {
        if base.ip_pools.contains(pool) {
            continue;
        }
        match file.pools.get(pool) {
            Some(found) => base.ip_pools.insert(pool.clone(), found.clone()),
            None => problems.push(format!(
                "{}: no [pools.{pool}] in the file (the pools are: {})",
                at("pools"),
                list(file.pools.names())
            )),
        }
    }
    if let Some(file_name) = base.secrets.psk_file.clone() {
        let path = dir.join(&file_name);
        match std::fs::read_to_string(&path) {
            Ok(contents) => base.secrets.resolve_psk_file(&contents),
            Err(e) => problems.push(format!(
                "{}: cannot read {}: {e}",
                at("secrets.psk_file"),
                path.display()
            )),
        }
    }
    let mut configs = Vec::new();
    for (index, (_, secret)) in file.secrets.iter().enumerate() {
        let Some(id) = secret.id.payload() else {
            continue;
        };
        if secret.id.has_wildcard() || !peer.remote.id.matches(id) {
            continue;
        }
        if let Some(used) = used.get_mut(index) {
            *used = true;
        }
        let mut config = base.clone();
        config.remote.id = secret.id.clone();
        config.secrets.psk = Some(secret.secret.clone());
        configs.push(config);
    }
    if base.secrets.psk.is_some() {
        configs.push(base);
    } else if configs.is_empty() {
        problems.push(format!(
            "{}: no pre-shared key: give [connections.{name}.secrets] psk, or a \
             [secrets.NAME] entry whose id the connection's remote.id ({:?}) matches",
            at("secrets"),
            peer.remote.id.as_str()
        ));
    }
    for config in &configs {
        if let Err(errors) = config.validate_for(Role::Responder) {
            for error in errors.iter() {
                let line = format!("connections.{name}.{error}");
                if !problems.contains(&line) {
                    problems.push(line);
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(configs)
    } else {
        Err(problems)
    }
}

fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GATEWAY: &str = r#"
[connections.rw]
local_addrs = ["192.0.2.1"]
pools = ["vpool"]
[connections.rw.local]
auth = "psk"
id = "gw.example"
[connections.rw.remote]
auth = "psk"
id = "*.example"
[connections.rw.children.net]
local_ts = ["203.0.113.0/25"]

[connections.site]
local_addrs = ["192.0.2.1"]
remote_addrs = ["198.51.100.7"]
[connections.site.local]
auth = "psk"
id = "gw.example"
[connections.site.remote]
auth = "psk"
id = "site.test"
[connections.site.children.net]
local_ts = ["203.0.113.0/25"]
remote_ts = ["10.2.0.0/24"]
[connections.site.secrets]
psk = "the site's key"

[pools.vpool]
addrs = "203.0.113.128/25"
dns = ["203.0.113.53"]

[secrets.ike-alice]
id = "alice.example"
secret = "alice's key"
[secrets.ike-bob]
id = "bob.example"
secret = "bob's key"
[secrets.ike-carol]
id = "carol.other"
secret = "carol's key"
"#;

    fn here() -> &'static Path {
        Path::new(".")
    }

    #[test]
    fn one_configuration_per_identity_with_its_own_key() {
        let gateway = parse(GATEWAY, here()).unwrap();
        let names: Vec<&str> = gateway
            .connections
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(names, ["rw", "site"]);
        let rw = &gateway.connections[0].configs;
        let ids: Vec<&str> = rw.iter().map(|c| c.remote.id.as_str()).collect();
        assert_eq!(ids, ["alice.example", "bob.example"]);
        assert_eq!(
            rw[1].secrets.psk.as_ref().map(PskText::expose),
            Some("bob's key")
        );
        // The pool named by the connection is copied into each configuration.
        assert!(rw.iter().all(|c| c.ip_pools.contains("vpool")));
        let site = &gateway.connections[1].configs;
        assert_eq!(site.len(), 1);
        assert_eq!(site[0].remote.id.as_str(), "site.test");
        // carol.other matches neither *.example nor site.test.
        assert_eq!(gateway.unused_secrets, ["ike-carol"]);
        assert_eq!(gateway.local_addr(), "192.0.2.1".parse().ok());
    }

    #[test]
    fn every_problem_is_named_by_its_key() {
        let text = GATEWAY
            .replace(
                "pools = [\"vpool\"]",
                "pools = [\"nopool\"]\nproposals = [\"aes256-nosuchprf\"]",
            )
            .replace("[connections.site.secrets]\npsk = \"the site's key\"", "");
        let error = parse(&text, here()).unwrap_err();
        assert!(
            error.contains(
                "connections.rw.pools: no [pools.nopool] in the file (the pools are: vpool)"
            ),
            "{error}"
        );
        assert!(
            error.contains("connections.site.secrets: no pre-shared key"),
            "{error}"
        );
        assert!(error.contains("connections.rw.proposals"), "{error}");
    }

    #[test]
    fn a_misspelt_key_is_refused_with_its_name() {
        let error = parse(&GATEWAY.replace("pools = [", "pool = ["), here()).unwrap_err();
        assert!(error.contains("pool"), "{error}");
        let error = parse(&format!("{GATEWAY}\n[extra]\n"), here()).unwrap_err();
        assert!(error.contains("extra"), "{error}");
    }

    #[test]
    fn a_secret_belongs_to_one_identity_and_a_gateway_needs_a_connection() {
        let error = parse(
            "[secrets.all]\nid = \"*.example\"\nsecret = \"x\"\n",
            here(),
        )
        .unwrap_err();
        assert!(error.contains("connections: none"), "{error}");
        assert!(
            error.contains("secrets.all.id: \"*.example\" is a pattern"),
            "{error}"
        );
    }

    #[test]
    fn an_invalid_connection_names_its_path() {
        let text = GATEWAY.replace(
            "[connections.rw.children.net]",
            "[connections.rw.children.net]\nmode = \"beet\"",
        );
        let error = parse(&text, here()).unwrap_err();
        assert!(error.contains("mode"), "{error}");
    }
}
