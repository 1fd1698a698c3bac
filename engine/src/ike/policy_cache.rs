//! The initiator's compiled policies, by configuration: `Engine::initiate` gets a
//! `PeerConfig` each time, and validating it, parsing its proposal strings and
//! building the [`Policy`] costs more than comparing it with one seen before (a
//! client reconnecting, a bridge or a load test opening many SAs with one
//! configuration). A [`Policy`] depends on nothing but its configuration and role,
//! so an equal configuration can share the compiled one.

use std::sync::Arc;

use super::policy::Policy;
use crate::config::{ConfigErrors, PeerConfig, Role};

/// How many distinct initiator configurations are kept (the most recent ones).
const CAPACITY: usize = 4;

#[derive(Debug, Default)]
pub(crate) struct InitiatorPolicies {
    /// Most recently used last.
    entries: Vec<Arc<Policy>>,
}

impl InitiatorPolicies {
    /// The compiled initiator policy for `config`: a kept one if an equal
    /// configuration was compiled before, else a new one (kept if valid).
    pub(crate) fn get_or_compile(
        &mut self,
        config: &PeerConfig,
    ) -> Result<Arc<Policy>, ConfigErrors> {
        if let Some(at) = self.entries.iter().position(|p| p.config == *config) {
            let policy = self.entries.remove(at);
            self.entries.push(Arc::clone(&policy));
            return Ok(policy);
        }
        let policy = Arc::new(Policy::new(config.clone(), Role::Initiator, 0)?);
        if self.entries.len() == CAPACITY {
            self.entries.remove(0);
        }
        self.entries.push(Arc::clone(&policy));
        Ok(policy)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn config(remote: &str) -> PeerConfig {
        toml::from_str(&format!(
            r#"
local_addrs = ["192.0.2.2"]
remote_addrs = ["{remote}"]
[local]
id = "client.example"
auth = "psk"
[remote]
id = "gw.example"
auth = "psk"
[secrets]
psk = "a shared secret"
"#
        ))
        .expect("configuration")
    }

    #[test]
    fn an_equal_configuration_shares_its_policy_and_a_changed_one_does_not() {
        let mut cache = InitiatorPolicies::default();
        let first = cache.get_or_compile(&config("192.0.2.1")).unwrap();
        let again = cache.get_or_compile(&config("192.0.2.1")).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        let other = cache.get_or_compile(&config("192.0.2.9")).unwrap();
        assert!(!Arc::ptr_eq(&first, &other));
        assert_eq!(cache.entries.len(), 2);
    }

    #[test]
    fn keeps_the_most_recent_configurations_and_refuses_invalid_ones() {
        let mut cache = InitiatorPolicies::default();
        let kept = cache.get_or_compile(&config("192.0.2.1")).unwrap();
        for last in 10..10 + CAPACITY {
            cache
                .get_or_compile(&config(&format!("192.0.2.{last}")))
                .unwrap();
        }
        assert_eq!(cache.entries.len(), CAPACITY);
        // The first one was evicted: compiling it again gives a new policy.
        let rebuilt = cache.get_or_compile(&config("192.0.2.1")).unwrap();
        assert!(!Arc::ptr_eq(&kept, &rebuilt));
        let mut invalid = config("192.0.2.1");
        invalid.proposals = vec!["aes256gcm16-nosuchprf-x25519".to_owned()];
        assert!(cache.get_or_compile(&invalid).is_err());
        assert_eq!(cache.entries.len(), CAPACITY);
    }
}
