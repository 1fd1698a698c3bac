//! Reading one `[[script]]` step: `at`, `action` and the action's own keys, side by
//! side in one table (see [`super::script`]).
//!
//! Hand-written rather than derived: serde's `flatten` with an internally tagged
//! enum buffers every step in serde's private `Content` and builds each action's
//! fields from that buffer, code that made up ~19 KB of the browser lab's gzipped
//! WASM. This reads the step's values once (each is a string, a number or a
//! boolean) and builds the action from them, with the same rules as the derive had:
//! defaults where the documentation gives them, a missing required key named, and
//! an unknown key refused. Serialising keeps the derived form.

use core::fmt;
use core::time::Duration;
use std::net::IpAddr;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use super::script::{
    Action, ScriptStep, default_flood_source, initiator, one, one_second, ten_milliseconds,
};
use crate::config::duration::{duration_from_float, parse_duration};

/// Every action as written in a scenario (`action = "..."`) and the keys it takes
/// besides `at` and `action`.
const ACTION_KEYS: &[(&str, &[&str])] = &[
    ("initiate", &["peer"]),
    ("flood", &["count", "from"]),
    ("kill", &["peer"]),
    ("restart", &["peer"]),
    ("move", &["peer", "to"]),
    ("nat_rebind", &[]),
    ("nat_timeout", &["timeout"]),
    (
        "firewall",
        &["block_udp_500", "block_udp_4500", "block_esp"],
    ),
    ("ping", &["peer", "count", "interval", "to"]),
    ("stream", &["peer", "packets", "size", "interval", "to"]),
    ("replay_esp", &["peer"]),
    ("tamper_esp", &["peer"]),
    ("create_child", &["peer", "child"]),
    ("rekey_child", &["peer", "child"]),
    ("rekey_ike", &["peer"]),
    ("delete_child", &["peer", "child"]),
    ("delete_ike", &["peer"]),
    ("check_liveness", &["peer"]),
];

/// One value of a step.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    /// What the value is, for an error.
    fn kind(&self) -> &'static str {
        match self {
            Self::Str(_) => "a string",
            Self::Int(_) => "an integer",
            Self::Float(_) => "a number",
            Self::Bool(_) => "a boolean",
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl Visitor<'_> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, a number or a boolean")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        i64::try_from(v)
            .map(Scalar::Int)
            .map_err(|_| E::custom(format!("{v} is too large")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Float(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
}

/// The keys of one step not read yet, and the action they belong to.
struct Keys {
    entries: Vec<(String, Scalar)>,
    action: String,
}

impl Keys {
    /// Takes the value of `key`, if the step has it.
    fn take(&mut self, key: &str) -> Option<Scalar> {
        let at = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(at).1)
    }

    fn problem(&self, detail: &str) -> String {
        format!("script action {:?}: {detail}", self.action)
    }

    fn wrong<T>(&self, key: &str, expected: &str, got: &Scalar) -> Result<T, String> {
        Err(self.problem(&format!("`{key}` must be {expected}, not {}", got.kind())))
    }

    fn string(&mut self, key: &str) -> Result<Option<String>, String> {
        match self.take(key) {
            None => Ok(None),
            Some(Scalar::Str(s)) => Ok(Some(s)),
            Some(other) => self.wrong(key, "a string", &other),
        }
    }

    fn u32(&mut self, key: &str) -> Result<Option<u32>, String> {
        match self.take(key) {
            None => Ok(None),
            Some(Scalar::Int(n)) => u32::try_from(n).map(Some).map_err(|_| {
                self.problem(&format!(
                    "`{key}` = {n} is not a count from 0 to {}",
                    u32::MAX
                ))
            }),
            Some(other) => self.wrong(key, "a whole number", &other),
        }
    }

    fn bool(&mut self, key: &str) -> Result<Option<bool>, String> {
        match self.take(key) {
            None => Ok(None),
            Some(Scalar::Bool(b)) => Ok(Some(b)),
            Some(other) => self.wrong(key, "true or false", &other),
        }
    }

    fn ip(&mut self, key: &str) -> Result<Option<IpAddr>, String> {
        match self.string(key)? {
            None => Ok(None),
            Some(text) => text
                .parse()
                .map(Some)
                .map_err(|_| self.problem(&format!("`{key}` = {text:?} is not an IP address"))),
        }
    }

    /// A duration as the configuration writes one (a string in swanctl syntax, or
    /// seconds as a number).
    fn duration(&mut self, key: &str) -> Result<Option<Duration>, String> {
        let parsed = match self.take(key) {
            None => return Ok(None),
            Some(Scalar::Str(text)) => parse_duration(&text).map_err(|e| e.to_string()),
            Some(Scalar::Int(n)) => u64::try_from(n)
                .map(Duration::from_secs)
                .map_err(|_| format!("invalid duration {n}: a duration cannot be negative")),
            Some(Scalar::Float(x)) => duration_from_float(x),
            Some(other) => return self.wrong(key, "a duration", &other),
        };
        parsed
            .map(Some)
            .map_err(|e| self.problem(&format!("`{key}`: {e}")))
    }

    fn required<T>(&self, key: &str, value: Option<T>) -> Result<T, String> {
        value.ok_or_else(|| self.problem(&format!("`{key}` is missing")))
    }

    /// `peer`, by default the initiator.
    fn peer(&mut self) -> Result<String, String> {
        Ok(self.string("peer")?.unwrap_or_else(initiator))
    }

    /// Refuses a key the action does not take (as `deny_unknown_fields` did), before
    /// anything is read: a misspelt key is named rather than the one it misspells.
    fn check_known(&self) -> Result<(), String> {
        let Some((_, known)) = ACTION_KEYS.iter().find(|(name, _)| *name == self.action) else {
            let names: Vec<&str> = ACTION_KEYS.iter().map(|(name, _)| *name).collect();
            return Err(format!(
                "unknown script action {:?}: one of {}",
                self.action,
                names.join(", ")
            ));
        };
        match self
            .entries
            .iter()
            .find(|(key, _)| !known.contains(&key.as_str()))
        {
            None => Ok(()),
            Some((key, _)) if known.is_empty() => {
                Err(self.problem(&format!("unknown key `{key}` (it takes none)")))
            }
            Some((key, _)) => Err(self.problem(&format!(
                "unknown key `{key}` (it takes {})",
                known.join(", ")
            ))),
        }
    }
}

/// The action named `keys.action`, from its keys.
fn action(keys: &mut Keys) -> Result<Action, String> {
    let action = match keys.action.as_str() {
        "initiate" => Action::Initiate { peer: keys.peer()? },
        "flood" => {
            let count = keys.u32("count")?;
            Action::Flood {
                count: keys.required("count", count)?,
                from: keys.ip("from")?.unwrap_or_else(default_flood_source),
            }
        }
        "kill" => {
            let peer = keys.string("peer")?;
            Action::Kill {
                peer: keys.required("peer", peer)?,
            }
        }
        "restart" => {
            let peer = keys.string("peer")?;
            Action::Restart {
                peer: keys.required("peer", peer)?,
            }
        }
        "move" => {
            let (peer, to) = (keys.string("peer")?, keys.ip("to")?);
            Action::Move {
                peer: keys.required("peer", peer)?,
                to: keys.required("to", to)?,
            }
        }
        "nat_rebind" => Action::NatRebind,
        "nat_timeout" => {
            let timeout = keys.duration("timeout")?;
            Action::NatTimeout {
                timeout: keys.required("timeout", timeout)?,
            }
        }
        "firewall" => Action::Firewall {
            block_udp_500: keys.bool("block_udp_500")?.unwrap_or(false),
            block_udp_4500: keys.bool("block_udp_4500")?.unwrap_or(false),
            block_esp: keys.bool("block_esp")?.unwrap_or(false),
        },
        "ping" => Action::Ping {
            peer: keys.peer()?,
            count: keys.u32("count")?.unwrap_or_else(one),
            interval: keys.duration("interval")?.unwrap_or_else(one_second),
            to: keys.ip("to")?,
        },
        "stream" => {
            let (packets, size) = (keys.u32("packets")?, keys.u32("size")?);
            Action::Stream {
                peer: keys.peer()?,
                packets: keys.required("packets", packets)?,
                size: keys.required("size", size)?,
                interval: keys.duration("interval")?.unwrap_or_else(ten_milliseconds),
                to: keys.ip("to")?,
            }
        }
        "replay_esp" => Action::ReplayEsp { peer: keys.peer()? },
        "tamper_esp" => Action::TamperEsp { peer: keys.peer()? },
        "create_child" => {
            let child = keys.string("child")?;
            Action::CreateChild {
                peer: keys.peer()?,
                child: keys.required("child", child)?,
            }
        }
        "rekey_child" => Action::RekeyChild {
            peer: keys.peer()?,
            child: keys.string("child")?,
        },
        "rekey_ike" => Action::RekeyIke { peer: keys.peer()? },
        "delete_child" => Action::DeleteChild {
            peer: keys.peer()?,
            child: keys.string("child")?,
        },
        "delete_ike" => Action::DeleteIke { peer: keys.peer()? },
        "check_liveness" => Action::CheckLiveness { peer: keys.peer()? },
        other => return Err(format!("unknown script action {other:?}")),
    };
    match keys.entries.first() {
        // Every key `check_known` let through is read above; a test holds them to it.
        Some((key, _)) => Err(keys.problem(&format!("`{key}` was not read"))),
        None => Ok(action),
    }
}

impl<'de> Deserialize<'de> for ScriptStep {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(StepVisitor)
    }
}

struct StepVisitor;

impl<'de> Visitor<'de> for StepVisitor {
    type Value = ScriptStep;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a script step: `at`, `action` and the action's keys")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<ScriptStep, M::Error> {
        let mut entries: Vec<(String, Scalar)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if entries.iter().any(|(k, _)| *k == key) {
                return Err(de::Error::custom(format!("duplicate key `{key}`")));
            }
            let value = map.next_value::<Scalar>()?;
            entries.push((key, value));
        }
        let mut keys = Keys {
            entries,
            action: String::new(),
        };
        keys.action = match keys.take("action") {
            Some(Scalar::Str(name)) => name,
            Some(other) => {
                return Err(de::Error::custom(format!(
                    "`action` must be a string, not {}",
                    other.kind()
                )));
            }
            None => return Err(de::Error::missing_field("action")),
        };
        let at = keys.duration("at").map_err(de::Error::custom)?;
        let at = keys.required("at", at).map_err(de::Error::custom)?;
        keys.check_known().map_err(de::Error::custom)?;
        let action = action(&mut keys).map_err(de::Error::custom)?;
        Ok(ScriptStep { at, action })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn step(json: &str) -> Result<ScriptStep, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn each_action_reads_with_its_defaults() {
        let cases = [
            (
                r#"{"at":"0s","action":"initiate"}"#,
                Action::Initiate {
                    peer: "initiator".into(),
                },
            ),
            (
                r#"{"at":"1s","action":"flood","count":3}"#,
                Action::Flood {
                    count: 3,
                    from: default_flood_source(),
                },
            ),
            (
                r#"{"at":1,"action":"move","peer":"responder","to":"192.0.2.9"}"#,
                Action::Move {
                    peer: "responder".into(),
                    to: "192.0.2.9".parse().unwrap(),
                },
            ),
            (
                r#"{"at":0.5,"action":"nat_timeout","timeout":"0s"}"#,
                Action::NatTimeout {
                    timeout: Duration::ZERO,
                },
            ),
            (
                r#"{"at":"2s","action":"firewall","block_esp":true}"#,
                Action::Firewall {
                    block_udp_500: false,
                    block_udp_4500: false,
                    block_esp: true,
                },
            ),
            (
                r#"{"at":"2s","action":"ping"}"#,
                Action::Ping {
                    peer: "initiator".into(),
                    count: 1,
                    interval: Duration::from_secs(1),
                    to: None,
                },
            ),
            (
                r#"{"at":"2s","action":"stream","packets":4,"size":100,"peer":"responder"}"#,
                Action::Stream {
                    peer: "responder".into(),
                    packets: 4,
                    size: 100,
                    interval: Duration::from_millis(10),
                    to: None,
                },
            ),
            (
                r#"{"at":"5s","action":"rekey_child","child":"net"}"#,
                Action::RekeyChild {
                    peer: "initiator".into(),
                    child: Some("net".into()),
                },
            ),
            (r#"{"at":"5s","action":"nat_rebind"}"#, Action::NatRebind),
        ];
        for (json, expected) in cases {
            assert_eq!(step(json).map(|s| s.action), Ok(expected), "{json}");
        }
        assert_eq!(
            step(r#"{"action":"kill","at":"1.5s","peer":"responder"}"#).map(|s| s.at),
            Ok(Duration::from_millis(1500)),
            "keys in any order"
        );
    }

    #[test]
    fn what_the_derive_refused_is_refused_with_the_action_named() {
        for (json, expected) in [
            (
                r#"{"at":"1s","action":"kill","peeer":"x"}"#,
                "unknown key `peeer`",
            ),
            (r#"{"at":"1s","action":"kill"}"#, "`peer` is missing"),
            (r#"{"action":"kill","peer":"x"}"#, "`at` is missing"),
            (r#"{"at":"1s"}"#, "missing field `action`"),
            (
                r#"{"at":"1s","action":"dance"}"#,
                "unknown script action \"dance\"",
            ),
            (r#"{"at":"1s","action":"flood","count":-1}"#, "`count` = -1"),
            (
                r#"{"at":"1s","action":"flood","count":"3"}"#,
                "`count` must be a whole number",
            ),
            (
                r#"{"at":"1s","action":"move","peer":"a","to":"nowhere"}"#,
                "not an IP address",
            ),
            (r#"{"at":"soon","action":"nat_rebind"}"#, "invalid duration"),
            (r#"{"at":-1,"action":"nat_rebind"}"#, "cannot be negative"),
            (r#"{"at":"1s","action":7}"#, "`action` must be a string"),
            (
                r#"{"at":"1s","action":"ping","to":["a"]}"#,
                "a string, a number or a boolean",
            ),
        ] {
            let err = step(json).unwrap_err();
            assert!(err.contains(expected), "{json}: {err}");
        }
    }

    /// The table of keys and the builder agree: a step with every key its action
    /// takes reads, so no key is let through and then left unread.
    #[test]
    fn every_key_an_action_takes_is_read() {
        let value = |key: &str| match key {
            "peer" => r#""responder""#,
            "count" | "packets" | "size" => "2",
            "from" | "to" => r#""192.0.2.7""#,
            "timeout" | "interval" => r#""3s""#,
            "child" => r#""net""#,
            k if k.starts_with("block_") => "true",
            other => panic!("no test value for `{other}`"),
        };
        for (name, keys) in ACTION_KEYS {
            let fields: String = keys
                .iter()
                .map(|k| format!(r#","{k}":{}"#, value(k)))
                .collect();
            let json = format!(r#"{{"at":"1s","action":"{name}"{fields}}}"#);
            let read = step(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(read.action.name(), *name);
            let again = serde_json::to_string(&read).unwrap();
            assert_eq!(step(&again), Ok(read), "{json} → {again}");
        }
    }

    #[test]
    fn a_step_reads_back_from_its_own_serialisation() {
        let step = ScriptStep {
            at: Duration::from_millis(250),
            action: Action::Stream {
                peer: "responder".into(),
                packets: 2,
                size: 64,
                interval: Duration::from_millis(5),
                to: Some("10.1.0.9".parse().unwrap()),
            },
        };
        let json = serde_json::to_string(&step).unwrap();
        assert_eq!(
            serde_json::from_str::<ScriptStep>(&json).unwrap(),
            step,
            "{json}"
        );
    }
}
