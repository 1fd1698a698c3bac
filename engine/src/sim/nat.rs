//! A NAPT in front of one peer (RFC 3022 §2.2): outbound datagrams get the public
//! address and a mapped port, inbound ones to a mapped port go back to the private
//! address, others are dropped. Mappings do not time out (the simulator's NAT box
//! will add that).

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

/// An address and port translator.
#[derive(Debug, Clone)]
pub struct Nat {
    pub public_ip: IpAddr,
    next_port: u16,
    outbound: BTreeMap<SocketAddr, SocketAddr>,
    inbound: BTreeMap<SocketAddr, SocketAddr>,
}

impl Nat {
    /// A NAT with this public address, assigning ports from `first_port` up.
    pub fn new(public_ip: IpAddr, first_port: u16) -> Self {
        Self {
            public_ip,
            next_port: first_port,
            outbound: BTreeMap::new(),
            inbound: BTreeMap::new(),
        }
    }

    /// The public source for a private source (a new mapping if needed).
    pub fn translate_out(&mut self, private: SocketAddr) -> SocketAddr {
        if let Some(public) = self.outbound.get(&private) {
            return *public;
        }
        let public = SocketAddr::new(self.public_ip, self.next_port);
        self.next_port = self.next_port.wrapping_add(1).max(1024);
        self.outbound.insert(private, public);
        self.inbound.insert(public, private);
        public
    }

    /// The private destination of an inbound datagram, if a mapping exists.
    pub fn translate_in(&self, public: SocketAddr) -> Option<SocketAddr> {
        self.inbound.get(&public).copied()
    }

    /// Forgets every mapping (a NAT reboot): the next outbound datagram gets a new
    /// port.
    pub fn reset(&mut self) {
        self.outbound.clear();
        self.inbound.clear();
    }
}
