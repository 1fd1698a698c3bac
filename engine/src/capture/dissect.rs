//! A captured datagram dissected whole: IP header, UDP header and what they carry,
//! every octet of the IP packet in one leaf.

use super::datagram::{Datagram, DatagramKind};
use crate::wire::dissect::catalogue::{self, Doc};
use crate::wire::esp::{EspDecryptor, dissect_esp};
use crate::wire::hex;
use crate::wire::ip::{IpPacket, IpProtocol, UdpHeader, dissect_ip_header, dissect_udp_header};
use crate::wire::udp_encap::dissect_udp_4500;
use crate::wire::{Decryptor, Dissection, Field, dissect_message};

/// Dissects `datagram.ip_packet`: the IP header (and IPv6 extension headers), the UDP
/// header, then the IKE message, ESP packet or NAT-keepalive, with `ike` and `esp`
/// decrypting what they can. Ranges are offsets into `datagram.ip_packet`. Never
/// fails: a malformed IKE message or ESP packet yields its fields and `error`.
pub fn dissect_datagram(
    datagram: &Datagram<'_>,
    ike: Option<&mut (dyn Decryptor + '_)>,
    esp: Option<&mut (dyn EspDecryptor + '_)>,
) -> Dissection {
    let packet = datagram.ip_packet;
    let Ok(parsed) = IpPacket::parse(packet) else {
        // `Datagram`s come from packets that parsed; keep the promise anyway.
        return opaque(packet, &catalogue::CAPTURE_IP_PACKET, "unparsed IP packet");
    };
    let mut fields = dissect_ip_header(packet, &parsed);
    let ip_payload_start = parsed.payload_offset;
    let addresses = Some((datagram.src, datagram.dst));
    let (inner, inner_start) = match parsed.protocol {
        IpProtocol::UDP => match UdpHeader::parse(parsed.payload) {
            Ok((udp, data)) => {
                fields.push(dissect_udp_header(
                    &udp,
                    ip_payload_start,
                    &parsed.header.pseudo_header(),
                    data,
                ));
                let data_start = ip_payload_start + UdpHeader::LEN;
                let inner = match datagram.kind {
                    DatagramKind::Ike500 => dissect_message(data, ike),
                    DatagramKind::Ike4500 | DatagramKind::EspInUdp | DatagramKind::NatKeepalive => {
                        dissect_udp_4500(data, addresses, ike, esp)
                    }
                    DatagramKind::Esp | DatagramKind::Other => opaque(
                        data,
                        &catalogue::CAPTURE_UDP_DATA,
                        "UDP data of another protocol",
                    ),
                };
                (inner, data_start)
            }
            Err(_) => (
                opaque(
                    parsed.payload,
                    &catalogue::CAPTURE_IP_PAYLOAD,
                    "malformed UDP",
                ),
                ip_payload_start,
            ),
        },
        IpProtocol::ESP => (
            dissect_esp(parsed.payload, addresses, esp),
            ip_payload_start,
        ),
        other => (
            opaque(
                parsed.payload,
                &catalogue::CAPTURE_IP_PAYLOAD,
                &format!("{other} payload"),
            ),
            ip_payload_start,
        ),
    };
    let inner_end = inner_start + inner.length;
    for mut field in inner.fields {
        field.shift(inner_start);
        fields.push(field);
    }
    let ip_end = ip_payload_start + parsed.payload.len();
    if ip_end > inner_end {
        // UDP Length shorter than the IP payload: the rest belongs to no UDP datagram.
        fields.push(Field::leaf(
            &catalogue::CAPTURE_EXCESS_IP_PAYLOAD,
            inner_end..ip_end,
            hex::preview(packet.get(inner_end..ip_end).unwrap_or_default()),
        ));
    }
    let error = inner.error.map(|mut e| {
        e.offset += inner_start;
        e
    });
    Dissection {
        length: packet.len(),
        summary: inner.summary,
        fields,
        error,
    }
}

/// One leaf for bytes that are not IKE or ESP.
fn opaque(bytes: &[u8], doc: &Doc, summary: &str) -> Dissection {
    let fields = if bytes.is_empty() {
        Vec::new()
    } else {
        vec![Field::leaf(doc, 0..bytes.len(), hex::preview(bytes))]
    };
    Dissection {
        length: bytes.len(),
        summary: summary.to_owned(),
        fields,
        error: None,
    }
}
