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
    step.insert("at", value(format_at(at_us)));
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
            tamper.insert("at", value(format_at(at_us)));
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

/// `1234567` µs → `"1234.567ms"`; whole milliseconds without decimals.
fn format_at(at_us: u64) -> String {
    let (ms, us) = (at_us / 1000, at_us % 1000);
    if us == 0 {
        format!("{ms}ms")
    } else {
        format!("{ms}.{us:03}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_in_milliseconds() {
        assert_eq!(format_at(0), "0ms");
        assert_eq!(format_at(20_000), "20ms");
        assert_eq!(format_at(1_234_567), "1234.567ms");
        assert_eq!(
            ikelab_engine::config::parse_duration(&format_at(1_234_567)),
            Ok(Duration::from_micros(1_234_567))
        );
    }
}
