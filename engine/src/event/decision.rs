//! Decisions, each with what it was based on (STYLE.md §6.8: "why was it rejected?").

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::{
    AddressRequest, AuthFailure, CookiePolicy, IkeSaId, NatDetection, TsNarrowing, TsSide,
};
use crate::config::{Mode, Unique};
use crate::crypto::CryptoError;
use crate::proposal::SelectionReport;
use crate::wire::TrafficSelector;
use crate::wire::iana::{AuthMethod, DhId};

/// One decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Decision {
    /// Which of the responder's configurations answers this peer.
    PeerConfig {
        /// Position in the engine's responder configurations.
        index: usize,
        /// The configured remote identity (`remote.id`).
        remote_id: String,
        reason: PeerConfigReason,
    },
    /// IKE proposal selection (responder) or check of the responder's choice
    /// (initiator), with every rejection explained.
    IkeProposal(SelectionReport),
    /// ESP proposal selection or check for a CHILD SA.
    ChildProposal {
        child: String,
        report: SelectionReport,
    },
    /// The key exchange group (RFC 7296 §1.2, §1.3: INVALID_KE_PAYLOAD).
    KeyExchange(KeDecision),
    /// The anti-DoS cookie (RFC 7296 §2.6).
    Cookie(CookieDecision),
    /// NAT detection (RFC 7296 §2.23) and what follows from it.
    Nat(NatDecision),
    /// The peer's identity against the configuration.
    Identity(IdentityDecision),
    /// The peer's AUTH payload (RFC 7296 §2.15).
    Authentication {
        method: AuthMethod,
        verified: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failure: Option<AuthFailure>,
    },
    /// Traffic selector narrowing (RFC 7296 §2.9).
    TrafficSelectors(TsDecision),
    /// Virtual IP assignment (RFC 7296 §2.19).
    VirtualIp(VipDecision),
    /// Older IKE SAs between the identities a new one authenticated, under the
    /// uniqueness policy (swanctl.conf(5) `unique`) and INITIAL_CONTACT (RFC 7296
    /// §2.4). Reported by a responder when there are any.
    Uniqueness(UniquenessDecision),
    /// Tunnel or transport mode (RFC 7296 §1.3.1).
    Mode {
        child: String,
        transport_requested: bool,
        configured: Mode,
        chosen: Mode,
    },
}

/// The key exchange group decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeDecision {
    /// The group of the KE payload the initiator sent.
    pub ke_group: DhId,
    /// The group of the chosen proposal.
    pub proposal_group: DhId,
    pub outcome: KeOutcome,
}

/// What came of the key exchange group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum KeOutcome {
    /// The KE payload's group is the chosen one.
    Accepted,
    /// The chosen proposal also contains the KE payload's group, so that one is used
    /// instead of its first group (no extra round trip).
    UsedKeGroup,
    /// Responder: INVALID_KE_PAYLOAD naming `proposal_group` (RFC 7296 §1.2).
    RequestedOtherGroup,
    /// Initiator: retrying IKE_SA_INIT with the group the responder named.
    Retrying,
    /// Initiator: cannot retry (group not offered, or already retried once).
    RetryRefused { reason: KeRetryRefusal },
}

/// Why the initiator does not retry with the group the responder asked for
/// (RFC 7296 §1.2: INVALID_KE_PAYLOAD).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum KeRetryRefusal {
    /// One retry with a named group is all we make.
    AlreadyRetried,
    /// The group is not in our proposals.
    NotProposed,
    /// The group is the one our KE payload already had.
    AlreadySent,
    /// The crypto provider does not implement the group.
    NotImplemented,
    /// The crypto provider failed to start the key exchange.
    ProviderFailed { error: CryptoError },
}

impl KeRetryRefusal {
    /// The sentence, for a request of `group`.
    pub fn describe(&self, group: DhId) -> String {
        match self {
            Self::AlreadyRetried => {
                "already retried once with the group the responder named".to_owned()
            }
            Self::NotProposed => format!("{group} is not in our proposals"),
            Self::AlreadySent => format!("{group} is the group we already sent"),
            Self::NotImplemented => format!("{group} is not implemented by the crypto provider"),
            Self::ProviderFailed { error } => format!("the crypto provider failed: {error}"),
        }
    }
}

/// Why a responder switched to another of its configurations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PeerConfigReason {
    /// The configuration chosen by the addresses does not accept the initiator's
    /// identity (IDi, and IDr if sent, RFC 7296 §2.15); this one does.
    AcceptsIdentity { identity: String },
}

impl PeerConfigReason {
    pub fn describe(&self) -> String {
        match self {
            Self::AcceptsIdentity { identity } => {
                format!("switching to the configuration that accepts '{identity}'")
            }
        }
    }
}

/// What a responder made of the older IKE SAs between the identities a new one
/// authenticated (RFC 7296 §2.4; swanctl.conf(5) `unique`, as charon's
/// `check_uniqueness` decides).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UniquenessDecision {
    /// The `unique` of the configuration the new IKE SA authenticated with.
    pub unique: Unique,
    /// The new IKE SA's IKE_AUTH request carried INITIAL_CONTACT.
    pub initial_contact: bool,
    /// The peer's authenticated identity.
    pub remote_id: String,
    /// The older established IKE SAs between the same identities.
    pub existing: Vec<IkeSaId>,
    pub outcome: UniquenessOutcome,
}

/// What becomes of the older IKE SAs, or of the new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum UniquenessOutcome {
    /// They stay up with the new one: `unique = never` (INITIAL_CONTACT or not), or
    /// `no` without INITIAL_CONTACT.
    Kept,
    /// `unique = keep`, but each is from the new SA's address and port: taken for a
    /// reauthentication (make-before-break), they stay up with the new one.
    Reauthentication,
    /// INITIAL_CONTACT: they are dropped without a Delete (RFC 7296 §2.4).
    Replaced,
    /// `unique = replace`: each is deleted with an INFORMATIONAL Delete.
    Deleted,
    /// `unique = keep`: the new IKE SA is refused with AUTHENTICATION_FAILED.
    Refused,
}

impl UniquenessDecision {
    pub fn describe(&self) -> String {
        let existing: Vec<String> = self.existing.iter().map(ToString::to_string).collect();
        let existing = existing.join(", ");
        let peer = &self.remote_id;
        let unique = self.unique.keyword();
        match self.outcome {
            UniquenessOutcome::Kept if self.initial_contact => format!(
                "unique = {unique}: ignoring INITIAL_CONTACT, keeping {existing} of peer '{peer}'"
            ),
            UniquenessOutcome::Kept => format!(
                "unique = {unique} and no INITIAL_CONTACT: keeping {existing} of peer '{peer}'"
            ),
            UniquenessOutcome::Reauthentication => format!(
                "unique = keep, but {existing} of peer '{peer}' is from the same address: a \
                 suspected reauthentication, keeping it"
            ),
            UniquenessOutcome::Replaced => format!(
                "received INITIAL_CONTACT: destroying duplicate {existing} of peer '{peer}' \
                 (RFC 7296 §2.4)"
            ),
            UniquenessOutcome::Deleted => format!(
                "unique = replace: deleting duplicate {existing} of peer '{peer}' due to \
                 uniqueness policy"
            ),
            UniquenessOutcome::Refused => format!(
                "unique = keep: {existing} of peer '{peer}' is up, canceling IKE_SA setup due \
                 to uniqueness policy"
            ),
        }
    }
}

/// The cookie decision of a responder, or the initiator's reaction to one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CookieDecision {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<CookiePolicy>,
    pub outcome: CookieOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CookieOutcome {
    /// Below the thresholds: no cookie needed.
    NotRequired,
    /// Responder: answered with a COOKIE notify, no state kept.
    Demanded,
    /// Responder: the request's cookie is valid.
    Verified,
    /// Responder: the request's cookie is not ours; treated as no cookie (§2.6).
    Invalid,
    /// Initiator: repeating IKE_SA_INIT with the cookie first.
    Retrying,
    /// Initiator: too many cookie rounds, giving up.
    TooManyRounds,
}

/// NAT detection and its consequences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NatDecision {
    pub detection: NatDetection,
    /// We faked our source hash (`encap = yes`).
    pub encap_forced: bool,
    /// IKE moves to the NAT-T port and ESP is UDP-encapsulated.
    pub udp_encap: bool,
    /// We send NAT keep-alives (we are behind a NAT).
    pub keepalives: bool,
}

/// The peer's identity check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityDecision {
    /// "IDi" or "IDr".
    pub payload: String,
    /// The identity the peer sent, as text.
    pub received: String,
    /// What the configuration requires (`remote.id`, or `local.id` for a received IDr).
    pub configured: String,
    pub accepted: bool,
}

/// Traffic selector narrowing of one CHILD SA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TsDecision {
    pub child: String,
    /// The initiator's side (TSi).
    pub initiator: TsNarrowing,
    /// The responder's side (TSr).
    pub responder: TsNarrowing,
    pub accepted: bool,
    pub verdict: TsVerdict,
}

/// What came of traffic selector narrowing (RFC 7296 §2.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TsVerdict {
    /// Responder: narrowed to the results.
    Narrowed,
    /// Responder: a side has no overlap with the configuration.
    NoOverlap { side: TsSide },
    /// Initiator: the responder's selectors lie within ours.
    WithinProposal,
    /// Initiator: the responder returned selectors wider than we proposed.
    WiderThanProposal,
}

/// Virtual IP assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VipDecision {
    pub requested: Vec<AddressRequest>,
    pub assigned: Vec<IpAddr>,
    pub pools: Vec<String>,
    /// `None` on success; else why no address was assigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<VipProblem>,
}

/// Why a responder assigned no virtual IP (RFC 7296 §2.19, §3.15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum VipProblem {
    /// No pools are configured: the configuration request is not answered.
    NoPools,
    /// The configuration has pools but the initiator asked for no address: answered
    /// with FAILED_CP_REQUIRED (RFC 7296 §3.10.1).
    RequestMissing,
    /// No address is left in the pools (or none of the requested family): answered
    /// with INTERNAL_ADDRESS_FAILURE (RFC 7296 §3.15.4).
    PoolsExhausted,
}

impl VipProblem {
    pub fn describe(self) -> &'static str {
        match self {
            Self::NoPools => "no pools configured: the configuration request is not answered",
            Self::RequestMissing => {
                "expected a virtual IP request, sending FAILED_CP_REQUIRED (RFC 7296 §3.10.1)"
            }
            Self::PoolsExhausted => {
                "no virtual IP left in the pools (or none of the requested family), sending \
                 INTERNAL_ADDRESS_FAILURE (RFC 7296 §3.15.4)"
            }
        }
    }
}

impl Decision {
    pub fn describe(&self) -> String {
        match self {
            Self::PeerConfig {
                index,
                remote_id,
                reason,
            } => format!(
                "selected peer config #{index} (remote id {remote_id}): {}",
                reason.describe()
            ),
            Self::IkeProposal(report) => describe_report("IKE", report),
            Self::ChildProposal { child, report } => {
                describe_report(&format!("CHILD_SA {child}"), report)
            }
            Self::KeyExchange(k) => match &k.outcome {
                KeOutcome::Accepted => format!("key exchange with {}", k.ke_group),
                KeOutcome::UsedKeGroup => format!(
                    "using the KE payload's group {} (also in the chosen proposal)",
                    k.ke_group
                ),
                KeOutcome::RequestedOtherGroup => format!(
                    "DH group {} unacceptable, requesting {}",
                    k.ke_group, k.proposal_group
                ),
                KeOutcome::Retrying => format!(
                    "peer didn't accept DH group {}, it requested {}",
                    k.ke_group, k.proposal_group
                ),
                KeOutcome::RetryRefused { reason } => format!(
                    "cannot retry with {}: {}",
                    k.proposal_group,
                    reason.describe(k.proposal_group)
                ),
            },
            Self::Cookie(c) => {
                let counts = c.policy.as_ref().map_or_else(String::new, |p| {
                    format!(" ({} half-open, threshold {})", p.half_open, p.threshold)
                });
                format!("cookie: {:?}{counts}", c.outcome)
            }
            Self::Nat(n) => {
                let d = &n.detection;
                let mut parts = Vec::new();
                if !d.peer_supports_nat_t {
                    parts.push("peer sent no NAT detection".to_owned());
                }
                if d.local_behind_nat {
                    parts.push("local host is behind NAT".to_owned());
                }
                if d.remote_behind_nat {
                    parts.push("remote host is behind NAT".to_owned());
                }
                if n.encap_forced {
                    parts.push("faking NAT situation to enforce UDP encapsulation".to_owned());
                }
                if parts.is_empty() {
                    parts.push("no NAT detected".to_owned());
                }
                if n.udp_encap {
                    parts.push("switching to UDP encapsulation".to_owned());
                }
                parts.join(", ")
            }
            Self::Identity(i) => format!(
                "{} '{}' {} configured '{}'",
                i.payload,
                i.received,
                if i.accepted {
                    "matches"
                } else {
                    "does not match"
                },
                i.configured
            ),
            Self::Authentication {
                method,
                verified,
                failure,
            } => match (verified, failure) {
                (true, _) => format!("authentication of peer with {method} successful"),
                (false, Some(f)) => format!("authentication of peer with {method} failed: {f}"),
                (false, None) => format!("authentication of peer with {method} failed"),
            },
            Self::TrafficSelectors(t) => {
                format!("CHILD_SA {} traffic selectors: {}", t.child, t.describe())
            }
            Self::VirtualIp(v) => {
                if let Some(problem) = v.problem {
                    problem.describe().to_owned()
                } else {
                    let addrs: Vec<String> = v.assigned.iter().map(ToString::to_string).collect();
                    // The responder lists its pools; the initiator has none.
                    let verb = if v.pools.is_empty() {
                        "installing"
                    } else {
                        "assigning"
                    };
                    format!("{verb} virtual IP {}", addrs.join(", "))
                }
            }
            Self::Uniqueness(u) => u.describe(),
            Self::Mode { child, chosen, .. } => format!("CHILD_SA {child} uses {chosen:?} mode"),
        }
    }
}

impl TsDecision {
    /// The verdict as a sentence, with the narrowed selectors.
    pub fn describe(&self) -> String {
        match self.verdict {
            TsVerdict::Narrowed => format!(
                "narrowed to {} === {}",
                ts_list(&self.initiator.result),
                ts_list(&self.responder.result)
            ),
            TsVerdict::NoOverlap { side } => side.describe().to_owned(),
            TsVerdict::WithinProposal => "the responder's selectors lie within ours".to_owned(),
            TsVerdict::WiderThanProposal => {
                "the responder returned selectors wider than we proposed (RFC 7296 §2.9)".to_owned()
            }
        }
    }
}

fn ts_list(list: &[TrafficSelector]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn describe_report(what: &str, report: &SelectionReport) -> String {
    match &report.chosen {
        Some(chosen) => format!("selected {what} proposal: {}", chosen.text),
        None => {
            let reasons: Vec<&str> = report
                .rejections
                .iter()
                .map(|r| r.message.as_str())
                .collect();
            format!("no acceptable {what} proposal: {}", reasons.join("; "))
        }
    }
}
