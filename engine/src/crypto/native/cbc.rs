//! AES-CBC (RFC 3602) on AWS-LC. As in `crypto::encr::cbc`, the caller pads to
//! whole blocks (RFC 7296 §3.14) and supplies the IV it drew from the engine's RNG,
//! so this only ever sees whole blocks and never draws randomness itself.

use core::fmt;

use aws_lc_rs::cipher::{
    self, AES_CBC_IV_LEN, DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext,
    UnboundCipherKey,
};
use aws_lc_rs::iv::FixedLength;

use crate::crypto::CryptoError;
use crate::crypto::provider::{CbcCipher, CbcKey};
use crate::wire::iana::EncrId;

/// AES-CBC with one key length.
pub(super) struct AwsLcAesCbc {
    key_bits: u16,
    algorithm: &'static cipher::Algorithm,
}

impl AwsLcAesCbc {
    const fn new(key_bits: u16, algorithm: &'static cipher::Algorithm) -> Self {
        Self {
            key_bits,
            algorithm,
        }
    }

    fn key_len(&self) -> usize {
        usize::from(self.key_bits / 8)
    }
}

impl fmt::Debug for AwsLcAesCbc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AwsLcAesCbc({} bits)", self.key_bits)
    }
}

impl CbcCipher for AwsLcAesCbc {
    fn id(&self) -> EncrId {
        EncrId::AES_CBC
    }

    fn key_bits(&self) -> Option<u16> {
        Some(self.key_bits)
    }

    fn key_len(&self) -> usize {
        Self::key_len(self)
    }

    fn block_len(&self) -> usize {
        AES_CBC_IV_LEN
    }

    fn new_key(&self, key: &[u8]) -> Result<Box<dyn CbcKey>, CryptoError> {
        let invalid = || CryptoError::InvalidLength {
            what: "CBC key".into(),
            expected: self.key_len(),
            actual: key.len(),
        };
        let unbound = || UnboundCipherKey::new(self.algorithm, key).map_err(|_| invalid());
        // Both key schedules are wiped by aws-lc-rs when dropped.
        let encrypt = EncryptingKey::cbc(unbound()?).map_err(|_| invalid())?;
        let decrypt = DecryptingKey::cbc(unbound()?).map_err(|_| invalid())?;
        Ok(Box::new(KeyedAwsLcCbc { encrypt, decrypt }))
    }
}

struct KeyedAwsLcCbc {
    encrypt: EncryptingKey,
    decrypt: DecryptingKey,
}

/// Checks the IV and block alignment (the same errors as the RustCrypto CBC code).
fn check(iv: &[u8], blocks: &[u8]) -> Result<FixedLength<AES_CBC_IV_LEN>, CryptoError> {
    let iv =
        FixedLength::<AES_CBC_IV_LEN>::try_from(iv).map_err(|_| CryptoError::InvalidLength {
            what: "CBC IV".into(),
            expected: AES_CBC_IV_LEN,
            actual: iv.len(),
        })?;
    if !blocks.len().is_multiple_of(AES_CBC_IV_LEN) {
        return Err(CryptoError::NotBlockAligned {
            length: blocks.len(),
            block: AES_CBC_IV_LEN,
        });
    }
    Ok(iv)
}

impl CbcKey for KeyedAwsLcCbc {
    fn encrypt(&self, iv: &[u8], blocks: &mut [u8]) -> Result<(), CryptoError> {
        let iv = check(iv, blocks)?;
        if blocks.is_empty() {
            return Ok(());
        }
        self.encrypt
            .less_safe_encrypt(blocks, EncryptionContext::Iv128(iv))
            .map(|_| ())
            .map_err(|_| CryptoError::NotBlockAligned {
                length: blocks.len(),
                block: AES_CBC_IV_LEN,
            })
    }

    fn decrypt(&self, iv: &[u8], blocks: &mut [u8]) -> Result<(), CryptoError> {
        let iv = check(iv, blocks)?;
        if blocks.is_empty() {
            return Ok(());
        }
        let length = blocks.len();
        self.decrypt
            .decrypt(blocks, DecryptionContext::Iv128(iv))
            .map(|_| ())
            .map_err(|_| CryptoError::NotBlockAligned {
                length,
                block: AES_CBC_IV_LEN,
            })
    }
}

pub(super) static AES_CBC_128: AwsLcAesCbc = AwsLcAesCbc::new(128, &cipher::AES_128);
pub(super) static AES_CBC_192: AwsLcAesCbc = AwsLcAesCbc::new(192, &cipher::AES_192);
pub(super) static AES_CBC_256: AwsLcAesCbc = AwsLcAesCbc::new(256, &cipher::AES_256);
