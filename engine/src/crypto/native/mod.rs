//! The native provider: AWS-LC (through aws-lc-rs) and ring wherever they implement
//! a transform, RustCrypto for the rest. Compiled with the `native-crypto` feature on
//! native targets only; the browser build never sees it.
//!
//! Chosen by the numbers (`benches/crypto.rs`, `benches/esp.rs`, one core of the
//! 2-core build machine, release build):
//!
//! * From AWS-LC: X25519 (keygen + shared secret ~32 µs against RustCrypto's ~106 µs)
//!   and ECP-256/384/521 (P-256 ~61 µs against ~515 µs), RFC 8031 and RFC 5903;
//!   AES-GCM-192 with the 16-octet ICV; AES-CBC (encrypt ~1.3 against ~1.0 GiB/s,
//!   decrypt ~2x).
//! * From ring: AES-GCM-128/256 with the 16-octet ICV and ChaCha20-Poly1305, the
//!   ESP data plane's and SK payload's AEADs. 1400-octet ESP seal+open through the
//!   engine: ~2.33 GB/s on ring, ~2.05 GB/s on AWS-LC, ~0.97 GB/s on RustCrypto;
//!   see `aead` for why.
//! * From RustCrypto, because neither library offers them: AES-GCM with 8- and
//!   12-octet ICVs (both verify only full tags), Camellia and Blowfish, Curve448 and
//!   the MODP groups.
//! * From RustCrypto because it is faster: the HMAC PRFs and integrity transforms.
//!   aws-lc-rs re-creates and copies an `HMAC_CTX` per call and has no multi-part
//!   write into a caller buffer; measured with an aws-lc-rs HMAC in this table,
//!   prf+ for 168 octets with PRF-HMAC-SHA2-256 took ~3.0 µs against ~1.8 µs, and
//!   a 64-octet HMAC-SHA2-256-128 ICV ~274 ns against ~187 ns (1400 octets: equal
//!   within 7 %, both on SHA extensions).
//!
//! Every provider draws private keys from the caller's RNG identically, so the same
//! seed gives the same bytes on the wire with either; every vector in `crypto::kat`
//! runs against both, and `tests` checks each direction across them.

mod aead;
mod cbc;
mod kx;
#[cfg(test)]
mod tests;

use super::dh::{curve, modp};
use super::encr::{aead as rust_aead, cbc as rust_cbc};
use super::provider::{Cipher, CryptoProvider, KeyExchangeGroup};

/// Same order as the RustCrypto table, so negotiation behaves the same.
static CIPHERS: [Cipher; 19] = [
    Cipher::Aead(&aead::AES_GCM_16_128),
    Cipher::Aead(&aead::AES_GCM_16_192),
    Cipher::Aead(&aead::AES_GCM_16_256),
    Cipher::Aead(&rust_aead::AES_GCM_12_128),
    Cipher::Aead(&rust_aead::AES_GCM_12_192),
    Cipher::Aead(&rust_aead::AES_GCM_12_256),
    Cipher::Aead(&rust_aead::AES_GCM_8_128),
    Cipher::Aead(&rust_aead::AES_GCM_8_192),
    Cipher::Aead(&rust_aead::AES_GCM_8_256),
    Cipher::Aead(&aead::CHACHA20_POLY1305),
    Cipher::Cbc(&cbc::AES_CBC_128),
    Cipher::Cbc(&cbc::AES_CBC_192),
    Cipher::Cbc(&cbc::AES_CBC_256),
    Cipher::Cbc(&rust_cbc::CAMELLIA_CBC_128),
    Cipher::Cbc(&rust_cbc::CAMELLIA_CBC_192),
    Cipher::Cbc(&rust_cbc::CAMELLIA_CBC_256),
    Cipher::Cbc(&rust_cbc::BLOWFISH_CBC_128),
    Cipher::Cbc(&rust_cbc::BLOWFISH_CBC_192),
    Cipher::Cbc(&rust_cbc::BLOWFISH_CBC_256),
];

static GROUPS: [&dyn KeyExchangeGroup; 8] = [
    &kx::CURVE_25519,
    &curve::CURVE_448,
    &kx::ECP_256,
    &kx::ECP_384,
    &kx::ECP_521,
    &modp::MODP_2048,
    &modp::MODP_3072,
    &modp::MODP_4096,
];

/// The native provider (AWS-LC and ring, with RustCrypto for what they lack).
pub static NATIVE: CryptoProvider = CryptoProvider {
    name: "native",
    // The RustCrypto HMACs (see above).
    prfs: super::RUST_CRYPTO.prfs,
    integs: super::RUST_CRYPTO.integs,
    ciphers: &CIPHERS,
    groups: &GROUPS,
};
