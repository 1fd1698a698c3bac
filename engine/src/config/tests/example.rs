//! The DESIGN.md example parses to exactly the configuration it describes.

use core::time::Duration;
use std::net::{IpAddr, Ipv4Addr};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::{DESIGN_EXAMPLE, parse, parse_error, problems};
use crate::config::{
    AuthMethod, ChildConfig, Identity, IpRange, LocalAuth, Mode, Named, PeerConfig, Pool,
    PoolAddrs, PskText, RemoteAuth, Retransmit, Role, Secrets, TrafficSelector,
};

fn expected() -> PeerConfig {
    let mut children = Named::new();
    children.insert(
        "net",
        ChildConfig {
            esp_proposals: vec!["aes256gcm16".to_owned()],
            local_ts: vec![TrafficSelector::DYNAMIC],
            remote_ts: vec![TrafficSelector::range(
                IpRange::parse("10.1.0.0/24").unwrap(),
            )],
            mode: Mode::Tunnel,
            rekey_time: Duration::from_secs(3_600),
            ..ChildConfig::default()
        },
    );
    let mut ip_pools = Named::new();
    ip_pools.insert(
        "vpool",
        Pool {
            addrs: PoolAddrs(IpRange::parse("10.3.0.0/24").unwrap()),
            dns: vec![IpAddr::V4(Ipv4Addr::new(10, 1, 0, 53))],
            nbns: vec![],
        },
    );
    PeerConfig {
        version: 2,
        local_addrs: vec!["192.0.2.2".to_owned()],
        remote_addrs: vec!["192.0.2.1".to_owned()],
        proposals: vec![
            "aes256gcm16-prfsha256-x25519".to_owned(),
            "aes128-sha256-modp2048".to_owned(),
        ],
        vips: vec![IpAddr::V4(Ipv4Addr::UNSPECIFIED)],
        pools: vec![],
        dpd_delay: Duration::from_secs(30),
        rekey_time: Some(Duration::from_secs(4 * 3_600)),
        encap: false,
        mobike: false,
        retransmit: Retransmit {
            timeout: Duration::from_secs(4),
            base: 1.8,
            tries: 5,
            ..Retransmit::default()
        },
        local: LocalAuth {
            auth: AuthMethod::Psk,
            id: Some(Identity::parse("cl.example").unwrap()),
        },
        remote: RemoteAuth {
            auth: AuthMethod::Psk,
            id: Identity::parse("gw.example").unwrap(),
        },
        children,
        secrets: Secrets {
            psk: Some(PskText::new("not-a-real-secret")),
            psk_file: None,
        },
        ip_pools,
        ..PeerConfig::default()
    }
}

#[test]
fn design_example_parses_to_the_expected_config() {
    assert_eq!(parse(DESIGN_EXAMPLE), expected());
}

#[test]
fn design_example_is_a_valid_initiator() {
    let config = parse(DESIGN_EXAMPLE);
    assert_eq!(problems(&config, None).0, vec![]);
    assert_eq!(problems(&config, Some(Role::Initiator)).0, vec![]);
    assert_eq!(
        config.initiator_remote_addr(),
        Some("192.0.2.1".parse().unwrap())
    );
    assert_eq!(
        config.initiator_local_addr(),
        Some("192.0.2.2".parse().unwrap())
    );
    assert_eq!(config.psk().unwrap().as_bytes(), b"not-a-real-secret");
    assert_eq!(config.ike_proposals().unwrap().len(), 2);
    assert_eq!(
        config
            .children
            .get("net")
            .unwrap()
            .parsed_esp_proposals("net")
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn design_example_as_a_responder_reports_its_vips() {
    let errors = problems(&parse(DESIGN_EXAMPLE), Some(Role::Responder));
    assert_eq!(errors.len(), 1, "{errors}");
    assert!(errors.has_path("vips"), "{errors}");
}

/// The sketch as written in DESIGN.md (`pools = []` and `[pools.vpool]` in one
/// table) is not valid TOML; the error names the key.
#[test]
fn design_sketch_with_pools_twice_is_refused_by_toml() {
    let sketch = DESIGN_EXAMPLE.replace("[ip_pools.vpool]", "[pools.vpool]");
    let message = parse_error(&sketch);
    assert!(message.contains("pools"), "{message}");
}

#[test]
fn a_typo_names_the_key() {
    let message = parse_error("mobik = true\n");
    assert!(message.contains("unknown field `mobik`"), "{message}");
    assert!(
        message.contains("mobike"),
        "the expected keys are listed: {message}"
    );
    let message = parse_error("[children.net]\nremote_tz = [\"10.0.0.0/8\"]\n");
    assert!(message.contains("unknown field `remote_tz`"), "{message}");
    let message = parse_error("[retransmit]\nretries = 3\n");
    assert!(message.contains("unknown field `retries`"), "{message}");
}

#[test]
fn children_keep_their_written_order() {
    let config = parse("[children.zeta]\n[children.alpha]\n[children.mid]\n");
    assert_eq!(
        config.children.names().collect::<Vec<_>>(),
        ["zeta", "alpha", "mid"]
    );
    assert_eq!(config.children.first().map(|(name, _)| name), Some("zeta"));
}
