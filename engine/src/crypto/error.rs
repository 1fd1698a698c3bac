//! Typed errors of the crypto layer. None of them carries secret material.

use core::fmt;

use serde::{Deserialize, Serialize};

/// Why a cryptographic operation failed.
///
/// Errors that come from the peer's bytes (a bad ICV, bad padding, a weak public
/// value) are separated from errors that mean this endpoint asked for something the
/// provider cannot do (an unsupported transform, a key of the wrong length).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CryptoError {
    /// The integrity check value (or AEAD tag) does not match: the message was
    /// modified, truncated or sealed under another key (RFC 7296 §3.14).
    IntegrityCheckFailed,
    /// The input is shorter than the fixed parts it must contain (IV, ICV, one
    /// block, the Pad Length octet).
    Truncated { needed: usize, available: usize },
    /// CBC ciphertext whose length is not a multiple of the cipher's block size.
    NotBlockAligned { length: usize, block: usize },
    /// The Pad Length octet names more padding than the plaintext holds (§3.14).
    BadPadding { pad_length: usize, available: usize },
    /// A key, salt, IV or nonce of the wrong length was handed to an algorithm.
    /// This is a programming error on our side, never the peer's.
    InvalidLength {
        what: &'static str,
        expected: usize,
        actual: usize,
    },
    /// The provider has no implementation of this transform.
    Unsupported { what: String },
    /// The peer's Key Exchange data is unusable (RFC 7296 §2.12, RFC 6989).
    InvalidPublicValue { group: u16, reason: String },
    /// The Diffie-Hellman result is all zeros (X25519/X448 with a small-order
    /// point, RFC 7748 §6, RFC 8031 §2.3).
    ZeroSharedSecret { group: u16 },
    /// A message too long for the AEAD (never reached by IKE-sized messages).
    MessageTooLong,
    /// The RNG produced only invalid private keys (out of range, or zero) for a
    /// number of draws no working RNG would: it is broken or constant.
    RngFailure { group: u16 },
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::IntegrityCheckFailed => f.write_str("integrity check value does not match"),
            Self::Truncated { needed, available } => {
                write!(f, "input too short: need {needed} octets, have {available}")
            }
            Self::NotBlockAligned { length, block } => write!(
                f,
                "ciphertext of {length} octets is not a multiple of the {block}-octet block"
            ),
            Self::BadPadding {
                pad_length,
                available,
            } => write!(
                f,
                "Pad Length {pad_length} exceeds the {available} octets before it"
            ),
            Self::InvalidLength {
                what,
                expected,
                actual,
            } => write!(f, "{what}: expected {expected} octets, got {actual}"),
            Self::Unsupported { what } => write!(f, "not supported by this provider: {what}"),
            Self::InvalidPublicValue { group, reason } => {
                write!(f, "invalid public value for D-H group {group}: {reason}")
            }
            Self::ZeroSharedSecret { group } => {
                write!(f, "D-H group {group} produced an all-zero shared secret")
            }
            Self::MessageTooLong => f.write_str("message too long for the cipher"),
            Self::RngFailure { group } => write!(
                f,
                "the random number generator produced no valid private key for D-H group {group}"
            ),
        }
    }
}

impl core::error::Error for CryptoError {}
