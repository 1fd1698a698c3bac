//! A `PeerConfig` prepared for the state machine: proposals parsed, secrets decoded,
//! identities resolved, checked once when the configuration is handed to the engine
//! (and shared by every IKE SA made from it).

use std::net::IpAddr;

use super::auth::{Authenticator, from_config};
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
    /// The responder configuration's stable id (`ResponderId`: pool leases are
    /// kept per configuration, INITIAL_CONTACT compares it); 0 for an initiator's.
    pub(crate) index: usize,
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
            }),
            _ => Err(errors),
        }
    }

    /// The IDi/IDr we send: `local.id`, or the address we send from (what charon
    /// does when `local.id` is unset).
    pub(crate) fn local_id(&self, local_addr: IpAddr) -> IdPayload {
        self.config
            .local
            .id
            .as_ref()
            .and_then(Identity::payload)
            .cloned()
            .unwrap_or_else(|| {
                Identity::from_ip(local_addr)
                    .payload()
                    .cloned()
                    .unwrap_or_else(IdPayload::null)
            })
    }

    /// The first child configuration: the CHILD SA an initiator creates in IKE_AUTH.
    pub(crate) fn first_child(&self) -> Option<&ChildPolicy> {
        self.children.first()
    }
}
