//! `proposals = default`: what charon 5.9.8 proposes.
//!
//! Read from strongSwan 5.9.8's `src/libstrongswan/crypto/proposal/proposal.c`
//! (release tarball strongswan_5.9.8.orig.tar.bz2, as packaged by Debian 12):
//! `vici_config.c` expands `default` to `proposal_create_default()` followed by
//! `proposal_create_default_aead()`.
//!
//! * ESP is fixed in the source: AES-CBC 128/192/256 with HMAC-SHA2-256/384/512,
//!   HMAC-SHA1-96, AES-XCBC-96 and NO_ESN; then AES-GCM-16 128/192/256 and NO_ESN.
//! * IKE depends on the crypto plugins loaded (`proposal_add_supported_ike` walks
//!   the registered algorithms in "rounds" of decreasing strength, in registration
//!   order). The lists below are what charon 5.9.8 from Debian 12's packages, with
//!   the default plugin set (`load_modular`, `/etc/strongswan.d/charon/*.conf`) on
//!   an AES-NI machine, logged as `configured proposals` when initiating:
//!
//!   ```text
//!   IKE:AES_CBC_128/AES_CBC_192/AES_CBC_256/AES_CTR_128/AES_CTR_192/AES_CTR_256/
//!   CAMELLIA_CBC_128/CAMELLIA_CBC_192/CAMELLIA_CBC_256/CAMELLIA_CTR_128/
//!   CAMELLIA_CTR_192/CAMELLIA_CTR_256/3DES_CBC/HMAC_SHA2_256_128/HMAC_SHA2_384_192/
//!   HMAC_SHA2_512_256/AES_XCBC_96/AES_CMAC_96/HMAC_SHA1_96/PRF_HMAC_SHA2_256/
//!   PRF_HMAC_SHA2_384/PRF_HMAC_SHA2_512/PRF_AES128_XCBC/PRF_AES128_CMAC/
//!   PRF_HMAC_SHA1/CURVE_25519/CURVE_448/ECP_256/ECP_384/ECP_521/ECP_256_BP/
//!   ECP_384_BP/ECP_512_BP/MODP_3072/MODP_4096/MODP_6144/MODP_8192/MODP_2048,
//!   IKE:AES_CCM_16_128/AES_CCM_16_192/AES_CCM_16_256/AES_GCM_16_128/AES_GCM_16_192/
//!   AES_GCM_16_256/CHACHA20_POLY1305/CAMELLIA_CCM_16_128/CAMELLIA_CCM_16_192/
//!   CAMELLIA_CCM_16_256/AES_CCM_8_128/AES_CCM_8_192/AES_CCM_8_256/AES_CCM_12_128/
//!   AES_CCM_12_192/AES_CCM_12_256/AES_GCM_8_128/AES_GCM_8_192/AES_GCM_8_256/
//!   AES_GCM_12_128/AES_GCM_12_192/AES_GCM_12_256/CAMELLIA_CCM_8_128/
//!   CAMELLIA_CCM_8_192/CAMELLIA_CCM_8_256/CAMELLIA_CCM_12_128/CAMELLIA_CCM_12_192/
//!   CAMELLIA_CCM_12_256/PRF_HMAC_SHA2_256/PRF_HMAC_SHA2_384/PRF_HMAC_SHA2_512/
//!   PRF_AES128_XCBC/PRF_AES128_CMAC/PRF_HMAC_SHA1/CURVE_25519/CURVE_448/ECP_256/
//!   ECP_384/ECP_521/ECP_256_BP/ECP_384_BP/ECP_512_BP/MODP_3072/MODP_4096/MODP_6144/
//!   MODP_8192/MODP_2048
//!   ```
//!
//!   charon emits the transforms of a proposal as ENCR, INTEG, PRF, D-H
//!   (`proposal_substructure.c`, `set_from_proposal_v2`), which is this order.
//!
//! The default proposals contain algorithms IKElab does not implement (AES-CTR,
//! AES-CCM, 3DES, XCBC, CMAC, brainpool and large MODP groups): they are offered so
//! the SA payload is byte-for-byte charon's, and selection never picks them (the
//! provider check in `select` / `check_response` explains why).

use super::Algorithm;
use super::ProposalSpec;
use crate::wire::iana::{DhId, EncrId, EsnId, IntegId, PrfId, ProtocolId, TransformType};

fn encr(id: EncrId, bits: &[u16]) -> impl Iterator<Item = Algorithm> + '_ {
    bits.iter().map(move |b| Algorithm {
        kind: TransformType::ENCR,
        id: id.0,
        key_bits: Some(*b),
    })
}

fn plain(kind: TransformType, id: u16) -> Algorithm {
    Algorithm {
        kind,
        id,
        key_bits: None,
    }
}

const SIZES: [u16; 3] = [128, 192, 256];

fn ike_prfs_and_groups() -> Vec<Algorithm> {
    let prfs = [
        PrfId::HMAC_SHA2_256,
        PrfId::HMAC_SHA2_384,
        PrfId::HMAC_SHA2_512,
        PrfId::AES128_XCBC,
        PrfId::AES128_CMAC,
        PrfId::HMAC_SHA1,
    ];
    let groups = [
        DhId::CURVE25519,
        DhId::CURVE448,
        DhId::ECP_256,
        DhId::ECP_384,
        DhId::ECP_521,
        DhId::BRAINPOOL_P256R1,
        DhId::BRAINPOOL_P384R1,
        DhId::BRAINPOOL_P512R1,
        DhId::MODP_3072,
        DhId::MODP_4096,
        DhId::MODP_6144,
        DhId::MODP_8192,
        DhId::MODP_2048,
    ];
    prfs.iter()
        .map(|p| plain(TransformType::PRF, p.0))
        .chain(groups.iter().map(|g| plain(TransformType::DH, g.0)))
        .collect()
}

/// charon 5.9.8's two IKE proposals for `default`: classic ciphers, then AEADs.
pub fn strongswan_default_ike() -> Vec<ProposalSpec> {
    let mut classic: Vec<Algorithm> = Vec::new();
    for id in [
        EncrId::AES_CBC,
        EncrId::AES_CTR,
        EncrId::CAMELLIA_CBC,
        EncrId::CAMELLIA_CTR,
    ] {
        classic.extend(encr(id, &SIZES));
    }
    classic.push(plain(TransformType::ENCR, EncrId::TRIPLE_DES.0));
    for integ in [
        IntegId::HMAC_SHA2_256_128,
        IntegId::HMAC_SHA2_384_192,
        IntegId::HMAC_SHA2_512_256,
        IntegId::AES_XCBC_96,
        IntegId::AES_CMAC_96,
        IntegId::HMAC_SHA1_96,
    ] {
        classic.push(plain(TransformType::INTEG, integ.0));
    }
    classic.extend(ike_prfs_and_groups());

    let mut aead: Vec<Algorithm> = Vec::new();
    aead.extend(encr(EncrId::AES_CCM_16, &SIZES));
    aead.extend(encr(EncrId::AES_GCM_16, &SIZES));
    aead.push(plain(TransformType::ENCR, EncrId::CHACHA20_POLY1305.0));
    for id in [
        EncrId::CAMELLIA_CCM_16,
        EncrId::AES_CCM_8,
        EncrId::AES_CCM_12,
        EncrId::AES_GCM_8,
        EncrId::AES_GCM_12,
        EncrId::CAMELLIA_CCM_8,
        EncrId::CAMELLIA_CCM_12,
    ] {
        aead.extend(encr(id, &SIZES));
    }
    aead.extend(ike_prfs_and_groups());

    vec![
        ProposalSpec {
            protocol: ProtocolId::IKE,
            algorithms: classic,
        },
        ProposalSpec {
            protocol: ProtocolId::IKE,
            algorithms: aead,
        },
    ]
}

/// charon 5.9.8's two ESP proposals for `default` (`proposal_create_default` and
/// `proposal_create_default_aead` for PROTO_ESP).
pub fn strongswan_default_esp() -> Vec<ProposalSpec> {
    let no_esn = plain(TransformType::ESN, EsnId::NO_ESN.0);
    let mut classic: Vec<Algorithm> = encr(EncrId::AES_CBC, &SIZES).collect();
    for integ in [
        IntegId::HMAC_SHA2_256_128,
        IntegId::HMAC_SHA2_384_192,
        IntegId::HMAC_SHA2_512_256,
        IntegId::HMAC_SHA1_96,
        IntegId::AES_XCBC_96,
    ] {
        classic.push(plain(TransformType::INTEG, integ.0));
    }
    classic.push(no_esn);
    let mut aead: Vec<Algorithm> = encr(EncrId::AES_GCM_16, &SIZES).collect();
    aead.push(no_esn);
    vec![
        ProposalSpec {
            protocol: ProtocolId::ESP,
            algorithms: classic,
        },
        ProposalSpec {
            protocol: ProtocolId::ESP,
            algorithms: aead,
        },
    ]
}
