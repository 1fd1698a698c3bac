//! The script's traffic actions and the ESP data plane on the simulated network.
//!
//! `ping` and `stream` schedule packets of a peer's inner host
//! ([`inner_host`](crate::sim::inner_host)); each is sealed with
//! `Engine::seal` for the peer's first installed CHILD SA (`sim/target.rs`) and put
//! on the network: as IP protocol 50, or in a UDP datagram between the NAT-T ports
//! when the CHILD SA uses UDP encapsulation (RFC 3948). At the receiver, plain ESP
//! goes to `Engine::handle_esp`, every UDP datagram to `handle_datagram` (which
//! opens ESP in UDP itself), as a driver over sockets does; the inner packets come
//! back from `poll_packet`, and an echo request is answered through the CHILD SA it
//! came on. The engine (with `esp_events`) reports each packet sealed, opened or
//! refused; the network records only what it did. `replay_esp` has the network deliver
//! again the last ESP packet it carried towards a peer, which the anti-replay
//! window (RFC 4303 §3.4.3) must refuse.

use std::net::IpAddr;

use super::Simulator;
use crate::child::SEAL_OVERHEAD_MAX;
use crate::ike::{ChildSaId, Datagram, Time};
use crate::sim::inner_host;
use crate::sim::network::WirePacket;
use crate::sim::script::Action;
use crate::sim::target;
use crate::trace::ActionFailure;
use crate::trace::network::{NetworkEvent, WireProtocol};
use crate::wire::TrafficSelector;
use crate::wire::ip::summary;

/// A packet a peer's inner host sends later: a ping's next request, a stream's next
/// datagram.
#[derive(Debug, Clone)]
pub(super) struct Scheduled {
    peer: usize,
    to: Option<IpAddr>,
    packet: ScheduledPacket,
}

#[derive(Debug, Clone, Copy)]
enum ScheduledPacket {
    Echo { id: u16, seq: u16 },
    Stream { size: usize, index: u32 },
}

/// The SPI and (low) sequence number at the front of an ESP packet (RFC 4303 §2).
pub(in crate::sim) fn spi_and_sequence(esp: &[u8]) -> (u32, u32) {
    let word = |at: usize| {
        esp.get(at..at + 4)
            .and_then(|w| <[u8; 4]>::try_from(w).ok())
            .map_or(0, u32::from_be_bytes)
    };
    (word(0), word(4))
}

/// The first host of the first IP selector: the address after the start when the
/// range has more than one (a subnet's first address names the network).
fn first_host(selectors: &[TrafficSelector]) -> Option<IpAddr> {
    selectors.iter().find_map(|ts| match ts {
        TrafficSelector::Ipv4 { start, end, .. } => {
            let next = if end > start {
                u32::from(*start).wrapping_add(1)
            } else {
                u32::from(*start)
            };
            Some(IpAddr::V4(next.into()))
        }
        TrafficSelector::Ipv6 { start, end, .. } => {
            let next = if end > start {
                u128::from(*start).wrapping_add(1)
            } else {
                u128::from(*start)
            };
            Some(IpAddr::V6(next.into()))
        }
        TrafficSelector::Other { .. } => None,
    })
}

impl Simulator<'_> {
    /// `ping`, `stream`, `replay_esp` and `tamper_esp`.
    pub(super) fn run_traffic(&mut self, action: &Action) {
        let Some(peer) = action.peer() else {
            return;
        };
        let Some(index) = self.node_index(peer) else {
            return;
        };
        let now = self.now;
        match action {
            Action::Ping {
                count,
                interval,
                to,
                ..
            } => {
                self.ping_id = self.ping_id.wrapping_add(1);
                let id = self.ping_id;
                for n in 0..*count {
                    let seq = u16::try_from(n + 1).unwrap_or(u16::MAX);
                    let packet = ScheduledPacket::Echo { id, seq };
                    self.schedule(now + *interval * n, index, *to, packet);
                }
            }
            Action::Stream {
                packets,
                size,
                interval,
                to,
                ..
            } => {
                let size = usize::try_from(*size).unwrap_or(usize::MAX);
                for n in 0..*packets {
                    let packet = ScheduledPacket::Stream { size, index: n };
                    self.schedule(now + *interval * n, index, *to, packet);
                }
            }
            Action::ReplayEsp { peer } => match self.network.replay(now, index, peer) {
                Some((parent, transmit)) => {
                    if let NetworkEvent::Transmit {
                        flight,
                        from,
                        datagram,
                        ..
                    } = &transmit
                    {
                        let (spi, sequence) = spi_and_sequence(&datagram.payload);
                        let replayed = NetworkEvent::EspReplayed {
                            flight: *flight,
                            parent,
                            from: from.clone(),
                            to: peer.clone(),
                            spi,
                            sequence,
                        };
                        self.network_record(replayed);
                    }
                    self.network_record(transmit);
                }
                None => self.network_record(NetworkEvent::ScriptFailed {
                    action: action.describe(),
                    failure: ActionFailure::NoEspPacketYet {
                        towards: peer.clone(),
                    },
                }),
            },
            Action::TamperEsp { .. } => self.network.tamper_next(index),
            _ => {}
        }
    }

    fn schedule(&mut self, at: Time, peer: usize, to: Option<IpAddr>, packet: ScheduledPacket) {
        self.scheduled_seq += 1;
        self.scheduled
            .insert((at, self.scheduled_seq), Scheduled { peer, to, packet });
    }

    /// When the next scheduled packet leaves.
    pub(super) fn next_scheduled(&self) -> Option<Time> {
        self.scheduled.keys().next().map(|(t, _)| *t)
    }

    /// Sends every scheduled packet due at `now`.
    pub(super) fn send_scheduled(&mut self, now: Time) {
        while let Some(entry) = self.scheduled.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let Scheduled { peer, to, packet } = entry.remove();
            self.send_from_host(peer, to, packet);
        }
    }

    /// Builds a scheduled packet from the peer's inner address (the first host of its
    /// CHILD SA's local selectors: its virtual IP when it got one) and sends it.
    fn send_from_host(&mut self, index: usize, to: Option<IpAddr>, packet: ScheduledPacket) {
        let Some(node) = self.nodes.get(index) else {
            return;
        };
        let peer = node.name.clone();
        let what = match packet {
            ScheduledPacket::Echo { id, seq } => format!("echo request id {id} seq {seq}"),
            ScheduledPacket::Stream { index, .. } => format!("stream packet {index}"),
        };
        let route = match node.engine.as_ref() {
            None => Err(ActionFailure::PeerDown),
            Some(engine) => target::child_sa(engine, None).and_then(|id| {
                let child = engine
                    .child_sas()
                    .find(|c| c.id == id)
                    .ok_or(ActionFailure::NoChildSa { child: None })?;
                let src = first_host(&child.local_ts);
                let dst = to.or_else(|| first_host(&child.remote_ts));
                match (src, dst) {
                    (Some(src), Some(dst)) => Ok((id, src, dst)),
                    _ => Err(ActionFailure::NoHostInSelectors),
                }
            }),
        };
        let built = route.and_then(|(id, src, dst)| {
            let packet = match packet {
                ScheduledPacket::Echo { id, seq } => inner_host::echo_request(src, dst, id, seq),
                ScheduledPacket::Stream { size, index } => {
                    inner_host::stream_packet(src, dst, size, index)
                }
            };
            packet
                .map(|p| (id, p))
                .map_err(|error| ActionFailure::InnerPacket { error })
        });
        match built {
            Ok((child, packet)) => self.seal_and_send(index, child, &packet),
            Err(failure) => self.network_record(NetworkEvent::EspNotSent {
                peer,
                inner: what,
                failure,
            }),
        }
    }

    /// Seals `packet` for `child` of node `index` and puts the ESP packet on the
    /// network.
    fn seal_and_send(&mut self, index: usize, child: ChildSaId, packet: &[u8]) {
        let now = self.now;
        let (_, inner) = summary(packet);
        let Some(node) = self.nodes.get_mut(index) else {
            return;
        };
        let peer = node.name.clone();
        let Some(engine) = node.engine.as_mut() else {
            return;
        };
        let mut out = vec![0u8; packet.len() + SEAL_OVERHEAD_MAX];
        let sealed = engine.seal(now, child, packet, &mut out);
        let sealed = match sealed {
            Ok(sealed) => sealed,
            Err(e) => {
                self.network_record(NetworkEvent::EspNotSent {
                    peer,
                    inner,
                    failure: ActionFailure::SealRefused { error: e },
                });
                self.collect(index);
                return;
            }
        };
        let esp = out
            .get(sealed.offset..sealed.offset + sealed.len)
            .unwrap_or_default()
            .to_vec();
        // The run numbers the packet's flight, in send order.
        let flight = self.network.new_flight();
        // The EspSealed event (renumbered to the run's flight), lifetime events
        // the packet raised, and what the engine sends about them.
        self.collect_sealed(index, Some((sealed.flight, flight)));
        let protocol = if sealed.udp_encap {
            WireProtocol::Udp
        } else {
            WireProtocol::Esp
        };
        let packet = WirePacket {
            flight,
            datagram: Datagram::new(sealed.src, sealed.dst, esp),
            protocol,
            esp: true,
        };
        let mut report = Vec::new();
        self.network
            .send(now, self.scenario, &self.nodes, index, packet, &mut report);
        self.network_records(report);
    }

    /// Hands the inner packets node `index` opened to its inner host, and sends
    /// the answers (echo replies) back through the CHILD SA each came on.
    pub(super) fn answer_inbound(&mut self, index: usize) {
        let Some(engine) = self.nodes.get_mut(index).and_then(|n| n.engine.as_mut()) else {
            return;
        };
        let mut answers = Vec::new();
        while let Some(packet) = engine.poll_packet() {
            if let Some(reply) = inner_host::answer(&packet.bytes) {
                answers.push((packet.child, reply));
            }
        }
        for (child, reply) in answers {
            self.seal_and_send(index, child, &reply);
        }
    }
}
