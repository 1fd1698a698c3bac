//! Message IDs, the request window and retransmission (RFC 7296 §2.1, §2.3).
//!
//! Both windows are 1 (no SET_WINDOW_SIZE is sent): at most one request of ours is
//! outstanding, and the peer's requests are answered in order. The last response is
//! kept so a retransmitted request gets the very same bytes again (§2.1: "the
//! responder MUST ... retransmit the response").
//!
//! An unanswered request is sent again after `timeout * base^n` (n counting
//! retransmissions, capped at `limit`, minus up to `jitter` percent at random): with
//! strongSwan's defaults at 4, 7.2, 13, 23.3 and 42 s, and the exchange fails 75.6 s
//! after the fifth retransmission.

use rand_core::CryptoRng;

use std::sync::Arc;

use super::datagram::Time;
use crate::config::Retransmit;
use crate::wire::iana::ExchangeType;
use crate::wire::{Dissection, IkeHeader, Payload};

/// Our request waiting for its response.
#[derive(Debug, Clone)]
pub(crate) struct Outstanding {
    pub(crate) message_id: u32,
    pub(crate) exchange: ExchangeType,
    /// The IKE message as sent (without the Non-ESP Marker).
    pub(crate) bytes: Vec<u8>,
    /// What it contains (inner payloads if protected), for the trace of resends.
    pub(crate) payloads: Arc<[Payload]>,
    pub(crate) encrypted: bool,
    /// The first transmission's dissection, shared by the trace of every resend.
    pub(crate) dissection: Option<Arc<Dissection>>,
    /// Times sent so far (1 after the first transmission).
    pub(crate) transmissions: u32,
}

/// The response to the peer's last request, for retransmitted requests.
#[derive(Debug, Clone)]
pub(crate) struct CachedResponse {
    pub(crate) message_id: u32,
    pub(crate) header: IkeHeader,
    pub(crate) bytes: Vec<u8>,
    pub(crate) encrypted: bool,
    /// What it contains and its dissection, as first sent: shared by the trace of
    /// every resend, so nothing is parsed or decrypted again.
    pub(crate) payloads: Arc<[Payload]>,
    pub(crate) dissection: Option<Arc<Dissection>>,
    /// Times it was sent again.
    pub(crate) resent: u32,
}

/// Message IDs in both directions.
#[derive(Debug, Default)]
pub(crate) struct Window {
    /// Message ID of our next request.
    pub(crate) next_request_id: u32,
    /// Message ID the peer's next request must carry.
    pub(crate) expected_request_id: u32,
    pub(crate) outstanding: Option<Outstanding>,
    pub(crate) last_response: Option<CachedResponse>,
}

/// How long to wait after the `n`-th transmission's send (n = 0 for the first) before
/// retransmitting or, once `tries` retransmissions went out, giving up.
pub(crate) fn wait_after(config: &Retransmit, n: u32, rng: &mut dyn CryptoRng) -> Time {
    let timeout = config.timeout_after(n);
    if config.jitter == 0 {
        return timeout;
    }
    // strongswan.conf(5) retransmit_jitter: a random part of up to `jitter` percent
    // is taken off.
    let percent = u64::from(config.jitter.min(100));
    let max_off = u128::from(percent) * timeout.as_micros() / 100;
    let off = if max_off == 0 {
        0
    } else {
        u128::from(rng.next_u64()) % (max_off + 1)
    };
    let micros = timeout.as_micros().saturating_sub(off);
    Time::from_micros(u64::try_from(micros).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::time::Duration;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    struct Fixed;
    impl rand_core::TryRng for Fixed {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(u32::MAX)
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            Ok(u64::MAX)
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            dst.fill(0xff);
            Ok(())
        }
    }
    impl rand_core::TryCryptoRng for Fixed {}

    #[test]
    fn strongswan_defaults_back_off_exponentially() {
        let config = Retransmit::default();
        let waits: Vec<Duration> = (0..=5)
            .map(|n| wait_after(&config, n, &mut Fixed))
            .collect();
        assert_eq!(
            waits,
            [4000, 7200, 12960, 23328, 41990, 75582].map(Duration::from_millis)
        );
    }

    #[test]
    fn jitter_takes_off_at_most_its_share() {
        let config = Retransmit {
            jitter: 20,
            ..Retransmit::default()
        };
        let w = wait_after(&config, 0, &mut Fixed);
        assert!(w >= Duration::from_millis(3200) && w <= Duration::from_secs(4));
    }
}
