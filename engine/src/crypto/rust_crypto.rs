//! The RustCrypto provider: pure Rust, no platform code, compiles to
//! wasm32-unknown-unknown. Every entry here is covered by `crypto::kat`.

use super::dh::{curve, ecp, modp};
use super::encr::{aead, cbc};
use super::provider::{Cipher, CryptoProvider, Integ, KeyExchangeGroup, Prf};
use super::{integ, prf};

static PRFS: [&dyn Prf; 4] = [
    &prf::PRF_HMAC_SHA2_256,
    &prf::PRF_HMAC_SHA2_384,
    &prf::PRF_HMAC_SHA2_512,
    &prf::PRF_HMAC_SHA1,
];

static INTEGS: [&dyn Integ; 4] = [
    &integ::AUTH_HMAC_SHA2_256_128,
    &integ::AUTH_HMAC_SHA2_384_192,
    &integ::AUTH_HMAC_SHA2_512_256,
    &integ::AUTH_HMAC_SHA1_96,
];

static CIPHERS: [Cipher; 19] = [
    Cipher::Aead(&aead::AES_GCM_16_128),
    Cipher::Aead(&aead::AES_GCM_16_192),
    Cipher::Aead(&aead::AES_GCM_16_256),
    Cipher::Aead(&aead::AES_GCM_12_128),
    Cipher::Aead(&aead::AES_GCM_12_192),
    Cipher::Aead(&aead::AES_GCM_12_256),
    Cipher::Aead(&aead::AES_GCM_8_128),
    Cipher::Aead(&aead::AES_GCM_8_192),
    Cipher::Aead(&aead::AES_GCM_8_256),
    Cipher::Aead(&aead::CHACHA20_POLY1305),
    Cipher::Cbc(&cbc::AES_CBC_128),
    Cipher::Cbc(&cbc::AES_CBC_192),
    Cipher::Cbc(&cbc::AES_CBC_256),
    Cipher::Cbc(&cbc::CAMELLIA_CBC_128),
    Cipher::Cbc(&cbc::CAMELLIA_CBC_192),
    Cipher::Cbc(&cbc::CAMELLIA_CBC_256),
    Cipher::Cbc(&cbc::BLOWFISH_CBC_128),
    Cipher::Cbc(&cbc::BLOWFISH_CBC_192),
    Cipher::Cbc(&cbc::BLOWFISH_CBC_256),
];

static GROUPS: [&dyn KeyExchangeGroup; 8] = [
    &curve::CURVE_25519,
    &curve::CURVE_448,
    &ecp::ECP_256,
    &ecp::ECP_384,
    &ecp::ECP_521,
    &modp::MODP_2048,
    &modp::MODP_3072,
    &modp::MODP_4096,
];

/// The RustCrypto provider.
pub static RUST_CRYPTO: CryptoProvider = CryptoProvider {
    name: "rustcrypto",
    prfs: &PRFS,
    integs: &INTEGS,
    ciphers: &CIPHERS,
    groups: &GROUPS,
};
