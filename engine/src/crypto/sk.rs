//! Protection of the Encrypted payload, SK (RFC 7296 §3.14; RFC 5282 for AEAD).
//!
//! The SK payload body is IV | ciphertext | ICV. The plaintext is the inner payload
//! chain, then Padding, then one Pad Length octet. Who computes what:
//!
//! * CBC + HMAC (§3.14): the ICV is the integrity transform over the whole message
//!   from the first octet of the IKE header to the last octet of the ciphertext,
//!   i.e. `aad | IV | ciphertext`, where `aad` is the IKE header and the SK generic
//!   payload header (and any payloads between them).
//! * AEAD (RFC 5282 §5.1): the associated data is exactly `aad` (IKE header through
//!   the SK payload header); the IV is not part of it; the nonce is salt | IV.
//!
//! The length fields inside `aad` must already hold the final lengths, so a sender
//! first asks [`SkProtection::sealed_len`] for the body length, writes the headers,
//! then calls [`SkProtection::seal`]. Works on bytes: the wire layer keeps the SK
//! body raw.

use rand_core::CryptoRng;

use super::keys::{IkeKeys, IkeSuite};
use super::provider::{AeadKey, CbcKey, Cipher, IntegKey};
use super::{CryptoError, Secret};

/// The keyed encryption of one direction.
enum Keyed {
    Aead {
        key: Box<dyn AeadKey>,
        salt: Secret,
        iv_len: usize,
        icv_len: usize,
    },
    Cbc {
        key: Box<dyn CbcKey>,
        block_len: usize,
        integ: Box<dyn IntegKey>,
        icv_len: usize,
    },
}

/// SK payload protection for one direction of an IKE SA (SK_ei + SK_ai for what
/// the initiator sends, SK_er + SK_ar for what the responder sends).
pub struct SkProtection {
    keyed: Keyed,
}

impl core::fmt::Debug for SkProtection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match &self.keyed {
            Keyed::Aead { icv_len, .. } => write!(f, "SkProtection(AEAD, ICV {icv_len})"),
            Keyed::Cbc {
                block_len, icv_len, ..
            } => write!(f, "SkProtection(CBC block {block_len}, ICV {icv_len})"),
        }
    }
}

impl SkProtection {
    /// Keys one direction. `encr_key` is SK_e* (for an AEAD: key | salt, RFC 5282
    /// §7.1), `integ` the integrity transform and SK_a* (required for CBC, absent
    /// for AEAD).
    pub fn new(
        cipher: Cipher,
        encr_key: &Secret,
        integ: Option<(&dyn super::Integ, &Secret)>,
    ) -> Result<Self, CryptoError> {
        let keyed = match (cipher, integ) {
            (Cipher::Aead(aead), None) => {
                let material = encr_key.as_bytes();
                if material.len() != aead.key_len() + aead.salt_len() {
                    return Err(CryptoError::InvalidLength {
                        what: "SK_e (AEAD key and salt)".into(),
                        expected: aead.key_len() + aead.salt_len(),
                        actual: material.len(),
                    });
                }
                let (key, salt) = material.split_at(aead.key_len());
                Keyed::Aead {
                    key: aead.new_key(key)?,
                    salt: Secret::from_slice(salt),
                    iv_len: aead.iv_len(),
                    icv_len: aead.icv_len(),
                }
            }
            (Cipher::Cbc(cbc), Some((integ, integ_key))) => Keyed::Cbc {
                key: cbc.new_key(encr_key.as_bytes())?,
                block_len: cbc.block_len(),
                integ: integ.new_key(integ_key.as_bytes())?,
                icv_len: integ.icv_len(),
            },
            (Cipher::Aead(aead), Some(_)) => {
                return Err(CryptoError::Unsupported {
                    what: format!("{} with an integrity transform", aead.id()),
                });
            }
            (Cipher::Cbc(cbc), None) => {
                return Err(CryptoError::Unsupported {
                    what: format!("{} without an integrity transform", cbc.id()),
                });
            }
        };
        Ok(Self { keyed })
    }

    /// Protection of the messages the initiator sends (SK_ei, SK_ai, §2.14); the
    /// responder builds the same to open them.
    pub fn initiator_to_responder(suite: &IkeSuite, keys: &IkeKeys) -> Result<Self, CryptoError> {
        Self::new(
            suite.cipher,
            keys.sk_ei(),
            suite.integ.map(|i| (i, keys.sk_ai())),
        )
    }

    /// Protection of the messages the responder sends (SK_er, SK_ar).
    pub fn responder_to_initiator(suite: &IkeSuite, keys: &IkeKeys) -> Result<Self, CryptoError> {
        Self::new(
            suite.cipher,
            keys.sk_er(),
            suite.integ.map(|i| (i, keys.sk_ar())),
        )
    }

    /// Octets of IV at the start of an SK body (the block size for CBC, 8 for the
    /// AEAD ciphers, RFC 5282 §3).
    pub fn iv_len(&self) -> usize {
        match &self.keyed {
            Keyed::Aead { iv_len, .. } => *iv_len,
            Keyed::Cbc { block_len, .. } => *block_len,
        }
    }

    /// Octets of ICV at the end of an SK body (the AEAD tag, or the integrity
    /// transform's output).
    pub fn icv_len(&self) -> usize {
        match &self.keyed {
            Keyed::Aead { icv_len, .. } | Keyed::Cbc { icv_len, .. } => *icv_len,
        }
    }

    /// Padding octets for `plaintext_len` octets of inner payloads: the fewest that
    /// make payloads | Padding | Pad Length a multiple of the block size (§3.14).
    /// AEAD ciphers here have no alignment requirement (RFC 5282 §3, RFC 7634 §3):
    /// no padding, only the Pad Length octet.
    fn padding_len(&self, plaintext_len: usize) -> usize {
        match &self.keyed {
            Keyed::Aead { .. } => 0,
            Keyed::Cbc { block_len, .. } => {
                let unpadded = plaintext_len + 1;
                (block_len - unpadded % block_len) % block_len
            }
        }
    }

    /// Length of the SK payload body (IV | ciphertext | ICV) that [`seal`] will
    /// produce for `plaintext_len` octets of inner payloads.
    ///
    /// [`seal`]: Self::seal
    pub fn sealed_len(&self, plaintext_len: usize) -> usize {
        self.iv_len() + plaintext_len + self.padding_len(plaintext_len) + 1 + self.icv_len()
    }

    /// Encrypts the inner payload chain `plaintext` into an SK payload body.
    ///
    /// `aad` is every octet of the message before the SK body: the IKE header (with
    /// its final Length) and the SK generic payload header (with its final Payload
    /// Length, see [`sealed_len`](Self::sealed_len)). The IV comes from `rng`;
    /// padding octets are zero (§3.14 lets the sender choose them).
    pub fn seal(
        &self,
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut impl CryptoRng,
    ) -> Result<Vec<u8>, CryptoError> {
        let pad = self.padding_len(plaintext.len());
        let pad_octet = u8::try_from(pad).map_err(|_| CryptoError::MessageTooLong)?;
        let mut iv = vec![0u8; self.iv_len()];
        rng.fill_bytes(&mut iv);
        let mut body = Vec::with_capacity(self.sealed_len(plaintext.len()));
        body.extend_from_slice(&iv);
        let mut inner = Vec::with_capacity(plaintext.len() + pad + 1 + self.icv_len());
        inner.extend_from_slice(plaintext);
        inner.resize(plaintext.len() + pad, 0);
        inner.push(pad_octet);
        match &self.keyed {
            Keyed::Aead { key, salt, .. } => {
                let nonce = [salt.as_bytes(), &iv].concat();
                key.seal(&nonce, aad, &mut inner)?;
                body.extend_from_slice(&inner);
            }
            Keyed::Cbc { key, integ, .. } => {
                key.encrypt(&iv, &mut inner)?;
                body.extend_from_slice(&inner);
                let icv = integ.compute(&[aad, &body]);
                body.extend_from_slice(&icv);
            }
        }
        Ok(body)
    }

    /// Verifies and decrypts an SK payload body (IV | ciphertext | ICV), returning
    /// the inner payload chain with Padding and Pad Length removed.
    ///
    /// The ICV is checked first, in constant time; nothing is decrypted from a
    /// message that fails it.
    pub fn open(&self, aad: &[u8], body: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut plaintext = self.open_padded(aad, body)?;
        let (&pad_octet, before) = plaintext.split_last().ok_or(CryptoError::Truncated {
            needed: 1,
            available: 0,
        })?;
        let pad = usize::from(pad_octet);
        if pad > before.len() {
            return Err(CryptoError::BadPadding {
                pad_length: pad,
                available: before.len(),
            });
        }
        let inner_len = before.len() - pad;
        plaintext.truncate(inner_len);
        Ok(plaintext)
    }

    /// As [`open`](Self::open), but returns every decrypted octet: the inner
    /// payloads, the Padding and the Pad Length octet (§3.14), unchecked, so a
    /// dissector can show them as they were sent. Same ICV check first.
    pub fn open_padded(&self, aad: &[u8], body: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let iv_len = self.iv_len();
        let icv_len = self.icv_len();
        let minimum = iv_len + 1 + icv_len;
        if body.len() < minimum {
            return Err(CryptoError::Truncated {
                needed: minimum,
                available: body.len(),
            });
        }
        let (iv, rest) = body.split_at(iv_len);
        let plaintext = match &self.keyed {
            Keyed::Aead { key, salt, .. } => {
                let nonce = [salt.as_bytes(), iv].concat();
                let mut buffer = rest.to_vec();
                key.open(&nonce, aad, &mut buffer)?;
                buffer
            }
            Keyed::Cbc {
                key,
                block_len,
                integ,
                ..
            } => {
                let (ciphertext, icv) = rest.split_at(rest.len() - icv_len);
                if !ciphertext.len().is_multiple_of(*block_len) {
                    return Err(CryptoError::NotBlockAligned {
                        length: ciphertext.len(),
                        block: *block_len,
                    });
                }
                let covered = body.get(..iv_len + ciphertext.len()).unwrap_or(body);
                if !integ.verify(&[aad, covered], icv) {
                    return Err(CryptoError::IntegrityCheckFailed);
                }
                let mut buffer = ciphertext.to_vec();
                key.decrypt(iv, &mut buffer)?;
                buffer
            }
        };
        Ok(plaintext)
    }
}
