//! Decisions: the event list's decision lines (the engine's words), each with its
//! topic, its verdict, and what it refused (every proposal and transform a proposal
//! selection did not take, RFC 7296 §2.7; the traffic selectors proposed, configured
//! and chosen, §2.9).

use ikelab_engine::event::{CookieOutcome, Decision, EventKind, KeOutcome, UniquenessOutcome};
use ikelab_engine::proposal::SelectionReport;

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

/// A decision's topic, verdict and what it did not take.
pub(super) fn decision_item(
    kind: &EventKind,
    record: usize,
    t_us: u64,
    text: String,
) -> DecisionItem {
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
