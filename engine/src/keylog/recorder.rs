//! A key log kept in memory, and the event drain that puts its records in place.

use std::sync::{Mutex, PoisonError};

use super::{KeyLog, KeyLogRecord};
use crate::event::Event;
use crate::ike::Engine;

/// Keeps every record it is given until [`take`](Self::take)n: the simulator's
/// sink (the lab shows keys) and the tests'.
#[derive(Debug, Default)]
pub struct KeyRecorder {
    records: Mutex<Vec<KeyLogRecord>>,
}

impl KeyRecorder {
    pub fn new() -> Self {
        Self::default()
    }

    /// The records logged since the last call, oldest first.
    pub fn take(&self) -> Vec<KeyLogRecord> {
        // A panic elsewhere while the lock was held leaves the records intact.
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::take(&mut *records)
    }
}

impl KeyLog for KeyRecorder {
    fn log(&self, record: &KeyLogRecord) {
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        records.push(record.clone());
    }
}

/// Drains `engine`'s events into `out`; with the engine's `recorder`, the key
/// records it logged meanwhile go in as events (`KeyLogRecord::into_event`) at
/// their place in the stream (the engine logs a record just before it returns the
/// event that followed it).
pub fn poll_events(engine: &mut Engine, recorder: Option<&KeyRecorder>, out: &mut Vec<Event>) {
    loop {
        let next = engine.poll_event();
        if let Some(recorder) = recorder {
            out.extend(recorder.take().into_iter().map(KeyLogRecord::into_event));
        }
        match next {
            Some(event) => out.push(event),
            None => return,
        }
    }
}
