//! One line about an IP packet, for the trace and the transcript: what an ESP
//! packet carried (`ICMP echo request 10.3.0.1 > 10.1.0.5 id 1 seq 1`), and its
//! kind, which `[expect]` names (`esp_opened:echo_reply`).

use serde::{Deserialize, Serialize};

use super::{IpPacket, IpProtocol, UdpHeader};

/// ICMP Echo Request and Echo Reply types (RFC 792).
pub(crate) const ICMP_ECHO_REQUEST: u8 = 8;
pub(crate) const ICMP_ECHO_REPLY: u8 = 0;
/// ICMPv6 Echo Request and Echo Reply types (RFC 4443 §4.1, §4.2).
pub(crate) const ICMPV6_ECHO_REQUEST: u8 = 128;
pub(crate) const ICMPV6_ECHO_REPLY: u8 = 129;

/// What an IP packet carried through a CHILD SA is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InnerKind {
    EchoRequest,
    EchoReply,
    Udp,
    Other,
}

/// What an inner packet is, in one line: `ICMP echo request 10.3.0.1 > 10.1.0.5 id 1
/// seq 1`, `UDP 10.3.0.1:40000 > 10.1.0.5:9 972 bytes`, or its addresses and protocol.
pub fn summary(packet: &[u8]) -> (InnerKind, String) {
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
