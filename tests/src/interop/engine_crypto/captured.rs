//! The IKE messages and ESP packets of a capture file, read by the engine's capture reader
//! and wire parser (not tshark): the bytes a real peer sent, for our crypto to work on.

use std::net::IpAddr;
use std::path::Path;

use ikelab_engine::capture::{CaptureReader, DatagramKind};
use ikelab_engine::wire::Message;

use super::engine_error;
use crate::interop::error::{InteropError, Result};

/// One IKE message of a capture: its exact octets (after the Non-ESP Marker on UDP 4500)
/// and our strict parse of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedIke {
    /// Frame number, from 1.
    pub frame: u64,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
    /// The IKE message as sent, IKE header first.
    pub bytes: Vec<u8>,
    /// `Message::parse(&bytes)`; SK bodies stay encrypted.
    pub message: Message,
}

/// One ESP packet of a capture (in UDP or directly in IP), SPI first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedEsp {
    /// Frame number, from 1.
    pub frame: u64,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// The ESP packet: SPI, Sequence Number, IV, ciphertext, ICV (RFC 4303 §2).
    pub packet: Vec<u8>,
}

/// What a capture holds that IKElab's crypto can work on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapturedTraffic {
    pub ike: Vec<CapturedIke>,
    pub esp: Vec<CapturedEsp>,
}

/// Reads `pcap` (pcap or pcapng, any link type the engine's reader knows) and collects
/// every IKE message and ESP packet in frame order. Frames that are not IP (ARP, …) or
/// carry other traffic are skipped; an IKE message our parser rejects is an error, since
/// every message a conforming peer sends must parse.
pub fn read_capture(pcap: &Path) -> Result<CapturedTraffic> {
    let bytes = std::fs::read(pcap).map_err(|e| InteropError::io(pcap, e))?;
    let what = format!("capture {}", pcap.display());
    let reader = CaptureReader::new(&bytes).map_err(|e| engine_error(&what, e))?;
    let mut traffic = CapturedTraffic::default();
    for record in reader {
        let record = record.map_err(|e| engine_error(&what, e))?;
        let Ok(datagram) = record.datagram() else {
            continue;
        };
        match datagram.kind {
            DatagramKind::Ike500 | DatagramKind::Ike4500 => {
                let message = Message::parse(datagram.payload).map_err(|e| {
                    engine_error(&format!("IKE message in frame {}", record.frame), e)
                })?;
                traffic.ike.push(CapturedIke {
                    frame: record.frame,
                    src: datagram.src,
                    dst: datagram.dst,
                    src_port: datagram.src_port.unwrap_or_default(),
                    dst_port: datagram.dst_port.unwrap_or_default(),
                    bytes: datagram.payload.to_vec(),
                    message,
                });
            }
            DatagramKind::EspInUdp | DatagramKind::Esp => traffic.esp.push(CapturedEsp {
                frame: record.frame,
                src: datagram.src,
                dst: datagram.dst,
                packet: datagram.payload.to_vec(),
            }),
            DatagramKind::NatKeepalive | DatagramKind::Other => {}
        }
    }
    Ok(traffic)
}
