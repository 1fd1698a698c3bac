//! How a failure scenario ends: the message that carries the failure, the payload or
//! notify in it, and the engine's reason.

use ikelab_engine::event::{DownReason, EventKind};
use ikelab_engine::trace::Trace;

use super::dissection::message_view;
use super::lines::Line;

/// The failure a run ends with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    /// The engine's reason, in its words.
    pub(crate) reason: String,
    /// The peer whose SA failed.
    pub(crate) peer: String,
    /// The error notify's name, when the failure travelled in one.
    pub(crate) notify: Option<String>,
    /// The message record that carries the notify (or the failing exchange's last
    /// message).
    pub(crate) record: Option<usize>,
    /// Its field in the inspector (the notify payload).
    pub(crate) field: Option<usize>,
}

/// The failure of a run: the last IKE SA that went down without coming up, or the
/// last CHILD SA that could not be created.
pub(crate) fn failure(trace: &Trace, lines: &[Line]) -> Option<Failure> {
    let mut found: Option<(usize, String, Option<String>)> = None;
    for line in lines {
        let Some(event) = trace.records.get(line.record).and_then(|r| r.event()) else {
            continue;
        };
        match &event.kind {
            EventKind::IkeSaDown { reason } => {
                let notify = match reason {
                    DownReason::PeerError { notify, .. } | DownReason::Refused { notify, .. } => {
                        Some(
                            notify
                                .name()
                                .map_or_else(|| notify.to_string(), str::to_owned),
                        )
                    }
                    _ => None,
                };
                let normal = matches!(
                    reason,
                    DownReason::Deleted { .. }
                        | DownReason::DeletedByPeer
                        | DownReason::ReplacedByInitialContact { .. }
                );
                if !normal {
                    found = Some((line.record, reason.describe(), notify));
                }
            }
            EventKind::ChildSaFailed { reason, .. } => {
                found = Some((line.record, reason.describe(), None));
            }
            _ => {}
        }
    }
    let (at, reason, notify) = found?;
    let peer = trace.records[at].peer.clone();
    // The message that carries it: the last message before the failure whose
    // dissection names the notify; else the last message the peer received.
    let messages = (0..at).rev().filter_map(|i| message_view(trace, i));
    let mut carrier = None;
    for view in messages {
        let field = notify.as_deref().and_then(|n| view.find_value(n));
        if field.is_some() || notify.is_none() {
            carrier = Some((view.record, field));
            break;
        }
    }
    Some(Failure {
        reason,
        peer,
        notify,
        record: carrier.map(|c| c.0),
        field: carrier.and_then(|c| c.1),
    })
}
