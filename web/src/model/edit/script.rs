//! Script actions added to the text from the page (the traffic tab's "send a ping
//! now"): a `[[script]]` table appended at a point of virtual time, so the action is
//! part of the edited scenario, its TOML and its link like any other edit.

use core::time::Duration;

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

/// What the traffic tab can add.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Traffic {
    /// One ICMP echo request through the peer's CHILD SA (answered by the other side).
    Ping,
    /// A short stream: 5 UDP packets of 400 octets, 20 ms apart.
    Stream,
    /// The network delivers again the last ESP packet it carried to the peer.
    Replay,
    /// A ping from the peer whose echo request the network changes on the way
    /// (`tamper_esp` towards the other side).
    TamperedPing,
}

/// The text with `traffic` from `peer` at virtual time `at` (microseconds, written in
/// milliseconds with three decimals: the parser's finest unit is the millisecond).
pub(crate) fn add_traffic(
    text: &str,
    traffic: Traffic,
    peer: &str,
    at_us: u64,
) -> Result<String, String> {
    let mut document = text
        .parse::<DocumentMut>()
        .map_err(|e| format!("the TOML text does not parse: {}", e.message()))?;
    let mut step = Table::new();
    step.insert("at", value(at_text(at_us)));
    match traffic {
        Traffic::Ping => {
            step.insert("action", value("ping"));
            step.insert("peer", value(peer));
            step.insert("count", value(1));
        }
        Traffic::Stream => {
            step.insert("action", value("stream"));
            step.insert("peer", value(peer));
            step.insert("packets", value(5));
            step.insert("size", value(400));
            step.insert("interval", value("20ms"));
        }
        Traffic::Replay => {
            step.insert("action", value("replay_esp"));
            // The packet is replayed towards `peer`, the one that receives it.
            step.insert("peer", value(peer));
        }
        Traffic::TamperedPing => {
            let mut tamper = Table::new();
            tamper.insert("at", value(at_text(at_us)));
            tamper.insert("action", value("tamper_esp"));
            tamper.insert("peer", value(other_peer(peer)));
            push_step(&mut document, tamper)?;
            step.insert("action", value("ping"));
            step.insert("peer", value(peer));
            step.insert("count", value(1));
        }
    }
    push_step(&mut document, step)?;
    // The run must last past the new action.
    let needed = Duration::from_micros(at_us) + Duration::from_secs(2);
    let duration = document
        .get("duration")
        .and_then(Item::as_str)
        .and_then(|d| ikelab_engine::config::parse_duration(d).ok());
    if duration.is_some_and(|d| d < needed) {
        document["duration"] = value(format!("{}s", needed.as_secs()));
    }
    Ok(document.to_string())
}

/// The other side of a two-peer scenario.
pub(crate) fn other_peer(peer: &str) -> &'static str {
    if peer == "responder" {
        "initiator"
    } else {
        "responder"
    }
}

/// Appends a `[[script]]` table.
fn push_step(document: &mut DocumentMut, step: Table) -> Result<(), String> {
    let root = document.as_table_mut();
    match root.get_mut("script") {
        Some(Item::ArrayOfTables(steps)) => steps.push(step),
        Some(_) => return Err("`script` is not a list of [[script]] tables".to_owned()),
        None => {
            let mut steps = ArrayOfTables::new();
            steps.push(step);
            root.insert("script", Item::ArrayOfTables(steps));
        }
    }
    Ok(())
}

/// `at_us` as the scenario reader takes it back exactly (the engine's own writer).
fn at_text(at_us: u64) -> String {
    ikelab_engine::config::format_duration(Duration::from_micros(at_us))
}

/// One `[[script]]` step as the form lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScriptRow {
    /// Its place in the list (0-based; the engine's messages say `script[N]`, 1-based).
    pub(crate) index: usize,
    pub(crate) at: String,
    pub(crate) action: String,
    /// `None` when the action names no peer (`nat_rebind`, `flood`, ...).
    pub(crate) peer: Option<String>,
    /// Its other keys, as written (`count = 3, interval = "1s"`).
    pub(crate) rest: String,
}

/// The actions the form can add with their defaults alone (the others need values
/// the raw TOML gives: `move`'s address, `flood`'s count, ...), each with whether it
/// names a peer.
pub(crate) const ADDABLE: [(&str, bool); 12] = [
    ("initiate", true),
    ("ping", true),
    ("replay_esp", true),
    ("tamper_esp", true),
    ("rekey_ike", true),
    ("rekey_child", true),
    ("delete_child", true),
    ("delete_ike", true),
    ("check_liveness", true),
    ("kill", true),
    ("restart", true),
    ("nat_rebind", false),
];

/// The script's steps, in order (empty when the text does not parse).
pub(crate) fn script_rows(text: &str) -> Vec<ScriptRow> {
    let Ok(document) = text.parse::<DocumentMut>() else {
        return Vec::new();
    };
    let Some(steps) = document.get("script").and_then(Item::as_array_of_tables) else {
        return Vec::new();
    };
    steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let text_of = |key: &str| {
                step.get(key)
                    .and_then(Item::as_value)
                    .map(|v| match v.as_str() {
                        Some(s) => s.to_owned(),
                        None => v.clone().decorated("", "").to_string(),
                    })
            };
            let rest = step
                .iter()
                .filter(|(key, _)| !matches!(*key, "at" | "action" | "peer"))
                .map(|(key, item)| format!("{key} = {}", item.to_string().trim()))
                .collect::<Vec<_>>()
                .join(", ");
            let action = text_of("action").unwrap_or_default();
            let names_peer = !matches!(
                action.as_str(),
                "flood" | "nat_rebind" | "nat_timeout" | "firewall"
            );
            ScriptRow {
                index,
                at: text_of("at").unwrap_or_default(),
                // The reader's default peer is the initiator.
                peer: names_peer.then(|| text_of("peer").unwrap_or_else(|| "initiator".to_owned())),
                action,
                rest,
            }
        })
        .collect()
}

fn step_mut(document: &mut DocumentMut, index: usize) -> Result<&mut Table, String> {
    document
        .get_mut("script")
        .and_then(Item::as_array_of_tables_mut)
        .and_then(|steps| steps.get_mut(index))
        .ok_or_else(|| format!("the script has no step {}", index + 1))
}

/// Sets `at` or `peer` of step `index` (the reader's text, kept as typed).
pub(crate) fn set_step_value(
    text: &str,
    index: usize,
    key: &str,
    input: &str,
) -> Result<String, String> {
    let mut document = parse(text)?;
    let input = input.trim();
    if input.is_empty() {
        return Err(format!("`{key}` cannot be empty"));
    }
    let step = step_mut(&mut document, index)?;
    let mut new = toml_edit::Value::from(input);
    if let Some(old) = step.get(key).and_then(Item::as_value) {
        *new.decor_mut() = old.decor().clone();
    }
    step.insert(key, Item::Value(new));
    Ok(document.to_string())
}

/// Removes step `index`.
pub(crate) fn remove_step(text: &str, index: usize) -> Result<String, String> {
    let mut document = parse(text)?;
    let steps = document
        .get_mut("script")
        .and_then(Item::as_array_of_tables_mut)
        .filter(|steps| index < steps.len())
        .ok_or_else(|| format!("the script has no step {}", index + 1))?;
    steps.remove(index);
    if steps.is_empty() {
        document.remove("script");
    }
    Ok(document.to_string())
}

/// Appends `action` at `at` (a duration as written: "5s"), by `peer` if it names one.
pub(crate) fn add_step(text: &str, action: &str, at: &str, peer: &str) -> Result<String, String> {
    let names_peer = ADDABLE
        .iter()
        .find(|(name, _)| *name == action)
        .map(|(_, names_peer)| *names_peer)
        .ok_or_else(|| {
            format!("{action:?} needs values the form does not ask for: add it in the TOML")
        })?;
    let mut document = parse(text)?;
    let mut step = Table::new();
    step.insert("at", value(at.trim()));
    step.insert("action", value(action));
    if names_peer {
        step.insert("peer", value(peer));
    }
    push_step(&mut document, step)?;
    Ok(document.to_string())
}

fn parse(text: &str) -> Result<DocumentMut, String> {
    text.parse::<DocumentMut>().map_err(|e| {
        format!(
            "the TOML text does not parse, so the form cannot change it: {}",
            e.message()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::edit::check;

    #[test]
    fn times_read_back_exactly() {
        for at_us in [0, 20_000, 1_234_567] {
            assert_eq!(
                ikelab_engine::config::parse_duration(&at_text(at_us)),
                Ok(Duration::from_micros(at_us))
            );
        }
    }

    fn happy_path() -> &'static str {
        ikelab_engine::sim::library::text("happy-path").expect("bundled")
    }

    #[test]
    fn the_script_is_listed_and_edited_in_place() {
        let rows = script_rows(happy_path());
        assert_eq!(
            rows,
            [ScriptRow {
                index: 0,
                at: "0s".to_owned(),
                action: "initiate".to_owned(),
                peer: Some("initiator".to_owned()),
                rest: String::new(),
            }]
        );
        let later = set_step_value(happy_path(), 0, "at", "2s").expect("sets");
        let scenario = check(&later).expect("valid");
        assert_eq!(scenario.script[0].at, core::time::Duration::from_secs(2));
        let added = add_step(&later, "ping", "5s", "responder").expect("adds");
        let rows = script_rows(&added);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[1].action.as_str(), rows[1].peer.as_deref()),
            ("ping", Some("responder"))
        );
        assert!(check(&added).is_ok());
        let removed = remove_step(&added, 1).expect("removes");
        assert_eq!(check(&removed).expect("valid"), scenario);
        let none = remove_step(&removed, 0).expect("removes the last");
        assert!(!none.contains("[[script]]"));
        assert!(check(&none).expect("valid").script.is_empty());
    }

    #[test]
    fn a_bad_time_is_the_engines_problem_at_its_step_and_bad_requests_are_refused() {
        let text = set_step_value(happy_path(), 0, "at", "soon").expect("written as typed");
        let problems = check(&text).expect_err("refused");
        assert!(problems[0].is_about("script[1]"), "{problems:?}");
        assert_eq!(
            set_step_value(happy_path(), 3, "at", "1s"),
            Err("the script has no step 4".to_owned())
        );
        assert_eq!(
            set_step_value(happy_path(), 0, "at", " "),
            Err("`at` cannot be empty".to_owned())
        );
        assert!(
            add_step(happy_path(), "move", "1s", "initiator").is_err_and(|e| e.contains("TOML"))
        );
        let rows =
            script_rows(&add_step(happy_path(), "nat_rebind", "1s", "initiator").expect("adds"));
        assert_eq!(rows[1].peer, None, "nat_rebind names no peer");
    }
}
