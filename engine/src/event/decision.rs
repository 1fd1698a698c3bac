//! Decisions, each with what it was based on (STYLE.md §6.8: "why was it rejected?").

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::{AddressRequest, AuthFailure, CookiePolicy, NatDetection, TsNarrowing};
use crate::config::Mode;
use crate::proposal::SelectionReport;
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
        reason: String,
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
    RetryRefused { reason: String },
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
    pub reason: String,
}

/// Virtual IP assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VipDecision {
    pub requested: Vec<AddressRequest>,
    pub assigned: Vec<IpAddr>,
    pub pools: Vec<String>,
    /// Empty on success; else the notify sent (FAILED_CP_REQUIRED,
    /// INTERNAL_ADDRESS_FAILURE) and why.
    pub outcome: String,
}

impl Decision {
    pub fn describe(&self) -> String {
        match self {
            Self::PeerConfig {
                index,
                remote_id,
                reason,
            } => {
                format!("selected peer config #{index} (remote id {remote_id}): {reason}")
            }
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
                KeOutcome::RetryRefused { reason } => {
                    format!("cannot retry with {}: {reason}", k.proposal_group)
                }
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
                format!("CHILD_SA {} traffic selectors: {}", t.child, t.reason)
            }
            Self::VirtualIp(v) => {
                if v.outcome.is_empty() {
                    let addrs: Vec<String> = v.assigned.iter().map(ToString::to_string).collect();
                    // The responder lists its pools; the initiator has none.
                    let verb = if v.pools.is_empty() {
                        "installing"
                    } else {
                        "assigning"
                    };
                    format!("{verb} virtual IP {}", addrs.join(", "))
                } else {
                    v.outcome.clone()
                }
            }
            Self::Mode { child, chosen, .. } => format!("CHILD_SA {child} uses {chosen:?} mode"),
        }
    }
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
