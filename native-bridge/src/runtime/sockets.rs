//! The two UDP sockets IKE runs over: the IKE port (RFC 7296 §2: 500) and the NAT-T
//! port (RFC 3948: 4500), on one local address.
//!
//! Everything that arrives on either goes to `Engine::handle_datagram` with the
//! socket's own address as its destination: the engine tells IKE after the Non-ESP
//! Marker, ESP in UDP and NAT keep-alives apart itself (RFC 3948 §2.2). What the
//! engine sends leaves from the socket its `src` names (RFC 7296 §2.11).

use std::io;
use std::net::SocketAddr;

use ikelab_engine::Datagram;
use tokio::net::UdpSocket;

/// The largest UDP payload (the IPv4 datagram limit, rounded up).
const MAX_DATAGRAM: usize = 65_536;

/// Which of our sockets could not be bound, and why.
#[derive(Debug)]
pub struct BindError {
    pub addr: SocketAddr,
    pub which: &'static str,
    pub error: io::Error,
}

impl BindError {
    /// One sentence a person can act on.
    pub fn describe(&self) -> String {
        let hint = match self.error.kind() {
            io::ErrorKind::AddrInUse => {
                " (another program uses this port: stop it, or choose another port)"
            }
            io::ErrorKind::PermissionDenied => {
                " (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
            }
            io::ErrorKind::AddrNotAvailable => " (no interface of this host has this address)",
            _ => "",
        };
        format!(
            "cannot bind the {} socket to UDP {}: {}{hint}",
            self.which, self.addr, self.error
        )
    }
}

/// Our IKE and NAT-T sockets.
#[derive(Debug)]
pub struct IkeSockets {
    ike: UdpSocket,
    nat_t: UdpSocket,
    ike_addr: SocketAddr,
    nat_t_addr: SocketAddr,
    ike_buf: Vec<u8>,
    nat_t_buf: Vec<u8>,
}

impl IkeSockets {
    /// Binds the IKE socket to `ike` and the NAT-T socket to `nat_t` (port 0: an
    /// ephemeral port the OS picks).
    pub async fn bind(ike: SocketAddr, nat_t: SocketAddr) -> Result<Self, BindError> {
        let (ike, ike_addr) = bind_one(ike, "IKE").await?;
        let (nat_t, nat_t_addr) = bind_one(nat_t, "NAT-T").await?;
        Ok(Self {
            ike,
            nat_t,
            ike_addr,
            nat_t_addr,
            ike_buf: vec![0; MAX_DATAGRAM],
            nat_t_buf: vec![0; MAX_DATAGRAM],
        })
    }

    /// The IKE socket's address as bound.
    pub fn ike_addr(&self) -> SocketAddr {
        self.ike_addr
    }

    /// The NAT-T socket's address as bound.
    pub fn nat_t_addr(&self) -> SocketAddr {
        self.nat_t_addr
    }

    /// Sends `datagram` from the socket its `src` names.
    pub async fn send(&self, datagram: &Datagram) -> Result<(), String> {
        let socket = if datagram.src == self.ike_addr {
            &self.ike
        } else if datagram.src == self.nat_t_addr {
            &self.nat_t
        } else {
            return Err(format!(
                "the engine sends from {}, which is neither {} nor {}",
                datagram.src, self.ike_addr, self.nat_t_addr
            ));
        };
        match socket.send_to(&datagram.payload, datagram.dst).await {
            Ok(n) if n == datagram.payload.len() => Ok(()),
            Ok(n) => Err(format!(
                "sent {n} of {} octets to {}",
                datagram.payload.len(),
                datagram.dst
            )),
            Err(e) => Err(format!("sending to {}: {e}", datagram.dst)),
        }
    }

    /// Sends an ESP packet in UDP (RFC 3948 §2.1: no marker, the SPI is never 0)
    /// from the NAT-T socket, which `src` must name.
    pub async fn send_esp(
        &self,
        src: SocketAddr,
        dst: SocketAddr,
        esp: &[u8],
    ) -> Result<(), String> {
        if src != self.nat_t_addr {
            return Err(format!(
                "ESP in UDP must leave from the NAT-T socket {}, not {src}",
                self.nat_t_addr
            ));
        }
        match self.nat_t.send_to(esp, dst).await {
            Ok(n) if n == esp.len() => Ok(()),
            Ok(n) => Err(format!("sent {n} of {} ESP octets to {dst}", esp.len())),
            Err(e) => Err(format!("sending ESP to {dst}: {e}")),
        }
    }

    /// The next datagram on either socket (cancel-safe: tokio's `recv_from` is).
    pub async fn recv(&mut self) -> Result<Datagram, String> {
        let Self {
            ike,
            nat_t,
            ike_addr,
            nat_t_addr,
            ike_buf,
            nat_t_buf,
        } = self;
        tokio::select! {
            r = ike.recv_from(ike_buf) => received(r, ike_buf, *ike_addr),
            r = nat_t.recv_from(nat_t_buf) => received(r, nat_t_buf, *nat_t_addr),
        }
    }
}

fn received(
    result: io::Result<(usize, SocketAddr)>,
    buf: &[u8],
    local: SocketAddr,
) -> Result<Datagram, String> {
    let (len, src) = result.map_err(|e| format!("receiving on {local}: {e}"))?;
    let payload = buf.get(..len).unwrap_or(buf).to_vec();
    Ok(Datagram::new(src, local, payload))
}

async fn bind_one(
    addr: SocketAddr,
    which: &'static str,
) -> Result<(UdpSocket, SocketAddr), BindError> {
    let error = |error| BindError { addr, which, error };
    let socket = UdpSocket::bind(addr).await.map_err(error)?;
    let bound = socket.local_addr().map_err(error)?;
    Ok((socket, bound))
}
