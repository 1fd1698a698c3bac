//! The engine's two times, read from the OS here and nowhere else: monotonic
//! [`Time`] (the duration since the runtime started) and calendar [`UnixTime`]
//! (for certificate validity, RFC 5280 §4.1.2.5).

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use ikelab_engine::Time;
use ikelab_engine::ike::UnixTime;

/// The runtime's epoch: `Time` zero is the moment it was made.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    epoch: Instant,
}

impl Clock {
    pub(crate) fn start() -> Self {
        Self {
            epoch: Instant::now(),
        }
    }

    /// The engine's `now`.
    pub(crate) fn now(self) -> Time {
        self.epoch.elapsed()
    }

    /// The instant of the engine's time `t` (a deadline for tokio's timer).
    pub(crate) fn instant_of(self, t: Time) -> Instant {
        self.epoch + t
    }

    /// The wall clock, seconds since 1970 (0 if the clock is set before 1970).
    pub(crate) fn unix_now() -> UnixTime {
        UnixTime(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        )
    }
}
