//! Typed errors of the crypto layer. None of them carries secret material.

use core::fmt;
use std::borrow::Cow;

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
        what: Cow<'static, str>,
        expected: usize,
        actual: usize,
    },
    /// The provider has no implementation of this transform.
    Unsupported { what: String },
    /// The peer's Key Exchange data is unusable (RFC 7296 §2.12, RFC 6989).
    InvalidPublicValue {
        group: u16,
        reason: PublicValueDefect,
    },
    /// The Diffie-Hellman result is all zeros (X25519/X448 with a small-order
    /// point, RFC 7748 §6, RFC 8031 §2.3).
    ZeroSharedSecret { group: u16 },
    /// A message too long for the AEAD (never reached by IKE-sized messages).
    MessageTooLong,
    /// The RNG produced only invalid private keys (out of range, or zero) for a
    /// number of draws no working RNG would: it is broken or constant.
    RngFailure { group: u16 },
}

/// What is wrong with a peer's Key Exchange Data (RFC 7296 §2.12, §3.4; RFC 6989).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PublicValueDefect {
    /// The data has a fixed length per group (RFC 7296 §3.4).
    WrongLength { expected: usize, actual: usize },
    /// A MODP value of 0 or 1 (RFC 6989 §2.2).
    ZeroOrOne,
    /// The MODP value p-1, in the subgroup of order 2 (RFC 6989 §2.2).
    PMinusOne,
    /// A MODP value not below the prime (RFC 6989 §2.2).
    NotBelowPrime,
    /// An ECP point not on the curve, or the identity (RFC 6989 §2.3).
    NotOnCurve,
}

impl fmt::Display for PublicValueDefect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongLength { expected, actual } => write!(
                f,
                "Key Exchange Data is {actual} octets, the group needs {expected}"
            ),
            Self::ZeroOrOne => f.write_str("the value is 0 or 1"),
            Self::PMinusOne => {
                f.write_str("the value is p-1, which lies in the subgroup of order 2")
            }
            Self::NotBelowPrime => f.write_str("the value is not less than the prime p"),
            Self::NotOnCurve => f.write_str("the point (x, y) is not on the curve"),
        }
    }
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
