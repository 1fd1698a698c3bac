//! Notification Data by notify type (RFC 7296 §3.10.1 and the RFCs that define each
//! status type): one reader, used both by `NotifyPayload::decoded` and by the dissector.

use crate::wire::dissect::catalogue;
use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use super::text_or_hex;
use crate::wire::cursor::{Doc, Reader, WireResult};
use crate::wire::error::{ErrorKind, WireError};
use crate::wire::hex;
use crate::wire::iana::{DhId, GatewayIdType, HashAlgorithm, IpcompId, NotifyType, PayloadType};

/// Notification Data, decoded according to the notify type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum NotifyData {
    /// No data.
    Empty,
    /// Data of a type whose layout is not decoded here.
    Opaque(#[serde(with = "crate::wire::hex::serde_hex")] Vec<u8>),
    /// UNSUPPORTED_CRITICAL_PAYLOAD: the payload type that was not understood.
    PayloadType(PayloadType),
    /// INVALID_KE_PAYLOAD: the group the responder wants (RFC 7296 §1.3).
    DhGroup(DhId),
    /// NAT_DETECTION_SOURCE_IP / _DESTINATION_IP: SHA-1(SPIi | SPIr | IP | port) (§2.23).
    NatDetectionHash(#[serde(with = "crate::wire::hex::serde_hex")] Vec<u8>),
    /// COOKIE (§2.6) and COOKIE2 (RFC 4555 §4.4.5): opaque, echoed back.
    Cookie(#[serde(with = "crate::wire::hex::serde_hex")] Vec<u8>),
    /// SET_WINDOW_SIZE (§2.3): requests the sender can keep in flight.
    WindowSize(u32),
    /// IPCOMP_SUPPORTED (§2.22): a CPI, a transform and its attributes.
    Ipcomp {
        cpi: u16,
        transform: IpcompId,
        #[serde(with = "crate::wire::hex::serde_hex")]
        attributes: Vec<u8>,
    },
    /// SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4).
    HashAlgorithms(Vec<HashAlgorithm>),
    /// ADDITIONAL_IP4_ADDRESS (RFC 4555 §4.4.2).
    Ipv4(Ipv4Addr),
    /// ADDITIONAL_IP6_ADDRESS (RFC 4555 §4.4.2).
    Ipv6(Ipv6Addr),
    /// AUTH_LIFETIME (RFC 4478 §3): seconds until re-authentication.
    Lifetime(u32),
    /// REDIRECT (with the initiator's nonce, when answering IKE_SA_INIT) and
    /// REDIRECTED_FROM (no nonce), RFC 5685 §8.
    Redirect {
        gateway: GatewayIdentity,
        #[serde(with = "crate::wire::hex::serde_hex")]
        nonce: Vec<u8>,
    },
}

/// A gateway named in REDIRECT / REDIRECTED_FROM (RFC 5685 §8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum GatewayIdentity {
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    Fqdn(String),
    Other {
        id_type: GatewayIdType,
        #[serde(with = "crate::wire::hex::serde_hex")]
        data: Vec<u8>,
    },
}

/// Octets in a NAT detection hash (SHA-1, RFC 7296 §2.23).
pub(crate) const NAT_HASH_LEN: usize = 20;

/// Reads the Notification Data of a `kind` notify; the reader's limit is the data's end.
pub(crate) fn read_notify_data(r: &mut Reader<'_>, kind: NotifyType) -> WireResult<NotifyData> {
    let data = match kind {
        NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD => NotifyData::PayloadType(PayloadType(
            r.u8(&CRITICAL_TYPE, |v| PayloadType(v).to_string())?,
        )),
        NotifyType::INVALID_KE_PAYLOAD => {
            NotifyData::DhGroup(DhId(r.u16(&ACCEPTED_GROUP, |v| DhId(v).to_string())?))
        }
        NotifyType::NAT_DETECTION_SOURCE_IP | NotifyType::NAT_DETECTION_DESTINATION_IP => {
            let doc = if kind == NotifyType::NAT_DETECTION_SOURCE_IP {
                &NATD_SRC
            } else {
                &NATD_DST
            };
            exact_len(r, NAT_HASH_LEN, doc.name)?;
            NotifyData::NatDetectionHash(r.rest(doc, hex::encode).to_vec())
        }
        NotifyType::COOKIE | NotifyType::COOKIE2 => {
            let n = r.remaining();
            if !(1..=64).contains(&n) {
                return Err(bad_len(r, n, "COOKIE", "a cookie is 1 to 64 octets"));
            }
            NotifyData::Cookie(r.rest(&COOKIE, hex::preview).to_vec())
        }
        NotifyType::SET_WINDOW_SIZE => {
            NotifyData::WindowSize(r.u32(&WINDOW, |v| format!("{v} requests"))?)
        }
        NotifyType::IPCOMP_SUPPORTED => {
            let cpi = r.u16(&CPI, |v| format!("0x{v:04x}"))?;
            let transform = IpcompId(r.u8(&IPCOMP_ID, |v| IpcompId(v).to_string())?);
            let attributes = r.rest(&IPCOMP_ATTRS, hex::preview).to_vec();
            NotifyData::Ipcomp {
                cpi,
                transform,
                attributes,
            }
        }
        NotifyType::SIGNATURE_HASH_ALGORITHMS => {
            if !r.remaining().is_multiple_of(2) {
                return Err(bad_len(
                    r,
                    r.remaining(),
                    "Signature Hash Algorithms",
                    "a list of 2-octet hash algorithm numbers",
                ));
            }
            let mut list = Vec::new();
            while r.remaining() > 0 {
                list.push(HashAlgorithm(
                    r.u16(&HASH, |v| HashAlgorithm(v).to_string())?,
                ));
            }
            NotifyData::HashAlgorithms(list)
        }
        NotifyType::ADDITIONAL_IP4_ADDRESS => {
            exact_len(r, 4, "Additional IPv4 Address")?;
            let (v, range) = r.raw_u32("Additional IPv4 Address")?;
            let a = Ipv4Addr::from(v);
            r.leaf(range, &ADDR4, || a.to_string());
            NotifyData::Ipv4(a)
        }
        NotifyType::ADDITIONAL_IP6_ADDRESS => {
            exact_len(r, 16, "Additional IPv6 Address")?;
            let (b, range) = r.raw_bytes(16, "Additional IPv6 Address")?;
            let a = Ipv6Addr::from(<[u8; 16]>::try_from(b).unwrap_or_default());
            r.leaf(range, &ADDR6, || a.to_string());
            NotifyData::Ipv6(a)
        }
        NotifyType::AUTH_LIFETIME => {
            NotifyData::Lifetime(r.u32(&LIFETIME, |v| format!("{v} seconds"))?)
        }
        NotifyType::REDIRECT | NotifyType::REDIRECTED_FROM => {
            let id_type = GatewayIdType(r.u8(&GW_TYPE, |v| GatewayIdType(v).to_string())?);
            let len = r.u8(&GW_LEN, |v| format!("{v} octets"))?;
            let (ident, range) = r.raw_bytes(usize::from(len), "Gateway Identity")?;
            let gateway = gateway_identity(id_type, ident);
            r.leaf(range, &GW_IDENT, || gateway_text(&gateway));
            let nonce = r.rest(&REDIRECT_NONCE, hex::preview).to_vec();
            NotifyData::Redirect { gateway, nonce }
        }
        _ if r.remaining() == 0 => NotifyData::Empty,
        _ => NotifyData::Opaque(r.rest(&OPAQUE, text_or_hex).to_vec()),
    };
    r.expect_end("Notification Data")?;
    Ok(data)
}

fn exact_len(r: &Reader<'_>, n: usize, field: &'static str) -> WireResult<()> {
    if r.remaining() == n {
        Ok(())
    } else {
        Err(WireError::new(
            r.pos(),
            field,
            ErrorKind::LengthMismatch {
                declared: n,
                actual: r.remaining(),
            },
        ))
    }
}

fn bad_len(r: &Reader<'_>, n: usize, field: &'static str, expected: &'static str) -> WireError {
    WireError::new(
        r.pos(),
        field,
        ErrorKind::BadValue {
            found: n as u64,
            expected: Cow::Borrowed(expected),
        },
    )
}

fn gateway_identity(id_type: GatewayIdType, data: &[u8]) -> GatewayIdentity {
    match id_type {
        GatewayIdType::IPV4 if data.len() == 4 => GatewayIdentity::Ipv4(Ipv4Addr::from(
            <[u8; 4]>::try_from(data).unwrap_or_default(),
        )),
        GatewayIdType::IPV6 if data.len() == 16 => GatewayIdentity::Ipv6(Ipv6Addr::from(
            <[u8; 16]>::try_from(data).unwrap_or_default(),
        )),
        GatewayIdType::FQDN if std::str::from_utf8(data).is_ok() => {
            GatewayIdentity::Fqdn(String::from_utf8_lossy(data).into_owned())
        }
        _ => GatewayIdentity::Other {
            id_type,
            data: data.to_vec(),
        },
    }
}

fn gateway_text(g: &GatewayIdentity) -> String {
    match g {
        GatewayIdentity::Ipv4(a) => a.to_string(),
        GatewayIdentity::Ipv6(a) => a.to_string(),
        GatewayIdentity::Fqdn(s) => s.clone(),
        GatewayIdentity::Other { data, .. } => hex::preview(data),
    }
}

const CRITICAL_TYPE: Doc = catalogue::NOTIFY_DATA_CRITICAL_TYPE;
const ACCEPTED_GROUP: Doc = catalogue::NOTIFY_DATA_ACCEPTED_GROUP;
const NATD_SRC: Doc = catalogue::NOTIFY_DATA_NATD_SRC;
const NATD_DST: Doc = catalogue::NOTIFY_DATA_NATD_DST;
const COOKIE: Doc = catalogue::NOTIFY_DATA_COOKIE;
const WINDOW: Doc = catalogue::NOTIFY_DATA_WINDOW;
const CPI: Doc = catalogue::NOTIFY_DATA_CPI;
const IPCOMP_ID: Doc = catalogue::NOTIFY_DATA_IPCOMP_ID;
const IPCOMP_ATTRS: Doc = catalogue::NOTIFY_DATA_IPCOMP_ATTRS;
const HASH: Doc = catalogue::NOTIFY_DATA_HASH;
const ADDR4: Doc = catalogue::NOTIFY_DATA_ADDR4;
const ADDR6: Doc = catalogue::NOTIFY_DATA_ADDR6;
const LIFETIME: Doc = catalogue::NOTIFY_DATA_LIFETIME;
const GW_TYPE: Doc = catalogue::NOTIFY_DATA_GW_TYPE;
const GW_LEN: Doc = catalogue::NOTIFY_DATA_GW_LEN;
const GW_IDENT: Doc = catalogue::NOTIFY_DATA_GW_IDENT;
const REDIRECT_NONCE: Doc = catalogue::NOTIFY_DATA_REDIRECT_NONCE;
const OPAQUE: Doc = catalogue::NOTIFY_DATA_OPAQUE;
