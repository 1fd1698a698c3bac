//! The records each traffic key protects: an SK_e / SK_a key the SK payloads
//! (RFC 7296 §3.14) of its IKE SA sent by its side (the Initiator flag of the IKE
//! header, §3.1), an ESP key the ESP packets of its direction, found by the SPI on
//! the packet (RFC 4303 §2.1): the engines' ESP records, and the datagrams only the
//! network saw (IP protocol 50, or UDP-encapsulated on the NAT-T port, RFC 3948).

use std::collections::BTreeSet;
use std::net::SocketAddr;

use ikelab_engine::event::EventKind;
use ikelab_engine::trace::{Entry, FlightId, NetworkEvent, Trace, WireProtocol};
use ikelab_engine::wire::IkeHeader;
use ikelab_engine::wire::esp::EspPacket;
use ikelab_engine::wire::udp_encap::{NAT_T_PORT, Udp4500Payload};

use super::{IkeSaSchedule, Key, KeyKind, Link, LinkRole, Side, hex};

/// An IKE message with an SK payload (RFC 7296 §3.14), as one peer's record.
struct SkMessage {
    record: usize,
    peer: String,
    spi_i: String,
    spi_r: String,
    /// The Initiator flag of its IKE header (§3.1): the IKE SA's original
    /// initiator sent it.
    from_initiator: bool,
    sent: bool,
    label: String,
}

/// An ESP packet as one record.
struct EspRecord {
    record: usize,
    peer: String,
    spi: u32,
    role: LinkRole,
    label: String,
}

/// The protected traffic of a trace.
pub(super) struct Traffic {
    sk_messages: Vec<SkMessage>,
    esp: Vec<EspRecord>,
}

impl Traffic {
    pub(super) fn of(trace: &Trace) -> Self {
        // Flights an engine's ESP record names: their network records add nothing.
        let named: BTreeSet<FlightId> = trace
            .records
            .iter()
            .filter_map(|r| r.event())
            .filter(|e| e.kind.is_esp())
            .filter_map(|e| e.flight)
            .collect();
        let mut sk_messages = Vec::new();
        let mut esp = Vec::new();
        for (index, record) in trace.records.iter().enumerate() {
            match &record.entry {
                Entry::Event(event) => match &event.kind {
                    EventKind::MessageSent(m) | EventKind::MessageReceived(m) if m.encrypted => {
                        let Ok(parsed) = IkeHeader::parse(&m.bytes) else {
                            continue;
                        };
                        sk_messages.push(SkMessage {
                            record: index,
                            peer: record.peer.clone(),
                            spi_i: hex(&m.spi_i.0),
                            spi_r: hex(&m.spi_r.0),
                            from_initiator: parsed.header.is_initiator(),
                            sent: matches!(event.kind, EventKind::MessageSent(_)),
                            label: m.summary.clone(),
                        });
                    }
                    EventKind::EspSealed(p) | EventKind::EspOpened(p) => esp.push(EspRecord {
                        record: index,
                        peer: record.peer.clone(),
                        spi: p.spi,
                        role: if matches!(event.kind, EventKind::EspSealed(_)) {
                            LinkRole::Sealed
                        } else {
                            LinkRole::Opened
                        },
                        label: format!("ESP SPI 0x{:08x} seq {}: {}", p.spi, p.sequence, p.inner),
                    }),
                    EventKind::EspDropped(d) => esp.push(EspRecord {
                        record: index,
                        peer: record.peer.clone(),
                        spi: d.spi,
                        role: LinkRole::Refused,
                        label: format!(
                            "ESP SPI 0x{:08x} seq {}: {}",
                            d.spi, d.sequence, d.reason.message
                        ),
                    }),
                    _ => {}
                },
                Entry::Network(NetworkEvent::Transmit {
                    flight,
                    from,
                    datagram,
                    protocol,
                    ..
                }) if !named.contains(flight) => {
                    if let Some(spi) =
                        esp_spi(*protocol, datagram.src, datagram.dst, &datagram.payload)
                    {
                        esp.push(EspRecord {
                            record: index,
                            peer: from.clone(),
                            spi,
                            role: LinkRole::OnTheWire,
                            label: format!(
                                "ESP SPI 0x{spi:08x} ({} octets)",
                                datagram.payload.len()
                            ),
                        });
                    }
                }
                _ => {}
            }
        }
        Self { sk_messages, esp }
    }

    /// Which end of the IKE SA `peer` is: what the Initiator flag of a message it
    /// sent says (§3.1).
    pub(super) fn ike_role(&self, peer: &str, sa: &IkeSaSchedule) -> Option<Side> {
        let (spi_i, spi_r) = (sa.spi_i.as_deref()?, sa.spi_r.as_deref()?);
        self.sk_messages
            .iter()
            .find(|m| m.sent && m.peer == peer && m.spi_i == spi_i && m.spi_r == spi_r)
            .map(|m| Side::of(m.from_initiator))
    }
}

/// The SPI of an ESP packet: IP protocol 50 (RFC 4303 §2), or UDP data on the
/// NAT-T port that is not IKE nor a keep-alive (RFC 3948 §2.1–§2.3).
fn esp_spi(
    protocol: WireProtocol,
    src: SocketAddr,
    dst: SocketAddr,
    payload: &[u8],
) -> Option<u32> {
    match protocol {
        WireProtocol::Esp => EspPacket::parse(payload).ok().map(|p| p.header.spi),
        WireProtocol::Udp if src.port() == NAT_T_PORT || dst.port() == NAT_T_PORT => {
            match Udp4500Payload::parse(payload) {
                Ok(Udp4500Payload::Esp(p)) => Some(p.header.spi),
                _ => None,
            }
        }
        WireProtocol::Udp => None,
    }
}

/// Fills each traffic key's `opens` with the records it protects.
pub(super) fn link_ike_sa(sa: &mut IkeSaSchedule, traffic: &Traffic) {
    let spis = sa.spi_i.clone().zip(sa.spi_r.clone());
    for key in sa.steps.iter_mut().flat_map(|s| &mut s.outputs) {
        let (KeyKind::SkE(side) | KeyKind::SkA(side)) = key.kind else {
            continue;
        };
        let Some((spi_i, spi_r)) = &spis else {
            continue;
        };
        if key.hex.is_empty() {
            continue;
        }
        let links = traffic
            .sk_messages
            .iter()
            .filter(|m| {
                &m.spi_i == spi_i && &m.spi_r == spi_r && Side::of(m.from_initiator) == side
            })
            .map(|m| Link {
                record: m.record,
                peer: m.peer.clone(),
                role: if m.sent {
                    LinkRole::Sealed
                } else {
                    LinkRole::Opened
                },
                label: m.label.clone(),
            })
            .collect();
        set_links(key, links);
    }
    for child in &mut sa.children {
        let Some(info) = &child.sa else { continue };
        for key in &mut child.step.outputs {
            let (KeyKind::EspEncr(side) | KeyKind::EspInteg(side)) = key.kind else {
                continue;
            };
            if key.hex.is_empty() {
                continue;
            }
            let spi = match side {
                Side::Initiator => info.spi_to_responder,
                Side::Responder => info.spi_to_initiator,
            };
            let links = traffic
                .esp
                .iter()
                .filter(|p| p.spi == spi)
                .map(|p| Link {
                    record: p.record,
                    peer: p.peer.clone(),
                    role: p.role,
                    label: p.label.clone(),
                })
                .collect();
            set_links(key, links);
        }
    }
}

fn set_links(key: &mut Key, links: Vec<Link>) {
    key.records = links.iter().map(|l| l.record).collect();
    key.opens = links;
}
