//! Flights: each datagram on the network, from its sender's record to its arrival (or
//! where the network dropped it), as the timeline draws it.
//!
//! Every record about a datagram carries its flight id (trace/2): the sender's
//! message, keep-alive or ESP record opens the flight, the network's records
//! (transmit, NAT rewrites, drops, duplicates, delivery) and the receiver's events
//! complete it. A copy the network makes (duplicate, replay) is its own flight.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use ikelab_engine::event::{Direction, EventKind};
use ikelab_engine::trace::{DropCause, FlightId, NatDirection, NetworkEvent, WireProtocol};
use ikelab_engine::trace::{Entry, Trace, TraceSource};
use ikelab_engine::wire::udp_encap::{NAT_T_PORT, Udp4500Payload};

use super::lines::Line;

/// What a datagram carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlightKind {
    Ike,
    /// A NAT keep-alive (RFC 3948 §2.3): one 0xFF octet.
    Keepalive,
    /// Plain ESP (IP protocol 50, RFC 4303).
    Esp,
    /// ESP in UDP 4500 (RFC 3948).
    EspInUdp,
    /// Something the model cannot name (a spoofed or unparsed datagram).
    Other,
}

/// What became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fate {
    /// It arrived (the receiver may still have dropped it: see `refused`).
    Delivered,
    /// The link lost it.
    Lost,
    /// The network dropped it on the way out (firewall, MTU, no route...).
    DroppedOut(String),
    /// The network dropped it on the way in (no NAT mapping, peer down...).
    DroppedIn(String),
    /// Still travelling when the trace ends.
    InFlight,
}

/// A NAT rewrite of the addresses, before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rewrite {
    pub(crate) before: (SocketAddr, SocketAddr),
    pub(crate) after: (SocketAddr, SocketAddr),
}

/// One datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Flight {
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) kind: FlightKind,
    /// charon-style label: `IKE_AUTH request 1 [ IDi AUTH SA TSi TSr ]`.
    pub(crate) label: String,
    /// `500 → 4500`-style ports as the sender put them.
    pub(crate) ports: String,
    pub(crate) t_send: u64,
    pub(crate) t_end: u64,
    /// The sender's record (its message, keep-alive or ESP record) and its line.
    pub(crate) send_record: usize,
    pub(crate) send_line: usize,
    /// The receiver's record and its line, or the network's drop record.
    pub(crate) end_record: Option<usize>,
    pub(crate) end_line: Option<usize>,
    pub(crate) fate: Fate,
    /// The n-th retransmission (0: first transmission).
    pub(crate) retransmission: u32,
    /// A second copy the link delivered.
    pub(crate) duplicate: bool,
    /// A copy of an ESP packet the network delivered again (anti-replay test).
    pub(crate) replay: bool,
    /// The network changed a bit of it on the way (`tamper_esp`).
    pub(crate) tampered: bool,
    /// The receiving engine refused it, and why.
    pub(crate) refused: Option<String>,
    pub(crate) nat_out: Option<Rewrite>,
    pub(crate) nat_in: Option<Rewrite>,
    /// The receiver reported it (its first record about it is `end_record`).
    pub(crate) received: bool,
}

/// The flights of a trace, in the order they were sent.
pub(crate) fn flights(trace: &Trace, lines: &[Line]) -> Vec<Flight> {
    let line_of = |record: usize| {
        lines
            .partition_point(|l| l.record <= record)
            .saturating_sub(1)
    };
    let mut out: Vec<Flight> = Vec::new();
    let mut by_id: BTreeMap<FlightId, usize> = BTreeMap::new();
    // Whether the network put the flight on a link (a drop after that is on the way in).
    let mut transmitted: BTreeMap<FlightId, bool> = BTreeMap::new();
    let blank = |record: usize, t_us: u64, from: &str, kind: FlightKind, label: String| Flight {
        from: from.to_owned(),
        to: String::new(),
        kind,
        label,
        ports: String::new(),
        t_send: t_us,
        t_end: t_us,
        send_record: record,
        send_line: line_of(record),
        end_record: None,
        end_line: None,
        fate: Fate::InFlight,
        retransmission: 0,
        duplicate: false,
        replay: false,
        tampered: false,
        refused: None,
        nat_out: None,
        nat_in: None,
        received: false,
    };
    for (index, record) in trace.records.iter().enumerate() {
        let t = record.t_us;
        match &record.entry {
            Entry::Event(event) => {
                let Some(id) = event.flight else { continue };
                match &event.kind {
                    EventKind::MessageSent(m) => {
                        let mut f =
                            blank(index, t, &record.peer, FlightKind::Ike, m.summary.clone());
                        f.retransmission = m.retransmission;
                        by_id.insert(id, out.len());
                        out.push(f);
                    }
                    EventKind::NatKeepalive {
                        direction: Direction::Sent,
                        ..
                    } => {
                        by_id.insert(id, out.len());
                        out.push(blank(
                            index,
                            t,
                            &record.peer,
                            FlightKind::Keepalive,
                            "NAT keep-alive".to_owned(),
                        ));
                    }
                    EventKind::EspSealed(p) => {
                        let kind = if p.udp_encap {
                            FlightKind::EspInUdp
                        } else {
                            FlightKind::Esp
                        };
                        by_id.insert(id, out.len());
                        out.push(blank(
                            index,
                            t,
                            &record.peer,
                            kind,
                            format!("ESP SPI 0x{:08x} seq {}: {}", p.spi, p.sequence, p.inner),
                        ));
                    }
                    EventKind::EspOpened(_) | EventKind::EspDropped(_) => {
                        if let Some(f) = by_id.get(&id).and_then(|&i| out.get_mut(i)) {
                            received(f, index, line_of(index), t);
                            if let EventKind::EspDropped(d) = &event.kind {
                                f.refused = Some(d.reason.message.clone());
                            }
                        }
                    }
                    EventKind::MessageReceived(m) if unnamed_sender(&by_id, &out, id) => {
                        // A bridge trace: the gateway's message, named by our parse.
                        if let Some(f) = by_id.get(&id).and_then(|&i| out.get_mut(i)) {
                            f.kind = FlightKind::Ike;
                            f.label = m.summary.clone();
                            received(f, index, line_of(index), t);
                        }
                    }
                    EventKind::MessageReceived(_)
                    | EventKind::MessageDropped(_)
                    | EventKind::NatKeepalive {
                        direction: Direction::Received,
                        ..
                    } => {
                        if let Some(f) = by_id.get(&id).and_then(|&i| out.get_mut(i)) {
                            received(f, index, line_of(index), t);
                            if let EventKind::MessageDropped(d) = &event.kind {
                                f.refused = Some(d.reason.describe());
                            }
                        }
                    }
                    _ => {}
                }
            }
            Entry::Network(net) => match net {
                NetworkEvent::EspTampered { flight, .. } => {
                    if let Some(f) = by_id.get(flight).and_then(|&i| out.get_mut(i)) {
                        f.tampered = true;
                    }
                }
                NetworkEvent::Duplicated { flight, parent, .. }
                | NetworkEvent::EspReplayed { flight, parent, .. } => {
                    let replay = matches!(net, NetworkEvent::EspReplayed { .. });
                    if let Some(mut copy) = by_id.get(parent).and_then(|&i| out.get(i)).cloned() {
                        copy.duplicate = !replay;
                        copy.replay = replay;
                        copy.fate = Fate::InFlight;
                        copy.end_record = None;
                        copy.end_line = None;
                        copy.refused = None;
                        copy.nat_in = None;
                        copy.received = false;
                        if replay {
                            copy.t_send = t;
                            copy.send_record = index;
                            copy.send_line = line_of(index);
                        }
                        by_id.insert(*flight, out.len());
                        out.push(copy);
                    }
                }
                NetworkEvent::Transmit {
                    flight,
                    from,
                    to,
                    datagram,
                    protocol,
                } => {
                    let at = match by_id.get(flight) {
                        Some(&i) => i,
                        None => {
                            // A datagram no engine event names: a spoofed or raw packet,
                            // or in a bridge trace the gateway's datagrams and the
                            // tunnel's ESP (named by the engine's own classifier).
                            let (kind, label) = unnamed(*protocol, datagram);
                            by_id.insert(*flight, out.len());
                            out.push(blank(index, t, from, kind, label));
                            out.len() - 1
                        }
                    };
                    transmitted.insert(*flight, true);
                    let f = &mut out[at];
                    f.to = to.clone();
                    let (src, dst) = f
                        .nat_out
                        .as_ref()
                        .map_or((datagram.src, datagram.dst), |r| r.before);
                    f.ports = ports(*protocol, src, dst);
                }
                NetworkEvent::NatRewrite {
                    flight,
                    direction,
                    before_src,
                    before_dst,
                    after_src,
                    after_dst,
                } => {
                    if let Some(f) = by_id.get(flight).and_then(|&i| out.get_mut(i)) {
                        let rewrite = Rewrite {
                            before: (*before_src, *before_dst),
                            after: (*after_src, *after_dst),
                        };
                        match direction {
                            NatDirection::Outbound => f.nat_out = Some(rewrite),
                            NatDirection::Inbound => f.nat_in = Some(rewrite),
                        }
                    }
                }
                NetworkEvent::Delivered { flight, to } => {
                    if let Some(f) = by_id.get(flight).and_then(|&i| out.get_mut(i)) {
                        f.to = to.clone();
                        f.fate = Fate::Delivered;
                        f.t_end = t;
                        f.end_record = Some(index);
                        f.end_line = Some(line_of(index));
                    }
                }
                NetworkEvent::Dropped { flight, cause, .. } => {
                    let on_link = transmitted.get(flight).copied().unwrap_or(false);
                    if let Some(f) = by_id.get(flight).and_then(|&i| out.get_mut(i)) {
                        let text = cause_text(cause);
                        f.fate = match (cause, on_link) {
                            (DropCause::Loss, _) => Fate::Lost,
                            (_, true) => Fate::DroppedIn(text),
                            (_, false) => Fate::DroppedOut(text),
                        };
                        f.t_end = t;
                        f.end_record = Some(index);
                        f.end_line = Some(line_of(index));
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    if trace.source == TraceSource::Bridge {
        // The bridge records one real peer: what it sent left its socket, and no
        // record will say when the gateway got it. Drawn as arriving at once.
        for f in out
            .iter_mut()
            .filter(|f| f.fate == Fate::InFlight && !f.to.is_empty())
        {
            f.fate = Fate::Delivered;
            f.t_end = f.t_send;
            f.end_record = Some(f.send_record);
            f.end_line = Some(f.send_line);
        }
    }
    out
}

/// Whether flight `id` came from a sender no event describes (its label is only
/// its size so far).
fn unnamed_sender(by_id: &BTreeMap<FlightId, usize>, out: &[Flight], id: FlightId) -> bool {
    by_id
        .get(&id)
        .and_then(|&i| out.get(i))
        .is_some_and(|f| f.kind == FlightKind::Other)
}

/// The receiver's first record about a delivered flight becomes its end (its line is
/// the one the reader sees).
fn received(flight: &mut Flight, record: usize, line: usize, t_us: u64) {
    if !flight.received {
        flight.received = true;
        flight.end_record = Some(record);
        flight.end_line = Some(line);
        flight.t_end = t_us;
        flight.fate = Fate::Delivered;
    }
}

/// The kind and label of a datagram no event names, from the engine's classifier of
/// UDP 4500 data (RFC 3948 §2.1–§2.3) and its ESP header parser (RFC 4303 §2).
fn unnamed(protocol: WireProtocol, datagram: &ikelab_engine::Datagram) -> (FlightKind, String) {
    let payload = datagram.payload.as_slice();
    let bytes = format!("{} bytes", payload.len());
    // Only port-4500 data can be ESP in UDP; a keep-alive is one 0xFF octet anywhere.
    let nat_t = [datagram.src.port(), datagram.dst.port()].contains(&NAT_T_PORT);
    match (protocol, Udp4500Payload::parse(payload)) {
        (WireProtocol::Esp, _) => (FlightKind::Esp, bytes),
        (WireProtocol::Udp, Ok(Udp4500Payload::NatKeepalive)) => {
            (FlightKind::Keepalive, "NAT keep-alive".to_owned())
        }
        (WireProtocol::Udp, Ok(Udp4500Payload::Esp(esp))) if nat_t => (
            FlightKind::EspInUdp,
            format!(
                "SPI 0x{:08x} seq {} ({bytes})",
                esp.header.spi, esp.header.sequence_number
            ),
        ),
        (WireProtocol::Udp, _) => (FlightKind::Other, bytes),
    }
}

fn ports(protocol: WireProtocol, src: SocketAddr, dst: SocketAddr) -> String {
    match protocol {
        WireProtocol::Esp => "IP protocol 50".to_owned(),
        WireProtocol::Udp => format!("UDP {} → {}", src.port(), dst.port()),
    }
}

fn cause_text(cause: &DropCause) -> String {
    match cause {
        DropCause::Loss => "lost on the link".to_owned(),
        DropCause::Mtu { packet_len, mtu } => format!("{packet_len} bytes exceed the MTU of {mtu}"),
        DropCause::Firewall { rule } => format!("firewall: {rule}"),
        DropCause::NoRoute { address } => format!("no host has {address}"),
        DropCause::SourceNotAssigned { address } => format!("{address} is no longer the sender's"),
        DropCause::NoNatMapping { public } => format!("the NAT has no mapping for {public}"),
        DropCause::PeerDown { peer } => format!("{peer} is down"),
        DropCause::EspThroughNat => "a NAT cannot translate plain ESP".to_owned(),
        // A cause newer than this page.
        _ => "dropped by the network".to_owned(),
    }
}
