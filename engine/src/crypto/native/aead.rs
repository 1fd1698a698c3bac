//! The native provider's AEAD transforms: AES-GCM with the 16-octet ICV (RFC 4106
//! for ESP, RFC 5282 for IKEv2) and ChaCha20-Poly1305 (RFC 7634).
//!
//! ring and aws-lc-rs expose the same AEAD interface (`LessSafeKey`, `Nonce`,
//! `Aad`), so one implementation, [`aead_on!`], is compiled against each:
//!
//! * ring for AES-128/256-GCM and ChaCha20-Poly1305. Measured on the 2-core build
//!   machine (`benches/esp.rs`, 1400-octet ESP seal+open through the engine, release
//!   build with LTO): ~2.33 GB/s on ring against ~2.05 GB/s on aws-lc-rs, whose
//!   per-call work (GCM context set-up per nonce, single-block GHASH for the
//!   associated data and the tail) costs ~70 ns more per seal+open pair; the two
//!   libraries alone differ by ~3 %. ChaCha20-Poly1305: ~0.92 against ~0.91 GB/s.
//! * aws-lc-rs for AES-192-GCM, which ring does not offer.
//!
//! Keying material, salt, explicit IV and nonce exactly as in `crypto::encr::aead`:
//! key | 4-octet salt, an 8-octet IV per message, nonce = salt | IV. Both libraries
//! verify only full 16-octet tags, so ENCR_AES_GCM_8 and ENCR_AES_GCM_12 stay with
//! the RustCrypto implementation in the provider table.
//!
//! Key hygiene differs: aws-lc-rs keeps the key in AWS-LC's context, which is
//! cleansed when freed; ring does not wipe its key schedules on drop. The engine's
//! own copies of keying material are [`Secret`](crate::crypto::Secret)s either way.

/// Salt length for GCM (RFC 4106 §8.1) and ChaCha20-Poly1305 (RFC 7634 §2).
const SALT_LEN: usize = 4;
/// Explicit IV length carried in each message (RFC 4106 §3.1, RFC 7634 §2).
const IV_LEN: usize = 8;
/// The only ICV length ring's and aws-lc-rs's AEADs produce and verify.
const ICV_LEN: usize = 16;

/// One AEAD implementation on the library `$lib` (`ring` or `aws_lc_rs`), named
/// `$name` in `Debug` output.
macro_rules! aead_on {
    ($lib:ident, $name:literal) => {
        use core::fmt;

        use $lib::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};

        use super::{ICV_LEN, IV_LEN, SALT_LEN};
        use crate::crypto::CryptoError;
        use crate::crypto::provider::{AeadCipher, AeadKey};
        use crate::wire::iana::EncrId;

        /// One AEAD transform.
        pub(in crate::crypto::native) struct Transform {
            id: EncrId,
            key_bits: Option<u16>,
            algorithm: &'static aead::Algorithm,
        }

        impl Transform {
            pub(in crate::crypto::native) const fn new(
                id: EncrId,
                key_bits: Option<u16>,
                algorithm: &'static aead::Algorithm,
            ) -> Self {
                Self {
                    id,
                    key_bits,
                    algorithm,
                }
            }
        }

        impl fmt::Debug for Transform {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?}, {:?} bits)", $name, self.id, self.key_bits)
            }
        }

        impl AeadCipher for Transform {
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
                let unbound = UnboundKey::new(self.algorithm, key).map_err(|_| {
                    CryptoError::InvalidLength {
                        what: "AEAD key".into(),
                        expected: self.algorithm.key_len(),
                        actual: key.len(),
                    }
                })?;
                Ok(Box::new(Keyed {
                    key: LessSafeKey::new(unbound),
                }))
            }
        }

        /// A keyed AEAD. `LessSafeKey` is the libraries' name for "the caller
        /// supplies the nonce", which IKEv2 and ESP do (salt | explicit IV).
        struct Keyed {
            key: LessSafeKey,
        }

        fn nonce(nonce: &[u8]) -> Result<Nonce, CryptoError> {
            Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::InvalidLength {
                what: "AEAD nonce".into(),
                expected: SALT_LEN + IV_LEN,
                actual: nonce.len(),
            })
        }

        impl AeadKey for Keyed {
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
                let body_len = self.open_in_place(nonce_octets, aad, buffer.as_mut_slice())?;
                buffer.truncate(body_len);
                Ok(())
            }

            #[inline]
            fn seal_in_place(
                &self,
                nonce_octets: &[u8],
                aad: &[u8],
                data: &mut [u8],
                tag_out: &mut [u8],
            ) -> Result<(), CryptoError> {
                let nonce = nonce(nonce_octets)?;
                let actual = tag_out.len();
                let tag_out: &mut [u8; ICV_LEN] =
                    tag_out.try_into().map_err(|_| CryptoError::InvalidLength {
                        what: "ICV buffer".into(),
                        expected: ICV_LEN,
                        actual,
                    })?;
                let tag = self
                    .key
                    .seal_in_place_separate_tag(nonce, Aad::from(aad), data)
                    .map_err(|_| CryptoError::MessageTooLong)?;
                tag_out.copy_from_slice(tag.as_ref());
                Ok(())
            }

            #[inline]
            fn open_in_place(
                &self,
                nonce_octets: &[u8],
                aad: &[u8],
                data_and_tag: &mut [u8],
            ) -> Result<usize, CryptoError> {
                let nonce = nonce(nonce_octets)?;
                let body_len =
                    data_and_tag
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
    };
}

/// The AEADs on ring.
mod on_ring {
    aead_on!(ring, "RingAead");

    pub(in crate::crypto::native) static AES_GCM_16_128: Transform =
        Transform::new(EncrId::AES_GCM_16, Some(128), &aead::AES_128_GCM);
    pub(in crate::crypto::native) static AES_GCM_16_256: Transform =
        Transform::new(EncrId::AES_GCM_16, Some(256), &aead::AES_256_GCM);
    /// RFC 7634 §2: a 256-bit key, no Key Length attribute, 16-octet ICV.
    pub(in crate::crypto::native) static CHACHA20_POLY1305: Transform =
        Transform::new(EncrId::CHACHA20_POLY1305, None, &aead::CHACHA20_POLY1305);
}

/// The AEAD ring lacks, on aws-lc-rs.
mod on_aws_lc {
    aead_on!(aws_lc_rs, "AwsLcAead");

    pub(in crate::crypto::native) static AES_GCM_16_192: Transform =
        Transform::new(EncrId::AES_GCM_16, Some(192), &aead::AES_192_GCM);
}

pub(super) use on_aws_lc::AES_GCM_16_192;
pub(super) use on_ring::{AES_GCM_16_128, AES_GCM_16_256, CHACHA20_POLY1305};
