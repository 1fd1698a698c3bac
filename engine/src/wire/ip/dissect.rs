//! Dissection of the IP and UDP headers that frame a captured IKE or ESP packet, in
//! the same `Field` tree as the IKE dissector.

use std::borrow::Cow;

use crate::wire::dissect::catalogue::{self, IPV6_EXTENSIONS};
use core::ops::Range;

use super::{
    IpHeader, IpPacket, IpProtocol, Ipv4Header, Ipv6Header, PseudoHeader, UdpChecksum, UdpHeader,
    ipv4, ipv6, udp,
};
use crate::wire::dissect::Field;

/// Moves a field-relative range to `base`.
fn at(base: usize, range: Range<usize>) -> Range<usize> {
    base + range.start..base + range.end
}

/// The header fields of an IP packet that `IpPacket::parse` accepted: one node for
/// the IPv4 or fixed IPv6 header, then one leaf per IPv6 extension header. Ranges are
/// offsets into `packet`.
pub fn dissect_ip_header(packet: &[u8], parsed: &IpPacket<'_>) -> Vec<Field> {
    let mut fields = match &parsed.header {
        IpHeader::V4(header) => vec![dissect_ipv4(packet, header, parsed.payload.len())],
        IpHeader::V6(header) => vec![dissect_ipv6(header, packet.len())],
    };
    for (kind, range) in &parsed.extension_headers {
        fields.push(Field::with_id(
            IPV6_EXTENSIONS.id(u32::from(kind.0), &catalogue::IP_DESTINATION_OPTIONS),
            range.clone(),
            format!(
                "{} octets, next header {}",
                range.len(),
                next_of(packet, range)
            ),
        ));
    }
    fields
}

/// The catalogue's entry for an IPv6 extension header (`catalogue::IPV6_EXTENSIONS`);
/// `None` for the Destination Options header, the generic entry, and other numbers.
pub(crate) fn extension_title(key: u32) -> Option<catalogue::Title> {
    let (name, section, meaning) = match IpProtocol(u8::try_from(key).ok()?) {
        IpProtocol::HOPOPT => (
            "Hop-by-Hop Options Header",
            "RFC 8200 §4.3",
            "Options every router on the path must examine; skipped here.",
        ),
        IpProtocol::IPV6_ROUTE => (
            "Routing Header",
            "RFC 8200 §4.4",
            "Lists intermediate nodes the packet must visit; skipped here.",
        ),
        IpProtocol::IPV6_FRAG => (
            "Fragment Header",
            "RFC 8200 §4.5",
            "This packet is one fragment of a larger one, to be reassembled by the receiver.",
        ),
        _ => return None,
    };
    Some((Cow::Borrowed(name), section, meaning))
}

/// The Next Header octet that starts an extension header.
fn next_of(packet: &[u8], range: &Range<usize>) -> IpProtocol {
    IpProtocol(packet.get(range.start).copied().unwrap_or(0))
}

fn dissect_ipv4(packet: &[u8], header: &Ipv4Header, payload_len: usize) -> Field {
    use ipv4::field;
    let header_len = header.header_len();
    let total = header_len + payload_len;
    let mut flags = Vec::new();
    if header.flags & 0b100 != 0 {
        flags.push("reserved bit set");
    }
    if header.flags & Ipv4Header::FLAG_DONT_FRAGMENT != 0 {
        flags.push("DF");
    }
    if header.flags & Ipv4Header::FLAG_MORE_FRAGMENTS != 0 {
        flags.push("MF");
    }
    let flags = if flags.is_empty() {
        "none".to_owned()
    } else {
        flags.join(", ")
    };
    let checksum = u16::from_be_bytes([
        packet.get(field::CHECKSUM.start).copied().unwrap_or(0),
        packet.get(field::CHECKSUM.start + 1).copied().unwrap_or(0),
    ]);
    let mut children = vec![
        Field::leaf(
            &catalogue::IP_VERSION_IHL,
            field::VERSION_IHL,
            format!("4 / {} ({header_len} octets)", header_len / 4),
        ),
        Field::leaf(
            &catalogue::IP_TYPE_OF_SERVICE,
            field::TOS,
            format!(
                "0x{:02x} (DSCP {}, ECN {})",
                header.dscp_ecn,
                header.dscp_ecn >> 2,
                header.dscp_ecn & 0b11
            ),
        ),
        Field::leaf(
            &catalogue::IP_TOTAL_LENGTH,
            field::TOTAL_LENGTH,
            format!("{total}"),
        ),
        Field::leaf(
            &catalogue::IP_IDENTIFICATION,
            field::IDENTIFICATION,
            format!("0x{:04x}", header.identification),
        ),
        Field::leaf(
            &catalogue::IP_FLAGS_FRAGMENT_OFFSET,
            field::FLAGS_FRAGMENT,
            format!("{flags}, offset {}", u32::from(header.fragment_offset) * 8),
        ),
        Field::leaf(
            &catalogue::IP_TIME_TO_LIVE,
            field::TTL,
            header.ttl.to_string(),
        ),
        Field::leaf(
            &catalogue::IP_PROTOCOL,
            field::PROTOCOL,
            header.protocol.to_string(),
        ),
        Field::leaf(
            &catalogue::IP_HEADER_CHECKSUM,
            field::CHECKSUM,
            format!("0x{checksum:04x} (correct)"),
        ),
        Field::leaf(
            &catalogue::IP_SOURCE_ADDRESS,
            field::SRC,
            header.src.to_string(),
        ),
        Field::leaf(
            &catalogue::IP_DESTINATION_ADDRESS,
            field::DST,
            header.dst.to_string(),
        ),
    ];
    if !header.options.is_empty() {
        children.push(Field::leaf(
            &catalogue::IP_OPTIONS,
            Ipv4Header::MIN_LEN..header_len,
            crate::wire::hex::preview(&header.options),
        ));
    }
    Field::node(
        &catalogue::IP_IPV4_HEADER,
        0..header_len,
        format!("{} → {}", header.src, header.dst),
        children,
    )
}

fn dissect_ipv6(header: &Ipv6Header, packet_len: usize) -> Field {
    use ipv6::field;
    let children = vec![
        Field::leaf(
            &catalogue::IP_VERSION_TRAFFIC_CLASS_FLOW_LABEL,
            field::VERSION_CLASS_FLOW,
            format!(
                "6 / 0x{:02x} / 0x{:05x}",
                header.traffic_class, header.flow_label
            ),
        ),
        Field::leaf(
            &catalogue::IP_PAYLOAD_LENGTH,
            field::PAYLOAD_LENGTH,
            packet_len.saturating_sub(Ipv6Header::LEN).to_string(),
        ),
        Field::leaf(
            &catalogue::IP_NEXT_HEADER,
            field::NEXT_HEADER,
            header.next_header.to_string(),
        ),
        Field::leaf(
            &catalogue::IP_HOP_LIMIT,
            field::HOP_LIMIT,
            header.hop_limit.to_string(),
        ),
        Field::leaf(
            &catalogue::IP_SOURCE_ADDRESS_2,
            field::SRC,
            header.src.to_string(),
        ),
        Field::leaf(
            &catalogue::IP_DESTINATION_ADDRESS_2,
            field::DST,
            header.dst.to_string(),
        ),
    ];
    Field::node(
        &catalogue::IP_IPV6_HEADER,
        0..Ipv6Header::LEN,
        format!("{} → {}", header.src, header.dst),
        children,
    )
}

/// The fields of a UDP header that starts at `offset` in the dissected buffer.
/// `data` is the UDP data, for judging the checksum.
pub fn dissect_udp_header(
    header: &UdpHeader,
    offset: usize,
    pseudo: &PseudoHeader,
    data: &[u8],
) -> Field {
    use udp::field;
    let checksum = match header.checksum_status(pseudo, data) {
        UdpChecksum::Absent => "0x0000 (none: the sender computed no checksum)".to_owned(),
        UdpChecksum::Correct => format!("0x{:04x} (correct)", header.checksum),
        UdpChecksum::Incorrect { expected } => format!(
            "0x{:04x} (incorrect, should be 0x{expected:04x}; on a capture of outgoing \
             packets the network card often fills it in later)",
            header.checksum
        ),
    };
    let port_meaning = |port: u16| match port {
        500 => "port 500: IKE",
        4500 => "port 4500: IKE and ESP after NAT detection (RFC 3948)",
        _ => "",
    };
    let port_value = |port: u16| {
        let note = port_meaning(port);
        if note.is_empty() {
            port.to_string()
        } else {
            format!("{port} ({note})")
        }
    };
    Field::node(
        &catalogue::IP_UDP_HEADER,
        at(offset, 0..UdpHeader::LEN),
        format!("{} → {}", header.src_port, header.dst_port),
        vec![
            Field::leaf(
                &catalogue::IP_SOURCE_PORT,
                at(offset, field::SRC_PORT),
                port_value(header.src_port),
            ),
            Field::leaf(
                &catalogue::IP_DESTINATION_PORT,
                at(offset, field::DST_PORT),
                port_value(header.dst_port),
            ),
            Field::leaf(
                &catalogue::IP_LENGTH,
                at(offset, field::LENGTH),
                header.length.to_string(),
            ),
            Field::leaf(
                &catalogue::IP_CHECKSUM,
                at(offset, field::CHECKSUM),
                checksum,
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::wire::dissect::check_leaf_coverage;
    use crate::wire::ip::{OnesComplementSum, UdpChecksumMode, emit_ip_packet};

    fn ipv4_header_sums_to_ones(header: &[u8]) -> bool {
        let mut sum = OnesComplementSum::new();
        sum.add(header);
        sum.folded() == 0xFFFF
    }

    fn udp_packet(src: &str, dst: &str) -> Vec<u8> {
        let (src, dst) = (src.parse().unwrap(), dst.parse().unwrap());
        let pseudo = match (src, dst) {
            (std::net::IpAddr::V4(s), std::net::IpAddr::V4(d)) => {
                PseudoHeader::V4 { src: s, dst: d }
            }
            (std::net::IpAddr::V6(s), std::net::IpAddr::V6(d)) => {
                PseudoHeader::V6 { src: s, dst: d }
            }
            _ => unreachable!("same family"),
        };
        let mut udp = Vec::new();
        UdpHeader::emit(
            500,
            500,
            b"hello",
            &pseudo,
            UdpChecksumMode::Compute,
            &mut udp,
        )
        .unwrap();
        let mut packet = Vec::new();
        emit_ip_packet(src, dst, IpProtocol::UDP, 7, &udp, &mut packet).unwrap();
        packet
    }

    fn dissect_all(packet: &[u8]) -> Vec<Field> {
        let parsed = IpPacket::parse(packet).unwrap();
        let mut fields = dissect_ip_header(packet, &parsed);
        let (udp, data) = UdpHeader::parse(parsed.payload).unwrap();
        fields.push(dissect_udp_header(
            &udp,
            parsed.payload_offset,
            &parsed.header.pseudo_header(),
            data,
        ));
        fields.push(Field::leaf(
            &catalogue::CAPTURE_UDP_DATA,
            parsed.payload_offset + UdpHeader::LEN..packet.len(),
            "",
        ));
        fields
    }

    #[test]
    fn ipv4_udp_every_byte_explained() {
        let packet = udp_packet("192.0.2.1", "192.0.2.2");
        assert!(ipv4_header_sums_to_ones(&packet[..20]));
        let fields = dissect_all(&packet);
        check_leaf_coverage(&fields, 0..packet.len()).unwrap();
        let ip = &fields[0];
        assert_eq!(ip.name(), "IPv4 Header");
        assert_eq!(ip.find("Source Address").unwrap().value, "192.0.2.1");
        assert_eq!(ip.find("Protocol").unwrap().value, "UDP (17)");
        assert_eq!(ip.find("Total Length").unwrap().value, "33");
        let udp = &fields[1];
        assert_eq!(udp.range, 20..28);
        assert_eq!(
            udp.find("Source Port").unwrap().value,
            "500 (port 500: IKE)"
        );
        assert!(udp.find("Checksum").unwrap().value.ends_with("(correct)"));
    }

    #[test]
    fn ipv6_udp_every_byte_explained() {
        let packet = udp_packet("2001:db8::1", "2001:db8::2");
        let fields = dissect_all(&packet);
        check_leaf_coverage(&fields, 0..packet.len()).unwrap();
        assert_eq!(fields[0].name(), "IPv6 Header");
        assert_eq!(fields[0].find("Payload Length").unwrap().value, "13");
        assert_eq!(fields[1].range, 40..48);
    }

    #[test]
    fn ipv6_extension_headers_are_leaves() {
        // A Destination Options header (8 octets of PadN) between IPv6 and UDP.
        let src: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let dst: Ipv6Addr = "2001:db8::2".parse().unwrap();
        let mut udp = Vec::new();
        UdpHeader::emit(
            4500,
            4500,
            &[0xff],
            &PseudoHeader::V6 { src, dst },
            UdpChecksumMode::Compute,
            &mut udp,
        )
        .unwrap();
        let mut after = vec![17, 0, 1, 4, 0, 0, 0, 0];
        after.extend_from_slice(&udp);
        let mut packet = Vec::new();
        Ipv6Header::new(src, dst, IpProtocol::IPV6_OPTS)
            .emit(&after, &mut packet)
            .unwrap();
        let fields = dissect_all(&packet);
        check_leaf_coverage(&fields, 0..packet.len()).unwrap();
        assert_eq!(fields[1].name(), "Destination Options Header");
        assert_eq!(fields[1].range, 40..48);
        assert_eq!(fields[1].value, "8 octets, next header UDP (17)");
    }

    #[test]
    fn ipv4_options_and_bad_udp_checksum_are_shown() {
        let mut header = Ipv4Header::new(
            Ipv4Addr::new(10, 0, 0, 1),
            Ipv4Addr::new(10, 0, 0, 2),
            IpProtocol::UDP,
        );
        header.options = vec![0x94, 0x04, 0x00, 0x00];
        let mut udp = Vec::new();
        UdpHeader::emit(
            500,
            500,
            b"x",
            &PseudoHeader::V4 {
                src: header.src,
                dst: header.dst,
            },
            UdpChecksumMode::Compute,
            &mut udp,
        )
        .unwrap();
        udp[7] ^= 1;
        let mut packet = Vec::new();
        header.emit(&udp, &mut packet).unwrap();
        let fields = dissect_all(&packet);
        check_leaf_coverage(&fields, 0..packet.len()).unwrap();
        assert_eq!(fields[0].find("Options").unwrap().range, 20..24);
        assert!(
            fields[1]
                .find("Checksum")
                .unwrap()
                .value
                .contains("incorrect")
        );
    }
}
