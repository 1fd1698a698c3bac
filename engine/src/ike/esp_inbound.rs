//! ESP handed to the engine as a datagram, for a driver over real sockets: ESP in
//! UDP on the NAT-T port (RFC 3948 §2.2, classified by `handle_datagram`) or plain
//! ESP from a raw socket (IP protocol 50, [`Engine::handle_esp`]). The engine opens
//! it (RFC 4303 §3.4) and queues the inner IP packet for [`Engine::poll_packet`]
//! (quinn's `poll_*` shape); a refused packet is an `EspDropped` event. This path
//! copies each packet once; the allocation-free one is `Engine::open`.

use std::net::SocketAddr;

use super::data_plane::EspDatagram;
use super::datagram::{Datagram, Time};
use super::engine::Engine;
use super::ids::ChildSaId;
use crate::child::OPEN_HEADROOM;

/// An inner IP packet that came out of a CHILD SA, for the driver's TUN device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundPacket {
    /// The CHILD SA that opened it.
    pub child: ChildSaId,
    /// Its ESP sequence number.
    pub sequence: u64,
    /// The IP packet (IPv4 or IPv6), as the protected host sent it.
    pub bytes: Vec<u8>,
}

impl Engine {
    /// A plain ESP packet (IP protocol 50) arrived on a raw socket: `datagram.payload`
    /// is the ESP packet (SPI to ICV), the ports are 0.
    /// The events it causes carry its `flight`, if the driver gave it one.
    pub fn handle_esp(&mut self, now: Time, datagram: Datagram) {
        self.out.inbound_flight = datagram.flight;
        self.receive_esp(now, datagram.src, datagram.dst, &datagram.payload);
        self.out.inbound_flight = None;
    }

    /// The next inner packet opened from a datagram handed to
    /// [`handle_datagram`](Self::handle_datagram) or [`handle_esp`](Self::handle_esp).
    pub fn poll_packet(&mut self) -> Option<InboundPacket> {
        self.inbound.pop_front()
    }

    /// Opens `esp` (from `src` to `dst`) and queues its inner packet, or reports
    /// why not.
    pub(super) fn receive_esp(&mut self, now: Time, src: SocketAddr, dst: SocketAddr, esp: &[u8]) {
        // Room in front for the IP header transport mode rebuilds.
        let mut buf = vec![0u8; OPEN_HEADROOM + esp.len()];
        if let Some(tail) = buf.get_mut(OPEN_HEADROOM..) {
            tail.copy_from_slice(esp);
        }
        let datagram = EspDatagram {
            src,
            dst,
            buf: &mut buf,
            esp_offset: OPEN_HEADROOM,
        };
        let reported = self.config.esp_events;
        match self.open(now, datagram) {
            Ok(opened) => {
                let packet = InboundPacket {
                    child: opened.child,
                    sequence: opened.sequence,
                    bytes: opened.packet.to_vec(),
                };
                self.inbound.push_back(packet);
            }
            // With `esp_events` `open` reported it already.
            Err(error) if !reported => self.report_esp_dropped(now, esp, (src, dst), &error),
            Err(_) => {}
        }
    }
}
