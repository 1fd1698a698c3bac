//! From a captured frame to a classified datagram: IKE, ESP, NAT-keepalive or other.

use core::fmt;
use core::time::Duration;
use std::net::IpAddr;

use super::link::{Announced, LinkType, ip_offset};
use crate::wire::ip::{FragmentInfo, IpError, IpHeader, IpPacket, IpProtocol, UdpHeader};
use crate::wire::udp_encap::{NON_ESP_MARKER, Udp4500Payload, UdpPortRole};

/// What a captured IP packet carries, for IKElab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatagramKind {
    /// An IKE message on UDP port 500 (RFC 7296 §2).
    Ike500,
    /// An IKE message on UDP port 4500, after the Non-ESP Marker (RFC 3948 §2.2).
    Ike4500,
    /// An ESP packet in UDP on port 4500 (RFC 3948 §2.1).
    EspInUdp,
    /// An ESP packet directly in IP, protocol 50 (RFC 4303).
    Esp,
    /// A NAT-keepalive on port 4500: one 0xFF octet (RFC 3948 §2.3).
    NatKeepalive,
    /// Any other IP packet: another protocol, another port, or port-4500 data that
    /// is none of the above.
    Other,
}

impl DatagramKind {
    /// Whether the payload is an IKE message.
    pub fn is_ike(self) -> bool {
        matches!(self, Self::Ike500 | Self::Ike4500)
    }

    /// Whether the payload is an ESP packet.
    pub fn is_esp(self) -> bool {
        matches!(self, Self::EspInUdp | Self::Esp)
    }
}

/// One IP packet of a capture, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram<'a> {
    /// Frame number in the file, from 1 (as Wireshark counts).
    pub frame: u64,
    /// Capture time since 1970-01-01 UTC.
    pub time: Duration,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// The upper-layer protocol (after IPv6 extension headers).
    pub protocol: IpProtocol,
    /// UDP ports; `None` for other protocols (raw ESP has none).
    pub src_port: Option<u16>,
    pub dst_port: Option<u16>,
    pub kind: DatagramKind,
    /// The IKE message (marker removed), the ESP packet (from its SPI), the keepalive
    /// octet, or for `Other` the UDP data or IP payload.
    pub payload: &'a [u8],
    /// Offset of `payload` in `ip_packet`.
    pub payload_offset: usize,
    /// The whole IP packet, header first (cut to its stated length).
    pub ip_packet: &'a [u8],
}

/// Why a captured frame yields no datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotADatagram {
    /// A link type this reader does not decode.
    UnsupportedLinkType(LinkType),
    /// The frame is shorter than its link-layer header.
    LinkTruncated {
        link: LinkType,
        needed: usize,
        available: usize,
    },
    /// The link layer carries something else (ARP, LLDP, ...).
    NotIp { ethertype: u16 },
    /// A loopback frame of an address family other than IPv4 or IPv6.
    NotIpFamily { family: u32 },
    /// The IP header is malformed, or cut short by the capture's snapshot length.
    Ip(IpError),
    /// The link layer announced one IP version, the packet is the other.
    VersionMismatch,
    /// One fragment of a larger IP packet (not reassembled).
    Fragment(FragmentInfo),
    /// The UDP header is malformed or cut short.
    Udp(IpError),
}

impl fmt::Display for NotADatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedLinkType(link) => write!(f, "link type {link} is not supported"),
            Self::LinkTruncated {
                link,
                needed,
                available,
            } => write!(
                f,
                "{link} header needs {needed} octets, the frame has {available}"
            ),
            Self::NotIp { ethertype } => write!(f, "not IP (EtherType 0x{ethertype:04x})"),
            Self::NotIpFamily { family } => write!(f, "not IP (address family {family})"),
            Self::Ip(err) => write!(f, "IP: {err}"),
            Self::VersionMismatch => {
                f.write_str("the link layer announced another IP version than the packet has")
            }
            Self::Fragment(info) => write!(
                f,
                "IP fragment at offset {}{} (not reassembled)",
                info.offset,
                if info.more { ", more follow" } else { ", last" }
            ),
            Self::Udp(err) => write!(f, "UDP: {err}"),
        }
    }
}

impl std::error::Error for NotADatagram {}

/// Classifies the IP packet in `frame` (a captured record of link type `link`).
pub(super) fn classify<'a>(
    frame_number: u64,
    time: Duration,
    link: LinkType,
    frame: &'a [u8],
) -> Result<Datagram<'a>, NotADatagram> {
    let (offset, announced) = ip_offset(link, frame)?;
    let bytes = frame.get(offset..).unwrap_or_default();
    let packet = IpPacket::parse(bytes).map_err(NotADatagram::Ip)?;
    let version_matches = matches!(
        (&packet.header, announced),
        (_, Announced::Either)
            | (IpHeader::V4(_), Announced::V4)
            | (IpHeader::V6(_), Announced::V6)
    );
    if !version_matches {
        return Err(NotADatagram::VersionMismatch);
    }
    if let Some(info) = packet.fragment {
        return Err(NotADatagram::Fragment(info));
    }
    let ip_len = packet.payload_offset + packet.payload.len();
    let ip_packet = bytes.get(..ip_len).unwrap_or(bytes);
    let mut datagram = Datagram {
        frame: frame_number,
        time,
        src: packet.header.src(),
        dst: packet.header.dst(),
        protocol: packet.protocol,
        src_port: None,
        dst_port: None,
        kind: DatagramKind::Other,
        payload: packet.payload,
        payload_offset: packet.payload_offset,
        ip_packet,
    };
    match packet.protocol {
        IpProtocol::ESP => datagram.kind = DatagramKind::Esp,
        IpProtocol::UDP => {
            let (udp, data) = UdpHeader::parse(packet.payload).map_err(NotADatagram::Udp)?;
            datagram.src_port = Some(udp.src_port);
            datagram.dst_port = Some(udp.dst_port);
            datagram.payload = data;
            datagram.payload_offset += UdpHeader::LEN;
            match UdpPortRole::from_ports(udp.src_port, udp.dst_port) {
                UdpPortRole::Ike500 => datagram.kind = DatagramKind::Ike500,
                UdpPortRole::NatT4500 => match Udp4500Payload::parse(data) {
                    Ok(Udp4500Payload::Ike(message)) => {
                        datagram.kind = DatagramKind::Ike4500;
                        datagram.payload = message;
                        datagram.payload_offset += NON_ESP_MARKER.len();
                    }
                    Ok(Udp4500Payload::NatKeepalive) => datagram.kind = DatagramKind::NatKeepalive,
                    Ok(Udp4500Payload::Esp(_)) => datagram.kind = DatagramKind::EspInUdp,
                    // A non-zero SPI too short for ESP is still shown as ESP, so the
                    // dissector can say what is missing.
                    Err(crate::wire::udp_encap::UdpEncapError::Esp(_)) => {
                        datagram.kind = DatagramKind::EspInUdp;
                    }
                    Err(_) => {}
                },
                UdpPortRole::Other => {}
            }
        }
        _ => {}
    }
    Ok(datagram)
}
