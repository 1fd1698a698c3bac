//! `KeyTableDecryptor` inside `dissect_message`: SK and SKF payloads sealed by our
//! `SkProtection` open with the table entry of their SPIs, in the direction the I flag
//! names; a missing entry, a wrong key or an algorithm IKElab lacks leave the payload
//! encrypted with a note.

use std::net::Ipv4Addr;

use super::ikev2_table::{Ikev2TableEntry, NumberedEntry, parse_ikev2_decryption_table};
use super::table_decryptor::KeyTableDecryptor;
use crate::crypto::RUST_CRYPTO;
use crate::crypto::keys::{IkeKeys, IkeSuite, derive_ike_keys};
use crate::crypto::sk::SkProtection;
use crate::crypto::test_rng::seeded;
use crate::wire::iana::{AuthMethod, EncrId, ExchangeType, IntegId, PrfId};
use crate::wire::{
    AuthPayload, Dissection, Field, Flags, IdPayload, IkeHeader, IkeSpi, Message, Payload,
    SkPayload, SkfPayload, TrafficSelector, TsPayload, check_leaf_coverage, dissect_message,
    emit_payload_chain,
};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const SPI_I: [u8; 8] = [0x11; 8];
const SPI_R: [u8; 8] = [0x22; 8];

struct Sa {
    suite: IkeSuite,
    keys: IkeKeys,
    entry: Ikev2TableEntry,
}

fn sa(encr: EncrId, bits: u16, integ: Option<IntegId>, seed: u8) -> Sa {
    let suite = IkeSuite::new(&RUST_CRYPTO, encr, Some(bits), PrfId::HMAC_SHA2_256, integ).unwrap();
    let keys = derive_ike_keys(
        &suite,
        &[seed; 32],
        &[2; 32],
        &[3; 32],
        &SPI_I,
        &SPI_R,
        None,
    )
    .unwrap();
    let entry = Ikev2TableEntry::from_keys(&SPI_I, &SPI_R, encr, Some(bits), integ, &keys).unwrap();
    Sa { suite, keys, entry }
}

fn decryptor(entries: &[&Ikev2TableEntry]) -> KeyTableDecryptor {
    let text: String = entries.iter().map(|e| format!("{}\n", e.line())).collect();
    let parsed = parse_ikev2_decryption_table(&text).unwrap();
    KeyTableDecryptor::new(&parsed, &RUST_CRYPTO)
}

fn inner_payloads() -> Vec<Payload> {
    vec![
        Payload::IdI(IdPayload::fqdn("cl.example")),
        Payload::Auth(AuthPayload {
            method: AuthMethod::SHARED_KEY_MIC,
            data: vec![0xa5; 32],
        }),
        Payload::TsI(TsPayload {
            selectors: vec![TrafficSelector::ipv4_range(
                Ipv4Addr::new(10, 0, 0, 1),
                Ipv4Addr::new(10, 0, 0, 1),
            )],
        }),
    ]
}

/// An IKE_AUTH message whose SK payload our code sealed with `sa`'s keys.
fn sealed(sa: &Sa, from_initiator: bool, inner: &[Payload]) -> Vec<u8> {
    let protection = if from_initiator {
        SkProtection::initiator_to_responder(&sa.suite, &sa.keys)
    } else {
        SkProtection::responder_to_initiator(&sa.suite, &sa.keys)
    }
    .unwrap();
    let (plaintext, first) = emit_payload_chain(inner).unwrap();
    let body_len = protection.sealed_len(plaintext.len());
    let header = IkeHeader::new(
        IkeSpi(SPI_I),
        IkeSpi(SPI_R),
        ExchangeType::IKE_AUTH,
        Flags::new(from_initiator, !from_initiator),
        1,
    );
    let mut bytes = Message {
        header,
        payloads: vec![Payload::Sk(SkPayload {
            first_payload: first,
            body: vec![0; body_len],
        })],
    }
    .emit();
    let aad_end = bytes.len() - body_len;
    let body = protection
        .seal(
            &bytes[..aad_end],
            &plaintext,
            &mut seeded(from_initiator.into()),
        )
        .unwrap();
    bytes.truncate(aad_end);
    bytes.extend(body);
    bytes
}

fn ciphertext_leaf(d: &Dissection) -> Option<&Field> {
    d.find("Encrypted IKE Payloads")
}

fn inner_names(d: &Dissection) -> Vec<String> {
    ciphertext_leaf(d)
        .and_then(|f| f.decrypted.as_ref())
        .map(|b| b.fields.iter().map(|f| f.name.to_string()).collect())
        .unwrap_or_default()
}

fn undecrypted_value(d: &Dissection) -> String {
    d.find("Encrypted payload (IV, ciphertext, ICV)")
        .map(|f| f.value.clone())
        .unwrap_or_else(|| panic!("no encrypted leaf in {d:#?}"))
}

#[test]
fn both_directions_open_for_gcm_and_cbc() {
    for sa in [
        sa(EncrId::AES_GCM_16, 256, None, 1),
        sa(EncrId::AES_CBC, 128, Some(IntegId::HMAC_SHA2_256_128), 1),
    ] {
        let mut table = decryptor(&[&sa.entry]);
        for from_initiator in [true, false] {
            let bytes = sealed(&sa, from_initiator, &inner_payloads());
            let d = dissect_message(&bytes, Some(&mut table));
            assert_eq!(d.error, None);
            assert_eq!(check_leaf_coverage(&d.fields, 0..bytes.len()), Ok(()));
            assert_eq!(
                inner_names(&d)[..3],
                [
                    "Identification - Initiator (IDi)",
                    "Authentication (AUTH)",
                    "Traffic Selector - Initiator (TSi)"
                ]
            );
            let block = ciphertext_leaf(&d)
                .and_then(|f| f.decrypted.clone())
                .unwrap();
            assert_eq!(block.error, None);
            let keys = if from_initiator { "SK_ei" } else { "SK_er" };
            assert!(block.note.contains(keys), "{}", block.note);
            assert!(block.note.contains("ICV correct, key table line 1"));
            assert!(block.note.starts_with(sa.entry.encryption.name));
            let id = block
                .fields
                .iter()
                .find_map(|f| f.find("Identification Data"));
            assert_eq!(id.map(|f| f.value.as_str()), Some("\"cl.example\""));
            assert_eq!(
                d.find("Initialization Vector").map(|f| f.range.len()),
                Some(if sa.entry.encryption.aead { 8 } else { 16 })
            );
        }
    }
}

#[test]
fn no_entry_for_the_spis_is_noted() {
    let ours = sa(EncrId::AES_GCM_16, 128, None, 1);
    let bytes = sealed(&ours, true, &inner_payloads());
    let mut other = ours.entry.clone();
    other.spi_r = IkeSpi([0x33; 8]);
    let mut table = decryptor(&[&other]);
    let d = dissect_message(&bytes, Some(&mut table));
    assert_eq!(d.error, None);
    assert!(inner_names(&d).is_empty());
    let value = undecrypted_value(&d);
    assert!(
        value.ends_with(
            "not decrypted: no entry for SPIs 0x1111111111111111/0x2222222222222222 \
             (SPIi/SPIr) in the key table"
        ),
        "{value}"
    );
    assert_eq!(check_leaf_coverage(&d.fields, 0..bytes.len()), Ok(()));
}

#[test]
fn a_wrong_key_fails_the_icv_check_with_a_note() {
    for (right, wrong) in [
        (
            sa(EncrId::AES_GCM_16, 256, None, 1),
            sa(EncrId::AES_GCM_16, 256, None, 9),
        ),
        (
            sa(EncrId::AES_CBC, 256, Some(IntegId::HMAC_SHA2_512_256), 1),
            sa(EncrId::AES_CBC, 256, Some(IntegId::HMAC_SHA2_512_256), 9),
        ),
    ] {
        let bytes = sealed(&right, false, &inner_payloads());
        let mut table = decryptor(&[&wrong.entry]);
        let d = dissect_message(&bytes, Some(&mut table));
        assert_eq!(d.error, None);
        assert!(inner_names(&d).is_empty());
        let value = undecrypted_value(&d);
        assert!(
            value.contains(
                "not decrypted: ICV check failed with the key table entry for SPIs \
                 0x1111111111111111/0x2222222222222222 (line 1), SK_er"
            ),
            "{value}"
        );
        // The same table with the right keys opens it.
        let mut table = decryptor(&[&right.entry]);
        assert!(!inner_names(&dissect_message(&bytes, Some(&mut table))).is_empty());
    }
}

#[test]
fn an_algorithm_ikelab_lacks_is_noted() {
    let text = format!(
        "1111111111111111,2222222222222222,{},{},\"3DES [RFC2451]\",{},{},\"HMAC_SHA1_96 [RFC2404]\"\n",
        "00".repeat(24),
        "00".repeat(24),
        "00".repeat(20),
        "00".repeat(20)
    );
    let entries: Vec<NumberedEntry> = parse_ikev2_decryption_table(&text).unwrap();
    let mut table = KeyTableDecryptor::new(&entries, &RUST_CRYPTO);
    assert_eq!(table.len(), 1);
    let bytes = sealed(
        &sa(EncrId::AES_GCM_16, 128, None, 1),
        true,
        &inner_payloads(),
    );
    let d = dissect_message(&bytes, Some(&mut table));
    let value = undecrypted_value(&d);
    assert!(
        value.contains("(line 1) uses 3DES [RFC2451], which IKElab cannot decrypt"),
        "{value}"
    );
}

#[test]
fn skf_fragments_open_one_by_one() {
    // RFC 7383 §2.5: each fragment is sealed alone, the associated data being the IKE
    // header and the SKF payload header.
    let sa = sa(EncrId::AES_GCM_16, 256, None, 1);
    let protection = SkProtection::initiator_to_responder(&sa.suite, &sa.keys).unwrap();
    let content = b"first half of an inner payload chain";
    let body_len = protection.sealed_len(content.len());
    let header = IkeHeader::new(
        IkeSpi(SPI_I),
        IkeSpi(SPI_R),
        ExchangeType::IKE_AUTH,
        Flags::new(true, false),
        1,
    );
    let mut bytes = Message {
        header,
        payloads: vec![Payload::Skf(SkfPayload {
            first_payload: crate::wire::iana::PayloadType::IDI,
            fragment_number: 1,
            total_fragments: 2,
            body: vec![0; body_len],
        })],
    }
    .emit();
    let aad_end = bytes.len() - body_len;
    let body = protection
        .seal(&bytes[..aad_end], content, &mut seeded(3))
        .unwrap();
    bytes.truncate(aad_end);
    bytes.extend(body);
    let mut table = decryptor(&[&sa.entry]);
    let d = dissect_message(&bytes, Some(&mut table));
    assert_eq!(check_leaf_coverage(&d.fields, 0..bytes.len()), Ok(()));
    let block = ciphertext_leaf(&d)
        .and_then(|f| f.decrypted.clone())
        .unwrap();
    assert_eq!(block.bytes.get(..content.len()), Some(&content[..]));
    assert_eq!(
        block
            .fields
            .iter()
            .map(|f| f.name.as_ref())
            .collect::<Vec<_>>(),
        ["Fragment Content", "Pad Length"]
    );
}
