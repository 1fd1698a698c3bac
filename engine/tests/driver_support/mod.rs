//! Two engines wired together the way a driver over real sockets wires them: every
//! datagram `poll_transmit` returns goes to the other engine's `handle_datagram`
//! (UDP 500 or 4500, chosen by the engine), time moves to the earliest
//! `poll_timeout`. Nothing of the simulator is used. Inner packets are built with
//! the `wire::ip` emitters, as a host behind a TUN device would send them.
#![allow(dead_code, unreachable_pub)]

use core::time::Duration;
use std::net::IpAddr;

use ikelab_engine::event::{Event, EventKind};
use ikelab_engine::ike::SaState;
use ikelab_engine::wire::TrafficSelector;
use ikelab_engine::wire::ip::{IpProtocol, OnesComplementSum, emit_ip_packet};
use ikelab_engine::{Datagram, Engine, IkeSaId, Time};

/// One endpoint: its engine and everything it reported.
pub struct Host {
    pub engine: Engine,
    pub events: Vec<Event>,
}

impl Host {
    pub fn new(engine: Engine) -> Self {
        Self {
            engine,
            events: Vec::new(),
        }
    }

    pub fn drain_events(&mut self) {
        while let Some(e) = self.engine.poll_event() {
            self.events.push(e);
        }
    }

    pub fn state(&self, id: IkeSaId) -> Option<SaState> {
        self.engine.ike_sa(id).map(|i| i.state)
    }

    pub fn transcript(&self) -> String {
        self.events
            .iter()
            .map(|e| format!("{:>10} {}", e.time_us, e.describe()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Delivers datagrams both ways until neither engine has anything to send, moving
/// time to deadlines up to `until`. Returns the time reached.
pub fn exchange(a: &mut Host, b: &mut Host, mut now: Time, until: Time) -> Time {
    loop {
        let moved = !deliver(a, b, now).is_empty() | !deliver(b, a, now).is_empty();
        if moved {
            continue;
        }
        let next = [a.engine.poll_timeout(), b.engine.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        match next {
            Some(t) if t <= until => {
                now = now.max(t);
                a.engine.handle_timeout(now);
                b.engine.handle_timeout(now);
            }
            _ => return now,
        }
    }
}

/// Hosts on one network, each at its address: every datagram goes to the host of
/// its destination address (or nowhere), until none has anything to send; time
/// moves to the earliest deadline up to `until`. Returns the time reached.
pub fn exchange_routed(hosts: &mut [(IpAddr, &mut Host)], mut now: Time, until: Time) -> Time {
    loop {
        let mut moved = false;
        for from in 0..hosts.len() {
            let mut out = Vec::new();
            while let Some(datagram) = hosts[from].1.engine.poll_transmit() {
                out.push(datagram);
            }
            for datagram in out {
                moved = true;
                let to = hosts.iter().position(|(a, _)| *a == datagram.dst.ip());
                if let Some(to) = to {
                    hosts[to].1.engine.handle_datagram(now, datagram);
                }
            }
        }
        for (_, host) in hosts.iter_mut() {
            host.drain_events();
        }
        if moved {
            continue;
        }
        let next = hosts
            .iter()
            .filter_map(|(_, h)| h.engine.poll_timeout())
            .min();
        match next {
            Some(t) if t <= until => {
                now = now.max(t);
                for (_, host) in hosts.iter_mut() {
                    host.engine.handle_timeout(now);
                }
            }
            _ => return now,
        }
    }
}

/// Moves every datagram from `from` to `to` once (no answers delivered).
pub fn deliver(from: &mut Host, to: &mut Host, now: Time) -> Vec<Datagram> {
    let mut carried = Vec::new();
    while let Some(datagram) = from.engine.poll_transmit() {
        carried.push(datagram.clone());
        to.engine.handle_datagram(now, datagram);
    }
    from.drain_events();
    to.drain_events();
    carried
}

/// The first address of the first IP selector.
pub fn first_address(selectors: &[TrafficSelector]) -> IpAddr {
    match selectors.first() {
        Some(TrafficSelector::Ipv4 { start, .. }) => IpAddr::V4(*start),
        Some(TrafficSelector::Ipv6 { start, .. }) => IpAddr::V6(*start),
        other => panic!("no IP selector: {other:?}"),
    }
}

/// An ICMP echo request (type 8) or reply (type 0), RFC 792, in an IPv4 packet.
pub fn icmp_echo(src: IpAddr, dst: IpAddr, kind: u8, id: u16, seq: u16) -> Vec<u8> {
    let mut message = vec![kind, 0, 0, 0];
    message.extend_from_slice(&id.to_be_bytes());
    message.extend_from_slice(&seq.to_be_bytes());
    message.extend((0..56u8).map(|i| i.wrapping_add(0x10)));
    let checksum = OnesComplementSum::new().add(&message).checksum();
    message[2..4].copy_from_slice(&checksum.to_be_bytes());
    let mut packet = Vec::new();
    if let Err(e) = emit_ip_packet(src, dst, IpProtocol::ICMP, seq, &message, &mut packet) {
        panic!("emit: {e}");
    }
    packet
}

pub const ECHO_REQUEST: u8 = 8;
pub const ECHO_REPLY: u8 = 0;

/// `(type, id, seq)` of an ICMP echo in an IPv4 packet without options.
pub fn echo_fields(packet: &[u8]) -> (u8, u16, u16) {
    let icmp = &packet[20..];
    (
        icmp[0],
        u16::from_be_bytes([icmp[4], icmp[5]]),
        u16::from_be_bytes([icmp[6], icmp[7]]),
    )
}

pub fn count(events: &[Event], pred: impl Fn(&EventKind) -> bool) -> usize {
    events.iter().filter(|e| pred(&e.kind)).count()
}

pub const SECOND: Duration = Duration::from_secs(1);
