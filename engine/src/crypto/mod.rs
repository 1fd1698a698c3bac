//! Cryptography for IKEv2 and ESP: the transform registry, PRFs, integrity and
//! encryption transforms, Diffie-Hellman groups, prf+, the key schedule, SK payload
//! protection and AUTH (RFC 7296 §2.13-§2.18, §3.14; RFC 5282).
//!
//! Algorithms sit behind a [`CryptoProvider`] (a table keyed by IANA transform IDs,
//! as in rustls); [`RUST_CRYPTO`] is the pure-Rust provider that also runs in the
//! browser; with the `native-crypto` feature on a native target, `NATIVE` (aws-lc-rs
//! and ring, RustCrypto for what they lack; see `crypto::native`) is added and becomes
//! [`default_provider`]. Randomness always comes from the caller's `rand_core::CryptoRng`.
//! Secrets are [`Secret`]s (zeroized on drop, constant-time equality); ICVs and AUTH
//! values are compared in constant time.
//!
//! This module depends on neither `ike` nor `child` (a test reads the sources to
//! keep it so): the Wireshark key tables built from its keys live on the capture
//! side (`capture::keys`), and the sink secrets leave the engine through is
//! `keylog::KeyLog`.

mod error;
mod secret;

pub mod auth;
pub mod dh;
pub mod encr;
pub mod integ;
pub mod keys;
#[cfg(all(feature = "native-crypto", not(target_arch = "wasm32")))]
pub mod native;
pub mod prf;
pub mod prf_plus;
pub mod provider;
pub mod rust_crypto;
pub mod sk;

#[cfg(test)]
pub(crate) mod kat;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod layering_tests;
#[cfg(test)]
mod sk_tests;
#[cfg(test)]
pub(crate) mod test_rng;

pub use error::{CryptoError, PublicValueDefect};
#[cfg(all(feature = "native-crypto", not(target_arch = "wasm32")))]
pub use native::NATIVE;
pub use provider::{
    ActiveKeyExchange, AeadCipher, AeadKey, CbcCipher, CbcKey, Cipher, CryptoProvider, Integ,
    IntegKey, KeyExchangeGroup, Prf,
};
pub use rust_crypto::RUST_CRYPTO;
pub use secret::{Secret, from_hex, to_hex};

/// The provider an [`EngineConfig`](crate::EngineConfig) starts with: `NATIVE`
/// when the `native-crypto` feature is on (native targets only), else
/// [`RUST_CRYPTO`].
pub const fn default_provider() -> &'static CryptoProvider {
    #[cfg(all(feature = "native-crypto", not(target_arch = "wasm32")))]
    {
        &NATIVE
    }
    #[cfg(not(all(feature = "native-crypto", not(target_arch = "wasm32"))))]
    {
        &RUST_CRYPTO
    }
}

/// Every provider compiled in, [`RUST_CRYPTO`] first (for tests, benchmarks and a
/// provider choice in a user interface).
pub fn providers() -> &'static [&'static CryptoProvider] {
    static PROVIDERS: &[&CryptoProvider] = &[
        &RUST_CRYPTO,
        #[cfg(all(feature = "native-crypto", not(target_arch = "wasm32")))]
        &NATIVE,
    ];
    PROVIDERS
}
