//! Finding payloads in a received message.

use crate::wire::iana::NotifyType;
use crate::wire::{
    AuthPayload, CpPayload, IdPayload, KePayload, NoncePayload, NotifyPayload, Payload, SaPayload,
    TsPayload,
};

pub(crate) fn notify(payloads: &[Payload], kind: NotifyType) -> Option<&NotifyPayload> {
    payloads.iter().find_map(|p| match p {
        Payload::Notify(n) if n.notify_type == kind => Some(n),
        _ => None,
    })
}

pub(crate) fn has_notify(payloads: &[Payload], kind: NotifyType) -> bool {
    notify(payloads, kind).is_some()
}

/// Error notifications (types below 16384, RFC 7296 §3.10.1), in order.
pub(crate) fn errors(payloads: &[Payload]) -> Vec<NotifyType> {
    payloads
        .iter()
        .filter_map(|p| match p {
            Payload::Notify(n) if n.notify_type.0 < 16384 => Some(n.notify_type),
            _ => None,
        })
        .collect()
}

pub(crate) fn sa(payloads: &[Payload]) -> Option<&SaPayload> {
    payloads.iter().find_map(|p| match p {
        Payload::Sa(x) => Some(x),
        _ => None,
    })
}

pub(crate) fn ke(payloads: &[Payload]) -> Option<&KePayload> {
    payloads.iter().find_map(|p| match p {
        Payload::Ke(x) => Some(x),
        _ => None,
    })
}

pub(crate) fn nonce(payloads: &[Payload]) -> Option<&NoncePayload> {
    payloads.iter().find_map(|p| match p {
        Payload::Nonce(x) => Some(x),
        _ => None,
    })
}

pub(crate) fn id_i(payloads: &[Payload]) -> Option<&IdPayload> {
    payloads.iter().find_map(|p| match p {
        Payload::IdI(x) => Some(x),
        _ => None,
    })
}

pub(crate) fn id_r(payloads: &[Payload]) -> Option<&IdPayload> {
    payloads.iter().find_map(|p| match p {
        Payload::IdR(x) => Some(x),
        _ => None,
    })
}

pub(crate) fn auth(payloads: &[Payload]) -> Option<&AuthPayload> {
    payloads.iter().find_map(|p| match p {
        Payload::Auth(x) => Some(x),
        _ => None,
    })
}

pub(crate) fn ts_i(payloads: &[Payload]) -> Option<&TsPayload> {
    payloads.iter().find_map(|p| match p {
        Payload::TsI(x) => Some(x),
        _ => None,
    })
}

pub(crate) fn ts_r(payloads: &[Payload]) -> Option<&TsPayload> {
    payloads.iter().find_map(|p| match p {
        Payload::TsR(x) => Some(x),
        _ => None,
    })
}

pub(crate) fn cp(payloads: &[Payload]) -> Option<&CpPayload> {
    payloads.iter().find_map(|p| match p {
        Payload::Cp(x) => Some(x),
        _ => None,
    })
}

/// The identity as text: "gw.example", "192.0.2.1", "#0a0b" for opaque types.
pub fn id_text(id: &IdPayload) -> String {
    use crate::wire::iana::IdType;
    match id.id_type {
        IdType::IPV4_ADDR => id
            .as_ipv4()
            .map_or_else(|| hex(&id.data), |a| a.to_string()),
        IdType::IPV6_ADDR => id
            .as_ipv6()
            .map_or_else(|| hex(&id.data), |a| a.to_string()),
        IdType::FQDN | IdType::RFC822_ADDR => match std::str::from_utf8(&id.data) {
            Ok(s) => s.to_owned(),
            Err(_) => hex(&id.data),
        },
        IdType::NULL => "(null)".to_owned(),
        _ => hex(&id.data),
    }
}

fn hex(data: &[u8]) -> String {
    format!("#{}", crate::wire::hex::encode(data))
}
