//! Two engines and a link between them, on a virtual clock (quinn-proto's `Pair`).
//!
//! The engine tests' small driver, built from the simulator's pieces: the same
//! [`Link`] (loss, jitter, duplication, reordering), the same [`NatBox`] in front of
//! `A`, and the same run-wide flight numbering ([`drain`](super::drain)). What it
//! leaves out is the scenario machinery: no addresses to route by (what one side
//! sends goes to the other), no MTU, no firewall, no script.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::drain::drain;
use super::link::{Link, LinkConfig};
use super::nat_box::NatBox;
use crate::event::Event;
use crate::ike::{Datagram, Engine, Time};
use crate::keylog::KeyRecorder;
use crate::trace::{FlightCounter, NetworkEvent};

/// One of the two peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    A,
    B,
}

impl Side {
    pub fn other(self) -> Self {
        match self {
            Self::A => Self::B,
            Self::B => Self::A,
        }
    }
}

/// What happened to a datagram on the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireFate {
    /// Delivered this many times (2 when duplicated).
    Delivered(usize),
    Lost,
}

/// A datagram as it left a peer (before any NAT rewrite), with its run-wide flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireRecord {
    pub time: Time,
    pub from: Side,
    pub datagram: Datagram,
    pub fate: WireFate,
}

/// Two engines, a link, an optional NAT in front of `A`, and a virtual clock.
#[derive(Debug)]
pub struct Pair {
    pub a: Engine,
    pub b: Engine,
    pub now: Time,
    pub link: Link,
    /// The simulator's NAT box between `A` and the link: A's datagrams leave with
    /// the NAT's public address, datagrams for it come back through the mapping
    /// (or are dropped without one).
    pub nat: Option<NatBox>,
    /// Every event of each engine, in order (with the key events of its
    /// [`record_keys`](Self::record_keys) recorder in place).
    pub a_events: Vec<Event>,
    pub b_events: Vec<Event>,
    a_keys: Option<Arc<KeyRecorder>>,
    b_keys: Option<Arc<KeyRecorder>>,
    /// Every datagram sent, in order.
    pub wire: Vec<WireRecord>,
    /// What the NAT box reported (new and expired mappings), with the time.
    pub nat_events: Vec<(Time, NetworkEvent)>,
    in_flight: BTreeMap<(Time, u64), (Side, Datagram)>,
    seq: u64,
    flights: FlightCounter,
}

impl Pair {
    pub fn new(a: Engine, b: Engine, link: LinkConfig, seed: u64) -> Self {
        Self {
            a,
            b,
            now: Time::ZERO,
            link: Link::new(link, seed),
            nat: None,
            a_events: Vec::new(),
            b_events: Vec::new(),
            a_keys: None,
            b_keys: None,
            wire: Vec::new(),
            nat_events: Vec::new(),
            in_flight: BTreeMap::new(),
            seq: 0,
            flights: FlightCounter::default(),
        }
    }

    /// Puts what `recorder` (the key log `side`'s engine was created with) receives
    /// among that side's events, as a lab's trace shows keys.
    pub fn record_keys(&mut self, side: Side, recorder: Arc<KeyRecorder>) {
        match side {
            Side::A => self.a_keys = Some(recorder),
            Side::B => self.b_keys = Some(recorder),
        }
    }

    /// The NAT box forgets every mapping (a NAT reboot): A's next datagram leaves
    /// from a new public port.
    pub fn nat_rebind(&mut self) {
        let mut report = Vec::new();
        if let Some(nat) = self.nat.as_mut() {
            nat.flush(&mut report);
        }
        self.note_nat(report);
    }

    fn note_nat(&mut self, report: Vec<NetworkEvent>) {
        let now = self.now;
        self.nat_events.extend(report.into_iter().map(|e| (now, e)));
    }

    pub fn engine(&mut self, side: Side) -> &mut Engine {
        match side {
            Side::A => &mut self.a,
            Side::B => &mut self.b,
        }
    }

    pub fn events(&self, side: Side) -> &[Event] {
        match side {
            Side::A => &self.a_events,
            Side::B => &self.b_events,
        }
    }

    /// Hands a datagram to a peer now, bypassing the link (a test's crafted input).
    pub fn inject(&mut self, to: Side, datagram: Datagram) {
        let now = self.now;
        self.engine(to).handle_datagram(now, datagram);
        self.collect();
    }

    /// Moves what the engines sent onto the link and their events into the logs.
    fn collect(&mut self) {
        let now = self.now;
        for side in [Side::A, Side::B] {
            let drained = match side {
                Side::A => drain(&mut self.a, self.a_keys.as_deref(), &mut self.flights),
                Side::B => drain(&mut self.b, self.b_keys.as_deref(), &mut self.flights),
            };
            for mut datagram in drained.datagrams {
                let sent = datagram.clone();
                if side == Side::A
                    && let Some(nat) = self.nat.as_mut()
                {
                    let mut report = Vec::new();
                    datagram.src = nat.outbound(now, datagram.src, &mut report);
                    self.note_nat(report);
                }
                let fate = self.link.fate(now);
                self.wire.push(WireRecord {
                    time: now,
                    from: side,
                    datagram: sent,
                    fate: if fate.arrivals.is_empty() {
                        WireFate::Lost
                    } else {
                        WireFate::Delivered(fate.arrivals.len())
                    },
                });
                // As in the simulator, a copy the link makes is a flight of its own.
                let copies = fate.arrivals.len();
                for (n, at) in fate.arrivals.into_iter().enumerate() {
                    let mut copy = datagram.clone();
                    if n + 1 < copies {
                        copy.flight = Some(self.flights.next_id());
                    }
                    self.seq += 1;
                    self.in_flight.insert((at, self.seq), (side.other(), copy));
                }
            }
            match side {
                Side::A => self.a_events.extend(drained.events),
                Side::B => self.b_events.extend(drained.events),
            }
        }
    }

    /// The next time something happens: a delivery or an engine deadline.
    pub fn next_wakeup(&self) -> Option<Time> {
        let delivery = self.in_flight.keys().next().map(|(t, _)| *t);
        [delivery, self.a.poll_timeout(), self.b.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Does what is due now, else jumps the clock to the next wakeup and does that.
    /// Returns false when nothing is left to happen.
    pub fn step(&mut self) -> bool {
        self.collect();
        let Some(next) = self.next_wakeup() else {
            return false;
        };
        self.now = self.now.max(next);
        let now = self.now;
        while let Some(entry) = self.in_flight.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let (to, mut datagram) = entry.remove();
            if to == Side::A
                && let Some(nat) = self.nat.as_mut()
            {
                let mut report = Vec::new();
                let private = nat.inbound(now, datagram.dst, &mut report);
                self.note_nat(report);
                match private {
                    Some(private) => datagram.dst = private,
                    None => continue,
                }
            }
            self.engine(to).handle_datagram(now, datagram);
            self.collect();
        }
        for side in [Side::A, Side::B] {
            if self.engine(side).poll_timeout().is_some_and(|t| t <= now) {
                self.engine(side).handle_timeout(now);
            }
        }
        self.collect();
        true
    }

    /// Steps until nothing is left to happen or the clock passes `limit`.
    pub fn drive_until(&mut self, limit: Time) {
        self.collect();
        while self.next_wakeup().is_some_and(|t| t <= limit) {
            if !self.step() {
                break;
            }
        }
        self.collect();
    }

    /// Steps while `keep_going` holds, until nothing is left or the clock passes
    /// `limit`.
    pub fn drive_while(&mut self, mut keep_going: impl FnMut(&Self) -> bool, limit: Time) {
        self.collect();
        while keep_going(self) && self.next_wakeup().is_some_and(|t| t <= limit) {
            if !self.step() {
                break;
            }
        }
        self.collect();
    }

    /// Steps until idle, for at most ten minutes of virtual time (keep-alives and
    /// lifetimes never end): enough for every retransmission budget and linger
    /// time, and short of the default CHILD SA `rekey_time` (1 h minus up to 6 min of
    /// jitter), so a test that only wants things settled sees no rekey.
    pub fn drive(&mut self) {
        let limit = self.now + Time::from_secs(600);
        self.drive_until(limit);
    }
}
