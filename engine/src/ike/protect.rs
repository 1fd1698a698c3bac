//! The IKE SA's message protection: whole messages in and out of the SK payload
//! (RFC 7296 §3.14).
//!
//! Sealing builds the header and the SK payload header with their final lengths
//! first (they are the associated data, or are covered by the ICV), then asks the
//! crypto layer's [`SkProtection`] for the body. Opening checks the ICV before anything
//! is parsed: bytes that fail it never reach the state machine.
//!
//! Both hand back the SK plaintext ([`SkPlaintext`]) with the IV and ICV lengths:
//! the dissection of the message is built from it
//! ([`crate::wire::dissect::KnownPlaintext`]), so a message is encrypted or decrypted
//! once, never again for the trace. What only the dissection shows (the Padding of a
//! sealed message, the note on the cipher and key) is made when one is built.

use rand_core::CryptoRng;

use crate::crypto::keys::{IkeKeys, IkeSuite};
use crate::crypto::sk::SkProtection;
use crate::crypto::{Cipher, CryptoError, Integ, Secret};
use crate::event::{BuildError, Problem};
use crate::wire::dissect::Decrypted;
use crate::wire::iana::ExchangeType;
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

impl SealError {
    /// The problem of a message of `exchange` that could not be built.
    pub(crate) fn building(self, exchange: ExchangeType, response: bool) -> Problem {
        let error = match self {
            Self::Emit(error) => BuildError::Encoding { error },
            Self::Crypto(error) => BuildError::Sealing { error },
        };
        Problem::CannotBuild {
            exchange,
            response,
            error,
        }
    }
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
    /// Whether we started the IKE SA: our messages use SK_ei / SK_ai (RFC 7296 §2.14).
    original_initiator: bool,
}

/// A sealed message: its bytes, and the plaintext its SK payload holds.
#[derive(Debug)]
pub(crate) struct Sealed {
    pub(crate) bytes: Vec<u8>,
    pub(crate) plaintext: SkPlaintext,
}

/// An opened message: its inner payloads, and the SK plaintext they came from.
#[derive(Debug)]
pub(crate) struct Opened {
    pub(crate) payloads: Vec<Payload>,
    pub(crate) plaintext: SkPlaintext,
}

/// The plaintext of an SK payload as this IKE SA sealed or opened it, kept for the
/// message's dissection: [`decrypted`](Self::decrypted) turns it into what the
/// dissector shows. Building that costs a padded copy and a note (formatted
/// strings), so it is left until a dissection is asked for (`EngineConfig::dissect`).
#[derive(Debug)]
pub(crate) struct SkPlaintext {
    iv_len: usize,
    icv_len: usize,
    /// A sealed message's inner payload chain, or an opened message's whole
    /// plaintext (chain, Padding, Pad Length: RFC 7296 §3.14).
    octets: Vec<u8>,
    /// For a sealed message, the Padding octets `SkProtection::seal` appended after
    /// the chain (all zero, then the Pad Length octet); `None` when `octets` already
    /// ends with them.
    padding: Option<u8>,
    cipher: Cipher,
    integ: Option<&'static dyn Integ>,
    /// Protected with SK_ei / SK_ai (the original initiator's keys, §2.14).
    from_initiator: bool,
}

impl SkPlaintext {
    /// What the dissector shows: the octets inside the SK payload (inner payloads,
    /// Padding, Pad Length) and how they were protected.
    pub(crate) fn decrypted(self) -> Decrypted {
        let mut plaintext = self.octets;
        if let Some(pad) = self.padding {
            plaintext.resize(plaintext.len() + usize::from(pad), 0);
            plaintext.push(pad);
        }
        Decrypted {
            iv_len: self.iv_len,
            icv_len: self.icv_len,
            plaintext,
            note: note(self.cipher, self.integ, self.from_initiator),
        }
    }
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
            original_initiator,
        })
    }

    pub(crate) fn suite(&self) -> &IkeSuite {
        &self.suite
    }

    /// The bytes of a message whose only payload is an SK payload holding `inner`,
    /// with the plaintext that was encrypted.
    pub(crate) fn seal(
        &self,
        header: &IkeHeader,
        inner: &[Payload],
        rng: &mut dyn CryptoRng,
    ) -> Result<Sealed, SealError> {
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
        // What `SkProtection::seal` encrypted: the chain, zero Padding, Pad Length.
        let (iv_len, icv_len) = (self.outbound.iv_len(), self.outbound.icv_len());
        let pad = body_len - iv_len - icv_len - plaintext.len() - 1;
        Ok(Sealed {
            bytes,
            plaintext: SkPlaintext {
                iv_len,
                icv_len,
                octets: plaintext,
                padding: Some(u8::try_from(pad).unwrap_or(u8::MAX)),
                cipher: self.suite.cipher,
                integ: self.suite.integ,
                from_initiator: self.original_initiator,
            },
        })
    }

    /// Verifies and decrypts a received message, returning its inner payloads and the
    /// plaintext. `raw` is the message as received, `message` its parse.
    pub(crate) fn open(&self, raw: &[u8], message: &Message) -> Result<Opened, OpenError> {
        let [Payload::Sk(sk)] = message.payloads.as_slice() else {
            return Err(OpenError::NotProtected);
        };
        let aad_end = raw
            .len()
            .checked_sub(sk.body.len())
            .ok_or(OpenError::NotProtected)?;
        let aad = raw.get(..aad_end).ok_or(OpenError::NotProtected)?;
        #[cfg(test)]
        decryptions::count();
        let padded = self
            .inbound
            .open_padded(aad, &sk.body)
            .map_err(OpenError::Crypto)?;
        // Padding and Pad Length (RFC 7296 §3.14), checked as `SkProtection::open` does.
        let (&pad_octet, before) =
            padded
                .split_last()
                .ok_or(OpenError::Crypto(CryptoError::Truncated {
                    needed: 1,
                    available: 0,
                }))?;
        let inner_len =
            before
                .len()
                .checked_sub(usize::from(pad_octet))
                .ok_or(OpenError::Crypto(CryptoError::BadPadding {
                    pad_length: usize::from(pad_octet),
                    available: before.len(),
                }))?;
        let payloads = parse_payload_chain(
            before.get(..inner_len).unwrap_or_default(),
            sk.first_payload,
        )
        .map_err(OpenError::Syntax)?;
        Ok(Opened {
            payloads,
            plaintext: SkPlaintext {
                iv_len: self.inbound.iv_len(),
                icv_len: self.inbound.icv_len(),
                octets: padded,
                padding: None,
                cipher: self.suite.cipher,
                integ: self.suite.integ,
                from_initiator: !self.original_initiator,
            },
        })
    }
}

/// How a message was protected, for the dissection: the cipher, the integrity
/// transform if any, and which key (RFC 7296 §2.14).
fn note(cipher: Cipher, integ: Option<&'static dyn Integ>, from_initiator: bool) -> String {
    let label = if from_initiator { "SK_ei" } else { "SK_er" };
    match (cipher, integ) {
        (Cipher::Cbc(_), Some(integ)) => {
            format!("{} with {}, {label}", describe_cipher(cipher), integ.id())
        }
        _ => format!("{}, {label}", describe_cipher(cipher)),
    }
}

fn describe_cipher(cipher: Cipher) -> String {
    match cipher.key_bits() {
        Some(bits) => format!("{}, {bits}-bit key", cipher.id()),
        None => cipher.id().to_string(),
    }
}

/// Counts SK decryptions on this thread, so tests can show each received message
/// is decrypted once (and the dissector never decrypts).
#[cfg(test)]
pub(crate) mod decryptions {
    use std::cell::Cell;

    thread_local! {
        static COUNT: Cell<usize> = const { Cell::new(0) };
    }

    pub(crate) fn count() {
        COUNT.with(|c| c.set(c.get() + 1));
    }

    /// Decryptions so far on this thread.
    pub(crate) fn so_far() -> usize {
        COUNT.with(Cell::get)
    }
}
