//! AEAD transforms on AWS-LC: AES-GCM with the 16-octet ICV (RFC 4106 for ESP,
//! RFC 5282 for IKEv2) and ChaCha20-Poly1305 (RFC 7634).
//!
//! Keying material, salt, explicit IV and nonce exactly as in `crypto::encr::aead`:
//! key | 4-octet salt, an 8-octet IV per message, nonce = salt | IV. aws-lc-rs only
//! verifies full 16-octet tags, so ENCR_AES_GCM_8 and ENCR_AES_GCM_12 stay with the
//! RustCrypto implementation in the provider table.

use core::fmt;

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};

use crate::crypto::CryptoError;
use crate::crypto::provider::{AeadCipher, AeadKey};
use crate::wire::iana::EncrId;

/// Salt length for GCM (RFC 4106 §8.1) and ChaCha20-Poly1305 (RFC 7634 §2).
const SALT_LEN: usize = 4;
/// Explicit IV length carried in each message (RFC 4106 §3.1, RFC 7634 §2).
const IV_LEN: usize = 8;
/// The only ICV length aws-lc-rs's AEADs produce and verify.
const ICV_LEN: usize = 16;

/// One AEAD transform implemented by AWS-LC.
pub(super) struct AwsLcAead {
    id: EncrId,
    key_bits: Option<u16>,
    algorithm: &'static aead::Algorithm,
}

impl AwsLcAead {
    const fn new(id: EncrId, key_bits: Option<u16>, algorithm: &'static aead::Algorithm) -> Self {
        Self {
            id,
            key_bits,
            algorithm,
        }
    }
}

impl fmt::Debug for AwsLcAead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AwsLcAead({:?}, {:?} bits)", self.id, self.key_bits)
    }
}

impl AeadCipher for AwsLcAead {
    fn id(&self) -> EncrId {
        self.id
    }

    fn key_bits(&self) -> Option<u16> {
        self.key_bits
    }

    fn key_len(&self) -> usize {
        self.algorithm.key_len()
    }

    fn salt_len(&self) -> usize {
        SALT_LEN
    }

    fn iv_len(&self) -> usize {
        IV_LEN
    }

    fn icv_len(&self) -> usize {
        ICV_LEN
    }

    fn new_key(&self, key: &[u8]) -> Result<Box<dyn AeadKey>, CryptoError> {
        // aws-lc-rs copies the key into AWS-LC's context, which is cleansed when freed.
        let unbound =
            UnboundKey::new(self.algorithm, key).map_err(|_| CryptoError::InvalidLength {
                what: "AEAD key",
                expected: self.algorithm.key_len(),
                actual: key.len(),
            })?;
        Ok(Box::new(KeyedAwsLcAead {
            key: LessSafeKey::new(unbound),
        }))
    }
}

/// A keyed AEAD. `LessSafeKey` is aws-lc-rs's name for "the caller supplies the
/// nonce", which IKEv2 and ESP do (salt | explicit IV).
struct KeyedAwsLcAead {
    key: LessSafeKey,
}

fn nonce(nonce: &[u8]) -> Result<Nonce, CryptoError> {
    Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::InvalidLength {
        what: "AEAD nonce",
        expected: SALT_LEN + IV_LEN,
        actual: nonce.len(),
    })
}

impl AeadKey for KeyedAwsLcAead {
    fn seal(
        &self,
        nonce_octets: &[u8],
        aad: &[u8],
        buffer: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let nonce = nonce(nonce_octets)?;
        self.key
            .seal_in_place_append_tag(nonce, Aad::from(aad), buffer)
            .map_err(|_| CryptoError::MessageTooLong)
    }

    fn open(
        &self,
        nonce_octets: &[u8],
        aad: &[u8],
        buffer: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let nonce = nonce(nonce_octets)?;
        let body_len = buffer
            .len()
            .checked_sub(ICV_LEN)
            .ok_or(CryptoError::Truncated {
                needed: ICV_LEN,
                available: buffer.len(),
            })?;
        self.key
            .open_in_place(nonce, Aad::from(aad), buffer.as_mut_slice())
            .map_err(|_| CryptoError::IntegrityCheckFailed)?;
        buffer.truncate(body_len);
        Ok(())
    }
    fn seal_in_place(
        &self,
        nonce_octets: &[u8],
        aad: &[u8],
        data: &mut [u8],
        tag_out: &mut [u8],
    ) -> Result<(), CryptoError> {
        let nonce = nonce(nonce_octets)?;
        if tag_out.len() != ICV_LEN {
            return Err(CryptoError::InvalidLength {
                what: "ICV buffer",
                expected: ICV_LEN,
                actual: tag_out.len(),
            });
        }
        let tag = self
            .key
            .seal_in_place_separate_tag(nonce, Aad::from(aad), data)
            .map_err(|_| CryptoError::MessageTooLong)?;
        tag_out.copy_from_slice(tag.as_ref());
        Ok(())
    }

    fn open_in_place(
        &self,
        nonce_octets: &[u8],
        aad: &[u8],
        data_and_tag: &mut [u8],
    ) -> Result<usize, CryptoError> {
        let nonce = nonce(nonce_octets)?;
        let body_len = data_and_tag
            .len()
            .checked_sub(ICV_LEN)
            .ok_or(CryptoError::Truncated {
                needed: ICV_LEN,
                available: data_and_tag.len(),
            })?;
        self.key
            .open_in_place(nonce, Aad::from(aad), data_and_tag)
            .map_err(|_| CryptoError::IntegrityCheckFailed)?;
        Ok(body_len)
    }
}

pub(super) static AES_GCM_16_128: AwsLcAead =
    AwsLcAead::new(EncrId::AES_GCM_16, Some(128), &aead::AES_128_GCM);
pub(super) static AES_GCM_16_192: AwsLcAead =
    AwsLcAead::new(EncrId::AES_GCM_16, Some(192), &aead::AES_192_GCM);
pub(super) static AES_GCM_16_256: AwsLcAead =
    AwsLcAead::new(EncrId::AES_GCM_16, Some(256), &aead::AES_256_GCM);
/// RFC 7634 §2: a 256-bit key, no Key Length attribute, 16-octet ICV.
pub(super) static CHACHA20_POLY1305: AwsLcAead =
    AwsLcAead::new(EncrId::CHACHA20_POLY1305, None, &aead::CHACHA20_POLY1305);
