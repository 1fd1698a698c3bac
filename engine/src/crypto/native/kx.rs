//! Key exchange on AWS-LC: Curve25519 (group 31, RFC 8031) and the ECP groups 19,
//! 20 and 21 (RFC 5903), with the same encodings, private-key sampling and peer-value
//! checks as the RustCrypto groups in `crypto::dh`.
//!
//! The private value always comes from the engine's RNG (the engine is sans-IO):
//! the octets are drawn exactly as the RustCrypto groups draw them and handed to
//! `agreement::PrivateKey::from_private_key`, so both providers put the same public
//! value on the wire for the same RNG. AWS-LC wipes its copy of the private key when
//! the key is freed (`OPENSSL_free` cleanses every allocation); ours is a
//! [`Zeroizing`] buffer, and the shared secret AWS-LC hands back is wiped by
//! aws-lc-rs after it is copied into a [`Secret`].

use aws_lc_rs::agreement::{self, PrivateKey, UnparsedPublicKey};
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::crypto::dh::{MAX_DRAWS, random_bytes, wrong_length};
use crate::crypto::provider::{ActiveKeyExchange, KeyExchangeGroup};
use crate::crypto::{CryptoError, PublicValueDefect, Secret};
use crate::wire::iana::DhId;

/// How the Key Exchange Data of a group is laid out and checked.
#[derive(Debug, Clone, Copy)]
enum Encoding {
    /// RFC 8031 §2: the 32-octet little-endian u-coordinate; every 32-octet string
    /// is a valid private key (RFC 7748 §5 clamps it); an all-zero shared secret is
    /// rejected (RFC 8031 §2.3).
    Montgomery,
    /// RFC 5903 §7: x | y without the SEC1 0x04 prefix; the private key is a scalar
    /// in [1, n-1] drawn by rejection sampling with the top octet masked to the
    /// order's bit length; the peer point must be on the curve (RFC 6989 §2.3).
    Weierstrass { top_mask: u8 },
}

/// A key exchange group implemented by AWS-LC.
#[derive(Debug)]
pub(super) struct AwsLcGroup {
    id: DhId,
    algorithm: &'static agreement::Algorithm,
    /// Private key length in octets (the field size).
    private_len: usize,
    encoding: Encoding,
}

impl AwsLcGroup {
    const fn new(
        id: DhId,
        algorithm: &'static agreement::Algorithm,
        private_len: usize,
        encoding: Encoding,
    ) -> Self {
        Self {
            id,
            algorithm,
            private_len,
            encoding,
        }
    }

    fn exchange(&self, private: &[u8]) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        let invalid = || CryptoError::InvalidLength {
            what: match self.encoding {
                Encoding::Montgomery => "Montgomery-curve private key",
                Encoding::Weierstrass { .. } => "ECP private key (a scalar in [1, n-1])",
            }
            .into(),
            expected: self.private_len,
            actual: private.len(),
        };
        if private.len() != self.private_len {
            return Err(invalid());
        }
        // AWS-LC rejects an ECP scalar that is zero or not below the group order.
        let key = PrivateKey::from_private_key(self.algorithm, private).map_err(|_| invalid())?;
        let public = key.compute_public_key().map_err(|_| invalid())?;
        let public = match self.encoding {
            Encoding::Montgomery => public.as_ref().to_vec(),
            // SEC1 uncompressed: 0x04 | x | y; RFC 5903 §7 carries x | y.
            Encoding::Weierstrass { .. } => public.as_ref().get(1..).unwrap_or_default().to_vec(),
        };
        Ok(Box::new(AwsLcExchange {
            id: self.id,
            algorithm: self.algorithm,
            encoding: self.encoding,
            private: key,
            public,
        }))
    }
}

impl KeyExchangeGroup for AwsLcGroup {
    fn id(&self) -> DhId {
        self.id
    }

    fn public_len(&self) -> usize {
        match self.encoding {
            Encoding::Montgomery => self.private_len,
            Encoding::Weierstrass { .. } => 2 * self.private_len,
        }
    }

    fn start(&self, rng: &mut dyn CryptoRng) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        match self.encoding {
            Encoding::Montgomery => {
                let private = Zeroizing::new(random_bytes(rng, self.private_len));
                self.exchange(&private)
            }
            Encoding::Weierstrass { top_mask } => {
                for _ in 0..MAX_DRAWS {
                    let mut private = Zeroizing::new(random_bytes(rng, self.private_len));
                    if let Some(top) = private.first_mut() {
                        *top &= top_mask;
                    }
                    if let Ok(exchange) = self.exchange(&private) {
                        return Ok(exchange);
                    }
                }
                Err(CryptoError::RngFailure { group: self.id.0 })
            }
        }
    }

    fn start_with_private(
        &self,
        private: &[u8],
    ) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        self.exchange(private)
    }
}

/// One side of an exchange: AWS-LC's private key and our public value.
struct AwsLcExchange {
    id: DhId,
    algorithm: &'static agreement::Algorithm,
    encoding: Encoding,
    private: PrivateKey,
    public: Vec<u8>,
}

impl AwsLcExchange {
    fn agree(&self, peer: &[u8], rejected: CryptoError) -> Result<Secret, CryptoError> {
        let zero = CryptoError::ZeroSharedSecret { group: self.id.0 };
        let montgomery = matches!(self.encoding, Encoding::Montgomery);
        agreement::agree(
            &self.private,
            UnparsedPublicKey::new(self.algorithm, peer),
            rejected,
            |shared| {
                // RFC 8031 §2.3, checked here too although AWS-LC already refuses
                // an all-zero X25519 result (as the RustCrypto group does).
                if montgomery && bool::from(shared.ct_eq(&[0u8; 32][..])) {
                    return Err(zero);
                }
                Ok(Secret::from_slice(shared))
            },
        )
    }
}

impl ActiveKeyExchange for AwsLcExchange {
    fn group(&self) -> DhId {
        self.id
    }

    fn public_value(&self) -> &[u8] {
        &self.public
    }

    fn complete(&self, peer_public: &[u8]) -> Result<Secret, CryptoError> {
        if peer_public.len() != self.public.len() {
            return Err(wrong_length(self.id, self.public.len(), peer_public.len()));
        }
        match self.encoding {
            // A 32-octet u-coordinate always parses; X25519 in AWS-LC fails only
            // when the result is all zeros (a small-order point, RFC 7748 §6.1).
            Encoding::Montgomery => self.agree(
                peer_public,
                CryptoError::ZeroSharedSecret { group: self.id.0 },
            ),
            Encoding::Weierstrass { .. } => {
                let mut sec1 = Vec::with_capacity(1 + peer_public.len());
                sec1.push(0x04);
                sec1.extend_from_slice(peer_public);
                // AWS-LC decodes the uncompressed point and checks that it satisfies
                // the curve equation (the identity has no uncompressed encoding).
                self.agree(
                    &sec1,
                    CryptoError::InvalidPublicValue {
                        group: self.id.0,
                        reason: PublicValueDefect::NotOnCurve,
                    },
                )
            }
        }
    }
}

pub(super) static CURVE_25519: AwsLcGroup = AwsLcGroup::new(
    DhId::CURVE25519,
    &agreement::X25519,
    32,
    Encoding::Montgomery,
);
pub(super) static ECP_256: AwsLcGroup = AwsLcGroup::new(
    DhId::ECP_256,
    &agreement::ECDH_P256,
    32,
    Encoding::Weierstrass { top_mask: 0xff },
);
pub(super) static ECP_384: AwsLcGroup = AwsLcGroup::new(
    DhId::ECP_384,
    &agreement::ECDH_P384,
    48,
    Encoding::Weierstrass { top_mask: 0xff },
);
/// P-521: the order has 521 bits, so only the low bit of the first of 66 octets
/// can be set.
pub(super) static ECP_521: AwsLcGroup = AwsLcGroup::new(
    DhId::ECP_521,
    &agreement::ECDH_P521,
    66,
    Encoding::Weierstrass { top_mask: 0x01 },
);
