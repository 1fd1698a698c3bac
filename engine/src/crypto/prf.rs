//! PRFs (RFC 7296 §2.13, §3.3.2 Transform Type 2): HMAC-SHA1 (RFC 2104) and
//! HMAC-SHA2-256/384/512 (RFC 4868 §2.1: the full, untruncated HMAC output).

use core::fmt;
use core::marker::PhantomData;

use hmac::digest::OutputSizeUser;
use hmac::{EagerHash, Hmac, KeyInit, Mac};
use zeroize::Zeroize;

use super::Secret;
use super::provider::Prf;
use crate::wire::iana::PrfId;

/// PRF_HMAC_* for a hash `D`.
pub struct HmacPrf<D> {
    id: PrfId,
    hash: PhantomData<fn() -> D>,
}

impl<D> HmacPrf<D> {
    pub const fn new(id: PrfId) -> Self {
        Self {
            id,
            hash: PhantomData,
        }
    }
}

impl<D> fmt::Debug for HmacPrf<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HmacPrf({:?})", self.id)
    }
}

impl<D> Prf for HmacPrf<D>
where
    D: EagerHash + 'static,
    Hmac<D>: KeyInit + Mac,
{
    fn id(&self) -> PrfId {
        self.id
    }

    fn output_len(&self) -> usize {
        <Hmac<D> as OutputSizeUser>::output_size()
    }

    fn compute(&self, key: &[u8], data: &[&[u8]]) -> Secret {
        // HMAC accepts keys of any length (RFC 2104 §2: longer keys are hashed first),
        // so `new_from_slice` cannot fail here; the error arm is unreachable in practice
        // but handled without a panic.
        let Ok(mut mac) = <Hmac<D> as KeyInit>::new_from_slice(key) else {
            return Secret::default();
        };
        for part in data {
            mac.update(part);
        }
        let mut output = mac.finalize().into_bytes();
        let secret = Secret::from_slice(&output);
        output.zeroize();
        secret
    }
}

pub static PRF_HMAC_SHA1: HmacPrf<sha1::Sha1> = HmacPrf::new(PrfId::HMAC_SHA1);
pub static PRF_HMAC_SHA2_256: HmacPrf<sha2::Sha256> = HmacPrf::new(PrfId::HMAC_SHA2_256);
pub static PRF_HMAC_SHA2_384: HmacPrf<sha2::Sha384> = HmacPrf::new(PrfId::HMAC_SHA2_384);
pub static PRF_HMAC_SHA2_512: HmacPrf<sha2::Sha512> = HmacPrf::new(PrfId::HMAC_SHA2_512);
