//! Reading a capture file: format detection and the record iterator.

use core::time::Duration;

use super::datagram::{Datagram, NotADatagram, classify};
use super::error::CaptureError;
use super::link::LinkType;
use super::pcap::PcapReader;
use super::pcapng::PcapNgReader;

/// Byte order of a pcap file or a pcapng section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Endian {
    Little,
    Big,
}

impl Endian {
    pub(super) fn u16(self, bytes: &[u8], at: usize) -> Option<u16> {
        let b: [u8; 2] = bytes.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(match self {
            Self::Little => u16::from_le_bytes(b),
            Self::Big => u16::from_be_bytes(b),
        })
    }

    pub(super) fn u32(self, bytes: &[u8], at: usize) -> Option<u32> {
        let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(match self {
            Self::Little => u32::from_le_bytes(b),
            Self::Big => u32::from_be_bytes(b),
        })
    }

    pub(super) fn u64(self, bytes: &[u8], at: usize) -> Option<u64> {
        let b: [u8; 8] = bytes.get(at..at.checked_add(8)?)?.try_into().ok()?;
        Some(match self {
            Self::Little => u64::from_le_bytes(b),
            Self::Big => u64::from_be_bytes(b),
        })
    }
}

/// Which file format the reader found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureFormat {
    /// Classic libpcap: one link type for the whole file.
    Pcap {
        link_type: LinkType,
        nanosecond: bool,
        big_endian: bool,
    },
    /// pcapng: link types per interface.
    PcapNg,
}

/// One packet record of a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// Frame number, from 1, counting every packet record (as Wireshark does).
    pub frame: u64,
    /// Capture time since 1970-01-01 UTC.
    pub time: Duration,
    pub link_type: LinkType,
    /// The captured octets (possibly fewer than `original_len`: the snapshot length).
    pub data: &'a [u8],
    /// The packet's length on the wire.
    pub original_len: u32,
    /// Offset of the record (its header or block) in the file.
    pub offset: usize,
}

impl<'a> Record<'a> {
    /// Finds the IP packet in this record and classifies it (IKE, ESP, ...).
    pub fn datagram(&self) -> Result<Datagram<'a>, NotADatagram> {
        classify(self.frame, self.time, self.link_type, self.data)
    }
}

/// A packet record before it is numbered.
#[derive(Debug, Clone, Copy)]
pub(super) struct RawRecord<'a> {
    pub(super) time: Duration,
    pub(super) link_type: LinkType,
    pub(super) data: &'a [u8],
    pub(super) original_len: u32,
    pub(super) offset: usize,
}

#[derive(Debug)]
enum Format<'a> {
    Pcap(PcapReader<'a>),
    PcapNg(PcapNgReader<'a>),
}

/// Reads the records of a pcap or pcapng file held in memory.
///
/// An iterator of `Result<Record, CaptureError>`: after the first error (a file cut
/// short, a damaged block) it yields nothing more.
#[derive(Debug)]
pub struct CaptureReader<'a> {
    format: Format<'a>,
    frames: u64,
    done: bool,
}

/// The pcapng Section Header Block type, which is also the file's first 4 octets.
const PCAPNG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

impl<'a> CaptureReader<'a> {
    /// Detects the format from the magic number and reads the file header.
    pub fn new(bytes: &'a [u8]) -> Result<Self, CaptureError> {
        if bytes.is_empty() {
            return Err(CaptureError::Empty);
        }
        let format = if bytes.starts_with(&PCAPNG_MAGIC) {
            Format::PcapNg(PcapNgReader::new(bytes)?)
        } else {
            Format::Pcap(PcapReader::new(bytes)?)
        };
        Ok(Self {
            format,
            frames: 0,
            done: false,
        })
    }

    pub fn format(&self) -> CaptureFormat {
        match &self.format {
            Format::Pcap(reader) => reader.format(),
            Format::PcapNg(_) => CaptureFormat::PcapNg,
        }
    }
}

impl<'a> Iterator for CaptureReader<'a> {
    type Item = Result<Record<'a>, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = match &mut self.format {
            Format::Pcap(reader) => reader.next_record(),
            Format::PcapNg(reader) => reader.next_record(),
        };
        match next {
            None => {
                self.done = true;
                None
            }
            Some(Err(err)) => {
                self.done = true;
                Some(Err(err))
            }
            Some(Ok(raw)) => {
                self.frames += 1;
                Some(Ok(Record {
                    frame: self.frames,
                    time: raw.time,
                    link_type: raw.link_type,
                    data: raw.data,
                    original_len: raw.original_len,
                    offset: raw.offset,
                }))
            }
        }
    }
}

impl core::iter::FusedIterator for CaptureReader<'_> {}
