//! The hosts inside the tunnel: what the simulated peers send through their CHILD
//! SAs and how they answer.
//!
//! Each peer has a tiny inner host behind its CHILD SA. `ping` builds ICMP echo
//! requests (RFC 792; ICMPv6, RFC 4443 §4.1), `stream` UDP datagrams to the discard
//! port (9, RFC 863). Whatever arrives through the tunnel (after `Engine::open`
//! has checked the replay window, the ICV and the traffic selectors) is summarised
//! for the trace, and an echo request is answered with an echo reply from the
//! address it was sent to, with the same identifier, sequence number and data
//! (RFC 792 "Echo or Echo Reply Message", RFC 4443 §4.2) — as any host on the
//! protected network would.

use std::net::IpAddr;

use crate::trace::network::InnerKind;
use crate::wire::ip::{
    IpError, IpHeader, IpPacket, IpProtocol, OnesComplementSum, PseudoHeader, UdpChecksumMode,
    UdpHeader, emit_ip_packet,
};

/// ICMP Echo Request and Echo Reply types (RFC 792).
const ICMP_ECHO_REQUEST: u8 = 8;
const ICMP_ECHO_REPLY: u8 = 0;
/// ICMPv6 Echo Request and Echo Reply types (RFC 4443 §4.1, §4.2).
const ICMPV6_ECHO_REQUEST: u8 = 128;
const ICMPV6_ECHO_REPLY: u8 = 129;
/// ICMP echo header: type, code, checksum, identifier, sequence number.
const ICMP_ECHO_HEADER: usize = 8;
/// The data of a ping: 56 octets, as ping(8) sends by default.
pub(crate) const PING_DATA: usize = 56;
/// The UDP discard port (RFC 863): a stream's destination.
const DISCARD_PORT: u16 = 9;
/// A stream's source port.
const STREAM_SOURCE_PORT: u16 = 40_000;

fn icmp_protocol(addr: IpAddr) -> IpProtocol {
    match addr {
        IpAddr::V4(_) => IpProtocol::ICMP,
        IpAddr::V6(_) => IpProtocol::ICMPV6,
    }
}

/// The ICMP checksum: over the message (ICMPv4, RFC 792), after the IPv6
/// pseudo-header for ICMPv6 (RFC 4443 §2.3, RFC 8200 §8.1).
fn icmp_checksum(src: IpAddr, dst: IpAddr, message: &[u8]) -> u16 {
    let mut sum = OnesComplementSum::new();
    if let (IpAddr::V6(src), IpAddr::V6(dst)) = (src, dst) {
        let length = u32::try_from(message.len()).unwrap_or(u32::MAX);
        sum.add(&src.octets())
            .add(&dst.octets())
            .add(&length.to_be_bytes())
            .add(&[0, 0, 0, IpProtocol::ICMPV6.0]);
    }
    sum.add(message);
    sum.checksum()
}

/// An ICMP message of `kind` with its checksum filled in, in an IP packet.
fn icmp_packet(
    src: IpAddr,
    dst: IpAddr,
    kind: u8,
    rest_of_header: [u8; 4],
    data: &[u8],
) -> Result<Vec<u8>, IpError> {
    let mut message = Vec::with_capacity(ICMP_ECHO_HEADER + data.len());
    message.extend_from_slice(&[kind, 0, 0, 0]);
    message.extend_from_slice(&rest_of_header);
    message.extend_from_slice(data);
    let checksum = icmp_checksum(src, dst, &message).to_be_bytes();
    message[2] = checksum[0];
    message[3] = checksum[1];
    let mut out = Vec::new();
    emit_ip_packet(src, dst, icmp_protocol(src), 0, &message, &mut out)?;
    Ok(out)
}

/// An echo request from `src` to `dst` with identifier `id`, sequence number `seq`
/// and [`PING_DATA`] octets of data.
pub(crate) fn echo_request(
    src: IpAddr,
    dst: IpAddr,
    id: u16,
    seq: u16,
) -> Result<Vec<u8>, IpError> {
    let kind = match src {
        IpAddr::V4(_) => ICMP_ECHO_REQUEST,
        IpAddr::V6(_) => ICMPV6_ECHO_REQUEST,
    };
    let [i0, i1] = id.to_be_bytes();
    let [s0, s1] = seq.to_be_bytes();
    // The data counts up from 0x10, as ping(8)'s pattern does after its timestamp.
    let data: Vec<u8> = (0..PING_DATA)
        .map(|i| (i as u8).wrapping_add(0x10))
        .collect();
    icmp_packet(src, dst, kind, [i0, i1, s0, s1], &data)
}

/// A UDP datagram to the discard port whose IP packet is `size` octets (at least
/// the headers).
pub(crate) fn stream_packet(
    src: IpAddr,
    dst: IpAddr,
    size: usize,
    index: u32,
) -> Result<Vec<u8>, IpError> {
    let headers = match src {
        IpAddr::V4(_) => 20,
        IpAddr::V6(_) => 40,
    } + UdpHeader::LEN;
    let mut data = vec![0u8; size.saturating_sub(headers)];
    for (slot, byte) in data.iter_mut().zip(index.to_be_bytes()) {
        *slot = byte;
    }
    let pseudo = match (src, dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => PseudoHeader::V4 { src, dst },
        (IpAddr::V6(src), IpAddr::V6(dst)) => PseudoHeader::V6 { src, dst },
        _ => return Err(IpError::MixedAddressFamilies),
    };
    let mut udp = Vec::with_capacity(UdpHeader::LEN + data.len());
    UdpHeader::emit(
        STREAM_SOURCE_PORT,
        DISCARD_PORT,
        &data,
        &pseudo,
        UdpChecksumMode::Compute,
        &mut udp,
    )?;
    let mut out = Vec::new();
    emit_ip_packet(src, dst, IpProtocol::UDP, 0, &udp, &mut out)?;
    Ok(out)
}

/// What an inner packet is, in one line: `ICMP echo request 10.3.0.1 > 10.1.0.5 id 1
/// seq 1`, `UDP 10.3.0.1:40000 > 10.1.0.5:9 972 bytes`, or its addresses and protocol.
pub(crate) fn summary(packet: &[u8]) -> (InnerKind, String) {
    let Ok(ip) = IpPacket::parse(packet) else {
        return (
            InnerKind::Other,
            format!("{} bytes, not an IP packet", packet.len()),
        );
    };
    let (src, dst) = (ip.header.src(), ip.header.dst());
    let is_icmp = matches!(ip.protocol, IpProtocol::ICMP | IpProtocol::ICMPV6);
    if is_icmp && let [kind, _code, _, _, i0, i1, s0, s1, ..] = *ip.payload {
        let (what, name) = match kind {
            ICMP_ECHO_REQUEST | ICMPV6_ECHO_REQUEST => (InnerKind::EchoRequest, "echo request"),
            ICMP_ECHO_REPLY | ICMPV6_ECHO_REPLY => (InnerKind::EchoReply, "echo reply"),
            _ => {
                return (
                    InnerKind::Other,
                    format!("{} type {kind} {src} > {dst}", ip.protocol),
                );
            }
        };
        let id = u16::from_be_bytes([i0, i1]);
        let seq = u16::from_be_bytes([s0, s1]);
        let family = if ip.protocol == IpProtocol::ICMP {
            "ICMP"
        } else {
            "ICMPv6"
        };
        return (
            what,
            format!("{family} {name} {src} > {dst} id {id} seq {seq}"),
        );
    }
    if ip.protocol == IpProtocol::UDP
        && let Ok((udp, data)) = UdpHeader::parse(ip.payload)
    {
        return (
            InnerKind::Udp,
            format!(
                "UDP {} > {} {} bytes",
                std::net::SocketAddr::new(src, udp.src_port),
                std::net::SocketAddr::new(dst, udp.dst_port),
                data.len()
            ),
        );
    }
    (
        InnerKind::Other,
        format!(
            "IP {src} > {dst} protocol {} {} bytes",
            ip.protocol,
            packet.len()
        ),
    )
}

/// The echo reply the inner host sends for `packet`, if it is an echo request: from
/// the address it was sent to, back to its source, same identifier, sequence number
/// and data.
pub(crate) fn answer(packet: &[u8]) -> Option<Vec<u8>> {
    let ip = IpPacket::parse(packet).ok()?;
    let reply = match (&ip.header, ip.protocol, ip.payload.first()) {
        (IpHeader::V4(_), IpProtocol::ICMP, Some(&ICMP_ECHO_REQUEST)) => ICMP_ECHO_REPLY,
        (IpHeader::V6(_), IpProtocol::ICMPV6, Some(&ICMPV6_ECHO_REQUEST)) => ICMPV6_ECHO_REPLY,
        _ => return None,
    };
    let rest: [u8; 4] = ip.payload.get(4..ICMP_ECHO_HEADER)?.try_into().ok()?;
    let data = ip.payload.get(ICMP_ECHO_HEADER..)?;
    icmp_packet(ip.header.dst(), ip.header.src(), reply, rest, data).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn v4(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_echo_request_is_answered_from_its_destination_with_its_id_and_seq() {
        let request = echo_request(v4("10.3.0.1"), v4("10.1.0.5"), 1, 2).unwrap();
        assert_eq!(
            summary(&request),
            (
                InnerKind::EchoRequest,
                "ICMP echo request 10.3.0.1 > 10.1.0.5 id 1 seq 2".to_owned()
            )
        );
        let reply = answer(&request).unwrap();
        assert_eq!(
            summary(&reply).1,
            "ICMP echo reply 10.1.0.5 > 10.3.0.1 id 1 seq 2"
        );
        assert_eq!(reply.len(), request.len());
        assert_eq!(answer(&reply), None, "a reply is not answered");
        // A message that includes its own correct checksum sums to 0xFFFF (RFC 1071).
        for packet in [&request, &reply] {
            let mut sum = OnesComplementSum::new();
            sum.add(&packet[20..]);
            assert_eq!(sum.folded(), 0xFFFF);
        }
    }

    #[test]
    fn icmpv6_checksums_cover_the_pseudo_header() {
        let (a, b) = (v4("fd00::1"), v4("fd00::2"));
        let request = echo_request(a, b, 7, 1).unwrap();
        let reply = answer(&request).unwrap();
        assert_eq!(
            summary(&reply).1,
            "ICMPv6 echo reply fd00::2 > fd00::1 id 7 seq 1"
        );
        let (IpAddr::V6(a), IpAddr::V6(b)) = (a, b) else {
            unreachable!()
        };
        let message = &request[40..];
        let mut sum = OnesComplementSum::new();
        sum.add(&a.octets())
            .add(&b.octets())
            .add(&(message.len() as u32).to_be_bytes())
            .add(&[0, 0, 0, 58])
            .add(message);
        assert_eq!(sum.folded(), 0xFFFF);
    }

    #[test]
    fn a_stream_packet_has_the_requested_size() {
        let packet = stream_packet(v4("10.3.0.1"), v4("10.1.0.5"), 1000, 3).unwrap();
        assert_eq!(packet.len(), 1000);
        assert_eq!(
            summary(&packet),
            (
                InnerKind::Udp,
                "UDP 10.3.0.1:40000 > 10.1.0.5:9 972 bytes".to_owned()
            )
        );
        assert_eq!(answer(&packet), None);
        assert_eq!(summary(&[1, 2, 3]).0, InnerKind::Other);
    }
}
