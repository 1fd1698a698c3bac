//! A CHILD SA's ESP state: one outbound and one inbound ESP SA (RFC 4303 §3.3,
//! §3.4), each with its keyed transform built once, plus the sequence counter, the
//! anti-replay window, the counters and the volume limits.

use crate::crypto::CryptoProvider;
use crate::wire::iana::{EncrId, IntegId};

use super::counters::{ChildSaCounters, DirectionCounters, Reported, VolumeLimits};
use super::error::EspError;
use super::replay::ReplayWindow;
use super::transform::EspTransform;

/// One direction: its SPI and keyed transform.
#[derive(Debug, Clone)]
pub(crate) struct EspSa {
    pub(crate) spi: u32,
    /// 64-bit sequence numbers (RFC 4303 §2.2.1).
    pub(crate) esn: bool,
    pub(crate) transform: EspTransform,
}

impl EspSa {
    /// The largest sequence number this SA may send: 2^32 - 1, or 2^64 - 1 with
    /// ESN (RFC 4303 §3.3.3: the counter must not cycle).
    pub(crate) fn max_sequence(&self) -> u64 {
        if self.esn {
            u64::MAX
        } else {
            u64::from(u32::MAX)
        }
    }
}

/// What the data plane needs to build a CHILD SA's ESP state.
#[derive(Debug, Clone, Copy)]
pub struct EspParams<'a> {
    pub spi_in: u32,
    pub spi_out: u32,
    pub encr: EncrId,
    pub encr_key_bits: Option<u16>,
    pub integ: Option<IntegId>,
    pub esn: bool,
    /// (encryption key incl. salt, integrity key) for what we send.
    pub outbound_keys: (&'a [u8], &'a [u8]),
    /// The same for what we receive.
    pub inbound_keys: (&'a [u8], &'a [u8]),
    pub replay_window: u32,
    pub limits: VolumeLimits,
}

/// The ESP state of one CHILD SA. Cloning shares the key schedules.
#[derive(Debug, Clone)]
pub struct ChildEsp {
    pub(crate) outbound: EspSa,
    pub(crate) inbound: EspSa,
    /// The last sequence number sent (0: none yet; the first packet carries 1,
    /// RFC 4303 §3.3.3).
    pub(crate) last_sequence_out: u64,
    pub(crate) replay: ReplayWindow,
    pub(crate) limits: VolumeLimits,
    pub(crate) counters_in: DirectionCounters,
    pub(crate) counters_out: DirectionCounters,
    pub(crate) reported_in: Reported,
    pub(crate) reported_out: Reported,
}

/// Two states are equal when their counters, sequence numbers and windows are;
/// the keys are compared where they come from (`ChildSa`'s `ChildKeys`).
impl PartialEq for ChildEsp {
    fn eq(&self, other: &Self) -> bool {
        self.outbound.spi == other.outbound.spi
            && self.inbound.spi == other.inbound.spi
            && self.last_sequence_out == other.last_sequence_out
            && self.replay == other.replay
            && self.limits == other.limits
            && self.counters_in == other.counters_in
            && self.counters_out == other.counters_out
    }
}

impl Eq for ChildEsp {}

impl ChildEsp {
    /// Keys both directions once.
    pub fn new(provider: &CryptoProvider, params: &EspParams<'_>) -> Result<Self, EspError> {
        let direction =
            |spi: u32, (encr_key, integ_key): (&[u8], &[u8])| -> Result<EspSa, EspError> {
                Ok(EspSa {
                    spi,
                    esn: params.esn,
                    transform: EspTransform::new(
                        provider,
                        params.encr,
                        params.encr_key_bits,
                        params.integ,
                        encr_key,
                        integ_key,
                    )?,
                })
            };
        Ok(Self {
            outbound: direction(params.spi_out, params.outbound_keys)?,
            inbound: direction(params.spi_in, params.inbound_keys)?,
            last_sequence_out: 0,
            replay: ReplayWindow::new(params.replay_window, params.esn),
            limits: params.limits,
            counters_in: DirectionCounters::default(),
            counters_out: DirectionCounters::default(),
            reported_in: Reported::default(),
            reported_out: Reported::default(),
        })
    }

    /// Whether a hard byte or packet limit was crossed in either direction: the SA
    /// is about to be deleted and protects nothing more (RFC 4301 §4.4.2.1).
    pub fn expired(&self) -> bool {
        self.reported_in.hard_reached() || self.reported_out.hard_reached()
    }

    /// The counters for display.
    pub fn counters(&self) -> ChildSaCounters {
        ChildSaCounters {
            inbound: self.counters_in,
            outbound: self.counters_out,
            last_sequence_out: self.last_sequence_out,
            highest_sequence_in: self.replay.highest(),
        }
    }

    /// The anti-replay window.
    pub fn replay_window(&self) -> &ReplayWindow {
        &self.replay
    }

    /// Octets a sealed packet adds at most around a `payload_len`-octet payload.
    pub fn seal_overhead(&self, payload_len: usize) -> usize {
        let t = &self.outbound.transform;
        super::seal::sealed_len(t, payload_len) - payload_len
    }

    /// Moves the outbound counter (tests of sequence exhaustion; a driver restoring
    /// state). The next packet carries `last + 1`.
    pub fn set_last_sequence_out(&mut self, last: u64) {
        self.last_sequence_out = last;
    }
}
