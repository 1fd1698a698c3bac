//! The classic libpcap file format (draft-ietf-opsawg-pcap): a 24-octet file header,
//! then records of a 16-octet header and the captured octets.
//!
//! ```text
//! file header:   magic | major 2 | minor 4 | reserved (8) | snaplen | link type + FCS info
//! record header: seconds | µs or ns | captured length | original length
//! ```

use core::time::Duration;

use super::error::CaptureError;
use super::link::LinkType;
use super::reader::{CaptureFormat, Endian, RawRecord};

pub(super) const FILE_HEADER_LEN: usize = 24;
pub(super) const RECORD_HEADER_LEN: usize = 16;
/// Magic numbers as written in the file's own byte order.
pub(super) const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
pub(super) const MAGIC_NANOS: u32 = 0xa1b2_3c4d;

#[derive(Debug)]
pub(super) struct PcapReader<'a> {
    bytes: &'a [u8],
    pos: usize,
    endian: Endian,
    nanosecond: bool,
    link_type: LinkType,
}

impl<'a> PcapReader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Result<Self, CaptureError> {
        let not_a_capture = || CaptureError::NotACapture {
            first_octets: bytes.iter().take(4).copied().collect(),
        };
        let magic: [u8; 4] = bytes
            .get(..4)
            .and_then(|m| m.try_into().ok())
            .ok_or_else(not_a_capture)?;
        let (endian, nanosecond) = match (u32::from_le_bytes(magic), u32::from_be_bytes(magic)) {
            (MAGIC_MICROS, _) => (Endian::Little, false),
            (MAGIC_NANOS, _) => (Endian::Little, true),
            (_, MAGIC_MICROS) => (Endian::Big, false),
            (_, MAGIC_NANOS) => (Endian::Big, true),
            _ => return Err(not_a_capture()),
        };
        if bytes.len() < FILE_HEADER_LEN {
            return Err(CaptureError::Truncated {
                offset: 0,
                structure: "pcap file header",
                needed: FILE_HEADER_LEN,
                available: bytes.len(),
            });
        }
        let major = endian.u16(bytes, 4).unwrap_or(0);
        let minor = endian.u16(bytes, 6).unwrap_or(0);
        if major != 2 {
            return Err(CaptureError::UnsupportedVersion { major, minor });
        }
        // The low 16 bits are the link type; the upper bits carry FCS information.
        let link_type = LinkType((endian.u32(bytes, 20).unwrap_or(0) & 0xFFFF) as u16);
        Ok(Self {
            bytes,
            pos: FILE_HEADER_LEN,
            endian,
            nanosecond,
            link_type,
        })
    }

    pub(super) fn format(&self) -> CaptureFormat {
        CaptureFormat::Pcap {
            link_type: self.link_type,
            nanosecond: self.nanosecond,
            big_endian: self.endian == Endian::Big,
        }
    }

    pub(super) fn next_record(&mut self) -> Option<Result<RawRecord<'a>, CaptureError>> {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        if rest.is_empty() {
            return None;
        }
        Some(self.read_record(rest))
    }

    fn read_record(&mut self, rest: &'a [u8]) -> Result<RawRecord<'a>, CaptureError> {
        let offset = self.pos;
        let truncated = |structure, needed| CaptureError::Truncated {
            offset,
            structure,
            needed,
            available: rest.len(),
        };
        if rest.len() < RECORD_HEADER_LEN {
            return Err(truncated("pcap record header", RECORD_HEADER_LEN));
        }
        let e = self.endian;
        let seconds = e.u32(rest, 0).unwrap_or(0);
        let fraction = e.u32(rest, 4).unwrap_or(0);
        let captured = e.u32(rest, 8).unwrap_or(0);
        let original_len = e.u32(rest, 12).unwrap_or(0);
        let end = usize::try_from(captured)
            .ok()
            .and_then(|c| c.checked_add(RECORD_HEADER_LEN))
            .unwrap_or(usize::MAX);
        let data = rest
            .get(RECORD_HEADER_LEN..end)
            .ok_or_else(|| truncated("pcap record", end))?;
        let nanos = if self.nanosecond {
            u64::from(fraction)
        } else {
            u64::from(fraction) * 1_000
        };
        let time =
            Duration::from_secs(u64::from(seconds)).saturating_add(Duration::from_nanos(nanos));
        self.pos += end;
        Ok(RawRecord {
            time,
            link_type: self.link_type,
            data,
            original_len,
            offset,
        })
    }
}
