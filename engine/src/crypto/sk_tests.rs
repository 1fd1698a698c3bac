//! SK payload seal/open: round trips for every ENCR/INTEG combination of every
//! compiled-in provider (`crypto::providers`), and typed errors (no panic) for
//! tampered, badly padded and truncated bodies.

use super::provider::Cipher;
use super::sk::SkProtection;
use super::test_rng::seeded;
use super::{CryptoError, Integ, RUST_CRYPTO, Secret};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// An IKE header + SK generic header stand-in (the contents do not matter to the
/// crypto, only that they are authenticated).
const AAD: &[u8] = &[0x5a; 32];

/// Every (cipher, integrity) pair the SK payload allows, in every provider: AEAD
/// alone, CBC with each integrity transform.
fn suites() -> Vec<(Cipher, Option<&'static dyn Integ>)> {
    let mut out = Vec::new();
    for provider in super::providers() {
        for cipher in provider.ciphers {
            if cipher.is_aead() {
                out.push((*cipher, None));
            } else {
                for integ in provider.integs {
                    out.push((*cipher, Some(*integ)));
                }
            }
        }
    }
    out
}

fn protection(
    cipher: Cipher,
    integ: Option<&'static dyn Integ>,
    seed: u8,
) -> (SkProtection, Secret, Option<Secret>) {
    let encr_key = Secret::new(vec![seed; cipher.key_material_len()]);
    let integ_key = integ.map(|i| Secret::new(vec![seed ^ 0x55; i.key_len()]));
    let sk = SkProtection::new(cipher, &encr_key, integ.zip(integ_key.as_ref())).unwrap();
    (sk, encr_key, integ_key)
}

fn name(cipher: Cipher, integ: Option<&'static dyn Integ>) -> String {
    format!(
        "{} {:?} + {}",
        cipher.id(),
        cipher.key_bits(),
        integ.map_or("none".to_owned(), |i| i.id().to_string())
    )
}

#[test]
fn round_trip_every_combination_and_length() {
    let mut rng = seeded(7);
    for (cipher, integ) in suites() {
        let (sk, ..) = protection(cipher, integ, 0x11);
        for len in [0usize, 1, 7, 8, 15, 16, 17, 100, 1000] {
            let plaintext: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let body = sk.seal(AAD, &plaintext, &mut rng).unwrap();
            assert_eq!(body.len(), sk.sealed_len(len), "{}", name(cipher, integ));
            assert_eq!(
                sk.open(AAD, &body).unwrap(),
                plaintext,
                "{} len {len}",
                name(cipher, integ)
            );
        }
    }
}

#[test]
fn cbc_bodies_are_block_aligned_with_minimal_padding() {
    let mut rng = seeded(8);
    let cipher = RUST_CRYPTO
        .cipher(crate::wire::iana::EncrId::AES_CBC, Some(128))
        .unwrap();
    let integ = RUST_CRYPTO
        .integ(crate::wire::iana::IntegId::HMAC_SHA2_256_128)
        .unwrap();
    let (sk, ..) = protection(cipher, Some(integ), 1);
    // 15 octets + Pad Length = 16: no padding; 16 octets + 1 = 17: 15 octets of pad.
    assert_eq!(sk.sealed_len(15), 16 + 16 + 16);
    assert_eq!(sk.sealed_len(16), 16 + 32 + 16);
    let body = sk.seal(AAD, &[0xab; 16], &mut rng).unwrap();
    assert_eq!((body.len() - 16 - 16) % 16, 0);
}

#[test]
fn any_modified_octet_is_rejected() {
    let mut rng = seeded(9);
    for (cipher, integ) in suites() {
        let (sk, ..) = protection(cipher, integ, 0x22);
        let body = sk.seal(AAD, b"inner payload chain", &mut rng).unwrap();
        for position in [0, body.len() / 2, body.len() - 1] {
            let mut tampered = body.clone();
            tampered[position] ^= 0x01;
            assert_eq!(
                sk.open(AAD, &tampered),
                Err(CryptoError::IntegrityCheckFailed),
                "{} octet {position}",
                name(cipher, integ)
            );
        }
        let mut aad = AAD.to_vec();
        aad[3] ^= 0x80;
        assert_eq!(
            sk.open(&aad, &body),
            Err(CryptoError::IntegrityCheckFailed),
            "{} AAD",
            name(cipher, integ)
        );
    }
}

#[test]
fn the_other_direction_key_cannot_open() {
    let mut rng = seeded(10);
    for (cipher, integ) in suites() {
        let (sender, ..) = protection(cipher, integ, 0x31);
        let (receiver, ..) = protection(cipher, integ, 0x32);
        let body = sender.seal(AAD, b"hello", &mut rng).unwrap();
        assert_eq!(
            receiver.open(AAD, &body),
            Err(CryptoError::IntegrityCheckFailed)
        );
    }
}

#[test]
fn truncated_bodies_give_typed_errors() {
    let mut rng = seeded(11);
    for (cipher, integ) in suites() {
        let (sk, ..) = protection(cipher, integ, 0x41);
        let body = sk.seal(AAD, b"0123456789abcdef0123", &mut rng).unwrap();
        for len in 0..body.len() {
            let result = sk.open(AAD, &body[..len]);
            assert!(
                matches!(
                    result,
                    Err(CryptoError::Truncated { .. }
                        | CryptoError::NotBlockAligned { .. }
                        | CryptoError::IntegrityCheckFailed)
                ),
                "{} len {len}: {result:?}",
                name(cipher, integ)
            );
        }
    }
}

/// A correctly authenticated body whose Pad Length octet claims more padding than
/// there is: rejected as `BadPadding` (§3.14), for AEAD and for CBC.
#[test]
fn pad_length_beyond_the_plaintext_is_rejected() {
    for (cipher, integ) in suites() {
        let (sk, encr_key, integ_key) = protection(cipher, integ, 0x51);
        let body = match cipher {
            Cipher::Aead(aead) => {
                let (key, salt) = encr_key.as_bytes().split_at(aead.key_len());
                let keyed = aead.new_key(key).unwrap();
                let iv = [3u8; 8];
                // 4 octets of payload, then a Pad Length of 200.
                let mut inner = vec![1, 2, 3, 4, 200];
                keyed
                    .seal(&[salt, &iv[..]].concat(), AAD, &mut inner)
                    .unwrap();
                [&iv[..], &inner[..]].concat()
            }
            Cipher::Cbc(cbc) => {
                let keyed = cbc.new_key(encr_key.as_bytes()).unwrap();
                let block = cbc.block_len();
                let iv = vec![3u8; block];
                let mut inner = vec![0u8; block];
                inner[block - 1] = 200;
                keyed.encrypt(&iv, &mut inner).unwrap();
                let mut body = [&iv[..], &inner[..]].concat();
                let integ = integ.unwrap();
                let mac = integ
                    .new_key(integ_key.as_ref().unwrap().as_bytes())
                    .unwrap()
                    .compute(&[AAD, &body]);
                body.extend_from_slice(&mac);
                body
            }
        };
        assert!(
            matches!(
                sk.open(AAD, &body),
                Err(CryptoError::BadPadding {
                    pad_length: 200,
                    ..
                })
            ),
            "{}",
            name(cipher, integ)
        );
    }
}

/// The constructor refuses keys of the wrong length and AEAD/CBC integrity
/// mismatches with typed errors.
#[test]
fn construction_errors() {
    let gcm = RUST_CRYPTO
        .cipher(crate::wire::iana::EncrId::AES_GCM_16, Some(256))
        .unwrap();
    let cbc = RUST_CRYPTO
        .cipher(crate::wire::iana::EncrId::AES_CBC, Some(256))
        .unwrap();
    let integ = RUST_CRYPTO
        .integ(crate::wire::iana::IntegId::HMAC_SHA2_256_128)
        .unwrap();
    let key32 = Secret::new(vec![0; 32]);
    assert!(matches!(
        SkProtection::new(gcm, &key32, None),
        Err(CryptoError::InvalidLength { .. })
    ));
    assert!(matches!(
        SkProtection::new(gcm, &Secret::new(vec![0; 36]), Some((integ, &key32))),
        Err(CryptoError::Unsupported { .. })
    ));
    assert!(matches!(
        SkProtection::new(cbc, &key32, None),
        Err(CryptoError::Unsupported { .. })
    ));
    assert!(matches!(
        SkProtection::new(cbc, &Secret::new(vec![0; 16]), Some((integ, &key32))),
        Err(CryptoError::InvalidLength { .. })
    ));
}

/// The two directions of an IKE SA use different keys: what the initiator seals
/// with SK_ei/SK_ai opens on the responder's side with the same pair, and not with
/// SK_er/SK_ar.
#[test]
fn ike_sa_directions() {
    use super::keys::{IkeSuite, derive_ike_keys};
    use crate::wire::iana::{EncrId, IntegId, PrfId};
    let mut rng = seeded(12);
    for (encr, bits, integ) in [
        (EncrId::AES_GCM_16, Some(256), None),
        (EncrId::AES_CBC, Some(128), Some(IntegId::HMAC_SHA2_256_128)),
    ] {
        let suite = IkeSuite::new(&RUST_CRYPTO, encr, bits, PrfId::HMAC_SHA2_256, integ).unwrap();
        let keys =
            derive_ike_keys(&suite, &[1; 32], &[2; 32], &[3; 32], &[4; 8], &[5; 8], None).unwrap();
        let i2r = SkProtection::initiator_to_responder(&suite, &keys).unwrap();
        let r2i = SkProtection::responder_to_initiator(&suite, &keys).unwrap();
        let body = i2r.seal(AAD, b"IDi AUTH SA TSi TSr", &mut rng).unwrap();
        assert_eq!(i2r.open(AAD, &body).unwrap(), b"IDi AUTH SA TSi TSr");
        assert_eq!(r2i.open(AAD, &body), Err(CryptoError::IntegrityCheckFailed));
    }
}
