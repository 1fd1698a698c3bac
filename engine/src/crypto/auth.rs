//! The AUTH payload's inputs and the shared-key AUTH value (RFC 7296 §2.15).
//!
//! ```text
//! InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI
//! MACedIDForI = prf(SK_pi, RestOfInitIDPayload)
//! ResponderSignedOctets = RealMessage2 | NonceIData | MACedIDForR
//! MACedIDForR = prf(SK_pr, RestOfRespIDPayload)
//! AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)
//! ```
//!
//! RealMessage1/2 is the whole IKE_SA_INIT message the signer sent (request for the
//! initiator, response for the responder), as octets on the wire; the nonce is the
//! *peer's*; RestOfIDPayload is the ID payload body from the ID Type octet on (after
//! the 4-octet generic payload header). Signature methods (certificates) sign the
//! same octets, so [`signed_octets`] serves both.

use subtle::ConstantTimeEq;

use super::Secret;
use super::provider::Prf;

/// The 17 ASCII octets of the key pad (§2.15), without a terminating NUL.
pub const KEY_PAD: &[u8] = b"Key Pad for IKEv2";

/// `RealMessage | Nonce | prf(SK_p, RestOfIDPayload)`.
///
/// For the initiator's AUTH: its IKE_SA_INIT request, the responder's Nonce Data,
/// SK_pi and its IDi body. For the responder's: its IKE_SA_INIT response, the
/// initiator's Nonce Data, SK_pr and its IDr body.
pub fn signed_octets(
    prf: &dyn Prf,
    real_message: &[u8],
    peer_nonce: &[u8],
    sk_p: &Secret,
    rest_of_id_payload: &[u8],
) -> Vec<u8> {
    let maced_id = prf.compute(sk_p.as_bytes(), &[rest_of_id_payload]);
    [real_message, peer_nonce, maced_id.as_bytes()].concat()
}

/// AUTH for a shared key: prf(prf(Shared Secret, "Key Pad for IKEv2"), SignedOctets).
pub fn shared_key_auth(prf: &dyn Prf, shared_secret: &[u8], signed_octets: &[u8]) -> Secret {
    let padded_key = prf.compute(shared_secret, &[KEY_PAD]);
    prf.compute(padded_key.as_bytes(), &[signed_octets])
}

/// Checks a received shared-key AUTH value in constant time.
pub fn verify_shared_key_auth(
    prf: &dyn Prf,
    shared_secret: &[u8],
    signed_octets: &[u8],
    received: &[u8],
) -> bool {
    let expected = shared_key_auth(prf, shared_secret, signed_octets);
    expected.len() == received.len() && bool::from(expected.as_bytes().ct_eq(received))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::RUST_CRYPTO;
    use crate::wire::iana::PrfId;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn prf() -> &'static dyn Prf {
        RUST_CRYPTO.prf(PrfId::HMAC_SHA2_256).unwrap()
    }

    #[test]
    fn signed_octets_are_message_nonce_and_maced_id() {
        let sk_p = Secret::from_slice(&[9; 32]);
        // ID payload body: ID Type FQDN (2), three RESERVED octets, "gw.example".
        let id_body = [&[2u8, 0, 0, 0][..], b"gw.example"].concat();
        let octets = signed_octets(prf(), b"IKE_SA_INIT octets", b"NONCE", &sk_p, &id_body);
        let maced = prf().compute(&[9; 32], &[&id_body]);
        assert_eq!(
            octets,
            [&b"IKE_SA_INIT octets"[..], b"NONCE", maced.as_bytes()].concat()
        );
    }

    #[test]
    fn shared_key_auth_uses_the_key_pad_and_verifies_in_constant_time() {
        let octets = b"signed octets";
        let auth = shared_key_auth(prf(), b"not-a-real-secret", octets);
        let inner = prf().compute(b"not-a-real-secret", &[b"Key Pad for IKEv2"]);
        assert_eq!(auth, prf().compute(inner.as_bytes(), &[octets]));
        assert_eq!(auth.len(), 32);
        assert!(verify_shared_key_auth(
            prf(),
            b"not-a-real-secret",
            octets,
            auth.as_bytes()
        ));
        let mut wrong = auth.as_bytes().to_vec();
        wrong[0] ^= 1;
        assert!(!verify_shared_key_auth(
            prf(),
            b"not-a-real-secret",
            octets,
            &wrong
        ));
        assert!(!verify_shared_key_auth(
            prf(),
            b"other",
            octets,
            auth.as_bytes()
        ));
        assert!(!verify_shared_key_auth(
            prf(),
            b"not-a-real-secret",
            octets,
            &wrong[..31]
        ));
    }
}
