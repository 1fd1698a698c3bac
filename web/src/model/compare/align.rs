//! The two runs' lines side by side: the rows of the two columns, each marked by how
//! it relates to the first difference.

use std::collections::BTreeMap;

use super::difference::Difference;
use super::view::RunView;

/// One row of the two aligned columns: a line of run A, of run B, or one of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Row {
    /// Index into run A's lines.
    pub(crate) a: Option<usize>,
    /// Index into run B's lines.
    pub(crate) b: Option<usize>,
    pub(crate) state: RowState,
}

/// How a row relates to the first difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowState {
    /// Before the first difference: the same in both runs (one-sided when the two
    /// peers' lines interleave differently).
    Same,
    /// A line that is not compared (a NAT rewrite: how a datagram travelled).
    NotCompared,
    /// The first difference.
    FirstDifference,
    /// After it: equal lines in the same place of their peer's sequence.
    AfterEqual,
    /// After it: lines that differ, or a line the other run has not.
    AfterDiffering,
}

/// The rows of the two columns. Lines that are the same `place` of the same peer's
/// sequence share a row; when the two peers' lines interleave differently, the
/// earlier one (by time) goes first alone. The first difference's lines share a row
/// when they come in the same order in both runs; either way each row holding one is
/// marked.
pub(super) fn align(a: &RunView<'_>, b: &RunView<'_>, first: Option<&Difference>) -> Vec<Row> {
    let key = |side: &RunView<'_>, line: usize| {
        side.keys
            .get(line)
            .and_then(|k| k.as_ref())
            .map(|(sig, place)| (sig.peer.clone(), *place))
    };
    let place_of = |side: &RunView<'_>| -> BTreeMap<(String, usize), usize> {
        (0..side.lines.len())
            .filter_map(|line| key(side, line).map(|k| (k, line)))
            .collect()
    };
    let places_a = place_of(a);
    let places_b = place_of(b);
    let (first_a, first_b) = first.map_or((None, None), |d| (d.line_a, d.line_b));
    let mut rows = Vec::with_capacity(a.lines.len().max(b.lines.len()));
    let mut seen_first = false;
    let (mut i, mut j) = (0, 0);
    let mut push = |row_a: Option<usize>, row_b: Option<usize>, rows: &mut Vec<Row>| {
        let is_first =
            (row_a.is_some() && row_a == first_a) || (row_b.is_some() && row_b == first_b);
        let compared = row_a.is_some_and(|l| key(a, l).is_some())
            || row_b.is_some_and(|l| key(b, l).is_some());
        let state = if is_first {
            seen_first = true;
            RowState::FirstDifference
        } else if !compared {
            RowState::NotCompared
        } else if !seen_first {
            RowState::Same
        } else if row_a.is_some()
            && row_b.is_some()
            && a.signature_of(row_a) == b.signature_of(row_b)
        {
            RowState::AfterEqual
        } else {
            RowState::AfterDiffering
        };
        rows.push(Row {
            a: row_a,
            b: row_b,
            state,
        });
    };
    while i < a.lines.len() || j < b.lines.len() {
        let key_a = (i < a.lines.len()).then(|| key(a, i));
        let key_b = (j < b.lines.len()).then(|| key(b, j));
        match (key_a, key_b) {
            // Two lines that are not compared (the NAT's rewrites of the same
            // datagrams, say) keep each other company.
            (Some(None), Some(None)) => {
                push(Some(i), Some(j), &mut rows);
                i += 1;
                j += 1;
            }
            (Some(None), _) => {
                push(Some(i), None, &mut rows);
                i += 1;
            }
            (_, Some(None)) => {
                push(None, Some(j), &mut rows);
                j += 1;
            }
            (Some(Some(ka)), Some(Some(kb))) if ka == kb => {
                push(Some(i), Some(j), &mut rows);
                i += 1;
                j += 1;
            }
            (Some(Some(ka)), Some(Some(kb))) => {
                // Different heads: the one whose partner is yet to come in the other
                // run waits; when both wait, the earlier goes first.
                let a_waits = places_b.get(&ka).is_some_and(|&partner| partner > j);
                let b_waits = places_a.get(&kb).is_some_and(|&partner| partner > i);
                let a_first = match (a_waits, b_waits) {
                    (false, _) => true,
                    (true, false) => false,
                    (true, true) => {
                        let time =
                            |side: &RunView<'_>, line: usize| side.lines.get(line).map(|l| l.t_us);
                        time(a, i) <= time(b, j)
                    }
                };
                if a_first {
                    push(Some(i), None, &mut rows);
                    i += 1;
                } else {
                    push(None, Some(j), &mut rows);
                    j += 1;
                }
            }
            (Some(Some(_)), None) => {
                push(Some(i), None, &mut rows);
                i += 1;
            }
            (None, Some(Some(_))) => {
                push(None, Some(j), &mut rows);
                j += 1;
            }
            (None, None) => break,
        }
    }
    rows
}
