//! Encryption transforms (RFC 7296 §3.3.2 Transform Type 1): AEAD ciphers in `aead`,
//! CBC block ciphers in `cbc`.

pub mod aead;
pub mod cbc;
