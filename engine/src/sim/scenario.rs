//! Scenario files (`assets/scenarios/*.toml`): two peers, a network, a script and
//! what must come out. The schema is documented in `assets/scenarios/README.md`;
//! this module is its one reader.

use core::fmt;
use core::time::Duration;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::expect::Expect;
use super::firewall::Firewall;
use super::link::LinkConfig;
use super::script::ScriptStep;
use crate::config::duration::{serde_duration, serde_opt_duration};
use crate::config::{PeerConfig, Role};
pub use crate::ike::UnixTime;

/// The scenario schema version this reader understands.
pub const SCENARIO_VERSION: u32 = 1;

fn default_duration() -> Duration {
    Duration::from_secs(60)
}

fn default_calendar_time() -> UnixTime {
    // 2026-01-01T00:00:00Z
    UnixTime(1_767_225_600)
}

/// One scenario file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Schema version: [`SCENARIO_VERSION`].
    pub version: u32,
    /// Short name (the file name without `.toml`): what `ikelab sim NAME` takes.
    pub name: String,
    /// One line for lists.
    pub title: String,
    /// A short teaching text: what to watch for and why it happens.
    pub teaching: String,
    /// The default seed (`--seed` overrides it).
    #[serde(default)]
    pub seed: u64,
    /// Calendar time at virtual time zero.
    #[serde(default = "default_calendar_time")]
    pub calendar_time: UnixTime,
    /// How much virtual time the run lasts.
    #[serde(default = "default_duration", with = "serde_duration")]
    pub duration: Duration,
    pub initiator: PeerConfig,
    pub responder: PeerConfig,
    #[serde(default)]
    pub network: NetworkSpec,
    #[serde(default)]
    pub script: Vec<ScriptStep>,
    /// The tests' verdict on the run. Without the `expectations` feature (the browser
    /// lab, which shows a run and judges none) the table is read past and left empty,
    /// so its serde code stays out of the page.
    #[cfg_attr(feature = "expectations", serde(default))]
    #[cfg_attr(
        not(feature = "expectations"),
        serde(default, deserialize_with = "read_past_expect")
    )]
    pub expect: Expect,
}

/// `[expect]` without the `expectations` feature: skipped, whatever it holds.
#[cfg(not(feature = "expectations"))]
fn read_past_expect<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Expect, D::Error> {
    serde::de::IgnoredAny::deserialize(deserializer).map(|_| Expect::default())
}

/// What a link does, as written in `[network]` (every field optional, defaults as
/// [`LinkConfig::default`], an MTU of 1500).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinkSpec {
    #[serde(with = "serde_opt_duration", skip_serializing_if = "Option::is_none")]
    pub latency: Option<Duration>,
    #[serde(with = "serde_opt_duration", skip_serializing_if = "Option::is_none")]
    pub jitter: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loss: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reorder: Option<f64>,
    #[serde(with = "serde_opt_duration", skip_serializing_if = "Option::is_none")]
    pub reorder_delay: Option<Duration>,
    /// Largest IP packet (headers included) the link carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtu: Option<usize>,
}

/// The default MTU of a simulated link (Ethernet).
pub const DEFAULT_MTU: usize = 1500;

impl LinkSpec {
    /// This spec over `base`: fields given here win.
    pub fn over(&self, base: &Self) -> Self {
        Self {
            latency: self.latency.or(base.latency),
            jitter: self.jitter.or(base.jitter),
            loss: self.loss.or(base.loss),
            duplicate: self.duplicate.or(base.duplicate),
            reorder: self.reorder.or(base.reorder),
            reorder_delay: self.reorder_delay.or(base.reorder_delay),
            mtu: self.mtu.or(base.mtu),
        }
    }

    /// The link behaviour and MTU.
    pub fn resolve(&self) -> (LinkConfig, usize) {
        let d = LinkConfig::default();
        (
            LinkConfig {
                latency: self.latency.unwrap_or(d.latency),
                jitter: self.jitter.unwrap_or(d.jitter),
                loss: self.loss.unwrap_or(d.loss),
                duplicate: self.duplicate.unwrap_or(d.duplicate),
                reorder: self.reorder.unwrap_or(d.reorder),
                reorder_delay: self.reorder_delay.unwrap_or(d.reorder_delay),
            },
            self.mtu.unwrap_or(DEFAULT_MTU),
        )
    }

    fn check(&self, at: &str, problems: &mut Vec<String>) {
        for (name, p) in [
            ("loss", self.loss),
            ("duplicate", self.duplicate),
            ("reorder", self.reorder),
        ] {
            if let Some(p) = p
                && !(0.0..=1.0).contains(&p)
            {
                problems.push(format!("{at}.{name} = {p} is not a probability in [0, 1]"));
            }
        }
        if let Some(mtu) = self.mtu
            && mtu < 68
        {
            problems.push(format!(
                "{at}.mtu = {mtu} is below IPv4's minimum of 68 (RFC 791)"
            ));
        }
    }
}

/// One direction of the link between two peers, overriding `[network]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectedLink {
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub link: LinkSpec,
}

/// A NAT box in front of one peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatSpec {
    /// The peer behind it (default "initiator").
    #[serde(default = "initiator_name")]
    pub peer: String,
    /// The public address its datagrams leave with.
    pub public: IpAddr,
    /// The first public port it assigns.
    #[serde(default = "default_first_port")]
    pub first_port: u16,
    /// Idle time after which a mapping is forgotten (absent: never).
    #[serde(
        default,
        with = "serde_opt_duration",
        skip_serializing_if = "Option::is_none"
    )]
    pub mapping_timeout: Option<Duration>,
}

fn initiator_name() -> String {
    "initiator".to_owned()
}

/// The first public port a NAT box assigns unless `first_port` says otherwise.
pub const DEFAULT_NAT_FIRST_PORT: u16 = 40000;

fn default_first_port() -> u16 {
    DEFAULT_NAT_FIRST_PORT
}

/// `[network]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkSpec {
    /// Every link, both directions.
    pub link: LinkSpec,
    /// Per-direction overrides (`[[network.links]]`).
    pub links: Vec<DirectedLink>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nat: Option<NatSpec>,
    pub firewall: Firewall,
}

/// Why a scenario cannot be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScenarioError {
    /// The TOML text does not parse into the schema.
    Parse { detail: String },
    /// A version this reader does not know.
    Version { found: u32 },
    /// Values that parse but do not fit together (each problem named).
    Invalid { problems: Vec<String> },
    /// No bundled scenario has this name.
    UnknownName { name: String },
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Parse { detail } => write!(f, "scenario does not parse: {detail}"),
            Self::Version { found } => write!(
                f,
                "scenario version {found} is not supported (this reader knows version {SCENARIO_VERSION})"
            ),
            Self::Invalid { problems } => {
                write!(f, "scenario is invalid: {}", problems.join("; "))
            }
            Self::UnknownName { name } => write!(f, "no bundled scenario is named {name:?}"),
        }
    }
}

impl core::error::Error for ScenarioError {}

/// The peer names a scenario may refer to.
pub const PEERS: [&str; 2] = ["initiator", "responder"];

impl Scenario {
    /// Reads and checks a scenario file's text.
    pub fn from_toml(text: &str) -> Result<Self, ScenarioError> {
        let scenario: Self = toml::from_str(text).map_err(|e| ScenarioError::Parse {
            detail: e.to_string(),
        })?;
        scenario.check()?;
        Ok(scenario)
    }

    /// Reads and checks a scenario in JSON (the same keys and values as the TOML
    /// file: what `build.rs` makes of the bundled ones).
    pub fn from_json(text: &str) -> Result<Self, ScenarioError> {
        let scenario: Self = serde_json::from_str(text).map_err(|e| ScenarioError::Parse {
            detail: e.to_string(),
        })?;
        scenario.check()?;
        Ok(scenario)
    }

    /// Checks what parsing cannot: version, supported actions, names, probabilities,
    /// the peer configurations.
    pub fn check(&self) -> Result<(), ScenarioError> {
        if self.version != SCENARIO_VERSION {
            return Err(ScenarioError::Version {
                found: self.version,
            });
        }
        let mut problems = Vec::new();
        if let Err(errors) = self.initiator.validate_for(Role::Initiator) {
            problems.push(format!("[initiator]: {errors}"));
        }
        if let Err(errors) = self.responder.validate_for(Role::Responder) {
            problems.push(format!("[responder]: {errors}"));
        }
        if self.initiator.initiator_local_addr().is_none() {
            problems.push("[initiator] local_addrs has no single address".to_owned());
        }
        if self.responder.initiator_local_addr().is_none() {
            problems.push("[responder] local_addrs has no single address".to_owned());
        }
        self.network.link.check("network.link", &mut problems);
        for (i, l) in self.network.links.iter().enumerate() {
            for name in [&l.from, &l.to] {
                if !PEERS.contains(&name.as_str()) {
                    problems.push(format!("network.links[{i}]: unknown peer {name:?}"));
                }
            }
            l.link
                .check(&format!("network.links[{i}].link"), &mut problems);
        }
        if let Some(nat) = &self.network.nat
            && !PEERS.contains(&nat.peer.as_str())
        {
            problems.push(format!("network.nat.peer: unknown peer {:?}", nat.peer));
        }
        for (i, step) in self.script.iter().enumerate() {
            if let Some(peer) = step.action.peer()
                && !PEERS.contains(&peer)
            {
                problems.push(format!("script[{}]: unknown peer {peer:?}", i + 1));
            }
            if let (Some(peer), Some(child)) = (step.action.peer(), step.action.child_config()) {
                let config = if peer == "responder" {
                    &self.responder
                } else {
                    &self.initiator
                };
                if !config.children.contains(child) {
                    problems.push(format!(
                        "script[{}]: [{peer}] has no [children.{child}]",
                        i + 1
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ScenarioError::Invalid { problems })
        }
    }

    /// The link spec from one peer to another.
    pub fn link_spec(&self, from: &str, to: &str) -> LinkSpec {
        self.network
            .links
            .iter()
            .rev()
            .find(|l| l.from == from && l.to == to)
            .map_or_else(
                || self.network.link.clone(),
                |l| l.link.over(&self.network.link),
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn happy_path() -> &'static str {
        super::super::library::text("happy-path").unwrap()
    }

    #[test]
    fn another_schema_version_is_refused() {
        let text = happy_path().replacen("version = 1", "version = 2", 1);
        assert_eq!(
            Scenario::from_toml(&text),
            Err(ScenarioError::Version { found: 2 })
        );
    }

    #[test]
    fn a_misspelt_script_key_is_refused() {
        let text = format!(
            "{}\n[[script]]\nat = \"1s\"\naction = \"kill\"\npeeer = \"responder\"\n",
            happy_path()
        );
        let err = Scenario::from_toml(&text).unwrap_err();
        assert!(matches!(err, ScenarioError::Parse { .. }), "{err}");
    }

    #[test]
    fn unknown_peers_and_impossible_probabilities_are_named() {
        let text = format!(
            "{}\n[[script]]\nat = \"1s\"\naction = \"kill\"\npeer = \"gateway\"\n",
            happy_path().replacen("latency = \"10ms\"", "latency = \"10ms\"\nloss = 1.5", 1)
        );
        let Err(ScenarioError::Invalid { problems }) = Scenario::from_toml(&text) else {
            panic!("accepted");
        };
        assert_eq!(
            problems,
            [
                "network.link.loss = 1.5 is not a probability in [0, 1]",
                "script[2]: unknown peer \"gateway\""
            ]
        );
    }

    #[test]
    fn the_traffic_actions_load_with_their_defaults() {
        use crate::sim::script::Action;
        let text = format!(
            "{}\n[[script]]\nat = \"1s\"\naction = \"ping\"\n\
             \n[[script]]\nat = \"2s\"\naction = \"stream\"\npackets = 3\nsize = 100\n\
             \n[[script]]\nat = \"3s\"\naction = \"replay_esp\"\n",
            happy_path()
        );
        let s = Scenario::from_toml(&text).unwrap();
        let actions: Vec<&Action> = s.script.iter().skip(1).map(|step| &step.action).collect();
        assert_eq!(
            actions,
            [
                &Action::Ping {
                    peer: "initiator".to_owned(),
                    count: 1,
                    interval: Duration::from_secs(1),
                    to: None
                },
                &Action::Stream {
                    peer: "initiator".to_owned(),
                    packets: 3,
                    size: 100,
                    interval: Duration::from_millis(10),
                    to: None
                },
                &Action::ReplayEsp {
                    peer: "initiator".to_owned()
                },
            ]
        );
    }

    #[test]
    fn the_lifecycle_actions_load_with_their_targets() {
        use crate::sim::script::Action;
        let text = format!(
            "{}\n[[script]]\nat = \"5s\"\naction = \"rekey_child\"\nchild = \"net\"\n\
             \n[[script]]\nat = \"6s\"\naction = \"create_child\"\npeer = \"responder\"\nchild = \"net\"\n\
             \n[[script]]\nat = \"7s\"\naction = \"delete_child\"\n\
             \n[[script]]\nat = \"8s\"\naction = \"check_liveness\"\n\
             \n[[script]]\nat = \"9s\"\naction = \"rekey_ike\"\n\
             \n[[script]]\nat = \"10s\"\naction = \"delete_ike\"\n",
            happy_path()
        );
        let s = Scenario::from_toml(&text).unwrap();
        let actions: Vec<&Action> = s.script.iter().skip(1).map(|step| &step.action).collect();
        assert_eq!(
            actions,
            [
                &Action::RekeyChild {
                    peer: "initiator".to_owned(),
                    child: Some("net".to_owned())
                },
                &Action::CreateChild {
                    peer: "responder".to_owned(),
                    child: "net".to_owned()
                },
                &Action::DeleteChild {
                    peer: "initiator".to_owned(),
                    child: None
                },
                &Action::CheckLiveness {
                    peer: "initiator".to_owned()
                },
                &Action::RekeyIke {
                    peer: "initiator".to_owned()
                },
                &Action::DeleteIke {
                    peer: "initiator".to_owned()
                },
            ]
        );
    }

    #[test]
    fn a_lifecycle_action_must_name_a_child_configuration_of_its_peer() {
        let text = format!(
            "{}\n[[script]]\nat = \"5s\"\naction = \"create_child\"\nchild = \"web\"\n",
            happy_path()
        );
        let Err(ScenarioError::Invalid { problems }) = Scenario::from_toml(&text) else {
            panic!("accepted a child configuration nobody has");
        };
        assert_eq!(problems, ["script[2]: [initiator] has no [children.web]"]);
    }

    #[test]
    fn a_directed_link_overrides_the_default_one_way() {
        let text = happy_path().replacen(
            "[network.link]\nlatency = \"10ms\"\n",
            "[network.link]\nlatency = \"10ms\"\n\n[[network.links]]\nfrom = \"responder\"\nto = \"initiator\"\nlink = { loss = 0.5, mtu = 576 }\n",
            1,
        );
        let s = Scenario::from_toml(&text).unwrap();
        let back = s.link_spec("responder", "initiator").resolve();
        assert_eq!(back.0.loss, 0.5);
        assert_eq!(back.0.latency, Duration::from_millis(10));
        assert_eq!(back.1, 576);
        let forth = s.link_spec("initiator", "responder").resolve();
        assert_eq!(forth.0.loss, 0.0);
        assert_eq!(forth.1, DEFAULT_MTU);
    }
}
