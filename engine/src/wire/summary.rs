//! One-line message summaries in the style of charon's log:
//!
//! ```text
//! IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) N(HASH_ALG) ]
//! IKE_AUTH response 1 [ IDr AUTH CPRP(ADDR DNS) SA TSi TSr ]
//! ```
//!
//! The abbreviations are the ones charon prints, so a transcript of IKElab reads like
//! a strongSwan log and the two can be compared line by line. Encrypted messages are
//! summarised by their inner payloads, as charon does once it has decrypted them.

use super::iana::{CfgAttrType, CfgType, ExchangeType, NotifyType};
use super::{IkeHeader, Payload};

/// "IKE_SA_INIT request 0 [ SA KE No ... ]".
///
/// Built in one buffer: the engine summarises every message it sends or receives,
/// so this sits on the handshake's hot path.
pub fn message_summary(header: &IkeHeader, payloads: &[Payload]) -> String {
    let mut line = String::with_capacity(32 + 8 * payloads.len());
    push_exchange_name(&mut line, header.exchange_type);
    line.push_str(if header.is_response() {
        " response "
    } else {
        " request "
    });
    push_number(&mut line, header.message_id);
    line.push_str(" [ ");
    for payload in payloads {
        push_payload_name(&mut line, payload);
        line.push(' ');
    }
    line.push(']');
    line
}

/// The exchange as charon names it ("IKE_SA_INIT", "INFORMATIONAL", or the number).
pub fn exchange_name(exchange: ExchangeType) -> String {
    let mut name = String::new();
    push_exchange_name(&mut name, exchange);
    name
}

/// charon's short name of a payload.
pub fn payload_name(payload: &Payload) -> String {
    let mut name = String::new();
    push_payload_name(&mut name, payload);
    name
}

fn push_exchange_name(out: &mut String, exchange: ExchangeType) {
    match exchange.name() {
        Some(name) => out.push_str(name),
        None => push_number(out, exchange.0),
    }
}

fn push_number(out: &mut String, n: impl core::fmt::Display) {
    use core::fmt::Write as _;
    // Writing into a String cannot fail.
    let _ = write!(out, "{n}");
}

fn push_payload_name(out: &mut String, payload: &Payload) {
    let fixed = match payload {
        Payload::Sa(_) => "SA",
        Payload::Ke(_) => "KE",
        Payload::IdI(_) => "IDi",
        Payload::IdR(_) => "IDr",
        Payload::Cert(_) => "CERT",
        Payload::CertReq(_) => "CERTREQ",
        Payload::Auth(_) => "AUTH",
        Payload::Nonce(_) => "No",
        Payload::Delete(_) => "D",
        Payload::VendorId(_) => "V",
        Payload::TsI(_) => "TSi",
        Payload::TsR(_) => "TSr",
        Payload::Sk(_) => "E",
        Payload::Eap(_) => "EAP",
        Payload::Skf(_) => "EF",
        Payload::Notify(n) => {
            out.push_str("N(");
            push_notify_name(out, n.notify_type);
            out.push(')');
            return;
        }
        Payload::Cp(cp) => {
            out.push_str(match cp.cfg_type {
                CfgType::REQUEST => "CPRQ",
                CfgType::REPLY => "CPRP",
                CfgType::SET => "CPS",
                CfgType::ACK => "CPA",
                _ => "CP",
            });
            out.push('(');
            for (i, attribute) in cp.attributes.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                match attr_short_name(attribute.attr_type) {
                    Some(short) => out.push_str(short),
                    None => push_number(out, attribute.attr_type.0),
                }
            }
            out.push(')');
            return;
        }
        Payload::Unknown(u) => {
            out.push_str("UNKNOWN(");
            push_number(out, u.payload_type.0);
            out.push(')');
            return;
        }
    };
    out.push_str(fixed);
}

/// charon's short name of a notify type; unknown types as their number.
pub fn notify_name(t: NotifyType) -> String {
    let mut name = String::new();
    push_notify_name(&mut name, t);
    name
}

fn push_notify_name(out: &mut String, t: NotifyType) {
    match notify_short_name(t).or_else(|| t.name()) {
        Some(name) => out.push_str(name),
        None => push_number(out, t.0),
    }
}

/// The abbreviations charon uses where they differ from the registry name.
fn notify_short_name(t: NotifyType) -> Option<&'static str> {
    let short = match t {
        NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD => "CRIT",
        NotifyType::INVALID_IKE_SPI => "INVAL_IKE_SPI",
        NotifyType::INVALID_MAJOR_VERSION => "INVAL_MAJOR",
        NotifyType::INVALID_SYNTAX => "INVAL_SYN",
        NotifyType::INVALID_MESSAGE_ID => "INVAL_MID",
        NotifyType::INVALID_SPI => "INVAL_SPI",
        NotifyType::NO_PROPOSAL_CHOSEN => "NO_PROP",
        NotifyType::INVALID_KE_PAYLOAD => "INVAL_KE",
        NotifyType::AUTHENTICATION_FAILED => "AUTH_FAILED",
        NotifyType::SINGLE_PAIR_REQUIRED => "SINGLE_PAIR",
        NotifyType::NO_ADDITIONAL_SAS => "NO_ADD_SAS",
        NotifyType::INTERNAL_ADDRESS_FAILURE => "INT_ADDR_FAIL",
        NotifyType::FAILED_CP_REQUIRED => "FAIL_CP_REQ",
        NotifyType::TS_UNACCEPTABLE => "TS_UNACCEPT",
        NotifyType::INVALID_SELECTORS => "INVAL_SEL",
        NotifyType::TEMPORARY_FAILURE => "TEMP_FAIL",
        NotifyType::CHILD_SA_NOT_FOUND => "NO_CHILD_SA",
        NotifyType::INITIAL_CONTACT => "INIT_CONTACT",
        NotifyType::SET_WINDOW_SIZE => "SET_WINSIZE",
        NotifyType::ADDITIONAL_TS_POSSIBLE => "ADD_TS_POSS",
        NotifyType::IPCOMP_SUPPORTED => "IPCOMP_SUP",
        NotifyType::NAT_DETECTION_SOURCE_IP => "NATD_S_IP",
        NotifyType::NAT_DETECTION_DESTINATION_IP => "NATD_D_IP",
        NotifyType::COOKIE => "COOKIE",
        NotifyType::USE_TRANSPORT_MODE => "USE_TRANSP",
        NotifyType::REKEY_SA => "REKEY_SA",
        NotifyType::ESP_TFC_PADDING_NOT_SUPPORTED => "ESP_TFC_PAD_N",
        NotifyType::MOBIKE_SUPPORTED => "MOBIKE_SUP",
        NotifyType::ADDITIONAL_IP4_ADDRESS => "ADD_4_ADDR",
        NotifyType::ADDITIONAL_IP6_ADDRESS => "ADD_6_ADDR",
        NotifyType::NO_ADDITIONAL_ADDRESSES => "NO_ADD_ADDR",
        NotifyType::UPDATE_SA_ADDRESSES => "UPD_SA_ADDR",
        NotifyType::COOKIE2 => "COOKIE2",
        NotifyType::NO_NATS_ALLOWED => "NO_NATS",
        NotifyType::AUTH_LIFETIME => "AUTH_LFT",
        NotifyType::MULTIPLE_AUTH_SUPPORTED => "MULT_AUTH",
        NotifyType::ANOTHER_AUTH_FOLLOWS => "AUTH_FOLLOWS",
        NotifyType::REDIRECT_SUPPORTED => "REDIR_SUP",
        NotifyType::REDIRECT => "REDIR",
        NotifyType::REDIRECTED_FROM => "REDIR_FROM",
        NotifyType::EAP_ONLY_AUTHENTICATION => "EAP_ONLY",
        NotifyType::IKEV2_MESSAGE_ID_SYNC_SUPPORTED => "MSG_ID_SYN_SUP",
        NotifyType::IKEV2_FRAGMENTATION_SUPPORTED => "FRAG_SUP",
        NotifyType::SIGNATURE_HASH_ALGORITHMS => "HASH_ALG",
        NotifyType::CHILDLESS_IKEV2_SUPPORTED => "CHDLESS_SUP",
        _ => return None,
    };
    Some(short)
}

fn attr_short_name(t: CfgAttrType) -> Option<&'static str> {
    let short = match t {
        CfgAttrType::INTERNAL_IP4_ADDRESS => "ADDR",
        CfgAttrType::INTERNAL_IP4_NETMASK => "MASK",
        CfgAttrType::INTERNAL_IP4_DNS => "DNS",
        CfgAttrType::INTERNAL_IP4_NBNS => "NBNS",
        CfgAttrType::INTERNAL_IP6_ADDRESS => "ADDR6",
        CfgAttrType::INTERNAL_IP6_DNS => "DNS6",
        CfgAttrType::INTERNAL_IP4_SUBNET => "SUBNET",
        CfgAttrType::INTERNAL_IP6_SUBNET => "SUBNET6",
        _ => return None,
    };
    Some(short)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Flags, IkeSpi, NoncePayload, NotifyPayload};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn reads_like_charon() {
        let header = IkeHeader::new(
            IkeSpi::from(1),
            IkeSpi::ZERO,
            ExchangeType::IKE_SA_INIT,
            Flags::new(true, false),
            0,
        );
        let payloads = [
            Payload::Nonce(NoncePayload { data: vec![0; 32] }),
            Payload::Notify(NotifyPayload::new(
                NotifyType::NAT_DETECTION_SOURCE_IP,
                vec![0; 20],
            )),
            Payload::Notify(NotifyPayload::new(NotifyType(40000), vec![])),
        ];
        assert_eq!(
            message_summary(&header, &payloads),
            "IKE_SA_INIT request 0 [ No N(NATD_S_IP) N(40000) ]"
        );
    }

    #[test]
    fn configuration_payloads_unknowns_and_empty_messages() {
        use crate::wire::iana::PayloadType;
        use crate::wire::{CfgAttribute, CpPayload, UnknownPayload};
        let header = IkeHeader::new(
            IkeSpi::from(1),
            IkeSpi::from(2),
            ExchangeType::IKE_AUTH,
            Flags::new(false, true),
            1,
        );
        let cp = CpPayload {
            cfg_type: CfgType::REPLY,
            attributes: vec![
                CfgAttribute {
                    attr_type: CfgAttrType::INTERNAL_IP4_ADDRESS,
                    value: vec![10, 3, 0, 1],
                },
                CfgAttribute::request(CfgAttrType(25)),
            ],
        };
        let unknown = UnknownPayload {
            payload_type: PayloadType(200),
            critical: false,
            body: vec![],
        };
        assert_eq!(
            message_summary(&header, &[Payload::Cp(cp), Payload::Unknown(unknown)]),
            "IKE_AUTH response 1 [ CPRP(ADDR 25) UNKNOWN(200) ]"
        );
        let informational = IkeHeader::new(
            IkeSpi::from(1),
            IkeSpi::from(2),
            ExchangeType(99),
            Flags::new(true, false),
            7,
        );
        assert_eq!(message_summary(&informational, &[]), "99 request 7 [ ]");
        assert_eq!(notify_name(NotifyType::INITIAL_CONTACT), "INIT_CONTACT");
        // No charon abbreviation: the registry name.
        assert_eq!(
            notify_name(NotifyType::UNACCEPTABLE_ADDRESSES),
            "UNACCEPTABLE_ADDRESSES"
        );
    }
}
