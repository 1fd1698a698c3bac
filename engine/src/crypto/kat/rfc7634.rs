//! RFC 7634 Appendix A (ChaCha20-Poly1305 in ESP) and Appendix B (in IKEv2).
//! Appendix B is a complete SK payload, so it is run through `SkProtection`.

use super::h;
use crate::crypto::sk::SkProtection;
use crate::crypto::test_rng::ReplayRng;
use crate::crypto::{Cipher, Secret, providers};
use crate::wire::iana::EncrId;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// RFC 7634 §2 keying material for both appendices: a 32-octet key, then the
/// 4-octet salt a0 a1 a2 a3.
pub(crate) const KEYMAT: &str = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f\
                      a0a1a2a3";

/// RFC 7634 Appendix A: an ESP packet (SPI 0x01020304, sequence number 5) with IV
/// 10 11 ... 17 carrying an ICMP echo in tunnel mode. The AAD is SPI | sequence
/// number (RFC 4106 §5); the plaintext ends with the ESP trailer (padding 01 02,
/// Pad Length 2, Next Header 4).
#[test]
fn rfc7634_appendix_a_esp() {
    for provider in providers() {
        let Some(Cipher::Aead(aead)) = provider.cipher(EncrId::CHACHA20_POLY1305, None) else {
            panic!("{}: no ChaCha20-Poly1305", provider.name);
        };
        appendix_a_with(aead);
    }
}

/// Appendix A with one provider's cipher.
fn appendix_a_with(aead: &dyn crate::crypto::AeadCipher) {
    let keymat = h(KEYMAT);
    let key = aead.new_key(&keymat[..32]).unwrap();
    let nonce = [&keymat[32..], &h("1011121314151617")[..]].concat();
    let aad = h("0102030400000005");
    let plain = h(
        "45000054a6f200004001e778c6336405c000020508005b7a3a080000553bec10\
                   0007362708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223\
                   2425262728292a2b2c2d2e2f303132333435363701020204",
    );
    let expected = h(
        "24039428b97f417e3c13753a4f05087b67c352e6a7fab1b982d466ef407ae5c6\
                      14ee8099d52844eb61aa95dfab4c02f72aa71e7c4c4f64c9befe2facc638e8f3\
                      cbec163fac469b502773f6fb94e664da9165b82829f641e0\
                      76aaa8266b7fb0f7b11b369907e1ad43",
    );
    let mut buffer = plain.clone();
    key.seal(&nonce, &aad, &mut buffer).unwrap();
    assert_eq!(buffer, expected);
    key.open(&nonce, &aad, &mut buffer).unwrap();
    assert_eq!(buffer, plain);
    // The allocation-free forms give the same bytes.
    let mut data = plain.clone();
    let mut tag = [0u8; 16];
    key.seal_in_place(&nonce, &aad, &mut data, &mut tag)
        .unwrap();
    assert_eq!([&data[..], &tag[..]].concat(), expected);
    let mut sealed = expected.clone();
    let len = key.open_in_place(&nonce, &aad, &mut sealed).unwrap();
    assert_eq!(&sealed[..len], &plain[..]);
    sealed[0] ^= 1;
    assert!(key.open_in_place(&nonce, &aad, &mut sealed).is_err());
}

/// RFC 7634 Appendix B: an INFORMATIONAL request (IKE SPIs c0..c7 / d0..d7, message
/// ID 9, length 0x45) whose SK payload (length 0x29) holds one Notify payload. The
/// AAD is the IKE header plus the SK generic header; the IV is 10 11 ... 17; the
/// plaintext is the 12-octet Notify and a Pad Length of 0 (no padding).
#[test]
fn rfc7634_appendix_b_ikev2_sk_payload() {
    for provider in providers() {
        let cipher = provider
            .cipher(EncrId::CHACHA20_POLY1305, None)
            .expect("ChaCha20-Poly1305");
        appendix_b_with(cipher);
    }
}

/// Appendix B with one provider's cipher.
fn appendix_b_with(cipher: Cipher) {
    let sk = SkProtection::new(cipher, &Secret::new(h(KEYMAT)), None).unwrap();
    let aad = h("c0c1c2c3c4c5c6c7d0d1d2d3d4d5d6d72e20250000000009000000452900 0029");
    let inner = h("0000000c000040010000000a");
    let body_expected = [
        h("1011121314151617"),
        h("610394701f8d017f7c12924889"),
        h("6b71bfe25236efd7cdc67066906315b2"),
    ]
    .concat();
    // The SK payload length in the AAD (0x29 = 41) is 4 + the body length.
    assert_eq!(sk.sealed_len(inner.len()) + 4, 0x29);
    let mut rng = ReplayRng::new(&h("1011121314151617"));
    let body = sk.seal(&aad, &inner, &mut rng).unwrap();
    assert_eq!(body, body_expected);
    assert_eq!(sk.open(&aad, &body).unwrap(), inner);
}
