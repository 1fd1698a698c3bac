//! What a key or an input does, in a sentence for a student: the key schedule's
//! values (RFC 7296 §2.14, §2.15, §2.17), SK_e / SK_a as the SK payloads use them
//! (§3.14) and the ESP keys with the SPI of their packets (RFC 4303 §2.1), told
//! apart when an AEAD has no integrity key (RFC 5282 §8, RFC 4303 §3.2) or
//! ENCR_NULL no encryption key (RFC 2410).

use ikelab_engine::wire::iana::EncrId;

use super::algorithms::Salt;
use super::{KeyKind, Side};

pub(super) fn input_meaning(name: &str) -> &'static str {
    match name {
        "Ni" => "The initiator's nonce (Nonce Data of its Ni payload).",
        "Nr" => "The responder's nonce (Nonce Data of its Nr payload).",
        "g^ir" => "The Diffie-Hellman shared secret of the KE payloads.",
        "g^ir (new)" => "The shared secret of this exchange's new KE payloads.",
        "SPIi" => "The initiator's SPI from the IKE header.",
        "SPIr" => "The responder's SPI from the IKE header.",
        "SKEYSEED" => "The seed computed in the step above.",
        "SK_d" => "The IKE SA's SK_d: every CHILD SA's keys come from it.",
        "SK_d (old)" => "SK_d of the IKE SA being replaced.",
        _ => "",
    }
}

pub(super) fn base_meaning(kind: KeyKind) -> &'static str {
    match kind {
        KeyKind::SharedSecret => {
            "The Diffie-Hellman shared secret: each peer computes it from its own private \
             value and the other's KE payload. It never crosses the wire."
        }
        KeyKind::Skeyseed => "The seed every other key of this IKE SA grows from.",
        KeyKind::SkD => {
            "Derives the keys of every CHILD SA (KEYMAT) and, when the IKE SA is rekeyed, \
             the next SKEYSEED. It protects no message itself."
        }
        KeyKind::SkA(Side::Initiator) => {
            "Computes the integrity checksum (ICV) of what the initiator sends in SK payloads."
        }
        KeyKind::SkA(Side::Responder) => {
            "Computes the integrity checksum (ICV) of what the responder sends in SK payloads."
        }
        KeyKind::SkE(Side::Initiator) => {
            "Encrypts what the initiator sends (its SK payloads); the responder decrypts with it."
        }
        KeyKind::SkE(Side::Responder) => {
            "Encrypts what the responder sends (its SK payloads); the initiator decrypts with it."
        }
        KeyKind::SkP(Side::Initiator) => {
            "Goes into the initiator's AUTH payload (RFC 7296 §2.15): it ties the \
             authentication to this exchange. Nothing is encrypted with it."
        }
        KeyKind::SkP(Side::Responder) => {
            "Goes into the responder's AUTH payload (RFC 7296 §2.15): it ties the \
             authentication to this exchange. Nothing is encrypted with it."
        }
        KeyKind::Keymat => {
            "This CHILD SA's key material, cut into ESP keys: encryption key then \
             integrity key, initiator-to-responder first (RFC 7296 §2.17)."
        }
        KeyKind::EspEncr(Side::Initiator) => {
            "Encrypts the ESP packets the initiator sends; the responder decrypts with it."
        }
        KeyKind::EspEncr(Side::Responder) => {
            "Encrypts the ESP packets the responder sends; the initiator decrypts with it."
        }
        KeyKind::EspInteg(Side::Initiator) => {
            "Computes the integrity checksum (ICV) of the ESP packets the initiator sends."
        }
        KeyKind::EspInteg(Side::Responder) => {
            "Computes the integrity checksum (ICV) of the ESP packets the responder sends."
        }
        KeyKind::Other => "",
    }
}

/// An SK_e / SK_a key's sentence, with what the algorithms make of it.
pub(super) fn ike_meaning(kind: KeyKind, salt: Option<Salt>, encr: EncrId) -> String {
    let base = base_meaning(kind);
    match (kind, salt) {
        (KeyKind::SkE(_), Some(salt)) => format!(
            "{base} With {encr}, an AEAD, it is the cipher key followed by a {}-octet \
             salt ({}); the ICV comes from the cipher itself.",
            salt.octets, salt.ike_rfc
        ),
        (KeyKind::SkA(_), Some(_)) => format!(
            "Empty: with {encr}, an AEAD, the cipher computes the ICV itself and there \
             is no integrity transform nor key (RFC 5282 §8)."
        ),
        _ => base.to_owned(),
    }
}

/// An ESP key's sentence, with its SPI and what the algorithms make of it.
pub(super) fn esp_meaning(kind: KeyKind, spi: u32, salt: Option<Salt>, encr: EncrId) -> String {
    let base = base_meaning(kind);
    let on = format!("Those packets carry SPI 0x{spi:08x}.");
    match (kind, salt) {
        (KeyKind::EspEncr(_), _) if encr == EncrId::NULL => format!(
            "Empty: ENCR_NULL encrypts nothing (RFC 2410), the packets travel in the \
             clear and only the integrity key protects them. {on}"
        ),
        (KeyKind::EspEncr(_), Some(salt)) => format!(
            "{base} With {encr}, an AEAD, it is the cipher key followed by a {}-octet \
             salt ({}). {on}",
            salt.octets, salt.esp_rfc
        ),
        (KeyKind::EspInteg(_), Some(_)) => format!(
            "Empty: with {encr}, an AEAD, the cipher computes the ICV itself (RFC 4303 \
             §3.2). {on}"
        ),
        _ => format!("{base} {on}"),
    }
}
