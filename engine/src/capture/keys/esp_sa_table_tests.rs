//! The `esp_sa` table: what the writer writes the parser reads back, malformed
//! lines are refused with the reason, and the decryptor opens ESP sealed by the
//! data plane with the keys the table names.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::esp_sa_table::{EspSaLineError, EspSaRecord, parse_esp_sa_table};
use super::esp_table_decryptor::EspTableDecryptor;
use super::profile::{EspSaEntry, EspSaFamily, esp_sa_line};
use crate::child::{ChildEsp, EspParams, VolumeLimits, seal_ip_packet};
use crate::config::Mode;
use crate::crypto::RUST_CRYPTO;
use crate::crypto::test_rng::seeded;
use crate::wire::esp::{EspDecryptRequest, EspDecryptor};
use crate::wire::iana::{EncrId, IntegId};
use crate::wire::ip::{IpProtocol, emit_ip_packet};

fn entry<'a>(
    encr: EncrId,
    key_bits: Option<u16>,
    integ: Option<IntegId>,
    encr_key: &'a [u8],
    integ_key: &'a [u8],
) -> EspSaEntry<'a> {
    EspSaEntry {
        family: EspSaFamily::IPv4,
        source: "192.0.2.2",
        destination: "*",
        spi: 0xc0ff_ee01,
        encr,
        key_bits,
        integ,
        encr_key,
        integ_key,
    }
}

#[test]
fn written_lines_parse_back() {
    let gcm_key: Vec<u8> = (0..36).collect();
    let cbc_key: Vec<u8> = (0..16).collect();
    let hmac_key: Vec<u8> = (100..132).collect();
    for e in [
        entry(EncrId::AES_GCM_16, Some(256), None, &gcm_key, &[]),
        entry(EncrId::AES_GCM_16, Some(128), None, &gcm_key[..20], &[]),
        entry(
            EncrId::AES_CBC,
            Some(128),
            Some(IntegId::HMAC_SHA2_256_128),
            &cbc_key,
            &hmac_key,
        ),
    ] {
        let line = esp_sa_line(&e).unwrap();
        let record = EspSaRecord::parse_line(&line).unwrap_or_else(|err| panic!("{line}: {err}"));
        assert_eq!(record.spi, e.spi);
        assert_eq!(record.encr, e.encr);
        assert_eq!(record.key_bits, e.key_bits);
        assert_eq!(record.integ, e.integ);
        assert_eq!(record.encr_key.as_bytes(), e.encr_key);
        assert_eq!(record.integ_key.as_bytes(), e.integ_key);
        assert_eq!(record.source, "192.0.2.2");
        assert_eq!(record.destination, "*");
        // And the record writes the same line.
        assert_eq!(record.line().unwrap(), line);
    }
}

#[test]
fn malformed_lines_are_refused() {
    type Expect = fn(&EspSaLineError) -> bool;
    let cases: [(&str, Expect); 7] = [
        (r#""IPv4","*","*","0x00000001""#, |e| {
            matches!(e, EspSaLineError::FieldCount { found: 4 })
        }),
        (
            r#""IPv5","*","*","0x00000001","AES-CBC [RFC3602]","0x00112233445566778899aabbccddeeff","NULL","""#,
            |e| matches!(e, EspSaLineError::Family { .. }),
        ),
        (
            r#""IPv4","*","*","0x1","AES-CBC [RFC3602]","0x00112233445566778899aabbccddeeff","NULL","""#,
            |e| matches!(e, EspSaLineError::Spi { .. }),
        ),
        (
            r#""IPv4","*","*","0x00000001","ROT13","0x00","NULL","""#,
            |e| matches!(e, EspSaLineError::UnknownEncryption { .. }),
        ),
        (
            r#""IPv4","*","*","0x00000001","AES-CBC [RFC3602]","0x0011","NULL","""#,
            |e| matches!(e, EspSaLineError::KeyLength { octets: 2, .. }),
        ),
        (
            r#""IPv4","*","*","0x00000001","AES-CBC [RFC3602]","zz","NULL","""#,
            |e| matches!(e, EspSaLineError::NotHex { .. }),
        ),
        (
            r#""IPv4","*","*","0x00000001","AES-CBC [RFC3602]","0x00112233445566778899aabbccddeeff","MD5","""#,
            |e| matches!(e, EspSaLineError::UnknownAuthentication { .. }),
        ),
    ];
    for (line, expected) in cases {
        let err = EspSaRecord::parse_line(line).expect_err(line);
        assert!(expected(&err), "{line}: {err:?}");
    }
    let table = "# comment\n\n\"IPv4\",\"*\"\n";
    let err = parse_esp_sa_table(table).unwrap_err();
    assert_eq!(err.line, 3);
}

#[test]
fn decryptor_opens_what_the_data_plane_sealed() {
    let encr_key: Vec<u8> = (0..36).collect();
    let line = esp_sa_line(&entry(EncrId::AES_GCM_16, Some(256), None, &encr_key, &[])).unwrap();
    let records = parse_esp_sa_table(&format!("{line}\n")).unwrap();
    let mut decryptor = EspTableDecryptor::new(&records, &RUST_CRYPTO);
    assert_eq!(decryptor.len(), 1);

    let mut esp = ChildEsp::new(
        &RUST_CRYPTO,
        &EspParams {
            spi_in: 1,
            spi_out: 0xc0ff_ee01,
            encr: EncrId::AES_GCM_16,
            encr_key_bits: Some(256),
            integ: None,
            esn: false,
            outbound_keys: (&encr_key, &[]),
            inbound_keys: (&encr_key, &[]),
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
        &[8, 0, 0, 0, 0, 1, 0, 1, 0xaa, 0xbb],
        &mut inner,
    )
    .unwrap();
    let mut out = vec![0u8; 200];
    let sealed = seal_ip_packet(&mut esp, Mode::Tunnel, &mut seeded(1), &inner, &mut out).unwrap();
    let packet = &out[..sealed.len];
    let request = |packet| EspDecryptRequest {
        spi: 0xc0ff_ee01,
        sequence_number: 1,
        src: Some("192.0.2.2".parse().unwrap()),
        dst: Some("192.0.2.1".parse().unwrap()),
        packet,
    };
    let decrypted = decryptor.decrypt_esp(&request(packet)).expect("decrypted");
    assert_eq!(decrypted.iv_len, 8);
    assert_eq!(decrypted.icv_len, 16);
    assert_eq!(&decrypted.plaintext[..inner.len()], &inner[..]);
    assert_eq!(decrypted.plaintext.last(), Some(&4), "Next Header IPv4");
    // A wrong source address does not match the record; a changed octet fails.
    let mut other = request(packet);
    other.src = Some("192.0.2.99".parse().unwrap());
    assert!(decryptor.decrypt_esp(&other).is_none());
    let mut tampered = packet.to_vec();
    tampered[20] ^= 1;
    assert!(decryptor.decrypt_esp(&request(&tampered)).is_none());
}
