//! Diffie-Hellman groups (RFC 7296 §2.12, §3.4): MODP (RFC 3526), ECP (RFC 5903),
//! Curve25519 and Curve448 (RFC 8031). Every group rejects weak or malformed peer
//! values before computing g^ir (RFC 6989).

pub mod curve;
pub mod ecp;
pub mod modp;

use crate::crypto::{CryptoError, PublicValueDefect};
use crate::wire::iana::DhId;

/// The error for a peer value of the wrong length (RFC 7296 §3.4: the Key Exchange
/// Data has a fixed length per group).
pub(crate) fn wrong_length(group: DhId, expected: usize, actual: usize) -> CryptoError {
    CryptoError::InvalidPublicValue {
        group: group.0,
        reason: PublicValueDefect::WrongLength { expected, actual },
    }
}

/// How many invalid private keys in a row mean the RNG is broken. A uniform RNG
/// draws an invalid scalar with probability below 2^-32 per draw for every group.
pub(crate) const MAX_DRAWS: usize = 64;

/// Fills `len` octets from `rng` (the engine's only source of randomness).
pub(crate) fn random_bytes(rng: &mut dyn rand_core::CryptoRng, len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    rng.fill_bytes(&mut bytes);
    bytes
}
