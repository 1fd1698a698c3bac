//! HMAC PRFs and truncated integrity transforms.

use super::{agreed, h};
use crate::crypto::providers;
use crate::wire::iana::{IntegId, PrfId};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// The PRF output of every compiled-in provider (`crypto::providers`), which must
/// all be the same; the tests compare it with the published value.
fn prf(id: PrfId, key: &[u8], data: &[u8]) -> Vec<u8> {
    agreed(providers().iter().map(|provider| {
        let output = provider
            .prf(id)
            .expect("provider has the PRF")
            .compute(key, &[data])
            .as_bytes()
            .to_vec();
        (provider.name, output)
    }))
}

fn integ(id: IntegId, key: &[u8], data: &[u8]) -> Vec<u8> {
    agreed(providers().iter().map(|provider| {
        let integ = provider.integ(id).expect("provider has the INTEG");
        let keyed = integ.new_key(key).expect("key of the right length");
        let icv = keyed.compute(&[data]);
        assert!(keyed.verify(&[data], &icv));
        // The allocation-free form agrees, also over split input.
        let mut into = vec![0u8; icv.len()];
        let (a, b) = data.split_at(data.len() / 2);
        keyed.compute_into(&[a, b], &mut into).unwrap();
        assert_eq!(into, icv);
        assert!(keyed.compute_into(&[data], &mut [0u8; 3]).is_err());
        (provider.name, icv)
    }))
}

/// RFC 2202 §3, test cases 1-7 for HMAC-SHA-1 (key, data, digest).
#[test]
fn rfc2202_hmac_sha1() {
    let cases: [(Vec<u8>, Vec<u8>, &str); 7] = [
        (
            vec![0x0b; 20],
            b"Hi There".to_vec(),
            "b617318655057264e28bc0b6fb378c8ef146be00",
        ),
        (
            b"Jefe".to_vec(),
            b"what do ya want for nothing?".to_vec(),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
        ),
        (
            vec![0xaa; 20],
            vec![0xdd; 50],
            "125d7342b9ac11cd91a39af48aa17b4f63f175d3",
        ),
        (
            h("0102030405060708090a0b0c0d0e0f10111213141516171819"),
            vec![0xcd; 50],
            "4c9007f4026250c6bc8414f9bf50c86c2d7235da",
        ),
        (
            vec![0x0c; 20],
            b"Test With Truncation".to_vec(),
            "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04",
        ),
        (
            vec![0xaa; 80],
            b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112",
        ),
        (
            vec![0xaa; 80],
            b"Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data".to_vec(),
            "e8e99d0f45237d786d6bbaa7965c7808bbff1a91",
        ),
    ];
    for (key, data, digest) in cases {
        assert_eq!(prf(PrfId::HMAC_SHA1, &key, &data), h(digest));
    }
}

/// RFC 2202 §3 test case 5 gives "digest-96 = 0x4c1a03424b55e07fe7f27be1", the
/// truncation HMAC-SHA1-96 (RFC 2404) uses; AUTH_HMAC_SHA1_96 keys are 20 octets.
#[test]
fn rfc2202_hmac_sha1_96() {
    assert_eq!(
        integ(IntegId::HMAC_SHA1_96, &[0x0c; 20], b"Test With Truncation"),
        h("4c1a03424b55e07fe7f27be1")
    );
}

/// RFC 4868 §2.7.1, Test Cases PRF-1 to PRF-4 (the keys and data are those of
/// RFC 4231): PRF-HMAC-SHA-256, -384 and -512.
#[test]
fn rfc4868_prf_test_cases() {
    let inputs: [(Vec<u8>, Vec<u8>); 4] = [
        (vec![0x0b; 20], b"Hi There".to_vec()),
        (b"Jefe".to_vec(), b"what do ya want for nothing?".to_vec()),
        (vec![0xaa; 20], vec![0xdd; 50]),
        (
            h("0102030405060708090a0b0c0d0e0f10111213141516171819"),
            vec![0xcd; 50],
        ),
    ];
    let sha256 = [
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
    ];
    let sha384 = [
        "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c\
         faea9ea9076ede7f4af152e8b2fa9cb6",
        "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e\
         8e2240ca5e69e2c78b3239ecfab21649",
        "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b\
         2a5ab39dc13814b94e3ab6e101a34f27",
        "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e\
         6801dd23c4a7d679ccf8a386c674cffb",
    ];
    let sha512 = [
        "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde\
         daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
         9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
        "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39\
         bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb",
        "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db\
         a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd",
    ];
    for (i, (key, data)) in inputs.iter().enumerate() {
        assert_eq!(
            prf(PrfId::HMAC_SHA2_256, key, data),
            h(sha256[i]),
            "PRF-{}",
            i + 1
        );
        assert_eq!(
            prf(PrfId::HMAC_SHA2_384, key, data),
            h(sha384[i]),
            "PRF-{}",
            i + 1
        );
        assert_eq!(
            prf(PrfId::HMAC_SHA2_512, key, data),
            h(sha512[i]),
            "PRF-{}",
            i + 1
        );
    }
}

/// RFC 4868 §2.7.2.1-§2.7.2.3, Test Cases AUTH256-1..4, AUTH384-1..4 and
/// AUTH512-1..3 (AUTH512-4's printed key has an erratum: 80 octets for a 64-octet
/// key, so it is left out). Keys have the full key length of each transform.
#[test]
fn rfc4868_authenticator_test_cases() {
    let data: [Vec<u8>; 4] = [
        b"Hi There".to_vec(),
        b"what do ya want for nothing?".to_vec(),
        vec![0xdd; 50],
        vec![0xcd; 50],
    ];
    let auth256 = [
        (vec![0x0b; 32], "198a607eb44bfbc69903a0f1cf2bbdc5"),
        (b"Jefe".repeat(8), "167f928588c5cc2eef8e3093caa0e87c"),
        (vec![0xaa; 32], "cdcb1220d1ecccea91e53aba3092f962"),
        (
            h("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"),
            "372efcf9b40b35c2115b1346903d2ef4",
        ),
    ];
    let auth384 = [
        (
            vec![0x0b; 48],
            "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973",
        ),
        (
            b"Jefe".repeat(12),
            "2c7353974f1842fd66d53c452ca42122b28c0b594cfb184d",
        ),
        (
            vec![0xaa; 48],
            "809f439be00274321d4a538652164b53554a508184a0c316",
        ),
        (
            h(
                "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20\
               0a0b0c0d0e0f10111213141516171819",
            ),
            "5b540085c6e6358096532b2493609ed1cb298f774f87bb5c",
        ),
    ];
    let auth512 = [
        (
            vec![0x0b; 64],
            "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8",
        ),
        (
            b"Jefe".repeat(16),
            "cb370917ae8a7ce28cfd1d8f4705d6141c173b2a9362c15df235dfb251b15454",
        ),
        (
            vec![0xaa; 64],
            "2ee7acd783624ca9398710f3ee05ae41b9f9b0510c87e49e586cc9bf961733d8",
        ),
    ];
    for (i, (key, icv)) in auth256.iter().enumerate() {
        assert_eq!(integ(IntegId::HMAC_SHA2_256_128, key, &data[i]), h(icv));
    }
    for (i, (key, icv)) in auth384.iter().enumerate() {
        assert_eq!(integ(IntegId::HMAC_SHA2_384_192, key, &data[i]), h(icv));
    }
    for (i, (key, icv)) in auth512.iter().enumerate() {
        assert_eq!(integ(IntegId::HMAC_SHA2_512_256, key, &data[i]), h(icv));
    }
}

/// A wrong ICV (any single bit) and a key of the wrong length are rejected.
#[test]
fn integ_rejects_modified_icv_and_wrong_key_length() {
    for provider in providers() {
        let integ = provider.integ(IntegId::HMAC_SHA2_256_128).unwrap();
        assert!(integ.new_key(&[0u8; 31]).is_err());
        let key = integ.new_key(&[7u8; 32]).unwrap();
        let mut icv = key.compute(&[b"message"]);
        icv[15] ^= 1;
        assert!(!key.verify(&[b"message"], &icv));
        assert!(!key.verify(&[b"message"], &icv[..12]));
    }
}
