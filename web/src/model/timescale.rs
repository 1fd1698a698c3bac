//! Virtual time down the page: every instant something happens gets a row, short gaps
//! keep a little of their length, and idle stretches fold into one labelled band, so
//! a 20-second wait for a rekey stays one screen of events.

use super::flights::Flight;
use super::lanes::LaneMark;

/// A gap longer than this folds (microseconds).
const FOLD_US: u64 = 1_000_000;
/// Pixels per millisecond of a short gap, and its bounds.
const PX_PER_MS: f64 = 2.0;
const MIN_GAP_PX: f64 = 64.0;
const MAX_GAP_PX: f64 = 140.0;
/// Height of a folded stretch.
const FOLD_PX: f64 = 48.0;
/// Extra room per lane mark stacked at one instant.
const MARK_PX: f64 = 22.0;
/// Room above the first instant.
const TOP_PX: f64 = 24.0;

/// A folded idle stretch.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fold {
    /// Where the band starts (px).
    pub(crate) y: f64,
    pub(crate) height: f64,
    /// Virtual time skipped.
    pub(crate) idle_us: u64,
}

/// The mapping from virtual time to a vertical position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TimeScale {
    /// (time, y) of every instant, increasing.
    points: Vec<(u64, f64)>,
    pub(crate) folds: Vec<Fold>,
    pub(crate) height: f64,
}

impl TimeScale {
    pub(crate) fn new(flights: &[Flight], marks: &[LaneMark]) -> Self {
        let mut times: Vec<u64> = flights
            .iter()
            .flat_map(|f| [f.t_send, f.t_end])
            .chain(marks.iter().map(|m| m.t_us))
            .collect();
        times.sort_unstable();
        times.dedup();
        let stacked = |t: u64| {
            let mut per_peer: Vec<(&str, usize)> = Vec::new();
            for m in marks.iter().filter(|m| m.t_us == t) {
                match per_peer.iter_mut().find(|(p, _)| *p == m.peer) {
                    Some((_, n)) => *n += 1,
                    None => per_peer.push((&m.peer, 1)),
                }
            }
            per_peer.iter().map(|(_, n)| *n).max().unwrap_or(0)
        };
        let mut points = Vec::with_capacity(times.len());
        let mut folds = Vec::new();
        let mut y = TOP_PX;
        let mut previous: Option<(u64, usize)> = None;
        for &t in &times {
            if let Some((prev_t, prev_marks)) = previous {
                let gap = t - prev_t;
                y += prev_marks as f64 * MARK_PX;
                if gap > FOLD_US {
                    folds.push(Fold {
                        y: y + 8.0,
                        height: FOLD_PX - 16.0,
                        idle_us: gap,
                    });
                    y += FOLD_PX;
                } else {
                    y += (gap as f64 / 1000.0 * PX_PER_MS).clamp(MIN_GAP_PX, MAX_GAP_PX);
                }
            }
            points.push((t, y));
            previous = Some((t, stacked(t)));
        }
        let last_marks = previous.map_or(0, |(_, n)| n);
        Self {
            points,
            folds,
            height: y + last_marks as f64 * MARK_PX + TOP_PX + 24.0,
        }
    }

    /// The y of a virtual time (between instants: linear within a short gap).
    pub(crate) fn y(&self, t_us: u64) -> f64 {
        let after = self.points.partition_point(|(t, _)| *t < t_us);
        match (
            after.checked_sub(1).and_then(|i| self.points.get(i)),
            self.points.get(after),
        ) {
            (_, Some((t, y))) if *t == t_us => *y,
            (Some((t0, y0)), Some((t1, y1))) => {
                y0 + (y1 - y0) * (t_us - t0) as f64 / (t1 - t0) as f64
            }
            (Some((_, y)), None) | (None, Some((_, y))) => *y,
            (None, None) => TOP_PX,
        }
    }
}
