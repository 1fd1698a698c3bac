//! Flights: each datagram on the network, from its sender's record to its arrival (or
//! where the network dropped it), as the timeline draws it.
//!
//! TEMPORARY (until trace/2's flight ids land): sends and arrivals are paired by the
//! order of records — a `transmit` belongs to its sender's last unsent message, an
//! arrival to the oldest datagram in flight towards that peer. Replace with the
//! records' flight ids.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use ikelab_engine::event::{Direction, EventKind};
use ikelab_engine::sim::{DropCause, NatDirection, NetworkEvent, WireProtocol};
use ikelab_engine::trace::{Entry, Trace};

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
    /// The receiving engine refused it, and why.
    pub(crate) refused: Option<String>,
    pub(crate) nat_out: Option<Rewrite>,
    pub(crate) nat_in: Option<Rewrite>,
}

struct Pending {
    record: usize,
    kind: FlightKind,
    label: String,
    retransmission: u32,
}

/// The flights of a trace.
pub(crate) fn flights(trace: &Trace, lines: &[Line]) -> Vec<Flight> {
    let line_of = |record: usize| {
        lines
            .partition_point(|l| l.record <= record)
            .saturating_sub(1)
    };
    let mut out: Vec<Flight> = Vec::new();
    let mut pending: BTreeMap<String, Pending> = BTreeMap::new();
    // Indices into `out` still travelling, oldest first.
    let mut travelling: Vec<usize> = Vec::new();
    let mut nat_out: Option<Rewrite> = None;
    let mut nat_in: Option<Rewrite> = None;
    let mut replay_next = false;

    for (index, record) in trace.records.iter().enumerate() {
        match &record.entry {
            Entry::Event(event) => match &event.kind {
                EventKind::MessageSent(m) => {
                    pending.insert(
                        record.peer.clone(),
                        Pending {
                            record: index,
                            kind: FlightKind::Ike,
                            label: m.summary.clone(),
                            retransmission: m.retransmission,
                        },
                    );
                }
                EventKind::NatKeepalive {
                    direction: Direction::Sent,
                    ..
                } => {
                    pending.insert(
                        record.peer.clone(),
                        Pending {
                            record: index,
                            kind: FlightKind::Keepalive,
                            label: "NAT keep-alive".to_owned(),
                            retransmission: 0,
                        },
                    );
                }
                EventKind::MessageReceived(_)
                | EventKind::NatKeepalive {
                    direction: Direction::Received,
                    ..
                } => arrive(
                    &mut out,
                    &mut travelling,
                    &record.peer,
                    index,
                    record.t_us,
                    line_of(index),
                    None,
                    nat_in.take(),
                ),
                EventKind::MessageDropped(d) => arrive(
                    &mut out,
                    &mut travelling,
                    &record.peer,
                    index,
                    record.t_us,
                    line_of(index),
                    Some(d.reason.describe()),
                    nat_in.take(),
                ),
                _ => {}
            },
            Entry::Network(net) => match net {
                NetworkEvent::EspSent {
                    peer,
                    spi,
                    sequence,
                    inner,
                    udp_encap,
                    ..
                } => {
                    pending.insert(
                        peer.clone(),
                        Pending {
                            record: index,
                            kind: if *udp_encap {
                                FlightKind::EspInUdp
                            } else {
                                FlightKind::Esp
                            },
                            label: format!("ESP SPI 0x{spi:08x} seq {sequence}: {inner}"),
                            retransmission: 0,
                        },
                    );
                }
                NetworkEvent::EspReplayed { .. } => replay_next = true,
                NetworkEvent::NatRewrite {
                    direction,
                    before_src,
                    before_dst,
                    after_src,
                    after_dst,
                } => {
                    let rewrite = Rewrite {
                        before: (*before_src, *before_dst),
                        after: (*after_src, *after_dst),
                    };
                    match direction {
                        NatDirection::Outbound => nat_out = Some(rewrite),
                        NatDirection::Inbound => nat_in = Some(rewrite),
                    }
                }
                NetworkEvent::Transmit {
                    from,
                    to,
                    datagram,
                    protocol,
                } => {
                    let sent = pending.remove(from);
                    let replay = std::mem::take(&mut replay_next);
                    let (send_record, kind, label, retransmission) = match sent {
                        Some(p) if !replay => (p.record, p.kind, p.label, p.retransmission),
                        _ => (
                            index,
                            guess_kind(*protocol, &datagram.payload),
                            format!("{} bytes", datagram.payload.len()),
                            0,
                        ),
                    };
                    let (src, dst) = match &nat_out {
                        Some(r) => (r.before.0, r.before.1),
                        None => (datagram.src, datagram.dst),
                    };
                    let label = if replay {
                        out.iter()
                            .rev()
                            .find(|f| {
                                f.to == *to
                                    && matches!(f.kind, FlightKind::Esp | FlightKind::EspInUdp)
                            })
                            .map_or(label, |f| f.label.clone())
                    } else {
                        label
                    };
                    out.push(Flight {
                        from: from.clone(),
                        to: to.clone(),
                        kind,
                        label,
                        ports: ports(*protocol, src, dst),
                        t_send: record.t_us,
                        t_end: record.t_us,
                        send_record,
                        send_line: line_of(send_record),
                        end_record: None,
                        end_line: None,
                        fate: Fate::InFlight,
                        retransmission,
                        duplicate: false,
                        replay,
                        refused: None,
                        nat_out: nat_out.take(),
                        nat_in: None,
                    });
                    travelling.push(out.len() - 1);
                }
                NetworkEvent::Duplicated { from, to } => {
                    if let Some(&last) = travelling
                        .iter()
                        .rev()
                        .find(|&&i| out[i].from == *from && out[i].to == *to)
                    {
                        let mut copy = out[last].clone();
                        copy.duplicate = true;
                        out.push(copy);
                        travelling.push(out.len() - 1);
                    }
                }
                NetworkEvent::Dropped {
                    from, src, cause, ..
                } => {
                    let text = cause_text(cause);
                    if let Some(p) = pending.remove(from) {
                        // Dropped before it reached the link (firewall, MTU, no route).
                        out.push(Flight {
                            from: from.clone(),
                            to: String::new(),
                            kind: p.kind,
                            label: p.label,
                            ports: String::new(),
                            t_send: record.t_us,
                            t_end: record.t_us,
                            send_record: p.record,
                            send_line: line_of(p.record),
                            end_record: Some(index),
                            end_line: Some(line_of(index)),
                            fate: Fate::DroppedOut(text),
                            retransmission: p.retransmission,
                            duplicate: false,
                            replay: false,
                            refused: None,
                            nat_out: nat_out.take(),
                            nat_in: None,
                        });
                    } else if let Some(pos) = travelling
                        .iter()
                        .position(|&i| out[i].from == *from && sent_as(&out[i], *src))
                    {
                        let flight = &mut out[travelling.remove(pos)];
                        flight.end_record = Some(index);
                        flight.end_line = Some(line_of(index));
                        flight.t_end = record.t_us;
                        flight.fate = if matches!(cause, DropCause::Loss) {
                            Fate::Lost
                        } else {
                            Fate::DroppedIn(text)
                        };
                    }
                }
                NetworkEvent::EspOpened { peer, .. } => {
                    arrive(
                        &mut out,
                        &mut travelling,
                        peer,
                        index,
                        record.t_us,
                        line_of(index),
                        None,
                        nat_in.take(),
                    );
                }
                NetworkEvent::EspDropped { peer, error, .. } => {
                    arrive(
                        &mut out,
                        &mut travelling,
                        peer,
                        index,
                        record.t_us,
                        line_of(index),
                        Some(error.clone()),
                        nat_in.take(),
                    );
                }
                _ => {}
            },
        }
    }
    out
}

/// Whether `flight` left the sender's side of the network with source `src`.
fn sent_as(flight: &Flight, src: SocketAddr) -> bool {
    flight.nat_out.as_ref().is_none_or(|r| r.after.0 == src)
}

#[allow(clippy::too_many_arguments)]
fn arrive(
    out: &mut [Flight],
    travelling: &mut Vec<usize>,
    peer: &str,
    record: usize,
    t_us: u64,
    line: usize,
    refused: Option<String>,
    nat_in: Option<Rewrite>,
) {
    let Some(pos) = travelling.iter().position(|&i| out[i].to == peer) else {
        return;
    };
    let flight = &mut out[travelling.remove(pos)];
    flight.end_record = Some(record);
    flight.end_line = Some(line);
    flight.t_end = t_us;
    flight.fate = Fate::Delivered;
    flight.refused = refused;
    flight.nat_in = nat_in;
}

fn guess_kind(protocol: WireProtocol, payload: &[u8]) -> FlightKind {
    match protocol {
        WireProtocol::Esp => FlightKind::Esp,
        WireProtocol::Udp if payload == [0xff] => FlightKind::Keepalive,
        WireProtocol::Udp => FlightKind::Other,
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
    }
}
