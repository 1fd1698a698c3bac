//! Compare: the scenario on screen played a second time with one change (a seed, NAT
//! in front of the initiator, a pre-shared key, the initiator's IKE proposal), the
//! two runs' event lines aligned, and the first point where they differ found and
//! explained.
//!
//! - [`change`]: the change made to run A's scenario, and run B played with it.
//! - [`signature`](mod@signature): each event line without its random values, what
//!   is kept and what is masked; [`peer_words`] and [`network_words`] put the events
//!   into words.
//! - [`view`]: one run's lines as the comparison sees them, a sequence per peer.
//! - [`difference`]: the first difference, the earliest of the peers' (the order in
//!   which two peers' lines interleave is timing, not a difference);
//!   [`explain`] puts it in sentences.
//! - [`align`](mod@align): the two columns' rows.

mod align;
mod change;
mod difference;
mod explain;
mod network_words;
mod peer_words;
mod signature;
#[cfg(test)]
mod tests;
mod view;

use ikelab_engine::trace::Trace;

pub(crate) use align::{Row, RowState};
pub(crate) use change::{Change, ChangedRun, NAT_PUBLIC_ADDRESS, Side, run_changed};
pub(crate) use difference::Difference;

use align::align;
use difference::first_difference;
use view::RunView;

use crate::model::lines::Line;

/// Two runs aligned, and where they first differ (`None`: the same events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Comparison {
    pub(crate) rows: Vec<Row>,
    pub(crate) first_difference: Option<Difference>,
    /// Lines compared in each run (not counting the ones that are not compared).
    pub(crate) compared_a: usize,
    pub(crate) compared_b: usize,
}

/// Compares run A (`trace_a`, its `lines_a`) with run B, and aligns their lines.
pub(crate) fn compare(
    trace_a: &Trace,
    lines_a: &[Line],
    trace_b: &Trace,
    lines_b: &[Line],
) -> Comparison {
    let a = RunView::new(trace_a, lines_a);
    let b = RunView::new(trace_b, lines_b);
    let first_difference = first_difference(&a, &b);
    let rows = align(&a, &b, first_difference.as_ref());
    Comparison {
        rows,
        first_difference,
        compared_a: a.compared(),
        compared_b: b.compared(),
    }
}
