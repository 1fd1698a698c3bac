//! The bundled scenario library: every `assets/scenarios/*.toml`, embedded at build
//! time, so `ikelab sim --list` and the browser need no files at run time. A test
//! checks that every file of the folder is listed here and meets its `[expect]`.

use super::scenario::{Scenario, ScenarioError};

/// (name, TOML text) of every bundled scenario, in teaching order.
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "happy-path",
        include_str!("../../../assets/scenarios/happy-path.toml"),
    ),
    (
        "legacy-modp2048",
        include_str!("../../../assets/scenarios/legacy-modp2048.toml"),
    ),
    (
        "invalid-ke-payload",
        include_str!("../../../assets/scenarios/invalid-ke-payload.toml"),
    ),
    (
        "cookie-flood",
        include_str!("../../../assets/scenarios/cookie-flood.toml"),
    ),
    (
        "no-proposal-chosen",
        include_str!("../../../assets/scenarios/no-proposal-chosen.toml"),
    ),
    (
        "windows-weak-proposal",
        include_str!("../../../assets/scenarios/windows-weak-proposal.toml"),
    ),
    (
        "wrong-psk",
        include_str!("../../../assets/scenarios/wrong-psk.toml"),
    ),
    (
        "identity-mismatch",
        include_str!("../../../assets/scenarios/identity-mismatch.toml"),
    ),
    (
        "ts-unacceptable",
        include_str!("../../../assets/scenarios/ts-unacceptable.toml"),
    ),
    (
        "failed-cp-required",
        include_str!("../../../assets/scenarios/failed-cp-required.toml"),
    ),
    (
        "nat-t-keepalive",
        include_str!("../../../assets/scenarios/nat-t-keepalive.toml"),
    ),
    (
        "nat-t-esp",
        include_str!("../../../assets/scenarios/nat-t-esp.toml"),
    ),
    (
        "loss-retransmit",
        include_str!("../../../assets/scenarios/loss-retransmit.toml"),
    ),
    (
        "pfs-mismatch-rekey",
        include_str!("../../../assets/scenarios/pfs-mismatch-rekey.toml"),
    ),
    (
        "ike-rekey",
        include_str!("../../../assets/scenarios/ike-rekey.toml"),
    ),
    (
        "rekey-collision",
        include_str!("../../../assets/scenarios/rekey-collision.toml"),
    ),
    (
        "dead-peer",
        include_str!("../../../assets/scenarios/dead-peer.toml"),
    ),
    (
        "create-and-delete",
        include_str!("../../../assets/scenarios/create-and-delete.toml"),
    ),
    (
        "esp-replay",
        include_str!("../../../assets/scenarios/esp-replay.toml"),
    ),
    (
        "esp-null-integrity-only",
        include_str!("../../../assets/scenarios/esp-null-integrity-only.toml"),
    ),
];

/// The bundled scenarios' names, in order.
pub fn names() -> impl Iterator<Item = &'static str> {
    BUNDLED.iter().map(|(name, _)| *name)
}

/// The TOML text of a bundled scenario.
pub fn text(name: &str) -> Option<&'static str> {
    BUNDLED.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Loads a bundled scenario by name.
pub fn load(name: &str) -> Result<Scenario, ScenarioError> {
    let text = text(name).ok_or_else(|| ScenarioError::UnknownName {
        name: name.to_owned(),
    })?;
    let scenario = Scenario::from_toml(text)?;
    if scenario.name != name {
        return Err(ScenarioError::Invalid {
            problems: vec![format!(
                "bundled as {name:?} but its name field is {:?}",
                scenario.name
            )],
        });
    }
    Ok(scenario)
}
