//! A CHILD SA's inbound anti-replay window (RFC 4303 §3.4.3) at a step, replayed
//! through the engine's own [`ReplayWindow`] from the sequence numbers opened, and
//! the last of its positions the panel draws.

use ikelab_engine::child::ReplayWindow;
use ikelab_engine::config::ChildConfig;
use ikelab_engine::event::EspErrorKind;

use super::lifetimes::ChildLifetimes;
use super::state::RefusedPacket;

/// The most replay-window cells the panel draws: the last ones, at the right edge.
pub(crate) const REPLAY_CELLS_SHOWN: u32 = 64;

/// Where the window size comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WindowSize {
    /// The scenario's `replay_window` for this child.
    Configured,
    /// Not in the trace (a trace file): swanctl.conf's default `replay_window`.
    Default,
}

/// A CHILD SA's inbound anti-replay window (RFC 4303 §3.4.3) at a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReplayView {
    /// Packets it spans; 0: the check is disabled.
    pub(crate) size: u32,
    pub(crate) size_from: WindowSize,
    /// The highest sequence number received and authenticated (0: none yet).
    pub(crate) right_edge: u64,
    /// The last `min(size, REPLAY_CELLS_SHOWN)` positions, oldest first; the last
    /// cell is the right edge.
    pub(crate) cells: Vec<ReplayCell>,
}

/// One position of the replay window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReplayCell {
    /// `None`: a position before sequence number 1 (nothing can be there).
    pub(crate) sequence: Option<u64>,
    /// A packet with this number was received.
    pub(crate) received: bool,
    /// A packet with this number was refused as a replay.
    pub(crate) refused: bool,
}

/// A new CHILD SA's window, empty, with the size its configuration gives it (`None`:
/// not in the trace, swanctl.conf's default), and its view.
pub(super) fn new_window(
    child_config: Option<ChildLifetimes>,
    esn: bool,
) -> (ReplayWindow, ReplayView) {
    let (size, size_from) = match child_config {
        Some(c) => (c.replay_window, WindowSize::Configured),
        None => (ChildConfig::default().replay_window, WindowSize::Default),
    };
    let window = ReplayWindow::new(size, esn);
    let view = ReplayView {
        size: window.size(),
        size_from,
        right_edge: 0,
        cells: Vec::new(),
    };
    (window, view)
}

/// The view of `window` at the end of a step, with the replays it refused.
pub(super) fn show(view: &mut ReplayView, window: &ReplayWindow, refused: &[RefusedPacket]) {
    view.right_edge = window.highest();
    view.cells = replay_cells(window, refused);
}

/// The last positions of the window, oldest first, asking the engine's window which
/// were received: `check` refuses a number it has seen as a duplicate (RFC 4303
/// §3.4.3).
fn replay_cells(window: &ReplayWindow, refused: &[RefusedPacket]) -> Vec<ReplayCell> {
    let shown = u64::from(window.size().min(REPLAY_CELLS_SHOWN));
    let right = window.highest();
    (0..shown)
        .rev()
        .map(|back| {
            let sequence = right.checked_sub(back).filter(|s| *s > 0);
            let Some(sequence) = sequence else {
                return ReplayCell {
                    sequence: None,
                    received: false,
                    refused: false,
                };
            };
            // The check takes the low 32 bits, as on the wire (§2.2.1).
            let low = (sequence & u64::from(u32::MAX)) as u32;
            let received = matches!(
                window.check(low),
                Err(ikelab_engine::child::ReplayError::Duplicate { .. })
            );
            let refused = refused
                .iter()
                .any(|p| p.kind == EspErrorKind::Replay.name() && p.sequence == low);
            ReplayCell {
                sequence: Some(sequence),
                received,
                refused,
            }
        })
        .collect()
}
