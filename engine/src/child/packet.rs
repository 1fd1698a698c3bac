//! IP packets in, ESP packets out, and back, by mode (RFC 4303 §3.1): tunnel mode
//! protects a whole inner packet (Next Header 4 or 41), transport mode the
//! upper-layer payload of the packet (Next Header = its protocol; see
//! [`transport`](super::transport)). Counts, limits and inbound policy are applied
//! here, on a CHILD SA's [`ChildEsp`].

use core::ops::Range;
use std::net::IpAddr;

use rand_core::CryptoRng;

use super::counters::{VolumeLimit, count, sequence_limit};
use super::error::EspError;
use super::esp_sa::ChildEsp;
use super::open::open_packet;
use super::padding::{NEXT_HEADER_IPV4, NEXT_HEADER_IPV6};
use super::policy::{InnerPacket, accepted_length};
use super::seal::{seal_in_buffer, seal_packet};
use super::transport;
use crate::config::Mode;
use crate::wire::TrafficSelector;
use crate::wire::esp::EspHeader;

/// The result of sealing one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealOutcome {
    /// Where the ESP packet starts in the buffer (0 unless sealed in place).
    pub start: usize,
    /// Octets of ESP written from `start`.
    pub len: usize,
    /// The packet's (full) sequence number.
    pub sequence: u64,
    /// Limits this packet crossed for the first time (volume, then sequence).
    pub crossed: [Option<VolumeLimit>; 2],
}

/// The result of opening one packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOutcome {
    /// The inner IP packet within the buffer.
    pub packet: Range<usize>,
    pub sequence: u64,
    /// A limit this packet crossed for the first time.
    pub crossed: Option<VolumeLimit>,
}

/// Seals the IP packet `packet` for `mode` into `out` (the ESP packet starts at
/// `out[0]`; `start` is 0).
pub fn seal_ip_packet(
    esp: &mut ChildEsp,
    mode: Mode,
    rng: &mut dyn CryptoRng,
    packet: &[u8],
    out: &mut [u8],
) -> Result<SealOutcome, EspError> {
    let inner = check_before_seal(esp, packet)?;
    let (next_header, payload) = protected_part(&inner, mode);
    let payload = packet.get(payload).ok_or(EspError::BadInnerPacket)?;
    let sequence = esp.last_sequence_out + 1;
    let len = seal_packet(&esp.outbound, sequence, rng, next_header, payload, out)?;
    Ok(after_seal(esp, &inner, sequence, 0, len))
}

/// Seals the IP packet at `buf[packet]` in place (zero copy): the ESP header and IV
/// are written in the octets before what is protected (at least
/// [`SEAL_HEADROOM`](super::SEAL_HEADROOM) octets before the packet always suffice),
/// the trailer and ICV after it (`SEAL_OVERHEAD_MAX - SEAL_HEADROOM` octets of
/// tailroom suffice). The ESP packet is `buf[start..start + len]`.
pub fn seal_ip_packet_in_place(
    esp: &mut ChildEsp,
    mode: Mode,
    rng: &mut dyn CryptoRng,
    buf: &mut [u8],
    packet: Range<usize>,
) -> Result<SealOutcome, EspError> {
    let bytes = buf.get(packet.clone()).ok_or(EspError::BadInnerPacket)?;
    let inner = check_before_seal(esp, bytes)?;
    let (next_header, payload) = protected_part(&inner, mode);
    let payload_start = packet.start + payload.start;
    let start = payload_start
        .checked_sub(EspHeader::LEN + esp.outbound.transform.iv_len())
        .ok_or(EspError::BufferTooSmall {
            needed: EspHeader::LEN + esp.outbound.transform.iv_len(),
            available: payload_start,
        })?;
    let sequence = esp.last_sequence_out + 1;
    let out = buf.get_mut(start..).ok_or(EspError::BadInnerPacket)?;
    let len = seal_in_buffer(
        &esp.outbound,
        sequence,
        rng,
        next_header,
        payload.len(),
        out,
    )?;
    Ok(after_seal(esp, &inner, sequence, start, len))
}

/// Sequence exhaustion (RFC 4303 §3.3.3: the counter must not cycle; the SA must
/// be rekeyed) and the inner packet's fields. Inlined, like `after_seal`, so the
/// result is not read back through memory.
#[inline(always)]
fn check_before_seal(esp: &ChildEsp, packet: &[u8]) -> Result<InnerPacket, EspError> {
    if esp.last_sequence_out >= esp.outbound.max_sequence() {
        return Err(EspError::SequenceExhausted);
    }
    InnerPacket::parse(packet)
}

/// Next Header and the protected octets (within the packet) for `mode`.
fn protected_part(inner: &InnerPacket, mode: Mode) -> (u8, Range<usize>) {
    match mode {
        Mode::Transport => (inner.protocol, inner.payload_offset..inner.length),
        Mode::Tunnel => {
            let next_header = match inner.src {
                IpAddr::V4(_) => NEXT_HEADER_IPV4,
                IpAddr::V6(_) => NEXT_HEADER_IPV6,
            };
            (next_header, 0..inner.length)
        }
    }
}

/// Counts a sealed packet and reports the limits it crossed. Inlined so the
/// outcome stays in registers: returned through memory, reading its crossings
/// back cost a store-forwarding stall per packet (`perf annotate`, `benches/esp.rs`).
#[inline(always)]
fn after_seal(
    esp: &mut ChildEsp,
    inner: &InnerPacket,
    sequence: u64,
    start: usize,
    len: usize,
) -> SealOutcome {
    esp.last_sequence_out = sequence;
    let volume = count(
        &mut esp.counters_out,
        &esp.limits,
        &mut esp.reported_out,
        inner.length as u64,
    );
    let max = esp.outbound.max_sequence();
    let sequence_crossing = sequence_limit(sequence, max, &mut esp.reported_out);
    SealOutcome {
        start,
        len,
        sequence,
        crossed: [volume, sequence_crossing],
    }
}

/// What the inbound policy checks against.
#[derive(Debug, Clone, Copy)]
pub struct InboundContext<'a> {
    pub mode: Mode,
    pub local_ts: &'a [TrafficSelector],
    pub remote_ts: &'a [TrafficSelector],
    /// The outer source and destination (transport mode rebuilds the IP header
    /// from them).
    pub outer_src: IpAddr,
    pub outer_dst: IpAddr,
}

/// Opens the ESP packet at `buf[esp_start..]` in place and returns where the
/// inner IP packet is in `buf`. Transport mode needs `esp_start + 8 + IV length`
/// to be at least the rebuilt header's length (20 or 40 octets): the headroom.
pub fn open_ip_packet(
    esp: &mut ChildEsp,
    context: &InboundContext<'_>,
    buf: &mut [u8],
    esp_start: usize,
) -> Result<OpenOutcome, EspError> {
    let result = open_checked(esp, context, buf, esp_start);
    match result {
        Ok((packet, sequence, length)) => {
            let crossed = count(
                &mut esp.counters_in,
                &esp.limits,
                &mut esp.reported_in,
                length as u64,
            );
            Ok(OpenOutcome {
                packet,
                sequence,
                crossed,
            })
        }
        Err(e) => {
            esp.counters_in.dropped = esp.counters_in.dropped.saturating_add(1);
            Err(e)
        }
    }
}

fn open_checked(
    esp: &mut ChildEsp,
    context: &InboundContext<'_>,
    buf: &mut [u8],
    esp_start: usize,
) -> Result<(Range<usize>, u64, usize), EspError> {
    let available = buf.len();
    let packet = buf.get_mut(esp_start..).ok_or(EspError::BufferTooSmall {
        needed: esp_start,
        available,
    })?;
    let opened = open_packet(&esp.inbound, Some(&mut esp.replay), packet)?;
    let payload = opened.payload.start + esp_start..opened.payload.end + esp_start;
    match context.mode {
        Mode::Transport => {
            let header_len = transport::header_len(context.outer_src);
            let start = payload
                .start
                .checked_sub(header_len)
                .ok_or(EspError::BufferTooSmall {
                    needed: header_len + payload.start - esp_start,
                    available: payload.start - esp_start,
                })?;
            let payload_len = payload.len();
            let header = buf
                .get_mut(start..payload.start)
                .ok_or(EspError::BadInnerPacket)?;
            transport::write_header(
                header,
                context.outer_src,
                context.outer_dst,
                opened.next_header,
                payload_len,
            )?;
            if let Some(segment) = buf.get_mut(payload.clone()) {
                transport::fix_upper_checksum(
                    segment,
                    context.outer_src,
                    context.outer_dst,
                    opened.next_header,
                );
            }
            let whole = buf
                .get(start..payload.end)
                .ok_or(EspError::BadInnerPacket)?;
            let length = accepted_length(whole, context.local_ts, context.remote_ts)?;
            Ok((start..payload.end, opened.sequence, length))
        }
        Mode::Tunnel => {
            let version = match opened.next_header {
                NEXT_HEADER_IPV4 => 4,
                NEXT_HEADER_IPV6 => 6,
                next_header => return Err(EspError::UnexpectedNextHeader { next_header }),
            };
            let inner_bytes = buf.get(payload.clone()).ok_or(EspError::BadInnerPacket)?;
            if inner_bytes.first().map(|b| b >> 4) != Some(version) {
                return Err(EspError::BadInnerPacket);
            }
            let length = accepted_length(inner_bytes, context.local_ts, context.remote_ts)?;
            // TFC padding (RFC 4303 §2.7) may follow the inner packet: cut it off.
            let end = payload.start + length;
            Ok((payload.start..end, opened.sequence, length))
        }
    }
}
