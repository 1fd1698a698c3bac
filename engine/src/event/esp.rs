//! The ESP data plane's records (RFC 4303 §3.3 outbound, §3.4 inbound): a packet
//! sealed, opened or refused, with its dissection (SPI, Sequence Number, IV,
//! ciphertext, ICV, the inner packet) for the inspector.
//!
//! They are opt-in (`EngineConfig::esp_events`): a gateway's fast path reports
//! nothing per packet, the lab reports every one.

use core::fmt;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::ids::ChildSaId;
use crate::child::EspError;
use crate::wire::Dissection;
use crate::wire::ip::InnerKind;

/// One ESP packet that was sealed or opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EspPacketEvent {
    pub child: ChildSaId,
    /// The SPI on the packet: the peer's (outbound) or ours (inbound).
    pub spi: u32,
    /// The full sequence number (with its high half when ESN is on, RFC 4303 §2.2.1).
    pub sequence: u64,
    /// Outer addresses (ports 0 for plain ESP, IP protocol 50).
    pub src: SocketAddr,
    pub dst: SocketAddr,
    /// Carried in UDP between the NAT-T ports (RFC 3948).
    pub udp_encap: bool,
    /// Octets of the ESP packet, SPI to ICV.
    pub length: usize,
    /// What the inner packet is (`[expect]` names it: `esp_opened:echo_reply`).
    pub kind: InnerKind,
    /// The inner packet in one line (`ICMP echo request 10.3.0.1 > 10.1.0.5 id 1 seq 1`).
    pub inner: String,
    /// The ESP packet's fields, its encrypted part decrypted.
    pub dissection: Dissection,
}

/// An ESP packet the data plane refused (RFC 4303 §3.4: dropped and audited).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EspDropEvent {
    /// The CHILD SA whose SPI the packet carried, if one has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child: Option<ChildSaId>,
    pub spi: u32,
    /// The low 32 bits, as sent.
    pub sequence: u32,
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub length: usize,
    pub reason: EspDropReason,
    /// The ESP packet's fields as received (not decrypted).
    pub dissection: Dissection,
}

/// Why an ESP packet was refused: the data plane's error, typed, with its message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EspDropReason {
    pub kind: EspErrorKind,
    pub message: String,
}

impl EspDropReason {
    pub fn of(error: &EspError) -> Self {
        Self {
            kind: EspErrorKind::of(error),
            message: error.to_string(),
        }
    }
}

/// The kind of an [`EspError`], as the trace and `[expect]` name it
/// (`esp_dropped:replay`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EspErrorKind {
    UnknownSpi,
    UnknownChild,
    NoCoveringChildSa,
    ZeroSpi,
    Replay,
    IcvMismatch,
    BadPadding,
    BadPadLength,
    NotBlockAligned,
    SelectorViolation,
    DummyPacket,
    UnexpectedNextHeader,
    BadInnerPacket,
    SequenceExhausted,
    Expired,
    BufferTooSmall,
    Truncated,
    Crypto,
}

impl EspErrorKind {
    pub fn of(error: &EspError) -> Self {
        match error {
            EspError::UnknownSpi { .. } => Self::UnknownSpi,
            EspError::UnknownChild => Self::UnknownChild,
            EspError::NoCoveringChildSa { .. } => Self::NoCoveringChildSa,
            EspError::ZeroSpi => Self::ZeroSpi,
            EspError::Replay(_) => Self::Replay,
            EspError::IcvMismatch => Self::IcvMismatch,
            EspError::BadPadding => Self::BadPadding,
            EspError::BadPadLength { .. } => Self::BadPadLength,
            EspError::NotBlockAligned { .. } => Self::NotBlockAligned,
            EspError::SelectorViolation { .. } => Self::SelectorViolation,
            EspError::DummyPacket => Self::DummyPacket,
            EspError::UnexpectedNextHeader { .. } => Self::UnexpectedNextHeader,
            EspError::BadInnerPacket => Self::BadInnerPacket,
            EspError::SequenceExhausted => Self::SequenceExhausted,
            EspError::Expired => Self::Expired,
            EspError::BufferTooSmall { .. } => Self::BufferTooSmall,
            EspError::Truncated { .. } => Self::Truncated,
            EspError::Crypto(_) => Self::Crypto,
        }
    }

    /// The snake-case name (`"replay"`).
    pub fn name(self) -> &'static str {
        match self {
            Self::UnknownSpi => "unknown_spi",
            Self::UnknownChild => "unknown_child",
            Self::NoCoveringChildSa => "no_covering_child_sa",
            Self::ZeroSpi => "zero_spi",
            Self::Replay => "replay",
            Self::IcvMismatch => "icv_mismatch",
            Self::BadPadding => "bad_padding",
            Self::BadPadLength => "bad_pad_length",
            Self::NotBlockAligned => "not_block_aligned",
            Self::SelectorViolation => "selector_violation",
            Self::DummyPacket => "dummy_packet",
            Self::UnexpectedNextHeader => "unexpected_next_header",
            Self::BadInnerPacket => "bad_inner_packet",
            Self::SequenceExhausted => "sequence_exhausted",
            Self::Expired => "expired",
            Self::BufferTooSmall => "buffer_too_small",
            Self::Truncated => "truncated",
            Self::Crypto => "crypto",
        }
    }
}

impl fmt::Display for EspErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl EspPacketEvent {
    /// "sending ESP SPI 0xc0ffee01 seq 1 (136 bytes, in UDP 4500): ICMP echo
    /// request ...", with `verb` "sending" or "opened".
    pub fn log_line(&self, verb: &str) -> String {
        format!(
            "{verb} ESP SPI 0x{:08x} seq {} ({} bytes{}): {}",
            self.spi,
            self.sequence,
            self.length,
            if self.udp_encap { ", in UDP 4500" } else { "" },
            self.inner
        )
    }
}

impl EspDropEvent {
    /// "dropping ESP SPI 0xc0ffee01 seq 3: replay check failed: ...".
    pub fn log_line(&self) -> String {
        format!(
            "dropping ESP SPI 0x{:08x} seq {}: {}",
            self.spi, self.sequence, self.reason.message
        )
    }
}
