//! `ikev2_decryption_table`: every name we render parses back, render → parse is the
//! identity, and each malformed line gives its own error with the line number.

use super::ikev2_table::*;
use super::profile::{ikev2_decryption_table_line, ikev2_encr_name, ikev2_integ_name};
use crate::crypto::RUST_CRYPTO;
use crate::crypto::Secret;
use crate::crypto::keys::{IkeSuite, derive_ike_keys};
use crate::wire::IkeSpi;
use crate::wire::iana::{EncrId, IntegId, PrfId};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const SPI_I: [u8; 8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
const SPI_R: [u8; 8] = [0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10];

/// Every IKE suite RUST_CRYPTO has that tshark's table names: each AEAD alone, each
/// CBC cipher with each integrity transform.
fn renderable_suites() -> Vec<(EncrId, Option<u16>, Option<IntegId>)> {
    let mut suites = Vec::new();
    for cipher in RUST_CRYPTO.ciphers {
        if ikev2_encr_name(cipher.id(), cipher.key_bits()).is_err() {
            continue;
        }
        if cipher.is_aead() {
            suites.push((cipher.id(), cipher.key_bits(), None));
        } else {
            for integ in RUST_CRYPTO.integs {
                if ikev2_integ_name(Some(integ.id())).is_ok() {
                    suites.push((cipher.id(), cipher.key_bits(), Some(integ.id())));
                }
            }
        }
    }
    suites
}

#[test]
fn every_rendered_suite_round_trips() {
    let suites = renderable_suites();
    // AES-CBC 128/192/256 × 4 integrity transforms, AES-GCM 8/12/16 × 128/192/256.
    assert_eq!(suites.len(), 3 * 4 + 9, "{suites:?}");
    for (encr, bits, integ) in suites {
        let suite = IkeSuite::new(&RUST_CRYPTO, encr, bits, PrfId::HMAC_SHA2_256, integ).unwrap();
        let keys =
            derive_ike_keys(&suite, &[7; 32], &[8; 32], &[9; 32], &SPI_I, &SPI_R, None).unwrap();
        let line = ikev2_decryption_table_line(&SPI_I, &SPI_R, encr, bits, integ, &keys).unwrap();
        let entry = Ikev2TableEntry::parse_line(&line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(entry.spi_i, IkeSpi(SPI_I));
        assert_eq!(entry.spi_r, IkeSpi(SPI_R));
        assert_eq!(
            (entry.encryption.id, entry.encryption.key_bits),
            (encr, bits)
        );
        assert_eq!(
            entry.integrity.id,
            Some(integ.unwrap_or(IntegId::NONE)),
            "{line}"
        );
        assert_eq!(&entry.sk_ei, keys.sk_ei());
        assert_eq!(&entry.sk_er, keys.sk_er());
        assert_eq!(&entry.sk_ai, keys.sk_ai());
        assert_eq!(&entry.sk_ar, keys.sk_ar());
        // parse → emit gives the same line back.
        assert_eq!(entry.line(), line);
        assert_eq!(
            Ikev2TableEntry::from_keys(&SPI_I, &SPI_R, encr, bits, integ, &keys),
            Ok(entry)
        );
    }
}

#[test]
fn every_tshark_name_parses_to_its_row() {
    for encryption in TSHARK_IKEV2_ENCRYPTION {
        let integrity = if encryption.aead {
            TsharkInteg::find(None).unwrap()
        } else {
            TsharkInteg::find(Some(IntegId::HMAC_SHA1_96)).unwrap()
        };
        let sk_e = encryption.sk_e_len.unwrap_or(5);
        let sk_a = integrity.sk_a_len.unwrap_or(0);
        let entry = Ikev2TableEntry {
            spi_i: IkeSpi(SPI_I),
            spi_r: IkeSpi(SPI_R),
            sk_ei: Secret::new(vec![0xa1; sk_e]),
            sk_er: Secret::new(vec![0xa2; sk_e]),
            encryption,
            sk_ai: Secret::new(vec![0xb1; sk_a]),
            sk_ar: Secret::new(vec![0xb2; sk_a]),
            integrity,
        };
        let line = entry.line();
        assert_eq!(Ikev2TableEntry::parse_line(&line), Ok(entry), "{line}");
        assert_eq!(
            TsharkEncr::find(encryption.id, encryption.key_bits),
            Some(encryption)
        );
    }
    for integrity in TSHARK_IKEV2_INTEGRITY {
        assert_eq!(TsharkInteg::by_name(integrity.name), Some(integrity));
    }
    // Names are unique, so each parses to one row.
    for (i, a) in TSHARK_IKEV2_ENCRYPTION.iter().enumerate() {
        for b in &TSHARK_IKEV2_ENCRYPTION[i + 1..] {
            assert_ne!(a.name, b.name);
        }
    }
}

#[test]
fn key_lengths_in_the_table_are_the_providers() {
    for row in TSHARK_IKEV2_ENCRYPTION {
        let cipher = RUST_CRYPTO.cipher(row.id, row.key_bits);
        assert_eq!(
            row.sk_e_len,
            cipher.map(|c| c.key_material_len()),
            "{}",
            row.name
        );
        if let Some(cipher) = cipher {
            assert_eq!(cipher.is_aead(), row.aead, "{}", row.name);
        }
    }
    for row in TSHARK_IKEV2_INTEGRITY {
        let checked = match row.id {
            Some(IntegId::NONE) => Some(0),
            Some(id) => RUST_CRYPTO.integ(id).map(|i| i.key_len()),
            None => None,
        };
        assert_eq!(row.sk_a_len, checked, "{}", row.name);
    }
}

/// A well-formed AES-GCM-256 line (36-octet SK_e: 32-octet key and 4-octet salt).
fn gcm_line() -> String {
    format!(
        "0123456789abcdef,fedcba9876543210,{},{},\"AES-GCM-256 with 16 octet ICV [RFC5282]\",,,\"NONE [RFC4306]\"",
        "11".repeat(36),
        "22".repeat(36)
    )
}

/// A well-formed AES-CBC-128 + HMAC-SHA2-256-128 line.
fn cbc_line() -> String {
    format!(
        "0123456789abcdef,0000000000000001,{},{},\"AES-CBC-128 [RFC3602]\",{},{},\"HMAC_SHA2_256_128 [RFC4868]\"",
        "11".repeat(16),
        "22".repeat(16),
        "33".repeat(32),
        "44".repeat(32)
    )
}

#[test]
fn a_file_with_comments_blank_lines_crlf_and_spaces() {
    let text = format!(
        "# This file is automatically generated, DO NOT MODIFY.\r\n\r\n{}\r\n  {}  \n",
        gcm_line().replace(",\"AES", " , \"AES"),
        cbc_line()
    );
    let entries = parse_ikev2_decryption_table(&text).unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].line, 3);
    assert_eq!(entries[1].line, 4);
    assert_eq!(entries[0].entry.sk_ei.len(), 36);
    assert_eq!(
        entries[1].entry.integrity.id,
        Some(IntegId::HMAC_SHA2_256_128)
    );
    assert_eq!(entries[1].entry.line(), cbc_line());
    assert_eq!(parse_ikev2_decryption_table(""), Ok(Vec::new()));
}

#[test]
fn escapes_in_quoted_names() {
    // Wireshark writes non-printable octets of a quoted field as \xNN.
    let line = gcm_line().replace("AES-GCM-256", "AES\\x2dGCM-256");
    let entry = Ikev2TableEntry::parse_line(&line).unwrap();
    assert_eq!(
        entry.encryption.name,
        "AES-GCM-256 with 16 octet ICV [RFC5282]"
    );
}

/// The error of `line` as the only line of a file after a comment (so line 2).
fn error_of(line: &str) -> LineError {
    let text = format!("# keys\n{line}\n");
    match parse_ikev2_decryption_table(&text) {
        Ok(entries) => panic!("parsed {entries:?}"),
        Err(TableError {
            line: number,
            error,
        }) => {
            assert_eq!(number, 2, "{error}");
            error
        }
    }
}

#[test]
fn each_malformed_line_has_its_error() {
    let good = gcm_line();
    let fields: Vec<&str> = good.split(',').collect();
    let with = |index: usize, value: &str| {
        let mut f = fields.clone();
        f[index] = value;
        f.join(",")
    };
    assert_eq!(
        error_of(&fields[..7].join(",")),
        LineError::FieldCount { found: 7 }
    );
    assert_eq!(
        error_of(&format!("{good},")),
        LineError::FieldCount { found: 9 }
    );
    assert_eq!(
        error_of(&with(7, "\"NONE [RFC4306]")),
        LineError::UnterminatedQuote { field: 8 }
    );
    assert_eq!(
        error_of(&with(4, "\"AES-GCM-256 with 16 octet ICV [RFC5282]\"x")),
        LineError::AfterQuote {
            field: 5,
            found: 'x'
        }
    );
    assert_eq!(
        error_of(&with(4, "\"AES\\q\"")),
        LineError::BadEscape { field: 5 }
    );
    assert_eq!(
        error_of(&with(4, "\"AES\\x2\"")),
        LineError::BadEscape { field: 5 }
    );
    assert_eq!(
        error_of(&with(0, "\"0123456789abcdef\"")),
        LineError::QuotedHex { field: "SPIi" }
    );
    assert_eq!(
        error_of(&with(4, "AES-GCM-256")),
        LineError::UnquotedName {
            field: "encryption algorithm",
            found: "AES-GCM-256".to_owned()
        }
    );
    assert_eq!(
        error_of(&with(2, "xyz0")),
        LineError::NotHex {
            field: "SK_ei",
            digits: 4
        }
    );
    assert_eq!(
        error_of(&with(3, "abc")),
        LineError::NotHex {
            field: "SK_er",
            digits: 3
        }
    );
    assert_eq!(
        error_of(&with(1, "fedcba98")),
        LineError::SpiLength {
            field: "SPIr",
            octets: 4
        }
    );
    assert_eq!(
        error_of(&with(4, "\"AES-GCM-256\"")),
        LineError::UnknownEncryption {
            name: "AES-GCM-256".to_owned()
        }
    );
    assert_eq!(
        error_of(&with(7, "\"none\"")),
        LineError::UnknownIntegrity {
            name: "none".to_owned()
        }
    );
    assert_eq!(
        error_of(&with(2, &"11".repeat(32))),
        LineError::KeyLength {
            field: "SK_ei",
            octets: 32,
            expected: 36,
            algorithm: "AES-GCM-256 with 16 octet ICV [RFC5282]"
        }
    );
    assert_eq!(
        error_of(&with(7, "\"HMAC_SHA2_256_128 [RFC4868]\"")),
        LineError::AeadWithIntegrity {
            encryption: "AES-GCM-256 with 16 octet ICV [RFC5282]",
            integrity: "HMAC_SHA2_256_128 [RFC4868]"
        }
    );
    let cbc = cbc_line();
    let cbc_fields: Vec<&str> = cbc.split(',').collect();
    let mut short_integ = cbc_fields.clone();
    let sk_ar = "44".repeat(20);
    short_integ[6] = &sk_ar;
    assert_eq!(
        error_of(&short_integ.join(",")),
        LineError::KeyLength {
            field: "SK_ar",
            octets: 20,
            expected: 32,
            algorithm: "HMAC_SHA2_256_128 [RFC4868]"
        }
    );
    let mut no_integ = cbc_fields.clone();
    no_integ[5] = "";
    no_integ[6] = "";
    no_integ[7] = "\"NONE [RFC4306]\"";
    assert_eq!(
        error_of(&no_integ.join(",")),
        LineError::MissingIntegrity {
            encryption: "AES-CBC-128 [RFC3602]"
        }
    );
}

#[test]
fn a_duplicate_spi_pair_names_both_lines() {
    let text = format!("{}\n{}\n\n{}\n", gcm_line(), cbc_line(), gcm_line());
    let err = parse_ikev2_decryption_table(&text).unwrap_err();
    assert_eq!(err.line, 4);
    assert_eq!(
        err.error,
        LineError::DuplicateSpis {
            spi_i: IkeSpi(SPI_I),
            spi_r: IkeSpi(SPI_R),
            first_line: 1
        }
    );
    assert_eq!(
        err.to_string(),
        "line 4: SPIs 0x0123456789abcdef/0xfedcba9876543210 already have an entry on line 1"
    );
}

#[test]
fn errors_read_well_and_never_echo_keys() {
    let secret = "5ec2e7".repeat(6);
    let line = gcm_line().replace(&"11".repeat(36), &format!("{secret}zz"));
    let message = error_of(&line).to_string();
    assert_eq!(
        message,
        "SK_ei is not hex: 38 characters, expected an even number of digits 0-9, a-f"
    );
    assert!(!message.contains(&secret));
    let unknown = error_of(&gcm_line().replace("AES-GCM-256 with", "AES-GCM-257 with")).to_string();
    assert!(unknown.starts_with("unknown encryption algorithm \"AES-GCM-257 with 16 octet ICV [RFC5282]\"; tshark's names are \"3DES [RFC2451]\", \"AES-CBC-128 [RFC3602]\""), "{unknown}");
}
