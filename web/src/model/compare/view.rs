//! One run as the comparison sees it: each line's signature, and each peer's (and
//! the network's) compared lines as a sequence of their own.

use std::collections::BTreeMap;

use ikelab_engine::event::EventKind;
use ikelab_engine::trace::Trace;

use super::network_words::flight_labels;
use super::signature::{Signature, signature};
use crate::model::lines::Line;

/// One run's lines as the comparison sees them.
pub(super) struct RunView<'a> {
    pub(super) trace: &'a Trace,
    pub(super) lines: &'a [Line],
    /// Per line: its signature and its place in its peer's sequence.
    pub(super) keys: Vec<Option<(Signature, usize)>>,
    /// Per peer: the lines of its sequence.
    pub(super) sequences: BTreeMap<String, Vec<usize>>,
    /// Per line: how many compared lines come before it.
    pub(super) rank: Vec<usize>,
}

impl<'a> RunView<'a> {
    pub(super) fn new(trace: &'a Trace, lines: &'a [Line]) -> Self {
        let labels = flight_labels(trace);
        let mut sequences: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut keys = Vec::with_capacity(lines.len());
        let mut rank = Vec::with_capacity(lines.len());
        let mut compared = 0;
        for (index, line) in lines.iter().enumerate() {
            rank.push(compared);
            let key = signature(trace, line.record, &labels).map(|sig| {
                let sequence = sequences.entry(sig.peer.clone()).or_default();
                sequence.push(index);
                compared += 1;
                (sig, sequence.len() - 1)
            });
            keys.push(key);
        }
        Self {
            trace,
            lines,
            keys,
            sequences,
            rank,
        }
    }

    pub(super) fn compared(&self) -> usize {
        self.keys.iter().filter(|k| k.is_some()).count()
    }

    pub(super) fn signature_of(&self, line: Option<usize>) -> Option<Signature> {
        line.and_then(|l| self.keys.get(l)?.as_ref().map(|(sig, _)| sig.clone()))
    }

    /// The line of `peer`'s `place`-th compared event.
    pub(super) fn line_at(&self, peer: &str, place: usize) -> Option<usize> {
        self.sequences.get(peer)?.get(place).copied()
    }

    /// The first message `peer` sends from its `place`-th event on.
    pub(super) fn next_sent(&self, peer: &str, place: usize) -> Option<Signature> {
        let sequence = self.sequences.get(peer)?;
        sequence.iter().skip(place).find_map(|&line| {
            let record = self.trace.records.get(self.lines.get(line)?.record)?;
            let sent = matches!(
                record.event().map(|e| &e.kind),
                Some(EventKind::MessageSent(_))
            );
            sent.then(|| self.signature_of(Some(line))).flatten()
        })
    }
}
