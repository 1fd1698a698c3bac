//! Where everything on the timeline sits vertically: virtual time runs down the page,
//! and every label, NAT rewrite, lane mark and drop note gets a row of its own, so
//! nothing is drawn over anything else at any width the lab supports (1024 px up).
//!
//! Each instant at which something happens opens a block: first the lane marks of
//! that instant (state changes, SAs up and down; the two lanes share rows), then the
//! notes about datagrams that ended there (refused by the receiver, dropped at the NAT
//! box), then, for each datagram sent at that instant, its label, its NAT rewrites, its
//! burst button and, if the path ends it, the note saying so. The next instant starts
//! below the block; a short gap keeps a little of its length, and an idle stretch
//! folds into one labelled band, so a 20-second wait for a rekey stays one screen.
//!
//! Heights are estimated from the text: labels are set in a monospace font and wrap
//! at word boundaries, so a greedy word wrap at the narrowest label width the page
//! allows gives the number of lines (see `LABEL_CHARS` and the `.flight-label` rule
//! in assets/style.css, which must stay in step).

use super::flights::{Fate, Flight};
use super::lanes::LaneMark;

/// A gap longer than this folds (microseconds).
const FOLD_US: u64 = 1_000_000;
/// Pixels per millisecond of a short gap, and its bounds.
const PX_PER_MS: f64 = 2.0;
const MIN_GAP_PX: f64 = 14.0;
const MAX_GAP_PX: f64 = 90.0;
/// Height of a folded stretch.
const FOLD_PX: f64 = 48.0;
/// Room above the first instant and below the last.
const TOP_PX: f64 = 16.0;
const BOTTOM_PX: f64 = 40.0;
/// One row of lane marks (one line of 14 px text with its border).
pub(crate) const MARK_PX: f64 = 24.0;
/// Space between two things in a block.
const PAD_PX: f64 = 6.0;
/// One line of label text: 0.875 rem (14 px) at line-height 1.3.
const LINE_PX: f64 = 18.2;
/// The label's padding and border (selected: 2 px each side).
const LABEL_CHROME_PX: f64 = 8.0;
/// Characters per label line at the label's narrowest (`max-width: min(64%, 26rem)`
/// of a 1024-px page: ~390 px, ~46 monospace characters of 14 px, less padding).
pub(crate) const LABEL_CHARS: usize = 42;
/// A NAT rewrite note: three lines ("NAT: source", before, → after).
const NAT_PX: f64 = 3.0 * 16.8 + 8.0;
/// The "+N more like this" button under a burst's first label.
const BURST_PX: f64 = 30.0;
/// Characters per line of a note (proportional 14 px text, `max-width: 60%` of a
/// 1024-px page's timeline: ~360 px; 38 leaves room for wide letters).
const NOTE_CHARS: usize = 38;

/// A folded idle stretch.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fold {
    /// Where the band starts (px).
    pub(crate) y: f64,
    pub(crate) height: f64,
    /// Virtual time skipped.
    pub(crate) idle_us: u64,
}

/// Where one datagram is drawn.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FlightPlace {
    /// The arrow from the sender's lane at `y_send` to where it ends at `y_end`.
    pub(crate) y_send: f64,
    pub(crate) y_end: f64,
    /// The label's top and reserved height.
    pub(crate) label_top: f64,
    pub(crate) label_height: f64,
    /// The NAT rewrite notes' tops: on the way out, on the way in.
    pub(crate) nat_out_top: Option<f64>,
    pub(crate) nat_in_top: Option<f64>,
    /// The burst button's top, on a burst's first flight.
    pub(crate) burst_top: Option<f64>,
    /// The note at its end (lost, dropped, refused), when it has one.
    pub(crate) note_top: Option<f64>,
}

/// The vertical layout of a run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ladder {
    /// (time, y) of every instant's block, increasing.
    points: Vec<(u64, f64)>,
    pub(crate) folds: Vec<Fold>,
    pub(crate) height: f64,
    /// Per flight, in the run's order; `None` for a flight folded into a burst.
    pub(crate) flights: Vec<Option<FlightPlace>>,
    /// Per lane mark, in the run's order: its top.
    pub(crate) marks: Vec<f64>,
    /// Every row reserved, in order: (top, height). No two overlap.
    pub(crate) rows: Vec<(f64, f64)>,
}

/// The lines a text takes when wrapped greedily at word boundaries in `width`
/// characters (a word longer than the line is broken, as `overflow-wrap` does).
pub(crate) fn wrapped_lines(text: &str, width: usize) -> usize {
    let mut lines = 0;
    for paragraph in text.split('\n') {
        let mut used = 0usize;
        let mut paragraph_lines = 1;
        for word in paragraph.split_whitespace() {
            let len = word.chars().count();
            if used > 0 && used + 1 + len <= width {
                used += 1 + len;
            } else {
                if used > 0 {
                    paragraph_lines += 1;
                }
                paragraph_lines += len.saturating_sub(1) / width;
                used = (len - 1) % width + 1;
            }
        }
        lines += paragraph_lines;
    }
    lines.max(1)
}

/// The text of a flight's label as the page sets it: its badges, its summary, and
/// its ports on a line of their own.
pub(crate) fn label_text(flight: &Flight, badges: &[&str]) -> String {
    let mut text = badges.join(" ");
    if !text.is_empty() {
        text.push(' ');
    }
    text.push_str(&flight.label);
    text.push('\n');
    text.push_str(&flight.ports);
    text
}

fn label_height(text: &str) -> f64 {
    wrapped_lines(text, LABEL_CHARS) as f64 * LINE_PX + LABEL_CHROME_PX
}

fn note_height(text: &str) -> f64 {
    wrapped_lines(text, NOTE_CHARS) as f64 * LINE_PX + 6.0
}

/// What the ladder needs to know of each flight beyond the flight itself.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FlightText {
    /// The label as set (`label_text`).
    pub(crate) label: String,
    /// The note where it ends (lost, dropped, refused), if any.
    pub(crate) note: Option<String>,
    /// Folded into a burst (not drawn).
    pub(crate) hidden: bool,
    /// The first flight of a folded burst.
    pub(crate) burst_head: bool,
}

impl Ladder {
    /// Lays out `flights` (with their texts, same order) and `marks`.
    pub(crate) fn new(flights: &[Flight], texts: &[FlightText], marks: &[LaneMark]) -> Self {
        let visible = |i: usize| texts.get(i).is_some_and(|t| !t.hidden);
        let mut times: Vec<u64> = flights
            .iter()
            .enumerate()
            .filter(|(i, _)| visible(*i))
            .flat_map(|(_, f)| [f.t_send, f.t_end])
            .chain(marks.iter().map(|m| m.t_us))
            .collect();
        times.sort_unstable();
        times.dedup();

        let mut ladder = Self {
            points: Vec::with_capacity(times.len()),
            folds: Vec::new(),
            height: 0.0,
            flights: vec![None; flights.len()],
            marks: vec![0.0; marks.len()],
            rows: Vec::new(),
        };
        let mut y = TOP_PX;
        let mut previous: Option<(u64, f64)> = None;
        for &t in &times {
            if let Some((prev_t, block_end)) = previous {
                let gap = t - prev_t;
                let start = ladder.y(prev_t);
                if gap > FOLD_US {
                    ladder.folds.push(Fold {
                        y: block_end + 8.0,
                        height: FOLD_PX - 16.0,
                        idle_us: gap,
                    });
                    y = block_end + FOLD_PX;
                } else {
                    let by_time = start
                        + (gap as f64 / 1000.0 * PX_PER_MS).clamp(MIN_GAP_PX, MAX_GAP_PX);
                    y = by_time.max(block_end + PAD_PX);
                }
            }
            ladder.points.push((t, y));
            let end = ladder.block(t, y, flights, texts, marks);
            previous = Some((t, end));
        }
        // Arrows end at their arrival's block; a flight still travelling when the
        // run ends points at the bottom.
        let bottom = previous.map_or(TOP_PX, |(_, end)| end) + BOTTOM_PX;
        for (i, flight) in flights.iter().enumerate() {
            let y_arrival = ladder.y(flight.t_end);
            if let Some(place) = ladder.flights[i].as_mut() {
                match flight.fate {
                    Fate::Delivered | Fate::DroppedIn(_) => {
                        place.y_end = y_arrival.max(place.label_top + place.label_height / 2.0);
                    }
                    Fate::InFlight => place.y_end = bottom - BOTTOM_PX / 2.0,
                    Fate::Lost | Fate::DroppedOut(_) => {}
                }
            }
        }
        ladder.height = bottom;
        ladder
    }

    /// Lays out the block of instant `t` starting at `top`; returns its bottom.
    fn block(
        &mut self,
        t: u64,
        top: f64,
        flights: &[Flight],
        texts: &[FlightText],
        marks: &[LaneMark],
    ) -> f64 {
        // Lane marks: each peer's marks of this instant stack; the lanes share rows.
        let mut depth_per_peer: Vec<(&str, usize)> = Vec::new();
        for (i, mark) in marks.iter().enumerate().filter(|(_, m)| m.t_us == t) {
            let depth = match depth_per_peer.iter_mut().find(|(p, _)| *p == mark.peer) {
                Some((_, n)) => {
                    *n += 1;
                    *n - 1
                }
                None => {
                    depth_per_peer.push((&mark.peer, 1));
                    0
                }
            };
            self.marks[i] = top + PAD_PX + depth as f64 * MARK_PX;
        }
        let rows = depth_per_peer.iter().map(|(_, n)| *n).max().unwrap_or(0);
        for row in 0..rows {
            self.rows.push((top + PAD_PX + row as f64 * MARK_PX, MARK_PX));
        }
        let mut cursor = top + PAD_PX + rows as f64 * MARK_PX;
        let reserve = |rows: &mut Vec<(f64, f64)>, cursor: &mut f64, height: f64| {
            rows.push((*cursor, height));
            let top = *cursor;
            *cursor += height + PAD_PX;
            top
        };

        // Notes of datagrams that ended here: refused by the receiver, dropped on
        // the way in (at the NAT box).
        for (i, flight) in flights.iter().enumerate() {
            let Some(text) = texts.get(i).filter(|t| !t.hidden) else {
                continue;
            };
            let ends_here = flight.t_end == t
                && matches!(flight.fate, Fate::Delivered | Fate::DroppedIn(_))
                && flight.t_send != t;
            if let (true, Some(note)) = (ends_here, &text.note) {
                let place = self.flights[i].get_or_insert_with(|| unplaced(top));
                place.note_top = Some(reserve(&mut self.rows, &mut cursor, note_height(note)));
            }
        }

        // Datagrams sent now: label, NAT rewrites, burst button, the note where the
        // path ends them.
        for (i, flight) in flights.iter().enumerate() {
            let Some(text) = texts.get(i).filter(|t| !t.hidden) else {
                continue;
            };
            if flight.t_send != t {
                continue;
            }
            let label_height = label_height(&text.label);
            let label_top = reserve(&mut self.rows, &mut cursor, label_height);
            let mut place = FlightPlace {
                y_send: top,
                y_end: top,
                label_top,
                label_height,
                nat_out_top: None,
                nat_in_top: None,
                burst_top: None,
                note_top: self.flights[i].as_ref().and_then(|p| p.note_top),
            };
            if flight.nat_out.is_some() {
                place.nat_out_top = Some(reserve(&mut self.rows, &mut cursor, NAT_PX));
            }
            if flight.nat_in.is_some() {
                place.nat_in_top = Some(reserve(&mut self.rows, &mut cursor, NAT_PX));
            }
            if text.burst_head {
                place.burst_top = Some(reserve(&mut self.rows, &mut cursor, BURST_PX));
            }
            let stops_on_path = matches!(flight.fate, Fate::Lost | Fate::DroppedOut(_));
            let arrives_now = flight.t_end == t && !stops_on_path;
            if stops_on_path || arrives_now {
                // It ends in this block: the arrow stops here, its note below.
                place.y_end = cursor;
                if let Some(note) = &text.note {
                    place.note_top = Some(reserve(&mut self.rows, &mut cursor, note_height(note)));
                }
            }
            self.flights[i] = Some(place);
        }
        cursor
    }

    /// The y of a virtual time: an instant's block top; between instants, linear.
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

/// A place for a flight whose end is laid out before its start (cannot happen in a
/// trace, whose sends precede arrivals; kept total rather than panicking).
fn unplaced(top: f64) -> FlightPlace {
    FlightPlace {
        y_send: top,
        y_end: top,
        label_top: top,
        label_height: 0.0,
        nat_out_top: None,
        nat_in_top: None,
        burst_top: None,
        note_top: None,
    }
}

#[cfg(test)]
mod tests {
    use super::wrapped_lines;

    #[test]
    fn words_wrap_greedily_and_long_words_break() {
        assert_eq!(wrapped_lines("", 10), 1);
        assert_eq!(wrapped_lines("abc def", 7), 1);
        assert_eq!(wrapped_lines("abc defg", 7), 2);
        assert_eq!(wrapped_lines("abcdefghijklmno", 5), 3);
        assert_eq!(wrapped_lines("a\nb", 10), 2);
    }
}
