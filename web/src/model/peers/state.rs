//! What the peers panel shows of one peer at one step: its IKE SAs (RFC 7296 §1.2,
//! §2.18) with their CHILD SAs (§1.3, §2.8), the CHILD SAs that could not be
//! created, and its decisions so far. The fold ([`super::fold`]) builds them.

use super::decisions::DecisionItem;
use super::lifetimes::Deadline;
use super::replay::ReplayView;

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

/// A CHILD SA that was not created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FailedChild {
    pub(crate) name: String,
    pub(crate) ike_sa: Option<u64>,
    pub(crate) reason: String,
    pub(crate) record: usize,
    pub(crate) t_us: u64,
}
