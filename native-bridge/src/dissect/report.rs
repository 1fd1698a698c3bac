//! The facts `ikelab dissect` reports for each frame, in the shape of the JSON
//! document (see the module doc of `dissect` for the schema).

use ikelab_engine::capture::{Datagram, DatagramKind, dissect_datagram};
use ikelab_engine::wire::esp::{EspDecryptor, EspHeader, dissect_esp};
use ikelab_engine::wire::hex;
use ikelab_engine::wire::iana::PayloadType;
use ikelab_engine::wire::udp_encap::dissect_udp_4500;
use ikelab_engine::wire::{
    Decryptor, Dissection, IkeHeader, Message, Payload, dissect_message, parse_payload_chain,
    split_sk_plaintext,
};
use serde::Serialize;

use super::keys::{Recording, SkSeen};
use super::time::rfc3339;

/// The decryption hooks a dissection may use: `--keys DIR` fills `ike` from the
/// folder's `ikev2_decryption_table` and `esp` from its `esp_sa`.
#[derive(Default)]
pub(crate) struct Keys<'k> {
    pub(crate) ike: Option<&'k mut dyn Decryptor>,
    pub(crate) esp: Option<&'k mut dyn EspDecryptor>,
}

impl<'k> Keys<'k> {
    /// Both decryptors, reborrowed for one dissection.
    fn both(
        &mut self,
    ) -> (
        Option<&mut (dyn Decryptor + 'k)>,
        Option<&mut (dyn EspDecryptor + 'k)>,
    ) {
        (self.ike.as_deref_mut(), self.esp.as_deref_mut())
    }
}

impl core::fmt::Debug for Keys<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Keys")
            .field("ike", &self.ike.is_some())
            .field("esp", &self.esp.is_some())
            .finish()
    }
}

/// One frame that holds IKE, ESP or a NAT-keepalive.
#[derive(Debug, Serialize)]
pub(crate) struct FrameReport {
    /// Frame number in the file, from 1, as Wireshark counts.
    pub(crate) frame: u64,
    /// UTC, RFC 3339.
    pub(crate) time: String,
    /// Microseconds since 1970 (fits a JSON number exactly).
    pub(crate) time_us: u64,
    pub(crate) src: String,
    pub(crate) dst: String,
    /// UDP ports; null for ESP directly in IP.
    pub(crate) sport: Option<u16>,
    pub(crate) dport: Option<u16>,
    /// "ike", "esp" or "nat_keepalive".
    pub(crate) kind: &'static str,
    /// "udp500", "udp4500" or "ip50".
    pub(crate) transport: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) ike: Option<IkeReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) esp: Option<EspReport>,
    /// With `--layers`: the whole IP packet dissected, offsets from the IP header.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "explained_layers"
    )]
    pub(crate) layers: Option<Dissection>,
    /// A NAT-keepalive's one field, for the text form (the JSON `kind` says it all).
    #[serde(skip)]
    pub(crate) keepalive: Option<Dissection>,
}

/// An IKE message: header facts, payload types, and the dissection.
#[derive(Debug, Serialize)]
pub(crate) struct IkeReport {
    /// Header fields; null when even the 28-octet header is unreadable.
    pub(crate) ispi: Option<String>,
    pub(crate) rspi: Option<String>,
    /// The IANA name ("IKE_SA_INIT"), or the number for an unassigned value.
    pub(crate) exchange: Option<String>,
    pub(crate) exchange_type: Option<u8>,
    pub(crate) message_id: Option<u32>,
    pub(crate) flags: Option<u8>,
    pub(crate) initiator: Option<bool>,
    pub(crate) response: Option<bool>,
    /// "2.0".
    pub(crate) version: Option<String>,
    /// The header's Length field.
    pub(crate) length: Option<u32>,
    /// Payload types in order, as the Next Payload chain names them (the SK payload
    /// counts as one: its content is encrypted).
    pub(crate) payloads: Vec<u8>,
    pub(crate) payload_names: Vec<String>,
    /// When the last payload is SK or SKF: its Next Payload field, the type of the
    /// first encrypted payload (0 in SKF fragments after the first, RFC 7383 §2.5).
    pub(crate) encrypted_next_payload: Option<u8>,
    pub(crate) summary: String,
    /// Why the message does not parse, if it does not.
    pub(crate) error: Option<String>,
    /// With `--keys`, for a message with an SK or SKF payload: what the key table did
    /// with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) decryption: Option<DecryptionReport>,
    /// Offsets from the first octet of the IKE header.
    #[serde(serialize_with = "explained")]
    pub(crate) dissection: Dissection,
}

/// What `--keys` made of a message's SK or SKF payload.
#[derive(Debug, Serialize)]
pub(crate) struct DecryptionReport {
    /// The ICV verified and the payload was decrypted.
    pub(crate) decrypted: bool,
    /// How it was decrypted (`"AES-GCM-256 with 16 octet ICV [RFC5282], SK_ei, ICV
    /// correct, key table line 1"`), or why not ("no entry for SPIs ... in the key
    /// table", "ICV check failed with the key table entry for SPIs ...").
    pub(crate) note: Option<String>,
    /// The inner payload types in chain order (empty unless decrypted; a fragment of
    /// a larger message lists none, its content being part of a chain).
    pub(crate) payloads: Vec<u8>,
    pub(crate) payload_names: Vec<String>,
    /// `[Fragment Number, Total Fragments]` of an SKF payload.
    pub(crate) fragment: Option<[u16; 2]>,
    /// Why the decrypted content does not parse, if it does not.
    pub(crate) error: Option<String>,
}

impl DecryptionReport {
    fn new(seen: &SkSeen) -> Self {
        let whole_chain = seen.fragment.is_none_or(|(_, total)| total == 1);
        let mut report = Self {
            decrypted: seen.plaintext.is_some(),
            note: seen.note.clone(),
            payloads: Vec::new(),
            payload_names: Vec::new(),
            fragment: seen.fragment.map(|(number, total)| [number, total]),
            error: None,
        };
        let Some(plaintext) = seen.plaintext.as_deref().filter(|_| whole_chain) else {
            return report;
        };
        let parsed = split_sk_plaintext(plaintext)
            .and_then(|(inner, _padding)| parse_payload_chain(inner, seen.first_payload));
        match parsed {
            Ok(payloads) => {
                report.payloads = payloads.iter().map(|p| p.payload_type().0).collect();
                report.payload_names = payloads.iter().map(Payload::short_name).collect();
            }
            Err(err) => report.error = Some(err.to_string()),
        }
        report
    }
}

/// An ESP packet.
#[derive(Debug, Serialize)]
pub(crate) struct EspReport {
    /// Eight hex digits; null when the packet is too short for one.
    pub(crate) spi: Option<String>,
    pub(crate) sequence: Option<u32>,
    pub(crate) length: usize,
    pub(crate) summary: String,
    pub(crate) error: Option<String>,
    /// Offsets from the first octet of the SPI.
    #[serde(serialize_with = "explained")]
    pub(crate) dissection: Dissection,
}

/// Builds the report of one datagram, or `None` for kinds `dissect` does not show.
pub(crate) fn frame_report(
    datagram: &Datagram<'_>,
    keys: &mut Keys<'_>,
    layers: bool,
) -> Option<FrameReport> {
    let (kind, transport) = match datagram.kind {
        DatagramKind::Ike500 => ("ike", "udp500"),
        DatagramKind::Ike4500 => ("ike", "udp4500"),
        DatagramKind::EspInUdp => ("esp", "udp4500"),
        DatagramKind::Esp => ("esp", "ip50"),
        DatagramKind::NatKeepalive => ("nat_keepalive", "udp4500"),
        DatagramKind::Other => return None,
    };
    let addresses = Some((datagram.src, datagram.dst));
    let ike = if datagram.kind.is_ike() {
        Some(ike_report(datagram.payload, keys.both().0))
    } else {
        None
    };
    let esp = if datagram.kind.is_esp() {
        let dissection = dissect_esp(datagram.payload, addresses, keys.both().1);
        let header = EspHeader::parse(datagram.payload).ok().map(|(h, _)| h);
        Some(EspReport {
            spi: header.map(|h| format!("{:08x}", h.spi)),
            sequence: header.map(|h| h.sequence_number),
            length: datagram.payload.len(),
            summary: dissection.summary.clone(),
            error: dissection.error.as_ref().map(ToString::to_string),
            dissection,
        })
    } else {
        None
    };
    let keepalive = (datagram.kind == DatagramKind::NatKeepalive)
        .then(|| dissect_udp_4500(datagram.payload, addresses, None, None));
    let layers = if layers {
        let (ike, esp) = keys.both();
        Some(dissect_datagram(datagram, ike, esp))
    } else {
        None
    };
    Some(FrameReport {
        frame: datagram.frame,
        time: rfc3339(datagram.time),
        time_us: u64::try_from(datagram.time.as_micros()).unwrap_or(u64::MAX),
        src: datagram.src.to_string(),
        dst: datagram.dst.to_string(),
        sport: datagram.src_port,
        dport: datagram.dst_port,
        kind,
        transport,
        ike,
        esp,
        layers,
        keepalive,
    })
}

fn ike_report(message: &[u8], decryptor: Option<&mut (dyn Decryptor + '_)>) -> IkeReport {
    let (dissection, seen) = match decryptor {
        Some(decryptor) => {
            let mut recording = Recording::new(decryptor);
            let dissection = dissect_message(message, Some(&mut recording));
            (dissection, recording.seen)
        }
        None => (dissect_message(message, None), Vec::new()),
    };
    let header = IkeHeader::parse(message).ok();
    let parsed = Message::parse(message);
    let payloads: Vec<PayloadType> = match &parsed {
        Ok(m) => m.payloads.iter().map(|p| p.payload_type()).collect(),
        Err(_) => header
            .as_ref()
            .map(|h| walk_chain(message, h.next_payload))
            .unwrap_or_default(),
    };
    let h = header.as_ref().map(|p| &p.header);
    IkeReport {
        ispi: h.map(|h| hex::encode(&h.spi_i.0)),
        rspi: h.map(|h| hex::encode(&h.spi_r.0)),
        exchange: h.map(|h| {
            h.exchange_type
                .name()
                .map_or_else(|| h.exchange_type.0.to_string(), str::to_owned)
        }),
        exchange_type: h.map(|h| h.exchange_type.0),
        message_id: h.map(|h| h.message_id),
        flags: h.map(|h| h.flags.0),
        initiator: h.map(|h| h.flags.initiator()),
        response: h.map(|h| h.flags.response()),
        version: h.map(|h| format!("{}.{}", h.major_version, h.minor_version)),
        length: header.as_ref().map(|p| p.length),
        payload_names: match &parsed {
            Ok(m) => m.payloads.iter().map(|p| p.short_name()).collect(),
            Err(_) => payloads
                .iter()
                .map(|t| t.name().map_or_else(|| t.0.to_string(), str::to_owned))
                .collect(),
        },
        payloads: payloads.iter().map(|t| t.0).collect(),
        encrypted_next_payload: parsed.as_ref().ok().and_then(|m| match m.payloads.last() {
            Some(Payload::Sk(sk)) => Some(sk.first_payload.0),
            Some(Payload::Skf(skf)) => Some(skf.first_payload.0),
            _ => None,
        }),
        summary: dissection.summary.clone(),
        error: dissection.error.as_ref().map(ToString::to_string),
        decryption: seen.first().map(DecryptionReport::new),
        dissection,
    }
}

/// The payload types of a message that does not parse: follows the generic payload
/// headers (Next Payload, Payload Length; RFC 7296 §3.2) as far as they hold
/// together, so a damaged payload body does not hide the ones before it.
fn walk_chain(message: &[u8], first: PayloadType) -> Vec<PayloadType> {
    let mut types = Vec::new();
    let mut next = first;
    let mut at = IkeHeader::LEN;
    while next != PayloadType::NONE {
        let Some(&[following, _, len_high, len_low]) =
            message.get(at..).and_then(|r| r.first_chunk::<4>())
        else {
            break;
        };
        let length = usize::from(u16::from_be_bytes([len_high, len_low]));
        if length < 4 || at + length > message.len() {
            break;
        }
        types.push(next);
        if matches!(next, PayloadType::SK | PayloadType::SKF) {
            break;
        }
        next = PayloadType(following);
        at += length;
    }
    types
}

/// A dissection in the JSON report: every field with its name, RFC section and
/// meaning from the engine's catalogue (`Dissection::explained`), as users read it.
fn explained<S: serde::Serializer>(d: &Dissection, s: S) -> Result<S::Ok, S::Error> {
    d.explained().serialize(s)
}

fn explained_layers<S: serde::Serializer>(d: &Option<Dissection>, s: S) -> Result<S::Ok, S::Error> {
    d.as_ref().map(Dissection::explained).serialize(s)
}
