//! Key log records waiting for their place in the event stream: the engine queues
//! events for `poll_event`, so a record derived between two events is handed to the
//! [`KeyLog`] when the driver polls the second one, and the driver sees keys and
//! events in the order they happened (see `crate::keylog`).

use std::collections::VecDeque;

use crate::keylog::{KeyLog, KeyLogRecord};

#[derive(Debug, Default)]
pub(crate) struct KeyQueue {
    /// Each record with the number of events emitted before it.
    pending: VecDeque<(u64, KeyLogRecord)>,
    /// Events the driver has polled so far.
    events_polled: u64,
}

impl KeyQueue {
    /// Queues `record`, which follows the `queued_events` events not yet polled.
    pub(crate) fn push(&mut self, queued_events: usize, record: KeyLogRecord) {
        let before = self.events_polled + u64::try_from(queued_events).unwrap_or(u64::MAX);
        self.pending.push_back((before, record));
    }

    /// Before the driver gets its next event: hands `sink` every record that came
    /// before it, and counts the event (`None` when the queue is empty: every record
    /// left has then come before the next one).
    pub(crate) fn before_next_event(&mut self, sink: Option<&dyn KeyLog>, has_event: bool) {
        while let Some((before, _)) = self.pending.front() {
            if *before > self.events_polled {
                break;
            }
            if let Some((_, record)) = self.pending.pop_front()
                && let Some(sink) = sink
            {
                sink.log(&record);
            }
        }
        if has_event {
            self.events_polled += 1;
        }
    }
}
