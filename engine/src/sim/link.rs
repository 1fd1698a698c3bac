//! A lossy, jittery, duplicating, reordering link, driven by a seeded generator.

use core::time::Duration;

use crate::ike::Time;

/// SplitMix64 (Steele, Lea, Flood 2014): a small seeded generator for the network's
/// coin flips, not for keys. The engines get their own `CryptoRng`.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.next_f64() < p
    }

    /// Uniform in [0, max].
    pub fn duration_up_to(&mut self, max: Duration) -> Duration {
        if max.is_zero() {
            return Duration::ZERO;
        }
        let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(self.next_u64() % nanos.saturating_add(1))
    }
}

/// What the link does to each datagram (the same in both directions).
#[derive(Debug, Clone, PartialEq)]
pub struct LinkConfig {
    /// One-way delay.
    pub latency: Duration,
    /// A uniform extra delay of up to this much per datagram.
    pub jitter: Duration,
    /// Probability that a datagram is lost.
    pub loss: f64,
    /// Probability that a datagram that got through arrives twice (the copy
    /// `latency` later than the original).
    pub duplicate: f64,
    /// Probability that a datagram is held back by `reorder_delay`, so later ones
    /// overtake it.
    pub reorder: f64,
    pub reorder_delay: Duration,
}

impl Default for LinkConfig {
    /// A clean link with 10 ms latency.
    fn default() -> Self {
        Self {
            latency: Duration::from_millis(10),
            jitter: Duration::ZERO,
            loss: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
            reorder_delay: Duration::ZERO,
        }
    }
}

/// A link: decides the fate of each datagram.
#[derive(Debug, Clone)]
pub struct Link {
    pub config: LinkConfig,
    rng: SplitMix64,
}

impl Link {
    pub fn new(config: LinkConfig, seed: u64) -> Self {
        Self {
            config,
            rng: SplitMix64::new(seed),
        }
    }

    /// What happens to one datagram sent at `now`: lost, or when each copy
    /// arrives. Loss is decided first and once, so a datagram gets through with
    /// probability `1 - loss` whatever the duplication.
    pub fn fate(&mut self, now: Time) -> LinkFate {
        let c = &self.config;
        if self.rng.chance(c.loss) {
            return LinkFate::default();
        }
        let mut at = now + c.latency + self.rng.duration_up_to(c.jitter);
        let reordered = self.rng.chance(c.reorder);
        if reordered {
            at += c.reorder_delay;
        }
        let mut arrivals = Vec::with_capacity(2);
        let duplicated = self.rng.chance(c.duplicate);
        if duplicated {
            arrivals.push(at + c.latency.max(Duration::from_millis(1)));
        }
        arrivals.push(at);
        LinkFate {
            arrivals,
            duplicated,
            reordered,
        }
    }
}

/// The fate of one datagram on a link.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkFate {
    /// When each copy arrives (empty: lost; two entries: duplicated, the copy first).
    pub arrivals: Vec<Time>,
    pub duplicated: bool,
    /// Held back by `reorder_delay`, so later datagrams may overtake it.
    pub reordered: bool,
}
