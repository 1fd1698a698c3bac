//! The network's lines in words for their signatures, and the datagrams they name
//! ("the initiator's IKE_AUTH request 1 (UDP)"): what the network did to a datagram
//! (lost it, duplicated it, held it back) is compared; how it carried one
//! (transmissions, deliveries, a NAT's rewrites and mappings) is not.

use std::collections::BTreeMap;

use ikelab_engine::event::{Direction, EventKind};
use ikelab_engine::trace::{DropCause, Entry, FlightId, NetworkEvent, Trace, WireProtocol};

use super::peer_words::message_name;
use super::signature::mask_random;

/// Each flight's datagram in words ("the initiator's IKE_AUTH request 1", "an ESP
/// packet of the responder"), from its sender's record, and the protocol the network
/// carried it in.
pub(crate) fn flight_labels(trace: &Trace) -> BTreeMap<FlightId, String> {
    let mut labels = BTreeMap::new();
    let mut protocols = BTreeMap::new();
    for record in &trace.records {
        match &record.entry {
            Entry::Event(event) => {
                let Some(flight) = event.flight else { continue };
                let what = match &event.kind {
                    EventKind::MessageSent(m) => message_name(m),
                    EventKind::NatKeepalive {
                        direction: Direction::Sent,
                        ..
                    } => "NAT keep-alive".to_owned(),
                    EventKind::EspSealed(_) => "ESP packet".to_owned(),
                    _ => continue,
                };
                labels
                    .entry(flight)
                    .or_insert_with(|| format!("{}'s {what}", record.peer));
            }
            Entry::Network(NetworkEvent::Transmit {
                flight, protocol, ..
            }) => {
                protocols.entry(*flight).or_insert(*protocol);
            }
            Entry::Network(NetworkEvent::Duplicated { flight, parent, .. }) => {
                if let Some(label) = labels.get(parent).cloned() {
                    labels.insert(*flight, format!("a copy of the {label}"));
                }
            }
            _ => {}
        }
    }
    for (flight, label) in &mut labels {
        match protocols.get(flight) {
            Some(WireProtocol::Esp) => label.push_str(" (IP protocol 50)"),
            Some(WireProtocol::Udp) => label.push_str(" (UDP)"),
            None => {}
        }
    }
    labels
}

pub(super) fn network_words(
    event: &NetworkEvent,
    labels: &BTreeMap<FlightId, String>,
) -> Option<String> {
    let datagram = |flight: &FlightId| {
        labels
            .get(flight)
            .map_or_else(|| "a datagram".to_owned(), |label| format!("the {label}"))
    };
    let words = match event {
        // How a datagram travelled, not what happened to the protocol (see the
        // module documentation).
        NetworkEvent::Transmit { .. }
        | NetworkEvent::Delivered { .. }
        | NetworkEvent::NatRewrite { .. }
        | NetworkEvent::NatMapping { .. } => return None,
        NetworkEvent::Duplicated { parent, .. } => format!("duplicates {}", datagram(parent)),
        NetworkEvent::Reordered { flight, .. } => format!("holds back {}", datagram(flight)),
        NetworkEvent::Dropped { flight, cause, .. } => {
            let cause = match cause {
                DropCause::Loss => "lost on the link".to_owned(),
                DropCause::Mtu { mtu, .. } => format!("larger than the link's MTU of {mtu}"),
                DropCause::Firewall { rule } => format!("blocked by the firewall ({rule})"),
                DropCause::NoRoute { .. } => "no host has its destination address".to_owned(),
                DropCause::SourceNotAssigned { .. } => {
                    "its source address is no longer the sender's".to_owned()
                }
                DropCause::NoNatMapping { .. } => "the NAT has no mapping for it".to_owned(),
                DropCause::PeerDown { peer } => format!("the {peer} is down"),
                DropCause::EspThroughNat => "the NAT cannot translate plain ESP".to_owned(),
                _ => "another cause".to_owned(),
            };
            format!("drops {}: {cause}", datagram(flight))
        }
        NetworkEvent::NatMappingExpired { .. } => "forgets a NAT mapping (timed out)".to_owned(),
        NetworkEvent::Script { action } => format!("runs the script's {action}"),
        NetworkEvent::ScriptFailed { action, failure } => {
            format!("cannot run the script's {action}: {failure}")
        }
        NetworkEvent::PeerMoved { peer, .. } => format!("moves the {peer} to a new address"),
        NetworkEvent::PeerKilled { peer } => format!("stops the {peer}"),
        NetworkEvent::PeerRestarted { peer } => format!("restarts the {peer}"),
        NetworkEvent::EspNotSent { peer, failure, .. } => {
            format!("cannot have the {peer} send a packet: {failure}")
        }
        NetworkEvent::EspReplayed { parent, .. } => {
            format!("replays {}", datagram(parent))
        }
        NetworkEvent::EspTampered { flight, .. } => {
            format!("changes a bit of {}", datagram(flight))
        }
        _ => "does something this page does not know".to_owned(),
    };
    Some(mask_random(&words))
}
