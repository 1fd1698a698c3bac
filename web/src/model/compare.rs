//! Compare: the scenario on screen played a second time with one change (a seed, NAT
//! in front of the initiator, a pre-shared key, the initiator's IKE proposal), the
//! two runs' event lines aligned, and the first point where they differ found and
//! explained.
//!
//! # What counts as a difference
//!
//! Every event line gets a [`Signature`]: who did it and what, in words, keeping the
//! facts of the protocol and dropping the values that only the seed decides.
//!
//! - Kept: the peer; the kind of event; for a message its direction, exchange,
//!   request or response, Message ID, retransmission count and payload types in
//!   order, notify types by name (RFC 7296 §3.10.1); each decision with its outcome
//!   (proposal chosen or not, NAT found or not, AUTH verified or not, §2.7, §2.23,
//!   §2.15); SAs up and down with their reasons; what the network dropped and why
//!   (lost, MTU, firewall, ...), and which datagram that was.
//! - Dropped: SPIs, nonces, KE data, keys, ICVs and IVs (random in every run), byte
//!   lengths (padding and sizes are not protocol decisions), addresses and ports (a
//!   NAT rewrites them: what the peers make of that is the NAT decision and the move
//!   to port 4500, which are kept), and times. A NAT box's rewrite lines are how the
//!   network carried a datagram, like its transmissions and deliveries (which are no
//!   lines): they are shown but not compared.
//! - Timing: a link with jitter, or a retransmission timer, moves events in time,
//!   and with them the order in which *two* peers' lines interleave. That order is the
//!   network's timing, not a protocol fact, so each peer's lines (and the network's)
//!   are compared as a sequence of their own; the first difference is the earliest of
//!   the peers' first differences. A peer's own order is causal and kept: a
//!   retransmission or a lost datagram (another seed on a lossy link) is a real
//!   difference.
//! - A safety net: the words of a reason (`IkeSaDown`, a drop, a decision) come from
//!   the engine's descriptions, which name an SPI here and there (a REKEY_SA that
//!   names an unknown one); any run of eight or more hex digits in them is masked.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use ikelab_engine::config::{PskText, Role};
use ikelab_engine::event::{
    Action, Direction, DropReason, Event, EventKind, MessageEvent, Outcome,
};
use ikelab_engine::sim::scenario::NatSpec;
use ikelab_engine::sim::{self, Scenario};
use ikelab_engine::trace::{DropCause, Entry, FlightId, NetworkEvent, Trace, WireProtocol};
use ikelab_engine::wire::summary::payload_name;
use ikelab_engine::wire::{Payload, summary::exchange_name};

use super::lines::{self, Line};

/// The public address of the NAT box Compare puts in front of the initiator: from
/// TEST-NET-3, reserved for documentation (RFC 5737 §3).
pub(crate) const NAT_PUBLIC_ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 5));
/// Its first public port (the simulator's default, `NatSpec::first_port`).
const NAT_FIRST_PORT: u16 = 40000;

/// Which peer's configuration a change touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Initiator,
    Responder,
}

impl Side {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Initiator => "initiator",
            Self::Responder => "responder",
        }
    }
}

/// The one change run B makes to run A's scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    /// Another seed: other SPIs, nonces and keys, other losses on a lossy link.
    Seed(u64),
    /// A NAT box in front of the initiator (`true`) or none (`false`).
    Nat(bool),
    /// Another pre-shared key for one side (RFC 7296 §2.15).
    Psk { side: Side, psk: String },
    /// The initiator's IKE proposals, in strongSwan's syntax, comma-separated
    /// ("aes128-sha256-modp2048, aes256gcm16-prfsha256-x25519").
    Proposals(String),
}

impl Change {
    /// The change in words, for the heading of run B.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Seed(seed) => format!("seed {seed}"),
            Self::Nat(true) => format!("a NAT in front of the initiator ({NAT_PUBLIC_ADDRESS})"),
            Self::Nat(false) => "no NAT".to_owned(),
            Self::Psk { side, .. } => format!("another pre-shared key on the {}", side.name()),
            Self::Proposals(text) => format!("initiator's IKE proposal {}", text.trim()),
        }
    }
}

/// Run A's scenario with `change` made, checked as a scenario file is
/// (`Scenario::check`): the error is a sentence for the page.
pub(crate) fn apply(scenario: &Scenario, change: &Change) -> Result<Scenario, String> {
    let mut changed = scenario.clone();
    match change {
        // The seed is not part of the scenario: see `run_changed`.
        Change::Seed(_) => {}
        Change::Nat(true) => {
            if changed.network.nat.is_none() {
                changed.network.nat = Some(NatSpec {
                    peer: Side::Initiator.name().to_owned(),
                    public: NAT_PUBLIC_ADDRESS,
                    first_port: NAT_FIRST_PORT,
                    mapping_timeout: None,
                });
            }
        }
        Change::Nat(false) => changed.network.nat = None,
        Change::Psk { side, psk } => {
            if psk.is_empty() {
                return Err("Type a pre-shared key: an empty key is no key.".to_owned());
            }
            let config = match side {
                Side::Initiator => &mut changed.initiator,
                Side::Responder => &mut changed.responder,
            };
            config.secrets.psk = Some(PskText::new(psk.clone()));
            config.secrets.psk_file = None;
        }
        Change::Proposals(text) => {
            let proposals: Vec<String> = text
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect();
            if proposals.is_empty() {
                return Err(
                    "Type at least one IKE proposal, such as aes256gcm16-prfsha256-x25519."
                        .to_owned(),
                );
            }
            changed.initiator.proposals = proposals;
        }
    }
    changed
        .check()
        .map_err(|e| format!("Run B cannot start: the changed {e}."))?;
    Ok(changed)
}

/// Run B: its seed, trace and event lines.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChangedRun {
    pub(crate) change: Change,
    pub(crate) seed: u64,
    pub(crate) trace: Trace,
    pub(crate) lines: Vec<Line>,
}

/// Plays run A's `scenario` again with `change` (with `seed_a`, run A's seed, unless
/// the change is the seed), in the engine's simulator.
pub(crate) fn run_changed(
    scenario: &Scenario,
    seed_a: u64,
    change: &Change,
) -> Result<ChangedRun, String> {
    let changed = apply(scenario, change)?;
    let seed = match change {
        Change::Seed(seed) => *seed,
        _ => seed_a,
    };
    let trace = sim::run(&changed, seed).trace;
    let lines = lines::lines(&trace);
    Ok(ChangedRun {
        change: change.clone(),
        seed,
        trace,
        lines,
    })
}

/// One event line without its random values: who, and what in words. Two lines are
/// "the same" when their signatures are equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Signature {
    /// A peer's name, or "network".
    pub(crate) peer: String,
    /// What happened (a verb first: "sends IKE_AUTH response 1 with IDr AUTH ...").
    pub(crate) what: String,
}

impl Signature {
    /// "responder sends IKE_AUTH response 1 with N(AUTHENTICATION_FAILED)".
    pub(crate) fn sentence(&self) -> String {
        if self.peer == ikelab_engine::trace::NETWORK_PEER {
            format!("the network {}", self.what)
        } else {
            format!("the {} {}", self.peer, self.what)
        }
    }
}

/// The signature of a trace's record, or `None` for a record that is not compared
/// (timers, the network's transmissions, deliveries and NAT rewrites: see the module
/// documentation). `labels` names each flight's datagram (see [`flight_labels`]).
pub(crate) fn signature(
    trace: &Trace,
    record: usize,
    labels: &BTreeMap<FlightId, String>,
) -> Option<Signature> {
    let record = trace.records.get(record)?;
    let what = match &record.entry {
        Entry::Event(event) => event_words(event)?,
        Entry::Network(event) => network_words(event, labels)?,
        _ => "does something this page does not know".to_owned(),
    };
    Some(Signature {
        peer: record.peer.clone(),
        what,
    })
}

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

/// "IKE_AUTH response 1".
fn message_name(m: &MessageEvent) -> String {
    format!(
        "{} {} {}",
        exchange_name(m.exchange),
        if m.response { "response" } else { "request" },
        m.message_id
    )
}

/// The payload types of a message in order, notifies by their registry name
/// ("IDr AUTH N(AUTHENTICATION_FAILED)"): from the payloads the engine kept in
/// memory, or, for a message read back from a trace file, from its summary.
fn payload_types(m: &MessageEvent) -> String {
    if m.payloads.is_empty() {
        // "IKE_AUTH response 1 [ IDr AUTH ]": the part between the brackets.
        return m
            .summary
            .split_once('[')
            .and_then(|(_, rest)| rest.rsplit_once(']'))
            .map(|(inside, _)| inside.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
    }
    m.payloads
        .iter()
        .map(|payload| match payload {
            Payload::Notify(n) => match n.notify_type.name() {
                Some(name) => format!("N({name})"),
                None => format!("N({})", n.notify_type.0),
            },
            other => payload_name(other),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// "sends IKE_AUTH response 1 with IDr AUTH", "retransmits IKE_SA_INIT request 0
/// (transmission 3) with SA KE No ...".
fn message_words(verb: &str, m: &MessageEvent) -> String {
    let payloads = payload_types(m);
    let with = if payloads.is_empty() {
        " (empty)".to_owned()
    } else {
        format!(" with {payloads}")
    };
    let again = if m.retransmission > 0 {
        format!(" (transmission {})", m.retransmission.saturating_add(1))
    } else {
        String::new()
    };
    format!("{verb} {}{again}{with}", message_name(m))
}

fn event_words(event: &Event) -> Option<String> {
    let words = match &event.kind {
        EventKind::IkeSaCreated { role, .. } => match role {
            Role::Initiator => "creates an IKE SA as its initiator".to_owned(),
            Role::Responder => "creates an IKE SA as its responder".to_owned(),
        },
        EventKind::MessageSent(m) if m.retransmission == 0 => message_words("sends", m),
        // A response sent again answers a retransmitted request (RFC 7296 §2.1).
        EventKind::MessageSent(m) if m.response => message_words("sends again", m),
        EventKind::MessageSent(m) => message_words("retransmits", m),
        EventKind::MessageReceived(m) => message_words("receives", m),
        EventKind::MessageDropped(d) => {
            let what = d
                .summary
                .as_deref()
                .and_then(|s| s.split_once(" ["))
                .map_or("a datagram", |(name, _)| name);
            format!("drops {what}: {}", drop_reason_words(&d.reason))
        }
        EventKind::NatKeepalive { direction, .. } => match direction {
            Direction::Sent => "sends a NAT keep-alive".to_owned(),
            Direction::Received => "receives a NAT keep-alive".to_owned(),
        },
        // Timer bookkeeping is no line (`transcript::shown`).
        EventKind::Timer { .. } => return None,
        EventKind::StateChanged { from, to } => {
            format!("moves its IKE SA from {from:?} to {to:?}")
        }
        EventKind::Decision(d) => format!("decides: {}", mask_random(&d.describe())),
        EventKind::KeysDerived { steps } => {
            let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
            format!("derives keys: {}", names.join(", "))
        }
        EventKind::IkeSaKeys(_) => "logs the IKE SA's keys".to_owned(),
        EventKind::ChildSaKeys(_) => "logs a CHILD SA's keys".to_owned(),
        EventKind::IkeSaUp(up) => format!(
            "has its IKE SA up: {}, {} with {}{}",
            up.proposal,
            up.local_id,
            up.remote_id,
            if up.udp_encap {
                ", in UDP (NAT traversal)"
            } else {
                ""
            }
        ),
        EventKind::IkeSaDown { reason } => {
            format!("loses its IKE SA: {}", mask_random(&reason.describe()))
        }
        EventKind::ChildSaUp(c) => format!(
            "has CHILD SA {} up: {}, {:?} mode{}",
            c.name,
            c.proposal,
            c.mode,
            if c.udp_encap { ", ESP in UDP" } else { "" }
        ),
        EventKind::ChildSaFailed { name, reason } => format!(
            "fails to set up CHILD SA {name}: {}",
            mask_random(&reason.describe())
        ),
        EventKind::ChildSaDown { child, reason } => {
            format!("closes {child}: {}", mask_random(&reason.describe()))
        }
        EventKind::ExchangeStarted {
            action, exchange, ..
        } => format!(
            "starts {} with a {} request",
            action_words(action),
            exchange_name(*exchange)
        ),
        EventKind::ExchangeDone {
            action, outcome, ..
        } => format!(
            "ends {}: {}",
            action_words(action),
            mask_random(&outcome_words(outcome))
        ),
        EventKind::ChildSaRekeyed { old, new, .. } => format!("replaces {old} by {new}"),
        EventKind::IkeSaRekeyed {
            proposal,
            initiator,
            ..
        } => format!(
            "rekeys its IKE SA ({proposal}){}",
            if *initiator {
                ", as the rekey's initiator"
            } else {
                ""
            }
        ),
        EventKind::ChildSasInherited { children, .. } => {
            format!(
                "takes over {} CHILD SA(s) from the old IKE SA",
                children.len()
            )
        }
        // The nonces decide which SA goes (RFC 7296 §2.8.1): compared by what
        // they decided, not by their values.
        EventKind::RekeyCollision(c) => format!("resolves a rekey collision: {}", c.outcome()),
        EventKind::PeerAddressChanged { .. } => "follows the peer to a new address".to_owned(),
        EventKind::PeerDead {
            exchange,
            transmissions,
        } => format!(
            "declares the peer dead after {transmissions} transmissions of {}",
            exchange_name(*exchange)
        ),
        EventKind::ChildSaVolumeLimit {
            child,
            limit,
            reason,
        } => format!("sees {child} reach its {limit:?} limit of {reason:?}"),
        EventKind::EspSealed(e) => format!(
            "seals an ESP packet ({:?}){}",
            e.kind,
            if e.udp_encap { " in UDP" } else { "" }
        ),
        EventKind::EspOpened(e) => format!(
            "opens an ESP packet ({:?}){}",
            e.kind,
            if e.udp_encap { " in UDP" } else { "" }
        ),
        EventKind::EspDropped(e) => {
            format!("refuses an ESP packet: {:?}", e.reason.kind)
        }
        _ => "reports an event this page does not know".to_owned(),
    };
    Some(words)
}

fn action_words(action: &Action) -> String {
    match action {
        Action::CreateChild { name } => format!("creating CHILD SA {name}"),
        Action::RekeyChild { child } => format!("rekeying {child}"),
        Action::RekeyIke => "rekeying the IKE SA".to_owned(),
        Action::DeleteChild { child } => format!("deleting {child}"),
        Action::DeleteIke => "deleting the IKE SA".to_owned(),
        Action::Liveness => "a liveness check".to_owned(),
        _ => "an exchange".to_owned(),
    }
}

/// An outcome without the time of a retry (a timer's, which jitter may move).
fn outcome_words(outcome: &Outcome) -> String {
    match outcome {
        Outcome::RetryAt { failure, .. } => {
            format!("{}, to be tried again", outcome_words(failure))
        }
        other => other.describe(),
    }
}

fn drop_reason_words(reason: &DropReason) -> String {
    match reason {
        DropReason::Malformed { .. } => "malformed",
        DropReason::BadEncapsulation { .. } => "bad UDP encapsulation",
        DropReason::Esp { .. } => "an ESP packet where IKE was expected",
        DropReason::UnknownSpi { .. } => "no IKE SA has its SPIs",
        DropReason::Unauthenticated { .. } => "its integrity check failed",
        DropReason::Unprotected => "it must be encrypted and is not",
        DropReason::UnexpectedResponse { .. } => "it answers no outstanding request",
        DropReason::InvalidMessageId { .. } => "its message ID is out of the window",
        DropReason::UnexpectedMessage { .. } => "not expected in this state",
        DropReason::Blocked { .. } => "too many half-open IKE SAs from that address",
        DropReason::NoConfiguration => "no configuration matches the addresses",
        DropReason::UnusableResponse { problem } => {
            return format!("unusable response: {}", mask_random(&problem.describe()));
        }
        _ => "another reason",
    }
    .to_owned()
}

fn network_words(event: &NetworkEvent, labels: &BTreeMap<FlightId, String>) -> Option<String> {
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

/// Masks every word of eight or more hex digits and nothing else (an SPI, a nonce,
/// a key) as "…"; `_` ends a word ("c0ffee0123456789_i" is an SPI and a suffix).
fn mask_random(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.len() >= 8 && word.chars().all(|c| c.is_ascii_hexdigit()) {
            out.push('…');
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// One row of the two aligned columns: a line of run A, of run B, or one of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Row {
    /// Index into run A's lines.
    pub(crate) a: Option<usize>,
    /// Index into run B's lines.
    pub(crate) b: Option<usize>,
    pub(crate) state: RowState,
}

/// How a row relates to the first difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowState {
    /// Before the first difference: the same in both runs (one-sided when the two
    /// peers' lines interleave differently).
    Same,
    /// A line that is not compared (a NAT rewrite: how a datagram travelled).
    NotCompared,
    /// The first difference.
    FirstDifference,
    /// After it: equal lines in the same place of their peer's sequence.
    AfterEqual,
    /// After it: lines that differ, or a line the other run has not.
    AfterDiffering,
}

/// Where the two runs first differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Difference {
    /// The peer (or "network") whose lines differ.
    pub(crate) peer: String,
    /// The differing lines (indexes into each run's lines) and records (into each
    /// trace's records); `None` where that run has no more lines of this peer.
    pub(crate) line_a: Option<usize>,
    pub(crate) line_b: Option<usize>,
    pub(crate) record_a: Option<usize>,
    pub(crate) record_b: Option<usize>,
    /// In words: what each run does there and, when that is not a message, the
    /// next message this peer sends in each run (what the other side gets to see).
    pub(crate) explanation: String,
}

/// Two runs aligned, and where they first differ (`None`: the same events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Comparison {
    pub(crate) rows: Vec<Row>,
    pub(crate) first_difference: Option<Difference>,
    /// Lines compared in each run (not counting the ones that are not compared).
    pub(crate) compared_a: usize,
    pub(crate) compared_b: usize,
}

/// One run's lines as the comparison sees them.
struct RunView<'a> {
    trace: &'a Trace,
    lines: &'a [Line],
    /// Per line: its signature and its place in its peer's sequence.
    keys: Vec<Option<(Signature, usize)>>,
    /// Per peer: the lines of its sequence.
    sequences: BTreeMap<String, Vec<usize>>,
    /// Per line: how many compared lines come before it.
    rank: Vec<usize>,
}

impl<'a> RunView<'a> {
    fn new(trace: &'a Trace, lines: &'a [Line]) -> Self {
        let labels = flight_labels(trace);
        let mut sequences: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut keys = Vec::with_capacity(lines.len());
        let mut rank = Vec::with_capacity(lines.len());
        let mut compared = 0;
        for (index, line) in lines.iter().enumerate() {
            rank.push(compared);
            let key = signature(trace, line.record, &labels).map(|sig| {
                let sequence = sequences.entry(sig.peer.clone()).or_default();
                sequence.push(index);
                compared += 1;
                (sig, sequence.len() - 1)
            });
            keys.push(key);
        }
        Self {
            trace,
            lines,
            keys,
            sequences,
            rank,
        }
    }

    fn compared(&self) -> usize {
        self.keys.iter().filter(|k| k.is_some()).count()
    }

    fn signature_of(&self, line: Option<usize>) -> Option<Signature> {
        line.and_then(|l| self.keys.get(l)?.as_ref().map(|(sig, _)| sig.clone()))
    }

    /// The line of `peer`'s `place`-th compared event.
    fn line_at(&self, peer: &str, place: usize) -> Option<usize> {
        self.sequences.get(peer)?.get(place).copied()
    }

    /// The first message `peer` sends from its `place`-th event on.
    fn next_sent(&self, peer: &str, place: usize) -> Option<Signature> {
        let sequence = self.sequences.get(peer)?;
        sequence.iter().skip(place).find_map(|&line| {
            let record = self.trace.records.get(self.lines.get(line)?.record)?;
            let sent = matches!(
                record.event().map(|e| &e.kind),
                Some(EventKind::MessageSent(_))
            );
            sent.then(|| self.signature_of(Some(line))).flatten()
        })
    }
}

/// Compares run A (`trace_a`, its `lines_a`) with run B, and aligns their lines.
pub(crate) fn compare(
    trace_a: &Trace,
    lines_a: &[Line],
    trace_b: &Trace,
    lines_b: &[Line],
) -> Comparison {
    let a = RunView::new(trace_a, lines_a);
    let b = RunView::new(trace_b, lines_b);
    let first_difference = first_difference(&a, &b);
    let rows = align(&a, &b, first_difference.as_ref());
    Comparison {
        rows,
        first_difference,
        compared_a: a.compared(),
        compared_b: b.compared(),
    }
}

/// Each peer's first difference, and the earliest of them: the one with the fewest
/// compared lines before it (in whichever run it shows first); at a tie, the
/// network's.
fn first_difference(a: &RunView<'_>, b: &RunView<'_>) -> Option<Difference> {
    let mut peers: Vec<&String> = a.sequences.keys().collect();
    for peer in b.sequences.keys() {
        if !peers.contains(&peer) {
            peers.push(peer);
        }
    }
    let mut best: Option<((usize, bool), &String, usize)> = None;
    for peer in peers {
        let empty = Vec::new();
        let seq_a = a.sequences.get(peer).unwrap_or(&empty);
        let seq_b = b.sequences.get(peer).unwrap_or(&empty);
        let place = (0..seq_a.len().max(seq_b.len())).find(|&place| {
            a.signature_of(seq_a.get(place).copied()) != b.signature_of(seq_b.get(place).copied())
        });
        let Some(place) = place else { continue };
        let rank_a = seq_a.get(place).and_then(|&l| a.rank.get(l).copied());
        let rank_b = seq_b.get(place).and_then(|&l| b.rank.get(l).copied());
        let rank = match (rank_a, rank_b) {
            (Some(x), Some(y)) => x.min(y),
            (Some(x), None) | (None, Some(x)) => x,
            (None, None) => continue,
        };
        // At the same rank the network goes first: what it did to a datagram in
        // flight comes before what its receiver (or its sender's timer) made of it.
        let key = (rank, peer != ikelab_engine::trace::NETWORK_PEER);
        if best.is_none_or(|(best_key, _, _)| key < best_key) {
            best = Some((key, peer, place));
        }
    }
    let (_, peer, place) = best?;
    let line_a = a.line_at(peer, place);
    let line_b = b.line_at(peer, place);
    let sig_a = a.signature_of(line_a);
    let sig_b = b.signature_of(line_b);
    let then_a = a.next_sent(peer, place);
    let then_b = b.next_sent(peer, place);
    let explanation = explain(peer, sig_a.as_ref(), sig_b.as_ref(), &then_a, &then_b);
    Some(Difference {
        peer: peer.clone(),
        line_a,
        line_b,
        record_a: line_a.and_then(|l| a.lines.get(l)).map(|l| l.record),
        record_b: line_b.and_then(|l| b.lines.get(l)).map(|l| l.record),
        explanation,
    })
}

/// "Run A: the responder decides: ...; run B: the responder decides: .... Then, in
/// run A, ...; in run B, ...."
fn explain(
    peer: &str,
    a: Option<&Signature>,
    b: Option<&Signature>,
    then_a: &Option<Signature>,
    then_b: &Option<Signature>,
) -> String {
    let ended = |run: &str| {
        if peer == ikelab_engine::trace::NETWORK_PEER {
            format!("in run {run}, the network reports nothing more: it delivers the rest")
        } else {
            format!("in run {run}, the {peer} does nothing more: its part of the run ends here")
        }
    };
    let mut text = match (a, b) {
        (Some(a), Some(b)) => format!("Run A: {}; run B: {}.", a.sentence(), b.sentence()),
        (Some(a), None) => format!("Run A: {}; {}.", a.sentence(), ended("B")),
        (None, Some(b)) => format!("Run B: {}; {}.", b.sentence(), ended("A")),
        (None, None) => String::new(),
    };
    // The peer's next message, unless the difference is itself one.
    if then_a != then_b && then_a.as_ref() != a && then_b.as_ref() != b {
        let part = |then: &Option<Signature>| {
            then.as_ref().map_or_else(
                || format!("the {peer} sends nothing more"),
                Signature::sentence,
            )
        };
        text.push_str(&format!(
            " What the other side sees: in run A {}; in run B {}.",
            part(then_a),
            part(then_b)
        ));
    }
    text
}

/// The rows of the two columns. Lines that are the same `place` of the same peer's
/// sequence share a row; when the two peers' lines interleave differently, the
/// earlier one (by time) goes first alone. The first difference's lines share a row
/// when they come in the same order in both runs; either way each row holding one is
/// marked.
fn align(a: &RunView<'_>, b: &RunView<'_>, first: Option<&Difference>) -> Vec<Row> {
    let key = |side: &RunView<'_>, line: usize| {
        side.keys
            .get(line)
            .and_then(|k| k.as_ref())
            .map(|(sig, place)| (sig.peer.clone(), *place))
    };
    let place_of = |side: &RunView<'_>| -> BTreeMap<(String, usize), usize> {
        (0..side.lines.len())
            .filter_map(|line| key(side, line).map(|k| (k, line)))
            .collect()
    };
    let places_a = place_of(a);
    let places_b = place_of(b);
    let (first_a, first_b) = first.map_or((None, None), |d| (d.line_a, d.line_b));
    let mut rows = Vec::with_capacity(a.lines.len().max(b.lines.len()));
    let mut seen_first = false;
    let (mut i, mut j) = (0, 0);
    let mut push = |row_a: Option<usize>, row_b: Option<usize>, rows: &mut Vec<Row>| {
        let is_first =
            (row_a.is_some() && row_a == first_a) || (row_b.is_some() && row_b == first_b);
        let compared = row_a.is_some_and(|l| key(a, l).is_some())
            || row_b.is_some_and(|l| key(b, l).is_some());
        let state = if is_first {
            seen_first = true;
            RowState::FirstDifference
        } else if !compared {
            RowState::NotCompared
        } else if !seen_first {
            RowState::Same
        } else if row_a.is_some()
            && row_b.is_some()
            && a.signature_of(row_a) == b.signature_of(row_b)
        {
            RowState::AfterEqual
        } else {
            RowState::AfterDiffering
        };
        rows.push(Row {
            a: row_a,
            b: row_b,
            state,
        });
    };
    while i < a.lines.len() || j < b.lines.len() {
        let key_a = (i < a.lines.len()).then(|| key(a, i));
        let key_b = (j < b.lines.len()).then(|| key(b, j));
        match (key_a, key_b) {
            // Two lines that are not compared (the NAT's rewrites of the same
            // datagrams, say) keep each other company.
            (Some(None), Some(None)) => {
                push(Some(i), Some(j), &mut rows);
                i += 1;
                j += 1;
            }
            (Some(None), _) => {
                push(Some(i), None, &mut rows);
                i += 1;
            }
            (_, Some(None)) => {
                push(None, Some(j), &mut rows);
                j += 1;
            }
            (Some(Some(ka)), Some(Some(kb))) if ka == kb => {
                push(Some(i), Some(j), &mut rows);
                i += 1;
                j += 1;
            }
            (Some(Some(ka)), Some(Some(kb))) => {
                // Different heads: the one whose partner is yet to come in the other
                // run waits; when both wait, the earlier goes first.
                let a_waits = places_b.get(&ka).is_some_and(|&partner| partner > j);
                let b_waits = places_a.get(&kb).is_some_and(|&partner| partner > i);
                let a_first = match (a_waits, b_waits) {
                    (false, _) => true,
                    (true, false) => false,
                    (true, true) => {
                        let time =
                            |side: &RunView<'_>, line: usize| side.lines.get(line).map(|l| l.t_us);
                        time(a, i) <= time(b, j)
                    }
                };
                if a_first {
                    push(Some(i), None, &mut rows);
                    i += 1;
                } else {
                    push(None, Some(j), &mut rows);
                    j += 1;
                }
            }
            (Some(Some(_)), None) => {
                push(Some(i), None, &mut rows);
                i += 1;
            }
            (None, Some(Some(_))) => {
                push(None, Some(j), &mut rows);
                j += 1;
            }
            (None, None) => break,
        }
    }
    rows
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
