//! AEAD encryption transforms: AES-GCM with 8/12/16-octet ICV (RFC 4106 for ESP,
//! RFC 5282 for IKEv2) and ChaCha20-Poly1305 (RFC 7634, which uses RFC 8439's AEAD).
//!
//! Both use key | 4-octet salt as keying material and an 8-octet explicit IV per
//! message; the 12-octet nonce is salt | IV (RFC 4106 §4, RFC 7634 §2). The
//! truncated GCM tags (ICV 8 and 12) are the leftmost octets of the full tag
//! (NIST SP 800-38D §5.2.1.2), which the `aes-gcm` crate produces for its `TagSize`.

use core::fmt;
use core::marker::PhantomData;

use aes_gcm::AesGcm;
use aes_gcm::aead::array::Array;
use aes_gcm::aead::array::typenum::Unsigned;
use aes_gcm::aead::consts::{U8, U12, U16};
use aes_gcm::aead::{AeadCore, AeadInOut, KeyInit};
use aes_gcm::aes::{Aes128, Aes192, Aes256};
use chacha20poly1305::ChaCha20Poly1305;

use crate::crypto::CryptoError;
use crate::crypto::provider::{AeadCipher, AeadKey};
use crate::wire::iana::EncrId;

/// Salt length for GCM (RFC 4106 §8.1) and ChaCha20-Poly1305 (RFC 7634 §2).
const SALT_LEN: usize = 4;
/// Explicit IV length carried in each message (RFC 4106 §3.1, RFC 7634 §2).
const IV_LEN: usize = 8;

/// One AEAD transform, implemented by the RustCrypto type `C`.
pub struct RustAead<C> {
    id: EncrId,
    key_bits: Option<u16>,
    key_len: usize,
    icv_len: usize,
    algorithm: PhantomData<fn() -> C>,
}

impl<C> RustAead<C> {
    pub const fn new(id: EncrId, key_bits: Option<u16>, key_len: usize, icv_len: usize) -> Self {
        Self {
            id,
            key_bits,
            key_len,
            icv_len,
            algorithm: PhantomData,
        }
    }
}

impl<C> fmt::Debug for RustAead<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RustAead({:?}, {:?} bits)", self.id, self.key_bits)
    }
}

impl<C> AeadCipher for RustAead<C>
where
    C: AeadInOut + KeyInit + Send + Sync + 'static,
{
    fn id(&self) -> EncrId {
        self.id
    }

    fn key_bits(&self) -> Option<u16> {
        self.key_bits
    }

    fn key_len(&self) -> usize {
        self.key_len
    }

    fn salt_len(&self) -> usize {
        SALT_LEN
    }

    fn iv_len(&self) -> usize {
        IV_LEN
    }

    fn icv_len(&self) -> usize {
        self.icv_len
    }

    fn new_key(&self, key: &[u8]) -> Result<Box<dyn AeadKey>, CryptoError> {
        let cipher = C::new_from_slice(key).map_err(|_| CryptoError::InvalidLength {
            what: "AEAD key".into(),
            expected: self.key_len,
            actual: key.len(),
        })?;
        Ok(Box::new(KeyedAead { cipher }))
    }
}

struct KeyedAead<C> {
    cipher: C,
}

impl<C> KeyedAead<C>
where
    C: AeadInOut,
{
    fn nonce(nonce: &[u8]) -> Result<&aes_gcm::aead::Nonce<C>, CryptoError> {
        <&Array<u8, <C as AeadCore>::NonceSize>>::try_from(nonce).map_err(|_| {
            CryptoError::InvalidLength {
                what: "AEAD nonce".into(),
                expected: SALT_LEN + IV_LEN,
                actual: nonce.len(),
            }
        })
    }
}

impl<C> AeadKey for KeyedAead<C>
where
    C: AeadInOut + Send + Sync,
{
    fn seal(&self, nonce: &[u8], aad: &[u8], buffer: &mut Vec<u8>) -> Result<(), CryptoError> {
        let nonce = Self::nonce(nonce)?;
        let tag = self
            .cipher
            .encrypt_inout_detached(nonce, aad, buffer.as_mut_slice().into())
            .map_err(|_| CryptoError::MessageTooLong)?;
        buffer.extend_from_slice(&tag);
        Ok(())
    }

    fn open(&self, nonce: &[u8], aad: &[u8], buffer: &mut Vec<u8>) -> Result<(), CryptoError> {
        let nonce = Self::nonce(nonce)?;
        let icv_len = <C as AeadCore>::TagSize::USIZE;
        let body_len = buffer
            .len()
            .checked_sub(icv_len)
            .ok_or(CryptoError::Truncated {
                needed: icv_len,
                available: buffer.len(),
            })?;
        let (body, icv) = buffer.split_at_mut(body_len);
        let tag = <&Array<u8, <C as AeadCore>::TagSize>>::try_from(&*icv).map_err(|_| {
            CryptoError::Truncated {
                needed: icv_len,
                available: icv.len(),
            }
        })?;
        self.cipher
            .decrypt_inout_detached(nonce, aad, body.into(), tag)
            .map_err(|_| CryptoError::IntegrityCheckFailed)?;
        buffer.truncate(body_len);
        Ok(())
    }
    fn seal_in_place(
        &self,
        nonce: &[u8],
        aad: &[u8],
        data: &mut [u8],
        tag_out: &mut [u8],
    ) -> Result<(), CryptoError> {
        let nonce = Self::nonce(nonce)?;
        let icv_len = <C as AeadCore>::TagSize::USIZE;
        if tag_out.len() != icv_len {
            return Err(CryptoError::InvalidLength {
                what: "ICV buffer".into(),
                expected: icv_len,
                actual: tag_out.len(),
            });
        }
        let tag = self
            .cipher
            .encrypt_inout_detached(nonce, aad, data.into())
            .map_err(|_| CryptoError::MessageTooLong)?;
        tag_out.copy_from_slice(&tag);
        Ok(())
    }

    fn open_in_place(
        &self,
        nonce: &[u8],
        aad: &[u8],
        data_and_tag: &mut [u8],
    ) -> Result<usize, CryptoError> {
        let nonce = Self::nonce(nonce)?;
        let icv_len = <C as AeadCore>::TagSize::USIZE;
        let available = data_and_tag.len();
        let body_len = available
            .checked_sub(icv_len)
            .ok_or(CryptoError::Truncated {
                needed: icv_len,
                available,
            })?;
        let (body, icv) = data_and_tag.split_at_mut(body_len);
        let tag = <&Array<u8, <C as AeadCore>::TagSize>>::try_from(&*icv).map_err(|_| {
            CryptoError::Truncated {
                needed: icv_len,
                available,
            }
        })?;
        self.cipher
            .decrypt_inout_detached(nonce, aad, body.into(), tag)
            .map_err(|_| CryptoError::IntegrityCheckFailed)?;
        Ok(body_len)
    }
}

type Gcm<A, T> = AesGcm<A, U12, T>;

pub static AES_GCM_8_128: RustAead<Gcm<Aes128, U8>> =
    RustAead::new(EncrId::AES_GCM_8, Some(128), 16, 8);
pub static AES_GCM_8_192: RustAead<Gcm<Aes192, U8>> =
    RustAead::new(EncrId::AES_GCM_8, Some(192), 24, 8);
pub static AES_GCM_8_256: RustAead<Gcm<Aes256, U8>> =
    RustAead::new(EncrId::AES_GCM_8, Some(256), 32, 8);
pub static AES_GCM_12_128: RustAead<Gcm<Aes128, U12>> =
    RustAead::new(EncrId::AES_GCM_12, Some(128), 16, 12);
pub static AES_GCM_12_192: RustAead<Gcm<Aes192, U12>> =
    RustAead::new(EncrId::AES_GCM_12, Some(192), 24, 12);
pub static AES_GCM_12_256: RustAead<Gcm<Aes256, U12>> =
    RustAead::new(EncrId::AES_GCM_12, Some(256), 32, 12);
pub static AES_GCM_16_128: RustAead<Gcm<Aes128, U16>> =
    RustAead::new(EncrId::AES_GCM_16, Some(128), 16, 16);
pub static AES_GCM_16_192: RustAead<Gcm<Aes192, U16>> =
    RustAead::new(EncrId::AES_GCM_16, Some(192), 24, 16);
pub static AES_GCM_16_256: RustAead<Gcm<Aes256, U16>> =
    RustAead::new(EncrId::AES_GCM_16, Some(256), 32, 16);
/// RFC 7634 §2: a 256-bit key, no Key Length attribute, 16-octet ICV.
pub static CHACHA20_POLY1305: RustAead<ChaCha20Poly1305> =
    RustAead::new(EncrId::CHACHA20_POLY1305, None, 32, 16);
