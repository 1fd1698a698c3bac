//! Key export in Wireshark's formats: the lines of a profile folder's
//! `ikev2_decryption_table` and `esp_sa` files, and its `preferences` file.
//!
//! The algorithm names are the exact strings of tshark 4.0.17 (Debian 12), read from
//! Wireshark's `epan/dissectors/packet-isakmp.c` (`vs_ikev2_encr_algs`,
//! `vs_ikev2_auth_algs`) and `packet-esp.c` (`esp_encryption_type_vals`,
//! `esp_authentication_type_vals`) and checked against the strings in
//! `libwireshark.so.16`. tshark 4.0.17 has no entry for Camellia or ChaCha20-Poly1305
//! in either table, nor Blowfish in the IKEv2 table: those return
//! [`KeyTableError::NotInWireshark`]. The IKEv2 table's names, its line format and its
//! parser live in [`ikev2_table`](super::ikev2_table).
//!
//! This module only renders text; writing the folder is the caller's job (the
//! engine does no I/O). The output contains keys: it is meant for a lab.

use core::fmt;

use serde::{Deserialize, Serialize};

use super::ikev2_table::{IKEV2_DECRYPTION_TABLE, Ikev2TableEntry, TsharkEncr, TsharkInteg};
use crate::crypto::keys::{ChildKeys, IkeKeys};
use crate::crypto::to_hex;
use crate::wire::iana::{EncrId, IntegId};

/// Why a key cannot be written in Wireshark's tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyTableError {
    /// tshark 4.0.17 has no decryption entry for this algorithm.
    NotInWireshark {
        table: &'static str,
        algorithm: String,
    },
}

impl fmt::Display for KeyTableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotInWireshark { table, algorithm } => write!(
                f,
                "tshark 4.0.17 cannot decrypt {algorithm}: its {table} table has no entry for it"
            ),
        }
    }
}

impl core::error::Error for KeyTableError {}

fn algorithm_name(encr: EncrId, key_bits: Option<u16>) -> String {
    match key_bits {
        Some(bits) => format!("{encr} with {bits}-bit keys"),
        None => format!("{encr}"),
    }
}

/// tshark's IKEv2 encryption name (`vs_ikev2_encr_algs`, the table in
/// [`ikev2_table`](super::ikev2_table)).
pub fn ikev2_encr_name(encr: EncrId, key_bits: Option<u16>) -> Result<&'static str, KeyTableError> {
    TsharkEncr::find(encr, key_bits)
        .map(|e| e.name)
        .ok_or_else(|| KeyTableError::NotInWireshark {
            table: IKEV2_DECRYPTION_TABLE,
            algorithm: algorithm_name(encr, key_bits),
        })
}

/// tshark's IKEv2 integrity name (`vs_ikev2_auth_algs`); `None` (AEAD) is "NONE".
pub fn ikev2_integ_name(integ: Option<IntegId>) -> Result<&'static str, KeyTableError> {
    TsharkInteg::find(integ)
        .map(|i| i.name)
        .ok_or_else(|| KeyTableError::NotInWireshark {
            table: IKEV2_DECRYPTION_TABLE,
            algorithm: format!("{}", integ.unwrap_or(IntegId::NONE)),
        })
}

/// tshark's ESP encryption name (`esp_encryption_type_vals`); the key length is
/// implied by the key.
pub fn esp_encr_name(encr: EncrId, key_bits: Option<u16>) -> Result<&'static str, KeyTableError> {
    let name = match encr {
        // RFC 2410: integrity-only ESP; the key field stays empty.
        EncrId::NULL => "NULL",
        EncrId::AES_CBC => "AES-CBC [RFC3602]",
        EncrId::AES_GCM_8 => "AES-GCM with 8 octet ICV [RFC4106]",
        EncrId::AES_GCM_12 => "AES-GCM with 12 octet ICV [RFC4106]",
        EncrId::AES_GCM_16 => "AES-GCM with 16 octet ICV [RFC4106]",
        EncrId::BLOWFISH => "BLOWFISH-CBC [RFC2451]",
        _ => {
            return Err(KeyTableError::NotInWireshark {
                table: "esp_sa",
                algorithm: algorithm_name(encr, key_bits),
            });
        }
    };
    Ok(name)
}

/// tshark's ESP authentication name (`esp_authentication_type_vals`); `None`
/// (AEAD) is "NULL".
pub fn esp_integ_name(integ: Option<IntegId>) -> Result<&'static str, KeyTableError> {
    let name = match integ {
        None | Some(IntegId::NONE) => "NULL",
        Some(IntegId::HMAC_SHA1_96) => "HMAC-SHA-1-96 [RFC2404]",
        Some(IntegId::HMAC_SHA2_256_128) => "HMAC-SHA-256-128 [RFC4868]",
        Some(IntegId::HMAC_SHA2_384_192) => "HMAC-SHA-384-192 [RFC4868]",
        Some(IntegId::HMAC_SHA2_512_256) => "HMAC-SHA-512-256 [RFC4868]",
        Some(other) => {
            return Err(KeyTableError::NotInWireshark {
                table: "esp_sa",
                algorithm: format!("{other}"),
            });
        }
    };
    Ok(name)
}

/// One line of `ikev2_decryption_table` (no newline):
/// `SPIi,SPIr,SK_ei,SK_er,"<encr>",SK_ai,SK_ar,"<integ>"`, hex unquoted; with an
/// AEAD the SK_e values include the salt and the SK_a fields are empty. The emitter
/// is [`Ikev2TableEntry::line`]; [`Ikev2TableEntry::parse_line`] reads it back.
pub fn ikev2_decryption_table_line(
    spi_i: &[u8; 8],
    spi_r: &[u8; 8],
    encr: EncrId,
    key_bits: Option<u16>,
    integ: Option<IntegId>,
    keys: &IkeKeys,
) -> Result<String, KeyTableError> {
    Ikev2TableEntry::from_keys(spi_i, spi_r, encr, key_bits, integ, keys).map(|e| e.line())
}

/// The address family column of `esp_sa`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EspSaFamily {
    IPv4,
    IPv6,
}

impl EspSaFamily {
    fn as_str(self) -> &'static str {
        match self {
            Self::IPv4 => "IPv4",
            Self::IPv6 => "IPv6",
        }
    }
}

/// One ESP SA as `esp_sa` describes it. Addresses are text ("*" matches any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EspSaEntry<'a> {
    pub family: EspSaFamily,
    pub source: &'a str,
    pub destination: &'a str,
    pub spi: u32,
    pub encr: EncrId,
    pub key_bits: Option<u16>,
    pub integ: Option<IntegId>,
    /// ENCR key as used by ESP (for an AEAD: key | salt).
    pub encr_key: &'a [u8],
    /// INTEG key (empty with an AEAD).
    pub integ_key: &'a [u8],
}

/// One line of `esp_sa` (no newline), every field quoted:
/// `"IPv4","*","*","0x<spi>","<encr>","0x<key>","<auth>","0x<authkey>"`, with an
/// empty key (`""`) where there is none: the authentication key when the
/// authentication is NULL (an AEAD), the encryption key when the encryption is
/// NULL (RFC 2410).
pub fn esp_sa_line(entry: &EspSaEntry<'_>) -> Result<String, KeyTableError> {
    let encr_name = esp_encr_name(entry.encr, entry.key_bits)?;
    let integ_name = esp_integ_name(entry.integ)?;
    let hex_or_empty = |key: &[u8]| {
        if key.is_empty() {
            String::new()
        } else {
            format!("0x{}", to_hex(key))
        }
    };
    Ok(format!(
        "\"{}\",\"{}\",\"{}\",\"0x{:08x}\",\"{encr_name}\",\"{}\",\"{integ_name}\",\"{}\"",
        entry.family.as_str(),
        entry.source,
        entry.destination,
        entry.spi,
        hex_or_empty(entry.encr_key),
        hex_or_empty(entry.integ_key),
    ))
}

/// The two `esp_sa` lines of a CHILD_SA: initiator-to-responder traffic (which
/// carries the responder's inbound SPI) and responder-to-initiator traffic (the
/// initiator's inbound SPI) (RFC 7296 §2.17, §3.3.1).
#[allow(clippy::too_many_arguments)]
pub fn child_sa_esp_sa_lines(
    family: EspSaFamily,
    initiator: &str,
    responder: &str,
    spi_initiator_inbound: u32,
    spi_responder_inbound: u32,
    encr: EncrId,
    key_bits: Option<u16>,
    integ: Option<IntegId>,
    keys: &ChildKeys,
) -> Result<[String; 2], KeyTableError> {
    let to_responder = esp_sa_line(&EspSaEntry {
        family,
        source: initiator,
        destination: responder,
        spi: spi_responder_inbound,
        encr,
        key_bits,
        integ,
        encr_key: keys.encr_i().as_bytes(),
        integ_key: keys.integ_i().as_bytes(),
    })?;
    let to_initiator = esp_sa_line(&EspSaEntry {
        family,
        source: responder,
        destination: initiator,
        spi: spi_initiator_inbound,
        encr,
        key_bits,
        integ,
        encr_key: keys.encr_r().as_bytes(),
        integ_key: keys.integ_r().as_bytes(),
    })?;
    Ok([to_responder, to_initiator])
}

/// The two `esp_sa` lines of an installed CHILD SA, with its outer addresses (what
/// a capture on either peer shows; behind a NAT the other side sees other ones).
pub fn esp_sa_lines_of(child: &crate::ike::ChildSa) -> Result<[String; 2], KeyTableError> {
    let (initiator, responder) = if child.initiator {
        (child.local.ip(), child.remote.ip())
    } else {
        (child.remote.ip(), child.local.ip())
    };
    let family = if initiator.is_ipv4() {
        EspSaFamily::IPv4
    } else {
        EspSaFamily::IPv6
    };
    let (spi_initiator_inbound, spi_responder_inbound) = if child.initiator {
        (child.spi_in, child.spi_out)
    } else {
        (child.spi_out, child.spi_in)
    };
    child_sa_esp_sa_lines(
        family,
        &initiator.to_string(),
        &responder.to_string(),
        spi_initiator_inbound,
        spi_responder_inbound,
        child.encr,
        child.encr_key_bits,
        child.integ,
        child.keys(),
    )
}

/// The `preferences` file of the profile: turns on ESP decryption and ICV checks
/// (IKEv2 decryption needs no preference, only its table).
pub fn preferences() -> &'static str {
    "# Written by IKElab: a Wireshark profile for decrypting IKEv2 and ESP.\n\
     esp.enable_encryption_decode: TRUE\n\
     esp.enable_authentication_check: TRUE\n"
}

/// The files of a Wireshark profile folder as (file name, contents), for a caller
/// that writes them into `DIR` so that `WIRESHARK_CONFIG_DIR=DIR tshark` decrypts.
pub fn profile_files(
    ikev2_lines: &[String],
    esp_sa_lines: &[String],
) -> [(&'static str, String); 3] {
    let table = |lines: &[String]| lines.iter().map(|line| format!("{line}\n")).collect();
    [
        ("ikev2_decryption_table", table(ikev2_lines)),
        ("esp_sa", table(esp_sa_lines)),
        ("preferences", preferences().to_owned()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::RUST_CRYPTO;
    use crate::crypto::keys::{ChildSuite, IkeSuite, derive_child_keys, derive_ike_keys};
    use crate::wire::iana::PrfId;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const SPI_I: [u8; 8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
    const SPI_R: [u8; 8] = [0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10];

    fn keys(encr: EncrId, bits: Option<u16>, integ: Option<IntegId>) -> IkeKeys {
        let suite = IkeSuite::new(&RUST_CRYPTO, encr, bits, PrfId::HMAC_SHA2_256, integ).unwrap();
        derive_ike_keys(&suite, &[1; 32], &[2; 32], &[3; 32], &SPI_I, &SPI_R, None).unwrap()
    }

    #[test]
    fn ikev2_line_aead() {
        let k = keys(EncrId::AES_GCM_16, Some(256), None);
        let line =
            ikev2_decryption_table_line(&SPI_I, &SPI_R, EncrId::AES_GCM_16, Some(256), None, &k)
                .unwrap();
        assert_eq!(
            line,
            format!(
                "0123456789abcdef,fedcba9876543210,{},{},\
                 \"AES-GCM-256 with 16 octet ICV [RFC5282]\",,,\"NONE [RFC4306]\"",
                k.sk_ei().to_hex(),
                k.sk_er().to_hex()
            )
        );
        // 32-octet key + 4-octet salt.
        assert_eq!(k.sk_ei().len(), 36);
    }

    #[test]
    fn ikev2_line_cbc_hmac() {
        let integ = Some(IntegId::HMAC_SHA2_256_128);
        let k = keys(EncrId::AES_CBC, Some(128), integ);
        let line =
            ikev2_decryption_table_line(&SPI_I, &SPI_R, EncrId::AES_CBC, Some(128), integ, &k)
                .unwrap();
        assert_eq!(
            line,
            format!(
                "0123456789abcdef,fedcba9876543210,{},{},\"AES-CBC-128 [RFC3602]\",{},{},\
                 \"HMAC_SHA2_256_128 [RFC4868]\"",
                k.sk_ei().to_hex(),
                k.sk_er().to_hex(),
                k.sk_ai().to_hex(),
                k.sk_ar().to_hex()
            )
        );
    }

    #[test]
    fn algorithms_tshark_lacks_are_reported() {
        for (encr, bits) in [
            (EncrId::CHACHA20_POLY1305, None),
            (EncrId::CAMELLIA_CBC, Some(128)),
            (EncrId::BLOWFISH, Some(128)),
        ] {
            assert!(matches!(
                ikev2_encr_name(encr, bits),
                Err(KeyTableError::NotInWireshark {
                    table: "ikev2_decryption_table",
                    ..
                })
            ));
        }
        assert!(esp_encr_name(EncrId::CHACHA20_POLY1305, None).is_err());
        assert!(esp_encr_name(EncrId::CAMELLIA_CBC, Some(256)).is_err());
        assert_eq!(
            esp_encr_name(EncrId::BLOWFISH, Some(128)),
            Ok("BLOWFISH-CBC [RFC2451]")
        );
        let message = ikev2_encr_name(EncrId::CHACHA20_POLY1305, None)
            .unwrap_err()
            .to_string();
        assert!(message.contains("ENCR_CHACHA20_POLY1305"), "{message}");
    }

    #[test]
    fn esp_lines_for_both_directions() {
        let suite = ChildSuite::new(&RUST_CRYPTO, EncrId::AES_GCM_16, Some(128), None).unwrap();
        let prf = RUST_CRYPTO.prf(PrfId::HMAC_SHA2_256).unwrap();
        let child = derive_child_keys(
            prf,
            &crate::crypto::Secret::new(vec![4; 32]),
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
            0xc1c2c3c4,
            0x0000abcd,
            EncrId::AES_GCM_16,
            Some(128),
            None,
            &child,
        )
        .unwrap();
        assert_eq!(
            to_responder,
            format!(
                "\"IPv4\",\"192.0.2.2\",\"192.0.2.1\",\"0x0000abcd\",\
                 \"AES-GCM with 16 octet ICV [RFC4106]\",\"0x{}\",\"NULL\",\"\"",
                child.encr_i().to_hex()
            )
        );
        assert!(to_initiator.starts_with("\"IPv4\",\"192.0.2.1\",\"192.0.2.2\",\"0xc1c2c3c4\","));
        let cbc = esp_sa_line(&EspSaEntry {
            family: EspSaFamily::IPv6,
            source: "*",
            destination: "*",
            spi: 1,
            encr: EncrId::AES_CBC,
            key_bits: Some(128),
            integ: Some(IntegId::HMAC_SHA2_256_128),
            encr_key: &[0xaa; 16],
            integ_key: &[0xbb; 32],
        })
        .unwrap();
        assert_eq!(
            cbc,
            format!(
                "\"IPv6\",\"*\",\"*\",\"0x00000001\",\"AES-CBC [RFC3602]\",\"0x{}\",\
                 \"HMAC-SHA-256-128 [RFC4868]\",\"0x{}\"",
                "aa".repeat(16),
                "bb".repeat(32)
            )
        );
    }

    #[test]
    fn profile_has_three_files_with_one_line_per_sa() {
        let files = profile_files(&["a".to_owned(), "b".to_owned()], &[]);
        assert_eq!(files[0], ("ikev2_decryption_table", "a\nb\n".to_owned()));
        assert_eq!(files[1], ("esp_sa", String::new()));
        assert_eq!(files[2].0, "preferences");
    }

    #[test]
    fn preferences_enable_esp_decryption() {
        let text = preferences();
        assert!(text.contains("esp.enable_encryption_decode: TRUE\n"));
        assert!(text.contains("esp.enable_authentication_check: TRUE\n"));
    }
}
