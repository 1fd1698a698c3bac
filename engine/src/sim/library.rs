//! The bundled scenario library: every `assets/scenarios/*.toml`, embedded at build
//! time, so `ikelab sim --list` and the browser need no files at run time. A test
//! checks that every file of the folder is listed here and meets its `[expect]`.

use super::scenario::{Scenario, ScenarioError};

/// A bundled scenario: its name and its file's text converted to JSON at build time
/// (`build.rs`), which is what [`load`] reads.
#[derive(Debug, Clone, Copy)]
pub struct Bundled {
    pub name: &'static str,
    pub json: &'static str,
}

/// The tables of bundled scenarios, from their names: the JSON twins, and the TOML
/// files apart, so that a program that never asks for a file's text ([`text`]) does
/// not carry it (the browser lab).
macro_rules! bundled {
    ($($name:literal),* $(,)?) => {
        /// Every bundled scenario, in teaching order.
        pub const BUNDLED: &[Bundled] = &[$(Bundled {
            name: $name,
            json: include_str!(concat!(env!("OUT_DIR"), "/scenarios/", $name, ".json")),
        }),*];

        /// The scenario files, `assets/scenarios/NAME.toml`, in the same order.
        const FILES: &[&str] = &[$(
            include_str!(concat!("../../../assets/scenarios/", $name, ".toml"))
        ),*];
    };
}

bundled![
    "happy-path",
    "legacy-modp2048",
    "invalid-ke-payload",
    "cookie-flood",
    "no-proposal-chosen",
    "windows-weak-proposal",
    "wrong-psk",
    "identity-mismatch",
    "ts-unacceptable",
    "failed-cp-required",
    "nat-t-keepalive",
    "nat-t-esp",
    "loss-retransmit",
    "pfs-mismatch-rekey",
    "ike-rekey",
    "rekey-collision",
    "dead-peer",
    "create-and-delete",
    "esp-replay",
    "esp-null-integrity-only",
];

/// The bundled scenarios' names, in order.
pub fn names() -> impl Iterator<Item = &'static str> {
    BUNDLED.iter().map(|b| b.name)
}

/// The TOML text of a bundled scenario.
pub fn text(name: &str) -> Option<&'static str> {
    let at = BUNDLED.iter().position(|b| b.name == name)?;
    FILES.get(at).copied()
}

/// Loads a bundled scenario by name (from its JSON twin: no TOML parser is needed).
pub fn load(name: &str) -> Result<Scenario, ScenarioError> {
    let bundled =
        BUNDLED
            .iter()
            .find(|b| b.name == name)
            .ok_or_else(|| ScenarioError::UnknownName {
                name: name.to_owned(),
            })?;
    let scenario = Scenario::from_json(bundled.json)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// The JSON twin `build.rs` made is the same scenario as its TOML file, for every
    /// bundled scenario: `load` (JSON) and `Scenario::from_toml` agree field for field.
    #[test]
    fn each_json_twin_reads_to_the_same_scenario_as_its_toml_file() {
        assert_eq!(FILES.len(), BUNDLED.len());
        for bundled in BUNDLED {
            let file = text(bundled.name).unwrap_or_else(|| panic!("{}: no file", bundled.name));
            let from_toml =
                Scenario::from_toml(file).unwrap_or_else(|e| panic!("{}.toml: {e}", bundled.name));
            let from_json = load(bundled.name).unwrap_or_else(|e| panic!("{}: {e}", bundled.name));
            assert_eq!(from_json, from_toml, "{}", bundled.name);
        }
    }

    #[test]
    fn an_unknown_name_is_named() {
        assert_eq!(
            load("no-such-scenario").unwrap_err(),
            ScenarioError::UnknownName {
                name: "no-such-scenario".to_owned()
            }
        );
    }
}
