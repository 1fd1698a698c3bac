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
use super::policy::{InnerPacket, check_inbound};
use super::seal::seal_packet;
use super::transport;
use crate::config::Mode;
use crate::wire::TrafficSelector;

/// The result of sealing one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealOutcome {
    /// Octets of ESP written at the start of the output buffer.
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

/// Seals the IP packet `packet` for `mode` into `out`.
pub fn seal_ip_packet(
    esp: &mut ChildEsp,
    mode: Mode,
    rng: &mut dyn CryptoRng,
    packet: &[u8],
    out: &mut [u8],
) -> Result<SealOutcome, EspError> {
    let max = esp.outbound.max_sequence();
    if esp.last_sequence_out >= max {
        // RFC 4303 §3.3.3: the counter must not cycle; the SA must be rekeyed.
        return Err(EspError::SequenceExhausted);
    }
    let inner = InnerPacket::parse(packet)?;
    let (next_header, payload) = match mode {
        Mode::Transport => (
            inner.protocol,
            packet
                .get(inner.payload_offset..inner.length)
                .ok_or(EspError::BadInnerPacket)?,
        ),
        Mode::Tunnel => {
            let next_header = match inner.src {
                IpAddr::V4(_) => NEXT_HEADER_IPV4,
                IpAddr::V6(_) => NEXT_HEADER_IPV6,
            };
            let whole = packet.get(..inner.length).ok_or(EspError::BadInnerPacket)?;
            (next_header, whole)
        }
    };
    let sequence = esp.last_sequence_out + 1;
    let len = seal_packet(&esp.outbound, sequence, rng, next_header, payload, out)?;
    esp.last_sequence_out = sequence;
    let volume = count(
        &mut esp.counters_out,
        &esp.limits,
        &mut esp.reported_out,
        inner.length as u64,
    );
    let sequence_crossing = sequence_limit(sequence, max, &mut esp.reported_out);
    Ok(SealOutcome {
        len,
        sequence,
        crossed: [volume, sequence_crossing],
    })
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
            let whole = buf
                .get(start..payload.end)
                .ok_or(EspError::BadInnerPacket)?;
            let inner = InnerPacket::parse(whole)?;
            check_inbound(&inner, context.local_ts, context.remote_ts)?;
            Ok((start..payload.end, opened.sequence, inner.length))
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
            let inner = InnerPacket::parse(inner_bytes)?;
            check_inbound(&inner, context.local_ts, context.remote_ts)?;
            // TFC padding (RFC 4303 §2.7) may follow the inner packet: cut it off.
            let end = payload.start + inner.length;
            Ok((payload.start..end, opened.sequence, inner.length))
        }
    }
}
