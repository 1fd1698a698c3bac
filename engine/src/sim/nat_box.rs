//! The simulator's NAT box (RFC 3022 §2.2 NAPT, RFC 4787 terms): in front of one
//! peer, it gives each private source (address and port) a public port, forwards
//! inbound datagrams to a mapped port back, and forgets a mapping that has been idle
//! longer than its timeout. A forgotten mapping gets a new public port the next time
//! the peer sends: the rebinding NAT-T keep-alives (RFC 3948 §2.3) exist to prevent.

use core::time::Duration;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use crate::ike::Time;
use crate::trace::network::NetworkEvent;

#[derive(Debug, Clone, Copy)]
struct Mapping {
    public: SocketAddr,
    last_used: Time,
}

/// A NAPT with idle timeout.
#[derive(Debug, Clone)]
pub struct NatBox {
    /// The address every private source leaves with.
    pub public_ip: IpAddr,
    /// Idle time after which a mapping is forgotten (`None`: never).
    pub mapping_timeout: Option<Duration>,
    next_port: u16,
    outbound: BTreeMap<SocketAddr, Mapping>,
    inbound: BTreeMap<SocketAddr, SocketAddr>,
}

impl NatBox {
    /// A NAT with this public address, assigning ports from `first_port` up.
    pub fn new(public_ip: IpAddr, first_port: u16, mapping_timeout: Option<Duration>) -> Self {
        Self {
            public_ip,
            mapping_timeout,
            next_port: first_port.max(1024),
            outbound: BTreeMap::new(),
            inbound: BTreeMap::new(),
        }
    }

    /// Forgets mappings idle for longer than the timeout at `now`.
    pub fn expire(&mut self, now: Time, report: &mut Vec<NetworkEvent>) {
        let Some(timeout) = self.mapping_timeout else {
            return;
        };
        let stale: Vec<SocketAddr> = self
            .outbound
            .iter()
            .filter(|(_, m)| now.saturating_sub(m.last_used) > timeout)
            .map(|(private, _)| *private)
            .collect();
        for private in stale {
            self.forget(private, report);
        }
    }

    /// Forgets every mapping (a NAT reboot, or a rebinding forced by the script).
    pub fn flush(&mut self, report: &mut Vec<NetworkEvent>) {
        let all: Vec<SocketAddr> = self.outbound.keys().copied().collect();
        for private in all {
            self.forget(private, report);
        }
    }

    fn forget(&mut self, private: SocketAddr, report: &mut Vec<NetworkEvent>) {
        if let Some(m) = self.outbound.remove(&private) {
            self.inbound.remove(&m.public);
            report.push(NetworkEvent::NatMappingExpired {
                private,
                public: m.public,
            });
        }
    }

    /// The public source for a private source at `now` (a new mapping if needed).
    pub fn outbound(
        &mut self,
        now: Time,
        private: SocketAddr,
        report: &mut Vec<NetworkEvent>,
    ) -> SocketAddr {
        self.expire(now, report);
        if let Some(m) = self.outbound.get_mut(&private) {
            m.last_used = now;
            return m.public;
        }
        let public = loop {
            let candidate = SocketAddr::new(self.public_ip, self.next_port);
            self.next_port = self.next_port.checked_add(1).unwrap_or(1024);
            if !self.inbound.contains_key(&candidate) {
                break candidate;
            }
        };
        self.outbound.insert(
            private,
            Mapping {
                public,
                last_used: now,
            },
        );
        self.inbound.insert(public, private);
        report.push(NetworkEvent::NatMapping { private, public });
        public
    }

    /// The private destination of an inbound datagram to `public` at `now`, if a
    /// live mapping exists (inbound traffic refreshes it, as most NATs do for UDP).
    pub fn inbound(
        &mut self,
        now: Time,
        public: SocketAddr,
        report: &mut Vec<NetworkEvent>,
    ) -> Option<SocketAddr> {
        self.expire(now, report);
        let private = *self.inbound.get(&public)?;
        if let Some(m) = self.outbound.get_mut(&private) {
            m.last_used = now;
        }
        Some(private)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_idle_mapping_expires_and_the_next_datagram_gets_a_new_port() {
        let mut nat = NatBox::new(
            "198.51.100.1".parse().unwrap(),
            40000,
            Some(Duration::from_secs(30)),
        );
        let mut report = Vec::new();
        let private = addr("10.0.0.2:500");
        let first = nat.outbound(Time::ZERO, private, &mut report);
        assert_eq!(first, addr("198.51.100.1:40000"));
        assert_eq!(
            nat.inbound(Time::from_secs(20), first, &mut report),
            Some(private)
        );
        // Refreshed at 20 s: still alive at 45 s, gone at 51 s.
        assert_eq!(
            nat.outbound(Time::from_secs(45), private, &mut report),
            first
        );
        assert_eq!(nat.inbound(Time::from_secs(76), first, &mut report), None);
        assert!(matches!(
            report.last(),
            Some(NetworkEvent::NatMappingExpired { .. })
        ));
        let second = nat.outbound(Time::from_secs(77), private, &mut report);
        assert_eq!(second, addr("198.51.100.1:40001"));
    }

    #[test]
    fn flush_forgets_every_mapping() {
        let mut nat = NatBox::new("198.51.100.1".parse().unwrap(), 40000, None);
        let mut report = Vec::new();
        let public = nat.outbound(Time::ZERO, addr("10.0.0.2:4500"), &mut report);
        nat.flush(&mut report);
        assert_eq!(nat.inbound(Time::ZERO, public, &mut report), None);
    }
}
