//! The life of an established IKE SA (RFC 7296 §1.3, §1.4, §2.4, §2.8, §2.23): what
//! the engine set out to do, why, and how it ended.

use serde::{Deserialize, Serialize};

use super::{ChildSaId, IkeSaId, Problem};
use crate::wire::iana::NotifyType;

/// Why an exchange was started or an SA ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Cause {
    /// A command of the driver (`Engine::rekey_child`, `delete_ike`, ...).
    Command,
    /// A lifetime ran out: `limit` says which, `hard` whether it was the hard limit.
    Lifetime { limit: LifetimeLimit, hard: bool },
    /// The peer asked for it (its request was answered).
    PeerRequest,
    /// A simultaneous rekey left a redundant SA (RFC 7296 §2.8.1, §2.8.2).
    Collision,
    /// The SA was replaced by a rekey; the old one goes (RFC 7296 §2.8).
    Rekeyed,
    /// Nothing was heard from the peer for `dpd_delay` (RFC 7296 §2.4).
    Liveness,
    /// An earlier attempt failed and is tried again (see `Outcome::RetryAt`): it was
    /// answered with TEMPORARY_FAILURE (RFC 7296 §2.25), or it was a rekey that
    /// failed, which charon tries again while the old SA lives (§2.8).
    Retry,
    /// `unique = replace` (swanctl.conf(5)): `new_sa`, between the same
    /// authenticated identities, is established, so this older one is deleted.
    Uniqueness { new_sa: IkeSaId },
}

impl Cause {
    pub fn describe(&self) -> String {
        match self {
            Self::Command => "command".to_owned(),
            Self::Lifetime { limit, hard } => {
                format!("{} lifetime ({limit})", if *hard { "hard" } else { "soft" })
            }
            Self::PeerRequest => "peer request".to_owned(),
            Self::Collision => "rekey collision".to_owned(),
            Self::Rekeyed => "replaced by a rekey".to_owned(),
            Self::Liveness => "liveness check (dpd_delay)".to_owned(),
            Self::Retry => "retry after a failed attempt".to_owned(),
            Self::Uniqueness { new_sa } => {
                format!("unique = replace: {new_sa} is established between the same identities")
            }
        }
    }
}

/// Which lifetime ran out: a time of the configuration (swanctl's `rekey_time`,
/// `life_time`, `over_time`) or a volume of the data plane (RFC 4301 §4.4.2.1;
/// RFC 4303 §3.3.3 for the sequence numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LifetimeLimit {
    RekeyTime,
    LifeTime,
    OverTime,
    Bytes,
    Packets,
    SequenceNumbers,
}

impl LifetimeLimit {
    /// The configuration key, or what the volume counts.
    pub fn name(self) -> &'static str {
        match self {
            Self::RekeyTime => "rekey_time",
            Self::LifeTime => "life_time",
            Self::OverTime => "over_time",
            Self::Bytes => "bytes",
            Self::Packets => "packets",
            Self::SequenceNumbers => "sequence numbers",
        }
    }
}

impl core::fmt::Display for LifetimeLimit {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// An exchange an established IKE SA initiates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// CREATE_CHILD_SA for a new CHILD SA of the named configuration (§1.3.1).
    CreateChild { name: String },
    /// CREATE_CHILD_SA with N(REKEY_SA) (§1.3.3, §2.8).
    RekeyChild { child: ChildSaId },
    /// CREATE_CHILD_SA with a new IKE SA proposal (§1.3.2, §2.18).
    RekeyIke,
    /// INFORMATIONAL with a Delete of the CHILD SA (§1.4.1).
    DeleteChild { child: ChildSaId },
    /// INFORMATIONAL with a Delete of the IKE SA (§1.4.1).
    DeleteIke,
    /// An empty INFORMATIONAL, a liveness check (§1.4, §2.4).
    Liveness,
}

impl Action {
    pub fn describe(&self) -> String {
        match self {
            Self::CreateChild { name } => format!("creating CHILD_SA {name}"),
            Self::RekeyChild { child } => format!("rekeying {child}"),
            Self::RekeyIke => "rekeying the IKE_SA".to_owned(),
            Self::DeleteChild { child } => format!("deleting {child}"),
            Self::DeleteIke => "deleting the IKE_SA".to_owned(),
            Self::Liveness => "checking liveness".to_owned(),
        }
    }
}

/// What came of an exchange we initiated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// It did what it was for.
    Done,
    /// The peer answered with an error notification.
    PeerError { notify: NotifyType },
    /// We could not use the answer.
    Rejected { problem: Problem },
    /// It failed (`failure` is the outcome it would have had) and will be tried
    /// again at `at_us`: after TEMPORARY_FAILURE (§2.25), or, for a rekey, after any
    /// failure while the old SA lives.
    RetryAt { at_us: u64, failure: Box<Self> },
    /// It was not started: the SA it concerns is gone or busy, or the request could
    /// not be made.
    Dropped { problem: Problem },
}

impl Outcome {
    pub fn describe(&self) -> String {
        match self {
            Self::Done => "done".to_owned(),
            Self::PeerError { notify } => {
                format!(
                    "peer answered {}",
                    crate::wire::summary::notify_name(*notify)
                )
            }
            Self::Rejected { problem } => format!("rejected: {problem}"),
            Self::RetryAt { at_us, failure } => format!(
                "{}, retrying at t={}",
                failure.describe(),
                super::format_us(*at_us)
            ),
            Self::Dropped { problem } => format!("dropped: {problem}"),
        }
    }
}

/// Which kind of SA a collision concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CollisionKind {
    Child,
    Ike,
}

/// A simultaneous rekey resolved by the lowest nonce (RFC 7296 §2.8.1, §2.8.2): "the
/// SA created with the lowest of the four nonces used in the two exchanges SHOULD be
/// closed by the endpoint that created it".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollisionReport {
    pub kind: CollisionKind,
    /// The nonces of our exchange (Ni ours, Nr theirs) and of the peer's (Ni
    /// theirs, Nr ours), lowercase hex.
    pub our_nonces: [String; 2],
    pub peer_nonces: [String; 2],
    /// Whether the lowest nonce is in our exchange: then our new SA is redundant and
    /// we delete it; else the peer deletes its one and we delete the old SA.
    pub lowest_is_ours: bool,
}

impl CollisionReport {
    /// What follows from the lowest nonce, as a sentence.
    pub fn outcome(&self) -> String {
        let what = match self.kind {
            CollisionKind::Child => "CHILD SA",
            CollisionKind::Ike => "IKE SA",
        };
        if self.lowest_is_ours {
            format!(
                "the lowest nonce is in our exchange: our new {what} is redundant and we delete \
                 it; the peer deletes the old one"
            )
        } else {
            format!(
                "the lowest nonce is in the peer's exchange: the peer deletes its new {what}; we \
                 keep ours and delete the old one"
            )
        }
    }
}
