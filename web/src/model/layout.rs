//! Where things sit across the timeline (percent of its width) and which flights a
//! burst folds away.

use std::collections::BTreeSet;

use super::flights::{Fate, Flight, FlightKind};
use super::ladder::{FlightText, Ladder, label_text};
use super::lanes::{LaneMark, Lanes};

/// x of the left and right lanes.
pub(crate) const LEFT_X: f64 = 9.0;
pub(crate) const RIGHT_X: f64 = 91.0;
/// x of the firewall, in the middle of the network.
pub(crate) const FIREWALL_X: f64 = 50.0;
/// A burst folds when this many similar datagrams follow each other.
const BURST_MIN: usize = 4;

impl Lanes {
    /// x of a peer's lane.
    pub(crate) fn x(&self, peer: &str) -> f64 {
        if peer == self.left {
            LEFT_X
        } else if peer == self.right {
            RIGHT_X
        } else {
            let index = self.third.iter().position(|p| p == peer).unwrap_or(0);
            60.0 - index as f64 * 8.0
        }
    }

    /// x of the NAT box, in front of the peer behind it.
    pub(crate) fn nat_x(&self) -> Option<f64> {
        let behind = self.nat_behind.as_deref()?;
        Some(if behind == self.right { 66.0 } else { 34.0 })
    }

    /// Where a flight's arrow ends across the page.
    pub(crate) fn end_x(&self, flight: &Flight) -> f64 {
        let from = self.x(&flight.from);
        match &flight.fate {
            Fate::Delivered | Fate::InFlight => self.x(&flight.to),
            Fate::Lost => (from + self.x(&flight.to)) / 2.0,
            Fate::DroppedOut(_) => {
                if self.firewall.is_some() {
                    FIREWALL_X
                } else {
                    from + if from < 50.0 { 12.0 } else { -12.0 }
                }
            }
            Fate::DroppedIn(_) => self.nat_x().unwrap_or_else(|| self.x(&flight.to)),
        }
    }
}

/// A run of similar datagrams the timeline shows as one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Burst {
    /// Index of its first flight.
    pub(crate) first: usize,
    /// How many flights it holds (first included).
    pub(crate) count: usize,
}

/// The bursts among `flights`: runs of at least `BURST_MIN` datagrams in a row to or
/// from the same third party (cookie-flood's attacker and the answers it gets).
pub(crate) fn bursts(flights: &[Flight], lanes: &Lanes) -> Vec<Burst> {
    let party = |f: &Flight| {
        [&f.from, &f.to]
            .into_iter()
            .find(|p| lanes.third.contains(p))
            .cloned()
    };
    let mut out = Vec::new();
    let mut start = 0;
    while start < flights.len() {
        let key = party(&flights[start]);
        let mut end = start + 1;
        // An answer to a spoofed address (no host has it) stays in the burst.
        while key.is_some()
            && end < flights.len()
            && (party(&flights[end]) == key || flights[end].to.is_empty())
        {
            end += 1;
        }
        if end - start >= BURST_MIN {
            out.push(Burst {
                first: start,
                count: end - start,
            });
        }
        start = end;
    }
    out
}

/// Short words before a label that say what kind of datagram it is (shape and words,
/// never colour alone).
pub(crate) fn badges(flight: &Flight) -> Vec<&'static str> {
    let mut out = Vec::new();
    match flight.kind {
        FlightKind::Esp => out.push("ESP"),
        FlightKind::EspInUdp => out.push("ESP in UDP"),
        FlightKind::Keepalive => out.push("♥ keep-alive"),
        FlightKind::Ike | FlightKind::Other => {}
    }
    if flight.retransmission > 0 {
        out.push("↻ retransmission");
    }
    if flight.duplicate {
        out.push("2nd copy");
    }
    if flight.replay {
        out.push("↻ replayed by the network");
    }
    if flight.tampered {
        out.push("✎ changed on the way");
    }
    out
}

/// The note where a datagram ends, when it did not simply arrive: lost on the link,
/// dropped by the network, or refused by the receiving engine (with its reason).
pub(crate) fn end_note(flight: &Flight) -> Option<String> {
    match &flight.fate {
        Fate::Lost => Some("✕ lost on the link".to_owned()),
        Fate::DroppedOut(why) | Fate::DroppedIn(why) => Some(format!("⊘ dropped: {why}")),
        Fate::Delivered | Fate::InFlight => flight
            .refused
            .as_ref()
            .map(|why| format!("✗ refused: {why}")),
    }
}

/// The timeline's vertical layout with the bursts in `open` unfolded.
pub(crate) fn ladder(
    flights: &[Flight],
    lanes: &Lanes,
    marks: &[LaneMark],
    open: &BTreeSet<usize>,
) -> Ladder {
    let bursts = bursts(flights, lanes);
    let texts: Vec<FlightText> = flights
        .iter()
        .enumerate()
        .map(|(index, flight)| {
            let folded_into = bursts.iter().find(|b| {
                index >= b.first && index < b.first + b.count && !open.contains(&b.first)
            });
            FlightText {
                label: label_text(flight, &badges(flight)),
                note: end_note(flight),
                hidden: folded_into.is_some_and(|b| index > b.first),
                burst_head: folded_into.is_some_and(|b| index == b.first),
            }
        })
        .collect();
    Ladder::new(flights, &texts, marks)
}
