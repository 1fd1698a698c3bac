//! An edited scenario's text → the scenario, or every problem with the key it is
//! about: the engine's reader (`toml` into `Scenario`, unknown keys refused) and its
//! checks (`Scenario::check`, `PeerConfig::validate_for`, which name key paths).

use ikelab_engine::config::Role;
use ikelab_engine::sim::{Scenario, ScenarioError};
use toml_edit::{Document, Item, Table, Value};

/// One thing wrong with the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The dotted key path it is about (`initiator.proposals[0]`), when known.
    pub(crate) path: Option<String>,
    /// The line of the text (1-based), when known.
    pub(crate) line: Option<usize>,
    /// The engine's message.
    pub(crate) message: String,
}

impl Problem {
    /// Whether the problem is about the key `path` or something inside it (a list's
    /// entry, a table's key).
    pub(crate) fn is_about(&self, path: &str) -> bool {
        self.path.as_deref().is_some_and(|p| {
            p == path
                || p.strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('[') || rest.starts_with('.'))
        })
    }
}

/// Reads and checks the text as `ikelab sim FILE.toml` would.
pub(crate) fn check(text: &str) -> Result<Scenario, Vec<Problem>> {
    let scenario: Scenario = toml::from_str(text).map_err(|e| {
        let at = e.span().map(|s| s.start);
        vec![Problem {
            path: at.and_then(|offset| path_at(text, offset)),
            line: at.map(|offset| line_of(text, offset)),
            message: e.message().trim().to_owned(),
        }]
    })?;
    let mut problems = Vec::new();
    // The peers first, with their key paths (what `Scenario::check` folds into one
    // sentence per peer).
    for (peer, config, role) in [
        ("initiator", &scenario.initiator, Role::Initiator),
        ("responder", &scenario.responder, Role::Responder),
    ] {
        if let Err(errors) = config.validate_for(role) {
            problems.extend(errors.iter().map(|e| {
                let path = format!("{peer}.{}", e.path);
                Problem {
                    line: line_of_path(text, &path),
                    path: Some(path),
                    message: e.message.clone(),
                }
            }));
        }
    }
    match scenario.check() {
        Ok(()) => {}
        Err(ScenarioError::Invalid { problems: found }) => {
            for message in found {
                // The peers' problems are already listed, one per key.
                if message.starts_with("[initiator]: ") || message.starts_with("[responder]: ") {
                    continue;
                }
                let path = leading_path(&message);
                problems.push(Problem {
                    line: path.as_deref().and_then(|p| line_of_path(text, p)),
                    path,
                    message,
                });
            }
        }
        Err(other) => problems.push(Problem {
            path: None,
            line: None,
            message: other.to_string(),
        }),
    }
    problems.extend(page_limits(&scenario, text));
    if problems.is_empty() {
        Ok(scenario)
    } else {
        Err(problems)
    }
}

/// The longest run the page plays: long enough for the default IKE SA rekey (4 h),
/// short enough that the keep-alives and liveness checks of a typo ("60d") do not
/// freeze the tab.
pub(crate) const MAX_DURATION: core::time::Duration = core::time::Duration::from_secs(6 * 3600);
/// The most packets one script action may make in the page (pings, stream packets,
/// spoofed IKE_SA_INIT requests).
pub(crate) const MAX_PACKETS: u32 = 1000;

/// What `ikelab sim` would run but the page will not: a run that long or that many
/// packets would hold the tab for minutes.
fn page_limits(scenario: &Scenario, text: &str) -> Vec<Problem> {
    use ikelab_engine::sim::Action;
    let mut problems = Vec::new();
    let mut refuse = |path: String, message: String| {
        problems.push(Problem {
            line: line_of_path(text, &path),
            path: Some(path),
            message,
        });
    };
    if scenario.duration > MAX_DURATION {
        refuse(
            "duration".to_owned(),
            format!(
                "the page plays runs of up to {} h of virtual time (`ikelab sim` has no such limit)",
                MAX_DURATION.as_secs() / 3600
            ),
        );
    }
    for (i, step) in scenario.script.iter().enumerate() {
        let (key, count) = match &step.action {
            Action::Ping { count, .. } => ("count", *count),
            Action::Stream { packets, .. } => ("packets", *packets),
            Action::Flood { count, .. } => ("count", *count),
            _ => continue,
        };
        if count > MAX_PACKETS {
            refuse(
                format!("script[{}].{key}", i + 1),
                format!(
                    "the page sends up to {MAX_PACKETS} packets per action (`ikelab sim` has no such limit)"
                ),
            );
        }
    }
    problems
}

/// The key path a message of `Scenario::check` starts with (`network.link.loss = …`,
/// `script[2]: …`, `[initiator] local_addrs …`).
fn leading_path(message: &str) -> Option<String> {
    if let Some(rest) = message.strip_prefix('[') {
        let (peer, rest) = rest.split_once(']')?;
        let key = rest.split_whitespace().next()?;
        return Some(format!("{peer}.{key}"));
    }
    let end = message.find([' ', ':'])?;
    let path = &message[..end];
    path.chars()
        .all(|c| c.is_ascii_alphanumeric() || "._[]".contains(c))
        .then(|| path.to_owned())
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(1, |before| before.matches('\n').count() + 1)
}

/// The line where the key at `path` is written (or the nearest key above it that is).
fn line_of_path(text: &str, path: &str) -> Option<usize> {
    let document = Document::parse(text).ok()?;
    let mut table = document.as_table();
    let mut line = None;
    for part in split_path(path) {
        let (key, index) = part;
        let (found_key, item) = table.get_key_value(key)?;
        if let Some(span) = found_key.span() {
            line = Some(line_of(text, span.start));
        }
        let item = match (item, index) {
            (Item::ArrayOfTables(a), Some(i)) => {
                let t = a.get(i)?;
                if let Some(span) = t.span() {
                    line = Some(line_of(text, span.start));
                }
                table = t;
                continue;
            }
            (item, _) => item,
        };
        match item {
            Item::Table(t) => table = t,
            _ => break,
        }
    }
    line
}

/// `a.b[2].c` → `[("a", None), ("b", Some(2)), ("c", None)]` (indexes of `script[N]`
/// are 1-based in the engine's messages, like its transcript).
fn split_path(path: &str) -> Vec<(&str, Option<usize>)> {
    path.split('.')
        .map(|part| match part.split_once('[') {
            Some((key, rest)) => {
                let index = rest.trim_end_matches(']').parse::<usize>().ok();
                let index = if key == "script" {
                    index.and_then(|i| i.checked_sub(1))
                } else {
                    index
                };
                (key, index)
            }
            None => (part, None),
        })
        .collect()
}

/// The dotted path of the key whose key or value covers `offset` (the deepest one).
fn path_at(text: &str, offset: usize) -> Option<String> {
    let document = Document::parse(text).ok()?;
    let mut found = None;
    walk_table(document.as_table(), "", offset, &mut found);
    found
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

fn covers(span: Option<std::ops::Range<usize>>, offset: usize) -> bool {
    span.is_some_and(|s| s.start <= offset && offset <= s.end)
}

fn walk_table(table: &Table, prefix: &str, offset: usize, found: &mut Option<String>) {
    for (key, item) in table.iter() {
        let path = join(prefix, key);
        if let Some((k, _)) = table.get_key_value(key)
            && covers(k.span(), offset)
        {
            *found = Some(path.clone());
        }
        walk_item(item, &path, offset, found);
    }
}

fn walk_item(item: &Item, path: &str, offset: usize, found: &mut Option<String>) {
    match item {
        Item::Value(value) => walk_value(value, path, offset, found),
        Item::Table(table) => {
            // The reader names a whole table by its header (`[[script]]` for an
            // action it cannot read).
            if covers(table.span(), offset) {
                *found = Some(path.to_owned());
            }
            walk_table(table, path, offset, found);
        }
        Item::ArrayOfTables(array) => {
            for (i, table) in array.iter().enumerate() {
                let at = if path == "script" { i + 1 } else { i };
                let here = format!("{path}[{at}]");
                if covers(table.span(), offset) {
                    *found = Some(here.clone());
                }
                walk_table(table, &here, offset, found);
            }
        }
        Item::None => {}
    }
}

fn walk_value(value: &Value, path: &str, offset: usize, found: &mut Option<String>) {
    if covers(value.span(), offset) {
        *found = Some(path.to_owned());
    }
    match value {
        Value::Array(array) => {
            for (i, v) in array.iter().enumerate() {
                walk_value(v, &format!("{path}[{i}]"), offset, found);
            }
        }
        Value::InlineTable(table) => {
            for (key, v) in table.iter() {
                walk_value(v, &join(path, key), offset, found);
            }
        }
        _ => {}
    }
}
