//! ECP groups 19, 20 and 21 (RFC 5903): NIST P-256, P-384 and P-521.
//!
//! RFC 5903 §7: the Key Exchange Data is x | y, each coordinate left-padded to the
//! field size, without the SEC1 0x04 prefix; the shared secret g^ir is the x
//! coordinate of the product. A peer point must decode to a point on the curve that
//! is not the identity (RFC 6989 §2.3: the validation of SEC1 / SP 800-56A §5.6.2.3).

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::{MAX_DRAWS, random_bytes, wrong_length};
use crate::crypto::provider::{ActiveKeyExchange, KeyExchangeGroup};
use crate::crypto::{CryptoError, PublicValueDefect, Secret};
use crate::wire::iana::DhId;

/// Declares one ECP group type over an `elliptic-curve` crate.
macro_rules! ecp_group {
    ($group:ident, $active:ident, $krate:ident, $id:expr, $coord:expr, $top_mask:expr) => {
        /// An ECP group (RFC 5903).
        #[derive(Debug)]
        pub struct $group;

        impl $group {
            fn from_secret(secret: $krate::SecretKey) -> Box<dyn ActiveKeyExchange> {
                let sec1 = secret.public_key().to_sec1_bytes();
                // SEC1 uncompressed: 0x04 | x | y; RFC 5903 §7 carries x | y.
                let public = sec1.get(1..).map(<[u8]>::to_vec).unwrap_or_default();
                Box::new($active { secret, public })
            }
        }

        impl KeyExchangeGroup for $group {
            fn id(&self) -> DhId {
                $id
            }

            fn public_len(&self) -> usize {
                2 * $coord
            }

            fn start(
                &self,
                rng: &mut dyn CryptoRng,
            ) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
                for _ in 0..MAX_DRAWS {
                    // Rejection sampling of a scalar in [1, n-1]; the top octet is
                    // masked to the order's bit length first (P-521: 1 bit).
                    let mut bytes = Zeroizing::new(random_bytes(rng, $coord));
                    if let Some(top) = bytes.first_mut() {
                        *top &= $top_mask;
                    }
                    if let Ok(secret) = $krate::SecretKey::from_slice(&bytes) {
                        return Ok(Self::from_secret(secret));
                    }
                }
                Err(CryptoError::RngFailure { group: $id.0 })
            }

            fn start_with_private(
                &self,
                private: &[u8],
            ) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
                let secret = $krate::SecretKey::from_slice(private).map_err(|_| {
                    CryptoError::InvalidLength {
                        what: "ECP private key (a scalar in [1, n-1])".into(),
                        expected: $coord,
                        actual: private.len(),
                    }
                })?;
                Ok(Self::from_secret(secret))
            }
        }

        struct $active {
            secret: $krate::SecretKey,
            public: Vec<u8>,
        }

        impl ActiveKeyExchange for $active {
            fn group(&self) -> DhId {
                $id
            }

            fn public_value(&self) -> &[u8] {
                &self.public
            }

            fn complete(&self, peer_public: &[u8]) -> Result<Secret, CryptoError> {
                if peer_public.len() != 2 * $coord {
                    return Err(wrong_length($id, 2 * $coord, peer_public.len()));
                }
                let mut sec1 = Vec::with_capacity(1 + peer_public.len());
                sec1.push(0x04);
                sec1.extend_from_slice(peer_public);
                // `from_sec1_bytes` checks that the point satisfies the curve
                // equation and is not the identity.
                let peer = $krate::PublicKey::from_sec1_bytes(&sec1).map_err(|_| {
                    CryptoError::InvalidPublicValue {
                        group: $id.0,
                        reason: PublicValueDefect::NotOnCurve,
                    }
                })?;
                let shared =
                    $krate::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), peer.as_affine());
                Ok(Secret::from_slice(shared.raw_secret_bytes()))
            }
        }
    };
}

ecp_group!(Ecp256, ActiveEcp256, p256, DhId::ECP_256, 32, 0xff);
ecp_group!(Ecp384, ActiveEcp384, p384, DhId::ECP_384, 48, 0xff);
ecp_group!(Ecp521, ActiveEcp521, p521, DhId::ECP_521, 66, 0x01);

pub static ECP_256: Ecp256 = Ecp256;
pub static ECP_384: Ecp384 = Ecp384;
pub static ECP_521: Ecp521 = Ecp521;
