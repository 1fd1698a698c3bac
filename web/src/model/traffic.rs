//! The journey of one ESP packet, for the traffic tab: the inner IP packet a host
//! sent, sealed into ESP by its peer (RFC 4303 §3.3), on the wire as IP protocol 50
//! or in UDP 4500 (RFC 3948), rewritten by a NAT, and opened or refused by the other
//! peer (with the engine's reason) or lost. Every stage is a record of the trace.

use ikelab_engine::event::EventKind;
use ikelab_engine::trace::{Entry, FlightId, NetworkEvent, Trace, WireProtocol};

/// One stage of the journey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stage {
    /// The trace record it is.
    pub(crate) record: usize,
    pub(crate) title: String,
    pub(crate) detail: String,
    /// Refused, lost: the end of a journey that did not arrive.
    pub(crate) bad: bool,
}

/// The flight an ESP record belongs to: a sealed, opened or refused packet.
fn esp_flight(trace: &Trace, record: usize) -> Option<FlightId> {
    let event = trace.records.get(record)?.event()?;
    match event.kind {
        EventKind::EspSealed(_) | EventKind::EspOpened(_) | EventKind::EspDropped(_) => {
            event.flight
        }
        _ => None,
    }
}

/// The journey of the ESP packet of `record` (`None` if it is not an ESP packet's).
/// A replayed copy is its own flight: its journey starts on the wire.
pub(crate) fn journey(trace: &Trace, record: usize) -> Option<Vec<Stage>> {
    let flight = esp_flight(trace, record)?;
    let mut stages = Vec::new();
    for (index, r) in trace.records.iter().enumerate() {
        if r.flight() != Some(flight) {
            continue;
        }
        let stage = match &r.entry {
            Entry::Event(e) => match &e.kind {
                EventKind::EspSealed(p) => vec![
                    Stage {
                        record: index,
                        title: format!("The inner packet, from a host behind {}", r.peer),
                        detail: p.inner.clone(),
                        bad: false,
                    },
                    Stage {
                        record: index,
                        title: format!("Sealed into ESP by {} (RFC 4303 §3.3)", r.peer),
                        detail: format!(
                            "SPI 0x{:08x}, sequence number {}: encrypted and integrity-protected with the CHILD SA's keys, {} octets from SPI to ICV",
                            p.spi, p.sequence, p.length
                        ),
                        bad: false,
                    },
                ],
                EventKind::EspOpened(p) => vec![Stage {
                    record: index,
                    title: format!("Opened by {}", r.peer),
                    detail: format!(
                        "the ICV checks, sequence number {} is new to the replay window (RFC 4303 §3.4.3), and the inner packet goes on: {}",
                        p.sequence, p.inner
                    ),
                    bad: false,
                }],
                EventKind::EspDropped(d) => vec![Stage {
                    record: index,
                    title: format!("Refused by {}", r.peer),
                    detail: d.reason.message.clone(),
                    bad: true,
                }],
                _ => Vec::new(),
            },
            Entry::Network(n) => match n {
                NetworkEvent::Transmit {
                    datagram,
                    protocol,
                    from,
                    ..
                } => vec![Stage {
                    record: index,
                    title: match protocol {
                        WireProtocol::Esp => {
                            "On the wire as IP protocol 50 (RFC 4303 §2)".to_owned()
                        }
                        WireProtocol::Udp => "On the wire in UDP 4500 (RFC 3948 §2)".to_owned(),
                    },
                    detail: match protocol {
                        WireProtocol::Esp => format!(
                            "{} → {}: no NAT between the peers, so ESP travels bare",
                            datagram.src.ip(),
                            datagram.dst.ip()
                        ),
                        WireProtocol::Udp => format!(
                            "{} → {}, sent by {from}: NAT was detected, so ESP rides in UDP and the NAT has ports to rewrite",
                            datagram.src, datagram.dst
                        ),
                    },
                    bad: false,
                }],
                NetworkEvent::NatRewrite {
                    before_src,
                    after_src,
                    before_dst,
                    after_dst,
                    ..
                } => vec![Stage {
                    record: index,
                    title: "Through the NAT".to_owned(),
                    detail: if before_src == after_src {
                        format!("destination {before_dst} becomes {after_dst}")
                    } else {
                        format!("source {before_src} becomes {after_src}")
                    },
                    bad: false,
                }],
                NetworkEvent::EspReplayed { sequence, to, .. } => vec![Stage {
                    record: index,
                    title: "Replayed by the network".to_owned(),
                    detail: format!(
                        "a copy of the packet with sequence number {sequence} is delivered to {to} again"
                    ),
                    bad: false,
                }],
                NetworkEvent::EspTampered { sequence, to, .. } => vec![Stage {
                    record: index,
                    title: "Changed on the way".to_owned(),
                    detail: format!(
                        "an attacker on the path flips one bit of the ICV of the packet with sequence number {sequence} before it reaches {to}"
                    ),
                    bad: false,
                }],
                NetworkEvent::Dropped { cause, .. } => vec![Stage {
                    record: index,
                    title: "Lost on the way".to_owned(),
                    detail: n
                        .describe()
                        .split_once(": ")
                        .map_or_else(|| format!("{cause:?}"), |(_, why)| why.to_owned()),
                    bad: true,
                }],
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        stages.extend(stage);
    }
    Some(stages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Lab;

    fn first(lab: &Lab, pick: impl Fn(&EventKind) -> bool) -> usize {
        lab.trace
            .records
            .iter()
            .position(|r| r.event().is_some_and(|e| pick(&e.kind)))
            .expect("there")
    }

    #[test]
    fn an_esp_packet_through_a_nat_is_sealed_floated_rewritten_and_opened() {
        let lab = Lab::simulate("nat-t-esp", 3).expect("runs");
        let sealed = first(&lab, |k| matches!(k, EventKind::EspSealed(_)));
        let stages = journey(&lab.trace, sealed).expect("an ESP packet");
        let titles: Vec<&str> = stages.iter().map(|s| s.title.as_str()).collect();
        assert!(titles[0].starts_with("The inner packet"), "{titles:?}");
        assert!(titles[1].starts_with("Sealed into ESP"), "{titles:?}");
        assert!(titles.iter().any(|t| t.contains("UDP 4500")), "{titles:?}");
        assert!(titles.contains(&"Through the NAT"), "{titles:?}");
        assert!(
            titles.last().is_some_and(|t| t.starts_with("Opened by")),
            "{titles:?}"
        );
        assert!(stages.iter().all(|s| !s.bad));
        // The same journey from its other end.
        let opened = stages.last().expect("stages").record;
        assert_eq!(journey(&lab.trace, opened), Some(stages));
    }

    #[test]
    fn a_replayed_packet_is_refused_with_the_engines_reason() {
        let lab = Lab::simulate("esp-replay", 1).expect("runs");
        let dropped = first(&lab, |k| matches!(k, EventKind::EspDropped(_)));
        let stages = journey(&lab.trace, dropped).expect("an ESP packet");
        assert_eq!(
            stages.first().map(|s| s.title.as_str()),
            Some("Replayed by the network"),
            "{stages:?}"
        );
        let last = stages.last().expect("stages");
        assert!(
            last.bad && last.title.starts_with("Refused by"),
            "{stages:?}"
        );
        assert!(last.detail.to_lowercase().contains("replay"), "{last:?}");
    }

    #[test]
    fn a_packet_changed_on_the_way_is_refused_by_its_icv() {
        use crate::model::edit::{check, script};
        let text = ikelab_engine::sim::library::text("happy-path").expect("bundled");
        let text = script::add_traffic(text, script::Traffic::TamperedPing, "initiator", 2_000_000)
            .expect("adds");
        let lab = Lab::from_scenario(check(&text).expect("valid"), 7).expect("runs");
        let dropped = first(&lab, |k| matches!(k, EventKind::EspDropped(_)));
        let stages = journey(&lab.trace, dropped).expect("an ESP packet");
        let titles: Vec<&str> = stages.iter().map(|s| s.title.as_str()).collect();
        assert!(
            titles[1].starts_with("Sealed into ESP by initiator"),
            "{titles:?}"
        );
        assert!(titles.contains(&"Changed on the way"), "{titles:?}");
        let last = stages.last().expect("stages");
        assert!(
            last.bad && last.title == "Refused by responder",
            "{stages:?}"
        );
        assert!(last.detail.to_lowercase().contains("icv"), "{last:?}");
    }

    #[test]
    fn a_record_that_is_not_an_esp_packet_has_no_journey() {
        let lab = Lab::simulate("happy-path", 7).expect("runs");
        assert_eq!(journey(&lab.trace, 0), None);
        assert_eq!(journey(&lab.trace, usize::MAX), None);
    }
}
