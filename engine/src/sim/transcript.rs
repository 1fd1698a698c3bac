//! A run as readable text, in the style of charon's log: one line per record,
//! `   0.010000 responder sending IKE_SA_INIT response 0 [ SA KE No N(NATD_S_IP) ... ]`.

use crate::event::EventKind;
use crate::trace::network::NetworkEvent;
use crate::trace::{Record, Trace};

/// Whether a record belongs in the transcript. Timer bookkeeping and the network's
/// plain transmissions and deliveries (the sender's `sending ...` and the
/// receiver's `parsed ...` lines say the same) are left out unless `verbose`.
pub fn shown(record: &Record, verbose: bool) -> bool {
    if verbose {
        return true;
    }
    if let Some(event) = record.event() {
        return !matches!(event.kind, EventKind::Timer { .. });
    }
    !matches!(
        record.network(),
        Some(
            NetworkEvent::Transmit { .. }
                | NetworkEvent::Delivered { .. }
                | NetworkEvent::NatMapping { .. }
        )
    )
}

/// The transcript lines of a run.
pub fn transcript(trace: &Trace, verbose: bool) -> Vec<String> {
    trace
        .records
        .iter()
        .filter(|r| shown(r, verbose))
        .map(Record::describe)
        .collect()
}
