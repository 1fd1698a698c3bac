//! Proposal strings, charon's `default`, and selection.

use super::*;
use crate::crypto::RUST_CRYPTO;
use crate::wire::sa::TransformAttribute;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn ike(text: &str) -> Vec<ProposalSpec> {
    ProposalSpec::parse(ProtocolId::IKE, text).unwrap()
}

fn esp(text: &str) -> Vec<ProposalSpec> {
    ProposalSpec::parse(ProtocolId::ESP, text).unwrap()
}

fn one(specs: Vec<ProposalSpec>) -> ProposalSpec {
    let [spec] = <[ProposalSpec; 1]>::try_from(specs).expect("one proposal");
    spec
}

#[test]
fn canonical_strings_round_trip() {
    for text in [
        "aes256gcm16-prfsha256-x25519",
        "aes128-sha256-modp2048",
        "aes256-sha384-ecp384",
        "chacha20poly1305-prfsha256-x25519",
        "camellia256-sha256-modp3072",
        "blowfish128-sha256-modp2048",
        "aes128-aes256-sha256-sha1-ecp256-modp2048",
        "aes128gcm8-aes192gcm12-prfsha512-ecp521-x448",
        "aes256-sha512-prfsha256-modp4096",
    ] {
        assert_eq!(one(ike(text)).to_string(), text, "IKE {text}");
    }
    for text in [
        "aes256gcm16",
        "aes128-sha256-esn",
        "aes128-sha256-modp2048",
        "chacha20poly1305",
        "aes256-sha1-esn-noesn",
    ] {
        assert_eq!(one(esp(text)).to_string(), text, "ESP {text}");
    }
}

#[test]
fn synonyms_print_in_canonical_form() {
    assert_eq!(
        one(ike("aes-sha2_256-curve25519")).to_string(),
        "aes128-sha256-x25519"
    );
    assert_eq!(
        one(ike("AES256GCM128-PRFSHA256-ECP256")).to_string(),
        "aes256gcm16-prfsha256-ecp256"
    );
    assert_eq!(one(esp("aes128-sha256-noesn")).to_string(), "aes128-sha256");
    assert_eq!(one(esp("aes128gcm")).to_string(), "aes128gcm16");
    assert_eq!(one(esp("blowfish-sha1")).to_string(), "blowfish128-sha1");
}

#[test]
fn ike_proposal_takes_prf_from_integrity() {
    let spec = one(ike("aes128-sha256-modp2048"));
    let prfs: Vec<u16> = spec.of_type(TransformType::PRF).map(|a| a.id).collect();
    assert_eq!(prfs, vec![PrfId::HMAC_SHA2_256.0]);
    // Wire order ENCR, INTEG, PRF, D-H, with a Key Length attribute on AES.
    let wire = spec.to_wire(1, Vec::new());
    let kinds: Vec<TransformType> = wire.transforms.iter().map(|t| t.kind).collect();
    assert_eq!(
        kinds,
        [
            TransformType::ENCR,
            TransformType::INTEG,
            TransformType::PRF,
            TransformType::DH
        ]
    );
    assert_eq!(wire.transforms[0].key_length(), Some(128));
    assert_eq!(ProposalSpec::from_wire(&wire), spec);
}

#[test]
fn aead_proposals_have_no_integrity_and_chacha_no_key_length() {
    let spec = one(ike("chacha20poly1305-sha256-prfsha256-x25519"));
    assert!(spec.of_type(TransformType::INTEG).next().is_none());
    let wire = spec.to_wire(1, Vec::new());
    assert!(wire.transforms[0].attributes.is_empty());
    assert_eq!(spec.to_string(), "chacha20poly1305-prfsha256-x25519");
}

#[test]
fn esp_proposals_get_noesn_and_drop_prfs() {
    let spec = one(esp("aes128-sha256-prfsha256"));
    assert!(spec.of_type(TransformType::PRF).next().is_none());
    let esn: Vec<u16> = spec.of_type(TransformType::ESN).map(|a| a.id).collect();
    assert_eq!(esn, vec![EsnId::NO_ESN.0]);
    let pfs = one(esp("aes128-sha256-modp2048"));
    assert_eq!(
        pfs.of_type(TransformType::DH)
            .map(|a| a.id)
            .collect::<Vec<_>>(),
        vec![DhId::MODP_2048.0]
    );
    assert!(
        pfs.without_key_exchange()
            .of_type(TransformType::DH)
            .next()
            .is_none()
    );
}

#[test]
fn errors_name_the_keyword_and_suggest() {
    let error = ProposalSpec::parse(ProtocolId::IKE, "aes265-sha256-modp2048").unwrap_err();
    let ProposalError::UnknownKeyword {
        keyword,
        suggestions,
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(keyword, "aes265");
    assert!(
        suggestions.contains(&"aes256".to_owned()),
        "{suggestions:?}"
    );
    assert!(error.to_string().contains("'aes265'"));
    assert!(error.to_string().contains("did you mean"));

    // strongSwan has no `aesgcm16` (a mode needs a key size).
    assert!(matches!(
        ProposalSpec::parse(ProtocolId::ESP, "aesgcm16"),
        Err(ProposalError::UnknownKeyword { .. })
    ));

    let error = ProposalSpec::parse(ProtocolId::IKE, "aes128-sha256-prfsha265-x25519").unwrap_err();
    assert!(error.to_string().contains("prfsha256"), "{error}");

    for (text, algorithm) in [
        ("aes128ctr-sha256-modp2048", "ENCR_AES_CTR"),
        ("aes128-sha256-modp1024", "MODP_1024"),
        ("3des-sha1-modp2048", "ENCR_3DES"),
        ("aes128-aesxcbc-modp2048", "AUTH_AES_XCBC_96"),
    ] {
        let error = ProposalSpec::parse(ProtocolId::IKE, text).unwrap_err();
        assert!(
            matches!(&error, ProposalError::UnsupportedKeyword { algorithm: a, .. } if a.contains(algorithm)),
            "{text}: {error:?}"
        );
        assert!(error.to_string().contains("does not implement"), "{error}");
    }
}

#[test]
fn structural_errors() {
    let cases = [
        (ProtocolId::IKE, "aes256gcm16-x25519", "PRF"),
        (ProtocolId::IKE, "aes128-sha256", "key exchange"),
        (ProtocolId::IKE, "aes128-prfsha256-x25519", "integrity"),
        (
            ProtocolId::IKE,
            "aes128-aes128gcm16-sha256-x25519",
            "mixes AEAD",
        ),
        (ProtocolId::ESP, "sha256", "no encryption"),
        (ProtocolId::ESP, "aes128--sha256", "empty"),
        (ProtocolId::AH, "sha256", "only IKE and ESP"),
    ];
    for (protocol, text, words) in cases {
        let error = ProposalSpec::parse(protocol, text).unwrap_err();
        assert!(error.to_string().contains(words), "{text}: {error}");
    }
}

/// charon 5.9.8's log names for the algorithms of its default proposals (the
/// names strongSwan's `%P` printf hook prints), to compare with what charon logged.
fn strongswan_log_name(a: &Algorithm) -> String {
    let iana = match a.kind {
        TransformType::ENCR => EncrId(a.id).name(),
        TransformType::INTEG => IntegId(a.id).name(),
        TransformType::PRF => PrfId(a.id).name(),
        TransformType::DH => DhId(a.id).name(),
        _ => EsnId(a.id).name(),
    }
    .unwrap();
    let base = match iana {
        "ENCR_3DES" => "3DES_CBC".to_owned(),
        "BRAINPOOLP256R1" => "ECP_256_BP".to_owned(),
        "BRAINPOOLP384R1" => "ECP_384_BP".to_owned(),
        "BRAINPOOLP512R1" => "ECP_512_BP".to_owned(),
        other => other
            .trim_start_matches("ENCR_")
            .trim_start_matches("AUTH_")
            .to_owned(),
    };
    match a.key_bits {
        Some(bits) => format!("{base}_{bits}"),
        None => base,
    }
}

/// The default proposals equal what charon 5.9.8 (Debian 12) logged as its
/// "configured proposals" for `proposals = default` (see `default.rs`).
#[test]
fn default_ike_matches_charon_5_9_8() {
    let logged = [
        "AES_CBC_128/AES_CBC_192/AES_CBC_256/AES_CTR_128/AES_CTR_192/AES_CTR_256/\
         CAMELLIA_CBC_128/CAMELLIA_CBC_192/CAMELLIA_CBC_256/CAMELLIA_CTR_128/\
         CAMELLIA_CTR_192/CAMELLIA_CTR_256/3DES_CBC/HMAC_SHA2_256_128/HMAC_SHA2_384_192/\
         HMAC_SHA2_512_256/AES_XCBC_96/AES_CMAC_96/HMAC_SHA1_96/PRF_HMAC_SHA2_256/\
         PRF_HMAC_SHA2_384/PRF_HMAC_SHA2_512/PRF_AES128_XCBC/PRF_AES128_CMAC/\
         PRF_HMAC_SHA1/CURVE_25519/CURVE_448/ECP_256/ECP_384/ECP_521/ECP_256_BP/\
         ECP_384_BP/ECP_512_BP/MODP_3072/MODP_4096/MODP_6144/MODP_8192/MODP_2048",
        "AES_CCM_16_128/AES_CCM_16_192/AES_CCM_16_256/AES_GCM_16_128/AES_GCM_16_192/\
         AES_GCM_16_256/CHACHA20_POLY1305/CAMELLIA_CCM_16_128/CAMELLIA_CCM_16_192/\
         CAMELLIA_CCM_16_256/AES_CCM_8_128/AES_CCM_8_192/AES_CCM_8_256/AES_CCM_12_128/\
         AES_CCM_12_192/AES_CCM_12_256/AES_GCM_8_128/AES_GCM_8_192/AES_GCM_8_256/\
         AES_GCM_12_128/AES_GCM_12_192/AES_GCM_12_256/CAMELLIA_CCM_8_128/\
         CAMELLIA_CCM_8_192/CAMELLIA_CCM_8_256/CAMELLIA_CCM_12_128/CAMELLIA_CCM_12_192/\
         CAMELLIA_CCM_12_256/PRF_HMAC_SHA2_256/PRF_HMAC_SHA2_384/PRF_HMAC_SHA2_512/\
         PRF_AES128_XCBC/PRF_AES128_CMAC/PRF_HMAC_SHA1/CURVE_25519/CURVE_448/ECP_256/\
         ECP_384/ECP_521/ECP_256_BP/ECP_384_BP/ECP_512_BP/MODP_3072/MODP_4096/MODP_6144/\
         MODP_8192/MODP_2048",
    ];
    let specs = ike("default");
    assert_eq!(specs.len(), 2);
    for (spec, logged) in specs.iter().zip(logged) {
        let ours: Vec<String> = spec.algorithms.iter().map(strongswan_log_name).collect();
        assert_eq!(ours.join("/"), logged);
    }
    assert_eq!(proposals_to_strings(&specs), vec!["default".to_owned()]);
    // The SA payload: proposal numbers 1 and 2, empty SPIs (IKE_SA_INIT).
    let payload = to_sa_payload(&specs, &[]);
    assert_eq!(payload.proposals[1].number, 2);
    assert_eq!(payload.proposals[0].transforms.len(), 38);
    assert_eq!(payload.proposals[1].transforms.len(), 47);
}

#[test]
fn default_esp_matches_proposal_c() {
    let specs = esp("default");
    let names: Vec<String> = specs
        .iter()
        .map(|s| {
            s.algorithms
                .iter()
                .map(strongswan_log_name)
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    assert_eq!(
        names,
        [
            "AES_CBC_128/AES_CBC_192/AES_CBC_256/HMAC_SHA2_256_128/HMAC_SHA2_384_192/\
             HMAC_SHA2_512_256/HMAC_SHA1_96/AES_XCBC_96/NO_ESN",
            "AES_GCM_16_128/AES_GCM_16_192/AES_GCM_16_256/NO_ESN",
        ]
    );
    assert_eq!(
        proposals_to_strings(
            &parse_proposals(ProtocolId::ESP, &["aes256gcm16", "default"]).unwrap()
        ),
        vec!["aes256gcm16".to_owned(), "default".to_owned()]
    );
}

fn payload(protocol: ProtocolId, texts: &[&str]) -> SaPayload {
    to_sa_payload(&parse_proposals(protocol, texts).unwrap(), &[])
}

#[test]
fn responder_picks_first_acceptable_and_names_the_groups_it_lists() {
    let policy = parse_proposals(
        ProtocolId::IKE,
        &["aes256gcm16-prfsha256-x25519", "aes128-sha256-modp2048"],
    )
    .unwrap();
    // The peer's first proposal only has MODP-1024 (built on the wire: we cannot
    // parse modp1024 ourselves).
    let mut weak = one(ike("aes128-sha256-modp2048")).to_wire(1, Vec::new());
    for t in &mut weak.transforms {
        if t.kind == TransformType::DH {
            t.id = DhId::MODP_1024.0;
        }
    }
    let strong = one(ike("aes128-sha256-modp2048")).to_wire(2, Vec::new());
    let offered = SaPayload {
        proposals: vec![weak, strong],
    };
    let report = select(&policy, &RUST_CRYPTO, &offered, ProtocolId::IKE, &[]);
    let chosen = report.chosen.as_ref().expect("proposal 2 chosen");
    assert_eq!(chosen.number, 2);
    assert_eq!(chosen.policy_index, 1);
    assert_eq!(chosen.text, "aes128-sha256-modp2048");
    assert_eq!(chosen.proposal.transforms.len(), 4);
    let group = report
        .rejections
        .iter()
        .find(|r| r.proposal == 1 && matches!(r.reason, RejectReason::NotInPolicy { .. }))
        .expect("the group explained");
    assert_eq!(group.transform.as_ref().unwrap().name, "D-H MODP_1024");
    assert!(
        group
            .message
            .contains("our proposals list only the groups: D-H CURVE_25519, D-H MODP_2048"),
        "{}",
        group.message
    );
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.contains("\"kind\":\"not_in_policy\""), "{json}");
}

/// Issue #12: we listed x25519, the peer only MODP: a plain mismatch, said as one
/// (not as a demand for stronger groups).
#[test]
fn a_group_mismatch_names_both_sides_groups_and_no_strength() {
    let policy = parse_proposals(ProtocolId::IKE, &["aes256gcm16-prfsha256-x25519"]).unwrap();
    let offered = payload(ProtocolId::IKE, &["aes256gcm16-prfsha256-modp2048"]);
    let report = select(&policy, &RUST_CRYPTO, &offered, ProtocolId::IKE, &[]);
    assert!(report.chosen.is_none());
    let messages: Vec<&str> = report
        .rejections
        .iter()
        .map(|r| r.message.as_str())
        .collect();
    let group = report
        .rejections
        .iter()
        .find(|r| {
            r.transform
                .as_ref()
                .is_some_and(|t| t.name == "D-H MODP_2048")
        })
        .unwrap_or_else(|| panic!("MODP_2048 explained: {messages:?}"));
    assert_eq!(
        group.message,
        "peer offered D-H MODP_2048, which none of our proposals lists; our proposals list \
         only the groups: D-H CURVE_25519"
    );
    assert!(
        messages
            .iter()
            .all(|m| !m.contains("at least") && !m.contains("-bit security")),
        "{messages:?}"
    );
}

/// Issue #12: our side offered only AEADs, the peer an integrity algorithm: the
/// explanation says we take none, not "accepts only: " with an empty list.
#[test]
fn integrity_against_aead_only_proposals_says_we_take_none() {
    let policy = parse_proposals(ProtocolId::IKE, &["aes256gcm16-prfsha256-x25519"]).unwrap();
    let offered = payload(ProtocolId::IKE, &["aes256-sha256-x25519"]);
    let report = select(&policy, &RUST_CRYPTO, &offered, ProtocolId::IKE, &[]);
    assert!(report.chosen.is_none());
    let messages: Vec<&str> = report
        .rejections
        .iter()
        .map(|r| r.message.as_str())
        .collect();
    assert!(
        messages
            .iter()
            .all(|m| !m.contains("only: ;") && !m.ends_with("only: ")),
        "{messages:?}"
    );
    let integ = report
        .rejections
        .iter()
        .find(|r| {
            r.transform
                .as_ref()
                .is_some_and(|t| t.kind == TransformType::INTEG)
        })
        .unwrap_or_else(|| panic!("the integrity transform explained: {messages:?}"));
    assert!(
        integ
            .message
            .contains("our proposals take no integrity transform: they list only AEAD ciphers"),
        "{}",
        integ.message
    );
}

#[test]
fn responder_against_charon_default() {
    let policy = ike("default");
    let offered = payload(ProtocolId::IKE, &["default"]);
    let report = select(&policy, &RUST_CRYPTO, &offered, ProtocolId::IKE, &[]);
    let chosen = report.chosen.expect("a proposal");
    assert_eq!(chosen.number, 1);
    assert_eq!(chosen.text, "aes128-sha256-x25519");
    // Proposal 2 was not considered once 1 was chosen.
    assert!(
        report
            .rejections
            .iter()
            .any(|r| r.proposal == 2
                && r.reason == RejectReason::EarlierProposalChosen { chosen: 1 })
    );
    // Transforms of proposal 1 we cannot run are explained as such.
    assert!(report.rejections.iter().any(|r| {
        r.proposal == 1
            && matches!(r.reason, RejectReason::NotImplemented { .. })
            && r.transform
                .as_ref()
                .is_some_and(|t| t.name.contains("ENCR_AES_CTR"))
    }));
    assert!(
        report
            .rejections
            .iter()
            .any(|r| matches!(r.reason, RejectReason::OtherTransformPreferred { .. }))
    );
}

#[test]
fn responder_esp_key_length_and_pfs_mismatches() {
    let policy = esp("aes256gcm16");
    let report = select(
        &policy,
        &RUST_CRYPTO,
        &payload(ProtocolId::ESP, &["aes128gcm16"]),
        ProtocolId::ESP,
        &[1, 2, 3, 4],
    );
    assert!(report.chosen.is_none());
    assert!(report.rejections.iter().any(|r| matches!(
        &r.reason,
        RejectReason::NoAcceptableTransform { transform_type, .. } if *transform_type == TransformType::ENCR
    )));

    // We want no PFS; the peer insists on MODP-2048: no match. If the peer also
    // allows D-H NONE, its proposal is accepted without a D-H transform.
    let policy = esp("aes128-sha256");
    let pfs = payload(ProtocolId::ESP, &["aes128-sha256-modp2048"]);
    assert!(
        select(&policy, &RUST_CRYPTO, &pfs, ProtocolId::ESP, &[9; 4])
            .chosen
            .is_none()
    );
    let mut optional = pfs.clone();
    optional.proposals[0]
        .transforms
        .push(Transform::new(TransformType::DH, DhId::NONE.0));
    let report = select(&policy, &RUST_CRYPTO, &optional, ProtocolId::ESP, &[9; 4]);
    let chosen = report.chosen.expect("accepted without PFS");
    assert_eq!(chosen.proposal.spi, vec![9; 4]);
    assert!(
        chosen
            .proposal
            .transforms
            .iter()
            .all(|t| t.kind != TransformType::DH)
    );
    assert_eq!(chosen.text, "aes128-sha256");
}

#[test]
fn responder_rejects_unknown_attributes_and_wrong_protocol() {
    let policy = ike("aes128-sha256-modp2048");
    let mut odd = one(ike("aes128-sha256-modp2048")).to_wire(1, Vec::new());
    odd.transforms[0].attributes.push(TransformAttribute {
        kind: crate::wire::iana::TransformAttrType(99),
        value: crate::wire::sa::AttributeValue::Tv(1),
    });
    let report = select(
        &policy,
        &RUST_CRYPTO,
        &SaPayload {
            proposals: vec![odd],
        },
        ProtocolId::IKE,
        &[],
    );
    assert!(report.chosen.is_none());
    assert!(
        report
            .rejections
            .iter()
            .any(|r| r.reason == RejectReason::UnknownAttribute)
    );

    let esp_offer = payload(ProtocolId::ESP, &["aes128-sha256"]);
    let report = select(&policy, &RUST_CRYPTO, &esp_offer, ProtocolId::IKE, &[]);
    assert!(matches!(
        report.rejections[0].reason,
        RejectReason::ProtocolMismatch { .. }
    ));
}

#[test]
fn initiator_accepts_a_valid_choice() {
    let offered = payload(
        ProtocolId::IKE,
        &["aes256gcm16-prfsha256-x25519", "aes128-sha256-modp2048"],
    );
    let policy = ike("aes128-sha256-modp2048");
    let responder = select(&policy, &RUST_CRYPTO, &offered, ProtocolId::IKE, &[]);
    let answer = SaPayload {
        proposals: vec![responder.chosen.unwrap().proposal],
    };
    let report = check_response(&offered, &answer, &RUST_CRYPTO, ProtocolId::IKE);
    assert!(report.rejections.is_empty(), "{:?}", report.rejections);
    let chosen = report.chosen.unwrap();
    assert_eq!((chosen.number, chosen.policy_index), (2, 1));
}

#[test]
fn initiator_rejects_invalid_choices() {
    let offered = payload(ProtocolId::IKE, &["aes128-sha256-modp2048"]);
    let good = offered.proposals[0].clone();
    let check = |answer: Vec<Proposal>| {
        check_response(
            &offered,
            &SaPayload { proposals: answer },
            &RUST_CRYPTO,
            ProtocolId::IKE,
        )
    };
    // The whole proposal echoed back has one transform per type already; two
    // proposals, a renumbered one, a foreign transform, a missing and a duplicate
    // type are all refused.
    assert!(check(vec![good.clone()]).chosen.is_some());
    let report = check(vec![good.clone(), good.clone()]);
    assert!(matches!(
        report.rejections[0].reason,
        RejectReason::ResponseProposalCount { count: 2 }
    ));
    let mut renumbered = good.clone();
    renumbered.number = 7;
    assert!(matches!(
        check(vec![renumbered]).rejections[0].reason,
        RejectReason::ProposalNumberNotOffered { number: 7 }
    ));
    let mut foreign = good.clone();
    foreign.transforms[3].id = DhId::ECP_256.0;
    assert!(
        check(vec![foreign])
            .rejections
            .iter()
            .any(|r| r.reason == RejectReason::NotOffered)
    );
    let mut missing = good.clone();
    missing.transforms.retain(|t| t.kind != TransformType::DH);
    assert!(check(vec![missing]).rejections.iter().any(|r| r.reason
        == RejectReason::MissingTransformType {
            transform_type: TransformType::DH
        }));
    let mut duplicate = good.clone();
    duplicate.transforms.push(good.transforms[0].clone());
    assert!(
        check(vec![duplicate])
            .rejections
            .iter()
            .any(|r| matches!(r.reason, RejectReason::DuplicateTransformType { .. }))
    );
}

#[test]
fn initiator_rejects_a_default_algorithm_it_cannot_run() {
    let offered = payload(ProtocolId::IKE, &["default"]);
    let mut answer = offered.proposals[0].clone();
    // The responder picks AES-CTR, which charon's default offers but we lack.
    answer.transforms = vec![
        Transform::with_key_length(TransformType::ENCR, EncrId::AES_CTR.0, 128),
        Transform::new(TransformType::INTEG, IntegId::HMAC_SHA2_256_128.0),
        Transform::new(TransformType::PRF, PrfId::HMAC_SHA2_256.0),
        Transform::new(TransformType::DH, DhId::CURVE25519.0),
    ];
    let report = check_response(
        &offered,
        &SaPayload {
            proposals: vec![answer],
        },
        &RUST_CRYPTO,
        ProtocolId::IKE,
    );
    assert!(report.chosen.is_none());
    assert!(
        report
            .rejections
            .iter()
            .any(|r| matches!(r.reason, RejectReason::NotImplemented { .. }))
    );
}

/// RFC 2451 §2.2: a Blowfish transform without Key Length is Blowfish-128, so it
/// matches our `blowfish128`.
#[test]
fn blowfish_without_key_length_is_128_bits() {
    let policy = ike("blowfish128-sha256-modp2048");
    let mut offered = payload(ProtocolId::IKE, &["blowfish128-sha256-modp2048"]);
    offered.proposals[0].transforms[0].attributes.clear();
    let report = select(&policy, &RUST_CRYPTO, &offered, ProtocolId::IKE, &[]);
    let chosen = report.chosen.expect("accepted");
    assert!(chosen.proposal.transforms[0].attributes.is_empty());
}
