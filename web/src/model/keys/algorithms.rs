//! What an SA's negotiated transforms make of its keys: the algorithms as one
//! line, and an AEAD's salt, the last octets of SK_e (RFC 5282 §7.1, RFC 7634 §3)
//! or of the ESP encryption key (RFC 4106 §8.1, RFC 4309 §7.1, RFC 7634 §2), which
//! the panel sets apart from the cipher key.

use ikelab_engine::wire::iana::{EncrId, IntegId};

/// "ENCR_AES_GCM_16 (20), 256-bit key", "ENCR_AES_CBC (12), 128-bit key, AUTH_HMAC_SHA2_256_128 (12)".
pub(super) fn algorithms(encr: EncrId, key_bits: Option<u16>, integ: Option<IntegId>) -> String {
    let mut text = encr.to_string();
    if let Some(bits) = key_bits {
        text.push_str(&format!(", {bits}-bit key"));
    }
    if let Some(integ) = integ.filter(|i| *i != IntegId::NONE) {
        text.push_str(&format!(", {integ}"));
    }
    text
}

/// An AEAD's salt: the octets after the key in SK_e (IKE) or the ESP encryption
/// key, and where that is specified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Salt {
    pub(super) octets: usize,
    pub(super) ike_rfc: &'static str,
    pub(super) esp_rfc: &'static str,
}

/// The salt of `encr` when it is an AEAD (no integrity transform: RFC 5282 §8).
pub(super) fn aead_salt(encr: EncrId, integ: Option<IntegId>) -> Option<Salt> {
    if integ.is_some_and(|i| i != IntegId::NONE) {
        return None;
    }
    match encr {
        // AES-GCM: a 4-octet salt (RFC 5282 §7.1 for IKEv2, RFC 4106 §8.1 for ESP).
        EncrId::AES_GCM_8 | EncrId::AES_GCM_12 | EncrId::AES_GCM_16 => Some(Salt {
            octets: 4,
            ike_rfc: "RFC 5282 §7.1",
            esp_rfc: "RFC 4106 §8.1",
        }),
        // AES-CCM: a 3-octet salt (RFC 5282 §7.1, RFC 4309 §7.1).
        EncrId::AES_CCM_8 | EncrId::AES_CCM_12 | EncrId::AES_CCM_16 => Some(Salt {
            octets: 3,
            ike_rfc: "RFC 5282 §7.1",
            esp_rfc: "RFC 4309 §7.1",
        }),
        // ChaCha20-Poly1305: a 32-octet key and a 4-octet salt (RFC 7634 §2, §3).
        EncrId::CHACHA20_POLY1305 => Some(Salt {
            octets: 4,
            ike_rfc: "RFC 7634 §3",
            esp_rfc: "RFC 7634 §2",
        }),
        _ => None,
    }
}
