//! The packets of the tunnel: read from the TUN device, sealed by the engine into
//! ESP (RFC 4303 §3.3) for the CHILD SA whose selectors cover them, and sent in UDP
//! from the NAT-T socket (RFC 3948); ESP that arrives there is opened by the engine
//! (`handle_datagram`) and its inner packets written to the device.
//!
//! One packet at a time, through a buffer each way kept for the whole run: part 3
//! of the bridge (batching, offloads, sealing in place) makes this fast.

use std::io;

use std::net::{Ipv4Addr, Ipv6Addr};

use ikelab_engine::Engine;
use ikelab_engine::child::{InnerPacket, SEAL_OVERHEAD_MAX, covers};
use ikelab_engine::wire::TrafficSelector;

use crate::tunnel::Tunnel;

/// The largest packet the device hands us (an IP packet's length field).
const MAX_PACKET: usize = 65_535;

/// Packets counted on the data path, for the log and `status`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct DataCounts {
    /// Read from the device, sealed and sent.
    pub(crate) sent: u64,
    /// Opened and written to the device.
    pub(crate) received: u64,
    /// Read from the device but covered by no CHILD SA (RFC 4301 §5.1: dropped).
    pub(crate) unprotected: u64,
    /// Sealed but not sent, or opened but not written (a socket or device error).
    pub(crate) io_errors: u64,
    /// A gateway's: read from the device but sent by one client to another
    /// ([`from_a_client`]), dropped.
    pub(crate) between_clients: u64,
}

/// The device and its buffers.
#[derive(Debug)]
pub(crate) struct DataPath {
    pub(crate) tunnel: Tunnel,
    /// The packet read from the device.
    pub(crate) packet: Vec<u8>,
    /// The ESP packet sealed from it.
    pub(crate) sealed: Vec<u8>,
    pub(crate) counts: DataCounts,
    /// A gateway keeps its clients apart: what one client sends to another is
    /// dropped ([`from_a_client`]).
    pub(crate) isolate_clients: bool,
}

impl DataPath {
    pub(crate) fn new(tunnel: Tunnel) -> Self {
        Self {
            tunnel,
            packet: vec![0; MAX_PACKET],
            sealed: vec![0; MAX_PACKET + SEAL_OVERHEAD_MAX],
            counts: DataCounts::default(),
            isolate_clients: false,
        }
    }

    /// The next packet from the device into `self.packet` (cancel-safe: a read that
    /// did not complete took nothing).
    pub(crate) async fn recv(&mut self) -> io::Result<usize> {
        self.tunnel.device().recv(&mut self.packet).await
    }

    /// The tunnel's lines of `ikelab status`: what it did to the host, and its
    /// packet counts.
    pub(crate) fn status(&self) -> String {
        let mut text = format!("tunnel {}:\n", self.tunnel.name());
        for line in self.tunnel.describe() {
            text.push_str(&format!("  {line}\n"));
        }
        let c = self.counts;
        text.push_str(&format!(
            "  packets: {} sent, {} received, {} dropped as covered by no CHILD SA, {} \
             device or socket errors\n",
            c.sent, c.received, c.unprotected, c.io_errors
        ));
        if self.isolate_clients {
            text.push_str(&format!(
                "  {} dropped between clients (each client reaches the gateway's networks, \
                 not the other clients)\n",
                c.between_clients
            ));
        }
        text
    }

    /// Writes an opened inner packet to the device.
    pub(crate) async fn deliver(&mut self, packet: &[u8]) {
        match self.tunnel.device().send(packet).await {
            Ok(_) => self.counts.received += 1,
            Err(e) => {
                self.counts.io_errors += 1;
                tracing::debug!("cannot write a packet to {}: {e}", self.tunnel.name());
            }
        }
    }
}

/// Whether a packet the device gave comes from one of a gateway's clients: its
/// source lies in a CHILD SA's remote traffic selectors (RFC 4301 §4.4.1: a client's
/// virtual IP, or the subnet behind it). Such a packet was opened from one client's
/// ESP, written to the device and routed back by the host towards another client;
/// a gateway keeps its clients apart, so it is not sealed. A selector that spans a
/// whole address family names no client and is not counted.
pub(crate) fn from_a_client(engine: &Engine, packet: &[u8]) -> bool {
    let Ok(inner) = InnerPacket::parse(packet) else {
        return false;
    };
    let anywhere = [
        TrafficSelector::ipv4_range(Ipv4Addr::UNSPECIFIED, Ipv4Addr::BROADCAST),
        TrafficSelector::ipv6_range(Ipv6Addr::UNSPECIFIED, Ipv6Addr::from(u128::MAX)),
    ];
    engine.child_sas().any(|sa| {
        let narrow: Vec<TrafficSelector> = sa
            .remote_ts
            .iter()
            .filter(|ts| !anywhere.contains(ts))
            .cloned()
            .collect();
        covers(&inner, &narrow, &anywhere)
    })
}
