//! The crypto provider interface: a table of algorithm implementations, looked up by
//! IANA transform ID (the shape rustls uses for its `CryptoProvider`).
//!
//! The engine never names a crypto crate outside a provider. [`RUST_CRYPTO`] (pure
//! Rust, compiles to wasm32) and, with the `native-crypto` feature on a native
//! target, `NATIVE` (aws-lc-rs and ring, `crypto::native`) fill the same table and pass the
//! same known-answer tests (`crypto::kat` runs every vector against each).
//!
//! [`RUST_CRYPTO`]: super::rust_crypto::RUST_CRYPTO

use core::fmt;

use rand_core::CryptoRng;

use super::{CryptoError, Secret};
use crate::wire::iana::{DhId, EncrId, EsnId, IntegId, PrfId, TransformType};
use crate::wire::sa::Transform;

/// A pseudorandom function (RFC 7296 §2.13): HMAC with some hash.
pub trait Prf: Send + Sync + fmt::Debug {
    fn id(&self) -> PrfId;
    /// Output length in octets; for HMAC also the preferred key length, which is the
    /// length of SK_d, SK_pi and SK_pr (§2.14).
    fn output_len(&self) -> usize;
    /// `prf(key, data[0] | data[1] | ...)`.
    fn compute(&self, key: &[u8], data: &[&[u8]]) -> Secret;
}

/// An integrity algorithm (RFC 7296 §3.3.2 type 3): a truncated HMAC.
pub trait Integ: Send + Sync + fmt::Debug {
    fn id(&self) -> IntegId;
    /// Key length in octets (SK_ai / SK_ar length, §2.14).
    fn key_len(&self) -> usize;
    /// Length of the ICV it produces (the truncated MAC).
    fn icv_len(&self) -> usize;
    /// Prepares a key once; the keyed state is reused for every message.
    fn new_key(&self, key: &[u8]) -> Result<Box<dyn IntegKey>, CryptoError>;
}

/// A keyed integrity algorithm.
pub trait IntegKey: Send + Sync {
    /// The (truncated) ICV over `data[0] | data[1] | ...`.
    fn compute(&self, data: &[&[u8]]) -> Vec<u8>;
    /// The (truncated) ICV over `data[0] | data[1] | ...`, written to `out`, which
    /// must be exactly as long as the ICV (the ESP hot path: no allocation).
    fn compute_into(&self, data: &[&[u8]], out: &mut [u8]) -> Result<(), CryptoError>;
    /// Constant-time comparison of the expected ICV with `icv`; allocation-free.
    fn verify(&self, data: &[&[u8]], icv: &[u8]) -> bool;
}

/// An AEAD cipher used as IKEv2/ESP encryption transform (RFC 5282, RFC 4106,
/// RFC 7634): keying material is key | 4-octet salt; each message carries an
/// 8-octet explicit IV; the nonce is salt | IV.
pub trait AeadCipher: Send + Sync + fmt::Debug {
    fn id(&self) -> EncrId;
    /// The Key Length attribute value in bits, or `None` for a transform that
    /// must not carry one (ChaCha20-Poly1305, RFC 7634 §2).
    fn key_bits(&self) -> Option<u16>;
    /// Cipher key length in octets (without the salt).
    fn key_len(&self) -> usize;
    /// Salt length in octets (4 for GCM and ChaCha20-Poly1305).
    fn salt_len(&self) -> usize;
    /// Explicit IV length in octets carried in each message (8).
    fn iv_len(&self) -> usize;
    /// ICV (tag) length in octets.
    fn icv_len(&self) -> usize;
    /// Prepares a cipher key (`key_len` octets, salt not included).
    fn new_key(&self, key: &[u8]) -> Result<Box<dyn AeadKey>, CryptoError>;
}

/// A keyed AEAD. `nonce` is salt | explicit IV (12 octets).
pub trait AeadKey: Send + Sync {
    /// Encrypts `buffer` in place and appends the ICV.
    fn seal(&self, nonce: &[u8], aad: &[u8], buffer: &mut Vec<u8>) -> Result<(), CryptoError>;
    /// Verifies and strips the trailing ICV, then decrypts `buffer` in place.
    fn open(&self, nonce: &[u8], aad: &[u8], buffer: &mut Vec<u8>) -> Result<(), CryptoError>;
    /// Encrypts `data` in place and writes the ICV to `tag_out`, which must be
    /// exactly the cipher's ICV length. Allocation-free (the ESP hot path).
    fn seal_in_place(
        &self,
        nonce: &[u8],
        aad: &[u8],
        data: &mut [u8],
        tag_out: &mut [u8],
    ) -> Result<(), CryptoError>;
    /// Verifies the ICV at the end of `data_and_tag` (the layout of ESP and of the
    /// SK payload: the ICV follows the ciphertext), then decrypts the ciphertext in
    /// place and returns its length. Nothing is decrypted if the ICV is wrong.
    /// Allocation-free.
    fn open_in_place(
        &self,
        nonce: &[u8],
        aad: &[u8],
        data_and_tag: &mut [u8],
    ) -> Result<usize, CryptoError>;
}

/// A block cipher in CBC mode (RFC 3602, RFC 5529, RFC 2451): each message carries
/// a random IV of one block.
pub trait CbcCipher: Send + Sync + fmt::Debug {
    fn id(&self) -> EncrId;
    /// The Key Length attribute value in bits.
    fn key_bits(&self) -> Option<u16>;
    fn key_len(&self) -> usize;
    fn block_len(&self) -> usize;
    fn new_key(&self, key: &[u8]) -> Result<Box<dyn CbcKey>, CryptoError>;
}

/// A keyed CBC cipher; buffers are whole blocks (padding is the caller's: §3.14).
pub trait CbcKey: Send + Sync {
    fn encrypt(&self, iv: &[u8], blocks: &mut [u8]) -> Result<(), CryptoError>;
    fn decrypt(&self, iv: &[u8], blocks: &mut [u8]) -> Result<(), CryptoError>;
}

/// An encryption transform: AEAD or CBC (which then needs an integrity transform).
#[derive(Debug, Clone, Copy)]
pub enum Cipher {
    Aead(&'static dyn AeadCipher),
    Cbc(&'static dyn CbcCipher),
}

impl Cipher {
    pub fn id(&self) -> EncrId {
        match self {
            Self::Aead(c) => c.id(),
            Self::Cbc(c) => c.id(),
        }
    }

    pub fn key_bits(&self) -> Option<u16> {
        match self {
            Self::Aead(c) => c.key_bits(),
            Self::Cbc(c) => c.key_bits(),
        }
    }

    /// Octets of keying material this transform takes from prf+ (SK_e length,
    /// §2.14; RFC 5282 §7.1: key and salt for AEAD).
    pub fn key_material_len(&self) -> usize {
        match self {
            Self::Aead(c) => c.key_len() + c.salt_len(),
            Self::Cbc(c) => c.key_len(),
        }
    }

    pub fn is_aead(&self) -> bool {
        matches!(self, Self::Aead(_))
    }
}

/// A Diffie-Hellman group (key exchange method, RFC 7296 §3.3.2 type 4).
pub trait KeyExchangeGroup: Send + Sync + fmt::Debug {
    fn id(&self) -> DhId;
    /// Length of the Key Exchange Data in the KE payload (§3.4).
    fn public_len(&self) -> usize;
    /// Starts an exchange with a fresh private value from `rng`. Fails only if the
    /// RNG keeps producing invalid private keys (a broken RNG: see
    /// [`CryptoError::RngFailure`]).
    fn start(&self, rng: &mut dyn CryptoRng) -> Result<Box<dyn ActiveKeyExchange>, CryptoError>;
    /// Starts an exchange with a given private value (known-answer tests, replaying
    /// a recorded exchange). Fails if the value is not a valid private key.
    fn start_with_private(&self, private: &[u8])
    -> Result<Box<dyn ActiveKeyExchange>, CryptoError>;
}

/// One side of a key exchange in progress: holds the private value (zeroized on
/// drop) until the peer's public value arrives.
pub trait ActiveKeyExchange: Send + Sync {
    fn group(&self) -> DhId;
    /// Our Key Exchange Data, as carried in the KE payload.
    fn public_value(&self) -> &[u8];
    /// g^ir from the peer's Key Exchange Data, after the checks of RFC 7296 §2.12
    /// and RFC 6989 (weak or malformed public values are rejected).
    fn complete(&self, peer_public: &[u8]) -> Result<Secret, CryptoError>;
}

/// A provider: the algorithm tables the engine looks transforms up in.
#[derive(Debug)]
pub struct CryptoProvider {
    /// Shown in traces ("rustcrypto").
    pub name: &'static str,
    pub prfs: &'static [&'static dyn Prf],
    pub integs: &'static [&'static dyn Integ],
    pub ciphers: &'static [Cipher],
    pub groups: &'static [&'static dyn KeyExchangeGroup],
}

impl CryptoProvider {
    pub fn prf(&self, id: PrfId) -> Option<&'static dyn Prf> {
        self.prfs.iter().copied().find(|p| p.id() == id)
    }

    pub fn integ(&self, id: IntegId) -> Option<&'static dyn Integ> {
        self.integs.iter().copied().find(|i| i.id() == id)
    }

    /// The cipher for `id` with a Key Length attribute of `key_bits` (`None`: no
    /// attribute). Blowfish without an attribute means 128 bits (RFC 2451 §2.2).
    pub fn cipher(&self, id: EncrId, key_bits: Option<u16>) -> Option<Cipher> {
        let key_bits = match (id, key_bits) {
            (EncrId::BLOWFISH, None) => Some(128),
            _ => key_bits,
        };
        self.ciphers
            .iter()
            .copied()
            .find(|c| c.id() == id && c.key_bits() == key_bits)
    }

    pub fn group(&self, id: DhId) -> Option<&'static dyn KeyExchangeGroup> {
        self.groups.iter().copied().find(|g| g.id() == id)
    }

    /// Whether this provider can run `transform` (ESN is handled by the ESP code and
    /// always supported; D-H NONE means "no PFS" and needs no implementation).
    pub fn supports(&self, transform: &Transform) -> bool {
        match transform.kind {
            TransformType::ENCR => self
                .cipher(EncrId(transform.id), transform.key_length())
                .is_some(),
            TransformType::PRF => self.prf(PrfId(transform.id)).is_some(),
            TransformType::INTEG => {
                IntegId(transform.id) == IntegId::NONE
                    || self.integ(IntegId(transform.id)).is_some()
            }
            TransformType::DH => {
                DhId(transform.id) == DhId::NONE || self.group(DhId(transform.id)).is_some()
            }
            TransformType::ESN => {
                EsnId(transform.id) == EsnId::NO_ESN || EsnId(transform.id) == EsnId::ESN
            }
            _ => false,
        }
    }
}
