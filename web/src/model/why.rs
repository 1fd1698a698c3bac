//! The "why" of a step: the decisions and state changes of the moment the current
//! line belongs to (one peer, one instant), in the engine's words.

use ikelab_engine::event::EventKind;
use ikelab_engine::trace::Trace;

use super::lines::Line;

/// What a sentence of the why panel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WhyKind {
    /// A message sent or received.
    Message,
    Decision,
    State,
    Up,
    Down,
}

/// One sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WhyItem {
    pub(crate) kind: WhyKind,
    pub(crate) text: String,
    /// The record, for highlighting the current one.
    pub(crate) record: usize,
}

/// The sentences of the moment of `line`: every record of the same peer at the same
/// virtual time, in order.
pub(crate) fn why(trace: &Trace, lines: &[Line], line: usize) -> Vec<WhyItem> {
    let Some(current) = lines.get(line) else {
        return Vec::new();
    };
    lines
        .iter()
        .filter(|l| l.peer == current.peer && l.t_us == current.t_us)
        .filter_map(|l| {
            let event = trace.records.get(l.record)?.event()?;
            let kind = match &event.kind {
                EventKind::Decision(_) | EventKind::RekeyCollision(_) => WhyKind::Decision,
                EventKind::MessageSent(_)
                | EventKind::MessageReceived(_)
                | EventKind::MessageDropped(_) => WhyKind::Message,
                EventKind::IkeSaUp(_) | EventKind::ChildSaUp(_) => WhyKind::Up,
                EventKind::IkeSaDown { .. }
                | EventKind::ChildSaDown { .. }
                | EventKind::ChildSaFailed { .. }
                | EventKind::PeerDead { .. } => WhyKind::Down,
                EventKind::StateChanged { .. }
                | EventKind::ExchangeStarted { .. }
                | EventKind::ExchangeDone { .. }
                | EventKind::PeerAddressChanged { .. }
                | EventKind::IkeSaCreated { .. } => WhyKind::State,
                _ => return None,
            };
            Some(WhyItem {
                kind,
                text: l.text.clone(),
                record: l.record,
            })
        })
        .collect()
}
