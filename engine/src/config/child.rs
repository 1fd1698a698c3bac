//! `[children.NAME]`: one CHILD SA configuration (swanctl.conf(5),
//! `connections.<conn>.children.<child>`), with swanctl's names and 5.9.8 defaults.
//!
//! Lifetimes follow charon: `rekey_time` (soft) starts a rekey, minus a random part of
//! up to `rand_time`; `life_time` (hard) closes the SA if the rekey has not happened.
//! When `life_time` / `rand_time` are not written they are derived as charon derives
//! them (`life = rekey * 110 / 100` in whole units, `rand = life - rekey`); the same for
//! bytes and packets. 0 disables a limit.

use core::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration::{serde_duration, serde_opt_duration};
use super::policy::{CloseAction, DpdAction, Mode, StartAction};
use super::selector::TrafficSelector;
use super::volume::{serde_opt_volume, serde_volume};

/// One CHILD SA configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChildConfig {
    /// swanctl.conf(5) `esp_proposals [default]`: strongSwan proposal strings such as
    /// `"aes256gcm16"`, `"aes128-sha256-modp2048"` (a key-exchange group here only
    /// applies to CREATE_CHILD_SA, so a mismatch shows at the first rekey).
    pub esp_proposals: Vec<String>,
    /// swanctl.conf(5) `local_ts [dynamic]`.
    pub local_ts: Vec<TrafficSelector>,
    /// swanctl.conf(5) `remote_ts [dynamic]`.
    pub remote_ts: Vec<TrafficSelector>,
    /// swanctl.conf(5) `mode [tunnel]`.
    pub mode: Mode,
    /// swanctl.conf(5) `rekey_time [1h]`.
    #[serde(with = "serde_duration")]
    pub rekey_time: Duration,
    /// swanctl.conf(5) `life_time [rekey_time + 10%]`; see [`Self::effective_life_time`].
    #[serde(
        default,
        with = "serde_opt_duration",
        skip_serializing_if = "Option::is_none"
    )]
    pub life_time: Option<Duration>,
    /// swanctl.conf(5) `rand_time [life_time - rekey_time]`; see
    /// [`Self::effective_rand_time`].
    #[serde(
        default,
        with = "serde_opt_duration",
        skip_serializing_if = "Option::is_none"
    )]
    pub rand_time: Option<Duration>,
    /// swanctl.conf(5) `rekey_bytes [0]` (disabled).
    #[serde(with = "serde_volume")]
    pub rekey_bytes: u64,
    /// swanctl.conf(5) `life_bytes [rekey_bytes + 10%]`.
    #[serde(
        default,
        with = "serde_opt_volume",
        skip_serializing_if = "Option::is_none"
    )]
    pub life_bytes: Option<u64>,
    /// swanctl.conf(5) `rand_bytes [life_bytes - rekey_bytes]`.
    #[serde(
        default,
        with = "serde_opt_volume",
        skip_serializing_if = "Option::is_none"
    )]
    pub rand_bytes: Option<u64>,
    /// swanctl.conf(5) `rekey_packets [0]` (disabled).
    pub rekey_packets: u64,
    /// swanctl.conf(5) `life_packets [rekey_packets + 10%]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub life_packets: Option<u64>,
    /// swanctl.conf(5) `rand_packets [life_packets - rekey_packets]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rand_packets: Option<u64>,
    /// swanctl.conf(5) `inactivity [0s]`: close the SA after this long without
    /// traffic in either direction (0 disables).
    #[serde(with = "serde_duration")]
    pub inactivity: Duration,
    /// swanctl.conf(5) `replay_window [32]`: the ESP anti-replay window in packets
    /// (RFC 4303 §3.4.3); 0 disables replay protection.
    pub replay_window: u32,
    /// swanctl.conf(5) `dpd_action [clear]`.
    pub dpd_action: DpdAction,
    /// swanctl.conf(5) `start_action [none]`.
    pub start_action: StartAction,
    /// swanctl.conf(5) `close_action [none]`.
    pub close_action: CloseAction,
}

impl Default for ChildConfig {
    fn default() -> Self {
        Self {
            esp_proposals: vec!["default".to_owned()],
            local_ts: vec![TrafficSelector::DYNAMIC],
            remote_ts: vec![TrafficSelector::DYNAMIC],
            mode: Mode::Tunnel,
            rekey_time: Duration::from_secs(3_600),
            life_time: None,
            rand_time: None,
            rekey_bytes: 0,
            life_bytes: None,
            rand_bytes: None,
            rekey_packets: 0,
            life_packets: None,
            rand_packets: None,
            inactivity: Duration::ZERO,
            replay_window: 32,
            dpd_action: DpdAction::Clear,
            start_action: StartAction::None,
            close_action: CloseAction::None,
        }
    }
}

/// charon's `life = rekey * 110 / 100` in whole units (seconds, bytes, packets).
fn plus_ten_percent(rekey: u64) -> u64 {
    u64::try_from(u128::from(rekey) * 110 / 100).unwrap_or(u64::MAX)
}

impl ChildConfig {
    /// `life_time`, or charon's default `rekey_time * 110 / 100` in whole seconds
    /// (so `"5s"` gives 5 s, as in charon); a sub-second `rekey_time` (an IKElab
    /// extension) is scaled exactly instead.
    pub fn effective_life_time(&self) -> Duration {
        self.life_time.unwrap_or_else(|| {
            if self.rekey_time.subsec_nanos() == 0 {
                Duration::from_secs(plus_ten_percent(self.rekey_time.as_secs()))
            } else {
                let nanos = self.rekey_time.as_nanos() * 110 / 100;
                Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
            }
        })
    }

    /// `rand_time`, or charon's default `life_time - min(life_time, rekey_time)`.
    pub fn effective_rand_time(&self) -> Duration {
        self.rand_time
            .unwrap_or_else(|| self.effective_life_time().saturating_sub(self.rekey_time))
    }

    /// `life_bytes`, or `rekey_bytes * 110 / 100`.
    pub fn effective_life_bytes(&self) -> u64 {
        self.life_bytes
            .unwrap_or_else(|| plus_ten_percent(self.rekey_bytes))
    }

    /// `rand_bytes`, or `life_bytes - min(life_bytes, rekey_bytes)`.
    pub fn effective_rand_bytes(&self) -> u64 {
        self.rand_bytes
            .unwrap_or_else(|| self.effective_life_bytes().saturating_sub(self.rekey_bytes))
    }

    /// `life_packets`, or `rekey_packets * 110 / 100`.
    pub fn effective_life_packets(&self) -> u64 {
        self.life_packets
            .unwrap_or_else(|| plus_ten_percent(self.rekey_packets))
    }

    /// `rand_packets`, or `life_packets - min(life_packets, rekey_packets)`.
    pub fn effective_rand_packets(&self) -> u64 {
        self.rand_packets.unwrap_or_else(|| {
            self.effective_life_packets()
                .saturating_sub(self.rekey_packets)
        })
    }
}
