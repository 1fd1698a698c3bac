//! Encryption transforms: RFC 3602 (AES-CBC), the GCM specification's test cases,
//! RFC 3713 (Camellia) and Eric Young's Blowfish vectors.

use super::{agreed, h};
use crate::crypto::encr::cbc::keyed_cbc;
use crate::crypto::{Cipher, providers};
use crate::wire::iana::EncrId;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// The ciphertext of every compiled-in provider (`crypto::providers`), which must
/// all be the same; the tests compare it with the published value.
fn cbc_encrypt(encr: EncrId, key_bits: u16, key: &[u8], iv: &[u8], plain: &[u8]) -> Vec<u8> {
    agreed(providers().iter().map(|provider| {
        let Some(Cipher::Cbc(cipher)) = provider.cipher(encr, Some(key_bits)) else {
            panic!("{}: no CBC cipher {encr} {key_bits}", provider.name);
        };
        let key = cipher.new_key(key).unwrap();
        let mut buffer = plain.to_vec();
        key.encrypt(iv, &mut buffer).unwrap();
        let mut back = buffer.clone();
        key.decrypt(iv, &mut back).unwrap();
        assert_eq!(back, plain, "decrypt inverts encrypt");
        (provider.name, buffer)
    }))
}

/// RFC 3602 §4, Cases #1-#4 (AES-CBC with 128-bit keys).
#[test]
fn rfc3602_aes_cbc() {
    let cases = [
        (
            "06a9214036b8a15b512e03d534120006",
            "3dafba429d9eb430b422da802c9fac41",
            b"Single block msg".to_vec(),
            "e353779c1079aeb82708942dbe77181a",
        ),
        (
            "c286696d887c9aa0611bbb3e2025a45a",
            "562e17996d093d28ddb3ba695a2e6f58",
            h("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
            "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1",
        ),
        (
            "6c3ea0477630ce21a2ce334aa746c2cd",
            "c782dc4c098c66cbd9cd27d825682c81",
            b"This is a 48-byte message (exactly 3 AES blocks)".to_vec(),
            "d0a02b3836451753d493665d33f0e8862dea54cdb293abc7506939276772f8d5\
             021c19216bad525c8579695d83ba2684",
        ),
        (
            "56e47a38c5598974bc46903dba290349",
            "8ce82eefbea0da3c44699ed7db51b7d9",
            h(
                "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\
               c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
            ),
            "c30e32ffedc0774e6aff6af0869f71aa0f3af07a9a31a9c684db207eb0ef8e4e\
             35907aa632c3ffdf868bb7b29d3d46ad83ce9f9a102ee99d49a53e87f4c3da55",
        ),
    ];
    for (key, iv, plain, cipher) in cases {
        assert_eq!(
            cbc_encrypt(EncrId::AES_CBC, 128, &h(key), &h(iv), &plain),
            h(cipher)
        );
    }
}

/// RFC 3713 Appendix A: Camellia with 128-, 192- and 256-bit keys on one block.
/// A single block under a zero IV is the block cipher itself (CBC = ECB for one
/// block), so this exercises Camellia-CBC's cipher (RFC 5529).
#[test]
fn rfc3713_camellia() {
    let plain = h("0123456789abcdeffedcba9876543210");
    let cases = [
        (
            128,
            "0123456789abcdeffedcba9876543210",
            "67673138549669730857065648eabe43",
        ),
        (
            192,
            "0123456789abcdeffedcba98765432100011223344556677",
            "b4993401b3e996f84ee5cee7d79b09b9",
        ),
        (
            256,
            "0123456789abcdeffedcba987654321000112233445566778899aabbccddeeff",
            "9acc237dff16d76c20ef7c919e3a7509",
        ),
    ];
    for (bits, key, cipher) in cases {
        assert_eq!(
            cbc_encrypt(EncrId::CAMELLIA_CBC, bits, &h(key), &[0u8; 16], &plain),
            h(cipher),
            "Camellia-{bits}"
        );
    }
}

/// Eric Young's Blowfish test vectors (published with Schneier's Blowfish, file
/// "vectors.txt"): the "ecb test data" (64-bit key, clear, cipher), through the
/// CBC code with a zero IV (one block), and the chaining-mode vector with a 128-bit
/// key (the default Blowfish key length of RFC 2451 §2.2).
#[test]
fn blowfish_eric_young_vectors() {
    let ecb = [
        ("0000000000000000", "0000000000000000", "4EF997456198DD78"),
        ("FFFFFFFFFFFFFFFF", "FFFFFFFFFFFFFFFF", "51866FD5B85ECB8A"),
        ("3000000000000000", "1000000000000001", "7D856F9A613063F2"),
        ("1111111111111111", "1111111111111111", "2466DD878B963C9D"),
        ("0123456789ABCDEF", "1111111111111111", "61F9C3802281B096"),
        ("FEDCBA9876543210", "0123456789ABCDEF", "0ACEAB0FC6A0A28D"),
    ];
    for (key, clear, cipher) in ecb {
        let keyed = keyed_cbc::<blowfish::Blowfish>(&h(key)).unwrap();
        let mut block = h(clear);
        keyed.encrypt(&[0u8; 8], &mut block).unwrap();
        assert_eq!(block, h(cipher), "key {key}");
    }
    // "chaining mode test data": the 29-octet clear text "7654321 Now is the time
    // for " with its NUL, zero-padded to 32 octets.
    let mut clear = h("37363534333231204E6F77206973207468652074696D6520666F722000");
    clear.resize(32, 0);
    assert_eq!(
        cbc_encrypt(
            EncrId::BLOWFISH,
            128,
            &h("0123456789ABCDEFF0E1D2C3B4A59687"),
            &h("FEDCBA9876543210"),
            &clear,
        ),
        h("6B77B4D63006DEE605B156E27403979358DEB9E7154616D959F1652BD5FF92CC")
    );
}

/// The GCM specification (McGrew and Viega, "The Galois/Counter Mode of Operation",
/// Appendix B; the same cases NIST SP 800-38D publishes), Test Cases 4, 10 and 16:
/// AES-128/192/256 with a 96-bit IV and 20 octets of AAD. Fed as RFC 4106 would:
/// salt = the first 4 octets of the IV, explicit IV = the last 8. The 12- and
/// 8-octet ICVs are the leftmost octets of the 128-bit tag (SP 800-38D §5.2.1.2).
#[test]
fn gcm_spec_test_cases_4_10_16() {
    let plain = h(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
                   1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    );
    let aad = h("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    let nonce = h("cafebabefacedbaddecaf888");
    let cases = [
        (
            128,
            "feffe9928665731c6d6a8f9467308308",
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e\
             21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
            "5bc94fbc3221a5db94fae95ae7121a47",
        ),
        (
            192,
            "feffe9928665731c6d6a8f9467308308feffe9928665731c",
            "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c\
             7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710",
            "2519498e80f1478f37ba55bd6d27618c",
        ),
        (
            256,
            "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa\
             8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            "76fc6ece0f4e1768cddf8853bb2d551b",
        ),
    ];
    for (bits, key, cipher, tag) in cases {
        for (provider, (encr, icv_len)) in providers().iter().flat_map(|provider| {
            [
                (EncrId::AES_GCM_16, 16),
                (EncrId::AES_GCM_12, 12),
                (EncrId::AES_GCM_8, 8),
            ]
            .map(|transform| (provider, transform))
        }) {
            let Some(Cipher::Aead(aead)) = provider.cipher(encr, Some(bits)) else {
                panic!("{}: no {encr} {bits}", provider.name);
            };
            let keyed = aead.new_key(&h(key)).unwrap();
            let mut buffer = plain.clone();
            keyed.seal(&nonce, &aad, &mut buffer).unwrap();
            let expected = [h(cipher), h(tag)[..icv_len].to_vec()].concat();
            assert_eq!(buffer, expected, "{} {encr} {bits}", provider.name);
            keyed.open(&nonce, &aad, &mut buffer).unwrap();
            assert_eq!(buffer, plain);
            // The allocation-free forms give the same bytes.
            let mut data = plain.clone();
            let mut icv = vec![0u8; icv_len];
            keyed
                .seal_in_place(&nonce, &aad, &mut data, &mut icv)
                .unwrap();
            assert_eq!(
                [data, icv].concat(),
                expected,
                "{} {encr} {bits} in place",
                provider.name
            );
            let mut sealed = expected.clone();
            let len = keyed.open_in_place(&nonce, &aad, &mut sealed).unwrap();
            assert_eq!(&sealed[..len], &plain[..]);
        }
    }
}
