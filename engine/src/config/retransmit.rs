//! `[retransmit]`: when an unanswered request is sent again (RFC 7296 §2.1, §2.4).
//!
//! In strongSwan these are daemon-wide settings in strongswan.conf(5), named
//! `charon.retransmit_timeout`, `charon.retransmit_base`, `charon.retransmit_tries`,
//! `charon.retransmit_jitter` and `charon.retransmit_limit`. IKElab sets them per peer
//! (a scenario has two peers in one process), in a table whose keys drop the
//! `retransmit_` prefix. strongswan.conf(5), "IKEv2 RETRANSMISSION":
//!
//! ```text
//! relative timeout = retransmit_timeout * retransmit_base ^ (n-1)
//! ```
//!
//! where n counts retransmissions, capped at `limit` when one is set; with a jitter of
//! p %, a random amount of up to p % is taken off. With the defaults a request goes out
//! at 0 s and again after 4, 7, 13, 23 and 42 s; 76 s after the fifth retransmission
//! (165 s after the first send) the exchange fails.

use core::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration::serde_duration;

/// Retransmission timing (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Retransmit {
    /// strongswan.conf(5) `charon.retransmit_timeout [4.0]`: seconds before the first
    /// retransmission.
    #[serde(with = "serde_duration")]
    pub timeout: Duration,
    /// strongswan.conf(5) `charon.retransmit_base [1.8]`: the back-off factor.
    pub base: f64,
    /// strongswan.conf(5) `charon.retransmit_tries [5]`: retransmissions before giving
    /// up.
    pub tries: u32,
    /// strongswan.conf(5) `charon.retransmit_jitter [0]`: the most, in percent, taken
    /// off each timeout at random (0 to disable).
    pub jitter: u32,
    /// strongswan.conf(5) `charon.retransmit_limit [0]`: upper bound of one timeout
    /// (0 to disable).
    #[serde(with = "serde_duration")]
    pub limit: Duration,
}

impl Default for Retransmit {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(4),
            base: 1.8,
            tries: 5,
            jitter: 0,
            limit: Duration::ZERO,
        }
    }
}

impl Retransmit {
    /// How long to wait after sending for the `n`-th time (`n = 0` is the original
    /// request) before retransmitting, or, for `n == tries`, before giving up:
    /// `timeout * base^n`, capped at `limit`, before jitter. Computed in whole
    /// milliseconds, truncated, as charon does.
    pub fn timeout_after(&self, n: u32) -> Duration {
        let exponent = i32::try_from(n).unwrap_or(i32::MAX);
        let millis = self.timeout.as_secs_f64() * 1000.0 * self.base.powi(exponent);
        // `as` saturates: a huge or infinite product becomes u64::MAX milliseconds.
        let timeout = Duration::from_millis(millis as u64);
        if self.limit.is_zero() {
            timeout
        } else {
            timeout.min(self.limit)
        }
    }

    /// The whole time from the original send to giving up, before jitter: the sum of
    /// `timeout_after(n)` for n = 0..=tries.
    pub fn time_until_give_up(&self) -> Duration {
        (0..=self.tries)
            .map(|n| self.timeout_after(n))
            .fold(Duration::ZERO, Duration::saturating_add)
    }
}
