//! ENCR_NULL for CHILD SAs (RFC 2410, integrity-only ESP): the suite takes no
//! encryption key from KEYMAT but keeps the §2.17 order, it needs an integrity
//! transform, IKE SAs cannot have it, and the `esp_sa` table names it "NULL" with
//! an empty key, reads it back and opens packets sealed with it.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::esp_sa_table::{EspSaLineError, EspSaRecord, parse_esp_sa_table};
use super::esp_table_decryptor::EspTableDecryptor;
use super::profile::{EspSaEntry, EspSaFamily, child_sa_esp_sa_lines, esp_sa_line};
use crate::child::{ChildEsp, EspParams, VolumeLimits, seal_ip_packet};
use crate::config::Mode;
use crate::crypto::keys::{ChildCipher, ChildSuite, IkeSuite, derive_child_keys};
use crate::crypto::prf_plus::prf_plus;
use crate::crypto::test_rng::seeded;
use crate::crypto::{CryptoError, RUST_CRYPTO, Secret};
use crate::wire::esp::{EspDecryptRequest, EspDecryptor};
use crate::wire::iana::{EncrId, IntegId, PrfId};
use crate::wire::ip::{IpProtocol, emit_ip_packet};

const SHA256: Option<IntegId> = Some(IntegId::HMAC_SHA2_256_128);

#[test]
fn null_suite_takes_no_encryption_key_and_keeps_the_keymat_order() {
    let suite = ChildSuite::new(&RUST_CRYPTO, EncrId::NULL, None, SHA256).unwrap();
    assert!(matches!(suite.cipher, ChildCipher::Null));
    assert_eq!(suite.cipher.id(), EncrId::NULL);
    assert_eq!(suite.cipher.key_bits(), None);
    assert_eq!(suite.cipher.key_material_len(), 0);
    assert!(!suite.cipher.is_aead());
    assert!(suite.cipher.cipher().is_none());

    let prf = RUST_CRYPTO.prf(PrfId::HMAC_SHA2_256).unwrap();
    let sk_d = Secret::new(vec![0x5d; 32]);
    let (ni, nr) = ([0x11; 32], [0x22; 32]);
    let keys = derive_child_keys(prf, &sk_d, &suite, None, &ni, &nr, None).unwrap();
    // RFC 7296 §2.17: encr_i (0 octets) | integ_i | encr_r (0 octets) | integ_r,
    // so the two HMAC-SHA2-256 keys are the first 64 octets of prf+(SK_d, Ni | Nr).
    let keymat = prf_plus(prf, sk_d.as_bytes(), &[&ni, &nr], 64).unwrap();
    assert!(keys.encr_i().is_empty() && keys.encr_r().is_empty());
    assert_eq!(keys.integ_i().as_bytes(), &keymat.as_bytes()[..32]);
    assert_eq!(keys.integ_r().as_bytes(), &keymat.as_bytes()[32..]);
}

#[test]
fn null_needs_integrity_and_is_no_ike_cipher() {
    for integ in [None, Some(IntegId::NONE)] {
        let Err(CryptoError::Unsupported { what }) =
            ChildSuite::new(&RUST_CRYPTO, EncrId::NULL, None, integ)
        else {
            panic!("ENCR_NULL without integrity was accepted");
        };
        assert!(
            what.contains("without an integrity transform") && what.contains("RFC 4303"),
            "{what}"
        );
    }
    assert!(ChildSuite::new(&RUST_CRYPTO, EncrId::NULL, Some(128), SHA256).is_err());
    // No provider implements a NULL cipher, so an IKE SA cannot be keyed with one.
    assert!(
        IkeSuite::new(
            &RUST_CRYPTO,
            EncrId::NULL,
            None,
            PrfId::HMAC_SHA2_256,
            SHA256
        )
        .is_err()
    );
}

#[test]
fn esp_sa_line_names_null_with_an_empty_key_and_parses_back() {
    let integ_key: Vec<u8> = (0x40..0x60).collect();
    let entry = EspSaEntry {
        family: EspSaFamily::IPv4,
        source: "192.0.2.2",
        destination: "*",
        spi: 0xc0ff_ee02,
        encr: EncrId::NULL,
        key_bits: None,
        integ: SHA256,
        encr_key: &[],
        integ_key: &integ_key,
    };
    let line = esp_sa_line(&entry).unwrap();
    // Wireshark's esp_sa UAT: encryption "NULL" (packet-esp.c
    // `esp_encryption_type_vals`), no encryption key.
    assert_eq!(
        line,
        "\"IPv4\",\"192.0.2.2\",\"*\",\"0xc0ffee02\",\"NULL\",\"\",\
         \"HMAC-SHA-256-128 [RFC4868]\",\"0x404142434445464748494a4b4c4d4e4f\
         505152535455565758595a5b5c5d5e5f\""
    );
    let record = EspSaRecord::parse_line(&line).unwrap();
    assert_eq!(record.encr, EncrId::NULL);
    assert_eq!(record.key_bits, None);
    assert_eq!(record.integ, SHA256);
    assert!(record.encr_key.is_empty());
    assert_eq!(record.integ_key.as_bytes(), &integ_key[..]);
    assert_eq!(record.line().unwrap(), line);

    // ENCR_NULL has no key: a key in its field fits no variant.
    let keyed = line.replace(",\"\",\"HMAC", ",\"0x0011\",\"HMAC");
    assert_eq!(
        EspSaRecord::parse_line(&keyed),
        Err(EspSaLineError::KeyLength {
            field: "encryption key",
            octets: 2
        })
    );
}

#[test]
fn child_sa_lines_of_a_null_suite() {
    let suite = ChildSuite::new(&RUST_CRYPTO, EncrId::NULL, None, SHA256).unwrap();
    let prf = RUST_CRYPTO.prf(PrfId::HMAC_SHA2_256).unwrap();
    let keys = derive_child_keys(
        prf,
        &Secret::new(vec![4; 32]),
        &suite,
        None,
        &[5; 32],
        &[6; 32],
        None,
    )
    .unwrap();
    let [to_responder, to_initiator] = child_sa_esp_sa_lines(
        EspSaFamily::IPv4,
        "192.0.2.2",
        "192.0.2.1",
        0xc1c2_c3c4,
        0x0000_abcd,
        EncrId::NULL,
        None,
        SHA256,
        &keys,
    )
    .unwrap();
    assert_eq!(
        to_responder,
        format!(
            "\"IPv4\",\"192.0.2.2\",\"192.0.2.1\",\"0x0000abcd\",\"NULL\",\"\",\
             \"HMAC-SHA-256-128 [RFC4868]\",\"0x{}\"",
            keys.integ_i().to_hex()
        )
    );
    assert!(to_initiator.ends_with(&format!("\"0x{}\"", keys.integ_r().to_hex())));
}

#[test]
fn decryptor_opens_null_esp_and_checks_its_icv() {
    let integ_key: Vec<u8> = (0..32).collect();
    let line = esp_sa_line(&EspSaEntry {
        family: EspSaFamily::IPv4,
        source: "*",
        destination: "*",
        spi: 0xc0ff_ee03,
        encr: EncrId::NULL,
        key_bits: None,
        integ: SHA256,
        encr_key: &[],
        integ_key: &integ_key,
    })
    .unwrap();
    let records = parse_esp_sa_table(&format!("{line}\n")).unwrap();
    let mut decryptor = EspTableDecryptor::new(&records, &RUST_CRYPTO);

    let mut esp = ChildEsp::new(
        &RUST_CRYPTO,
        &EspParams {
            spi_in: 1,
            spi_out: 0xc0ff_ee03,
            encr: EncrId::NULL,
            encr_key_bits: None,
            integ: SHA256,
            esn: false,
            outbound_keys: (&[], &integ_key),
            inbound_keys: (&[], &integ_key),
            replay_window: 32,
            limits: VolumeLimits::default(),
        },
    )
    .unwrap();
    let mut inner = Vec::new();
    emit_ip_packet(
        "10.3.0.1".parse().unwrap(),
        "10.1.0.5".parse().unwrap(),
        IpProtocol(1),
        0,
        b"\x08\x00\x00\x00\x00\x01\x00\x01plain for all to see",
        &mut inner,
    )
    .unwrap();
    let mut out = vec![0u8; 200];
    let sealed = seal_ip_packet(&mut esp, Mode::Tunnel, &mut seeded(3), &inner, &mut out).unwrap();
    let packet = &out[..sealed.len];
    // No IV: the inner packet follows the 8-octet ESP header unchanged (RFC 2410 §2).
    assert_eq!(&packet[8..8 + inner.len()], &inner[..]);
    let request = |packet| EspDecryptRequest {
        spi: 0xc0ff_ee03,
        sequence_number: 1,
        src: None,
        dst: None,
        packet,
    };
    let opened = decryptor.decrypt_esp(&request(packet)).expect("opened");
    assert_eq!((opened.iv_len, opened.icv_len), (0, 16));
    assert_eq!(&opened.plaintext[..inner.len()], &inner[..]);
    assert_eq!(opened.plaintext.last(), Some(&4), "Next Header IPv4");
    assert!(opened.note.contains("ENCR_NULL"), "{}", opened.note);
    // The ICV still guards the cleartext: one changed octet and nothing opens.
    let mut tampered = packet.to_vec();
    tampered[30] ^= 0x20;
    assert!(decryptor.decrypt_esp(&request(&tampered)).is_none());
}
