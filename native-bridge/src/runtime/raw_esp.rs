//! Plain ESP: ESP packets directly in IP, protocol 50 (RFC 4303 §2), through a raw
//! socket. Used for CHILD SAs that are not UDP-encapsulated: no NAT was detected
//! and neither end asked for `encap` (RFC 7296 §2.23, RFC 3948 §1).
//!
//! A raw socket needs CAP_NET_RAW. It is bound to our local address, so the kernel
//! hands it only protocol-50 packets for that address and sends ours from it.
//! An IPv4 raw socket receives the IP header in front of the ESP packet (raw(7)):
//! its addresses are read from it and its length skipped. An IPv6 raw socket
//! receives the ESP packet alone, and the sender from `recvfrom`.
//!
//! A packet arrives as a [`Datagram`] with port 0 at both ends, the form the
//! engine's `handle_esp` and `open` take, and leaves from a `SealedPacket`'s
//! addresses, whose ports are 0 too.
//!
//! tokio has no raw socket type, and registering a descriptor with its reactor by
//! hand (`AsyncFd::register`) is `unsafe`, which this workspace forbids. socket2
//! opens the raw socket and tokio drives it as a [`UdpSocket`]: that type only
//! calls `recvfrom(2)` and `sendto(2)` on its descriptor, which mean the same on a
//! raw socket (one whole packet per call, the peer's address beside it).

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use ikelab_engine::Datagram;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use tokio::net::UdpSocket;

/// IANA protocol number of ESP (RFC 4303 §2).
pub const IPPROTO_ESP: i32 = 50;

/// The largest packet a raw socket hands us (an IP packet's length field).
const MAX_PACKET: usize = 65_535;

/// Why the raw socket could not be opened.
#[derive(Debug)]
pub struct RawEspError {
    /// The local address it was for.
    pub local: IpAddr,
    /// What the OS said.
    pub error: io::Error,
}

impl RawEspError {
    /// Whether the process lacks CAP_NET_RAW (rather than something else failing).
    pub fn is_permission(&self) -> bool {
        self.error.kind() == io::ErrorKind::PermissionDenied
    }

    /// One sentence a person can act on.
    pub fn describe(&self) -> String {
        let hint = if self.is_permission() {
            " (plain ESP needs CAP_NET_RAW: run as root, or with `setcap cap_net_raw+ep`)"
        } else {
            ""
        };
        format!(
            "cannot open a raw socket for ESP (IP protocol 50) on {}: {}{hint}",
            self.local, self.error
        )
    }
}

/// A raw socket for IP protocol 50 on one local address.
#[derive(Debug)]
pub struct RawEspSocket {
    /// A raw socket, driven through tokio's datagram type (see the module).
    socket: UdpSocket,
    local: IpAddr,
    buf: Vec<u8>,
}

impl RawEspSocket {
    /// Opens and binds the socket (needs CAP_NET_RAW and a tokio runtime).
    pub fn open(local: IpAddr) -> Result<Self, RawEspError> {
        let error = |error| RawEspError { local, error };
        let domain = match local {
            IpAddr::V4(_) => Domain::IPV4,
            IpAddr::V6(_) => Domain::IPV6,
        };
        let socket =
            Socket::new(domain, Type::RAW, Some(Protocol::from(IPPROTO_ESP))).map_err(error)?;
        socket.set_nonblocking(true).map_err(error)?;
        socket
            .bind(&SockAddr::from(SocketAddr::new(local, 0)))
            .map_err(error)?;
        let socket = UdpSocket::from_std(std::net::UdpSocket::from(socket)).map_err(error)?;
        Ok(Self {
            socket,
            local,
            buf: vec![0; MAX_PACKET],
        })
    }

    /// The address the socket is bound to.
    pub fn local(&self) -> IpAddr {
        self.local
    }

    /// The next ESP packet for our address, as a datagram with ports 0 (cancel-safe:
    /// a read that did not complete took nothing). Packets too short to carry an
    /// IP header are skipped.
    pub async fn recv(&mut self) -> io::Result<Datagram> {
        loop {
            let (len, from) = self.socket.recv_from(&mut self.buf).await?;
            let packet = self.buf.get(..len).unwrap_or_default();
            let received = match self.local {
                IpAddr::V4(_) => split_ipv4(packet),
                // An IPv6 raw socket gives no header (RFC 3542 §3): the sender comes
                // from recvfrom, and the packet was for our bound address.
                IpAddr::V6(_) => Some(Received {
                    src: from.ip(),
                    dst: self.local,
                    esp: packet,
                }),
            };
            match received {
                Some(r) => {
                    return Ok(Datagram::new(
                        SocketAddr::new(r.src, 0),
                        SocketAddr::new(r.dst, 0),
                        r.esp.to_vec(),
                    ));
                }
                None => tracing::debug!("a malformed packet on the ESP raw socket: skipped"),
            }
        }
    }

    /// Sends `esp` (from the SPI on) to `dst` as IP protocol 50; the kernel adds the
    /// IP header, from our bound address.
    pub async fn send(&self, dst: IpAddr, esp: &[u8]) -> io::Result<()> {
        let sent = self.socket.send_to(esp, SocketAddr::new(dst, 0)).await?;
        if sent == esp.len() {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "sent {sent} of {} ESP octets",
                esp.len()
            )))
        }
    }
}

/// A received packet's addresses and its ESP part.
#[derive(Debug, PartialEq, Eq)]
struct Received<'a> {
    src: IpAddr,
    dst: IpAddr,
    esp: &'a [u8],
}

/// An IPv4 packet as an IPv4 raw socket gives it (RFC 791 §3.1: the header's
/// length is IHL words; the kernel has already reassembled fragments).
fn split_ipv4(packet: &[u8]) -> Option<Received<'_>> {
    let first = *packet.first()?;
    if first >> 4 != 4 {
        return None;
    }
    let header_len = usize::from(first & 0x0f) * 4;
    if header_len < 20 {
        return None;
    }
    let address = |at: usize| -> Option<IpAddr> {
        let octets: [u8; 4] = packet.get(at..at + 4)?.try_into().ok()?;
        Some(Ipv4Addr::from(octets).into())
    };
    Some(Received {
        src: address(12)?,
        dst: address(16)?,
        esp: packet.get(header_len..)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An IPv4 header (no options, protocol 50, 192.0.2.1 → 192.0.2.2), then an ESP
    /// header (SPI 0x0a0b0c0d, sequence 1) and two octets of payload.
    const ESP_IN_IPV4: [u8; 30] = [
        0x45, 0x00, 0x00, 0x1e, 0x12, 0x34, 0x40, 0x00, 0x40, 50, 0x00, 0x00, 192, 0, 2, 1, 192, 0,
        2, 2, // IPv4 header (RFC 791)
        0x0a, 0x0b, 0x0c, 0x0d, 0, 0, 0, 1, // ESP SPI and sequence (RFC 4303 §2)
        0xaa, 0xbb,
    ];

    #[test]
    fn an_ipv4_packet_gives_its_addresses_and_the_esp_after_its_header() {
        let got = split_ipv4(&ESP_IN_IPV4).expect("a valid header");
        assert_eq!(got.src, "192.0.2.1".parse::<IpAddr>().unwrap());
        assert_eq!(got.dst, "192.0.2.2".parse::<IpAddr>().unwrap());
        assert_eq!(got.esp, &ESP_IN_IPV4[20..]);
    }

    #[test]
    fn ipv4_options_are_skipped_by_the_header_length() {
        // IHL 6: four octets of options (a no-op and end-of-list, RFC 791 §3.1).
        let mut packet = ESP_IN_IPV4[..20].to_vec();
        packet[0] = 0x46;
        packet.extend([1, 1, 1, 0]);
        packet.extend(&ESP_IN_IPV4[20..]);
        assert_eq!(split_ipv4(&packet).unwrap().esp, &ESP_IN_IPV4[20..]);
    }

    #[test]
    fn what_is_not_an_ipv4_packet_is_refused() {
        assert_eq!(split_ipv4(&[]), None);
        assert_eq!(
            split_ipv4(&ESP_IN_IPV4[..19]),
            None,
            "cut inside the header"
        );
        let mut v6 = ESP_IN_IPV4;
        v6[0] = 0x65;
        assert_eq!(split_ipv4(&v6), None, "version 6");
        let mut short = ESP_IN_IPV4;
        short[0] = 0x44;
        assert_eq!(split_ipv4(&short), None, "IHL below 5");
        let mut long = ESP_IN_IPV4;
        long[0] = 0x4f;
        assert_eq!(split_ipv4(&long), None, "IHL past the end");
    }
}
