//! One test per error kind: the error names the right offset and field, and the
//! dissection of the same bytes keeps the fields read before the fault.

use super::vectors::{self, hex};
use crate::wire::iana::{NotifyType, PayloadType};
use crate::wire::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// Parses `bytes` expecting an error; checks it also ends the dissection.
fn error_of(bytes: &[u8]) -> WireError {
    let err = match Message::parse(bytes) {
        Ok(m) => panic!("parsed, but should not: {}", m.summary()),
        Err(e) => e,
    };
    let dissection = dissect_message(bytes, None);
    assert_eq!(
        dissection.error.as_ref(),
        Some(&err),
        "dissection reports the same error"
    );
    assert!(
        dissection.find("Malformed").is_some(),
        "the dissection shows where it broke"
    );
    assert!(
        dissection.find("IKE Header").is_some(),
        "fields before the fault are kept"
    );
    if let Err(e) = check_leaf_coverage(&dissection.fields, 0..bytes.len()) {
        panic!("malformed message {}: {e}", crate::wire::hex::encode(bytes));
    }
    err
}

/// A message from a header and payload hex, with the Length field computed.
fn message(next: u8, payloads: &[&str]) -> Vec<u8> {
    let mut bytes = hex(&["0102030405060708 1112131415161718"]);
    bytes.extend([next, 0x20, 37, 0x08, 0, 0, 0, 1]);
    let body = hex(payloads);
    let len = u32::try_from(IkeHeader::LEN + body.len()).unwrap_or(0);
    bytes.extend(len.to_be_bytes());
    bytes.extend(body);
    bytes
}

#[test]
fn truncated_header() {
    let bytes = hex(vectors::CAPTURE_INIT_REQUEST);
    let err = error_of(&bytes[..20]);
    assert_eq!(err.offset, 20);
    assert_eq!(err.field, "Message ID");
    assert_eq!(
        err.kind,
        ErrorKind::Truncated {
            needed: 4,
            available: 0
        }
    );
    assert_eq!(
        err.to_string(),
        "at byte 20, Message ID: needs 4 octets but only 0 octets remain"
    );
}

#[test]
fn length_field_disagrees_with_the_datagram() {
    let mut bytes = hex(vectors::CAPTURE_INIT_REQUEST);
    bytes.push(0); // one octet too many
    let err = error_of(&bytes);
    assert_eq!((err.offset, err.field.as_ref()), (24, "Length"));
    assert_eq!(
        err.kind,
        ErrorKind::LengthMismatch {
            declared: 248,
            actual: 249
        }
    );
}

#[test]
fn payload_length_below_four() {
    let bytes = message(43, &["00 00 0003"]);
    let err = error_of(&bytes);
    assert_eq!((err.offset, err.field.as_ref()), (30, "Payload Length"));
    assert_eq!(
        err.kind,
        ErrorKind::LengthTooSmall {
            length: 3,
            minimum: 4
        }
    );
}

#[test]
fn payload_overruns_the_message() {
    let bytes = message(43, &["00 00 0010 aabbcc"]);
    let err = error_of(&bytes);
    assert_eq!((err.offset, err.field.as_ref()), (30, "Payload Length"));
    assert_eq!(
        err.kind,
        ErrorKind::LengthOverrun {
            length: 16,
            available: 7
        }
    );
}

#[test]
fn trailing_bytes_after_the_last_payload() {
    let bytes = message(43, &["00 00 0005 aa", "ffff"]);
    let err = error_of(&bytes);
    assert_eq!(err.offset, 33);
    assert_eq!(err.kind, ErrorKind::TrailingBytes { count: 2 });
}

#[test]
fn chain_announces_a_payload_that_is_missing() {
    let bytes = message(43, &["28 00 0005 aa"]); // V says a Nonce follows
    let err = error_of(&bytes);
    assert_eq!((err.offset, err.field.as_ref()), (33, "Next Payload"));
    assert_eq!(err.kind, ErrorKind::MissingPayload { payload_type: 40 });
}

#[test]
fn major_version_other_than_two() {
    let mut bytes = hex(vectors::CAPTURE_INIT_REQUEST);
    bytes[17] = 0x30;
    let err = error_of(&bytes);
    assert_eq!((err.offset, err.field.as_ref()), (17, "Version"));
    assert_eq!(
        err.kind,
        ErrorKind::UnsupportedMajorVersion { major: 3, minor: 0 }
    );
    assert_eq!(err.notify_type(), NotifyType::INVALID_MAJOR_VERSION);
}

#[test]
fn unknown_critical_payload_is_reported_with_its_type() {
    let bytes = message(200, &["00 80 0008 00000000"]);
    let err = error_of(&bytes);
    assert_eq!(err.offset, 29);
    assert_eq!(
        err.kind,
        ErrorKind::UnsupportedCriticalPayload { payload_type: 200 }
    );
    assert_eq!(err.notify_type(), NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD);
    // The same payload without the critical bit is kept.
    let kept = Message::parse(&message(200, &["00 00 0008 00000000"]));
    assert!(
        matches!(kept.map(|m| m.payloads), Ok(p) if matches!(p.as_slice(), [Payload::Unknown(_)]))
    );
}

#[test]
fn critical_bit_on_a_known_payload_is_ignored() {
    let m = Message::parse(&message(43, &["00 80 0005 aa"]));
    assert!(
        m.is_ok(),
        "RFC 7296 §2.5: ignored when the type is understood"
    );
}

const TRANSFORM_ENCR: &str = "00 00 0008 01 00 000c";

#[test]
fn proposals_must_be_numbered_from_one() {
    // Two proposals numbered 1 and 3.
    let bytes = message(
        33,
        &[
            "00 00 002c",
            "02 00 0014 01 03 04 01 c0ffee01",
            TRANSFORM_ENCR,
            "00 00 0014 03 03 04 01 c0ffee02",
            TRANSFORM_ENCR,
        ],
    );
    let err = error_of(&bytes);
    assert_eq!(err.field, "Proposal Num");
    assert_eq!(err.offset, 28 + 4 + 20 + 4);
    assert_eq!(
        err.kind,
        ErrorKind::BadProposalNumber {
            expected: 2,
            found: 3
        }
    );
}

#[test]
fn a_lone_accepted_proposal_keeps_its_number() {
    let bytes = message(
        33,
        &[
            "00 00 0018",
            "00 00 0014 03 03 04 01 c0ffee02",
            TRANSFORM_ENCR,
        ],
    );
    assert!(
        Message::parse(&bytes).is_ok(),
        "a response echoes the accepted number"
    );
    let zero = message(
        33,
        &[
            "00 00 0018",
            "00 00 0014 00 03 04 01 c0ffee02",
            TRANSFORM_ENCR,
        ],
    );
    assert_eq!(
        error_of(&zero).kind,
        ErrorKind::BadProposalNumber {
            expected: 1,
            found: 0
        }
    );
}

#[test]
fn last_substructure_flags() {
    // First proposal says "last" (0) but another follows.
    let bytes = message(
        33,
        &[
            "00 00 002c",
            "00 00 0014 01 03 04 01 c0ffee01",
            TRANSFORM_ENCR,
            "00 00 0014 02 03 04 01 c0ffee02",
            TRANSFORM_ENCR,
        ],
    );
    let err = error_of(&bytes);
    assert_eq!((err.offset, err.field.as_ref()), (32, "Last Substruc"));
    assert_eq!(
        err.kind,
        ErrorKind::BadLastSubstructure {
            found: 0,
            more: 2,
            is_last: false
        }
    );
    // A lone transform says 3 ("more follow").
    let bytes = message(
        33,
        &[
            "00 00 0018",
            "00 00 0014 01 03 04 01 c0ffee01",
            "03 00 0008 01 00 000c",
        ],
    );
    let err = error_of(&bytes);
    assert_eq!(err.offset, 28 + 4 + 12);
    assert_eq!(
        err.kind,
        ErrorKind::BadLastSubstructure {
            found: 3,
            more: 3,
            is_last: true
        }
    );
}

#[test]
fn transform_count_must_match() {
    let bytes = message(
        33,
        &[
            "00 00 0018",
            "00 00 0014 01 03 04 02 c0ffee01",
            TRANSFORM_ENCR,
        ],
    );
    let err = error_of(&bytes);
    assert_eq!(
        (err.offset, err.field.as_ref()),
        (28 + 4 + 7, "Num Transforms")
    );
    assert_eq!(
        err.kind,
        ErrorKind::CountMismatch {
            declared: 2,
            found: 1
        }
    );
}

#[test]
fn spi_size_must_suit_the_protocol() {
    let bytes = message(
        33,
        &["00 00 0014", "00 00 0010 01 03 00 01", TRANSFORM_ENCR],
    );
    let err = error_of(&bytes);
    assert_eq!(err.field, "SPI Size");
    assert!(matches!(err.kind, ErrorKind::BadValue { found: 0, .. }));
}

#[test]
fn nonce_must_be_16_to_256_octets() {
    let short = message(40, &["00 00 0013", "000102030405060708090a0b0c0d0e"]);
    let err = error_of(&short);
    assert_eq!((err.offset, err.field.as_ref()), (32, "Nonce Data"));
    assert!(matches!(err.kind, ErrorKind::BadValue { found: 15, .. }));
    assert!(err.to_string().contains("16 to 256"));
}

#[test]
fn ipv4_identity_is_four_octets() {
    let bytes = message(35, &["00 00 000b 01 000000 c00002"]);
    let err = error_of(&bytes);
    assert_eq!(
        (err.offset, err.field.as_ref()),
        (36, "Identification Data")
    );
}

#[test]
fn delete_spi_size_and_count() {
    let esp_wrong_size = message(42, &["00 00 000c 03 08 0000 00000000"]);
    assert_eq!(error_of(&esp_wrong_size).field, "SPI Size");
    let count = message(42, &["00 00 000c 03 04 0002 c0ffee01"]);
    let err = error_of(&count);
    assert_eq!(err.field, "Num of SPIs");
    assert_eq!(
        err.kind,
        ErrorKind::CountMismatch {
            declared: 2,
            found: 1
        }
    );
}

#[test]
fn traffic_selector_lengths() {
    let wrong_len = message(
        44,
        &[
            "00 00 001c 01 000000",
            "07 00 0014 0000 ffff 00000000 ffffffff 00000000",
        ],
    );
    let err = error_of(&wrong_len);
    assert_eq!(err.field, "Selector Length");
    let count = message(
        44,
        &[
            "00 00 0018 02 000000",
            "07 00 0010 0000 ffff 00000000 ffffffff",
        ],
    );
    assert_eq!(
        error_of(&count).kind,
        ErrorKind::CountMismatch {
            declared: 2,
            found: 1
        }
    );
}

#[test]
fn skf_fragment_numbers() {
    let bytes = message(53, &["00 00 0010 0003 0002 0001020304050607"]);
    let err = error_of(&bytes);
    assert_eq!((err.offset, err.field.as_ref()), (32, "Fragment Number"));
    let zero_total = message(53, &["00 00 0008 0001 0000"]);
    assert_eq!(error_of(&zero_total).field, "Total Fragments");
}

#[test]
fn sk_must_be_the_last_payload() {
    // An SK payload followed by 8 more octets.
    let bytes = message(46, &["00 00 0008 01020304", "2b 00 0008 aabbccdd"]);
    let err = error_of(&bytes);
    assert_eq!(err.offset, 36);
    assert_eq!(
        err.kind,
        ErrorKind::MustBeLast {
            payload_type: PayloadType::SK.0
        }
    );
}

#[test]
fn eap_length_must_match_the_payload() {
    let bytes = message(48, &["00 00 0009 01 01 0006 01"]);
    let err = error_of(&bytes);
    assert_eq!((err.offset, err.field.as_ref()), (34, "Length"));
    assert_eq!(
        err.kind,
        ErrorKind::LengthMismatch {
            declared: 6,
            actual: 5
        }
    );
}

#[test]
fn cp_attribute_overruns() {
    let bytes = message(47, &["00 00 000c 01 000000 0001 0004"]);
    let err = error_of(&bytes);
    assert_eq!((err.offset, err.field.as_ref()), (38, "Length"));
}

#[test]
fn transform_attribute_overruns() {
    let bytes = message(
        33,
        &[
            "00 00 0018",
            "00 00 0014 01 01 00 01",
            "00 00 000c 01 00 000c 000e 0008",
        ],
    );
    let err = error_of(&bytes);
    assert_eq!(err.field, "Attribute Length");
    assert_eq!(
        err.kind,
        ErrorKind::LengthOverrun {
            length: 8,
            available: 0
        }
    );
}

#[test]
fn malformed_notify_data_does_not_reject_the_message() {
    // INVALID_KE_PAYLOAD with three octets of data: parsed, but decoding it fails, and
    // the dissection shows the raw data with an explanation.
    let bytes = message(41, &["00 00 000b 00 00 0011 001300"]);
    let m = Message::parse(&bytes).unwrap_or_else(|e| panic!("{e}"));
    let Some(Payload::Notify(n)) = m.payloads.first() else {
        panic!("N")
    };
    assert_eq!(n.invalid_ke_group(), None);
    assert!(n.decoded().is_err());
    let d = dissect_message(&bytes, None);
    assert_eq!(d.error, None);
    let data = d
        .find("Notification Data")
        .map(|f| f.value.clone())
        .unwrap_or_default();
    assert!(data.contains("does not follow the layout"), "{data}");
    assert_eq!(check_leaf_coverage(&d.fields, 0..bytes.len()), Ok(()));
}

#[test]
fn malformed_inner_error_is_recorded_in_its_structure() {
    let bytes = message(
        33,
        &[
            "00 00 0018",
            "00 00 0014 01 03 04 02 c0ffee01",
            TRANSFORM_ENCR,
        ],
    );
    let d = dissect_message(&bytes, None);
    let sa = d
        .fields
        .iter()
        .find(|f| f.name().starts_with("Security Association"));
    let proposal = sa.and_then(|sa| sa.children.iter().find(|f| f.name() == "Proposal"));
    assert!(
        proposal.is_some_and(|p| p.children.iter().any(|f| f.name() == "Malformed")),
        "the error leaf sits inside the proposal"
    );
}

#[test]
fn wrong_length_in_a_bare_header_keeps_one_leaf_per_byte() {
    // Regression: a 28-octet header whose Length says 29 put the "Malformed" leaf over
    // the Length leaf (Overlap { name: "Malformed", range: 24..28 }).
    let bytes = hex(&["0102030405060708000000000000000000202508000000000000001d"]);
    let err = error_of(&bytes);
    assert_eq!((err.offset, err.field.as_ref()), (24, "Length"));
    assert_eq!(
        err.kind,
        ErrorKind::LengthMismatch {
            declared: 29,
            actual: 28
        }
    );
    let d = dissect_message(&bytes, None);
    assert_eq!(check_leaf_coverage(&d.fields, 0..28), Ok(()));
    // Every octet was read, so the error is an empty annotation after the header,
    // and the Length leaf keeps its four octets.
    let malformed = d
        .find("Malformed")
        .cloned()
        .unwrap_or_else(|| panic!("Malformed"));
    assert_eq!(malformed.range, 28..28);
    assert!(
        malformed.value.contains("at byte 24, Length"),
        "{}",
        malformed.value
    );
    assert_eq!(d.find("Length").map(|f| f.range.clone()), Some(24..28));
}

#[test]
fn bytes_after_a_fault_are_unparsed_not_overlapped() {
    // A Transform count that does not match (the fault is in an octet already read)
    // followed by a Nonce payload the parser never reaches.
    let bytes = message(
        33,
        &[
            "28 00 0018",
            "00 00 0014 01 03 04 02 c0ffee01",
            TRANSFORM_ENCR,
            "00 00 0014 000102030405060708090a0b0c0d0e0f",
        ],
    );
    let err = error_of(&bytes);
    assert_eq!(err.field, "Num Transforms");
    let d = dissect_message(&bytes, None);
    let unparsed = d.fields.iter().find(|f| f.name() == "Unparsed").cloned();
    assert_eq!(unparsed.map(|f| f.range), Some(52..72));
    let sa = d
        .fields
        .iter()
        .find(|f| f.name().starts_with("Security Association"));
    assert_eq!(sa.map(|f| f.range.clone()), Some(28..52));
}

#[test]
fn truncated_payload_body_is_covered_by_the_malformed_leaf() {
    // The Nonce payload header is read, then the body is too short.
    let bytes = message(40, &["00 00 0013", "000102030405060708090a0b0c0d0e"]);
    error_of(&bytes);
    let d = dissect_message(&bytes, None);
    let malformed = d
        .find("Malformed")
        .cloned()
        .unwrap_or_else(|| panic!("Malformed"));
    assert_eq!(malformed.range, 32..47);
}
