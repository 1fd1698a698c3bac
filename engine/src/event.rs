//! What the engine reports: every message sent and received, every decision with its reason, every state change, every SA that comes
//! up or goes down.
//!
//! An [`Event`] is one record of the trace format (`{schema, source, seed, peers,
//! records: [{t_us, peer, event}]}`, see DESIGN.md): the browser's timeline, the CLI's
//! transcript and the tests read these and nothing else, so an event carries the facts
//! a reader needs (bytes, the dissection with decrypted contents, the reasons) and
//! nobody re-derives protocol facts from bytes. Everything is serde, tagged with
//! `"type"` (and `"decision"` / `"kind"` inside), in snake_case.
//!
//! [`Event::describe`] gives one line in the style of charon's log, e.g.
//! `sending IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) N(HASH_ALG) ]`.
//!
//! The engine's event stream never carries a key: secrets leave only through the
//! [`KeyLog`](crate::keylog::KeyLog) a driver installs. The three key kinds
//! ([`EventKind::KeysDerived`], [`EventKind::IkeSaKeys`], [`EventKind::ChildSaKeys`])
//! are such a key log's records as a lab's trace shows them among the peer's events
//! (`KeyLogRecord::into_event`, which the simulator uses): whoever serialises those
//! publishes secrets, on purpose (a lab, Wireshark).

mod decision;
mod esp;
mod flight;
mod ids;
mod lifecycle;
mod message;
mod problem;
mod reason;
mod state;
mod timer;
mod verdict;

use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};

pub use decision::{
    CookieDecision, CookieOutcome, Decision, IdentityDecision, KeDecision, KeOutcome,
    KeRetryRefusal, NatDecision, PeerConfigReason, TsDecision, TsVerdict, UniquenessDecision,
    UniquenessOutcome, VipDecision, VipProblem,
};
pub use esp::{EspDropEvent, EspDropReason, EspErrorKind, EspPacketEvent};
pub use flight::{FlightCounter, FlightId};
pub use ids::{ChildSaId, IkeSaId};
pub use lifecycle::{Action, Cause, CollisionKind, CollisionReport, LifetimeLimit, Outcome};
pub use message::{Direction, DropEvent, DropReason, MessageEvent};
pub use problem::{BuildError, Problem, TsSide};
pub use reason::{ChildDownReason, ChildFailure, DownReason};
pub use state::SaState;
pub use timer::{Timer, TimerPurpose};
pub use verdict::{AddressRequest, AuthFailure, CookiePolicy, NatDetection, TsNarrowing};

use crate::config::Mode;
use crate::config::Role;
use crate::crypto::keys::{ChildKeys, IkeKeys, KeyDerivationStep};
use crate::wire::iana::{DhId, EncrId, ExchangeType, IntegId, PrfId};
use crate::wire::{IkeSpi, TrafficSelector};

/// One thing that happened, when, and to which IKE SA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Microseconds since the driver's epoch (the `now` of the call that caused it).
    pub time_us: u64,
    /// The IKE SA concerned, if any (a stateless answer or a dropped datagram has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ike_sa: Option<IkeSaId>,
    /// The datagram it concerns: for a sent message or keep-alive, the flight of
    /// that datagram; for anything caused by a received datagram (its
    /// `MessageReceived` or drop, and what handling it changed), the flight the
    /// driver gave that datagram. `None` for what time or a command caused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flight: Option<FlightId>,
    pub kind: EventKind,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// A new IKE SA: we initiated it, or answered an acceptable IKE_SA_INIT.
    IkeSaCreated {
        role: Role,
        local: SocketAddr,
        remote: SocketAddr,
    },
    /// An IKE message left (first transmission or retransmission).
    MessageSent(MessageEvent),
    /// An IKE message arrived and was accepted for processing (for a protected
    /// message: after its ICV verified).
    MessageReceived(MessageEvent),
    /// A datagram was not processed, and why.
    MessageDropped(DropEvent),
    /// A NAT keep-alive (RFC 3948 §2.3) was sent or received.
    NatKeepalive {
        direction: Direction,
        src: SocketAddr,
        dst: SocketAddr,
    },
    /// A timer was armed (with its deadline and what it is for) or cancelled
    /// (`None`).
    Timer {
        timer: Timer,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        purpose: Option<TimerPurpose>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deadline_us: Option<u64>,
    },
    /// The IKE SA moved to another state.
    StateChanged { from: SaState, to: SaState },
    /// A decision, with what it was based on.
    Decision(Decision),
    /// Key schedule steps with their inputs and outputs: a key log record, never in
    /// an engine's event stream (see the module documentation).
    KeysDerived { steps: Vec<KeyDerivationStep> },
    /// The IKE SA's keys, for Wireshark's `ikev2_decryption_table`: a key log
    /// record, never in an engine's event stream.
    IkeSaKeys(Box<IkeSaKeys>),
    /// The IKE SA is established (IKE_AUTH done).
    IkeSaUp(Box<IkeSaUp>),
    /// The IKE SA is gone (or never came up).
    IkeSaDown { reason: DownReason },
    /// A CHILD SA is installed; its keys are available from `Engine::child_sa`.
    ChildSaUp(Box<ChildSaUp>),
    /// A CHILD SA's ESP keys, for Wireshark's `esp_sa`: a key log record, never in
    /// an engine's event stream.
    ChildSaKeys(Box<ChildSaKeys>),
    /// A CHILD SA could not be created; the IKE SA stays up (RFC 7296 §1.2).
    ChildSaFailed { name: String, reason: ChildFailure },
    /// A CHILD SA was removed.
    ChildSaDown {
        child: ChildSaId,
        reason: ChildDownReason,
    },
    /// An established IKE SA starts an exchange of its own (RFC 7296 §1.3, §1.4).
    ExchangeStarted {
        action: Action,
        cause: Cause,
        exchange: ExchangeType,
        message_id: u32,
    },
    /// The exchange of an `ExchangeStarted` (or a queued command) ended.
    ExchangeDone {
        action: Action,
        cause: Cause,
        outcome: Outcome,
    },
    /// A new CHILD SA replaced an old one (RFC 7296 §2.8); the old one is deleted by
    /// the rekey's initiator.
    ChildSaRekeyed {
        old: ChildSaId,
        new: ChildSaId,
        cause: Cause,
    },
    /// A new IKE SA replaced this one (RFC 7296 §2.18); its CHILD SAs moved there.
    IkeSaRekeyed {
        new_sa: IkeSaId,
        spi_i: IkeSpi,
        spi_r: IkeSpi,
        proposal: String,
        /// Whether we initiated the rekey (we are the new SA's original initiator).
        initiator: bool,
        cause: Cause,
    },
    /// CHILD SAs were moved to this IKE SA from the one it replaced.
    ChildSasInherited {
        from: IkeSaId,
        children: Vec<ChildSaId>,
    },
    /// Two rekeys of the same SA crossed; the lowest nonce decided.
    RekeyCollision(CollisionReport),
    /// The peer's address or port changed on an authenticated message (RFC 7296
    /// §2.23: a NAT mapping changed); the IKE SA and its CHILD SAs follow it.
    PeerAddressChanged {
        old_remote: SocketAddr,
        new_remote: SocketAddr,
        old_local: SocketAddr,
        new_local: SocketAddr,
    },
    /// A request of an established IKE SA went unanswered through the whole
    /// retransmission budget: the peer is considered dead (RFC 7296 §2.4).
    PeerDead {
        exchange: ExchangeType,
        transmissions: u32,
    },
    /// The ESP data plane crossed a CHILD SA's soft (rekey) or hard (expire) limit
    /// of bytes or packets, or its sequence numbers near (soft) or reached (hard)
    /// their end (RFC 4303 §3.3.3). Reported once per crossing.
    ChildSaVolumeLimit {
        child: ChildSaId,
        limit: crate::child::LimitLevel,
        reason: crate::child::LimitReason,
    },
    /// The data plane sealed an inner packet into ESP (RFC 4303 §3.3); only with
    /// `EngineConfig::esp_events`.
    EspSealed(Box<EspPacketEvent>),
    /// The data plane opened an ESP packet: replay window, ICV, decryption and the
    /// traffic selectors passed (RFC 4303 §3.4); only with `esp_events`.
    EspOpened(Box<EspPacketEvent>),
    /// The data plane refused a received ESP packet (RFC 4303 §3.4); only with
    /// `esp_events`.
    EspDropped(Box<EspDropEvent>),
}

/// The negotiated algorithms and identities of an established IKE SA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IkeSaUp {
    /// Whether we initiated it.
    pub role: Role,
    pub spi_i: IkeSpi,
    pub spi_r: IkeSpi,
    pub local: SocketAddr,
    pub remote: SocketAddr,
    /// The chosen proposal in strongSwan syntax ("aes256gcm16-prfsha256-x25519").
    pub proposal: String,
    pub encr: EncrId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encr_key_bits: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integ: Option<IntegId>,
    pub prf: PrfId,
    pub dh: DhId,
    pub local_id: String,
    pub remote_id: String,
    /// IKE and ESP go over UDP 4500 (NAT detected or forced).
    pub udp_encap: bool,
    /// Virtual IPs the peer assigned to us (initiator) or we to the peer (responder).
    pub virtual_ips: Vec<IpAddr>,
    /// DNS servers the peer handed us (initiator) or we handed the peer (responder)
    /// in the configuration reply (RFC 7296 §3.15.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns: Vec<IpAddr>,
}

/// An IKE SA's keys (a key log record, `crate::keylog`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IkeSaKeys {
    pub spi_i: IkeSpi,
    pub spi_r: IkeSpi,
    pub encr: EncrId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encr_key_bits: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integ: Option<IntegId>,
    pub keys: IkeKeys,
}

/// A CHILD SA as installed (without keys).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildSaUp {
    pub child: ChildSaId,
    /// The child configuration's name (`[children.NAME]`).
    pub name: String,
    /// The SPI the peer puts on ESP packets it sends us.
    pub spi_in: u32,
    /// The SPI we put on ESP packets we send.
    pub spi_out: u32,
    /// The chosen ESP proposal in strongSwan syntax ("aes256gcm16", "aes128-sha256").
    pub proposal: String,
    pub encr: EncrId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encr_key_bits: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integ: Option<IntegId>,
    pub esn: bool,
    pub mode: Mode,
    pub udp_encap: bool,
    pub local_ts: Vec<TrafficSelector>,
    pub remote_ts: Vec<TrafficSelector>,
}

/// A CHILD SA's keys (a key log record, `crate::keylog`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildSaKeys {
    pub child: ChildSaId,
    /// Whether we initiated the exchange that created it: the `_i` keys are then the
    /// ones we send with (RFC 7296 §2.17).
    pub initiator: bool,
    /// Our outer address when it was installed (the address family of `esp_sa`).
    pub local: IpAddr,
    /// The peer's outer address when it was installed.
    pub remote: IpAddr,
    pub spi_in: u32,
    pub spi_out: u32,
    pub encr: EncrId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encr_key_bits: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integ: Option<IntegId>,
    /// Initiator-to-responder and responder-to-initiator keys (RFC 7296 §2.17).
    pub keys: ChildKeys,
}

impl EventKind {
    /// Whether this is a record of the ESP data plane (sealed, opened, dropped).
    pub fn is_esp(&self) -> bool {
        matches!(
            self,
            Self::EspSealed(_) | Self::EspOpened(_) | Self::EspDropped(_)
        )
    }
}

impl Event {
    /// One line for a transcript, in the style of charon's log.
    pub fn describe(&self) -> String {
        match &self.kind {
            EventKind::IkeSaCreated {
                role,
                local,
                remote,
            } => match role {
                Role::Initiator => format!("initiating IKE_SA from {local} to {remote}"),
                Role::Responder => format!("{remote} is initiating an IKE_SA with {local}"),
            },
            EventKind::MessageSent(m) => m.log_line(Direction::Sent),
            EventKind::MessageReceived(m) => m.log_line(Direction::Received),
            EventKind::MessageDropped(d) => d.describe(),
            EventKind::NatKeepalive {
                direction,
                src,
                dst,
            } => match direction {
                Direction::Sent => format!("sending keep-alive to {dst} from {src}"),
                Direction::Received => format!("received keep-alive from {src}"),
            },
            EventKind::Timer {
                timer,
                purpose,
                deadline_us,
            } => match (deadline_us, purpose) {
                (Some(at), Some(purpose)) => {
                    format!("at t={}: {}", format_us(*at), purpose.describe())
                }
                (Some(at), None) => format!("timer {timer:?} armed for t={}", format_us(*at)),
                (None, _) => format!("timer {timer:?} cancelled"),
            },
            EventKind::StateChanged { from, to } => {
                format!("IKE_SA state change: {from:?} => {to:?}")
            }
            EventKind::Decision(d) => d.describe(),
            EventKind::KeysDerived { steps } => {
                let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
                format!("derived keys: {}", names.join(", "))
            }
            EventKind::IkeSaKeys(k) => format!("IKE SA keys {}_i {}_r logged", k.spi_i, k.spi_r),
            EventKind::IkeSaUp(up) => format!(
                "IKE_SA established between {}[{}]...{}[{}], SPIs {}_i {}_r, {}{}",
                up.local,
                up.local_id,
                up.remote,
                up.remote_id,
                up.spi_i,
                up.spi_r,
                up.proposal,
                if up.udp_encap {
                    ", UDP-encapsulated"
                } else {
                    ""
                }
            ),
            EventKind::IkeSaDown { reason } => format!("IKE_SA down: {}", reason.describe()),
            EventKind::ChildSaUp(c) => format!(
                "CHILD_SA {}{{{}}} established with SPIs {:08x}_i {:08x}_o and TS {} === {}, {}",
                c.name,
                c.child.0,
                c.spi_in,
                c.spi_out,
                selectors(&c.local_ts),
                selectors(&c.remote_ts),
                c.proposal
            ),
            EventKind::ChildSaKeys(k) => {
                format!(
                    "CHILD SA keys {:08x}_i {:08x}_o logged",
                    k.spi_in, k.spi_out
                )
            }
            EventKind::ChildSaFailed { name, reason } => {
                format!("failed to establish CHILD_SA {name}: {}", reason.describe())
            }
            EventKind::ChildSaDown { child, reason } => {
                format!("{child} closed: {}", reason.describe())
            }
            EventKind::ExchangeStarted {
                action,
                cause,
                exchange,
                message_id,
            } => format!(
                "{} ({}): {} request {message_id}",
                action.describe(),
                cause.describe(),
                crate::wire::summary::exchange_name(*exchange)
            ),
            EventKind::ExchangeDone {
                action,
                cause,
                outcome,
            } => format!(
                "{} ({}): {}",
                action.describe(),
                cause.describe(),
                outcome.describe()
            ),
            EventKind::ChildSaRekeyed { old, new, cause } => {
                format!("{old} rekeyed to {new} ({})", cause.describe())
            }
            EventKind::IkeSaRekeyed {
                new_sa,
                spi_i,
                spi_r,
                proposal,
                cause,
                ..
            } => format!(
                "IKE_SA rekeyed to {new_sa}, SPIs {spi_i}_i {spi_r}_r, {proposal} ({})",
                cause.describe()
            ),
            EventKind::ChildSasInherited { from, children } => {
                let list: Vec<String> = children.iter().map(ToString::to_string).collect();
                format!("inherited {} from {from}", list.join(", "))
            }
            EventKind::RekeyCollision(c) => format!(
                "{} rekey collision, nonces Ni {} Nr {} in our exchange, Ni {} Nr {} in the peer's: {}",
                match c.kind {
                    CollisionKind::Child => "CHILD_SA",
                    CollisionKind::Ike => "IKE_SA",
                },
                nonce_prefix(&c.our_nonces[0]),
                nonce_prefix(&c.our_nonces[1]),
                nonce_prefix(&c.peer_nonces[0]),
                nonce_prefix(&c.peer_nonces[1]),
                c.outcome()
            ),
            EventKind::PeerAddressChanged {
                old_remote,
                new_remote,
                ..
            } => format!("peer moved from {old_remote} to {new_remote}, following it"),
            EventKind::PeerDead {
                exchange,
                transmissions,
            } => format!(
                "peer not responding after {transmissions} transmissions of {}, declaring it dead",
                crate::wire::summary::exchange_name(*exchange)
            ),
            EventKind::ChildSaVolumeLimit {
                child,
                limit,
                reason,
            } => format!("{child} reached its {limit:?} limit of {reason:?}"),
            EventKind::EspSealed(e) => e.log_line("sending"),
            EventKind::EspOpened(e) => e.log_line("opened"),
            EventKind::EspDropped(e) => e.log_line(),
        }
    }
}

fn selectors(list: &[TrafficSelector]) -> String {
    let parts: Vec<String> = list.iter().map(ToString::to_string).collect();
    parts.join(" ")
}

/// The first 8 hex digits of a nonce, enough to see which is lowest.
fn nonce_prefix(hex: &str) -> String {
    match hex.get(..8) {
        Some(head) if hex.len() > 8 => format!("{head}..."),
        _ => hex.to_owned(),
    }
}

/// "12.345678s".
fn format_us(us: u64) -> String {
    format!("{}.{:06}s", us / 1_000_000, us % 1_000_000)
}
