//! The ESP data plane's events (`EngineConfig::esp_events`): each packet sealed,
//! opened or refused, with its dissection (RFC 4303 §2) for the inspector. The
//! fast path (`esp_events` off) never comes here, except for refusals of packets
//! handed to `handle_datagram` / `handle_esp`, which are always reported.

use std::net::SocketAddr;

use super::child::ChildSa;
use super::data_plane::{EspDatagram, OpenedPacket, SealedPacket};
use super::datagram::Time;
use super::engine::Engine;
use crate::child::{EspError, SaDecryptor, read_spi};
use crate::event::{EspDropEvent, EspDropReason, EspPacketEvent, EventKind};
use crate::wire::Dissection;
use crate::wire::esp::dissect_esp;
use crate::wire::ip::InnerKind;

/// How a CHILD SA's ESP is decrypted, for the dissection's note.
fn note(sa: &ChildSa) -> String {
    match sa.encr_key_bits {
        Some(bits) => format!("{}, {bits}-bit key", sa.encr),
        None => sa.encr.to_string(),
    }
}

/// The dissection of an ESP packet of `sa`, decrypted with the ESP SA of that
/// direction (on a copy).
fn dissect_with(
    sa: &ChildSa,
    outbound: bool,
    esp: &[u8],
    addresses: (SocketAddr, SocketAddr),
) -> Dissection {
    let esp_sa = if outbound {
        &sa.esp.outbound
    } else {
        &sa.esp.inbound
    };
    let mut decryptor = SaDecryptor {
        sa: esp_sa,
        note: note(sa),
    };
    dissect_esp(
        esp,
        Some((addresses.0.ip(), addresses.1.ip())),
        Some(&mut decryptor),
    )
}

impl Engine {
    /// Reports a packet `seal` or `seal_in_place` just wrote to `buf`. Never
    /// inlined, as `open_reported`: the data plane's fast path stays small.
    #[inline(never)]
    pub(super) fn report_sealed(
        &mut self,
        now: Time,
        sealed: &SealedPacket,
        (kind, inner): (InnerKind, String),
        buf: &[u8],
    ) {
        let Some(sa) = self.children.get(&sealed.child) else {
            return;
        };
        let esp = buf
            .get(sealed.offset..sealed.offset + sealed.len)
            .unwrap_or_default();
        let event = EspPacketEvent {
            child: sa.id,
            spi: sa.spi_out,
            sequence: sealed.sequence,
            src: sealed.src,
            dst: sealed.dst,
            udp_encap: sealed.udp_encap,
            length: esp.len(),
            kind,
            inner,
            dissection: dissect_with(sa, true, esp, (sealed.src, sealed.dst)),
        };
        let ike_sa = sa.ike_sa;
        // The sealed packet's own flight (this engine's number for it), as
        // `MessageSent` carries its datagram's.
        self.cx(now).emit_for(
            Some(ike_sa),
            Some(sealed.flight),
            EventKind::EspSealed(Box::new(event)),
        );
    }

    /// `open` with `esp_events`: keeps a copy of the ESP packet (decryption is in
    /// place) to dissect it, then reports the outcome. Never inlined into `open`, so
    /// the fast path without events stays small.
    #[inline(never)]
    pub(super) fn open_reported<'b>(
        &mut self,
        now: Time,
        datagram: EspDatagram<'b>,
    ) -> Result<OpenedPacket<'b>, EspError> {
        let (src, dst) = (datagram.src, datagram.dst);
        let esp = datagram
            .buf
            .get(datagram.esp_offset..)
            .unwrap_or_default()
            .to_vec();
        let result = self.open_quietly(now, datagram);
        match &result {
            Ok(opened) => self.report_opened(now, opened, &esp, (src, dst)),
            Err(error) => self.report_esp_dropped(now, &esp, (src, dst), error),
        }
        result
    }

    fn report_opened(
        &mut self,
        now: Time,
        opened: &OpenedPacket<'_>,
        esp: &[u8],
        (src, dst): (SocketAddr, SocketAddr),
    ) {
        let Some(sa) = self.children.get(&opened.child) else {
            return;
        };
        let (kind, inner) = crate::wire::ip::summary(opened.packet);
        let event = EspPacketEvent {
            child: sa.id,
            spi: sa.spi_in,
            sequence: opened.sequence,
            src,
            dst,
            udp_encap: sa.udp_encap,
            length: esp.len(),
            kind,
            inner,
            dissection: dissect_with(sa, false, esp, (src, dst)),
        };
        let ike_sa = sa.ike_sa;
        self.emit(now, Some(ike_sa), EventKind::EspOpened(Box::new(event)));
    }

    /// Reports a received ESP packet (`esp`, as it arrived) the data plane refused.
    pub(super) fn report_esp_dropped(
        &mut self,
        now: Time,
        esp: &[u8],
        (src, dst): (SocketAddr, SocketAddr),
        error: &EspError,
    ) {
        let spi = read_spi(esp).unwrap_or(0);
        let sequence = esp
            .get(4..8)
            .and_then(|w| <[u8; 4]>::try_from(w).ok())
            .map_or(0, u32::from_be_bytes);
        let owner = self
            .children
            .values()
            .find(|c| c.spi_in == spi)
            .map(|c| (c.id, c.ike_sa));
        let event = EspDropEvent {
            child: owner.map(|(child, _)| child),
            spi,
            sequence,
            src,
            dst,
            length: esp.len(),
            reason: EspDropReason::of(error),
            dissection: dissect_esp(esp, Some((src.ip(), dst.ip())), None),
        };
        self.emit(
            now,
            owner.map(|(_, ike_sa)| ike_sa),
            EventKind::EspDropped(Box::new(event)),
        );
    }
}
