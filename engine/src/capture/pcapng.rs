//! The pcapng file format (draft-ietf-opsawg-pcapng): a sequence of blocks, each
//! `type | total length | body | total length`, grouped in sections that each start
//! with a Section Header Block fixing the byte order.
//!
//! Read here: Section Header (SHB), Interface Description (IDB, with `if_tsresol`
//! and `if_tsoffset`), Enhanced Packet (EPB), Simple Packet (SPB) and the obsolete
//! Packet Block. Every other block is skipped.

use core::time::Duration;

use super::error::CaptureError;
use super::link::LinkType;
use super::reader::{Endian, RawRecord};

const SHB: u32 = 0x0A0D_0D0A;
const IDB: u32 = 0x0000_0001;
const OBSOLETE_PACKET: u32 = 0x0000_0002;
const SPB: u32 = 0x0000_0003;
const EPB: u32 = 0x0000_0006;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
/// IDB options (draft-ietf-opsawg-pcapng §4.2).
const OPT_END: u16 = 0;
const IF_TSRESOL: u16 = 9;
const IF_TSOFFSET: u16 = 14;

/// What packet blocks need from their interface.
#[derive(Debug, Clone, Copy)]
struct Interface {
    link_type: LinkType,
    snaplen: u32,
    /// `if_tsresol`: bit 7 clear → 10^-n seconds per tick, set → 2^-n.
    tsresol: u8,
    /// `if_tsoffset`: seconds to add to every timestamp.
    tsoffset: i64,
}

impl Interface {
    /// Converts a 64-bit timestamp in this interface's units to time since 1970.
    fn time(&self, ticks: u64) -> Duration {
        let exponent = u32::from(self.tsresol & 0x7F);
        let nanos: u128 = if self.tsresol & 0x80 == 0 {
            if exponent <= 9 {
                u128::from(ticks) * 10u128.pow(9 - exponent)
            } else {
                // Finer than a nanosecond: drop the extra digits (or all of them).
                10u128
                    .checked_pow(exponent - 9)
                    .map_or(0, |div| u128::from(ticks) / div)
            }
        } else {
            (u128::from(ticks) * 1_000_000_000)
                .checked_shr(exponent)
                .unwrap_or(0)
        };
        let secs = u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX);
        let sub = (nanos % 1_000_000_000) as u32;
        let base = Duration::new(secs, sub);
        if self.tsoffset >= 0 {
            base.saturating_add(Duration::from_secs(self.tsoffset.unsigned_abs()))
        } else {
            base.saturating_sub(Duration::from_secs(self.tsoffset.unsigned_abs()))
        }
    }
}

#[derive(Debug)]
pub(super) struct PcapNgReader<'a> {
    bytes: &'a [u8],
    pos: usize,
    endian: Endian,
    interfaces: Vec<Interface>,
}

/// One block's type, its body and where it starts.
struct Block<'a> {
    offset: usize,
    block_type: u32,
    body: &'a [u8],
}

impl<'a> PcapNgReader<'a> {
    /// Checks that the file starts with a Section Header Block.
    pub(super) fn new(bytes: &'a [u8]) -> Result<Self, CaptureError> {
        let mut reader = Self {
            bytes,
            pos: 0,
            endian: Endian::Little,
            interfaces: Vec::new(),
        };
        // Validate the first SHB now so a damaged file fails at open; rewind so the
        // iterator reads it again (and resets the interface list).
        reader.read_block()?;
        reader.pos = 0;
        reader.interfaces.clear();
        Ok(reader)
    }

    pub(super) fn next_record(&mut self) -> Option<Result<RawRecord<'a>, CaptureError>> {
        loop {
            if self.pos >= self.bytes.len() {
                return None;
            }
            let block = match self.read_block() {
                Ok(block) => block,
                Err(err) => return Some(Err(err)),
            };
            match self.packet(&block) {
                Ok(Some(record)) => return Some(Ok(record)),
                Ok(None) => {}
                Err(err) => return Some(Err(err)),
            }
        }
    }

    /// Reads the block at `pos`, advances past it, and handles SHB and IDB.
    fn read_block(&mut self) -> Result<Block<'a>, CaptureError> {
        let offset = self.pos;
        let rest = self.bytes.get(offset..).unwrap_or_default();
        let truncated = |structure, needed| CaptureError::Truncated {
            offset,
            structure,
            needed,
            available: rest.len(),
        };
        let type_octets: [u8; 4] = rest
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| truncated("pcapng block header", 12))?;
        let is_shb = type_octets == SHB.to_be_bytes();
        if is_shb {
            // The byte-order magic after the length fixes the section's byte order.
            let magic: [u8; 4] = rest
                .get(8..12)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| truncated("pcapng Section Header Block", 28))?;
            self.endian = if u32::from_le_bytes(magic) == BYTE_ORDER_MAGIC {
                Endian::Little
            } else if u32::from_be_bytes(magic) == BYTE_ORDER_MAGIC {
                Endian::Big
            } else {
                return Err(CaptureError::BadByteOrderMagic {
                    offset,
                    found: magic,
                });
            };
        } else if offset == 0 {
            return Err(CaptureError::NotACapture {
                first_octets: type_octets.to_vec(),
            });
        }
        let e = self.endian;
        let block_type = e.u32(rest, 0).unwrap_or(0);
        let length = e
            .u32(rest, 4)
            .ok_or_else(|| truncated("pcapng block header", 12))?;
        if length < 12 || !length.is_multiple_of(4) {
            return Err(CaptureError::BadBlockLength { offset, length });
        }
        let len = usize::try_from(length).unwrap_or(usize::MAX);
        if rest.len() < len {
            return Err(truncated("pcapng block", len));
        }
        let trailing = e.u32(rest, len - 4).unwrap_or(0);
        if trailing != length {
            return Err(CaptureError::BlockLengthMismatch {
                offset,
                leading: length,
                trailing,
            });
        }
        let body = rest.get(8..len - 4).unwrap_or_default();
        self.pos = offset + len;
        let block = Block {
            offset,
            block_type,
            body,
        };
        match block_type {
            SHB => self.section_header(&block)?,
            IDB => self.interface(&block)?,
            _ => {}
        }
        Ok(block)
    }

    fn section_header(&mut self, block: &Block<'a>) -> Result<(), CaptureError> {
        let e = self.endian;
        let (major, minor) = match (e.u16(block.body, 4), e.u16(block.body, 6)) {
            (Some(major), Some(minor)) => (major, minor),
            _ => {
                return Err(CaptureError::Truncated {
                    offset: block.offset,
                    structure: "pcapng Section Header Block",
                    needed: 16,
                    available: block.body.len(),
                });
            }
        };
        if major != 1 {
            return Err(CaptureError::UnsupportedSectionVersion {
                offset: block.offset,
                major,
                minor,
            });
        }
        // Interface IDs are numbered per section.
        self.interfaces.clear();
        Ok(())
    }

    fn interface(&mut self, block: &Block<'a>) -> Result<(), CaptureError> {
        let e = self.endian;
        let (Some(link), Some(snaplen)) = (e.u16(block.body, 0), e.u32(block.body, 4)) else {
            return Err(CaptureError::Truncated {
                offset: block.offset,
                structure: "pcapng Interface Description Block",
                needed: 8,
                available: block.body.len(),
            });
        };
        let mut interface = Interface {
            link_type: LinkType(link),
            snaplen,
            tsresol: 6,
            tsoffset: 0,
        };
        for (code, value) in options(e, block.body.get(8..).unwrap_or_default()) {
            match (code, value) {
                (IF_TSRESOL, [resol, ..]) => interface.tsresol = *resol,
                (IF_TSOFFSET, _) => {
                    if let Some(secs) = e.u64(value, 0) {
                        interface.tsoffset = secs as i64;
                    }
                }
                _ => {}
            }
        }
        self.interfaces.push(interface);
        Ok(())
    }

    fn lookup(&self, block: &Block<'a>, interface_id: u32) -> Result<Interface, CaptureError> {
        usize::try_from(interface_id)
            .ok()
            .and_then(|i| self.interfaces.get(i))
            .copied()
            .ok_or(CaptureError::UnknownInterface {
                offset: block.offset,
                interface_id,
            })
    }

    /// The packet record a block holds, if it is a packet block.
    fn packet(&self, block: &Block<'a>) -> Result<Option<RawRecord<'a>>, CaptureError> {
        let e = self.endian;
        let body = block.body;
        let short = |needed| CaptureError::Truncated {
            offset: block.offset,
            structure: "pcapng packet block",
            needed,
            available: body.len(),
        };
        let (interface, ticks, captured, original_len, data_at) = match block.block_type {
            EPB => {
                let fields = (
                    e.u32(body, 0),
                    e.u32(body, 4),
                    e.u32(body, 8),
                    e.u32(body, 12),
                    e.u32(body, 16),
                );
                let (Some(id), Some(high), Some(low), Some(captured), Some(original)) = fields
                else {
                    return Err(short(20));
                };
                let interface = self.lookup(block, id)?;
                let ticks = (u64::from(high) << 32) | u64::from(low);
                (interface, Some(ticks), captured, original, 20)
            }
            OBSOLETE_PACKET => {
                let fields = (
                    e.u16(body, 0),
                    e.u32(body, 4),
                    e.u32(body, 8),
                    e.u32(body, 12),
                    e.u32(body, 16),
                );
                let (Some(id), Some(high), Some(low), Some(captured), Some(original)) = fields
                else {
                    return Err(short(20));
                };
                let interface = self.lookup(block, u32::from(id))?;
                let ticks = (u64::from(high) << 32) | u64::from(low);
                (interface, Some(ticks), captured, original, 20)
            }
            SPB => {
                let original = e.u32(body, 0).ok_or_else(|| short(4))?;
                let interface = self.lookup(block, 0)?;
                // The captured length is implied: the original length, cut to the
                // interface's snapshot length and to the block.
                let room = u32::try_from(body.len() - 4).unwrap_or(u32::MAX);
                let mut captured = original.min(room);
                if interface.snaplen != 0 {
                    captured = captured.min(interface.snaplen);
                }
                (interface, None, captured, original, 4)
            }
            _ => return Ok(None),
        };
        let room = body.len() - data_at;
        let data = usize::try_from(captured)
            .ok()
            .and_then(|c| body.get(data_at..data_at.checked_add(c)?))
            .ok_or(CaptureError::RecordOverrun {
                offset: block.offset,
                captured,
                room,
            })?;
        Ok(Some(RawRecord {
            // A Simple Packet Block has no timestamp.
            time: ticks.map_or(Duration::ZERO, |t| interface.time(t)),
            link_type: interface.link_type,
            data,
            original_len,
            offset: block.offset,
        }))
    }
}

/// The options of a block: `code | length | value padded to 4`, until `opt_endofopt`
/// or the end. Malformed options end the list (they never carry packet data).
fn options(endian: Endian, mut bytes: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    core::iter::from_fn(move || {
        let code = endian.u16(bytes, 0)?;
        let len = usize::from(endian.u16(bytes, 2)?);
        if code == OPT_END {
            return None;
        }
        let value = bytes.get(4..4 + len)?;
        let padded = 4 + len.div_ceil(4) * 4;
        bytes = bytes.get(padded..).unwrap_or_default();
        Some((code, value))
    })
}
