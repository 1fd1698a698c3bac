//! Why the ESP data plane refused to seal or open a packet.

use core::fmt;
use std::net::IpAddr;

use super::replay::ReplayError;
use crate::crypto::CryptoError;

/// A packet the data plane refused, and why. Every malformed input ends here,
/// never in a panic.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EspError {
    /// No inbound ESP SA has this SPI (RFC 4303 §3.4.2: discard, auditable event).
    UnknownSpi { spi: u32 },
    /// `seal` named a CHILD SA that is not installed (or no longer).
    UnknownChild,
    /// No installed CHILD SA's traffic selectors cover this outbound packet (RFC 4301
    /// §5.1: no SPD entry protects it; nothing is sent).
    NoCoveringChildSa {
        src: IpAddr,
        dst: IpAddr,
        protocol: u8,
    },
    /// SPI 0 is reserved and never sent (RFC 4303 §2.1).
    ZeroSpi,
    /// Refused by the anti-replay window (RFC 4303 §3.4.3).
    Replay(ReplayError),
    /// The ICV did not verify (RFC 4303 §3.4.4): forged, corrupted, or wrong keys.
    IcvMismatch,
    /// The padding is not the default 1, 2, 3, … (RFC 4303 §2.4).
    BadPadding,
    /// Pad Length points before the start of the payload (RFC 4303 §2.5).
    BadPadLength { pad_length: u8 },
    /// The ciphertext is not a whole number of cipher blocks (RFC 3602 §2.4... of the
    /// cipher in use).
    NotBlockAligned { length: usize, block: usize },
    /// The decrypted packet's addresses or protocol lie outside the CHILD SA's traffic
    /// selectors (RFC 4301 §5.2 step 4: drop and report).
    SelectorViolation {
        src: IpAddr,
        dst: IpAddr,
        protocol: u8,
    },
    /// A dummy packet (Next Header 59, RFC 4303 §2.6): authenticated, counted by the
    /// replay window, then discarded.
    DummyPacket,
    /// The payload is not what the mode expects (tunnel mode: an IPv4 or IPv6 packet,
    /// Next Header 4 or 41, RFC 4303 §2.6).
    UnexpectedNextHeader { next_header: u8 },
    /// The packet to seal, or the decrypted inner packet, is not a valid IP packet.
    BadInnerPacket,
    /// The outbound sequence number would wrap (RFC 4303 §3.3.3): the SA must be
    /// rekeyed; nothing is sent.
    SequenceExhausted,
    /// The CHILD SA crossed its hard byte or packet lifetime (RFC 4301 §4.4.2.1): it
    /// is being deleted and seals nothing more.
    Expired,
    /// The caller's buffer cannot hold the result (see `child::SEAL_OVERHEAD_MAX`
    /// and `child::OPEN_HEADROOM`).
    BufferTooSmall { needed: usize, available: usize },
    /// The received packet is shorter than its header, IV, trailer and ICV.
    Truncated { needed: usize, available: usize },
    /// A transform the data plane cannot run (unknown algorithm, wrong key length).
    Crypto(CryptoError),
}

impl From<ReplayError> for EspError {
    fn from(e: ReplayError) -> Self {
        Self::Replay(e)
    }
}

impl fmt::Display for EspError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownSpi { spi } => write!(f, "no inbound ESP SA with SPI 0x{spi:08x}"),
            Self::UnknownChild => f.write_str("no such CHILD SA"),
            Self::NoCoveringChildSa { src, dst, protocol } => write!(
                f,
                "no CHILD SA's traffic selectors cover {src} -> {dst} (protocol {protocol})"
            ),
            Self::ZeroSpi => f.write_str("ESP SPI 0 is reserved (RFC 4303 §2.1)"),
            Self::Replay(e) => write!(f, "replay check failed: {e}"),
            Self::IcvMismatch => f.write_str("ICV mismatch (RFC 4303 §3.4.4)"),
            Self::BadPadding => f.write_str("padding is not 1, 2, 3, … (RFC 4303 §2.4)"),
            Self::BadPadLength { pad_length } => write!(
                f,
                "Pad Length {pad_length} exceeds the decrypted payload (RFC 4303 §2.5)"
            ),
            Self::NotBlockAligned { length, block } => write!(
                f,
                "ciphertext of {length} octets is not a multiple of the {block}-octet block"
            ),
            Self::SelectorViolation { src, dst, protocol } => write!(
                f,
                "inner packet {src} -> {dst} (protocol {protocol}) is outside the CHILD SA's traffic selectors"
            ),
            Self::DummyPacket => f.write_str("dummy packet (Next Header 59) discarded"),
            Self::UnexpectedNextHeader { next_header } => {
                write!(f, "unexpected Next Header {next_header} for this mode")
            }
            Self::BadInnerPacket => f.write_str("the inner packet is not a valid IP packet"),
            Self::SequenceExhausted => f.write_str(
                "the sequence number would wrap: the CHILD SA must be rekeyed (RFC 4303 §3.3.3)",
            ),
            Self::Expired => f.write_str(
                "the CHILD SA reached its hard lifetime and is being deleted (RFC 4301 §4.4.2.1)",
            ),
            Self::BufferTooSmall { needed, available } => {
                write!(f, "buffer of {available} octets too small, {needed} needed")
            }
            Self::Truncated { needed, available } => write!(
                f,
                "ESP packet of {available} octets is truncated, at least {needed} needed"
            ),
            Self::Crypto(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for EspError {}
