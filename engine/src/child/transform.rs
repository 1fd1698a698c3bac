//! One direction's keyed ESP transform, built once when the SA is installed: the
//! cipher and integrity key objects the hot path reuses for every packet.

use std::sync::Arc;

use crate::crypto::provider::{AeadKey, CbcKey, Cipher, IntegKey};
use crate::crypto::{CryptoError, CryptoProvider};
use crate::wire::iana::{EncrId, IntegId};

use super::error::EspError;

/// Salt length of the AEAD transforms (RFC 4106 §8.1, RFC 7634 §2).
const SALT_LEN: usize = 4;
/// Explicit IV of the AEAD transforms: 8 octets (RFC 4106 §3.1, RFC 7634 §2).
pub(crate) const AEAD_IV_LEN: usize = 8;
/// The largest block a CBC cipher here has (AES, RFC 3602 §2.1).
pub(crate) const MAX_BLOCK_LEN: usize = 16;

/// The keyed algorithms of one ESP SA. Keys sit behind `Arc` so a `ChildSa` stays
/// `Clone` (the copies share the immutable key schedules).
#[derive(Clone)]
pub(crate) enum EspTransform {
    /// AES-GCM (RFC 4106) or ChaCha20-Poly1305 (RFC 7634).
    Aead {
        key: Arc<dyn AeadKey>,
        salt: [u8; SALT_LEN],
        icv_len: usize,
    },
    /// A CBC cipher with an HMAC (RFC 3602 + RFC 4868).
    CbcHmac {
        cipher: Arc<dyn CbcKey>,
        block_len: usize,
        integ: Arc<dyn IntegKey>,
        icv_len: usize,
    },
    /// ENCR_NULL (RFC 2410) with an HMAC: integrity only, for teaching.
    NullHmac {
        integ: Arc<dyn IntegKey>,
        icv_len: usize,
    },
}

impl core::fmt::Debug for EspTransform {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let name = match self {
            Self::Aead { .. } => "Aead",
            Self::CbcHmac { .. } => "CbcHmac",
            Self::NullHmac { .. } => "NullHmac",
        };
        f.debug_struct(name)
            .field("iv_len", &self.iv_len())
            .field("icv_len", &self.icv_len())
            .finish_non_exhaustive()
    }
}

fn integ_key(
    provider: &CryptoProvider,
    integ: Option<IntegId>,
    key: &[u8],
    encr: EncrId,
) -> Result<(Arc<dyn IntegKey>, usize), EspError> {
    let integ = integ.filter(|i| *i != IntegId::NONE).ok_or_else(|| {
        EspError::Crypto(CryptoError::Unsupported {
            what: format!("{encr} needs an integrity transform"),
        })
    })?;
    let algorithm = provider.integ(integ).ok_or_else(|| {
        EspError::Crypto(CryptoError::Unsupported {
            what: format!("{integ}"),
        })
    })?;
    let icv_len = algorithm.icv_len();
    let key = algorithm.new_key(key).map_err(EspError::Crypto)?;
    Ok((Arc::from(key), icv_len))
}

impl EspTransform {
    /// Keys a transform. `encr_key` is the ENCR keying material (for an AEAD: key |
    /// 4-octet salt, RFC 4106 §8.1), `integ_key` the INTEG key (empty for an AEAD).
    pub(crate) fn new(
        provider: &CryptoProvider,
        encr: EncrId,
        key_bits: Option<u16>,
        integ: Option<IntegId>,
        encr_key: &[u8],
        integ_key_bytes: &[u8],
    ) -> Result<Self, EspError> {
        if encr == EncrId::NULL {
            // RFC 4303 §3.2 and RFC 2410: NULL encryption only with integrity.
            let (integ, icv_len) = integ_key(provider, integ, integ_key_bytes, encr)?;
            return Ok(Self::NullHmac { integ, icv_len });
        }
        let cipher = provider.cipher(encr, key_bits).ok_or_else(|| {
            EspError::Crypto(CryptoError::Unsupported {
                what: format!("{encr} with {key_bits:?}-bit keys"),
            })
        })?;
        match cipher {
            Cipher::Aead(aead) => {
                if integ.is_some_and(|i| i != IntegId::NONE) {
                    return Err(EspError::Crypto(CryptoError::Unsupported {
                        what: format!("{encr} is an AEAD and takes no integrity transform"),
                    }));
                }
                let key_len = aead.key_len();
                let expected = key_len + aead.salt_len();
                if encr_key.len() != expected || aead.salt_len() != SALT_LEN {
                    return Err(EspError::Crypto(CryptoError::InvalidLength {
                        what: "AEAD keying material".into(),
                        expected,
                        actual: encr_key.len(),
                    }));
                }
                let (key, salt) = encr_key.split_at(key_len);
                let mut salt_octets = [0u8; SALT_LEN];
                salt_octets.copy_from_slice(salt);
                let key = aead.new_key(key).map_err(EspError::Crypto)?;
                Ok(Self::Aead {
                    key: Arc::from(key),
                    salt: salt_octets,
                    icv_len: aead.icv_len(),
                })
            }
            Cipher::Cbc(cbc) => {
                if cbc.block_len() > MAX_BLOCK_LEN || !cbc.block_len().is_power_of_two() {
                    return Err(EspError::Crypto(CryptoError::Unsupported {
                        what: format!(
                            "{encr}: a block of {} octets (ESP padding here takes powers of two up to {MAX_BLOCK_LEN})",
                            cbc.block_len()
                        ),
                    }));
                }
                let (integ, icv_len) = integ_key(provider, integ, integ_key_bytes, encr)?;
                let key = cbc.new_key(encr_key).map_err(EspError::Crypto)?;
                Ok(Self::CbcHmac {
                    cipher: Arc::from(key),
                    block_len: cbc.block_len(),
                    integ,
                    icv_len,
                })
            }
        }
    }

    /// Octets of IV after the ESP header (RFC 4303 §2.3).
    pub(crate) fn iv_len(&self) -> usize {
        match self {
            Self::Aead { .. } => AEAD_IV_LEN,
            Self::CbcHmac { block_len, .. } => *block_len,
            Self::NullHmac { .. } => 0,
        }
    }

    /// Octets of ICV at the end of the packet.
    pub(crate) fn icv_len(&self) -> usize {
        match self {
            Self::Aead { icv_len, .. }
            | Self::CbcHmac { icv_len, .. }
            | Self::NullHmac { icv_len, .. } => *icv_len,
        }
    }

    /// What payload, padding and trailer must align to (RFC 4303 §2.4: the cipher's
    /// block size, and at least 4; GCM and ChaCha20 are stream-like, RFC 4106 §3.2
    /// and RFC 7634 §3 ask for the 4-octet alignment only).
    pub(crate) fn alignment(&self) -> usize {
        match self {
            Self::CbcHmac { block_len, .. } => (*block_len).max(4),
            Self::Aead { .. } | Self::NullHmac { .. } => 4,
        }
    }
}
