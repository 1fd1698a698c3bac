//! CBC encryption transforms: AES-CBC (RFC 3602), Camellia-CBC (RFC 5529) and
//! Blowfish-CBC (RFC 2451). Each message carries a random IV of one block; the
//! plaintext is padded to whole blocks by the caller (RFC 7296 §3.14), so these
//! functions only ever see whole blocks.

use core::fmt;
use core::marker::PhantomData;

use aes::{Aes128, Aes192, Aes256};
use blowfish::Blowfish;
use camellia::{Camellia128, Camellia192, Camellia256};
use cbc::cipher::array::Array;
use cbc::cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, BlockSizeUser,
    InnerIvInit, KeyInit,
};

use crate::crypto::CryptoError;
use crate::crypto::provider::{CbcCipher, CbcKey};
use crate::wire::iana::EncrId;

/// One CBC transform over the RustCrypto block cipher `B`.
pub struct RustCbc<B> {
    id: EncrId,
    key_bits: u16,
    cipher: PhantomData<fn() -> B>,
}

impl<B> RustCbc<B> {
    pub const fn new(id: EncrId, key_bits: u16) -> Self {
        Self {
            id,
            key_bits,
            cipher: PhantomData,
        }
    }
}

impl<B> fmt::Debug for RustCbc<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RustCbc({:?}, {} bits)", self.id, self.key_bits)
    }
}

impl<B> CbcCipher for RustCbc<B>
where
    B: BlockCipherEncrypt + BlockCipherDecrypt + KeyInit + Clone + Send + Sync + 'static,
{
    fn id(&self) -> EncrId {
        self.id
    }

    fn key_bits(&self) -> Option<u16> {
        Some(self.key_bits)
    }

    fn key_len(&self) -> usize {
        usize::from(self.key_bits / 8)
    }

    fn block_len(&self) -> usize {
        B::block_size()
    }

    fn new_key(&self, key: &[u8]) -> Result<Box<dyn CbcKey>, CryptoError> {
        let invalid = || CryptoError::InvalidLength {
            what: "CBC key".into(),
            expected: usize::from(self.key_bits / 8),
            actual: key.len(),
        };
        if key.len() != usize::from(self.key_bits / 8) {
            return Err(invalid());
        }
        let cipher = B::new_from_slice(key).map_err(|_| invalid())?;
        Ok(Box::new(KeyedCbc { cipher }))
    }
}

#[cfg(test)]
/// Builds a keyed block cipher for a key of any length the cipher accepts (used by
/// the Blowfish known-answer tests, whose published vectors use 64-bit keys).
pub(crate) fn keyed_cbc<B>(key: &[u8]) -> Result<Box<dyn CbcKey>, CryptoError>
where
    B: BlockCipherEncrypt + BlockCipherDecrypt + KeyInit + Clone + Send + Sync + 'static,
{
    let cipher = B::new_from_slice(key).map_err(|_| CryptoError::InvalidLength {
        what: "block cipher key".into(),
        expected: 0,
        actual: key.len(),
    })?;
    Ok(Box::new(KeyedCbc { cipher }))
}

struct KeyedCbc<B> {
    cipher: B,
}

impl<B> KeyedCbc<B>
where
    B: BlockSizeUser,
{
    fn check(iv: &[u8], blocks: &[u8]) -> Result<(), CryptoError> {
        let block = B::block_size();
        if iv.len() != block {
            return Err(CryptoError::InvalidLength {
                what: "CBC IV".into(),
                expected: block,
                actual: iv.len(),
            });
        }
        if !blocks.len().is_multiple_of(block) {
            return Err(CryptoError::NotBlockAligned {
                length: blocks.len(),
                block,
            });
        }
        Ok(())
    }
}

impl<B> CbcKey for KeyedCbc<B>
where
    B: BlockCipherEncrypt + BlockCipherDecrypt + Clone + Send + Sync,
{
    fn encrypt(&self, iv: &[u8], blocks: &mut [u8]) -> Result<(), CryptoError> {
        Self::check(iv, blocks)?;
        let mut mode =
            cbc::Encryptor::<B>::inner_iv_slice_init(self.cipher.clone(), iv).map_err(|_| {
                CryptoError::InvalidLength {
                    what: "CBC IV".into(),
                    expected: B::block_size(),
                    actual: iv.len(),
                }
            })?;
        let (chunks, _) = Array::<u8, B::BlockSize>::slice_as_chunks_mut(blocks);
        mode.encrypt_blocks(chunks);
        Ok(())
    }

    fn decrypt(&self, iv: &[u8], blocks: &mut [u8]) -> Result<(), CryptoError> {
        Self::check(iv, blocks)?;
        let mut mode =
            cbc::Decryptor::<B>::inner_iv_slice_init(self.cipher.clone(), iv).map_err(|_| {
                CryptoError::InvalidLength {
                    what: "CBC IV".into(),
                    expected: B::block_size(),
                    actual: iv.len(),
                }
            })?;
        let (chunks, _) = Array::<u8, B::BlockSize>::slice_as_chunks_mut(blocks);
        mode.decrypt_blocks(chunks);
        Ok(())
    }
}

pub static AES_CBC_128: RustCbc<Aes128> = RustCbc::new(EncrId::AES_CBC, 128);
pub static AES_CBC_192: RustCbc<Aes192> = RustCbc::new(EncrId::AES_CBC, 192);
pub static AES_CBC_256: RustCbc<Aes256> = RustCbc::new(EncrId::AES_CBC, 256);
pub static CAMELLIA_CBC_128: RustCbc<Camellia128> = RustCbc::new(EncrId::CAMELLIA_CBC, 128);
pub static CAMELLIA_CBC_192: RustCbc<Camellia192> = RustCbc::new(EncrId::CAMELLIA_CBC, 192);
pub static CAMELLIA_CBC_256: RustCbc<Camellia256> = RustCbc::new(EncrId::CAMELLIA_CBC, 256);
/// RFC 2451 §2.2: Blowfish takes a Key Length attribute; 128 bits when absent.
pub static BLOWFISH_CBC_128: RustCbc<Blowfish> = RustCbc::new(EncrId::BLOWFISH, 128);
pub static BLOWFISH_CBC_192: RustCbc<Blowfish> = RustCbc::new(EncrId::BLOWFISH, 192);
pub static BLOWFISH_CBC_256: RustCbc<Blowfish> = RustCbc::new(EncrId::BLOWFISH, 256);
