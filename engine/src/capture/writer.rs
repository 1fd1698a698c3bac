//! The pcap writer: classic libpcap format, link type `LINKTYPE_RAW` (101).

use core::time::Duration;
use std::io::Write;
use std::net::SocketAddr;

use super::error::CaptureWriteError;
use super::link::LinkType;
use super::pcap::{FILE_HEADER_LEN, MAGIC_MICROS, MAGIC_NANOS};
use crate::wire::ip::{
    IpError, IpProtocol, PseudoHeader, UdpChecksumMode, UdpHeader, emit_ip_packet,
};
use crate::wire::udp_encap::{NAT_KEEPALIVE, NON_ESP_MARKER, UdpPortRole};

/// The timestamp unit of a pcap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampResolution {
    /// Microseconds (magic a1b2c3d4): what every tool reads.
    Micro,
    /// Nanoseconds (magic a1b23c4d): keeps the simulator's virtual time exact.
    Nano,
}

/// What one datagram carries; the writer adds the IP and UDP headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatagramContent<'a> {
    /// An IKE message. On port 4500 (and not 500) the writer puts the Non-ESP
    /// Marker in front (RFC 3948 §2.2).
    Ike(&'a [u8]),
    /// An ESP packet in UDP (RFC 3948 §2.1); over IPv4 the UDP checksum is sent as
    /// zero, as §2.1 recommends.
    EspInUdp(&'a [u8]),
    /// A NAT-keepalive (RFC 3948 §2.3).
    NatKeepalive,
    /// UDP data written exactly as given (a caller that already added the marker).
    Udp(&'a [u8]),
    /// An ESP packet directly in IP, protocol 50 (ports are ignored).
    Esp(&'a [u8]),
}

/// Writes a classic pcap file of raw IP packets into `out`.
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    out: W,
    resolution: TimestampResolution,
    /// Counts IPv4 packets, for the Identification field.
    packets: u16,
}

/// The snapshot length the file header announces: no packet is cut.
const SNAPLEN: u32 = 262_144;

impl<W: Write> PcapWriter<W> {
    /// Writes the 24-octet file header (little-endian, version 2.4, link type 101).
    pub fn new(mut out: W, resolution: TimestampResolution) -> Result<Self, CaptureWriteError> {
        let magic = match resolution {
            TimestampResolution::Micro => MAGIC_MICROS,
            TimestampResolution::Nano => MAGIC_NANOS,
        };
        let mut header = Vec::with_capacity(FILE_HEADER_LEN);
        header.extend_from_slice(&magic.to_le_bytes());
        header.extend_from_slice(&2u16.to_le_bytes());
        header.extend_from_slice(&4u16.to_le_bytes());
        header.extend_from_slice(&[0; 8]);
        header.extend_from_slice(&SNAPLEN.to_le_bytes());
        header.extend_from_slice(&u32::from(LinkType::RAW.0).to_le_bytes());
        out.write_all(&header)?;
        Ok(Self {
            out,
            resolution,
            packets: 0,
        })
    }

    /// Appends one record holding `packet` (a whole IPv4 or IPv6 packet), stamped
    /// with `time` since 1970-01-01 UTC (the caller's clock, virtual or real).
    pub fn write_ip_packet(
        &mut self,
        time: Duration,
        packet: &[u8],
    ) -> Result<(), CaptureWriteError> {
        let seconds =
            u32::try_from(time.as_secs()).map_err(|_| CaptureWriteError::TimeOutOfRange {
                seconds: time.as_secs(),
            })?;
        let fraction = match self.resolution {
            TimestampResolution::Micro => time.subsec_micros(),
            TimestampResolution::Nano => time.subsec_nanos(),
        };
        let length = u32::try_from(packet.len()).map_err(|_| IpError::TooLong {
            structure: "pcap record".into(),
            length: packet.len(),
            max: u32::MAX as usize,
        })?;
        let mut header = [0u8; 16];
        header[..4].copy_from_slice(&seconds.to_le_bytes());
        header[4..8].copy_from_slice(&fraction.to_le_bytes());
        header[8..12].copy_from_slice(&length.to_le_bytes());
        header[12..].copy_from_slice(&length.to_le_bytes());
        self.out.write_all(&header)?;
        self.out.write_all(packet)?;
        Ok(())
    }

    /// Frames `content` from `src` to `dst` in IP (and UDP) and appends it.
    pub fn write_datagram(
        &mut self,
        time: Duration,
        src: SocketAddr,
        dst: SocketAddr,
        content: DatagramContent<'_>,
    ) -> Result<(), CaptureWriteError> {
        let packet = frame_datagram(src, dst, content, self.packets)?;
        self.packets = self.packets.wrapping_add(1);
        self.write_ip_packet(time, &packet)
    }

    /// Pushes buffered records to the underlying writer (a live capture flushes as
    /// it goes, so a killed writer leaves a readable file).
    pub fn flush(&mut self) -> Result<(), CaptureWriteError> {
        self.out.flush()?;
        Ok(())
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(mut self) -> Result<W, CaptureWriteError> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Builds the IP packet for one datagram: IP header, UDP header (checksum computed,
/// except ESP in UDP over IPv4) and the data.
pub(super) fn frame_datagram(
    src: SocketAddr,
    dst: SocketAddr,
    content: DatagramContent<'_>,
    identification: u16,
) -> Result<Vec<u8>, IpError> {
    let mut data = Vec::new();
    let mut checksum = UdpChecksumMode::Compute;
    match content {
        DatagramContent::Esp(packet) => {
            let mut out = Vec::new();
            emit_ip_packet(
                src.ip(),
                dst.ip(),
                IpProtocol::ESP,
                identification,
                packet,
                &mut out,
            )?;
            return Ok(out);
        }
        DatagramContent::Ike(message) => {
            if UdpPortRole::from_ports(src.port(), dst.port()) == UdpPortRole::NatT4500 {
                data.extend_from_slice(&NON_ESP_MARKER);
            }
            data.extend_from_slice(message);
        }
        DatagramContent::EspInUdp(packet) => {
            checksum = UdpChecksumMode::ZeroOverIpv4;
            data.extend_from_slice(packet);
        }
        DatagramContent::NatKeepalive => data.push(NAT_KEEPALIVE),
        DatagramContent::Udp(bytes) => data.extend_from_slice(bytes),
    }
    let pseudo = match (src, dst) {
        (SocketAddr::V4(s), SocketAddr::V4(d)) => PseudoHeader::V4 {
            src: *s.ip(),
            dst: *d.ip(),
        },
        (SocketAddr::V6(s), SocketAddr::V6(d)) => PseudoHeader::V6 {
            src: *s.ip(),
            dst: *d.ip(),
        },
        _ => return Err(IpError::MixedAddressFamilies),
    };
    let mut udp = Vec::with_capacity(UdpHeader::LEN + data.len());
    UdpHeader::emit(src.port(), dst.port(), &data, &pseudo, checksum, &mut udp)?;
    let mut out = Vec::new();
    emit_ip_packet(
        src.ip(),
        dst.ip(),
        IpProtocol::UDP,
        identification,
        &udp,
        &mut out,
    )?;
    Ok(out)
}
