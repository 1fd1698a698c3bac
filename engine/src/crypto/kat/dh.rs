//! Key exchange groups: RFC 7748 (X25519, X448), RFC 5903 (ECP), RFC 3526 (MODP)
//! and the weak-value checks of RFC 6989 / RFC 7296 §2.12.

use num_bigint::BigUint;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::{agreed, h};
use crate::crypto::dh::modp;
use crate::crypto::{CryptoError, providers};
use crate::wire::iana::DhId;

/// g^ir as every compiled-in provider (`crypto::providers`) computes it; they must
/// all agree, on the value and on the error for a rejected input.
fn shared(group: DhId, private: &[u8], peer: &[u8]) -> Result<Vec<u8>, CryptoError> {
    agreed(providers().iter().map(|provider| {
        let result = provider
            .group(group)
            .expect("provider has the group")
            .start_with_private(private)
            .and_then(|exchange| exchange.complete(peer))
            .map(|s| s.as_bytes().to_vec());
        (provider.name, result)
    }))
}

fn public(group: DhId, private: &[u8]) -> Vec<u8> {
    agreed(providers().iter().map(|provider| {
        let public = provider
            .group(group)
            .unwrap()
            .start_with_private(private)
            .unwrap()
            .public_value()
            .to_vec();
        (provider.name, public)
    }))
}

/// RFC 7748 §5.2, the two X25519 test vectors (input scalar, input u-coordinate,
/// output u-coordinate). The second u-coordinate has its top bit set, which §5
/// says to mask.
#[test]
fn rfc7748_x25519_vectors() {
    assert_eq!(
        shared(
            DhId::CURVE25519,
            &h("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
            &h("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"),
        )
        .unwrap(),
        h("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")
    );
    assert_eq!(
        shared(
            DhId::CURVE25519,
            &h("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
            &h("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493"),
        )
        .unwrap(),
        h("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957")
    );
}

/// RFC 7748 §5.2, the iterated X25519 test: k = u = 9, then k <- X25519(k, u),
/// u <- old k. Results after 1 and 1,000 iterations.
#[test]
fn rfc7748_x25519_iterated() {
    let mut k = h("0900000000000000000000000000000000000000000000000000000000000000");
    let mut u = k.clone();
    for i in 1..=1000 {
        let next = shared(DhId::CURVE25519, &k, &u).unwrap();
        u = core::mem::replace(&mut k, next);
        if i == 1 {
            assert_eq!(
                k,
                h("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079")
            );
        }
    }
    assert_eq!(
        k,
        h("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51")
    );
}

/// RFC 7748 §6.1, the X25519 Diffie-Hellman example (Alice and Bob).
#[test]
fn rfc7748_x25519_diffie_hellman() {
    let a = h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    let b = h("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    let a_pub = h("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    let b_pub = h("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    let k = h("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    assert_eq!(public(DhId::CURVE25519, &a), a_pub);
    assert_eq!(public(DhId::CURVE25519, &b), b_pub);
    assert_eq!(shared(DhId::CURVE25519, &a, &b_pub).unwrap(), k);
    assert_eq!(shared(DhId::CURVE25519, &b, &a_pub).unwrap(), k);
}

/// RFC 7748 §5.2, the two X448 test vectors.
#[test]
fn rfc7748_x448_vectors() {
    assert_eq!(
        shared(
            DhId::CURVE448,
            &h("3d262fddf9ec8e88495266fea19a34d28882acef045104d0d1aae121\
                700a779c984c24f8cdd78fbff44943eba368f54b29259a4f1c600ad3"),
            &h("06fce640fa3487bfda5f6cf2d5263f8aad88334cbd07437f020f08f9\
                814dc031ddbdc38c19c6da2583fa5429db94ada18aa7a7fb4ef8a086"),
        )
        .unwrap(),
        h("ce3e4ff95a60dc6697da1db1d85e6afbdf79b50a2412d7546d5f239f\
           e14fbaadeb445fc66a01b0779d98223961111e21766282f73dd96b6f")
    );
    assert_eq!(
        shared(
            DhId::CURVE448,
            &h("203d494428b8399352665ddca42f9de8fef600908e0d461cb021f8c5\
                38345dd77c3e4806e25f46d3315c44e0a5b4371282dd2c8d5be3095f"),
            &h("0fbcc2f993cd56d3305b0b7d9e55d4c1a8fb5dbb52f8e9a1e9b6201b\
                165d015894e56c4d3570bee52fe205e28a78b91cdfbde71ce8d157db"),
        )
        .unwrap(),
        h("884a02576239ff7a2f2f63b2db6a9ff37047ac13568e1e30fe63c4a7\
           ad1b3ee3a5700df34321d62077e63633c575c1c954514e99da7c179d")
    );
}

/// RFC 7748 §5.2, the iterated X448 test (k = u = 5): after 1 and 1,000 iterations.
#[test]
fn rfc7748_x448_iterated() {
    let mut k = vec![0u8; 56];
    k[0] = 5;
    let mut u = k.clone();
    for i in 1..=1000 {
        let next = shared(DhId::CURVE448, &k, &u).unwrap();
        u = core::mem::replace(&mut k, next);
        if i == 1 {
            assert_eq!(
                k,
                h("3f482c8a9f19b01e6c46ee9711d9dc14fd4bf67af30765c2ae2b846a\
                   4d23a8cd0db897086239492caf350b51f833868b9bc2b3bca9cf4113")
            );
        }
    }
    assert_eq!(
        k,
        h("aa3b4749d55b9daf1e5b00288826c467274ce3ebbdd5c17b975e09d4\
           af6c67cf10d087202db88286e2b79fceea3ec353ef54faa26e219f38")
    );
}

/// RFC 7748 §6.2, the X448 Diffie-Hellman example.
#[test]
fn rfc7748_x448_diffie_hellman() {
    let a = h("9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28d\
               d9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b");
    let b = h("1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d\
               6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d");
    let a_pub = h("9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c\
                   22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0");
    let b_pub = h("3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b430\
                   27d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609");
    let k = h("07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282b\
               b60c0b56fd2464c335543936521c24403085d59a449a5037514a879d");
    assert_eq!(public(DhId::CURVE448, &a), a_pub);
    assert_eq!(public(DhId::CURVE448, &b), b_pub);
    assert_eq!(shared(DhId::CURVE448, &a, &b_pub).unwrap(), k);
    assert_eq!(shared(DhId::CURVE448, &b, &a_pub).unwrap(), k);
}

/// RFC 5903 §8.1-§8.3: i, g^i (x, y), r, g^r (x, y), g^ir (x, y). The KE payload
/// carries gx | gy (§7); the shared secret is the x coordinate of g^ir.
#[test]
fn rfc5903_ecp_test_vectors() {
    struct Vector {
        group: DhId,
        i: &'static str,
        gix: &'static str,
        giy: &'static str,
        r: &'static str,
        grx: &'static str,
        gry: &'static str,
        girx: &'static str,
    }
    let vectors = [
        // §8.1, 256-bit Random ECP Group.
        Vector {
            group: DhId::ECP_256,
            i: "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
            gix: "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180",
            giy: "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
            r: "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53",
            grx: "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63",
            gry: "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
            girx: "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE",
        },
        // §8.2, 384-bit Random ECP Group.
        Vector {
            group: DhId::ECP_384,
            i: "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655\
                E35B538041E649EE3FAEF896783AB194",
            gix: "667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6\
                  DE3AC808ACB4BDB4C88732AEE95F41AA",
            giy: "9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38E\
                  EB9FCFF3C2C947DAE69B4C634573A81C",
            r: "41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942\
                E0308312916B8ED2960E4BD55A7448FC",
            grx: "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D\
                  0D1AC43A0336DEF96FDA41D0774A3571",
            gry: "DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FF\
                  F83FA40142209DFF5EAAD96DB9E6386C",
            girx: "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4\
                   D603135569B9E9D09CF5D4A270F59746",
        },
        // §8.3, 521-bit Random ECP Group.
        Vector {
            group: DhId::ECP_521,
            i: "0037ADE9319A89F4DABDB3EF411AACCCA5123C61ACAB57B5393DCE47608172A0\
                95AA85A30FE1C2952C6771D937BA9777F5957B2639BAB072462F68C27A57382D\
                4A52",
            gix: "0015417E84DBF28C0AD3C278713349DC7DF153C897A1891BD98BAB4357C9ECBE\
                  E1E3BF42E00B8E380AEAE57C2D107564941885942AF5A7F4601723C4195D176C\
                  ED3E",
            giy: "017CAE20B6641D2EEB695786D8C946146239D099E18E1D5A514C739D7CB4A10A\
                  D8A788015AC405D7799DC75E7B7D5B6CF2261A6A7F1507438BF01BEB6CA3926F\
                  9582",
            r: "0145BA99A847AF43793FDD0E872E7CDFA16BE30FDC780F97BCCC3F078380201E\
                9C677D600B343757A3BDBF2A3163E4C2F869CCA7458AA4A4EFFC311F5CB15168\
                5EB9",
            grx: "00D0B3975AC4B799F5BEA16D5E13E9AF971D5E9B984C9F39728B5E5739735A21\
                  9B97C356436ADC6E95BB0352F6BE64A6C2912D4EF2D0433CED2B6171640012D9\
                  460F",
            gry: "015C68226383956E3BD066E797B623C27CE0EAC2F551A10C2C724D9852077B87\
                  220B6536C5C408A1D2AEBB8E86D678AE49CB57091F4732296579AB44FCD17F0F\
                  C56A",
            girx: "01144C7D79AE6956BC8EDB8E7C787C4521CB086FA64407F97894E5E6B2D79B04\
                   D1427E73CA4BAA240A34786859810C06B3C715A3A8CC3151F2BEE417996D19F3\
                   DDEA",
        },
    ];
    for v in &vectors {
        let gi = [h(v.gix), h(v.giy)].concat();
        let gr = [h(v.grx), h(v.gry)].concat();
        assert_eq!(public(v.group, &h(v.i)), gi, "{} g^i", v.group);
        assert_eq!(public(v.group, &h(v.r)), gr, "{} g^r", v.group);
        assert_eq!(
            shared(v.group, &h(v.i), &gr).unwrap(),
            h(v.girx),
            "{}",
            v.group
        );
        assert_eq!(
            shared(v.group, &h(v.r), &gi).unwrap(),
            h(v.girx),
            "{}",
            v.group
        );
    }
}

/// ECP peer values off the curve, of the wrong length, or the all-zero encoding of
/// no point are rejected (RFC 6989 §2.3, RFC 7296 §3.4).
#[test]
fn ecp_rejects_invalid_points() {
    let i = h("C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433");
    let mut gr = [
        h("D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"),
        h("56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB"),
    ]
    .concat();
    gr[63] ^= 1; // y no longer satisfies the curve equation
    assert!(matches!(
        shared(DhId::ECP_256, &i, &gr),
        Err(CryptoError::InvalidPublicValue { group: 19, .. })
    ));
    assert!(matches!(
        shared(DhId::ECP_256, &i, &[0u8; 64]),
        Err(CryptoError::InvalidPublicValue { .. })
    ));
    assert!(matches!(
        shared(DhId::ECP_256, &i, &[0u8; 65]),
        Err(CryptoError::InvalidPublicValue { .. })
    ));
}

/// Points of small order give an all-zero X25519 result, which RFC 8031 §2.3
/// requires to reject; x448 refuses small-order points (RFC 7748 §6.2).
#[test]
fn montgomery_curves_reject_small_order_points() {
    let k25519 = h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    for point in [[0u8; 32], {
        let mut one = [0u8; 32];
        one[0] = 1;
        one
    }] {
        assert_eq!(
            shared(DhId::CURVE25519, &k25519, &point),
            Err(CryptoError::ZeroSharedSecret { group: 31 })
        );
    }
    let k448 = [0x42u8; 56];
    assert_eq!(
        shared(DhId::CURVE448, &k448, &[0u8; 56]),
        Err(CryptoError::ZeroSharedSecret { group: 32 })
    );
    assert!(matches!(
        shared(DhId::CURVE25519, &k25519, &[9u8; 31]),
        Err(CryptoError::InvalidPublicValue { .. })
    ));
}

/// floor(2^bits * pi) by Machin's formula, pi = 16 atan(1/5) - 4 atan(1/239), in
/// fixed point with 64 guard bits.
fn pi_fixed(bits: u64) -> BigUint {
    fn atan_inverse(x: u32, scale: u64) -> (BigUint, BigUint) {
        // Returns (sum of positive terms, sum of negative terms) of atan(1/x) * 2^scale.
        let one = BigUint::from(1u8) << scale;
        let x2 = BigUint::from(x) * BigUint::from(x);
        let mut term = one / BigUint::from(x);
        let (mut plus, mut minus) = (BigUint::default(), BigUint::default());
        let mut n = 1u32;
        while term != BigUint::default() {
            let part = &term / BigUint::from(n);
            if n % 4 == 1 {
                plus += part;
            } else {
                minus += part;
            }
            term /= &x2;
            n += 2;
        }
        (plus, minus)
    }
    let scale = bits + 64;
    let (p5, m5) = atan_inverse(5, scale);
    let (p239, m239) = atan_inverse(239, scale);
    let positive = (p5 * 16u32) + (m239 * 4u32);
    let negative = (m5 * 16u32) + (p239 * 4u32);
    (positive - negative) >> 64
}

/// RFC 3526 §3-§5: the primes are 2^n - 2^(n-64) - 1 + 2^64 * { [2^(n-130) pi] + k }
/// with k = 124476, 1690314, 240904; the generator is 2. This recomputes each prime
/// from that closed form, so a wrong digit in the hex we carry cannot pass. Also
/// checks (p-1)/2 has 2 as a quadratic residue: 2^((p-1)/2) = 1 mod p (2 generates
/// the prime-order subgroup, as RFC 3526 §1 intends).
#[test]
fn rfc3526_primes_match_their_closed_form() {
    let cases = [
        (&modp::MODP_2048, 2048u64, 124476u32),
        (&modp::MODP_3072, 3072, 1690314),
    ];
    for (group, n, k) in cases {
        check_rfc3526_prime(group, n, k);
    }
}

#[test]
fn rfc3526_4096_prime_matches_its_closed_form() {
    check_rfc3526_prime(&modp::MODP_4096, 4096, 240904);
}

fn check_rfc3526_prime(group: &modp::ModpGroup, n: u64, k: u32) {
    let one = BigUint::from(1u8);
    let expected =
        (&one << n) - (&one << (n - 64)) - &one + ((pi_fixed(n - 130) + BigUint::from(k)) << 64);
    let prime = BigUint::from_bytes_be(&group.prime());
    assert_eq!(prime, expected, "RFC 3526 prime of {n} bits");
    assert_eq!(prime.bits(), n);
    let q = (&prime - &one) >> 1;
    assert_eq!(BigUint::from(2u8).modpow(&q, &prime), one);
}

/// A MODP exchange between two parties agrees, with public values of the prime's
/// length; RFC 6989 §2.2 rejections: 0, 1, p-1, p and the wrong length.
#[test]
fn modp_2048_agreement_and_weak_values() {
    for provider in providers() {
        let group = provider.group(DhId::MODP_2048).unwrap();
        let mut rng = crate::crypto::test_rng::seeded(1);
        let a = group.start(&mut rng).unwrap();
        let b = group.start(&mut rng).unwrap();
        assert_eq!(a.public_value().len(), 256);
        let ab = a.complete(b.public_value()).unwrap();
        let ba = b.complete(a.public_value()).unwrap();
        assert_eq!(ab, ba);
        assert_eq!(ab.len(), 256);

        let p = modp::MODP_2048.prime();
        let mut p_minus_1 = p.clone();
        p_minus_1[255] -= 1;
        let mut one = vec![0u8; 256];
        one[255] = 1;
        for bad in [vec![0u8; 256], one, p_minus_1, p, vec![0xff; 256]] {
            assert!(matches!(
                a.complete(&bad),
                Err(CryptoError::InvalidPublicValue { group: 14, .. })
            ));
        }
        assert!(matches!(
            a.complete(&[2u8; 255]),
            Err(CryptoError::InvalidPublicValue { .. })
        ));
    }
}

/// A known exponent gives g^x: with x = 1 the public value is 2 (a check of the
/// exponentiation and of the left padding to the prime's length, §3.4).
#[test]
fn modp_public_value_is_padded_to_the_prime_length() {
    for provider in providers() {
        let exchange = provider
            .group(DhId::MODP_3072)
            .unwrap()
            .start_with_private(&[1])
            .unwrap();
        let mut two = vec![0u8; 384];
        two[383] = 2;
        assert_eq!(exchange.public_value(), &two[..]);
    }
}

/// Every group of the provider completes an exchange with itself.
#[test]
fn every_group_agrees() {
    for provider in providers() {
        let mut rng = crate::crypto::test_rng::seeded(2);
        for group in provider.groups {
            let a = group.start(&mut rng).unwrap();
            let b = group.start(&mut rng).unwrap();
            assert_eq!(a.public_value().len(), group.public_len(), "{}", group.id());
            assert_eq!(
                a.complete(b.public_value()).unwrap(),
                b.complete(a.public_value()).unwrap(),
                "{}",
                group.id()
            );
        }
    }
}

/// An RNG that only ever returns zeros yields no valid ECP or MODP private key:
/// `start` reports it instead of looping forever; X25519 accepts any octets.
#[test]
fn broken_rng_is_reported() {
    for provider in providers() {
        let mut zeros = crate::crypto::test_rng::ReplayRng::new(&[]);
        for id in [DhId::ECP_256, DhId::ECP_521, DhId::MODP_2048] {
            let group = provider.group(id).unwrap();
            assert_eq!(
                group.start(&mut zeros).err(),
                Some(CryptoError::RngFailure { group: id.0 })
            );
        }
        assert!(
            provider
                .group(DhId::CURVE25519)
                .unwrap()
                .start(&mut zeros)
                .is_ok()
        );
    }
}
