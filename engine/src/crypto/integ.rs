//! Integrity transforms (RFC 7296 §3.3.2 Transform Type 3): HMAC-SHA1-96
//! (RFC 2404) and HMAC-SHA2-256-128, -384-192, -512-256 (RFC 4868 §2.1: key length =
//! hash output length, ICV = leftmost half of the HMAC output).

use core::fmt;
use core::marker::PhantomData;

use hmac::{EagerHash, Hmac, KeyInit, Mac};
use subtle::ConstantTimeEq;

use super::CryptoError;
use super::provider::{Integ, IntegKey};
use crate::wire::iana::IntegId;

/// AUTH_HMAC_*: HMAC with hash `D`, truncated to `icv_len` octets.
pub struct HmacInteg<D> {
    id: IntegId,
    key_len: usize,
    icv_len: usize,
    hash: PhantomData<fn() -> D>,
}

impl<D> HmacInteg<D> {
    pub const fn new(id: IntegId, key_len: usize, icv_len: usize) -> Self {
        Self {
            id,
            key_len,
            icv_len,
            hash: PhantomData,
        }
    }
}

impl<D> fmt::Debug for HmacInteg<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HmacInteg({:?})", self.id)
    }
}

impl<D> Integ for HmacInteg<D>
where
    D: EagerHash + 'static,
    Hmac<D>: KeyInit + Mac + Clone + Send + Sync,
{
    fn id(&self) -> IntegId {
        self.id
    }

    fn key_len(&self) -> usize {
        self.key_len
    }

    fn icv_len(&self) -> usize {
        self.icv_len
    }

    fn new_key(&self, key: &[u8]) -> Result<Box<dyn IntegKey>, CryptoError> {
        if key.len() != self.key_len {
            return Err(CryptoError::InvalidLength {
                what: "integrity key".into(),
                expected: self.key_len,
                actual: key.len(),
            });
        }
        let mac =
            <Hmac<D> as KeyInit>::new_from_slice(key).map_err(|_| CryptoError::InvalidLength {
                what: "integrity key".into(),
                expected: self.key_len,
                actual: key.len(),
            })?;
        Ok(Box::new(KeyedHmac {
            mac,
            icv_len: self.icv_len,
        }))
    }
}

/// The keyed HMAC state; cloned per message so the key is hashed only once.
struct KeyedHmac<M> {
    mac: M,
    icv_len: usize,
}

impl<M: Mac + Clone + Send + Sync> KeyedHmac<M> {
    /// The full MAC over the parts (a stack array: no allocation).
    fn full_mac(&self, data: &[&[u8]]) -> hmac::digest::Output<M> {
        let mut mac = self.mac.clone();
        for part in data {
            mac.update(part);
        }
        mac.finalize().into_bytes()
    }
}

impl<M: Mac + Clone + Send + Sync> IntegKey for KeyedHmac<M> {
    fn compute(&self, data: &[&[u8]]) -> Vec<u8> {
        let full = self.full_mac(data);
        full.get(..self.icv_len).unwrap_or(&full[..]).to_vec()
    }

    fn compute_into(&self, data: &[&[u8]], out: &mut [u8]) -> Result<(), CryptoError> {
        if out.len() != self.icv_len {
            return Err(CryptoError::InvalidLength {
                what: "ICV buffer".into(),
                expected: self.icv_len,
                actual: out.len(),
            });
        }
        let full = self.full_mac(data);
        let truncated = full.get(..self.icv_len).ok_or(CryptoError::InvalidLength {
            what: "ICV".into(),
            expected: self.icv_len,
            actual: full.len(),
        })?;
        out.copy_from_slice(truncated);
        Ok(())
    }

    fn verify(&self, data: &[&[u8]], icv: &[u8]) -> bool {
        let full = self.full_mac(data);
        match full.get(..self.icv_len) {
            Some(expected) => expected.len() == icv.len() && bool::from(expected.ct_eq(icv)),
            None => false,
        }
    }
}

pub static AUTH_HMAC_SHA1_96: HmacInteg<sha1::Sha1> = HmacInteg::new(IntegId::HMAC_SHA1_96, 20, 12);
pub static AUTH_HMAC_SHA2_256_128: HmacInteg<sha2::Sha256> =
    HmacInteg::new(IntegId::HMAC_SHA2_256_128, 32, 16);
pub static AUTH_HMAC_SHA2_384_192: HmacInteg<sha2::Sha384> =
    HmacInteg::new(IntegId::HMAC_SHA2_384_192, 48, 24);
pub static AUTH_HMAC_SHA2_512_256: HmacInteg<sha2::Sha512> =
    HmacInteg::new(IntegId::HMAC_SHA2_512_256, 64, 32);
