//! Cryptography for IKEv2 and ESP: the transform registry, PRFs, integrity and
//! encryption transforms, Diffie-Hellman groups, prf+, the key schedule, SK payload
//! protection and AUTH (RFC 7296 §2.13-§2.18, §3.14; RFC 5282).
//!
//! Algorithms sit behind a [`CryptoProvider`] (a table keyed by IANA transform IDs,
//! as in rustls); [`RUST_CRYPTO`] is the pure-Rust provider that also runs in the
//! browser. Randomness always comes from the caller's `rand_core::CryptoRng`.
//! Secrets are [`Secret`]s (zeroized on drop, constant-time equality); ICVs and AUTH
//! values are compared in constant time.

mod error;
mod secret;

pub mod auth;
pub mod dh;
pub mod encr;
pub mod integ;
pub mod keylog;
pub mod keys;
pub mod prf;
pub mod prf_plus;
pub mod provider;
pub mod rust_crypto;
pub mod sk;

#[cfg(test)]
mod kat;
#[cfg(test)]
mod sk_tests;
#[cfg(test)]
pub(crate) mod test_rng;

pub use error::CryptoError;
pub use provider::{
    ActiveKeyExchange, AeadCipher, AeadKey, CbcCipher, CbcKey, Cipher, CryptoProvider, Integ,
    IntegKey, KeyExchangeGroup, Prf,
};
pub use rust_crypto::RUST_CRYPTO;
pub use secret::{Secret, from_hex, to_hex};
