//! The peers panel: each peer's IKE and CHILD SAs at a step of the run, and the
//! decisions it took so far, read from the trace.
//!
//! [`PeersModel::new`] reads a run's trace once into a short list of facts (the
//! records that change an SA, a counter or the decision list, without their bytes
//! and dissections); [`PeersModel::at`] folds the facts played by a step into each
//! peer's state. A step is a number of event-list lines played (`LabState::step`):
//! it covers every record before the next line's, so the timers a line armed are
//! already known when it is shown.
//!
//! What comes from where:
//! - IKE SAs (RFC 7296 §1.2, §2.18): `IkeSaCreated`, `StateChanged`, `IkeSaUp`,
//!   `IkeSaRekeyed`, `IkeSaDown`; their SPIs and Message IDs (§2.2) from the
//!   messages sent and received; the exchange in progress from `ExchangeStarted`
//!   and `ExchangeDone`.
//! - CHILD SAs (§1.3, §2.8): `ChildSaUp`, `ChildSaRekeyed`, `ChildSasInherited`,
//!   `ChildSaDown`, `ChildSaFailed`, `ChildSaVolumeLimit`.
//! - Lifetimes: the engine's `Timer` records say exactly when a rekey or an
//!   expiry is due, but it arms one `Lifetime` timer for the earliest deadline of an
//!   IKE SA and its CHILD SAs, so the later ones appear only when they become the
//!   earliest. Until then the scenario's configuration bounds them: a rekey at
//!   `rekey_time` minus a random part of up to `rand_time` (swanctl.conf(5)), an
//!   IKE SA's expiry `over_time` after its rekey, a CHILD SA's at `life_time`.
//! - Counters: the ESP packets sealed and opened per CHILD SA (RFC 4303 §3.3,
//!   §3.4), and its anti-replay window (§3.4.3) replayed through the engine's own
//!   [`ReplayWindow`] from the sequence numbers opened.
//! - Decisions: the event list's decision lines (the engine's words), with what the
//!   decision refused.

use std::net::SocketAddr;

use ikelab_engine::child::ReplayWindow;
use ikelab_engine::config::{ChildConfig, PeerConfig, Role};
use ikelab_engine::event::{
    ChildSaUp, CookieOutcome, Decision, EspErrorKind, EventKind, IkeSaUp, KeOutcome, SaState,
    TimerPurpose, UniquenessOutcome,
};
use ikelab_engine::proposal::SelectionReport;
use ikelab_engine::trace::Entry;
use ikelab_engine::wire::IkeSpi;

use super::Lab;
use super::lines::{LineKind, format_time};

#[cfg(test)]
#[path = "peers_tests.rs"]
mod tests;

/// The most replay-window cells the panel draws: the last ones, at the right edge.
pub(crate) const REPLAY_CELLS_SHOWN: u32 = 64;

// ---------------------------------------------------------------------------------
// What the panel shows
// ---------------------------------------------------------------------------------

/// One peer at one step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PeerState {
    /// The trace's name for it ("initiator", "responder", "attacker", a bridge's).
    pub(crate) name: String,
    /// The virtual time of the step.
    pub(crate) now_us: u64,
    /// Its IKE SAs, in the order they were created, each with its CHILD SAs.
    pub(crate) ike_sas: Vec<IkeSaState>,
    /// CHILD SAs whose IKE SA the trace does not name (none in a simulator run).
    pub(crate) loose_children: Vec<ChildSaState>,
    /// CHILD SAs that could not be created (RFC 7296 §1.2: the IKE SA stays up).
    pub(crate) failed_children: Vec<FailedChild>,
    /// Its decisions so far, in order.
    pub(crate) decisions: Vec<DecisionItem>,
}

/// Where an IKE SA is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Being set up (IKE_SA_INIT and IKE_AUTH, RFC 7296 §1.2).
    Opening,
    /// Established.
    Up,
    /// Replaced by a rekey and about to be deleted (RFC 7296 §2.18).
    Replaced,
    /// Down (or closing: kept only to answer retransmissions).
    Ended,
}

impl Phase {
    /// The `data-phase` value.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Opening => "opening",
            Self::Up => "up",
            Self::Replaced => "replaced",
            Self::Ended => "ended",
        }
    }
}

/// One IKE SA of a peer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IkeSaState {
    /// The engine's handle (`IKE SA #1`), not on the wire.
    pub(crate) id: u64,
    /// Whether this peer is the SA's original initiator (RFC 7296 §2.2), when known.
    pub(crate) initiator: Option<bool>,
    /// The SPIs of the header, "0x…" (all zeros until the responder chose its one).
    pub(crate) spi_i: String,
    pub(crate) spi_r: String,
    /// The engine's state, in words.
    pub(crate) state: String,
    pub(crate) phase: Phase,
    /// The chosen proposal in strongSwan syntax ("aes256gcm16-prfsha256-x25519").
    pub(crate) proposal: Option<String>,
    pub(crate) local: Option<String>,
    pub(crate) remote: Option<String>,
    pub(crate) local_id: Option<String>,
    pub(crate) remote_id: Option<String>,
    /// IKE and ESP in UDP 4500 (RFC 3948).
    pub(crate) udp_encap: bool,
    pub(crate) virtual_ips: Vec<String>,
    /// When the engine made it.
    pub(crate) created_us: u64,
    /// When it was established (IKE_AUTH done) or made by a rekey.
    pub(crate) up_us: Option<u64>,
    /// The soft lifetime: the rekey (RFC 7296 §2.18), while it is up.
    pub(crate) rekey: Option<Deadline>,
    /// The hard lifetime: deleted if not rekeyed by then, while it is up; for a
    /// half-open responder SA, when it is dropped unless IKE_AUTH comes.
    pub(crate) expire: Option<Deadline>,
    /// The Message ID of our next request, and of the peer's next request we expect
    /// (RFC 7296 §2.2); `None` before the first one.
    pub(crate) next_request_id: Option<u32>,
    pub(crate) peer_next_request_id: Option<u32>,
    /// The exchange it started and is waiting for (RFC 7296 §1.3, §1.4).
    pub(crate) exchange: Option<String>,
    /// The IKE SA it replaced, and the one that replaced it (RFC 7296 §2.18).
    pub(crate) replaces: Option<u64>,
    pub(crate) replaced_by: Option<Ending>,
    /// Why it went down.
    pub(crate) ended: Option<Ending>,
    pub(crate) children: Vec<ChildSaState>,
    /// The record that created it.
    pub(crate) record: usize,
}

/// Why and when an SA ended or was replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ending {
    pub(crate) text: String,
    pub(crate) record: usize,
    pub(crate) t_us: u64,
}

/// Where a deadline comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeadlineSource {
    /// The engine armed a timer for it: exact.
    Timer,
    /// The configuration's times: exact, or a range when a random part is taken off.
    Configuration,
}

/// When a lifetime runs out (virtual time), and since when it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deadline {
    pub(crate) since_us: u64,
    pub(crate) earliest_us: u64,
    pub(crate) latest_us: u64,
    pub(crate) source: DeadlineSource,
}

impl Deadline {
    fn exact(since_us: u64, at_us: u64, source: DeadlineSource) -> Self {
        Self {
            since_us,
            earliest_us: at_us,
            latest_us: at_us,
            source,
        }
    }

    pub(crate) fn is_exact(&self) -> bool {
        self.earliest_us == self.latest_us
    }

    /// Whether it has run out at `now_us` (for a range: its latest end).
    pub(crate) fn passed(&self, now_us: u64) -> bool {
        now_us >= self.latest_us
    }

    /// The share of the lifetime left at `now_us`, 0 to 1 (for a range: up to its
    /// latest end), for a bar.
    pub(crate) fn fraction_left(&self, now_us: u64) -> f64 {
        let total = self.latest_us.saturating_sub(self.since_us);
        if total == 0 {
            return 0.0;
        }
        let left = self.latest_us.saturating_sub(now_us);
        (left as f64 / total as f64).clamp(0.0, 1.0)
    }

    /// "in 59 min 24 s", "in 54 min – 1 h", "now".
    pub(crate) fn left_text(&self, now_us: u64) -> String {
        if self.passed(now_us) {
            return "due now".to_owned();
        }
        let latest = self.latest_us.saturating_sub(now_us);
        if self.is_exact() {
            return format!("in {}", format_span(latest));
        }
        let earliest = self.earliest_us.saturating_sub(now_us);
        format!("in {} – {}", format_span(earliest), format_span(latest))
    }
}

/// One CHILD SA of a peer (a pair of ESP SAs, RFC 7296 §1.3).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChildSaState {
    /// The engine's handle (`CHILD SA #1`).
    pub(crate) id: u64,
    /// The child configuration's name (`[children.NAME]`).
    pub(crate) name: String,
    /// The IKE SA it belongs to now (it moves on an IKE SA rekey, RFC 7296 §2.18).
    pub(crate) ike_sa: Option<u64>,
    /// The SPI the peer puts on the packets it sends us, and the one we put on ours.
    pub(crate) spi_in: u32,
    pub(crate) spi_out: u32,
    /// The ESP proposal in strongSwan syntax ("aes256gcm16", "aes128-sha256").
    pub(crate) proposal: String,
    pub(crate) esn: bool,
    /// "tunnel" or "transport" (RFC 4301 §4.1).
    pub(crate) mode: &'static str,
    pub(crate) udp_encap: bool,
    pub(crate) local_ts: Vec<String>,
    pub(crate) remote_ts: Vec<String>,
    pub(crate) up_us: u64,
    pub(crate) rekey: Option<Deadline>,
    pub(crate) expire: Option<Deadline>,
    /// ESP packets sent (RFC 4303 §3.3) and received (§3.4).
    pub(crate) sealed: Traffic,
    pub(crate) opened: Traffic,
    /// Received packets the data plane refused, with why.
    pub(crate) refused: Vec<RefusedPacket>,
    pub(crate) replay: ReplayView,
    /// Volume and sequence-number limits it crossed (RFC 4301 §4.4.2.1).
    pub(crate) limits: Vec<String>,
    /// The CHILD SA it replaced, and the one that replaced it (RFC 7296 §2.8).
    pub(crate) replaces: Option<u64>,
    pub(crate) replaced_by: Option<Ending>,
    pub(crate) ended: Option<Ending>,
    pub(crate) record: usize,
}

impl ChildSaState {
    pub(crate) fn phase(&self) -> Phase {
        if self.ended.is_some() {
            Phase::Ended
        } else if self.replaced_by.is_some() {
            Phase::Replaced
        } else {
            Phase::Up
        }
    }
}

/// ESP packets of one direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Traffic {
    pub(crate) packets: u64,
    /// Octets of the ESP packets, SPI to ICV (the trace does not carry the inner
    /// packet's length, which the engine's volume limits count).
    pub(crate) esp_bytes: u64,
    /// The highest sequence number (RFC 4303 §2.2), 0 before the first packet.
    pub(crate) highest_sequence: u64,
}

/// A received ESP packet the data plane refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RefusedPacket {
    /// The low 32 bits of its sequence number, as sent.
    pub(crate) sequence: u32,
    /// `replay`, `icv_mismatch`, … (the trace's names).
    pub(crate) kind: &'static str,
    pub(crate) reason: String,
    pub(crate) record: usize,
}

/// Where the window size comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WindowSize {
    /// The scenario's `replay_window` for this child.
    Configured,
    /// Not in the trace (a trace file): swanctl.conf's default `replay_window`.
    Default,
}

/// A CHILD SA's inbound anti-replay window (RFC 4303 §3.4.3) at a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReplayView {
    /// Packets it spans; 0: the check is disabled.
    pub(crate) size: u32,
    pub(crate) size_from: WindowSize,
    /// The highest sequence number received and authenticated (0: none yet).
    pub(crate) right_edge: u64,
    /// The last `min(size, REPLAY_CELLS_SHOWN)` positions, oldest first; the last
    /// cell is the right edge.
    pub(crate) cells: Vec<ReplayCell>,
}

/// One position of the replay window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReplayCell {
    /// `None`: a position before sequence number 1 (nothing can be there).
    pub(crate) sequence: Option<u64>,
    /// A packet with this number was received.
    pub(crate) received: bool,
    /// A packet with this number was refused as a replay.
    pub(crate) refused: bool,
}

/// A CHILD SA that was not created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FailedChild {
    pub(crate) name: String,
    pub(crate) ike_sa: Option<u64>,
    pub(crate) reason: String,
    pub(crate) record: usize,
    pub(crate) t_us: u64,
}

/// What a decision was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Topic {
    Configuration,
    Proposal,
    Group,
    Cookie,
    Nat,
    Identity,
    Authentication,
    Selectors,
    VirtualIp,
    Uniqueness,
    Mode,
    RekeyCollision,
    Other,
}

impl Topic {
    /// A word for people, and the `data-topic` value.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Configuration => "configuration",
            Self::Proposal => "proposal",
            Self::Group => "key exchange group",
            Self::Cookie => "cookie",
            Self::Nat => "NAT",
            Self::Identity => "identity",
            Self::Authentication => "authentication",
            Self::Selectors => "traffic selectors",
            Self::VirtualIp => "virtual IP",
            Self::Uniqueness => "uniqueness",
            Self::Mode => "mode",
            Self::RekeyCollision => "rekey collision",
            Self::Other => "other",
        }
    }
}

/// What came of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Accepted,
    Refused,
    /// Neither: a finding (NAT detected, a mode, a collision's outcome).
    Noted,
}

impl Verdict {
    /// The `data-verdict` value.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Refused => "refused",
            Self::Noted => "noted",
        }
    }
}

/// One decision of a peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecisionItem {
    pub(crate) record: usize,
    pub(crate) t_us: u64,
    pub(crate) topic: Topic,
    pub(crate) verdict: Verdict,
    /// The event list's line for it: the engine's words, with the reason.
    pub(crate) text: String,
    /// What was checked and not taken, one sentence each (every refused proposal
    /// and transform of a proposal selection, RFC 7296 §2.7).
    pub(crate) details: Vec<String>,
}

// ---------------------------------------------------------------------------------
// The model of a run
// ---------------------------------------------------------------------------------

/// A run read for the peers panel: build once per run, then [`at`](Self::at) per
/// step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PeersModel {
    columns: Vec<Column>,
    /// The facts of every peer, in record order.
    facts: Vec<Fact>,
    /// Per step (0 to the number of lines): the records it has played, `0..cut`.
    cuts: Vec<usize>,
    /// Per step: its virtual time.
    times: Vec<u64>,
}

/// One peer of the run, and what its configuration says about lifetimes.
#[derive(Debug, Clone, PartialEq)]
struct Column {
    name: String,
    config: Option<Lifetimes>,
}

/// The lifetimes of one peer's configuration, in microseconds (swanctl.conf(5)).
#[derive(Debug, Clone, PartialEq)]
struct Lifetimes {
    ike_rekey: u64,
    ike_rand: u64,
    ike_over: u64,
    children: Vec<(String, ChildLifetimes)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct ChildLifetimes {
    rekey: u64,
    rand: u64,
    life: u64,
    replay_window: u32,
}

/// One record that matters to the panel, without its bytes.
#[derive(Debug, Clone, PartialEq)]
struct Fact {
    record: usize,
    t_us: u64,
    /// Index into `columns`.
    peer: usize,
    ike_sa: Option<u64>,
    what: What,
}

#[derive(Debug, Clone, PartialEq)]
enum What {
    IkeCreated {
        initiator: bool,
        local: SocketAddr,
        remote: SocketAddr,
    },
    Message {
        sent: bool,
        response: bool,
        message_id: u32,
        spi_i: IkeSpi,
        spi_r: IkeSpi,
    },
    State(SaState),
    IkeUp(Box<IkeSaUp>),
    IkeDown(String),
    IkeRekeyed {
        new_sa: u64,
        spi_i: String,
        spi_r: String,
        proposal: String,
        initiator: bool,
        cause: String,
    },
    Inherited(Vec<u64>),
    AddressChanged {
        local: SocketAddr,
        remote: SocketAddr,
    },
    ExchangeStarted(String),
    ExchangeDone,
    ChildUp(Box<ChildSaUp>),
    ChildFailed {
        name: String,
        reason: String,
    },
    ChildDown {
        child: u64,
        reason: String,
    },
    ChildRekeyed {
        old: u64,
        new: u64,
        cause: String,
    },
    VolumeLimit {
        child: u64,
        text: String,
    },
    Deadline {
        purpose: Due,
        at_us: u64,
    },
    Sealed {
        child: u64,
        length: u64,
        sequence: u64,
    },
    Opened {
        child: u64,
        length: u64,
        sequence: u64,
    },
    Refused {
        child: Option<u64>,
        sequence: u32,
        kind: EspErrorKind,
        reason: String,
    },
    Decision(DecisionItem),
}

/// The lifetime deadlines a timer can be armed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Due {
    /// A responder's half-open IKE SA is dropped if no IKE_AUTH came (strongSwan's
    /// `half_open_timeout`).
    HalfOpen,
    IkeRekey,
    IkeExpire,
    ChildRekey(u64),
    ChildExpire(u64),
}

impl PeersModel {
    /// Reads `lab`'s trace (and its scenario's configurations, for lifetimes and
    /// window sizes).
    pub(crate) fn new(lab: &Lab) -> Self {
        let mut columns: Vec<Column> = Vec::new();
        let lanes = std::iter::once(&lab.lanes.left)
            .chain(std::iter::once(&lab.lanes.right))
            .chain(lab.lanes.third.iter());
        for name in lanes {
            let has_events = lab
                .trace
                .records
                .iter()
                .any(|r| &r.peer == name && r.event().is_some());
            if has_events && !columns.iter().any(|c| &c.name == name) {
                let config = lab
                    .scenario
                    .as_deref()
                    .and_then(|s| match name.as_str() {
                        "initiator" => Some(&s.initiator),
                        "responder" => Some(&s.responder),
                        _ => None,
                    })
                    .map(lifetimes);
                columns.push(Column {
                    name: name.clone(),
                    config,
                });
            }
        }
        let mut facts = Vec::new();
        for (record, r) in lab.trace.records.iter().enumerate() {
            let Entry::Event(event) = &r.entry else {
                continue;
            };
            let Some(peer) = columns.iter().position(|c| c.name == r.peer) else {
                continue;
            };
            let what = match &event.kind {
                EventKind::Decision(_) | EventKind::RekeyCollision(_) => {
                    let text = lab
                        .lines
                        .binary_search_by_key(&record, |l| l.record)
                        .ok()
                        .and_then(|i| lab.lines.get(i))
                        .filter(|l| l.kind == LineKind::Decision)
                        .map_or_else(|| event.describe(), |l| l.text.clone());
                    What::Decision(decision_item(&event.kind, record, r.t_us, text))
                }
                kind => match what_of(kind) {
                    Some(what) => what,
                    None => continue,
                },
            };
            facts.push(Fact {
                record,
                t_us: r.t_us,
                peer,
                ike_sa: event.ike_sa.map(|id| id.0),
                what,
            });
        }
        let steps = lab.lines.len();
        let cuts = (0..=steps)
            .map(|step| {
                lab.lines
                    .get(step)
                    .map_or(lab.trace.records.len(), |l| l.record)
            })
            .collect();
        let times = (0..=steps)
            .map(|step| {
                step.checked_sub(1)
                    .and_then(|i| lab.lines.get(i))
                    .map_or(0, |l| l.t_us)
            })
            .collect();
        Self {
            columns,
            facts,
            cuts,
            times,
        }
    }

    /// Each peer's state after `step` lines (past the end: at the end).
    pub(crate) fn at(&self, step: usize) -> Vec<PeerState> {
        let last = self.cuts.len().saturating_sub(1);
        let step = step.min(last);
        let cut = self.cuts.get(step).copied().unwrap_or(0);
        let now_us = self.times.get(step).copied().unwrap_or(0);
        let played = self.facts.partition_point(|f| f.record < cut);
        let mut folds: Vec<PeerFold> = self.columns.iter().map(|_| PeerFold::default()).collect();
        for fact in self.facts.iter().take(played) {
            if let Some(fold) = folds.get_mut(fact.peer) {
                let config = self.columns.get(fact.peer).and_then(|c| c.config.as_ref());
                fold.apply(fact, config);
            }
        }
        folds
            .into_iter()
            .zip(&self.columns)
            .map(|(fold, column)| fold.finish(column, now_us))
            .collect()
    }
}

/// Each peer's state after `step` lines of `lab`: [`PeersModel::new`] then
/// [`PeersModel::at`] (the panel keeps the model for the run).
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn peer_states(lab: &Lab, step: usize) -> Vec<PeerState> {
    PeersModel::new(lab).at(step)
}

fn micros(duration: core::time::Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

fn lifetimes(config: &PeerConfig) -> Lifetimes {
    Lifetimes {
        ike_rekey: micros(config.effective_rekey_time()),
        ike_rand: micros(config.effective_rand_time()),
        ike_over: micros(config.effective_over_time()),
        children: config
            .children
            .iter()
            .map(|(name, child)| (name.to_owned(), child_lifetimes(child)))
            .collect(),
    }
}

fn child_lifetimes(child: &ChildConfig) -> ChildLifetimes {
    ChildLifetimes {
        rekey: micros(child.rekey_time),
        rand: micros(child.effective_rand_time()),
        life: micros(child.effective_life_time()),
        replay_window: child.replay_window,
    }
}

/// The fact of an event kind other than a decision, or `None` if the panel does not
/// use it.
fn what_of(kind: &EventKind) -> Option<What> {
    Some(match kind {
        EventKind::IkeSaCreated {
            role,
            local,
            remote,
        } => What::IkeCreated {
            initiator: *role == Role::Initiator,
            local: *local,
            remote: *remote,
        },
        EventKind::MessageSent(m) | EventKind::MessageReceived(m) => What::Message {
            sent: matches!(kind, EventKind::MessageSent(_)),
            response: m.response,
            message_id: m.message_id,
            spi_i: m.spi_i,
            spi_r: m.spi_r,
        },
        EventKind::StateChanged { to, .. } => What::State(*to),
        EventKind::IkeSaUp(up) => What::IkeUp(up.clone()),
        EventKind::IkeSaDown { reason } => What::IkeDown(reason.describe()),
        EventKind::IkeSaRekeyed {
            new_sa,
            spi_i,
            spi_r,
            proposal,
            initiator,
            cause,
        } => What::IkeRekeyed {
            new_sa: new_sa.0,
            spi_i: spi_i.to_string(),
            spi_r: spi_r.to_string(),
            proposal: proposal.clone(),
            initiator: *initiator,
            cause: cause.describe(),
        },
        EventKind::ChildSasInherited { children, .. } => {
            What::Inherited(children.iter().map(|c| c.0).collect())
        }
        EventKind::PeerAddressChanged {
            new_remote,
            new_local,
            ..
        } => What::AddressChanged {
            local: *new_local,
            remote: *new_remote,
        },
        EventKind::ExchangeStarted {
            action,
            cause,
            message_id,
            ..
        } => What::ExchangeStarted(format!(
            "{} ({}), request {message_id}",
            action.describe(),
            cause.describe()
        )),
        EventKind::ExchangeDone { .. } => What::ExchangeDone,
        EventKind::ChildSaUp(up) => What::ChildUp(up.clone()),
        EventKind::ChildSaFailed { name, reason } => What::ChildFailed {
            name: name.clone(),
            reason: reason.describe(),
        },
        EventKind::ChildSaDown { child, reason } => What::ChildDown {
            child: child.0,
            reason: reason.describe(),
        },
        EventKind::ChildSaRekeyed { old, new, cause } => What::ChildRekeyed {
            old: old.0,
            new: new.0,
            cause: cause.describe(),
        },
        EventKind::ChildSaVolumeLimit {
            child,
            limit,
            reason,
        } => What::VolumeLimit {
            child: child.0,
            text: format!("{limit:?} limit of {reason:?} reached").to_lowercase(),
        },
        EventKind::Timer {
            purpose: Some(purpose),
            deadline_us: Some(at_us),
            ..
        } => What::Deadline {
            purpose: match purpose {
                TimerPurpose::HalfOpen => Due::HalfOpen,
                TimerPurpose::IkeRekey => Due::IkeRekey,
                TimerPurpose::IkeExpire => Due::IkeExpire,
                TimerPurpose::ChildRekey { child } => Due::ChildRekey(child.0),
                TimerPurpose::ChildExpire { child } => Due::ChildExpire(child.0),
                _ => return None,
            },
            at_us: *at_us,
        },
        EventKind::EspSealed(e) => What::Sealed {
            child: e.child.0,
            length: e.length as u64,
            sequence: e.sequence,
        },
        EventKind::EspOpened(e) => What::Opened {
            child: e.child.0,
            length: e.length as u64,
            sequence: e.sequence,
        },
        EventKind::EspDropped(e) => What::Refused {
            child: e.child.map(|c| c.0),
            sequence: e.sequence,
            kind: e.reason.kind,
            reason: e.reason.message.clone(),
        },
        _ => return None,
    })
}

/// A decision's topic, verdict and what it did not take.
fn decision_item(kind: &EventKind, record: usize, t_us: u64, text: String) -> DecisionItem {
    let (topic, verdict, details) = match kind {
        EventKind::Decision(decision) => judge(decision),
        EventKind::RekeyCollision(_) => (Topic::RekeyCollision, Verdict::Noted, Vec::new()),
        _ => (Topic::Other, Verdict::Noted, Vec::new()),
    };
    DecisionItem {
        record,
        t_us,
        topic,
        verdict,
        text,
        details,
    }
}

fn judge(decision: &Decision) -> (Topic, Verdict, Vec<String>) {
    let accepted = |yes: bool| {
        if yes {
            Verdict::Accepted
        } else {
            Verdict::Refused
        }
    };
    match decision {
        Decision::PeerConfig { .. } => (Topic::Configuration, Verdict::Accepted, Vec::new()),
        Decision::IkeProposal(report) | Decision::ChildProposal { report, .. } => (
            Topic::Proposal,
            accepted(report.chosen.is_some()),
            rejections(report),
        ),
        Decision::KeyExchange(k) => {
            let verdict = match k.outcome {
                KeOutcome::Accepted | KeOutcome::UsedKeGroup => Verdict::Accepted,
                KeOutcome::RequestedOtherGroup | KeOutcome::RetryRefused { .. } => Verdict::Refused,
                _ => Verdict::Noted,
            };
            (Topic::Group, verdict, Vec::new())
        }
        Decision::Cookie(c) => {
            let verdict = match c.outcome {
                CookieOutcome::NotRequired | CookieOutcome::Verified => Verdict::Accepted,
                CookieOutcome::Demanded | CookieOutcome::Invalid | CookieOutcome::TooManyRounds => {
                    Verdict::Refused
                }
                _ => Verdict::Noted,
            };
            (Topic::Cookie, verdict, Vec::new())
        }
        Decision::Nat(_) => (Topic::Nat, Verdict::Noted, Vec::new()),
        Decision::Identity(i) => (Topic::Identity, accepted(i.accepted), Vec::new()),
        Decision::Authentication { verified, .. } => {
            (Topic::Authentication, accepted(*verified), Vec::new())
        }
        Decision::TrafficSelectors(t) => {
            let sides = [("TSi", &t.initiator), ("TSr", &t.responder)];
            let details = sides
                .iter()
                .filter(|(_, side)| !side.proposed.is_empty() || !side.configured.is_empty())
                .map(|(name, side)| {
                    format!(
                        "{name}: proposed {}, configured {}, result {}",
                        selectors(&side.proposed),
                        selectors(&side.configured),
                        if side.result.is_empty() {
                            "none".to_owned()
                        } else {
                            selectors(&side.result)
                        }
                    )
                })
                .collect();
            (Topic::Selectors, accepted(t.accepted), details)
        }
        Decision::VirtualIp(v) => (Topic::VirtualIp, accepted(v.problem.is_none()), Vec::new()),
        Decision::Uniqueness(u) => {
            let verdict = if u.outcome == UniquenessOutcome::Refused {
                Verdict::Refused
            } else {
                Verdict::Noted
            };
            (Topic::Uniqueness, verdict, Vec::new())
        }
        Decision::Mode { .. } => (Topic::Mode, Verdict::Noted, Vec::new()),
        _ => (Topic::Other, Verdict::Noted, Vec::new()),
    }
}

/// Every proposal and transform the selection did not take, with why (RFC 7296
/// §2.7, §3.3).
fn rejections(report: &SelectionReport) -> Vec<String> {
    report
        .rejections
        .iter()
        .map(|r| {
            if r.proposal == 0 {
                r.message.clone()
            } else {
                format!("proposal {}: {}", r.proposal, r.message)
            }
        })
        .collect()
}

fn selectors(list: &[ikelab_engine::wire::TrafficSelector]) -> String {
    if list.is_empty() {
        return "none".to_owned();
    }
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------------------------
// The fold
// ---------------------------------------------------------------------------------

/// One peer's state while the facts are folded.
#[derive(Debug, Default)]
struct PeerFold {
    ike_sas: Vec<IkeSaState>,
    children: Vec<ChildFold>,
    failed_children: Vec<FailedChild>,
    decisions: Vec<DecisionItem>,
    /// The latest deadlines the engine armed timers for: (IKE SA, due) and
    /// (CHILD SA, due).
    ike_timers: Vec<(u64, Due, u64)>,
    child_timers: Vec<(u64, Due, u64)>,
}

#[derive(Debug)]
struct ChildFold {
    state: ChildSaState,
    window: ReplayWindow,
}

impl PeerFold {
    /// The IKE SA `id`, made if the trace names it before its creation.
    fn ike(&mut self, id: u64, fact: &Fact) -> &mut IkeSaState {
        let index = match self.ike_sas.iter().position(|s| s.id == id) {
            Some(index) => index,
            None => {
                self.ike_sas.push(new_ike_sa(id, fact.record, fact.t_us));
                self.ike_sas.len() - 1
            }
        };
        &mut self.ike_sas[index]
    }

    fn child(&mut self, id: u64) -> Option<&mut ChildFold> {
        self.children.iter_mut().find(|c| c.state.id == id)
    }

    fn apply(&mut self, fact: &Fact, config: Option<&Lifetimes>) {
        let ending = |text: String| Ending {
            text,
            record: fact.record,
            t_us: fact.t_us,
        };
        match &fact.what {
            What::Decision(item) => self.decisions.push(item.clone()),
            What::ChildUp(up) => {
                let child = new_child(up, fact, config);
                self.children.push(child);
            }
            What::ChildFailed { name, reason } => self.failed_children.push(FailedChild {
                name: name.clone(),
                ike_sa: fact.ike_sa,
                reason: reason.clone(),
                record: fact.record,
                t_us: fact.t_us,
            }),
            What::ChildDown { child, reason } => {
                if let Some(c) = self.child(*child) {
                    c.state.ended = Some(ending(reason.clone()));
                }
            }
            What::ChildRekeyed { old, new, cause } => {
                if let Some(c) = self.child(*old) {
                    c.state.replaced_by =
                        Some(ending(format!("replaced by CHILD SA #{new} ({cause})")));
                }
                if let Some(c) = self.child(*new) {
                    c.state.replaces = Some(*old);
                }
            }
            What::VolumeLimit { child, text } => {
                if let Some(c) = self.child(*child) {
                    c.state.limits.push(text.clone());
                }
            }
            What::Sealed {
                child,
                length,
                sequence,
            } => {
                if let Some(c) = self.child(*child) {
                    count(&mut c.state.sealed, *length, *sequence);
                }
            }
            What::Opened {
                child,
                length,
                sequence,
            } => {
                if let Some(c) = self.child(*child) {
                    count(&mut c.state.opened, *length, *sequence);
                    // The data plane committed it after the ICV verified (§3.4.3);
                    // the trace's order is the engine's, so it cannot be refused here.
                    let _ = c.window.commit(*sequence);
                }
            }
            What::Refused {
                child: Some(child),
                sequence,
                kind,
                reason,
            } => {
                if let Some(c) = self.child(*child) {
                    c.state.refused.push(RefusedPacket {
                        sequence: *sequence,
                        kind: kind.name(),
                        reason: reason.clone(),
                        record: fact.record,
                    });
                }
            }
            What::Refused { child: None, .. } => {}
            What::Deadline { purpose, at_us } => {
                let (list, id) = match purpose {
                    Due::HalfOpen | Due::IkeRekey | Due::IkeExpire => match fact.ike_sa {
                        Some(id) => (&mut self.ike_timers, id),
                        None => return,
                    },
                    Due::ChildRekey(child) | Due::ChildExpire(child) => {
                        (&mut self.child_timers, *child)
                    }
                };
                list.retain(|(i, p, _)| !(*i == id && p == purpose));
                list.push((id, *purpose, *at_us));
            }
            What::Inherited(children) => {
                for id in children {
                    if let Some(c) = self.child(*id) {
                        c.state.ike_sa = fact.ike_sa;
                    }
                }
            }
            _ => self.apply_ike(fact),
        }
    }

    /// The facts about an IKE SA itself.
    fn apply_ike(&mut self, fact: &Fact) {
        let Some(id) = fact.ike_sa else {
            return;
        };
        let ending = |text: String| Ending {
            text,
            record: fact.record,
            t_us: fact.t_us,
        };
        if let What::IkeRekeyed {
            new_sa,
            spi_i,
            spi_r,
            proposal,
            initiator,
            cause,
        } = &fact.what
        {
            let old = self.ike(id, fact);
            old.replaced_by = Some(ending(format!("replaced by IKE SA #{new_sa} ({cause})")));
            old.exchange = None;
            let (local, remote, local_id, remote_id, udp_encap, virtual_ips) = (
                old.local.clone(),
                old.remote.clone(),
                old.local_id.clone(),
                old.remote_id.clone(),
                old.udp_encap,
                old.virtual_ips.clone(),
            );
            let new = self.ike(*new_sa, fact);
            new.initiator = Some(*initiator);
            new.spi_i.clone_from(spi_i);
            new.spi_r.clone_from(spi_r);
            new.proposal = Some(proposal.clone());
            new.state = state_words(SaState::Established).to_owned();
            new.phase = Phase::Up;
            new.up_us = Some(fact.t_us);
            new.replaces = Some(id);
            // The new IKE SA is between the same peers and identities (RFC 7296
            // §2.18); its Message IDs start at 0 again.
            (
                new.local,
                new.remote,
                new.local_id,
                new.remote_id,
                new.udp_encap,
                new.virtual_ips,
            ) = (local, remote, local_id, remote_id, udp_encap, virtual_ips);
            return;
        }
        let sa = self.ike(id, fact);
        match &fact.what {
            What::IkeCreated {
                initiator,
                local,
                remote,
            } => {
                sa.initiator = Some(*initiator);
                sa.local = Some(local.to_string());
                sa.remote = Some(remote.to_string());
                sa.record = fact.record;
                sa.created_us = fact.t_us;
                let first = if *initiator {
                    SaState::InitSent
                } else {
                    SaState::HalfOpen
                };
                sa.state = state_words(first).to_owned();
            }
            What::Message {
                sent,
                response,
                message_id,
                spi_i,
                spi_r,
            } => {
                sa.spi_i = spi_i.to_string();
                // Zero until the responder chose its SPI (RFC 7296 §3.1).
                if !spi_r.is_zero() {
                    sa.spi_r = spi_r.to_string();
                }
                // RFC 7296 §2.2: each side numbers its own requests; a response
                // carries the request's ID.
                let next = message_id.saturating_add(1);
                match (sent, response) {
                    (true, false) => {
                        sa.next_request_id = Some(sa.next_request_id.map_or(next, |n| n.max(next)));
                    }
                    (false, false) => {
                        sa.peer_next_request_id =
                            Some(sa.peer_next_request_id.map_or(next, |n| n.max(next)));
                    }
                    _ => {}
                }
            }
            What::State(to) => {
                sa.state = state_words(*to).to_owned();
                match to {
                    SaState::Established if sa.phase == Phase::Opening => sa.phase = Phase::Up,
                    SaState::Closing => sa.phase = Phase::Ended,
                    _ => {}
                }
            }
            What::IkeUp(up) => {
                sa.initiator = Some(up.role == Role::Initiator);
                sa.spi_i = up.spi_i.to_string();
                sa.spi_r = up.spi_r.to_string();
                sa.proposal = Some(up.proposal.clone());
                sa.local = Some(up.local.to_string());
                sa.remote = Some(up.remote.to_string());
                sa.local_id = Some(up.local_id.clone());
                sa.remote_id = Some(up.remote_id.clone());
                sa.udp_encap = up.udp_encap;
                sa.virtual_ips = up.virtual_ips.iter().map(ToString::to_string).collect();
                sa.up_us = Some(fact.t_us);
                if sa.phase == Phase::Opening {
                    sa.phase = Phase::Up;
                }
            }
            What::IkeDown(reason) => {
                sa.ended = Some(ending(reason.clone()));
                sa.phase = Phase::Ended;
                sa.exchange = None;
            }
            What::AddressChanged { local, remote } => {
                sa.local = Some(local.to_string());
                sa.remote = Some(remote.to_string());
            }
            What::ExchangeStarted(text) => sa.exchange = Some(text.clone()),
            What::ExchangeDone => sa.exchange = None,
            _ => {}
        }
    }

    fn finish(self, column: &Column, now_us: u64) -> PeerState {
        let Self {
            mut ike_sas,
            children,
            failed_children,
            decisions,
            ike_timers,
            child_timers,
        } = self;
        let config = column.config.as_ref();
        let mut loose_children = Vec::new();
        for sa in &mut ike_sas {
            if sa.replaced_by.is_some() && sa.phase == Phase::Up {
                sa.phase = Phase::Replaced;
            }
            if sa.phase == Phase::Opening && sa.initiator == Some(false) {
                // Created when IKE_SA_INIT was answered (its record), dropped at the
                // engine's half-open timer unless IKE_AUTH comes.
                let since = sa.created_us;
                sa.expire = ike_timers
                    .iter()
                    .find(|(id, p, _)| *id == sa.id && *p == Due::HalfOpen)
                    .map(|(_, _, at)| Deadline::exact(since, *at, DeadlineSource::Timer));
            }
            if sa.phase == Phase::Up {
                let (sa_id, since) = (sa.id, sa.up_us.unwrap_or(0));
                let timer = |due: Due| {
                    ike_timers
                        .iter()
                        .find(|(id, p, _)| *id == sa_id && *p == due)
                        .map(|(_, _, at)| Deadline::exact(since, *at, DeadlineSource::Timer))
                };
                let configured = config.filter(|c| c.ike_rekey > 0).map(|c| {
                    let latest = since.saturating_add(c.ike_rekey);
                    let earliest = latest.saturating_sub(c.ike_rand).max(since);
                    (earliest, latest, c.ike_over)
                });
                sa.rekey = timer(Due::IkeRekey).or_else(|| {
                    configured.map(|(earliest, latest, _)| Deadline {
                        since_us: since,
                        earliest_us: earliest,
                        latest_us: latest,
                        source: DeadlineSource::Configuration,
                    })
                });
                // The hard limit is `over_time` after the rekey (charon).
                sa.expire = timer(Due::IkeExpire).or_else(|| match (sa.rekey, configured) {
                    (Some(rekey), Some((_, _, over))) => Some(Deadline {
                        since_us: since,
                        earliest_us: rekey.earliest_us.saturating_add(over),
                        latest_us: rekey.latest_us.saturating_add(over),
                        // Exact when the rekey's timer is known, but `over_time`
                        // comes from the configuration.
                        source: DeadlineSource::Configuration,
                    }),
                    _ => None,
                });
            }
        }
        for ChildFold { mut state, window } in children {
            state.replay.right_edge = window.highest();
            state.replay.cells = replay_cells(&window, &state.refused);
            if state.phase() == Phase::Up {
                let (child_id, since) = (state.id, state.up_us);
                let timer = |due: Due| {
                    child_timers
                        .iter()
                        .find(|(id, p, _)| *id == child_id && *p == due)
                        .map(|(_, _, at)| Deadline::exact(since, *at, DeadlineSource::Timer))
                };
                let rekey = timer(Due::ChildRekey(state.id));
                let expire = timer(Due::ChildExpire(state.id));
                state.rekey = rekey.or(state.rekey);
                state.expire = expire.or(state.expire);
            } else {
                state.rekey = None;
                state.expire = None;
            }
            match state
                .ike_sa
                .and_then(|id| ike_sas.iter_mut().find(|s| s.id == id))
            {
                Some(sa) => sa.children.push(state),
                None => loose_children.push(state),
            }
        }
        PeerState {
            name: column.name.clone(),
            now_us,
            ike_sas,
            loose_children,
            failed_children,
            decisions,
        }
    }
}

fn new_ike_sa(id: u64, record: usize, created_us: u64) -> IkeSaState {
    let zero = IkeSpi::ZERO.to_string();
    IkeSaState {
        id,
        initiator: None,
        spi_i: zero.clone(),
        spi_r: zero,
        state: "being set up".to_owned(),
        phase: Phase::Opening,
        proposal: None,
        local: None,
        remote: None,
        local_id: None,
        remote_id: None,
        udp_encap: false,
        virtual_ips: Vec::new(),
        created_us,
        up_us: None,
        rekey: None,
        expire: None,
        next_request_id: None,
        peer_next_request_id: None,
        exchange: None,
        replaces: None,
        replaced_by: None,
        ended: None,
        children: Vec::new(),
        record,
    }
}

/// A new CHILD SA, with its lifetimes from the configuration (charon: a rekey at
/// `rekey_time` minus up to `rand_time`, expiry at `life_time`, RFC 7296 §2.8).
fn new_child(up: &ChildSaUp, fact: &Fact, config: Option<&Lifetimes>) -> ChildFold {
    let child_config = config.and_then(|c| {
        c.children
            .iter()
            .find(|(name, _)| *name == up.name)
            .map(|(_, l)| *l)
    });
    let since = fact.t_us;
    let rekey = child_config.filter(|c| c.rekey > 0).map(|c| {
        let latest = since.saturating_add(c.rekey);
        Deadline {
            since_us: since,
            earliest_us: latest.saturating_sub(c.rand).max(since),
            latest_us: latest,
            source: DeadlineSource::Configuration,
        }
    });
    let expire = child_config.filter(|c| c.life > 0).map(|c| {
        Deadline::exact(
            since,
            since.saturating_add(c.life),
            DeadlineSource::Configuration,
        )
    });
    let (size, size_from) = match child_config {
        Some(c) => (c.replay_window, WindowSize::Configured),
        None => (ChildConfig::default().replay_window, WindowSize::Default),
    };
    let window = ReplayWindow::new(size, up.esn);
    ChildFold {
        state: ChildSaState {
            id: up.child.0,
            name: up.name.clone(),
            ike_sa: fact.ike_sa,
            spi_in: up.spi_in,
            spi_out: up.spi_out,
            proposal: up.proposal.clone(),
            esn: up.esn,
            mode: match up.mode {
                ikelab_engine::config::Mode::Tunnel => "tunnel",
                ikelab_engine::config::Mode::Transport => "transport",
            },
            udp_encap: up.udp_encap,
            local_ts: up.local_ts.iter().map(ToString::to_string).collect(),
            remote_ts: up.remote_ts.iter().map(ToString::to_string).collect(),
            up_us: since,
            rekey,
            expire,
            sealed: Traffic::default(),
            opened: Traffic::default(),
            refused: Vec::new(),
            replay: ReplayView {
                size: window.size(),
                size_from,
                right_edge: 0,
                cells: Vec::new(),
            },
            limits: Vec::new(),
            replaces: None,
            replaced_by: None,
            ended: None,
            record: fact.record,
        },
        window,
    }
}

fn count(traffic: &mut Traffic, length: u64, sequence: u64) {
    traffic.packets += 1;
    traffic.esp_bytes = traffic.esp_bytes.saturating_add(length);
    traffic.highest_sequence = traffic.highest_sequence.max(sequence);
}

/// The last positions of the window, oldest first, asking the engine's window which
/// were received: `check` refuses a number it has seen as a duplicate (RFC 4303
/// §3.4.3).
fn replay_cells(window: &ReplayWindow, refused: &[RefusedPacket]) -> Vec<ReplayCell> {
    let shown = u64::from(window.size().min(REPLAY_CELLS_SHOWN));
    let right = window.highest();
    (0..shown)
        .rev()
        .map(|back| {
            let sequence = right.checked_sub(back).filter(|s| *s > 0);
            let Some(sequence) = sequence else {
                return ReplayCell {
                    sequence: None,
                    received: false,
                    refused: false,
                };
            };
            // The check takes the low 32 bits, as on the wire (§2.2.1).
            let low = (sequence & u64::from(u32::MAX)) as u32;
            let received = matches!(
                window.check(low),
                Err(ikelab_engine::child::ReplayError::Duplicate { .. })
            );
            let refused = refused
                .iter()
                .any(|p| p.kind == EspErrorKind::Replay.name() && p.sequence == low);
            ReplayCell {
                sequence: Some(sequence),
                received,
                refused,
            }
        })
        .collect()
}

/// The engine's state in words.
fn state_words(state: SaState) -> &'static str {
    match state {
        SaState::InitSent => "IKE_SA_INIT sent, waiting for the answer",
        SaState::AuthSent => "IKE_AUTH sent, waiting for the answer",
        SaState::HalfOpen => "half-open: IKE_SA_INIT answered, waiting for IKE_AUTH",
        SaState::Established => "established",
        SaState::Closing => "closed (kept a while to answer retransmissions)",
    }
}

/// A span of time for people: "250 ms", "42 s", "59 min 24 s", "3 h 59 min".
pub(crate) fn format_span(us: u64) -> String {
    let seconds = us / 1_000_000;
    if seconds < 60 {
        return format_time(us);
    }
    let (hours, minutes, seconds) = (seconds / 3_600, seconds / 60 % 60, seconds % 60);
    match (hours, seconds) {
        (0, 0) => format!("{minutes} min"),
        (0, _) => format!("{minutes} min {seconds} s"),
        (_, _) if minutes == 0 => format!("{hours} h"),
        _ => format!("{hours} h {minutes} min"),
    }
}
