//! The ESP data plane on the [`Engine`]: seal an IP packet for a CHILD SA into a
//! caller buffer, open a received ESP packet in place (RFC 4303 §3.3, §3.4).
//!
//! Neither call allocates: the SA is found by id or by SPI in maps, keys were built
//! when the CHILD SA was installed, and every intermediate value lives on the stack.
//! Only the once-per-crossing lifetime signal pushes an event.
//!
//! The driver sends [`SealedPacket`]'s bytes from `src` to `dst`: with `udp_encap`
//! as a UDP datagram between the NAT-T ports (RFC 3948), else as an IP packet with
//! Protocol 50 (the ports are then 0). It hands [`Engine::open`] the payload of
//! such a UDP datagram (after classifying it with
//! `wire::udp_encap::Udp4500Payload`) or of such an IP packet; or, simpler and
//! allocating, hands the datagram to `handle_datagram` / `handle_esp` and takes the
//! inner packets from `poll_packet` (`ike::esp_inbound`). A TUN reader finds the
//! CHILD SA for an outbound packet with [`Engine::route`], or seals in one call with
//! [`Engine::seal_packet`].

use std::net::SocketAddr;

use super::child::ChildSa;
use super::child_table::ChildTable;
use super::datagram::Time;
use super::engine::Engine;
use super::ids::{ChildSaId, IkeSaId};
use crate::child::{
    ChildSaCounters, EspError, InboundContext, InnerPacket, SealOutcome, VolumeLimit, covers,
    open_ip_packet, read_spi, seal_ip_packet, seal_ip_packet_in_place,
};
use crate::event::EventKind;
use crate::wire::ip::summary;

/// Where a sealed ESP packet goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedPacket {
    /// The CHILD SA that sealed it.
    pub child: ChildSaId,
    /// Where the ESP packet starts in the buffer: 0 for [`Engine::seal`], before the
    /// inner packet's old position for [`Engine::seal_in_place`].
    pub offset: usize,
    /// Octets of ESP from `offset`.
    pub len: usize,
    /// Our outer address (and NAT-T port when `udp_encap`).
    pub src: SocketAddr,
    /// The peer's outer address (and NAT-T port when `udp_encap`).
    pub dst: SocketAddr,
    /// Send inside UDP (RFC 3948) rather than as IP protocol 50.
    pub udp_encap: bool,
    /// The packet's sequence number.
    pub sequence: u64,
    /// The packet's flight id on the wire (this engine's counter, shared with
    /// the IKE datagrams it sends).
    pub flight: crate::event::FlightId,
}

/// A received ESP packet: the ESP bytes sit at `buf[esp_offset..]`. For transport
/// mode leave [`OPEN_HEADROOM`](crate::child::OPEN_HEADROOM) octets before them,
/// where the IP header is rebuilt.
#[derive(Debug)]
pub struct EspDatagram<'b> {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub buf: &'b mut [u8],
    pub esp_offset: usize,
}

/// A packet that passed every inbound check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenedPacket<'b> {
    pub child: ChildSaId,
    pub sequence: u64,
    /// The inner IP packet, decrypted in the caller's buffer.
    pub packet: &'b [u8],
}

/// Where a CHILD SA's packets go, read before sealing borrows its state.
#[derive(Debug, Clone, Copy)]
pub(super) struct Route {
    child: ChildSaId,
    ike_sa: IkeSaId,
    src: SocketAddr,
    dst: SocketAddr,
    udp_encap: bool,
}

impl Route {
    /// With UDP encapsulation the NAT-T ports; plain ESP (IP protocol 50) has no
    /// ports, so they are 0.
    #[inline]
    fn of(sa: &ChildSa) -> Self {
        let (src, dst) = if sa.udp_encap {
            (sa.local, sa.remote)
        } else {
            (
                SocketAddr::new(sa.local.ip(), 0),
                SocketAddr::new(sa.remote.ip(), 0),
            )
        };
        Self {
            child: sa.id,
            ike_sa: sa.ike_sa,
            src,
            dst,
            udp_encap: sa.udp_encap,
        }
    }
}

/// The CHILD SA to seal for, if it may still protect traffic, and where its
/// packets go.
#[inline]
fn sealing_sa(
    children: &mut ChildTable,
    child: ChildSaId,
) -> Result<(&mut ChildSa, Route), EspError> {
    let sa = children.get_mut(&child).ok_or(EspError::UnknownChild)?;
    if sa.esp.expired() {
        return Err(EspError::Expired);
    }
    let route = Route::of(sa);
    Ok((sa, route))
}

impl Engine {
    /// Seals `ip_packet` (an IPv4 or IPv6 packet) for CHILD SA `child` into `out`,
    /// which needs `ip_packet.len() +` [`SEAL_OVERHEAD_MAX`](crate::child::SEAL_OVERHEAD_MAX)
    /// octets. `now` stamps the lifetime event a crossing produces.
    pub fn seal(
        &mut self,
        now: Time,
        child: ChildSaId,
        ip_packet: &[u8],
        out: &mut [u8],
    ) -> Result<SealedPacket, EspError> {
        if self.config.esp_events {
            let inner = summary(ip_packet);
            let sealed = self.seal_quietly(now, child, ip_packet, out)?;
            self.report_sealed(now, &sealed, inner, out);
            Ok(sealed)
        } else {
            self.seal_quietly(now, child, ip_packet, out)
        }
    }

    /// [`seal`](Self::seal) without events: the fast path. Always inlined, so the
    /// descriptor is built where the caller receives it rather than copied out of a
    /// call (~30 instructions a packet, measured with callgrind on `benches/esp.rs`).
    #[inline(always)]
    fn seal_quietly(
        &mut self,
        now: Time,
        child: ChildSaId,
        ip_packet: &[u8],
        out: &mut [u8],
    ) -> Result<SealedPacket, EspError> {
        let (sa, route) = sealing_sa(&mut self.children, child)?;
        let outcome = seal_ip_packet(&mut sa.esp, sa.mode, &mut *self.rng, ip_packet, out)?;
        sa.last_outbound = Some(now);
        Ok(self.sealed(now, route, outcome))
    }

    /// The CHILD SA whose traffic selectors cover the outbound IP packet `inner`
    /// (its source in the local selectors, its destination in the remote ones,
    /// RFC 4301 §5.1): what a TUN reader calls before sealing. Of several (a rekey's
    /// old and new SA), the newest; an SA past its hard lifetime is passed over.
    pub fn route(&self, inner: &[u8]) -> Option<ChildSaId> {
        let packet = InnerPacket::parse(inner).ok()?;
        self.covering_child(&packet)
    }

    fn covering_child(&self, packet: &InnerPacket) -> Option<ChildSaId> {
        self.children
            .values()
            .filter(|sa| !sa.esp.expired() && covers(packet, &sa.local_ts, &sa.remote_ts))
            .map(|sa| sa.id)
            .max()
    }

    /// Seals `ip_packet` for the CHILD SA that [`route`](Self::route) picks for it,
    /// into `out` (as [`seal`](Self::seal)): the one call a TUN reader needs.
    pub fn seal_packet(
        &mut self,
        now: Time,
        ip_packet: &[u8],
        out: &mut [u8],
    ) -> Result<SealedPacket, EspError> {
        let packet = InnerPacket::parse(ip_packet)?;
        let child = self
            .covering_child(&packet)
            .ok_or(EspError::NoCoveringChildSa {
                src: packet.src,
                dst: packet.dst,
                protocol: packet.protocol,
            })?;
        self.seal(now, child, ip_packet, out)
    }

    /// Seals the IP packet at `buf[packet]` in place, without copying it: the ESP
    /// header and IV go into the octets before it (leave
    /// [`SEAL_HEADROOM`](crate::child::SEAL_HEADROOM)), the trailer and ICV after it
    /// (leave `SEAL_OVERHEAD_MAX - SEAL_HEADROOM`). The ESP packet is
    /// `buf[offset..offset + len]`. After [`open`](Self::open) of such a packet the
    /// inner packet is back where it was, so one buffer can be sealed, sent,
    /// received and opened over and over.
    pub fn seal_in_place(
        &mut self,
        now: Time,
        child: ChildSaId,
        buf: &mut [u8],
        packet: core::ops::Range<usize>,
    ) -> Result<SealedPacket, EspError> {
        if self.config.esp_events {
            let inner = summary(buf.get(packet.clone()).unwrap_or_default());
            let sealed = self.seal_in_place_quietly(now, child, buf, packet)?;
            self.report_sealed(now, &sealed, inner, buf);
            Ok(sealed)
        } else {
            self.seal_in_place_quietly(now, child, buf, packet)
        }
    }

    /// [`seal_in_place`](Self::seal_in_place) without events: the fast path, always
    /// inlined as [`seal_quietly`](Self::seal_quietly).
    #[inline(always)]
    fn seal_in_place_quietly(
        &mut self,
        now: Time,
        child: ChildSaId,
        buf: &mut [u8],
        packet: core::ops::Range<usize>,
    ) -> Result<SealedPacket, EspError> {
        let (sa, route) = sealing_sa(&mut self.children, child)?;
        let outcome = seal_ip_packet_in_place(&mut sa.esp, sa.mode, &mut *self.rng, buf, packet)?;
        sa.last_outbound = Some(now);
        Ok(self.sealed(now, route, outcome))
    }

    /// The descriptor of a sealed packet, and the lifetime signals it raised.
    #[inline(always)]
    fn sealed(&mut self, now: Time, route: Route, outcome: SealOutcome) -> SealedPacket {
        for limit in outcome.crossed.into_iter().flatten() {
            self.record_limit(now, route.ike_sa, route.child, limit);
        }
        SealedPacket {
            child: route.child,
            offset: outcome.start,
            len: outcome.len,
            src: route.src,
            dst: route.dst,
            udp_encap: route.udp_encap,
            sequence: outcome.sequence,
            flight: self.next_flight(),
        }
    }

    /// Opens a received ESP packet in place: finds the CHILD SA by SPI, checks the
    /// replay window, verifies the ICV, decrypts, checks padding and the traffic
    /// selectors, and returns the inner IP packet.
    /// With `EngineConfig::esp_events` the packet, opened or refused, is reported.
    pub fn open<'b>(
        &mut self,
        now: Time,
        datagram: EspDatagram<'b>,
    ) -> Result<OpenedPacket<'b>, EspError> {
        if self.config.esp_events {
            self.open_reported(now, datagram)
        } else {
            self.open_quietly(now, datagram)
        }
    }

    /// [`open`](Self::open) without events: the fast path, always inlined into it.
    #[inline(always)]
    pub(super) fn open_quietly<'b>(
        &mut self,
        now: Time,
        datagram: EspDatagram<'b>,
    ) -> Result<OpenedPacket<'b>, EspError> {
        let EspDatagram {
            src,
            dst,
            buf,
            esp_offset,
        } = datagram;
        let spi = read_spi(buf.get(esp_offset..).unwrap_or_default())?;
        let sa = self
            .children
            .by_spi_in_mut(spi)
            .ok_or(EspError::UnknownSpi { spi })?;
        let context = InboundContext {
            mode: sa.mode,
            local_ts: &sa.local_ts,
            remote_ts: &sa.remote_ts,
            outer_src: src.ip(),
            outer_dst: dst.ip(),
        };
        let outcome = open_ip_packet(&mut sa.esp, &context, buf, esp_offset)?;
        sa.last_inbound = Some(now);
        let (child, ike_sa) = (sa.id, sa.ike_sa);
        if let Some(limit) = outcome.crossed {
            self.record_limit(now, ike_sa, child, limit);
        }
        let packet = buf.get(outcome.packet).ok_or(EspError::BadInnerPacket)?;
        Ok(OpenedPacket {
            child,
            sequence: outcome.sequence,
            packet,
        })
    }

    /// A CHILD SA's traffic counters.
    pub fn child_sa_counters(&self, id: ChildSaId) -> Option<ChildSaCounters> {
        self.children.get(&id).map(|c| c.esp.counters())
    }

    /// Reports a crossed limit and acts on it: a soft one rekeys the CHILD SA, a
    /// hard one deletes it (`ike::ops::volume`).
    fn record_limit(&mut self, now: Time, ike_sa: IkeSaId, child: ChildSaId, limit: VolumeLimit) {
        self.emit(
            now,
            Some(ike_sa),
            EventKind::ChildSaVolumeLimit {
                child,
                limit: limit.level,
                reason: limit.reason,
            },
        );
        self.on_child_volume_limit(now, child, limit);
    }
}
