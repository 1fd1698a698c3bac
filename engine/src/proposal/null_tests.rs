//! `null` (ENCR_NULL, RFC 2410): an ESP keyword for integrity-only CHILD SAs,
//! refused in IKE proposals and without integrity, each with its reason; selected
//! and checked like any other ESP transform, refused for IKE SAs on the wire.

use super::*;
use crate::crypto::RUST_CRYPTO;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn esp(text: &str) -> ProposalSpec {
    let specs = ProposalSpec::parse(ProtocolId::ESP, text).unwrap();
    let [spec] = <[ProposalSpec; 1]>::try_from(specs).expect("one proposal");
    spec
}

const NULL: Algorithm = Algorithm {
    kind: TransformType::ENCR,
    id: EncrId::NULL.0,
    key_bits: None,
};

#[test]
fn null_is_an_esp_keyword() {
    let spec = esp("null-sha256");
    assert_eq!(
        spec.algorithms,
        [
            NULL,
            Algorithm {
                kind: TransformType::INTEG,
                id: IntegId::HMAC_SHA2_256_128.0,
                key_bits: None,
            },
            Algorithm {
                kind: TransformType::ESN,
                id: EsnId::NO_ESN.0,
                key_bits: None,
            },
        ]
    );
    assert!(!spec.is_aead());
    // Printed back the way strongSwan users write it.
    for text in [
        "null-sha256",
        "null-sha512-x25519-esn",
        "aes128-null-sha256",
    ] {
        assert_eq!(esp(text).to_string(), text);
    }
    assert_eq!(esp("NULL-sha2_256-noesn").to_string(), "null-sha256");
    assert_eq!(NULL.iana_name(), "ENCR_NULL");
    // On the wire: transform ID 11 without a Key Length attribute (RFC 2410 §2).
    let wire = esp("null-sha256").to_wire(1, vec![0, 0, 0, 1]);
    assert_eq!(wire.transforms[0].id, 11);
    assert!(wire.transforms[0].attributes.is_empty());
}

#[test]
fn null_in_an_ike_proposal_is_refused_with_its_reason() {
    for text in ["null-sha256-x25519", "aes128-null-sha256-modp2048"] {
        let error = ProposalSpec::parse(ProtocolId::IKE, text).unwrap_err();
        assert_eq!(
            error,
            ProposalError::NullEncryptionInIke {
                proposal: text.to_owned()
            }
        );
        let message = error.to_string();
        assert!(
            message.contains("only ESP proposals") && message.contains("must be encrypted"),
            "{message}"
        );
    }
}

#[test]
fn null_without_integrity_is_refused_with_its_reason() {
    for text in ["null", "null-x25519", "null-esn"] {
        let error = ProposalSpec::parse(ProtocolId::ESP, text).unwrap_err();
        assert_eq!(
            error,
            ProposalError::NullEncryptionWithoutIntegrity {
                proposal: text.to_owned()
            }
        );
        let message = error.to_string();
        assert!(
            message.contains("without an integrity algorithm") && message.contains("RFC 4303"),
            "{message}"
        );
    }
    // Other refusals keep their own reasons.
    assert!(matches!(
        ProposalSpec::parse(ProtocolId::ESP, "aes128"),
        Err(ProposalError::MissingIntegrity { .. })
    ));
    assert!(matches!(
        ProposalSpec::parse(ProtocolId::ESP, "null-aes256gcm16"),
        Err(ProposalError::MixedAeadAndClassic { .. })
    ));
}

#[test]
fn responder_selects_null_for_esp_and_the_initiator_accepts_it() {
    let offered = to_sa_payload(&[esp("aes256gcm16"), esp("null-sha256")], &[]);
    let policy = [esp("null-sha256")];
    let report = select(
        &policy,
        &RUST_CRYPTO,
        &offered,
        ProtocolId::ESP,
        &[1, 2, 3, 4],
    );
    let chosen = report.chosen.as_ref().expect("null-sha256 chosen");
    assert_eq!((chosen.number, chosen.text.as_str()), (2, "null-sha256"));
    let answer = SaPayload {
        proposals: vec![chosen.proposal.clone()],
    };
    let check = check_response(&offered, &answer, &RUST_CRYPTO, ProtocolId::ESP);
    assert!(check.rejections.is_empty(), "{:?}", check.rejections);
    assert_eq!(check.chosen.map(|c| c.text), Some("null-sha256".to_owned()));
}

#[test]
fn null_offered_for_an_ike_sa_is_refused() {
    // Our parser refuses `null` for IKE, so the peer's proposal is built on the wire.
    let ours = ProposalSpec::parse(ProtocolId::IKE, "aes128-sha256-x25519").unwrap();
    let mut peer = ours[0].to_wire(1, Vec::new());
    for transform in &mut peer.transforms {
        if transform.kind == TransformType::ENCR {
            *transform = Transform::new(TransformType::ENCR, EncrId::NULL.0);
        }
    }
    let offered = SaPayload {
        proposals: vec![peer.clone()],
    };
    let report = select(&ours, &RUST_CRYPTO, &offered, ProtocolId::IKE, &[]);
    assert!(report.chosen.is_none());
    let rejection = report
        .rejections
        .iter()
        .find(|r| r.transform.as_ref().is_some_and(|t| t.name == "ENCR_NULL"))
        .expect("ENCR_NULL explained");
    assert_eq!(rejection.reason, RejectReason::NullEncryptionForIke);
    assert!(
        rejection
            .message
            .contains("IKE SA itself must be encrypted"),
        "{}",
        rejection.message
    );

    // A responder that answers an IKE_SA_INIT with ENCR_NULL is refused too.
    let sent = to_sa_payload(&ours, &[]);
    let answer = SaPayload {
        proposals: vec![peer],
    };
    let check = check_response(&sent, &answer, &RUST_CRYPTO, ProtocolId::IKE);
    assert!(check.chosen.is_none());
    assert!(
        check
            .rejections
            .iter()
            .any(|r| r.reason == RejectReason::NotOffered)
    );
}
