//! The IKEv2 key derivation of NIST SP 800-135 §4.1.2 (which is RFC 7296's): one
//! test case of NIST's CAVP/ACVP "kdf-components IKEv2" validation, as carried in
//! NIST's own ACVP server tests (usnistgov/ACVP-Server, `IkeV2Tests.cs`, test
//! "IKEv2 SHA2-256": Ni and Nr of 2048 bits, g^ir of 224 bits, DKM of 3072 bits).
//! NIST's CAVP response files themselves (`ikev2.rsp`) could not be fetched here.

use super::h;
use crate::crypto::keys::{
    ChildSuite, IkeSuite, derive_child_keys, derive_ike_keys, derive_rekeyed_ike_keys,
};
use crate::crypto::prf_plus::prf_plus;
use crate::crypto::{CryptoProvider, Secret, providers};
use crate::wire::iana::{EncrId, IntegId, PrfId};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const NI: &str = "0a58fea9c1d4fee2e74e1aad6fb02dd5f318eb127465a112be8dc3c04d5dba62\
    eae708f9dc1b2362afd6ba4bda3cf5000f4979fbcbadbcfda9291593829c4e90\
    5c21db0c2ee15175ce77a8a0dadf25c7f175bc53fd91b636a9b3c50b203de9b9\
    d6dc463dcb4048f101e26498ceaed3afbcd931394a7e099392dfff82e5d6fa85\
    c2e8a8ab90ad363a66795dc32798847e405acd87988140f973058917273a6b0b\
    afb962c75e2b1a21e79c08beeb82168bf8b4b57f3dce867bf7862a7b8acbc21b\
    e838021913daf64340c055ed17aaf7b6e1d0ca33ae890ddbdb83f4e615aad5e3\
    bff58c3db70bac81a0dfbabe5391fc62bca4659e22a0741e01d8d06e67d9bb41";
const NR: &str = "e4fdfa68df6171d9eaff8b7b5ad31e7c6098d259f3397c9854cbefe7449b0864\
    c1df16ddece8b26567560f8d59182a44c19149c2d0d72606a160021ade3d23c7\
    c6936c91a4b6bec37adf38cfc84b851c68dcee06f81306f63abbefc07e231e30\
    58c49437a557df617eac01663593d2a3e594699284c0a35eae6931492ccb2a43\
    db72a600a3899205d681d2b76b1280e456339bb10e0c584aecfdae31c77a4c40\
    dbcb345f782ac32835d4c220c1e97254ded6a40075dd717b00b69c86a49e8017\
    73026536ae02d58a649827f1ba67610ee936dffd11c9d5a9156631916a0a0046\
    ec0ba42f56f2a18de83d5d71a985b0cc9eec2c06b3d907ca58454419f374069d";
const GIR: &str = "9d469de41b4739c7dd01f19aa94f17e48150ae9dbede94832142db19";
const GIRNEW: &str = "c2987b0767006c3b9aea491bfed1646a3d7194639492b8d45b23b383";
const SPII: &str = "c8de93111750e409";
const SPIR: &str = "32d51b33508997fa";
const SKEYSEED: &str = "eec13ac67c2e072abb684ab4e7b6ce3e7f400af8b96bed48e113497ed337f8d4";
const DKM: &str = "bc83518f63b762874ac57947cdfae33a8d9724df0b83ee4b6df38c23fc2ad829\
    f4d70b5a68dd1f5a52416f09758638aedf919c09a17c5298cdb703bb75b1005c\
    ba0109739aaa4efd2fe7534c95ad05e546e4419931270eddcab68ac1589d7fde\
    47f5b9e8d5b614cb24ec3caf515497a9e99ee6f1b318ff153b539ef071dcaff9\
    b41945dcb780700d69e5dc888a91de195c52825badfd0ab4c33cec71ab5c2b4b\
    adefe5455455ce5d8ae91721a2091bcccc1514e69482c9c8da1d9f0f187eedda\
    916393570a8c0a8dfabc26d8ed31e8ea47662515972a22d11d692bc1fac6395a\
    ecd82a01ab78daafcd6f3070b1201f158a19331b5d21ceee66fccd2ea37bc076\
    48b9539a52dbf797af53e31a0e8706dd86cf5081ebabd095f281d23c222dd3bc\
    5abf06869017ca8f751cafcc85abea6ba88c139d1f32a12f7f486cf57eae5d85\
    551b97f3963616d8f597c70efa98c1e1fa369fb77a80b1ec5fe533890672c455\
    1172eab1b7fd68ad08c4d4c69f2a867302065ca730aa6915bc2cfb6d93820977";
const DKMCHILD: &str = "c725012285d56e53244a9baaaf95abfca543708d333a3f3a86ba660e00edd4d4\
    89bcd631819fda0413382edd9f53d1ed718e056c2ad91d38de90f06cd434de70\
    141d051c021e7ddd6e4137946b4770dca59a4decabdd866852eb557fdd995646\
    613ff2923f5f23aa58c8fbd5ad52cf2eac9bda97faad5596695f4a747a0f1cc6\
    a1f78b2181138fb19ac24574d2e6b3a40d6e688abb919a27d793b76568ec66bd\
    099f6f476b705c1472d774a1516a11311b887688f36649e24227640ea8d8666b\
    9f452217e7103b6f0a92b6adb8fbda650ba58d6ac13ac6f6b6361a5d1c44f1e9\
    f22196c96295115c5d01a120e7265962d20353a049286908da776c2165f706a1\
    6f43d85fcd319f89c4386340bcb8ed10df38345cb68af719abaf997e9789a5f1\
    9a392dcecd78168ba282f0b30555c7a47031a3156d12d7158aa41b863b8394d3\
    0fec63120e89cbc5750eed7786f7d5961b1f2e6faca641ed776d2211bee757b6\
    8b77f94056172553715da9fbd1c9a8728f28a2f3c9714a4917490132562484cd";
const DKMCHILDDH: &str = "140a1f2a3c94318ece6edfa8c63f37d8d45982de8b6cbfe34011150db0253e34\
    de3796d4aa579954a0bbf234794eb6e7ece2a8f91100f5507df4ee8e66c7813d\
    4c0ff64d484a3494c54b0d9c605ea24234a49a010ce5c352feb9e1060c8c7872\
    29466296cdc9d11bb9d221ed2bb39544572464254ec02a0fbe777b07402c775e\
    b6d3e53cd16214c707f851942cc7da92a811b6c5c82f29d9fc3751b0ebff9898\
    fb14372402a6989ffb9cc32dfe7e2cea32fd882e09804d7fea34ce3b5eb6f303\
    e095c48a452b0a3eccada81af22195ebbaad289aeabdab074c94e751496bde39\
    d868ebf1d693f36d1c3c672bbb59c9f77aeb68de57d77da231b7f13d6d277f60\
    0c3d3086c4de7b3a59127f4cb9c118935574f30e1b7c88b52c8c3531fdbd38ee\
    3d14c69e81803ced6e7501fa0180f6d110b648272002dc1ad5bf09dc83188011\
    da1d48632e0d2453c8abdd8e9fd32a576aeb9ddfb0a024f674441c20a950d9bd\
    8cd7b30933cc0d8e87b55e8aa9d913579b410417b3acc13c14bf73c457327873";
const SKEYSEEDREKEY: &str = "05f796c8df322a7e33283ae5fa2f376d8d5efa0ac3745fc548e430031424c121";

fn spi(hex: &str) -> [u8; 8] {
    h(hex).try_into().expect("8-octet SPI")
}

/// SKEYSEED, DKM = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), DKM(Child SA) =
/// prf+(SK_d, Ni | Nr), DKM(Child SA D-H) = prf+(SK_d, g^ir (new) | Ni | Nr) and
/// SKEYSEED(Rekey) = prf(SK_d, g^ir (new) | Ni | Nr), with SK_d the first 32 octets
/// of DKM.
#[test]
fn nist_ikev2_kdf_sha256() {
    for provider in providers() {
        nist_ikev2_kdf_sha256_with(provider);
    }
}

/// The test above for one provider.
fn nist_ikev2_kdf_sha256_with(provider: &CryptoProvider) {
    let prf = provider.prf(PrfId::HMAC_SHA2_256).unwrap();
    let (ni, nr, gir, girnew) = (h(NI), h(NR), h(GIR), h(GIRNEW));
    let (spi_i, spi_r) = (spi(SPII), spi(SPIR));
    let dkm = h(DKM);

    // prf+ on its own, over the full 3072-bit DKM.
    let skeyseed = prf.compute(&[&ni[..], &nr[..]].concat(), &[&gir]);
    assert_eq!(skeyseed.as_bytes(), &h(SKEYSEED)[..]);
    let full = prf_plus(prf, skeyseed.as_bytes(), &[&ni, &nr, &spi_i, &spi_r], 384).unwrap();
    assert_eq!(full.as_bytes(), &dkm[..]);

    // The key schedule splits the same stream: AES-CBC-256 + HMAC-SHA2-256-128 +
    // PRF-HMAC-SHA2-256 takes 7 x 32 octets in the order of RFC 7296 §2.14.
    let suite = IkeSuite::new(
        provider,
        EncrId::AES_CBC,
        Some(256),
        PrfId::HMAC_SHA2_256,
        Some(IntegId::HMAC_SHA2_256_128),
    )
    .unwrap();
    let mut steps = Vec::new();
    let keys = derive_ike_keys(&suite, &gir, &ni, &nr, &spi_i, &spi_r, Some(&mut steps)).unwrap();
    assert_eq!(keys.skeyseed().as_bytes(), &h(SKEYSEED)[..]);
    let pieces = [
        keys.sk_d(),
        keys.sk_ai(),
        keys.sk_ar(),
        keys.sk_ei(),
        keys.sk_er(),
        keys.sk_pi(),
        keys.sk_pr(),
    ];
    for (i, key) in pieces.iter().enumerate() {
        assert_eq!(key.as_bytes(), &dkm[32 * i..32 * (i + 1)], "key {i}");
    }
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0].name, "SKEYSEED");
    assert_eq!(steps[1].outputs.len(), 7);

    // CHILD_SA keying material without and with PFS (§2.17): the first 4 x 32
    // octets of DKM(Child SA) / DKM(Child SA D-H) for AES-CBC-256 + SHA2-256-128.
    let child_suite = ChildSuite::new(
        provider,
        EncrId::AES_CBC,
        Some(256),
        Some(IntegId::HMAC_SHA2_256_128),
    )
    .unwrap();
    for (g, expected) in [(None, h(DKMCHILD)), (Some(&girnew[..]), h(DKMCHILDDH))] {
        let child = derive_child_keys(prf, keys.sk_d(), &child_suite, g, &ni, &nr, None).unwrap();
        let pieces = [
            child.encr_i(),
            child.integ_i(),
            child.encr_r(),
            child.integ_r(),
        ];
        for (i, key) in pieces.iter().enumerate() {
            assert_eq!(key.as_bytes(), &expected[32 * i..32 * (i + 1)]);
        }
        let stream = prf_plus(
            prf,
            keys.sk_d().as_bytes(),
            &match g {
                Some(g) => vec![g, &ni[..], &nr[..]],
                None => vec![&ni[..], &nr[..]],
            },
            384,
        )
        .unwrap();
        assert_eq!(stream.as_bytes(), &expected[..]);
    }

    // SKEYSEED for the rekeyed IKE SA (§2.18).
    let rekeyed = derive_rekeyed_ike_keys(
        prf,
        &Secret::from_slice(keys.sk_d().as_bytes()),
        &suite,
        &girnew,
        &ni,
        &nr,
        &spi_i,
        &spi_r,
        None,
    )
    .unwrap();
    assert_eq!(rekeyed.skeyseed().as_bytes(), &h(SKEYSEEDREKEY)[..]);
}

/// prf+ refuses more than 255 blocks (RFC 7296 §2.13: the counter is one octet).
#[test]
fn prf_plus_limit() {
    for provider in providers() {
        let prf = provider.prf(PrfId::HMAC_SHA1).unwrap();
        assert!(prf_plus(prf, b"k", &[b"s"], 255 * 20).is_ok());
        assert!(prf_plus(prf, b"k", &[b"s"], 255 * 20 + 1).is_err());
    }
}
