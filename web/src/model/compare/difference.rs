//! Where two runs first differ.
//!
//! A link with jitter, or a retransmission timer, moves events in time, and with them
//! the order in which *two* peers' lines interleave. That order is the network's
//! timing, not a protocol fact, so each peer's lines (and the network's) are compared
//! as a sequence of their own; the first difference is the earliest of the peers'
//! first differences. A peer's own order is causal and kept: a retransmission or a
//! lost datagram (another seed on a lossy link) is a real difference.

use super::explain::explain;
use super::view::RunView;

/// Where the two runs first differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Difference {
    /// The peer (or "network") whose lines differ.
    pub(crate) peer: String,
    /// The differing lines (indexes into each run's lines) and records (into each
    /// trace's records); `None` where that run has no more lines of this peer.
    pub(crate) line_a: Option<usize>,
    pub(crate) line_b: Option<usize>,
    pub(crate) record_a: Option<usize>,
    pub(crate) record_b: Option<usize>,
    /// In words: what each run does there and, when that is not a message, the
    /// next message this peer sends in each run (what the other side gets to see).
    pub(crate) explanation: String,
}

/// Each peer's first difference, and the earliest of them: the one with the fewest
/// compared lines before it (in whichever run it shows first); at a tie, the
/// network's.
pub(super) fn first_difference(a: &RunView<'_>, b: &RunView<'_>) -> Option<Difference> {
    let mut peers: Vec<&String> = a.sequences.keys().collect();
    for peer in b.sequences.keys() {
        if !peers.contains(&peer) {
            peers.push(peer);
        }
    }
    let mut best: Option<((usize, bool), &String, usize)> = None;
    for peer in peers {
        let empty = Vec::new();
        let seq_a = a.sequences.get(peer).unwrap_or(&empty);
        let seq_b = b.sequences.get(peer).unwrap_or(&empty);
        let place = (0..seq_a.len().max(seq_b.len())).find(|&place| {
            a.signature_of(seq_a.get(place).copied()) != b.signature_of(seq_b.get(place).copied())
        });
        let Some(place) = place else { continue };
        let rank_a = seq_a.get(place).and_then(|&l| a.rank.get(l).copied());
        let rank_b = seq_b.get(place).and_then(|&l| b.rank.get(l).copied());
        let rank = match (rank_a, rank_b) {
            (Some(x), Some(y)) => x.min(y),
            (Some(x), None) | (None, Some(x)) => x,
            (None, None) => continue,
        };
        // At the same rank the network goes first: what it did to a datagram in
        // flight comes before what its receiver (or its sender's timer) made of it.
        let key = (rank, peer != ikelab_engine::trace::NETWORK_PEER);
        if best.is_none_or(|(best_key, _, _)| key < best_key) {
            best = Some((key, peer, place));
        }
    }
    let (_, peer, place) = best?;
    let line_a = a.line_at(peer, place);
    let line_b = b.line_at(peer, place);
    let sig_a = a.signature_of(line_a);
    let sig_b = b.signature_of(line_b);
    let then_a = a.next_sent(peer, place);
    let then_b = b.next_sent(peer, place);
    let explanation = explain(peer, sig_a.as_ref(), sig_b.as_ref(), &then_a, &then_b);
    Some(Difference {
        peer: peer.clone(),
        line_a,
        line_b,
        record_a: line_a.and_then(|l| a.lines.get(l)).map(|l| l.record),
        record_b: line_b.and_then(|l| b.lines.get(l)).map(|l| l.record),
        explanation,
    })
}
