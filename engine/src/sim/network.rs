//! The virtual network between the simulated peers: per-direction links (latency,
//! jitter, loss, duplication, reordering, MTU), one NAT box, a firewall, routing
//! by address, and the datagrams in flight.
//!
//! The network numbers the run's flights: every datagram a node puts on it has a
//! run-wide [`FlightId`] (the simulator renumbers the engines' own ids with
//! [`Network::new_flight`]), a copy the network makes gets a new one, and every
//! record about a datagram names its flight; arrival is a `delivered` record.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::firewall::Firewall;
use super::link::Link;
use super::nat_box::NatBox;
use super::node::Node;
use super::scenario::Scenario;
use crate::event::{FlightCounter, FlightId};
use crate::ike::{Datagram, Time};
use crate::trace::network::{DropCause, NatDirection, NetworkEvent, WireProtocol};

/// IPv4 header without options (RFC 791) and the UDP header (RFC 768).
const IPV4_UDP_OVERHEAD: usize = 20 + 8;
/// IPv6 fixed header (RFC 8200) and the UDP header.
const IPV6_UDP_OVERHEAD: usize = 40 + 8;
/// The UDP header, absent from plain ESP (IP protocol 50).
const UDP_HEADER: usize = 8;

/// The size of the IP packet carrying `datagram` as `protocol`.
pub(crate) fn ip_packet_len(datagram: &Datagram, protocol: WireProtocol) -> usize {
    let overhead = match datagram.dst.ip() {
        IpAddr::V4(_) => IPV4_UDP_OVERHEAD,
        IpAddr::V6(_) => IPV6_UDP_OVERHEAD,
    };
    let overhead = match protocol {
        WireProtocol::Udp => overhead,
        WireProtocol::Esp => overhead - UDP_HEADER,
    };
    datagram.payload.len() + overhead
}

/// What a node puts on the network.
#[derive(Debug, Clone)]
pub(crate) struct WirePacket {
    /// Its run-wide flight id.
    pub(crate) flight: FlightId,
    /// Addresses and payload (plain ESP: ports 0, the ESP packet).
    pub(crate) datagram: Datagram,
    pub(crate) protocol: WireProtocol,
    /// The payload is an ESP packet (plain, or in UDP 4500): remembered for
    /// [`Network::replay`].
    pub(crate) esp: bool,
}

impl WirePacket {
    /// An engine's UDP datagram (IKE, keep-alives), as flight `flight`.
    pub(crate) fn udp(flight: FlightId, datagram: Datagram) -> Self {
        Self {
            flight,
            datagram,
            protocol: WireProtocol::Udp,
            esp: false,
        }
    }
}

/// A datagram on its way.
#[derive(Debug)]
pub(crate) struct InFlight {
    pub(crate) flight: FlightId,
    /// The sender's name (for drop reports at the receiving end).
    pub(crate) from: String,
    pub(crate) to: usize,
    pub(crate) datagram: Datagram,
    pub(crate) protocol: WireProtocol,
}

/// Links, NAT, firewall and what is in flight.
#[derive(Debug)]
pub(crate) struct Network {
    seed: u64,
    links: BTreeMap<(usize, usize), (Link, usize)>,
    /// The NAT box and the index of the node behind it.
    pub(crate) nat: Option<(usize, NatBox)>,
    pub(crate) firewall: Firewall,
    in_flight: BTreeMap<(Time, u64), InFlight>,
    seq: u64,
    /// The run's flight ids.
    flights: FlightCounter,
    /// The last ESP packet put on a link towards each node (plain or in UDP), as a
    /// capture on that link saw it: what `replay_esp` delivers again.
    last_esp: BTreeMap<usize, InFlight>,
    /// Nodes whose next incoming ESP packet the network changes (`tamper_esp`): a
    /// short list (a BTreeSet's removal code would cost the browser lab's first
    /// build about 2 KB for one or two entries).
    tamper: Vec<usize>,
}

impl Network {
    pub(crate) fn new(seed: u64, firewall: Firewall, nat: Option<(usize, NatBox)>) -> Self {
        Self {
            seed,
            links: BTreeMap::new(),
            nat,
            firewall,
            in_flight: BTreeMap::new(),
            seq: 0,
            flights: FlightCounter::default(),
            last_esp: BTreeMap::new(),
            tamper: Vec::new(),
        }
    }

    /// A new run-wide flight id: for a datagram a node sends, or a copy the
    /// network makes.
    pub(crate) fn new_flight(&mut self) -> FlightId {
        self.flights.next_id()
    }

    /// The run's flight counter (for draining an engine).
    pub(crate) fn flights(&mut self) -> &mut FlightCounter {
        &mut self.flights
    }

    /// The flights still on their way (their arrival is after the end of the run).
    pub(crate) fn in_flight(&self) -> Vec<FlightId> {
        self.in_flight.values().map(|f| f.flight).collect()
    }

    /// The next delivery time.
    pub(crate) fn next_delivery(&self) -> Option<Time> {
        self.in_flight.keys().next().map(|(t, _)| *t)
    }

    /// Takes the next datagram due at or before `now`.
    pub(crate) fn pop_due(&mut self, now: Time) -> Option<InFlight> {
        let entry = self.in_flight.first_entry()?;
        if entry.key().0 > now {
            return None;
        }
        Some(entry.remove())
    }

    fn link(
        &mut self,
        scenario: &Scenario,
        nodes: &[Node],
        from: usize,
        to: usize,
    ) -> &mut (Link, usize) {
        let seed = self.seed;
        self.links.entry((from, to)).or_insert_with(|| {
            let name = |i: usize| nodes.get(i).map_or("", |n| n.name.as_str());
            let (config, mtu) = scenario.link_spec(name(from), name(to)).resolve();
            // Each direction draws from its own generator, so adding traffic on one
            // link does not change the fate of datagrams on another.
            let link_seed = seed
                .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                .wrapping_add(((from as u64) << 32) | to as u64);
            (Link::new(config, link_seed), mtu)
        })
    }

    /// A node sent `packet` at `now`: source check, firewall, NAT, routing, MTU,
    /// then the link decides. Everything that happens is appended to `report`.
    pub(crate) fn send(
        &mut self,
        now: Time,
        scenario: &Scenario,
        nodes: &[Node],
        from: usize,
        packet: WirePacket,
        report: &mut Vec<NetworkEvent>,
    ) {
        let WirePacket {
            flight,
            mut datagram,
            protocol,
            esp,
        } = packet;
        let Some(sender) = nodes.get(from) else {
            return;
        };
        let dropped = |datagram: &Datagram, cause: DropCause| NetworkEvent::Dropped {
            flight,
            from: sender.name.clone(),
            src: datagram.src,
            dst: datagram.dst,
            length: datagram.payload.len(),
            cause,
        };
        if !sender.spoofs && !sender.addrs.contains(&datagram.src.ip()) {
            let address = datagram.src.ip();
            report.push(dropped(&datagram, DropCause::SourceNotAssigned { address }));
            return;
        }
        if let Some(rule) = self.firewall.verdict(&datagram, protocol) {
            report.push(dropped(&datagram, DropCause::Firewall { rule }));
            return;
        }
        if let Some((behind, nat)) = self.nat.as_mut()
            && *behind == from
        {
            if protocol == WireProtocol::Esp {
                report.push(dropped(&datagram, DropCause::EspThroughNat));
                return;
            }
            let before = (datagram.src, datagram.dst);
            datagram.src = nat.outbound(now, datagram.src, report);
            report.push(NetworkEvent::NatRewrite {
                flight,
                direction: NatDirection::Outbound,
                before_src: before.0,
                before_dst: before.1,
                after_src: datagram.src,
                after_dst: datagram.dst,
            });
        }
        let to = match &self.nat {
            Some((behind, nat)) if nat.public_ip == datagram.dst.ip() => Some(*behind),
            _ => nodes
                .iter()
                .position(|n| n.addrs.contains(&datagram.dst.ip())),
        };
        let Some(to) = to else {
            let address = datagram.dst.ip();
            report.push(dropped(&datagram, DropCause::NoRoute { address }));
            return;
        };
        let to_name = nodes.get(to).map_or_else(String::new, |n| n.name.clone());
        let (link, mtu) = self.link(scenario, nodes, from, to);
        let packet_len = ip_packet_len(&datagram, protocol);
        if packet_len > *mtu {
            let mtu = *mtu;
            report.push(dropped(&datagram, DropCause::Mtu { packet_len, mtu }));
            return;
        }
        let fate = link.fate(now);
        // The record names the flight once, not again inside the datagram.
        datagram.flight = None;
        report.push(NetworkEvent::Transmit {
            flight,
            from: sender.name.clone(),
            to: to_name.clone(),
            datagram: datagram.clone(),
            protocol,
        });
        if esp {
            self.last_esp.insert(
                to,
                InFlight {
                    flight,
                    from: sender.name.clone(),
                    to,
                    datagram: datagram.clone(),
                    protocol,
                },
            );
        }
        // On the path, after the capture point (the pcap shows the packet as sent):
        // the last octet, part of the ICV, gets its lowest bit flipped.
        if esp
            && let Some(at) = self.tamper.iter().position(|&node| node == to)
            && let Some(last) = datagram.payload.last_mut()
        {
            self.tamper.swap_remove(at);
            *last ^= 0x01;
            let (spi, sequence) = super::simulator::spi_and_sequence(&datagram.payload);
            report.push(NetworkEvent::EspTampered {
                flight,
                from: sender.name.clone(),
                to: to_name.clone(),
                spi,
                sequence,
            });
        }
        if fate.arrivals.is_empty() {
            report.push(dropped(&datagram, DropCause::Loss));
            return;
        }
        if fate.reordered {
            report.push(NetworkEvent::Reordered {
                flight,
                from: sender.name.clone(),
                to: to_name.clone(),
            });
        }
        // A duplicate is a flight of its own, naming the original (the link's
        // first arrival is the copy, the last the original).
        let copies = fate.arrivals.len();
        for (n, at) in fate.arrivals.into_iter().enumerate() {
            let this = if n + 1 == copies {
                flight
            } else {
                let copy = self.flights.next_id();
                report.push(NetworkEvent::Duplicated {
                    flight: copy,
                    parent: flight,
                    from: sender.name.clone(),
                    to: to_name.clone(),
                });
                copy
            };
            self.seq += 1;
            self.in_flight.insert(
                (at, self.seq),
                InFlight {
                    flight: this,
                    from: sender.name.clone(),
                    to,
                    datagram: datagram.clone(),
                    protocol,
                },
            );
        }
    }

    /// The next ESP packet towards node `to` will be changed on the path.
    pub(crate) fn tamper_next(&mut self, to: usize) {
        if !self.tamper.contains(&to) {
            self.tamper.push(to);
        }
    }

    /// Delivers again, now, a copy of the last ESP packet the links carried towards
    /// node `to` (as captured on the link, so it crosses the NAT box again on the
    /// way in). Returns the copy's transmission (a capture sees it again), or `None`
    /// when no ESP packet went that way yet.
    /// The copy is a new flight; its parent is returned beside the transmission.
    pub(crate) fn replay(
        &mut self,
        now: Time,
        to: usize,
        to_name: &str,
    ) -> Option<(FlightId, NetworkEvent)> {
        let last = self.last_esp.get(&to)?;
        let parent = last.flight;
        let copy = InFlight {
            flight: self.flights.next_id(),
            from: last.from.clone(),
            to,
            datagram: last.datagram.clone(),
            protocol: last.protocol,
        };
        let transmit = NetworkEvent::Transmit {
            flight: copy.flight,
            from: copy.from.clone(),
            to: to_name.to_owned(),
            datagram: copy.datagram.clone(),
            protocol: copy.protocol,
        };
        self.seq += 1;
        self.in_flight.insert((now, self.seq), copy);
        Some((parent, transmit))
    }

    /// A datagram arrives at node `to`: the NAT box translates it back (or drops
    /// it), a dead or moved peer does not get it. Returns the datagram to hand to
    /// the engine, carrying its flight.
    pub(crate) fn arrive(
        &mut self,
        now: Time,
        nodes: &[Node],
        flight: InFlight,
        report: &mut Vec<NetworkEvent>,
    ) -> Option<(Datagram, WireProtocol)> {
        let InFlight {
            flight,
            from,
            to,
            mut datagram,
            protocol,
        } = flight;
        let node = nodes.get(to)?;
        let dropped = |datagram: &Datagram, cause: DropCause| NetworkEvent::Dropped {
            flight,
            from: from.clone(),
            src: datagram.src,
            dst: datagram.dst,
            length: datagram.payload.len(),
            cause,
        };
        if let Some((behind, nat)) = self.nat.as_mut()
            && *behind == to
            && nat.public_ip == datagram.dst.ip()
        {
            if protocol == WireProtocol::Esp {
                report.push(dropped(&datagram, DropCause::EspThroughNat));
                return None;
            }
            let public = datagram.dst;
            match nat.inbound(now, public, report) {
                Some(private) => {
                    datagram.dst = private;
                    report.push(NetworkEvent::NatRewrite {
                        flight,
                        direction: NatDirection::Inbound,
                        before_src: datagram.src,
                        before_dst: public,
                        after_src: datagram.src,
                        after_dst: private,
                    });
                }
                None => {
                    report.push(dropped(&datagram, DropCause::NoNatMapping { public }));
                    return None;
                }
            }
        }
        if node.engine.is_none() {
            let peer = node.name.clone();
            report.push(dropped(&datagram, DropCause::PeerDown { peer }));
            return None;
        }
        if !node.addrs.contains(&datagram.dst.ip()) {
            let address = datagram.dst.ip();
            report.push(dropped(&datagram, DropCause::NoRoute { address }));
            return None;
        }
        report.push(NetworkEvent::Delivered {
            flight,
            to: node.name.clone(),
        });
        Some((datagram.with_flight(flight), protocol))
    }
}
