//! ICMP echo messages (RFC 792, "Echo or Echo Reply Message") for the driver's pings
//! through the tunnel: built into an IPv4 packet with the engine's
//! [`emit_ip_packet`], and read back from the inner packet an ESP packet carried.
//!
//! ```text
//! | Type (8 request, 0 reply) | Code (0) | Checksum           |
//! | Identifier                           | Sequence Number    |
//! | Data ...
//! ```
//!
//! The checksum is the Internet checksum (RFC 1071) over the whole ICMP message.

use std::net::Ipv4Addr;

use ikelab_engine::wire::ip::{IpPacket, IpProtocol, OnesComplementSum, emit_ip_packet};
use serde::{Deserialize, Serialize};

/// ICMP type of an Echo Request (RFC 792).
pub const ECHO_REQUEST: u8 = 8;
/// ICMP type of an Echo Reply (RFC 792).
pub const ECHO_REPLY: u8 = 0;
/// Type, code, checksum, identifier, sequence number.
const HEADER_LEN: usize = 8;

/// An ICMP echo request or reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IcmpEcho {
    /// [`ECHO_REQUEST`] or [`ECHO_REPLY`].
    pub kind: u8,
    /// Identifier (ping uses its process id).
    pub id: u16,
    /// Sequence number (ping counts from 1).
    pub seq: u16,
}

/// An echo message found in an inner IP packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InnerEcho {
    /// The inner packet's source.
    pub src: std::net::IpAddr,
    /// The inner packet's destination.
    pub dst: std::net::IpAddr,
    /// The echo header.
    pub echo: IcmpEcho,
    /// The echo data (a reply returns the request's data, RFC 792).
    pub data_len: usize,
}

/// The ICMP message `echo` with `data`, checksum filled in.
pub fn echo_message(echo: IcmpEcho, data: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(HEADER_LEN + data.len());
    message.extend_from_slice(&[echo.kind, 0, 0, 0]);
    message.extend_from_slice(&echo.id.to_be_bytes());
    message.extend_from_slice(&echo.seq.to_be_bytes());
    message.extend_from_slice(data);
    let checksum = OnesComplementSum::new().add(&message).checksum();
    message[2..4].copy_from_slice(&checksum.to_be_bytes());
    message
}

/// An IPv4 packet from `src` to `dst` holding an echo request or reply (`kind`;
/// IPv4 Identification = the sequence number, as ping does).
pub fn echo_packet(
    kind: u8,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    id: u16,
    seq: u16,
    data: &[u8],
) -> Result<Vec<u8>, String> {
    let message = echo_message(IcmpEcho { kind, id, seq }, data);
    let mut packet = Vec::new();
    emit_ip_packet(
        src.into(),
        dst.into(),
        IpProtocol::ICMP,
        seq,
        &message,
        &mut packet,
    )
    .map_err(|e| format!("building the echo message: {e}"))?;
    Ok(packet)
}

/// Reads an ICMP message: `None` unless it is an echo request or reply with code 0
/// and a correct checksum.
pub fn parse_echo(message: &[u8]) -> Option<(IcmpEcho, usize)> {
    let header: &[u8; HEADER_LEN] = message.get(..HEADER_LEN)?.try_into().ok()?;
    let [kind, code, _, _, id_hi, id_lo, seq_hi, seq_lo] = *header;
    if !(kind == ECHO_REQUEST || kind == ECHO_REPLY) || code != 0 {
        return None;
    }
    // A message that includes its own correct checksum sums to all ones (RFC 1071 §1).
    if OnesComplementSum::new().add(message).folded() != 0xFFFF {
        return None;
    }
    let echo = IcmpEcho {
        kind,
        id: u16::from_be_bytes([id_hi, id_lo]),
        seq: u16::from_be_bytes([seq_hi, seq_lo]),
    };
    Some((echo, message.len() - HEADER_LEN))
}

/// The echo message inside an IP packet, if it holds one (not fragmented).
pub fn inner_echo(packet: &[u8]) -> Option<InnerEcho> {
    let ip = IpPacket::parse(packet).ok()?;
    if ip.protocol != IpProtocol::ICMP || ip.fragment.is_some() {
        return None;
    }
    let (echo, data_len) = parse_echo(ip.payload)?;
    Some(InnerEcho {
        src: ip.header.src(),
        dst: ip.header.dst(),
        echo,
        data_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_reads_back_and_its_checksum_verifies() {
        let src = Ipv4Addr::new(203, 0, 113, 130);
        let dst = Ipv4Addr::new(203, 0, 113, 1);
        let packet = echo_packet(ECHO_REQUEST, src, dst, 0x1234, 7, b"ikelab ping data").unwrap();
        let inner = inner_echo(&packet).unwrap();
        assert_eq!(inner.src, std::net::IpAddr::V4(src));
        assert_eq!(inner.dst, std::net::IpAddr::V4(dst));
        assert_eq!(
            inner.echo,
            IcmpEcho {
                kind: ECHO_REQUEST,
                id: 0x1234,
                seq: 7
            }
        );
        assert_eq!(inner.data_len, 16);
    }

    #[test]
    fn checksum_follows_rfc_1071() {
        // Type 8, code 0, id 1, seq 1, no data: the words sum to 0x0802, so the
        // checksum is its complement 0xF7FD.
        let message = echo_message(
            IcmpEcho {
                kind: ECHO_REQUEST,
                id: 1,
                seq: 1,
            },
            &[],
        );
        assert_eq!(message, [8, 0, 0xF7, 0xFD, 0, 1, 0, 1]);
    }

    #[test]
    fn damaged_or_other_messages_are_not_echoes() {
        let mut message = echo_message(
            IcmpEcho {
                kind: ECHO_REPLY,
                id: 9,
                seq: 3,
            },
            b"abc",
        );
        assert_eq!(parse_echo(&message).map(|(e, n)| (e.seq, n)), Some((3, 3)));
        message[9] ^= 1;
        assert_eq!(parse_echo(&message), None);
        // Destination Unreachable (type 3) and a truncated header.
        let unreachable = echo_message(
            IcmpEcho {
                kind: 3,
                id: 0,
                seq: 0,
            },
            &[],
        );
        assert_eq!(parse_echo(&unreachable), None);
        assert_eq!(parse_echo(&[8, 0, 0]), None);
        assert_eq!(inner_echo(&[0x45, 0]), None);
    }
}
