//! The native provider against the RustCrypto one: whatever one seals the other
//! opens, both derive the same shared secrets and reject the same weak values, and
//! the same RNG gives the same public values and SK bodies. (The published vectors run against both
//! providers in `crypto::kat`; these tests cover inputs no vector has.)

use super::NATIVE;
use crate::crypto::provider::{Cipher, Integ};
use crate::crypto::sk::SkProtection;
use crate::crypto::test_rng::seeded;
use crate::crypto::{CryptoError, CryptoProvider, RUST_CRYPTO, Secret};
use crate::wire::iana::{DhId, EncrId};

const AAD: &[u8] = &[0xa5; 28];

/// The same transform in the other provider.
fn counterpart(cipher: Cipher, integ: Option<&dyn Integ>) -> (Cipher, Option<&'static dyn Integ>) {
    let other = RUST_CRYPTO
        .cipher(cipher.id(), cipher.key_bits())
        .expect("RustCrypto has every cipher of the native provider");
    let other_integ = integ.map(|i| {
        RUST_CRYPTO
            .integ(i.id())
            .expect("same integrity transforms")
    });
    (other, other_integ)
}

fn keyed(
    cipher: Cipher,
    integ: Option<&'static dyn Integ>,
    encr_key: &Secret,
    integ_key: &Secret,
) -> SkProtection {
    SkProtection::new(cipher, encr_key, integ.map(|i| (i, integ_key))).unwrap()
}

/// Every SK suite of the native provider (AEAD alone, CBC with each integrity
/// transform).
fn native_suites() -> Vec<(Cipher, Option<&'static dyn Integ>)> {
    let mut out = Vec::new();
    for cipher in NATIVE.ciphers {
        if cipher.is_aead() {
            out.push((*cipher, None));
        } else {
            for integ in NATIVE.integs {
                out.push((*cipher, Some(*integ)));
            }
        }
    }
    out
}

#[test]
fn sealed_by_one_provider_opens_with_the_other() {
    let mut rng = seeded(21);
    for (cipher, integ) in native_suites() {
        let (other, other_integ) = counterpart(cipher, integ);
        let encr_key = Secret::new((0..cipher.key_material_len()).map(|i| i as u8).collect());
        let integ_key = Secret::new(vec![0x3c; integ.map_or(0, |i| i.key_len())]);
        let native = keyed(cipher, integ, &encr_key, &integ_key);
        let rust = keyed(other, other_integ, &encr_key, &integ_key);
        for len in [0usize, 1, 15, 16, 17, 255, 1400] {
            let plaintext: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let by_native = native.seal(AAD, &plaintext, &mut rng).unwrap();
            assert_eq!(
                rust.open(AAD, &by_native).unwrap(),
                plaintext,
                "{} {:?} len {len}: native -> rustcrypto",
                cipher.id(),
                cipher.key_bits()
            );
            let by_rust = rust.seal(AAD, &plaintext, &mut rng).unwrap();
            assert_eq!(
                native.open(AAD, &by_rust).unwrap(),
                plaintext,
                "{} {:?} len {len}: rustcrypto -> native",
                cipher.id(),
                cipher.key_bits()
            );
        }
    }
}

/// With the same RNG state both providers put the same body on the wire (the IV
/// is drawn the same way and the ciphers are deterministic).
#[test]
fn same_rng_gives_the_same_sk_body() {
    for (cipher, integ) in native_suites() {
        let (other, other_integ) = counterpart(cipher, integ);
        let encr_key = Secret::new(vec![0x17; cipher.key_material_len()]);
        let integ_key = Secret::new(vec![0x71; integ.map_or(0, |i| i.key_len())]);
        let native = keyed(cipher, integ, &encr_key, &integ_key);
        let rust = keyed(other, other_integ, &encr_key, &integ_key);
        let body_native = native
            .seal(AAD, b"IDi AUTH SA TSi TSr", &mut seeded(22))
            .unwrap();
        let body_rust = rust
            .seal(AAD, b"IDi AUTH SA TSi TSr", &mut seeded(22))
            .unwrap();
        assert_eq!(
            body_native,
            body_rust,
            "{} {:?}",
            cipher.id(),
            cipher.key_bits()
        );
    }
}

/// A native AEAD rejects a modified tag, a short buffer and a bad nonce length
/// with the same typed errors as the RustCrypto AEAD.
#[test]
fn aead_errors_match() {
    for (id, bits) in [
        (EncrId::AES_GCM_16, Some(256)),
        (EncrId::CHACHA20_POLY1305, None),
    ] {
        for provider in [&NATIVE, &RUST_CRYPTO] {
            let Some(Cipher::Aead(aead)) = provider.cipher(id, bits) else {
                panic!("{}: no {id}", provider.name);
            };
            assert!(matches!(
                aead.new_key(&[0; 31]),
                Err(CryptoError::InvalidLength { .. })
            ));
            let key = aead.new_key(&[9; 32]).unwrap();
            let nonce = [1u8; 12];
            let mut buffer = b"payload".to_vec();
            key.seal(&nonce, AAD, &mut buffer).unwrap();
            let mut tampered = buffer.clone();
            if let Some(last) = tampered.last_mut() {
                *last ^= 1;
            }
            assert_eq!(
                key.open(&nonce, AAD, &mut tampered),
                Err(CryptoError::IntegrityCheckFailed)
            );
            assert_eq!(
                key.open(&nonce, AAD, &mut vec![0u8; 15]),
                Err(CryptoError::Truncated {
                    needed: 16,
                    available: 15
                })
            );
            assert!(matches!(
                key.seal(&[0u8; 11], AAD, &mut b"x".to_vec()),
                Err(CryptoError::InvalidLength { .. })
            ));
        }
    }
}

/// Native AES-CBC gives RustCrypto's ciphertext and the same typed errors.
#[test]
fn aes_cbc_matches_and_errors_match() {
    for bits in [128u16, 192, 256] {
        let (Some(Cipher::Cbc(native)), Some(Cipher::Cbc(rust))) = (
            NATIVE.cipher(EncrId::AES_CBC, Some(bits)),
            RUST_CRYPTO.cipher(EncrId::AES_CBC, Some(bits)),
        ) else {
            panic!("AES-CBC-{bits}");
        };
        let key: Vec<u8> = (0..native.key_len()).map(|i| (i * 3) as u8).collect();
        let (native, rust) = (native.new_key(&key).unwrap(), rust.new_key(&key).unwrap());
        let iv = [0x5eu8; 16];
        let plain: Vec<u8> = (0..96).map(|i| i as u8).collect();
        let (mut a, mut b) = (plain.clone(), plain.clone());
        native.encrypt(&iv, &mut a).unwrap();
        rust.encrypt(&iv, &mut b).unwrap();
        assert_eq!(a, b, "AES-CBC-{bits}");
        native.decrypt(&iv, &mut a).unwrap();
        assert_eq!(a, plain);
        for key in [&native, &rust] {
            assert_eq!(
                key.encrypt(&iv, &mut [0u8; 17]),
                Err(CryptoError::NotBlockAligned {
                    length: 17,
                    block: 16
                })
            );
            assert!(matches!(
                key.decrypt(&iv[..8], &mut [0u8; 16]),
                Err(CryptoError::InvalidLength { .. })
            ));
            assert_eq!(key.encrypt(&iv, &mut []), Ok(()));
        }
    }
}

/// Each group: a native side and a RustCrypto side agree; the same private key gives
/// the same public value; the same RNG gives the same private key (so swapping the
/// provider does not change a seeded run's bytes).
#[test]
fn key_exchange_across_providers() {
    for group in NATIVE.groups {
        let other = RUST_CRYPTO.group(group.id()).unwrap();
        let mut rng = seeded(23);
        let native = group.start(&mut rng).unwrap();
        let rust = other.start(&mut rng).unwrap();
        assert_eq!(
            native.complete(rust.public_value()).unwrap(),
            rust.complete(native.public_value()).unwrap(),
            "{}",
            group.id()
        );
        let (a, b) = (
            group.start(&mut seeded(24)).unwrap(),
            other.start(&mut seeded(24)).unwrap(),
        );
        assert_eq!(a.public_value(), b.public_value(), "{}", group.id());
    }
}

/// Peer values the RustCrypto groups reject are rejected with the same error.
#[test]
fn weak_peer_values_are_rejected_alike() {
    let cases: [(DhId, Vec<u8>); 5] = [
        (DhId::CURVE25519, vec![0u8; 32]),
        (DhId::CURVE25519, {
            // u = 1 has order 4 on Curve25519: the product is the point at infinity,
            // encoded as zero (RFC 7748 §6.1, RFC 8031 §2.3).
            let mut u = vec![0u8; 32];
            u[0] = 1;
            u
        }),
        (DhId::CURVE25519, vec![9u8; 33]),
        (DhId::ECP_384, vec![0u8; 96]),
        (DhId::ECP_521, vec![0xffu8; 132]),
    ];
    for (id, peer) in cases {
        let mut results = Vec::new();
        for provider in [&NATIVE, &RUST_CRYPTO] {
            let exchange = provider.group(id).unwrap().start(&mut seeded(25)).unwrap();
            let result = exchange.complete(&peer);
            assert!(
                result.is_err(),
                "{} {id} accepted a weak value",
                provider.name
            );
            results.push(result.err());
        }
        assert_eq!(results[0], results[1], "{id}");
    }
}

/// A private key of the wrong length, or an ECP scalar of zero or not below the
/// order, is refused with the RustCrypto provider's error.
#[test]
fn invalid_private_keys_are_refused_alike() {
    let p256_order =
        crate::crypto::from_hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
            .unwrap();
    let cases: [(DhId, Vec<u8>); 4] = [
        (DhId::CURVE25519, vec![1u8; 31]),
        (DhId::ECP_256, vec![0u8; 32]),
        (DhId::ECP_256, p256_order),
        // (RustCrypto's P-384 left-pads a short key of 24 to 47 octets; AWS-LC
        // takes exactly 48: both refuse a longer one.)
        (DhId::ECP_384, vec![1u8; 49]),
    ];
    for (id, private) in cases {
        let errors: Vec<_> = [&NATIVE, &RUST_CRYPTO]
            .iter()
            .map(|provider: &&CryptoProvider| {
                provider
                    .group(id)
                    .unwrap()
                    .start_with_private(&private)
                    .err()
            })
            .collect();
        assert!(errors[0].is_some(), "{id}");
        assert_eq!(errors[0], errors[1], "{id}");
    }
}

/// The feature puts the native provider in the list every KAT iterates over and
/// makes it the default; each transform comes from the library the module docs
/// name for it.
#[test]
fn native_provider_is_listed_default_and_native() {
    let names: Vec<_> = crate::crypto::providers().iter().map(|p| p.name).collect();
    assert_eq!(names, ["rustcrypto", "native"]);
    assert!(core::ptr::eq(crate::crypto::default_provider(), &NATIVE));
    let native = |text: String| text.starts_with("AwsLc");
    for (id, bits, library) in [
        (EncrId::AES_GCM_16, Some(128), "RingAead"),
        (EncrId::AES_GCM_16, Some(192), "AwsLcAead"),
        (EncrId::AES_GCM_16, Some(256), "RingAead"),
        (EncrId::CHACHA20_POLY1305, None, "RingAead"),
        (EncrId::AES_CBC, Some(256), "AwsLc"),
    ] {
        let text = match NATIVE.cipher(id, bits) {
            Some(Cipher::Aead(c)) => format!("{c:?}"),
            Some(Cipher::Cbc(c)) => format!("{c:?}"),
            None => String::new(),
        };
        assert!(text.starts_with(library), "{id} {bits:?}: {text}");
    }
    for group in [
        DhId::CURVE25519,
        DhId::ECP_256,
        DhId::ECP_384,
        DhId::ECP_521,
    ] {
        let text = format!("{:?}", NATIVE.group(group).unwrap());
        assert!(native(text.clone()), "{group}: {text}");
    }
    // The HMACs are RustCrypto's, chosen by the numbers (see the module docs).
    assert!(core::ptr::eq(NATIVE.prfs, RUST_CRYPTO.prfs));
    assert!(core::ptr::eq(NATIVE.integs, RUST_CRYPTO.integs));
}
