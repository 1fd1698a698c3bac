//! Notify payload (RFC 7296 §3.10).
//!
//! ```text
//! |  Protocol ID  |   SPI Size    |      Notify Message Type      |
//! ~                Security Parameter Index (SPI)                 ~
//! ~                       Notification Data                       ~
//! ```

use crate::wire::dissect::catalogue::{self, NOTIFY_TYPES};
use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::notify_data::{NAT_HASH_LEN, NotifyData, read_notify_data};
use super::text_or_hex;
use crate::wire::cursor::{Doc, Reader, WireResult};
use crate::wire::error::{ErrorKind, WireError};
use crate::wire::hex;
use crate::wire::iana::{DhId, HashAlgorithm, NotifyType, PayloadType, ProtocolId};
use crate::wire::writer::{EmitResult, Writer, fit_u8};

const RFC: &str = "RFC 7296 §3.10";

/// A Notify payload: an error, a status or a capability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyPayload {
    /// The SA the notification is about; 0 when the SPI is empty (RFC 7296 §3.10).
    pub protocol: ProtocolId,
    #[serde(with = "crate::wire::hex::serde_hex")]
    pub spi: Vec<u8>,
    pub notify_type: NotifyType,
    #[serde(with = "crate::wire::hex::serde_hex")]
    pub data: Vec<u8>,
}

impl NotifyPayload {
    /// A notification about the IKE SA itself: Protocol ID 0, no SPI.
    pub fn new(notify_type: NotifyType, data: Vec<u8>) -> Self {
        Self {
            protocol: ProtocolId(0),
            spi: Vec::new(),
            notify_type,
            data,
        }
    }

    /// INVALID_KE_PAYLOAD naming the group the responder wants.
    pub fn invalid_ke(group: DhId) -> Self {
        Self::new(
            NotifyType::INVALID_KE_PAYLOAD,
            group.0.to_be_bytes().to_vec(),
        )
    }

    /// UNSUPPORTED_CRITICAL_PAYLOAD naming the payload type (RFC 7296 §3.10.1).
    pub fn unsupported_critical_payload(payload_type: PayloadType) -> Self {
        Self::new(
            NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD,
            vec![payload_type.0],
        )
    }

    /// SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4).
    pub fn signature_hash_algorithms(list: &[HashAlgorithm]) -> Self {
        Self::new(
            NotifyType::SIGNATURE_HASH_ALGORITHMS,
            list.iter().flat_map(|h| h.0.to_be_bytes()).collect(),
        )
    }

    /// REKEY_SA for the Child SA with this inbound SPI (RFC 7296 §1.3.3).
    pub fn rekey_sa(protocol: ProtocolId, spi: u32) -> Self {
        Self {
            protocol,
            spi: spi.to_be_bytes().to_vec(),
            notify_type: NotifyType::REKEY_SA,
            data: Vec::new(),
        }
    }

    /// The data decoded by notify type (the dissector reads it with the same code).
    pub fn decoded(&self) -> Result<NotifyData, WireError> {
        read_notify_data(&mut Reader::new(&self.data), self.notify_type)
    }

    /// The 20-octet hash of a NAT_DETECTION_SOURCE_IP / _DESTINATION_IP notify.
    pub fn nat_detection_hash(&self) -> Option<&[u8]> {
        matches!(
            self.notify_type,
            NotifyType::NAT_DETECTION_SOURCE_IP | NotifyType::NAT_DETECTION_DESTINATION_IP
        )
        .then_some(self.data.as_slice())
        .filter(|d| d.len() == NAT_HASH_LEN)
    }

    /// The cookie of a COOKIE notify, if it has the allowed 1 to 64 octets (§2.6).
    pub fn cookie(&self) -> Option<&[u8]> {
        match self.decoded() {
            Ok(NotifyData::Cookie(_)) if self.notify_type == NotifyType::COOKIE => Some(&self.data),
            _ => None,
        }
    }

    /// The group an INVALID_KE_PAYLOAD asks for.
    pub fn invalid_ke_group(&self) -> Option<DhId> {
        match self.decoded() {
            Ok(NotifyData::DhGroup(g)) => Some(g),
            _ => None,
        }
    }

    /// The hash algorithms of a SIGNATURE_HASH_ALGORITHMS notify.
    pub fn signature_hashes(&self) -> Option<Vec<HashAlgorithm>> {
        match self.decoded() {
            Ok(NotifyData::HashAlgorithms(list)) => Some(list),
            _ => None,
        }
    }

    /// The SPI a REKEY_SA notify names.
    pub fn rekey_sa_spi(&self) -> Option<&[u8]> {
        (self.notify_type == NotifyType::REKEY_SA && !self.spi.is_empty())
            .then_some(self.spi.as_slice())
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> WireResult<Self> {
        let protocol = ProtocolId(r.u8(&PROTOCOL, |v| match v {
            0 => "0 (none)".to_owned(),
            v => ProtocolId(v).to_string(),
        })?);
        let (spi_size, spi_size_range) = r.raw_u8(SPI_SIZE.name)?;
        let (notify_type, type_range) = r.raw_u16("Notify Message Type")?;
        let notify_type = NotifyType(notify_type);
        if usize::from(spi_size) > r.remaining() {
            return Err(WireError::new(
                spi_size_range.start,
                SPI_SIZE.name,
                ErrorKind::LengthOverrun {
                    length: usize::from(spi_size),
                    available: r.remaining(),
                },
            ));
        }
        r.leaf(spi_size_range, &SPI_SIZE, || format!("{spi_size} octets"));
        r.leaf_explained(type_range, || {
            let fallback = if notify_type.is_error() {
                &catalogue::NOTIFY_TYPE_ERROR
            } else {
                &catalogue::NOTIFY_TYPE_STATUS
            };
            (
                notify_type.to_string(),
                NOTIFY_TYPES.id(u32::from(notify_type.0), fallback),
            )
        });
        let spi = r
            .bytes(usize::from(spi_size), &SPI, |v| {
                format!("0x{}", hex::encode(v))
            })?
            .to_vec();
        let start = r.pos();
        if r.is_recording() {
            let n = r.remaining();
            let typed = r
                .attempt(|r| r.limit(n, "Notification Data", |r| read_notify_data(r, notify_type)));
            if let Err(e) = typed {
                let note = format!(
                    "{} (does not follow the layout of {notify_type}: {})",
                    text_or_hex(r.slice(start..start + n)),
                    e.kind
                );
                r.rest(&RAW_DATA, |_| note);
            }
        } else {
            r.rest(&RAW_DATA, hex::preview);
        }
        let data = r.slice(start..r.pos()).to_vec();
        Ok(Self {
            protocol,
            spi,
            notify_type,
            data,
        })
    }

    pub(crate) fn write(&self, w: &mut Writer) -> EmitResult {
        w.u8(self.protocol.0);
        w.u8(fit_u8(self.spi.len(), "SPI Size")?);
        w.u16(self.notify_type.0);
        w.bytes(&self.spi);
        w.bytes(&self.data);
        Ok(())
    }

    pub(crate) fn describe(&self) -> String {
        match self.decoded() {
            Ok(NotifyData::Empty) | Err(_) => self.notify_type.to_string(),
            Ok(NotifyData::DhGroup(g)) => format!("{}, wants {g}", self.notify_type),
            Ok(NotifyData::HashAlgorithms(list)) => {
                let names: Vec<String> = list.iter().map(ToString::to_string).collect();
                format!("{}: {}", self.notify_type, names.join(", "))
            }
            Ok(_) => format!("{}, {} octets of data", self.notify_type, self.data.len()),
        }
    }
}

/// The catalogue's Notify Message Type entry for a type (`catalogue::NOTIFY_TYPES`);
/// `None` for the types only the error / status fallbacks explain.
pub(crate) fn notify_type_title(key: u32) -> Option<catalogue::Title> {
    let t = NotifyType(u16::try_from(key).ok()?);
    let meaning = match t {
        NotifyType::NAT_DETECTION_SOURCE_IP | NotifyType::NAT_DETECTION_DESTINATION_IP => {
            "NAT detection: lets both peers find out whether a NAT sits between them, and \
             so whether to move to UDP port 4500 and encapsulate ESP in UDP."
        }
        NotifyType::COOKIE => {
            "Anti-DoS cookie: a busy responder asks the initiator to prove it can receive \
             at its address before the responder does any costly work."
        }
        NotifyType::INVALID_KE_PAYLOAD => {
            "The responder does not accept the initiator's key-exchange group and names \
             the one it wants."
        }
        NotifyType::NO_PROPOSAL_CHOSEN => "None of the offered proposals is acceptable.",
        NotifyType::AUTHENTICATION_FAILED => "The peer's authentication did not verify.",
        NotifyType::TS_UNACCEPTABLE => "The traffic selectors are not acceptable to the responder.",
        NotifyType::INITIAL_CONTACT => {
            "This is the first IKE SA between these identities: the peer may drop any \
             older SAs with the sender."
        }
        NotifyType::IKEV2_FRAGMENTATION_SUPPORTED => {
            "The sender can receive IKE messages split into SKF fragments (RFC 7383)."
        }
        NotifyType::SIGNATURE_HASH_ALGORITHMS => {
            "The hashes the sender can verify RFC 7427 digital signatures with."
        }
        NotifyType::MOBIKE_SUPPORTED => {
            "The sender supports MOBIKE: the IKE SA may move to new addresses."
        }
        NotifyType::REKEY_SA => "This CREATE_CHILD_SA replaces the Child SA named by the SPI.",
        NotifyType::USE_TRANSPORT_MODE => "The sender asks for a transport-mode Child SA.",
        NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD => {
            "The message contained a critical payload the receiver does not understand."
        }
        NotifyType::INVALID_SYNTAX => "The message was malformed.",
        _ => return None,
    };
    Some((Cow::Borrowed("Notify Message Type"), RFC, meaning))
}

const PROTOCOL: Doc = catalogue::NOTIFY_PROTOCOL;
const SPI_SIZE: Doc = catalogue::NOTIFY_SPI_SIZE;
const SPI: Doc = catalogue::NOTIFY_SPI;
const RAW_DATA: Doc = catalogue::NOTIFY_RAW_DATA;
