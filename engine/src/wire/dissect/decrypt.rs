//! The decryption hook: once keys are at hand (the crypto layer, a key table for
//! `ikelab dissect --keys`), an SK or SKF payload's plaintext is dissected as the
//! children of its ciphertext leaf.

use std::ops::Range;

use crate::wire::header::IkeHeader;
use crate::wire::iana::PayloadType;

/// Decrypts SK / SKF payloads for the dissector.
pub trait Decryptor {
    /// Called (through [`Decryptor::open_sk`]) for each SK or SKF payload of a message
    /// being dissected. Return `None` when no key matches (the payload then shows as
    /// one encrypted leaf). Verify the ICV before returning plaintext.
    fn decrypt_sk(&mut self, request: &SkDecryptRequest<'_>) -> Option<Decrypted>;

    /// What the dissector calls: the plaintext, or why the payload stays encrypted
    /// (the reason is shown on the encrypted leaf: "no entry for SPIs ... in the key
    /// table", "ICV check failed with ..."). The default wraps
    /// [`Decryptor::decrypt_sk`] and gives no reason; a decryptor that can explain a
    /// failure overrides this one.
    fn open_sk(&mut self, request: &SkDecryptRequest<'_>) -> SkOutcome {
        match self.decrypt_sk(request) {
            Some(decrypted) => SkOutcome::Decrypted(decrypted),
            None => SkOutcome::Encrypted { note: None },
        }
    }
}

/// The fate of one SK / SKF payload in a dissection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkOutcome {
    /// The ICV verified; here is the plaintext.
    Decrypted(Decrypted),
    /// Left encrypted, with the reason for people when there is one.
    Encrypted { note: Option<String> },
}

/// Everything an SK / SKF decryption needs.
#[derive(Debug, Clone)]
pub struct SkDecryptRequest<'a> {
    /// The message's header (SPIs pick the IKE SA; the I flag picks SK_ei or SK_er).
    pub header: &'a IkeHeader,
    /// The whole message as received. For AEAD ciphers the associated data is
    /// `message[..body.start]` (RFC 5282 §5.1); for integrity transforms the ICV covers
    /// `message[..body.end - icv_len]` (RFC 7296 §3.14).
    pub message: &'a [u8],
    /// The SK / SKF payload, generic payload header included.
    pub payload: Range<usize>,
    /// IV | ciphertext | ICV.
    pub body: Range<usize>,
    /// The SK header's Next Payload: the first inner payload (0 in SKF fragments after
    /// the first, RFC 7383 §2.5).
    pub first_payload: PayloadType,
    /// `(Fragment Number, Total Fragments)` for SKF, `None` for SK.
    pub fragment: Option<(u16, u16)>,
}

/// What a decryptor hands back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decrypted {
    /// Octets of IV at the start of the body.
    pub iv_len: usize,
    /// Octets of integrity checksum at the end of the body.
    pub icv_len: usize,
    /// The decrypted octets: inner payloads | Padding | Pad Length (RFC 7296 §3.14).
    pub plaintext: Vec<u8>,
    /// How it was decrypted, for people ("ENCR_AES_GCM_16 (20), 256-bit key, SK_ei").
    pub note: String,
}

/// A decryptor that already holds the plaintext: the engine's own SK payload as it
/// sealed it, or a received one as the state machine opened it. The dissection then
/// shows what was really encrypted or decrypted, without running the cipher again
/// (RFC 7296 §3.14: inner payloads, Padding, Pad Length).
///
/// It answers the first unfragmented SK payload it is asked about, once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownPlaintext(Option<Decrypted>);

impl KnownPlaintext {
    pub fn new(decrypted: Decrypted) -> Self {
        Self(Some(decrypted))
    }
}

impl Decryptor for KnownPlaintext {
    fn decrypt_sk(&mut self, request: &SkDecryptRequest<'_>) -> Option<Decrypted> {
        if request.fragment.is_some() {
            return None;
        }
        self.0.take()
    }
}
