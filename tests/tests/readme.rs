//! The README stays true: its configuration example is a valid initiator `PeerConfig`.

use ikelab_engine::config::{PeerConfig, Role};

/// The first ```toml block after the "## Configuration" heading.
fn readme_config_example() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md is readable");
    let section = readme
        .split("## Configuration")
        .nth(1)
        .expect("README has a Configuration section");
    let block = section
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the Configuration section has a toml block");
    block.to_owned()
}

#[test]
fn readme_configuration_example_is_a_valid_initiator_config() {
    let text = readme_config_example();
    let config: PeerConfig = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    config
        .validate_for(Role::Initiator)
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(config.proposals, ["aes256gcm16-prfsha256-x25519"]);
    assert!(config.children.iter().any(|(name, _)| name == "net"));
}
