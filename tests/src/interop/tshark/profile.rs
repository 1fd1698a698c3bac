//! A Wireshark profile folder with decryption tables, for `WIRESHARK_CONFIG_DIR`.
//!
//! Written here from the oracle's keys (charon's log), independently of the engine's own key
//! export, so the two can be compared. Table formats as tshark 4.0.17 reads them
//! (TOOLCHAIN.md):
//!
//! - `ikev2_decryption_table`: `SPIi,SPIr,SK_ei,SK_er,"<encr>",SK_ai,SK_ar,"<integ>"`, hex
//!   unquoted; for AEAD SK_e includes the 4-byte salt and integrity is `"NONE [RFC4306]"`.
//! - `esp_sa`: `"IPv4","<src>","<dst>","0x<spi>","<encr>","0x<key>","<auth>","0x<key>"`,
//!   every field quoted; for AES-GCM the key includes the salt and auth is `"NULL"`.
//! - `preferences`: `name: value` lines (ESP decryption and ICV checking on).

use std::fmt::Write as _;
use std::path::Path;

use crate::interop::error::{InteropError, Result};

/// IKEv2 table: AES-GCM-256, 16-octet ICV (RFC 5282).
pub const IKEV2_ENCR_AES_GCM_256_16: &str = "AES-GCM-256 with 16 octet ICV [RFC5282]";
/// IKEv2 table: AES-GCM-128, 16-octet ICV (RFC 5282).
pub const IKEV2_ENCR_AES_GCM_128_16: &str = "AES-GCM-128 with 16 octet ICV [RFC5282]";
/// IKEv2 table: AES-CBC-128 (RFC 3602).
pub const IKEV2_ENCR_AES_CBC_128: &str = "AES-CBC-128 [RFC3602]";
/// IKEv2 table: AES-CBC-256 (RFC 3602).
pub const IKEV2_ENCR_AES_CBC_256: &str = "AES-CBC-256 [RFC3602]";
/// IKEv2 table: no integrity (AEAD).
pub const IKEV2_INTEG_NONE: &str = "NONE [RFC4306]";
/// IKEv2 table: HMAC-SHA2-256-128 (RFC 4868).
pub const IKEV2_INTEG_HMAC_SHA2_256_128: &str = "HMAC_SHA2_256_128 [RFC4868]";
/// ESP table: AES-GCM with a 16-octet ICV (RFC 4106), any key size.
pub const ESP_ENCR_AES_GCM_16: &str = "AES-GCM with 16 octet ICV [RFC4106]";
/// ESP table: AES-CBC (RFC 3602), any key size.
pub const ESP_ENCR_AES_CBC: &str = "AES-CBC [RFC3602]";
/// ESP table: no separate authentication (AEAD).
pub const ESP_AUTH_NULL: &str = "NULL";
/// ESP table: HMAC-SHA-256-128 (RFC 4868).
pub const ESP_AUTH_HMAC_SHA2_256_128: &str = "HMAC-SHA-256-128 [RFC4868]";

/// One row of `ikev2_decryption_table`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ikev2DecryptionEntry {
    /// SPIi.
    pub spi_i: [u8; 8],
    /// SPIr.
    pub spi_r: [u8; 8],
    /// SK_ei (with salt for AEAD).
    pub sk_ei: Vec<u8>,
    /// SK_er.
    pub sk_er: Vec<u8>,
    /// Wireshark's encryption name (`IKEV2_ENCR_*`).
    pub encryption: String,
    /// SK_ai (empty for AEAD).
    pub sk_ai: Vec<u8>,
    /// SK_ar (empty for AEAD).
    pub sk_ar: Vec<u8>,
    /// Wireshark's integrity name (`IKEV2_INTEG_*`).
    pub integrity: String,
}

/// One row of `esp_sa`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EspSaEntry {
    /// `IPv4` or `IPv6`.
    pub protocol: String,
    /// Source address or `*`.
    pub src: String,
    /// Destination address or `*`.
    pub dst: String,
    /// The SPI.
    pub spi: u32,
    /// Wireshark's encryption name (`ESP_ENCR_*`).
    pub encryption: String,
    /// Encryption key (with salt for AES-GCM).
    pub encryption_key: Vec<u8>,
    /// Wireshark's authentication name (`ESP_AUTH_*`).
    pub authentication: String,
    /// Authentication key (empty for AEAD).
    pub authentication_key: Vec<u8>,
}

/// The contents of a profile folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WiresharkProfile {
    /// `ikev2_decryption_table` rows.
    pub ikev2: Vec<Ikev2DecryptionEntry>,
    /// `esp_sa` rows.
    pub esp: Vec<EspSaEntry>,
    /// Extra `preferences` lines (`name`, `value`); ESP decryption and ICV checking are
    /// always turned on.
    pub preferences: Vec<(String, String)>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// Table cells must not break the CSV-like UAT syntax.
fn check_cell(cell: &str) -> Result<()> {
    if cell.contains(['"', '\n', '\r']) {
        Err(InteropError::InvalidInput {
            detail: format!("{cell:?} cannot appear in a Wireshark table"),
        })
    } else {
        Ok(())
    }
}

impl WiresharkProfile {
    /// Writes `ikev2_decryption_table`, `esp_sa` and `preferences` into `dir` (created if
    /// needed), replacing what was there.
    pub fn write(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| InteropError::io(dir, e))?;
        let mut ikev2 = String::new();
        for e in &self.ikev2 {
            check_cell(&e.encryption)?;
            check_cell(&e.integrity)?;
            ikev2.push_str(&format!(
                "{},{},{},{},\"{}\",{},{},\"{}\"\n",
                hex(&e.spi_i),
                hex(&e.spi_r),
                hex(&e.sk_ei),
                hex(&e.sk_er),
                e.encryption,
                hex(&e.sk_ai),
                hex(&e.sk_ar),
                e.integrity
            ));
        }
        let mut esp = String::new();
        for e in &self.esp {
            for cell in [
                &e.protocol,
                &e.src,
                &e.dst,
                &e.encryption,
                &e.authentication,
            ] {
                check_cell(cell)?;
            }
            let key = |k: &[u8]| {
                if k.is_empty() {
                    String::new()
                } else {
                    format!("0x{}", hex(k))
                }
            };
            esp.push_str(&format!(
                "\"{}\",\"{}\",\"{}\",\"0x{:08x}\",\"{}\",\"{}\",\"{}\",\"{}\"\n",
                e.protocol,
                e.src,
                e.dst,
                e.spi,
                e.encryption,
                key(&e.encryption_key),
                e.authentication,
                key(&e.authentication_key)
            ));
        }
        let mut preferences = String::from(
            "esp.enable_encryption_decode: TRUE\nesp.enable_authentication_check: TRUE\n",
        );
        for (name, value) in &self.preferences {
            check_cell(name)?;
            check_cell(value)?;
            preferences.push_str(&format!("{name}: {value}\n"));
        }
        for (file, text) in [
            ("ikev2_decryption_table", ikev2),
            ("esp_sa", esp),
            ("preferences", preferences),
        ] {
            let path = dir.join(file);
            std::fs::write(&path, text).map_err(|e| InteropError::io(&path, e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_follow_wiresharks_table_formats() {
        let dir = std::env::temp_dir().join(format!("ikl-profile-unit-{}", std::process::id()));
        let profile = WiresharkProfile {
            ikev2: vec![Ikev2DecryptionEntry {
                spi_i: [1, 2, 3, 4, 5, 6, 7, 8],
                spi_r: [0xa0; 8],
                sk_ei: vec![0xab, 0xcd],
                sk_er: vec![0x01],
                encryption: IKEV2_ENCR_AES_GCM_256_16.to_owned(),
                sk_ai: Vec::new(),
                sk_ar: Vec::new(),
                integrity: IKEV2_INTEG_NONE.to_owned(),
            }],
            esp: vec![EspSaEntry {
                protocol: "IPv4".to_owned(),
                src: "*".to_owned(),
                dst: "*".to_owned(),
                spi: 0xc0ffee,
                encryption: ESP_ENCR_AES_GCM_16.to_owned(),
                encryption_key: vec![0x11, 0x22],
                authentication: ESP_AUTH_NULL.to_owned(),
                authentication_key: Vec::new(),
            }],
            preferences: Vec::new(),
        };
        profile.write(&dir).unwrap();
        let ikev2 = std::fs::read_to_string(dir.join("ikev2_decryption_table")).unwrap();
        assert_eq!(
            ikev2,
            "0102030405060708,a0a0a0a0a0a0a0a0,abcd,01,\"AES-GCM-256 with 16 octet ICV [RFC5282]\",,,\"NONE [RFC4306]\"\n"
        );
        let esp = std::fs::read_to_string(dir.join("esp_sa")).unwrap();
        assert_eq!(
            esp,
            "\"IPv4\",\"*\",\"*\",\"0x00c0ffee\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x1122\",\"NULL\",\"\"\n"
        );
        let prefs = std::fs::read_to_string(dir.join("preferences")).unwrap();
        assert!(prefs.contains("esp.enable_encryption_decode: TRUE"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
