//! Packet captures: a pcap writer for what the engine sends and receives, and a
//! pcap/pcapng reader that finds IKE and ESP in real captures.
//!
//! Sans-IO like the rest of the engine: the writer appends to any `std::io::Write`
//! (a `Vec<u8>` in the simulator and the browser, a file in the bridge) and takes each
//! packet's time from the caller (virtual time in the simulator); the reader works on
//! a byte slice the caller loaded.
//!
//! # Writing
//!
//! [`PcapWriter`] writes the classic libpcap format with link type `LINKTYPE_RAW`
//! (101): each record is a bare IPv4 or IPv6 packet. No Ethernet header means no MAC
//! addresses to invent, and every byte in the file is one the IP layer really sends.
//! Wireshark, tshark and tcpdump all read it. [`DatagramContent`] says what a
//! datagram carries; the writer adds the IP and UDP headers (checksums computed) and,
//! on port 4500, the Non-ESP Marker before IKE (RFC 3948 §2.2).
//!
//! # Reading
//!
//! [`CaptureReader`] reads classic pcap (either byte order, µs or ns timestamps) and
//! pcapng (every section and interface, either byte order, `if_tsresol` and
//! `if_tsoffset`), written by hand rather than with a crate: it is small, it works on
//! a borrowed slice without copying, it never panics on hostile input, and it builds
//! for wasm32. Link types: Ethernet (1, with 802.1Q/802.1ad VLAN tags), Linux cooked
//! SLL (113) and SLL2 (276, what `tcpdump -i any` writes), raw IP (101, 228, 229),
//! BSD loopback (0, 108). Each record becomes a [`Record`], and
//! [`Record::datagram`] finds the IP packet and classifies it: IKE on UDP 500, IKE on
//! UDP 4500 after the Non-ESP Marker, ESP in UDP, ESP (IP protocol 50),
//! NAT-keepalive, or something else. IP fragments are recognised, not reassembled.
//! [`dissect_datagram`] explains every octet of such a packet, from the IP header to
//! the IKE payloads (through the same dissector as the browser).
//!
//! # Keys
//!
//! [`keys`] writes and reads the Wireshark profile folder that decrypts a capture
//! (`ikev2_decryption_table`, `esp_sa`, `preferences`) and opens SK payloads and
//! ESP packets with the keys of such tables.

mod datagram;
mod dissect;
mod error;
pub mod keys;
mod link;
mod pcap;
mod pcapng;
mod reader;
mod writer;

pub use datagram::{Datagram, DatagramKind, NotADatagram};
pub use dissect::dissect_datagram;
pub use error::{CaptureError, CaptureWriteError};
pub use link::LinkType;
pub use reader::{CaptureFormat, CaptureReader, Record};
pub use writer::{DatagramContent, PcapWriter, TimestampResolution};

#[cfg(test)]
mod tests;
