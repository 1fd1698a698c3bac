//! Traffic counters and volume lifetimes of a CHILD SA (swanctl.conf's
//! `rekey_bytes`/`life_bytes`, `rekey_packets`/`life_packets`; RFC 4301 §4.4.2.1
//! "SA lifetime": a soft limit asks for a rekey, a hard one ends the SA), and the
//! sequence-number limit (RFC 4303 §3.3.3: the counter must not cycle; the SA is
//! rekeyed before it would).
//!
//! Each ESP SA (one per direction) is counted and limited on its own, as charon does
//! with the kernel's per-SA counters. Bytes are inner-packet octets (the plaintext
//! an SA protects), as the Linux kernel counts them.

use serde::{Deserialize, Serialize};

use crate::config::ChildConfig;

/// How far before the last sequence number a rekey is asked for (2^20 packets:
/// about a second of headroom at a million packets per second).
pub const SEQUENCE_SOFT_MARGIN: u64 = 1 << 20;

/// Soft or hard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitLevel {
    /// Rekey now (RFC 4301 §4.4.2.1 "soft lifetime").
    Soft,
    /// The SA must not be used any more (RFC 4301 §4.4.2.1 "hard lifetime").
    Hard,
}

/// What ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitReason {
    Bytes,
    Packets,
    /// The outbound sequence number nears (soft) or reached (hard) its last value.
    Sequence,
}

/// A limit a CHILD SA crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VolumeLimit {
    pub level: LimitLevel,
    pub reason: LimitReason,
}

/// The configured volume limits of one CHILD SA; 0 disables a limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VolumeLimits {
    pub soft_bytes: u64,
    pub hard_bytes: u64,
    pub soft_packets: u64,
    pub hard_packets: u64,
}

impl VolumeLimits {
    /// From a child configuration: soft = `rekey_*`, hard = `life_*` (charon's
    /// default `rekey * 110 %`). charon lowers the soft limit by a random part of
    /// `rand_*`; this engine uses the exact value, so runs are reproducible.
    pub fn from_config(config: &ChildConfig) -> Self {
        Self {
            soft_bytes: config.rekey_bytes,
            hard_bytes: config.effective_life_bytes(),
            soft_packets: config.rekey_packets,
            hard_packets: config.effective_life_packets(),
        }
    }

    /// Whether `counters` are below every configured limit: the per-packet test,
    /// four comparisons (`limit - 1` wraps a disabled limit of 0 to `u64::MAX`).
    #[inline]
    fn none_reached(&self, counters: &DirectionCounters) -> bool {
        let below = |limit: u64, value: u64| value <= limit.wrapping_sub(1);
        below(self.soft_bytes, counters.bytes)
            && below(self.hard_bytes, counters.bytes)
            && below(self.soft_packets, counters.packets)
            && below(self.hard_packets, counters.packets)
    }
}

/// The counters of one direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectionCounters {
    /// Inner-packet octets protected (out) or accepted (in).
    pub bytes: u64,
    /// Packets protected or accepted.
    pub packets: u64,
    /// Inbound only: authenticated-or-not packets for this SA that were refused
    /// (replay, ICV, padding, selectors, dummy packets).
    pub dropped: u64,
}

/// A CHILD SA's counters, for the browser and the CLI.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildSaCounters {
    pub inbound: DirectionCounters,
    pub outbound: DirectionCounters,
    /// The last sequence number sent (0: none yet).
    pub last_sequence_out: u64,
    /// The highest sequence number received and authenticated.
    pub highest_sequence_in: u64,
}

/// Which crossings were already reported (each is reported once).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Reported(u8);

impl Reported {
    fn bit(limit: VolumeLimit) -> u8 {
        let level = match limit.level {
            LimitLevel::Soft => 0,
            LimitLevel::Hard => 3,
        };
        let reason = match limit.reason {
            LimitReason::Bytes => 0,
            LimitReason::Packets => 1,
            LimitReason::Sequence => 2,
        };
        1 << (level + reason)
    }

    /// Whether a hard limit was crossed (RFC 4301 §4.4.2.1: the SA must not be
    /// used any more).
    pub(crate) fn hard_reached(self) -> bool {
        self.0 & 0b11_1000 != 0
    }

    /// Marks `limit` reported; `true` the first time.
    pub(crate) fn first(&mut self, limit: VolumeLimit) -> bool {
        let bit = Self::bit(limit);
        let first = self.0 & bit == 0;
        self.0 |= bit;
        first
    }
}

/// Adds one packet of `bytes` to `counters` and returns the most severe limit it
/// crossed for the first time, if any. Limits crossed by the same packet together
/// with a more severe one are marked reported too (a hard limit supersedes a soft
/// one: the SA expires rather than rekeys).
#[inline]
pub(crate) fn count(
    counters: &mut DirectionCounters,
    limits: &VolumeLimits,
    reported: &mut Reported,
    bytes: u64,
) -> Option<VolumeLimit> {
    counters.bytes = counters.bytes.saturating_add(bytes);
    counters.packets = counters.packets.saturating_add(1);
    if limits.none_reached(counters) {
        return None;
    }
    let checks = [
        (
            LimitLevel::Hard,
            LimitReason::Bytes,
            limits.hard_bytes,
            counters.bytes,
        ),
        (
            LimitLevel::Hard,
            LimitReason::Packets,
            limits.hard_packets,
            counters.packets,
        ),
        (
            LimitLevel::Soft,
            LimitReason::Bytes,
            limits.soft_bytes,
            counters.bytes,
        ),
        (
            LimitLevel::Soft,
            LimitReason::Packets,
            limits.soft_packets,
            counters.packets,
        ),
    ];
    let mut crossed = None;
    for (level, reason, limit, value) in checks {
        if limit != 0 && value >= limit {
            let limit = VolumeLimit { level, reason };
            if reported.first(limit) && crossed.is_none() {
                crossed = Some(limit);
            }
        }
    }
    crossed
}

/// The sequence-number verdict after sending `sequence`, whose largest allowed
/// value is `max` (2^32 - 1 without ESN, 2^64 - 1 with).
#[inline]
pub(crate) fn sequence_limit(
    sequence: u64,
    max: u64,
    reported: &mut Reported,
) -> Option<VolumeLimit> {
    let level = if sequence >= max {
        LimitLevel::Hard
    } else if sequence >= max.saturating_sub(SEQUENCE_SOFT_MARGIN) {
        LimitLevel::Soft
    } else {
        return None;
    };
    let limit = VolumeLimit {
        level,
        reason: LimitReason::Sequence,
    };
    reported.first(limit).then_some(limit)
}
