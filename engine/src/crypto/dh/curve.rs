//! Curve25519 (group 31) and Curve448 (group 32) for IKEv2 (RFC 8031), using the
//! X25519 and X448 functions of RFC 7748 §5.
//!
//! RFC 8031 §2: the Key Exchange Data is the 32- or 56-octet u-coordinate as RFC 7748
//! encodes it (little-endian); the shared secret is the X25519/X448 output as is.
//! RFC 8031 §2.3 requires rejecting an all-zero shared secret, which is what a peer
//! value of small order produces (RFC 7748 §6).

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::wrong_length;
use crate::crypto::provider::{ActiveKeyExchange, KeyExchangeGroup};
use crate::crypto::{CryptoError, Secret};
use crate::wire::iana::DhId;

/// RFC 7748 §4.1: the u-coordinate of the Curve25519 base point is 9.
const X25519_BASE: [u8; 32] = {
    let mut u = [0u8; 32];
    u[0] = 9;
    u
};

/// RFC 7748 §4.2: the u-coordinate of the Curve448 base point is 5.
const X448_BASE: [u8; 56] = {
    let mut u = [0u8; 56];
    u[0] = 5;
    u
};

/// A Montgomery curve of RFC 7748 with `N`-octet scalars and u-coordinates: group 31
/// (Curve25519, N = 32) or group 32 (Curve448, N = 56) of RFC 8031.
#[derive(Debug)]
pub struct MontgomeryCurve<const N: usize> {
    id: DhId,
    /// k·B: the public value of the private scalar k (RFC 7748 §6).
    public: fn([u8; N]) -> [u8; N],
    /// k·u for a peer's u-coordinate, or `None` where the function itself refuses a
    /// point of small order.
    shared: fn([u8; N], [u8; N]) -> Option<[u8; N]>,
}

/// Group 31, Curve25519 (RFC 8031).
pub type Curve25519 = MontgomeryCurve<32>;

/// Group 32, Curve448 (RFC 8031).
pub type Curve448 = MontgomeryCurve<56>;

pub static CURVE_25519: Curve25519 = MontgomeryCurve {
    id: DhId::CURVE25519,
    public: |k| x25519_dalek::x25519(k, X25519_BASE),
    shared: |k, u| Some(x25519_dalek::x25519(k, u)),
};

pub static CURVE_448: Curve448 = MontgomeryCurve {
    id: DhId::CURVE448,
    // The base point is not of small order: the unchecked function is exact here.
    public: |k| x448::x448_unchecked(k, X448_BASE),
    // `x448` returns `None` for a point of small order, whose product is zero.
    shared: x448::x448,
};

fn scalar<const N: usize>(bytes: &[u8]) -> Result<Zeroizing<[u8; N]>, CryptoError> {
    let mut out = Zeroizing::new([0u8; N]);
    if bytes.len() != N {
        return Err(CryptoError::InvalidLength {
            what: "Montgomery-curve private key".into(),
            expected: N,
            actual: bytes.len(),
        });
    }
    out.copy_from_slice(bytes);
    Ok(out)
}

impl<const N: usize> MontgomeryCurve<N> {
    fn exchange(&self, private: Zeroizing<[u8; N]>) -> Box<dyn ActiveKeyExchange> {
        let public = (self.public)(*private);
        Box::new(ActiveMontgomery {
            id: self.id,
            shared: self.shared,
            private,
            public,
        })
    }
}

impl<const N: usize> KeyExchangeGroup for MontgomeryCurve<N> {
    fn id(&self) -> DhId {
        self.id
    }

    fn public_len(&self) -> usize {
        N
    }

    fn start(&self, rng: &mut dyn CryptoRng) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        // RFC 7748 §5: every 32/56-octet string is a valid scalar (it is clamped).
        let mut private = Zeroizing::new([0u8; N]);
        rng.fill_bytes(&mut private[..]);
        Ok(self.exchange(private))
    }

    fn start_with_private(
        &self,
        private: &[u8],
    ) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        Ok(self.exchange(scalar::<N>(private)?))
    }
}

struct ActiveMontgomery<const N: usize> {
    id: DhId,
    shared: fn([u8; N], [u8; N]) -> Option<[u8; N]>,
    private: Zeroizing<[u8; N]>,
    public: [u8; N],
}

impl<const N: usize> ActiveKeyExchange for ActiveMontgomery<N> {
    fn group(&self) -> DhId {
        self.id
    }

    fn public_value(&self) -> &[u8] {
        &self.public
    }

    fn complete(&self, peer_public: &[u8]) -> Result<Secret, CryptoError> {
        let id = self.id;
        let u: [u8; N] = peer_public
            .try_into()
            .map_err(|_| wrong_length(id, N, peer_public.len()))?;
        let zero = CryptoError::ZeroSharedSecret { group: id.0 };
        let shared = (self.shared)(*self.private, u)
            .map(Zeroizing::new)
            .ok_or(zero.clone())?;
        // RFC 8031 §2.3: an all-zero result means the peer sent a point of small order.
        if bool::from(shared.ct_eq(&[0u8; N])) {
            return Err(zero);
        }
        Ok(Secret::from_slice(&shared[..]))
    }
}
