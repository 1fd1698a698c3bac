//! A stateless packet filter on the simulated network: it can block IKE on UDP 500,
//! everything on UDP 4500 (IKE after the Non-ESP Marker and ESP in UDP, RFC 3948)
//! and plain ESP (IP protocol 50, RFC 4303), in either direction, as misconfigured
//! firewalls do.

use serde::{Deserialize, Serialize};

use crate::ike::Datagram;
use crate::trace::network::WireProtocol;

/// Which traffic the firewall blocks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Firewall {
    /// Drop every datagram from or to UDP port 500 (IKE).
    pub block_udp_500: bool,
    /// Drop every datagram from or to UDP port 4500 (NAT-T: IKE and ESP in UDP).
    pub block_udp_4500: bool,
    /// Drop every plain ESP packet (IP protocol 50). ESP in UDP is UDP 4500's.
    #[serde(skip_serializing_if = "core::ops::Not::not")]
    pub block_esp: bool,
}

impl Firewall {
    /// The rule that blocks `datagram` (carried as `protocol`), if one does.
    pub fn verdict(&self, datagram: &Datagram, protocol: WireProtocol) -> Option<String> {
        if protocol == WireProtocol::Esp {
            return self.block_esp.then(|| "block ESP".to_owned());
        }
        let ports = [datagram.src.port(), datagram.dst.port()];
        if self.block_udp_500 && ports.contains(&500) {
            return Some("block UDP 500".to_owned());
        }
        if self.block_udp_4500 && ports.contains(&4500) {
            return Some("block UDP 4500".to_owned());
        }
        None
    }
}
