//! Every byte explained: the leaves of each dissection tile its message exactly, and
//! a decryptor's plaintext is dissected inside the SK payload.

use super::vectors::{self, hex};
use crate::wire::dissect::catalogue;
use crate::wire::iana::PayloadType;
use crate::wire::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[test]
fn every_fixed_vector_is_fully_covered() {
    for (name, bytes) in vectors::all() {
        let d = dissect_message(&bytes, None);
        assert_eq!(d.error, None, "{name}");
        assert_eq!(d.length, bytes.len());
        if let Err(e) = check_leaf_coverage(&d.fields, 0..bytes.len()) {
            panic!("{name}: {e}");
        }
        let m = Message::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(d.summary, m.summary(), "{name}");
        let json = serde_json::to_string(&d).unwrap_or_default();
        let back: Dissection =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back, d, "{name}: dissection survives JSON");
    }
}

#[test]
fn fields_carry_name_rfc_range_value_and_meaning() {
    let bytes = hex(vectors::CAPTURE_INIT_REQUEST);
    let d = dissect_message(&bytes, None);
    let header = d
        .find("IKE Header")
        .cloned()
        .unwrap_or_else(|| panic!("header"));
    assert_eq!(header.range, 0..28);
    assert_eq!(header.rfc(), "RFC 7296 §3.1");
    let flags = d.find("Flags").cloned().unwrap_or_else(|| panic!("flags"));
    assert_eq!(
        (flags.range.clone(), flags.value.as_str()),
        (19..20, "0x08 (Initiator)")
    );
    assert!(flags.meaning().contains("request"));
    let transform = d
        .find("Transform")
        .cloned()
        .unwrap_or_else(|| panic!("transform"));
    assert_eq!(transform.value, "ENCR_AES_CCM_12 (15), key length 128");
    assert_eq!(transform.range, 40..52);
    let group = d
        .find("Diffie-Hellman Group Num")
        .cloned()
        .unwrap_or_else(|| panic!("group"));
    assert_eq!(group.value, "ECP_256 (19)");
    assert!(!group.meaning().is_empty());
    let sa = &d.fields[1];
    assert_eq!(sa.name(), "Security Association (SA)");
    assert_eq!(sa.range, 28..68);
}

/// What the decryptor was asked: payload range, body range, first payload, fragment.
type Request = (
    std::ops::Range<usize>,
    std::ops::Range<usize>,
    PayloadType,
    Option<(u16, u16)>,
);

/// A stand-in for the crypto layer: "decrypts" by copying the ciphertext, with an
/// 8-octet IV and a 12-octet ICV, and records what it was asked.
#[derive(Debug, Default)]
struct CopyDecryptor {
    requests: Vec<Request>,
}

impl Decryptor for CopyDecryptor {
    fn decrypt_sk(&mut self, request: &SkDecryptRequest<'_>) -> Option<Decrypted> {
        self.requests.push((
            request.payload.clone(),
            request.body.clone(),
            request.first_payload,
            request.fragment,
        ));
        let body = request.message.get(request.body.clone())?;
        let plaintext = body.get(8..body.len().checked_sub(12)?)?.to_vec();
        Some(Decrypted {
            iv_len: 8,
            icv_len: 12,
            plaintext,
            note: "test: copied".to_owned(),
        })
    }
}

#[test]
fn decryptor_plaintext_is_dissected_inside_the_sk_payload() {
    let bytes = hex(vectors::SK_FOR_TEST_DECRYPTOR);
    let mut decryptor = CopyDecryptor::default();
    let d = dissect_message(&bytes, Some(&mut decryptor));
    assert_eq!(
        decryptor.requests,
        vec![(28..64, 32..64, PayloadType::DELETE, None)]
    );
    assert_eq!(d.error, None);
    assert_eq!(check_leaf_coverage(&d.fields, 0..bytes.len()), Ok(()));
    let iv = d
        .find("Initialization Vector")
        .cloned()
        .unwrap_or_else(|| panic!("IV"));
    assert_eq!(iv.range, 32..40);
    let icv = d
        .find("Integrity Checksum Data")
        .cloned()
        .unwrap_or_else(|| panic!("ICV"));
    assert_eq!(icv.range, 52..64);
    let ct = d
        .find("Encrypted IKE Payloads")
        .cloned()
        .unwrap_or_else(|| panic!("ciphertext"));
    let block = ct.decrypted.unwrap_or_else(|| panic!("decrypted block"));
    assert_eq!(block.note, "test: copied");
    assert_eq!(block.error, None);
    assert_eq!(block.bytes.len(), 12);
    let names: Vec<String> = block.fields.iter().map(|f| f.name().into_owned()).collect();
    assert_eq!(names, ["Delete (D)", "Padding", "Pad Length"]);
    assert_eq!(block.fields[0].range, 0..8);
    // Without a decryptor the body is one leaf.
    let plain = dissect_message(&bytes, None);
    let enc = plain
        .find("Encrypted payload (IV, ciphertext, ICV)")
        .cloned();
    assert_eq!(enc.map(|f| f.range), Some(32..64));
}

#[test]
fn decryptor_sees_fragments_and_their_numbers() {
    let bytes = hex(vectors::FRAGMENT);
    let mut decryptor = CopyDecryptor::default();
    let d = dissect_message(&bytes, Some(&mut decryptor));
    assert_eq!(
        decryptor.requests,
        vec![(28..60, 36..60, PayloadType::IDI, Some((1, 2)))]
    );
    assert_eq!(check_leaf_coverage(&d.fields, 0..bytes.len()), Ok(()));
    let ct = d
        .find("Encrypted IKE Payloads")
        .cloned()
        .unwrap_or_else(|| panic!("ciphertext"));
    let block = ct.decrypted.unwrap_or_else(|| panic!("block"));
    // One fragment of two: shown as raw content, padding and pad length.
    let names: Vec<String> = block.fields.iter().map(|f| f.name().into_owned()).collect();
    assert_eq!(names, ["Fragment Content", "Padding", "Pad Length"]);
}

#[test]
fn bad_plaintext_is_an_error_inside_the_block_only() {
    // The captured INFORMATIONAL request: the copy "decryptor" yields garbage, which
    // the block reports, while the message itself stays well-formed.
    let bytes = hex(vectors::CAPTURE_INFO_REQUEST);
    let mut decryptor = CopyDecryptor::default();
    let d = dissect_message(&bytes, Some(&mut decryptor));
    assert_eq!(d.error, None);
    let ct = d
        .find("Encrypted IKE Payloads")
        .cloned()
        .unwrap_or_else(|| panic!("ciphertext"));
    let block = ct.decrypted.unwrap_or_else(|| panic!("block"));
    assert!(block.error.is_some());
    assert!(block.fields.iter().any(|f| f.name() == "Malformed"));
    // The garbage plaintext still has one leaf per octet (the coverage check descends
    // into malformed blocks too).
    assert_eq!(check_leaf_coverage(&d.fields, 0..bytes.len()), Ok(()));
    assert_eq!(
        check_leaf_coverage(&block.fields, 0..block.bytes.len()),
        Ok(())
    );
}

#[test]
fn payload_chain_dissection_covers_its_bytes() {
    let bytes = hex(vectors::AUTH_PLAIN);
    let chain = bytes.get(IkeHeader::LEN..).unwrap_or_default();
    let d = dissect_payload_chain(chain, PayloadType::IDI);
    assert_eq!(d.error, None);
    assert_eq!(check_leaf_coverage(&d.fields, 0..chain.len()), Ok(()));
    assert!(d.summary.starts_with("[ IDi CERT CERTREQ AUTH"));
}

#[test]
fn shift_moves_a_dissection_into_a_larger_buffer() {
    let bytes = hex(vectors::CAPTURE_INIT_RESPONSE);
    let mut d = dissect_message(&bytes, None);
    d.shift(4); // as after a non-ESP marker
    let mut framed = vec![0; 4];
    framed.extend(&bytes);
    let marker = Field::leaf(&catalogue::UDP_ENCAP_NON_ESP_MARKER, 0..4, "0x00000000");
    let mut fields = vec![marker];
    fields.extend(d.fields);
    assert_eq!(check_leaf_coverage(&fields, 0..framed.len()), Ok(()));
}

#[test]
fn coverage_check_finds_gaps_and_overlaps() {
    let a = Field::leaf(&catalogue::SA_SPI, 0..2, "a");
    let b = Field::leaf(&catalogue::SA_SPI, 3..4, "b");
    assert_eq!(
        check_leaf_coverage(&[a.clone(), b], 0..4),
        Err(CoverageError::Gap { range: 2..3 })
    );
    let c = Field::leaf(&catalogue::SA_SPI, 1..4, "c");
    assert!(matches!(
        check_leaf_coverage(&[a.clone(), c], 0..4),
        Err(CoverageError::Overlap { .. })
    ));
    let node = Field::node(&catalogue::SA_PROPOSAL, 0..3, "n", vec![a]);
    assert!(matches!(
        check_leaf_coverage(&[node], 0..3),
        Err(CoverageError::OutOfBounds { .. })
    ));
}
