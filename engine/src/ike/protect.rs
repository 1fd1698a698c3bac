//! The IKE SA's message protection: whole messages in and out of the SK payload
//! (RFC 7296 §3.14), and a [`Decryptor`] that lets the dissector show what was inside.
//!
//! Sealing builds the header and the SK payload header with their final lengths
//! first (they are the associated data, or are covered by the ICV), then asks the
//! crypto layer's [`SkProtection`] for the body. Opening checks the ICV before anything
//! is parsed: bytes that fail it never reach the state machine.

use rand_core::CryptoRng;

use crate::crypto::keys::{IkeKeys, IkeSuite};
use crate::crypto::sk::SkProtection;
use crate::crypto::{Cipher, CryptoError, Secret};
use crate::wire::dissect::{Decrypted, Decryptor, SkDecryptRequest};
use crate::wire::{
    EmitError, IkeHeader, Message, Payload, SkPayload, WireError, emit_payload_chain,
    parse_payload_chain,
};

/// Octets before an SK body: the IKE header and the SK payload's generic header.
const AAD_LEN: usize = IkeHeader::LEN + 4;

/// Why a message could not be sealed (a local problem, never the peer's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SealError {
    Emit(EmitError),
    Crypto(CryptoError),
}

/// Why a received message could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OpenError {
    /// The message has no SK payload, or payloads other than SK.
    NotProtected,
    /// ICV or tag mismatch, bad padding, truncated body: unauthenticated bytes.
    Crypto(CryptoError),
    /// The decrypted, authenticated inner payloads are malformed.
    Syntax(WireError),
}

/// The two directions of an IKE SA's SK protection.
pub(crate) struct Protection {
    suite: IkeSuite,
    /// What we send (SK_ei/SK_ai as original initiator, else SK_er/SK_ar).
    outbound: SkProtection,
    inbound: SkProtection,
    /// Raw keys, for the dissector's view of the padding (see [`SkDissector`]).
    raw: RawKeys,
}

impl core::fmt::Debug for Protection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Protection({:?}, {:?})",
            self.suite.cipher.id(),
            self.outbound
        )
    }
}

struct RawKeys {
    sk_ei: Secret,
    sk_er: Secret,
    sk_ai: Secret,
    sk_ar: Secret,
}

impl Protection {
    /// Keys both directions. `original_initiator`: whether we started the IKE SA.
    pub(crate) fn new(
        suite: IkeSuite,
        keys: &IkeKeys,
        original_initiator: bool,
    ) -> Result<Self, CryptoError> {
        let direction = |encr: &Secret, integ: &Secret| {
            SkProtection::new(suite.cipher, encr, suite.integ.map(|i| (i, integ)))
        };
        let i_to_r = direction(keys.sk_ei(), keys.sk_ai())?;
        let r_to_i = direction(keys.sk_er(), keys.sk_ar())?;
        let (outbound, inbound) = if original_initiator {
            (i_to_r, r_to_i)
        } else {
            (r_to_i, i_to_r)
        };
        Ok(Self {
            suite,
            outbound,
            inbound,
            raw: RawKeys {
                sk_ei: keys.sk_ei().clone(),
                sk_er: keys.sk_er().clone(),
                sk_ai: keys.sk_ai().clone(),
                sk_ar: keys.sk_ar().clone(),
            },
        })
    }

    pub(crate) fn suite(&self) -> &IkeSuite {
        &self.suite
    }

    /// The bytes of a message whose only payload is an SK payload holding `inner`.
    pub(crate) fn seal(
        &self,
        header: &IkeHeader,
        inner: &[Payload],
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>, SealError> {
        let (plaintext, first) = emit_payload_chain(inner).map_err(SealError::Emit)?;
        let body_len = self.outbound.sealed_len(plaintext.len());
        // Emit with a placeholder body of the final length: the header and SK header
        // then hold their final Length fields and are the associated data.
        let skeleton = Message {
            header: header.clone(),
            payloads: vec![Payload::Sk(SkPayload {
                first_payload: first,
                body: vec![0; body_len],
            })],
        };
        let mut bytes = skeleton.try_emit().map_err(SealError::Emit)?;
        bytes.truncate(AAD_LEN);
        let body = self
            .outbound
            .seal(&bytes, &plaintext, &mut &mut *rng)
            .map_err(SealError::Crypto)?;
        bytes.extend_from_slice(&body);
        Ok(bytes)
    }

    /// Verifies and decrypts a received message, returning its inner payloads.
    /// `raw` is the message as received, `message` its parse.
    pub(crate) fn open(&self, raw: &[u8], message: &Message) -> Result<Vec<Payload>, OpenError> {
        let [Payload::Sk(sk)] = message.payloads.as_slice() else {
            return Err(OpenError::NotProtected);
        };
        let aad_end = raw
            .len()
            .checked_sub(sk.body.len())
            .ok_or(OpenError::NotProtected)?;
        let aad = raw.get(..aad_end).ok_or(OpenError::NotProtected)?;
        let inner = self
            .inbound
            .open(aad, &sk.body)
            .map_err(OpenError::Crypto)?;
        parse_payload_chain(&inner, sk.first_payload).map_err(OpenError::Syntax)
    }

    /// A decryptor for the dissection of this SA's messages, both directions.
    pub(crate) fn dissector(&self) -> SkDissector<'_> {
        SkDissector { protection: self }
    }
}

/// Decrypts SK payloads for [`crate::wire::dissect_message`], keeping the padding
/// octets as they were on the wire (the state machine's path strips them).
pub(crate) struct SkDissector<'a> {
    protection: &'a Protection,
}

impl Decryptor for SkDissector<'_> {
    fn decrypt_sk(&mut self, request: &SkDecryptRequest<'_>) -> Option<Decrypted> {
        if request.fragment.is_some() {
            return None;
        }
        let raw = &self.protection.raw;
        let from_initiator = request.header.is_initiator();
        let (encr, integ, label) = if from_initiator {
            (&raw.sk_ei, &raw.sk_ai, "SK_ei")
        } else {
            (&raw.sk_er, &raw.sk_ar, "SK_er")
        };
        let body = request.message.get(request.body.clone())?;
        let aad = request.message.get(..request.body.start)?;
        let suite = &self.protection.suite;
        match suite.cipher {
            Cipher::Aead(aead) => {
                let (key, salt) = encr.as_bytes().split_at_checked(aead.key_len())?;
                let (iv, rest) = body.split_at_checked(aead.iv_len())?;
                let nonce = [salt, iv].concat();
                let mut buffer = rest.to_vec();
                aead.new_key(key)
                    .ok()?
                    .open(&nonce, aad, &mut buffer)
                    .ok()?;
                Some(Decrypted {
                    iv_len: aead.iv_len(),
                    icv_len: aead.icv_len(),
                    plaintext: buffer,
                    note: format!("{}, {label}", describe_cipher(suite.cipher)),
                })
            }
            Cipher::Cbc(cbc) => {
                let integ_alg = suite.integ?;
                let icv_len = integ_alg.icv_len();
                let covered_end = request.body.end.checked_sub(icv_len)?;
                let covered = request.message.get(..covered_end)?;
                let icv = request.message.get(covered_end..request.body.end)?;
                if !integ_alg
                    .new_key(integ.as_bytes())
                    .ok()?
                    .verify(&[covered], icv)
                {
                    return None;
                }
                let block = cbc.block_len();
                let iv = body.get(..block)?;
                let mut ciphertext = body.get(block..body.len().checked_sub(icv_len)?)?.to_vec();
                if !ciphertext.len().is_multiple_of(block) {
                    return None;
                }
                cbc.new_key(encr.as_bytes())
                    .ok()?
                    .decrypt(iv, &mut ciphertext)
                    .ok()?;
                Some(Decrypted {
                    iv_len: block,
                    icv_len,
                    plaintext: ciphertext,
                    note: format!(
                        "{} with {}, {label}",
                        describe_cipher(suite.cipher),
                        integ_alg.id()
                    ),
                })
            }
        }
    }
}

fn describe_cipher(cipher: Cipher) -> String {
    match cipher.key_bits() {
        Some(bits) => format!("{}, {bits}-bit key", cipher.id()),
        None => cipher.id().to_string(),
    }
}
