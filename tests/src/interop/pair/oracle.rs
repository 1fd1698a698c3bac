//! The key-derivation oracle of a run and a Wireshark profile built from it.

use super::PairRun;
use crate::interop::error::{InteropError, Result};
use crate::interop::strongswan::filelog::{ChildKeyLog, IkeKeyLog, child_key_logs, ike_key_logs};
use crate::interop::tshark::Tshark;
use crate::interop::tshark::profile::{
    ESP_AUTH_HMAC_SHA2_256_128, ESP_AUTH_NULL, ESP_ENCR_AES_CBC, ESP_ENCR_AES_GCM_16, EspSaEntry,
    IKEV2_ENCR_AES_CBC_128, IKEV2_ENCR_AES_CBC_256, IKEV2_ENCR_AES_GCM_128_16,
    IKEV2_ENCR_AES_GCM_256_16, IKEV2_INTEG_HMAC_SHA2_256_128, IKEV2_INTEG_NONE,
    Ikev2DecryptionEntry, WiresharkProfile,
};

/// Inputs and outputs of the IKE key schedule (RFC 7296 §2.14) of one run, for checking our
/// own key derivation: the inputs the capture shows (SPIs, nonces), the DH secret and every
/// derived key as charon printed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDerivationOracle {
    /// SPIi (from the capture; equal to `swanctl --list-sas`).
    pub spi_i: [u8; 8],
    /// SPIr.
    pub spi_r: [u8; 8],
    /// Ni, the IKE_SA_INIT request's Nonce data (tshark `isakmp.nonce`).
    pub ni: Vec<u8>,
    /// Nr, the IKE_SA_INIT response's Nonce data.
    pub nr: Vec<u8>,
    /// g^ir, SKEYSEED and SK_* from charon's log (identical on both sides).
    pub ike: IkeKeyLog,
    /// The first CHILD_SA's seed and keys from charon's log (identical on both sides).
    pub child: ChildKeyLog,
}

impl PairRun {
    /// The single IKE key derivation in `log`, failing if there is not exactly one.
    fn only_ike_keys(log: &str, side: &str) -> Result<IkeKeyLog> {
        let mut keys = ike_key_logs(log)?;
        if keys.len() != 1 {
            return Err(InteropError::parse(
                format!("{side} charon log"),
                format!("{} IKE key derivations where 1 was expected", keys.len()),
            ));
        }
        Ok(keys.remove(0))
    }

    fn only_child_keys(log: &str, side: &str) -> Result<ChildKeyLog> {
        let mut keys = child_key_logs(log)?;
        if keys.len() != 1 {
            return Err(InteropError::parse(
                format!("{side} charon log"),
                format!(
                    "{} CHILD_SA key derivations where 1 was expected",
                    keys.len()
                ),
            ));
        }
        Ok(keys.remove(0))
    }

    /// What the initiator's charon printed for the IKE key derivation.
    pub fn initiator_ike_keys(&self) -> Result<IkeKeyLog> {
        Self::only_ike_keys(&self.initiator_log, "initiator")
    }

    /// What the responder's charon printed for the IKE key derivation.
    pub fn responder_ike_keys(&self) -> Result<IkeKeyLog> {
        Self::only_ike_keys(&self.responder_log, "responder")
    }

    /// A Wireshark profile with this run's IKE SA and both ESP SAs, keys from charon's log,
    /// algorithm names from `swanctl --list-sas`.
    pub fn wireshark_profile(&self) -> Result<WiresharkProfile> {
        let oracle = self.key_oracle()?;
        let sa = self.initiator_sas.first().ok_or_else(|| {
            InteropError::parse("swanctl --list-sas", "the initiator listed no IKE_SA")
        })?;
        let child = sa.children.first().ok_or_else(|| {
            InteropError::parse("swanctl --list-sas", "the initiator listed no CHILD_SA")
        })?;
        let unsupported = |what: String| InteropError::InvalidInput {
            detail: format!("no Wireshark table name for {what}"),
        };
        let ike_encr = match (sa.encr_alg.as_str(), sa.encr_keysize) {
            ("AES_GCM_16", Some(256)) => IKEV2_ENCR_AES_GCM_256_16,
            ("AES_GCM_16", Some(128)) => IKEV2_ENCR_AES_GCM_128_16,
            ("AES_CBC", Some(128)) => IKEV2_ENCR_AES_CBC_128,
            ("AES_CBC", Some(256)) => IKEV2_ENCR_AES_CBC_256,
            (alg, bits) => return Err(unsupported(format!("IKE {alg} {bits:?}"))),
        };
        let ike_integ = match sa.integ_alg.as_deref() {
            None => IKEV2_INTEG_NONE,
            Some("HMAC_SHA2_256_128") => IKEV2_INTEG_HMAC_SHA2_256_128,
            Some(alg) => return Err(unsupported(format!("IKE {alg}"))),
        };
        let esp_encr = match child.encr_alg.as_str() {
            "AES_GCM_16" => ESP_ENCR_AES_GCM_16,
            "AES_CBC" => ESP_ENCR_AES_CBC,
            alg => return Err(unsupported(format!("ESP {alg}"))),
        };
        let esp_auth = match child.integ_alg.as_deref() {
            None => ESP_AUTH_NULL,
            Some("HMAC_SHA2_256_128") => ESP_AUTH_HMAC_SHA2_256_128,
            Some(alg) => return Err(unsupported(format!("ESP {alg}"))),
        };
        let esp = |spi: u32, key: &[u8], auth_key: &Option<Vec<u8>>| EspSaEntry {
            protocol: "IPv4".to_owned(),
            src: "*".to_owned(),
            dst: "*".to_owned(),
            spi,
            encryption: esp_encr.to_owned(),
            encryption_key: key.to_owned(),
            authentication: esp_auth.to_owned(),
            authentication_key: auth_key.clone().unwrap_or_default(),
        };
        Ok(WiresharkProfile {
            ikev2: vec![Ikev2DecryptionEntry {
                spi_i: oracle.spi_i,
                spi_r: oracle.spi_r,
                sk_ei: oracle.ike.sk_ei.clone(),
                sk_er: oracle.ike.sk_er.clone(),
                encryption: ike_encr.to_owned(),
                sk_ai: oracle.ike.sk_ai.clone().unwrap_or_default(),
                sk_ar: oracle.ike.sk_ar.clone().unwrap_or_default(),
                integrity: ike_integ.to_owned(),
            }],
            // RFC 7296 §2.17: the first keys of KEYMAT protect initiator-to-responder traffic,
            // which the initiator sends with its outbound SPI.
            esp: vec![
                esp(child.spi_out, &oracle.child.encr_i, &oracle.child.integ_i),
                esp(child.spi_in, &oracle.child.encr_r, &oracle.child.integ_r),
            ],
            preferences: Vec::new(),
        })
    }

    /// The key-derivation oracle: SPIs and nonces from the capture, secrets from the logs.
    /// Fails if the two charons disagree on any key, or the capture's SPIs differ from
    /// `swanctl --list-sas`.
    pub fn key_oracle(&self) -> Result<KeyDerivationOracle> {
        let ike = self.initiator_ike_keys()?;
        if !self.responder_ike_keys()?.same_secrets(&ike) {
            return Err(InteropError::parse(
                "charon logs",
                "initiator and responder printed different IKE keys",
            ));
        }
        let child = Self::only_child_keys(&self.initiator_log, "initiator")?;
        let responder_child = Self::only_child_keys(&self.responder_log, "responder")?;
        if !responder_child.same_secrets(&child) {
            return Err(InteropError::parse(
                "charon logs",
                "initiator and responder printed different CHILD_SA keys",
            ));
        }
        let nonces = Tshark::new().ike_sa_init_nonces(&self.pcap)?;
        let sa = self.initiator_sas.first().ok_or_else(|| {
            InteropError::parse("swanctl --list-sas", "the initiator listed no IKE_SA")
        })?;
        Ok(KeyDerivationOracle {
            spi_i: sa.spi_i,
            spi_r: sa.spi_r,
            ni: nonces.ni,
            nr: nonces.nr,
            ike,
            child,
        })
    }
}
