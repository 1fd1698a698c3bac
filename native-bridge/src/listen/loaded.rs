//! The connections loaded into the engine, and a reload that swaps them without
//! touching an established SA (as `swanctl --load-conns` does).
//!
//! A connection whose configurations are unchanged keeps its responder
//! configurations (and so its place in the order they are tried); a changed one is
//! loaded anew and its old configurations unloaded; a removed one is unloaded, so
//! new clients can no longer use it. The engine keeps every IKE SA with the
//! configuration it was made with (`Engine::remove_responder`), so no client is
//! dropped. Everything new is loaded before anything old is unloaded: if the engine
//! refuses one configuration, the ones just loaded are unloaded again and nothing
//! has changed.

use std::collections::BTreeMap;
use std::fmt;

use ikelab_engine::Engine;
use ikelab_engine::config::PeerConfig;
use ikelab_engine::ike::ResponderId;

use super::file::{Connection, Gateway};

/// One connection in the engine.
#[derive(Debug)]
struct LoadedConnection {
    name: String,
    configs: Vec<PeerConfig>,
    ids: Vec<ResponderId>,
}

/// What a load or reload changed, by connection name.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Changes {
    pub(crate) added: Vec<String>,
    pub(crate) changed: Vec<String>,
    pub(crate) removed: Vec<String>,
    pub(crate) unchanged: usize,
}

impl fmt::Display for Changes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |list: &[String]| {
            let quoted: Vec<String> = list.iter().map(|n| format!("'{n}'")).collect();
            quoted.join(", ")
        };
        let mut parts = Vec::new();
        for (what, list) in [
            ("added", &self.added),
            ("changed", &self.changed),
            ("removed", &self.removed),
        ] {
            if !list.is_empty() {
                parts.push(format!("{what} {}", names(list)));
            }
        }
        parts.push(format!("{} unchanged", self.unchanged));
        f.write_str(&parts.join(", "))
    }
}

/// The loaded connections, and the name of every responder configuration ever
/// loaded (an SA outlives its configuration's unloading and keeps its name).
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    connections: Vec<LoadedConnection>,
    names: BTreeMap<ResponderId, String>,
}

impl Loaded {
    /// Makes the engine's responder configurations those of `gateway`, changed by
    /// `adjust` (the run's own settings, such as `encap`). On an error nothing has
    /// changed.
    pub(crate) fn apply(
        &mut self,
        engine: &mut Engine,
        gateway: &Gateway,
        adjust: impl Fn(&mut PeerConfig),
    ) -> Result<Changes, String> {
        let wanted: Vec<Connection> = gateway
            .connections
            .iter()
            .map(|c| {
                let mut c = c.clone();
                c.configs.iter_mut().for_each(&adjust);
                c
            })
            .collect();
        let mut changes = Changes::default();
        let mut next = Vec::with_capacity(wanted.len());
        let mut added_ids: Vec<ResponderId> = Vec::new();
        for connection in wanted {
            let old = self.connections.iter().find(|c| c.name == connection.name);
            if let Some(old) = old.filter(|old| old.configs == connection.configs) {
                changes.unchanged += 1;
                next.push(LoadedConnection {
                    name: old.name.clone(),
                    configs: old.configs.clone(),
                    ids: old.ids.clone(),
                });
                continue;
            }
            let mut ids = Vec::with_capacity(connection.configs.len());
            for config in &connection.configs {
                match engine.add_responder(config.clone()) {
                    Ok(id) => ids.push(id),
                    Err(e) => {
                        for id in added_ids.into_iter().chain(ids) {
                            engine.remove_responder(id);
                        }
                        return Err(format!("connections.{}: {e}", connection.name));
                    }
                }
            }
            added_ids.extend(&ids);
            if old.is_some() {
                changes.changed.push(connection.name.clone());
            } else {
                changes.added.push(connection.name.clone());
            }
            next.push(LoadedConnection {
                name: connection.name,
                configs: connection.configs,
                ids,
            });
        }
        // Everything new is in: unload what is gone or replaced.
        for old in &self.connections {
            let kept = next.iter().any(|n| n.name == old.name && n.ids == old.ids);
            if kept {
                continue;
            }
            for id in &old.ids {
                engine.remove_responder(*id);
            }
            if !next.iter().any(|n| n.name == old.name) {
                changes.removed.push(old.name.clone());
            }
        }
        for connection in &next {
            for id in &connection.ids {
                self.names.insert(*id, connection.name.clone());
            }
        }
        self.connections = next;
        Ok(changes)
    }

    /// The name of the connection responder configuration `id` belongs (or
    /// belonged) to.
    pub(crate) fn name_of(&self, id: ResponderId) -> Option<&str> {
        self.names.get(&id).map(String::as_str)
    }

    /// The loaded connections' names, in the order they are tried.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.connections.iter().map(|c| c.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listen::file::parse;
    use ikelab_engine::EngineConfig;
    use rand_core::UnwrapErr;

    fn gateway(connections: &[(&str, &str)]) -> Gateway {
        let mut text = String::new();
        for (name, id) in connections {
            text.push_str(&format!(
                "[connections.{name}]\nlocal_addrs = [\"192.0.2.1\"]\n\
                 [connections.{name}.local]\nauth = \"psk\"\nid = \"gw.example\"\n\
                 [connections.{name}.remote]\nauth = \"psk\"\nid = \"{id}\"\n\
                 [connections.{name}.secrets]\npsk = \"key of {id}\"\n"
            ));
        }
        parse(&text, std::path::Path::new(".")).unwrap()
    }

    fn engine() -> Engine {
        Engine::new(
            EngineConfig::default(),
            Box::new(UnwrapErr(getrandom::SysRng)),
        )
        .unwrap()
    }

    fn loaded_ids(engine: &Engine) -> Vec<String> {
        engine
            .responders()
            .map(|(_, c)| c.remote.id.as_str().to_owned())
            .collect()
    }

    #[test]
    fn a_reload_keeps_the_unchanged_and_swaps_the_rest() {
        let mut engine = engine();
        let mut loaded = Loaded::default();
        let first = loaded
            .apply(
                &mut engine,
                &gateway(&[("a", "alice"), ("b", "bob")]),
                |_| {},
            )
            .unwrap();
        assert_eq!(first.to_string(), "added 'a', 'b', 0 unchanged");
        let a_id = engine.responders().next().unwrap().0;
        let second = loaded
            .apply(
                &mut engine,
                &gateway(&[("a", "alice"), ("c", "carol"), ("d", "dave")]),
                |_| {},
            )
            .unwrap();
        assert_eq!(
            second.to_string(),
            "added 'c', 'd', removed 'b', 1 unchanged"
        );
        assert_eq!(loaded_ids(&engine), ["alice", "carol", "dave"]);
        // 'a' kept its configuration; 'b' keeps its name for the SAs it made.
        assert_eq!(engine.responders().next().unwrap().0, a_id);
        assert_eq!(loaded.name_of(ResponderId(1)), Some("b"));
        let third = loaded
            .apply(
                &mut engine,
                &gateway(&[("a", "alan"), ("c", "carol")]),
                |_| {},
            )
            .unwrap();
        assert_eq!(third.to_string(), "changed 'a', removed 'd', 1 unchanged");
        assert_eq!(loaded_ids(&engine), ["carol", "alan"]);
        assert_eq!(loaded.names().collect::<Vec<_>>(), ["a", "c"]);
    }

    #[test]
    fn a_configuration_the_engine_refuses_changes_nothing() {
        let mut engine = engine();
        let mut loaded = Loaded::default();
        loaded
            .apply(&mut engine, &gateway(&[("a", "alice")]), |_| {})
            .unwrap();
        let error = loaded
            .apply(
                &mut engine,
                &gateway(&[("a", "alice"), ("b", "bob"), ("c", "carol")]),
                |c| {
                    if c.remote.id.as_str() == "carol" {
                        c.proposals = vec!["aes256-nosuchprf".to_owned()];
                    }
                },
            )
            .unwrap_err();
        assert!(error.starts_with("connections.c: "), "{error}");
        assert_eq!(loaded_ids(&engine), ["alice"]);
        assert_eq!(loaded.names().collect::<Vec<_>>(), ["a"]);
    }
}
