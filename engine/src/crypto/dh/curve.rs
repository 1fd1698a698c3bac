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

/// Group 31, Curve25519 (RFC 8031).
#[derive(Debug)]
pub struct Curve25519;

/// Group 32, Curve448 (RFC 8031).
#[derive(Debug)]
pub struct Curve448;

fn scalar<const N: usize>(bytes: &[u8]) -> Result<Zeroizing<[u8; N]>, CryptoError> {
    let mut out = Zeroizing::new([0u8; N]);
    if bytes.len() != N {
        return Err(CryptoError::InvalidLength {
            what: "Montgomery-curve private key",
            expected: N,
            actual: bytes.len(),
        });
    }
    out.copy_from_slice(bytes);
    Ok(out)
}

impl Curve25519 {
    fn exchange(private: Zeroizing<[u8; 32]>) -> Box<dyn ActiveKeyExchange> {
        let public = x25519_dalek::x25519(*private, X25519_BASE);
        Box::new(ActiveX25519 { private, public })
    }
}

impl KeyExchangeGroup for Curve25519 {
    fn id(&self) -> DhId {
        DhId::CURVE25519
    }

    fn public_len(&self) -> usize {
        32
    }

    fn start(&self, rng: &mut dyn CryptoRng) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        // RFC 7748 §5: every 32/56-octet string is a valid scalar (it is clamped).
        let mut private = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(&mut private[..]);
        Ok(Self::exchange(private))
    }

    fn start_with_private(
        &self,
        private: &[u8],
    ) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        Ok(Self::exchange(scalar::<32>(private)?))
    }
}

struct ActiveX25519 {
    private: Zeroizing<[u8; 32]>,
    public: [u8; 32],
}

impl ActiveKeyExchange for ActiveX25519 {
    fn group(&self) -> DhId {
        DhId::CURVE25519
    }

    fn public_value(&self) -> &[u8] {
        &self.public
    }

    fn complete(&self, peer_public: &[u8]) -> Result<Secret, CryptoError> {
        let u: [u8; 32] = peer_public
            .try_into()
            .map_err(|_| wrong_length(DhId::CURVE25519, 32, peer_public.len()))?;
        let shared = Zeroizing::new(x25519_dalek::x25519(*self.private, u));
        if bool::from(shared.ct_eq(&[0u8; 32])) {
            return Err(CryptoError::ZeroSharedSecret {
                group: DhId::CURVE25519.0,
            });
        }
        Ok(Secret::from_slice(&shared[..]))
    }
}

impl Curve448 {
    fn exchange(private: Zeroizing<[u8; 56]>) -> Box<dyn ActiveKeyExchange> {
        // The base point is not of small order: the unchecked function is exact here.
        let public = x448::x448_unchecked(*private, X448_BASE);
        Box::new(ActiveX448 { private, public })
    }
}

impl KeyExchangeGroup for Curve448 {
    fn id(&self) -> DhId {
        DhId::CURVE448
    }

    fn public_len(&self) -> usize {
        56
    }

    fn start(&self, rng: &mut dyn CryptoRng) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        // RFC 7748 §5: every 32/56-octet string is a valid scalar (it is clamped).
        let mut private = Zeroizing::new([0u8; 56]);
        rng.fill_bytes(&mut private[..]);
        Ok(Self::exchange(private))
    }

    fn start_with_private(
        &self,
        private: &[u8],
    ) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        Ok(Self::exchange(scalar::<56>(private)?))
    }
}

struct ActiveX448 {
    private: Zeroizing<[u8; 56]>,
    public: [u8; 56],
}

impl ActiveKeyExchange for ActiveX448 {
    fn group(&self) -> DhId {
        DhId::CURVE448
    }

    fn public_value(&self) -> &[u8] {
        &self.public
    }

    fn complete(&self, peer_public: &[u8]) -> Result<Secret, CryptoError> {
        let u: [u8; 56] = peer_public
            .try_into()
            .map_err(|_| wrong_length(DhId::CURVE448, 56, peer_public.len()))?;
        // `x448` returns `None` for a point of small order, whose product is zero.
        let shared = x448::x448(*self.private, u).map(Zeroizing::new).ok_or(
            CryptoError::ZeroSharedSecret {
                group: DhId::CURVE448.0,
            },
        )?;
        if bool::from(shared.ct_eq(&[0u8; 56])) {
            return Err(CryptoError::ZeroSharedSecret {
                group: DhId::CURVE448.0,
            });
        }
        Ok(Secret::from_slice(&shared[..]))
    }
}

pub static CURVE_25519: Curve25519 = Curve25519;
pub static CURVE_448: Curve448 = Curve448;
