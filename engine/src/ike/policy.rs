//! A `PeerConfig` prepared for the state machine: proposals parsed, secrets decoded,
//! identities resolved, checked once when the configuration is handed to the engine
//! (and shared by every IKE SA made from it).

use std::net::IpAddr;

use super::auth::{Authenticator, from_config};
use crate::config::addr::AddrSpec;
use crate::config::{ChildConfig, ConfigError, ConfigErrors, Identity, PeerConfig, Pool, Role};
use crate::proposal::ProposalSpec;
use crate::wire::IdPayload;

/// One child configuration with its ESP proposals parsed.
#[derive(Debug, Clone)]
pub(crate) struct ChildPolicy {
    pub(crate) name: String,
    pub(crate) config: ChildConfig,
    /// As configured (a D-H group in there only applies to CREATE_CHILD_SA).
    pub(crate) esp_proposals: Vec<ProposalSpec>,
}

impl ChildPolicy {
    /// The proposals for a CHILD SA created in IKE_AUTH: without key exchange
    /// transforms (RFC 7296 §1.2: it uses the IKE SA's keying material).
    pub(crate) fn esp_proposals_without_ke(&self) -> Vec<ProposalSpec> {
        self.esp_proposals
            .iter()
            .map(ProposalSpec::without_key_exchange)
            .collect()
    }
}

/// A validated configuration.
#[derive(Debug)]
pub(crate) struct Policy {
    pub(crate) config: PeerConfig,
    pub(crate) ike_proposals: Vec<ProposalSpec>,
    pub(crate) children: Vec<ChildPolicy>,
    pub(crate) local_auth: Authenticator,
    pub(crate) remote_auth: Authenticator,
    /// The pools named by `pools`, in order.
    pub(crate) pools: Vec<(String, Pool)>,
    /// Position among the engine's responder configurations (pool leases are kept
    /// per configuration); 0 for an initiator's.
    pub(crate) index: usize,
    /// `local_addrs` and `remote_addrs`, parsed once (every IKE_SA_INIT a responder
    /// receives is matched against them).
    local_addrs: Vec<AddrSpec>,
    remote_addrs: Vec<AddrSpec>,
    /// `local.id` as the ID payload we send; `None` when unset (or `%any`): the
    /// address we send from is used.
    configured_local_id: Option<IdPayload>,
}

impl Policy {
    pub(crate) fn new(config: PeerConfig, role: Role, index: usize) -> Result<Self, ConfigErrors> {
        let parsed = config.validate_and_parse(role)?;
        let ike_proposals = parsed.ike;
        let mut errors = ConfigErrors::default();
        let children = config
            .children
            .iter()
            .zip(parsed.esp)
            .map(|((name, child), esp_proposals)| ChildPolicy {
                name: name.to_owned(),
                config: child.clone(),
                esp_proposals,
            })
            .collect();
        let local_auth = from_config(&config, &config.local.auth)
            .inspect_err(|m| errors.0.push(ConfigError::new("local.auth", m.clone())));
        let remote_auth = from_config(&config, &config.remote.auth)
            .inspect_err(|m| errors.0.push(ConfigError::new("remote.auth", m.clone())));
        if let Some(id) = &config.local.id
            && id.has_wildcard()
        {
            errors.0.push(ConfigError::new(
                "local.id",
                format!(
                    "{} is a wildcard: it can match a peer's identity but cannot be sent",
                    id.as_str()
                ),
            ));
        }
        let addrs = |list: &[String]| -> Vec<AddrSpec> {
            // `validate` refused entries that do not parse.
            list.iter()
                .filter_map(|entry| AddrSpec::parse(entry).ok())
                .collect()
        };
        let local_addrs = addrs(&config.local_addrs);
        let remote_addrs = addrs(&config.remote_addrs);
        let configured_local_id = config
            .local
            .id
            .as_ref()
            .and_then(Identity::payload)
            .cloned();
        let pools = config
            .pools
            .iter()
            .filter_map(|name| config.ip_pools.get(name).map(|p| (name.clone(), p.clone())))
            .collect();
        match (local_auth, remote_auth) {
            (Ok(local_auth), Ok(remote_auth)) if errors.is_empty() => Ok(Self {
                config,
                ike_proposals,
                children,
                local_auth,
                remote_auth,
                pools,
                index,
                local_addrs,
                remote_addrs,
                configured_local_id,
            }),
            _ => Err(errors),
        }
    }

    /// The IDi/IDr we send: `local.id`, or the address we send from (what charon
    /// does when `local.id` is unset).
    pub(crate) fn local_id(&self, local_addr: IpAddr) -> IdPayload {
        self.configured_local_id.clone().unwrap_or_else(|| {
            Identity::from_ip(local_addr)
                .payload()
                .cloned()
                .unwrap_or_else(IdPayload::null)
        })
    }

    /// Whether an IKE_SA_INIT from `source` to `destination` is for this
    /// configuration: `remote_addrs` holds the source and `local_addrs` the
    /// destination (swanctl.conf(5)).
    pub(crate) fn accepts_addresses(&self, source: IpAddr, destination: IpAddr) -> bool {
        self.remote_addrs.iter().any(|spec| spec.matches(source))
            && self
                .local_addrs
                .iter()
                .any(|spec| spec.matches(destination))
    }

    /// Whether this configuration accepts a peer's identity and, from an initiator
    /// that named the responder it wants (IDr, RFC 7296 §3.5), ours: our `local.id`
    /// (or, without one, the address we answer from).
    pub(crate) fn accepts_identities(
        &self,
        peer: &IdPayload,
        our_id_asked: Option<&IdPayload>,
        local_addr: IpAddr,
    ) -> bool {
        let own_ok = our_id_asked.is_none_or(|asked| match &self.config.local.id {
            Some(own) if !own.is_any() => own.matches(asked),
            _ => *asked == self.local_id(local_addr),
        });
        self.config.remote.id.matches(peer) && own_ok
    }

    /// The first child configuration: the CHILD SA an initiator creates in IKE_AUTH.
    pub(crate) fn first_child(&self) -> Option<&ChildPolicy> {
        self.children.first()
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn gateway() -> Policy {
        let config: PeerConfig = toml::from_str(
            r#"
local_addrs = ["192.0.2.1"]
remote_addrs = ["10.0.0.0/8", "198.51.100.7"]
[local]
id = "gw.example"
auth = "psk"
[remote]
auth = "psk"
[secrets]
psk = "a shared secret"
"#,
        )
        .expect("configuration");
        Policy::new(config, Role::Responder, 0).expect("valid")
    }

    /// The addresses and identities are compiled once and answer as the raw
    /// configuration does.
    #[test]
    fn compiled_addresses_and_identity_answer_as_configured() {
        let policy = gateway();
        let ip = |s: &str| s.parse::<IpAddr>().expect("address");
        for (src, dst) in [("10.1.2.3", "192.0.2.1"), ("198.51.100.7", "192.0.2.1")] {
            assert!(policy.accepts_addresses(ip(src), ip(dst)), "{src} -> {dst}");
            assert!(policy.config.accepts_addresses(ip(src), ip(dst)));
        }
        for (src, dst) in [("11.0.0.1", "192.0.2.1"), ("10.1.2.3", "192.0.2.2")] {
            assert!(
                !policy.accepts_addresses(ip(src), ip(dst)),
                "{src} -> {dst}"
            );
            assert!(!policy.config.accepts_addresses(ip(src), ip(dst)));
        }
        assert_eq!(
            policy.local_id(ip("192.0.2.1")),
            IdPayload::fqdn("gw.example")
        );
    }
}
