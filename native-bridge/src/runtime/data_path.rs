//! The packets of the tunnel: read from the TUN device, sealed by the engine into
//! ESP (RFC 4303 §3.3) for the CHILD SA whose selectors cover them, and sent in UDP
//! from the NAT-T socket (RFC 3948); ESP that arrives there is opened by the engine
//! (`handle_datagram`) and its inner packets written to the device.
//!
//! One packet at a time, through a buffer each way kept for the whole run: part 3
//! of the bridge (batching, offloads, sealing in place) makes this fast.

use std::io;

use ikelab_engine::child::SEAL_OVERHEAD_MAX;

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
}

impl DataPath {
    pub(crate) fn new(tunnel: Tunnel) -> Self {
        Self {
            tunnel,
            packet: vec![0; MAX_PACKET],
            sealed: vec![0; MAX_PACKET + SEAL_OVERHEAD_MAX],
            counts: DataCounts::default(),
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
