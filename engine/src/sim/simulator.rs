//! The deterministic simulator: a virtual clock, the scenario's peers (each a full
//! [`Engine`](crate::Engine)), the virtual network, the script; the result is a
//! [`Trace`] and each peer's final state, checked against `[expect]`.
//!
//! One run is a pure function of the scenario and the seed: engines draw from
//! ChaCha20 generators seeded by [`node::engine_seed`](super::node), the links from
//! SplitMix64 generators seeded from the same seed, time only moves when the
//! simulator says so, and every collection is ordered. The same scenario and seed
//! give the same trace bytes, natively and in WASM.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use super::drain::drain;
use super::expect::{PeerOutcome, event_names};
use super::nat_box::NatBox;
use super::network::{Network, WirePacket};
use super::node::Node;
use super::scenario::Scenario;
use super::script::{Action, ScriptStep};
use crate::ike::{Time, UnixTime};
use crate::keylog::KeyLog;
use crate::trace::network::{NetworkEvent, WireProtocol};
use crate::trace::{ActionFailure, Entry, FlightId, Record, Trace, TracePeer, TraceSource};

mod lifecycle;
mod traffic;
pub(in crate::sim) use traffic::spi_and_sequence;

/// The outcome of one run.
#[derive(Debug, Clone)]
pub struct SimRun {
    pub trace: Trace,
    /// Each peer's IKE and CHILD SAs at the end, by name.
    pub outcomes: Vec<(String, PeerOutcome)>,
    /// Virtual time at the end.
    pub end: Time,
    /// The flights still on their way at the end (their arrival was due later).
    pub in_flight: Vec<FlightId>,
}

impl SimRun {
    /// Everything that differs from the scenario's `[expect]` (empty: as expected).
    pub fn check(&self, scenario: &Scenario) -> Vec<String> {
        let mut problems = Vec::new();
        for (name, expect) in [
            ("initiator", &scenario.expect.initiator),
            ("responder", &scenario.expect.responder),
        ] {
            let events: Vec<_> = self.trace.events_of(name).collect();
            let outcome = self.outcome(name);
            problems.extend(expect.check(name, &events, &outcome));
        }
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for name in self.network_names() {
            *counts.entry(name).or_default() += 1;
        }
        problems.extend(scenario.expect.network.check(&counts));
        // A script step that could not be carried out spoils the lesson.
        for (t_us, event) in self.trace.network_events() {
            if let NetworkEvent::ScriptFailed { action, failure } = event {
                problems.push(format!(
                    "script at t={}: {action} failed: {failure}",
                    crate::config::format_duration(core::time::Duration::from_micros(t_us))
                ));
            }
        }
        if scenario.expect.sas_match {
            problems.extend(self.sas_match());
        }
        problems
    }

    /// The names `[expect.network]` sees, in trace order: every network record's
    /// ([`NetworkEvent::names`]) and every peer's data-plane event's (`esp_sealed`,
    /// `esp_opened:echo_reply`, `esp_dropped:replay`, as
    /// [`event_names`](super::expect::event_names) gives them), so one count covers
    /// both ends of the tunnel.
    pub fn network_names(&self) -> Vec<String> {
        self.trace
            .records
            .iter()
            .flat_map(|record| match &record.entry {
                Entry::Network(event) => event.names(),
                Entry::Event(event) if event.kind.is_esp() => event_names(event),
                Entry::Event(_) => Vec::new(),
            })
            .collect()
    }

    /// A peer's final state (all zero for a peer that never existed).
    fn outcome(&self, peer: &str) -> PeerOutcome {
        self.outcomes
            .iter()
            .find(|(n, _)| n == peer)
            .map(|(_, o)| o.clone())
            .unwrap_or_default()
    }

    /// `[expect] sas_match`: both peers hold the same SAs at the end.
    fn sas_match(&self) -> Vec<String> {
        super::expect::sas_match(&self.outcome("initiator"), &self.outcome("responder"))
    }
}

/// Runs `scenario` with `seed` until its `duration` of virtual time has passed,
/// with the default [`SimOptions`] (keys in the trace).
pub fn run(scenario: &Scenario, seed: u64) -> SimRun {
    run_with(scenario, seed, SimOptions::default())
}

/// [`run`] with these options.
pub fn run_with(scenario: &Scenario, seed: u64, options: SimOptions) -> SimRun {
    let mut sim = Simulator::with_options(scenario, seed, options);
    sim.run();
    sim.finish()
}

/// Where the peers' keys go.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Each engine gets a key log whose records go into the trace as that peer's
    /// key events (`KeysDerived`, `IkeSaKeys`, `ChildSaKeys`), in order with its
    /// other events: the lab shows keys. On by default; off, and without
    /// `key_log`, the engines run without a key log and no secret is in the trace.
    pub keys_in_trace: bool,
    /// A driver's key log that every engine also logs to (e.g. one that writes a
    /// Wireshark profile folder for `--keys DIR`). Whoever sets it publishes the
    /// run's keys (see [`KeyLog`]).
    pub key_log: Option<Arc<dyn KeyLog>>,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            keys_in_trace: true,
            key_log: None,
        }
    }
}

/// The state of a run in progress.
#[derive(Debug)]
pub struct Simulator<'a> {
    scenario: &'a Scenario,
    seed: u64,
    now: Time,
    nodes: Vec<Node>,
    network: Network,
    script: Vec<ScriptStep>,
    next_step: usize,
    trace: Trace,
    /// Packets the peers' inner hosts send later (`ping`, `stream`).
    scheduled: BTreeMap<(Time, u64), traffic::Scheduled>,
    scheduled_seq: u64,
    /// The identifier of the last `ping` (each ping action counts it up).
    ping_id: u16,
    options: SimOptions,
}

const INITIATOR: usize = 0;
const RESPONDER: usize = 1;

impl<'a> Simulator<'a> {
    /// Sets up the peers and the network at virtual time zero, with the default
    /// [`SimOptions`].
    pub fn new(scenario: &'a Scenario, seed: u64) -> Self {
        Self::with_options(scenario, seed, SimOptions::default())
    }

    /// [`new`](Self::new) with these options.
    pub fn with_options(scenario: &'a Scenario, seed: u64, options: SimOptions) -> Self {
        let addr = |c: &crate::config::PeerConfig| c.initiator_local_addr().into_iter().collect();
        let nodes = vec![
            Node::new("initiator", 0, Vec::new(), addr(&scenario.initiator), false)
                .with_key_logs(&options),
            Node::new(
                "responder",
                1,
                vec![scenario.responder.clone()],
                addr(&scenario.responder),
                false,
            )
            .with_key_logs(&options),
        ];
        let nat = scenario.network.nat.as_ref().map(|spec| {
            let behind = if spec.peer == "responder" {
                RESPONDER
            } else {
                INITIATOR
            };
            (
                behind,
                NatBox::new(spec.public, spec.first_port, spec.mapping_timeout),
            )
        });
        let peers = nodes
            .iter()
            .map(|n| TracePeer {
                name: n.name.clone(),
                addresses: n.addrs.clone(),
            })
            .collect();
        let mut script = scenario.script.clone();
        // Stable: steps at the same time run in the order written.
        script.sort_by_key(|s| s.at);
        let mut sim = Self {
            scenario,
            seed,
            now: Time::ZERO,
            nodes,
            network: Network::new(seed, scenario.network.firewall.clone(), nat),
            script,
            next_step: 0,
            trace: Trace::new(TraceSource::Sim, Some(seed), peers),
            scheduled: BTreeMap::new(),
            scheduled_seq: 0,
            ping_id: 0,
            options,
        };
        for index in 0..sim.nodes.len() {
            sim.start(index);
        }
        sim
    }

    fn start(&mut self, index: usize) {
        let seed = self.seed;
        let Some(node) = self.nodes.get_mut(index) else {
            return;
        };
        if let Err(e) = node.start(seed) {
            let action = format!("{} cannot start: {e}", node.name);
            self.network_record(NetworkEvent::Script { action });
            return;
        }
        // The scenario's calendar time is the run's epoch (virtual time zero): the
        // engine's second clock, for certificate validity (a restarted peer gets it
        // anchored the same way).
        if let Some(engine) = node.engine.as_mut() {
            engine.set_unix_time(Time::ZERO, self.scenario.calendar_time);
        }
    }

    /// The calendar time peer `name`'s engine reads at virtual time `at`.
    pub fn unix_time_of(&self, name: &str, at: Time) -> Option<UnixTime> {
        let node = self.nodes.iter().find(|n| n.name == name)?;
        node.engine.as_ref()?.unix_time(at)
    }

    fn network_record(&mut self, event: NetworkEvent) {
        self.trace
            .records
            .push(Record::of_network(micros(self.now), event));
    }

    fn network_records(&mut self, events: Vec<NetworkEvent>) {
        for event in events {
            self.network_record(event);
        }
    }

    /// Drains a node's events into the trace and its datagrams onto the network.
    /// The engine's own flight ids become run-wide ones, in the datagrams and in
    /// the events that describe them.
    fn collect(&mut self, index: usize) {
        self.collect_sealed(index, None);
    }

    /// [`collect`](Self::collect), after the driver sealed an ESP packet and gave
    /// it a run-wide flight: `sealed` is (the engine's id, the run's id).
    fn collect_sealed(&mut self, index: usize, sealed: Option<(FlightId, FlightId)>) {
        let mut sent = Vec::new();
        let mut records = Vec::new();
        let Some(node) = self.nodes.get_mut(index) else {
            return;
        };
        let Some(engine) = node.engine.as_mut() else {
            return;
        };
        let drained = drain(engine, node.keys.as_deref(), self.network.flights(), sealed);
        for event in drained.events {
            records.push(Record::new(
                event.time_us,
                node.name.clone(),
                Entry::Event(event),
            ));
        }
        for datagram in drained.datagrams {
            if let Some(flight) = datagram.flight {
                sent.push(WirePacket::udp(flight, datagram));
            }
        }
        self.trace.records.extend(records);
        for packet in sent {
            let mut report = Vec::new();
            self.network.send(
                self.now,
                self.scenario,
                &self.nodes,
                index,
                packet,
                &mut report,
            );
            self.network_records(report);
        }
    }

    fn next_wakeup(&self) -> Option<Time> {
        let step = self.script.get(self.next_step).map(|s| s.at);
        let timers = self
            .nodes
            .iter()
            .filter_map(|n| n.engine.as_ref().and_then(|e| e.poll_timeout()));
        [step, self.network.next_delivery(), self.next_scheduled()]
            .into_iter()
            .flatten()
            .chain(timers)
            .min()
    }

    /// Runs until nothing is left to happen or the scenario's duration is over.
    pub fn run(&mut self) {
        let end = self.scenario.duration;
        while let Some(next) = self.next_wakeup() {
            if next > end {
                break;
            }
            self.now = self.now.max(next);
            let now = self.now;
            while let Some(step) = self.script.get(self.next_step).cloned() {
                if step.at > now {
                    break;
                }
                self.next_step += 1;
                self.run_action(&step.action);
            }
            self.send_scheduled(now);
            while let Some(flight) = self.network.pop_due(now) {
                let to = flight.to;
                let mut report = Vec::new();
                let arrived = self.network.arrive(now, &self.nodes, flight, &mut report);
                self.network_records(report);
                let Some((datagram, protocol)) = arrived else {
                    continue;
                };
                if let Some(engine) = self.nodes.get_mut(to).and_then(|n| n.engine.as_mut()) {
                    match protocol {
                        WireProtocol::Esp => engine.handle_esp(now, datagram),
                        WireProtocol::Udp => engine.handle_datagram(now, datagram),
                    }
                }
                self.collect(to);
                self.answer_inbound(to);
            }
            for index in 0..self.nodes.len() {
                let due = self
                    .nodes
                    .get(index)
                    .and_then(|n| n.engine.as_ref())
                    .and_then(|e| e.poll_timeout())
                    .is_some_and(|t| t <= now);
                if due {
                    if let Some(engine) = self.nodes.get_mut(index).and_then(|n| n.engine.as_mut())
                    {
                        engine.handle_timeout(now);
                    }
                    self.collect(index);
                }
            }
        }
    }

    fn node_index(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// One script action.
    fn run_action(&mut self, action: &Action) {
        self.network_record(NetworkEvent::Script {
            action: action.describe(),
        });
        let now = self.now;
        match action {
            Action::Initiate { peer } => {
                let config = if peer == "responder" {
                    &self.scenario.responder
                } else {
                    &self.scenario.initiator
                };
                let Some(index) = self.node_index(peer) else {
                    return;
                };
                let result = self
                    .nodes
                    .get_mut(index)
                    .and_then(|n| n.engine.as_mut())
                    .map(|engine| engine.initiate(now, config));
                let failure = match result {
                    Some(Ok(_)) => None,
                    Some(Err(error)) => Some(ActionFailure::InitiateRefused { error }),
                    None => Some(ActionFailure::PeerDown),
                };
                if let Some(failure) = failure {
                    self.network_record(NetworkEvent::ScriptFailed {
                        action: action.describe(),
                        failure,
                    });
                }
                self.collect(index);
            }
            Action::Flood { count, from } => self.flood(*count, *from),
            Action::Kill { peer } => {
                if let Some(node) = self.nodes.iter_mut().find(|n| &n.name == peer) {
                    node.engine = None;
                    let peer = peer.clone();
                    self.network_record(NetworkEvent::PeerKilled { peer });
                }
            }
            Action::Restart { peer } => {
                if let Some(index) = self.node_index(peer) {
                    self.start(index);
                    let peer = peer.clone();
                    self.network_record(NetworkEvent::PeerRestarted { peer });
                    self.collect(index);
                }
            }
            Action::Move { peer, to } => {
                if let Some(node) = self.nodes.iter_mut().find(|n| &n.name == peer)
                    && let Some(first) = node.addrs.first_mut()
                {
                    let from = *first;
                    *first = *to;
                    let (peer, to) = (peer.clone(), *to);
                    self.network_record(NetworkEvent::PeerMoved { peer, from, to });
                }
            }
            Action::NatRebind => {
                let mut report = Vec::new();
                if let Some((_, nat)) = self.network.nat.as_mut() {
                    nat.flush(&mut report);
                }
                self.network_records(report);
            }
            Action::NatTimeout { timeout } => {
                if let Some((_, nat)) = self.network.nat.as_mut() {
                    nat.mapping_timeout = (!timeout.is_zero()).then_some(*timeout);
                }
            }
            Action::Firewall {
                block_udp_500,
                block_udp_4500,
                block_esp,
            } => {
                self.network.firewall.block_udp_500 = *block_udp_500;
                self.network.firewall.block_udp_4500 = *block_udp_4500;
                self.network.firewall.block_esp = *block_esp;
            }
            Action::CreateChild { .. }
            | Action::RekeyChild { .. }
            | Action::RekeyIke { .. }
            | Action::DeleteChild { .. }
            | Action::DeleteIke { .. }
            | Action::CheckLiveness { .. } => self.run_lifecycle(action),
            Action::Ping { .. }
            | Action::Stream { .. }
            | Action::ReplayEsp { .. }
            | Action::TamperEsp { .. } => {
                self.run_traffic(action);
            }
        }
    }

    /// `count` IKE_SA_INIT requests from spoofed sources, by an attacker peer that
    /// never continues them.
    fn flood(&mut self, count: u32, from: IpAddr) {
        let index = match self.node_index("attacker") {
            Some(i) => i,
            None => {
                let index = self.nodes.len();
                let node_index = u32::try_from(index).unwrap_or(u32::MAX);
                self.nodes.push(
                    Node::new("attacker", node_index, Vec::new(), Vec::new(), true)
                        .with_key_logs(&self.options),
                );
                self.trace.peers.push(TracePeer {
                    name: "attacker".to_owned(),
                    addresses: Vec::new(),
                });
                self.start(index);
                index
            }
        };
        let Some(target) = self.scenario.initiator.initiator_remote_addr() else {
            return;
        };
        let remote = SocketAddr::new(target, self.scenario.initiator.remote_port);
        let now = self.now;
        let mut failures = Vec::new();
        if let Some(engine) = self.nodes.get_mut(index).and_then(|n| n.engine.as_mut()) {
            for n in 0..count {
                let local = SocketAddr::new(offset(from, n), self.scenario.initiator.local_port);
                if let Err(e) = engine.initiate_from(now, &self.scenario.initiator, local, remote) {
                    failures.push(format!("attacker could not send from {local}: {e}"));
                }
            }
        }
        for action in failures {
            self.network_record(NetworkEvent::Script { action });
        }
        self.collect(index);
    }

    /// The trace and final states.
    pub fn finish(self) -> SimRun {
        let outcomes = self
            .nodes
            .iter()
            .map(|n| (n.name.clone(), n.outcome()))
            .collect();
        SimRun {
            in_flight: self.network.in_flight(),
            trace: self.trace,
            outcomes,
            end: self.now,
        }
    }
}

/// `base + n` (the last octets counted up).
fn offset(base: IpAddr, n: u32) -> IpAddr {
    match base {
        IpAddr::V4(v4) => IpAddr::V4(u32::from(v4).wrapping_add(n).into()),
        IpAddr::V6(v6) => IpAddr::V6(u128::from(v6).wrapping_add(u128::from(n)).into()),
    }
}

fn micros(t: Time) -> u64 {
    u64::try_from(t.as_micros()).unwrap_or(u64::MAX)
}
