//! The facts: the records of a run's trace that change an SA, a counter or the
//! decision list, without their bytes and dissections, read once per run.
//!
//! - IKE SAs (RFC 7296 §1.2, §2.18): `IkeSaCreated`, `StateChanged`, `IkeSaUp`,
//!   `IkeSaRekeyed`, `IkeSaDown`, `PeerAddressChanged`; their SPIs and Message IDs
//!   (§2.2) from the messages sent and received; the exchange in progress from
//!   `ExchangeStarted` and `ExchangeDone`.
//! - CHILD SAs (§1.3, §2.8): `ChildSaUp`, `ChildSaRekeyed`, `ChildSasInherited`,
//!   `ChildSaDown`, `ChildSaFailed`, `ChildSaVolumeLimit`.
//! - Lifetimes: the deadlines of the engine's `Timer` records.
//! - Counters: `EspSealed`, `EspOpened` and `EspDropped` (RFC 4303 §3.3, §3.4).
//! - Decisions: `Decision` and `RekeyCollision`, with the event list's line for
//!   each.

use std::net::SocketAddr;

use ikelab_engine::config::Role;
use ikelab_engine::event::{ChildSaUp, EspErrorKind, EventKind, IkeSaUp, SaState, TimerPurpose};
use ikelab_engine::trace::Entry;
use ikelab_engine::wire::IkeSpi;

use super::Column;
use super::decisions::{DecisionItem, decision_item};
use super::lifetimes::Due;
use crate::model::Lab;
use crate::model::lines::LineKind;

/// One record that matters to the panel, without its bytes.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Fact {
    pub(super) record: usize,
    pub(super) t_us: u64,
    /// Index into `columns`.
    pub(super) peer: usize,
    pub(super) ike_sa: Option<u64>,
    pub(super) what: What,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum What {
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

/// The facts of `lab`'s trace for the peers of `columns`, in record order.
pub(super) fn read_facts(lab: &Lab, columns: &[Column]) -> Vec<Fact> {
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
    facts
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
