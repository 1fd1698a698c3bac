//! The example client and gateway configurations that the engine's tests, the
//! engine tests, the benches and the test crate share: one place
//! (`assets/fixtures/*.toml`), bundled at build time like the scenario library.
//! A test that needs a variant builds it with [`variant`], naming the keys it changes.

use crate::config::PeerConfig;

/// The client: from 192.0.2.2 to 192.0.2.1, `aes256gcm16-prfsha256-x25519`, asks for
/// a virtual IP, one child `net` to 10.1.0.0/24 (`aes256gcm16`), PSK, retransmission
/// in 100 ms steps.
pub const CLIENT: &str = include_str!("../../../assets/fixtures/client.toml");

/// The gateway: on 192.0.2.1 for any peer, also `aes128-sha256-modp2048`; child `net`
/// for 10.1.0.0/24 (`aes256gcm16`, `aes128-sha256`), virtual IPs from 10.3.0.0/24.
pub const GATEWAY: &str = include_str!("../../../assets/fixtures/gateway.toml");

/// `base` (one of the fixtures) with some keys set, parsed: each edit is a dotted
/// key path (`"children.net.remote_ts"`, `"encap"`) and a TOML value
/// (`r#"["0.0.0.0/0"]"#`, `"true"`), replacing the key or adding it (with the
/// tables on its path). A test states only what its configuration changes.
pub fn variant(base: &str, edits: &[(&str, &str)]) -> Result<PeerConfig, String> {
    let mut document: toml::Table = toml::from_str(base).map_err(|e| e.to_string())?;
    for (path, value) in edits {
        let holder: toml::Table =
            toml::from_str(&format!("value = {value}")).map_err(|e| format!("{path}: {e}"))?;
        let Some(value) = holder.get("value").cloned() else {
            return Err(format!("{path}: no value"));
        };
        let mut keys: Vec<&str> = path.split('.').collect();
        let Some(last) = keys.pop() else {
            return Err("an empty key path".to_owned());
        };
        let mut table = &mut document;
        for key in keys {
            let entry = table
                .entry(key)
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            let toml::Value::Table(inner) = entry else {
                return Err(format!("{path}: {key} is not a table"));
            };
            table = inner;
        }
        table.insert(last.to_owned(), value);
    }
    toml::Value::Table(document)
        .try_into()
        .map_err(|e: toml::de::Error| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variant_changes_only_the_keys_it_names() {
        let base = variant(CLIENT, &[]).unwrap();
        let changed = variant(
            CLIENT,
            &[
                ("encap", "true"),
                ("children.net.esp_proposals", r#"["aes128-sha256"]"#),
            ],
        )
        .unwrap();
        assert!(!base.encap && changed.encap);
        assert_eq!(
            changed.children.get("net").map(|c| c.esp_proposals.clone()),
            Some(vec!["aes128-sha256".to_owned()])
        );
        assert_eq!(changed.proposals, base.proposals);
        assert_eq!(changed.local_addrs, base.local_addrs);
    }

    #[test]
    fn a_variant_refuses_a_path_through_a_value() {
        let refused = variant(CLIENT, &[("proposals.deeper", "true")]);
        assert!(refused.is_err_and(|e| e.contains("proposals is not a table")));
    }
}
