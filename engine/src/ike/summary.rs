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

use crate::wire::iana::{CfgAttrType, CfgType, ExchangeType, NotifyType};
use crate::wire::{IkeHeader, Payload};

/// "IKE_SA_INIT request 0 [ SA KE No ... ]".
pub fn message_summary(header: &IkeHeader, payloads: &[Payload]) -> String {
    let names: Vec<String> = payloads.iter().map(payload_name).collect();
    let list = if names.is_empty() {
        String::new()
    } else {
        format!("{} ", names.join(" "))
    };
    format!(
        "{} {} {} [ {list}]",
        exchange_name(header.exchange_type),
        if header.is_response() {
            "response"
        } else {
            "request"
        },
        header.message_id,
    )
}

/// The exchange as charon names it ("IKE_SA_INIT", "INFORMATIONAL", or the number).
pub fn exchange_name(exchange: ExchangeType) -> String {
    exchange
        .name()
        .map_or_else(|| exchange.0.to_string(), str::to_owned)
}

/// charon's short name of a payload.
pub fn payload_name(payload: &Payload) -> String {
    match payload {
        Payload::Sa(_) => "SA".to_owned(),
        Payload::Ke(_) => "KE".to_owned(),
        Payload::IdI(_) => "IDi".to_owned(),
        Payload::IdR(_) => "IDr".to_owned(),
        Payload::Cert(_) => "CERT".to_owned(),
        Payload::CertReq(_) => "CERTREQ".to_owned(),
        Payload::Auth(_) => "AUTH".to_owned(),
        Payload::Nonce(_) => "No".to_owned(),
        Payload::Notify(n) => format!("N({})", notify_name(n.notify_type)),
        Payload::Delete(_) => "D".to_owned(),
        Payload::VendorId(_) => "V".to_owned(),
        Payload::TsI(_) => "TSi".to_owned(),
        Payload::TsR(_) => "TSr".to_owned(),
        Payload::Sk(_) => "E".to_owned(),
        Payload::Cp(cp) => {
            let kind = match cp.cfg_type {
                CfgType::REQUEST => "CPRQ",
                CfgType::REPLY => "CPRP",
                CfgType::SET => "CPS",
                CfgType::ACK => "CPA",
                _ => "CP",
            };
            let attrs: Vec<String> = cp
                .attributes
                .iter()
                .map(|a| attr_name(a.attr_type))
                .collect();
            format!("{kind}({})", attrs.join(" "))
        }
        Payload::Eap(_) => "EAP".to_owned(),
        Payload::Skf(_) => "EF".to_owned(),
        Payload::Unknown(u) => format!("UNKNOWN({})", u.payload_type.0),
    }
}

/// charon's short name of a notify type; unknown types as their number.
pub fn notify_name(t: NotifyType) -> String {
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
        other => {
            return other
                .name()
                .map_or_else(|| other.0.to_string(), str::to_owned);
        }
    };
    short.to_owned()
}

fn attr_name(t: CfgAttrType) -> String {
    let short = match t {
        CfgAttrType::INTERNAL_IP4_ADDRESS => "ADDR",
        CfgAttrType::INTERNAL_IP4_NETMASK => "MASK",
        CfgAttrType::INTERNAL_IP4_DNS => "DNS",
        CfgAttrType::INTERNAL_IP4_NBNS => "NBNS",
        CfgAttrType::INTERNAL_IP6_ADDRESS => "ADDR6",
        CfgAttrType::INTERNAL_IP6_DNS => "DNS6",
        CfgAttrType::INTERNAL_IP4_SUBNET => "SUBNET",
        CfgAttrType::INTERNAL_IP6_SUBNET => "SUBNET6",
        other => return other.0.to_string(),
    };
    short.to_owned()
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
}
