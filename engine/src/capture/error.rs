//! Why a capture could not be read or written.

use core::fmt;

use crate::wire::ip::IpError;

/// A capture file that is not pcap/pcapng, or is damaged. Offsets count from the
/// first octet of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CaptureError {
    /// The file is empty.
    Empty,
    /// The first four octets are no pcap or pcapng magic number.
    NotACapture { first_octets: Vec<u8> },
    /// The file ends inside a structure (a capture cut short while being written).
    Truncated {
        offset: usize,
        structure: &'static str,
        needed: usize,
        available: usize,
    },
    /// A classic pcap file of a major version other than 2.
    UnsupportedVersion { major: u16, minor: u16 },
    /// A pcapng section whose byte-order magic is neither 0x1A2B3C4D nor swapped.
    BadByteOrderMagic { offset: usize, found: [u8; 4] },
    /// A pcapng section of a major version other than 1.
    UnsupportedSectionVersion {
        offset: usize,
        major: u16,
        minor: u16,
    },
    /// A pcapng block length below 12 or not a multiple of 4.
    BadBlockLength { offset: usize, length: u32 },
    /// A pcapng block whose trailing length differs from its leading one.
    BlockLengthMismatch {
        offset: usize,
        leading: u32,
        trailing: u32,
    },
    /// A pcapng packet block names an interface no Interface Description Block declared.
    UnknownInterface { offset: usize, interface_id: u32 },
    /// A pcapng record's captured length runs past its block.
    RecordOverrun {
        offset: usize,
        captured: u32,
        room: usize,
    },
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the file is empty, not a pcap or pcapng capture"),
            Self::NotACapture { first_octets } => {
                write!(f, "not a pcap or pcapng capture (it starts with ")?;
                for octet in first_octets {
                    write!(f, "{octet:02x}")?;
                }
                f.write_str("; pcap starts with a1b2c3d4 or a1b23c4d in either byte order, pcapng with 0a0d0d0a)")
            }
            Self::Truncated {
                offset,
                structure,
                needed,
                available,
            } => write!(
                f,
                "cut short at byte {offset}: the {structure} needs {needed} octets, only {available} remain"
            ),
            Self::UnsupportedVersion { major, minor } => {
                write!(f, "pcap version {major}.{minor} is not supported (2.x is)")
            }
            Self::BadByteOrderMagic { offset, found } => write!(
                f,
                "pcapng section at byte {offset} has byte-order magic {:02x}{:02x}{:02x}{:02x}, not 1a2b3c4d",
                found[0], found[1], found[2], found[3]
            ),
            Self::UnsupportedSectionVersion {
                offset,
                major,
                minor,
            } => write!(
                f,
                "pcapng section at byte {offset} is version {major}.{minor} (1.x is supported)"
            ),
            Self::BadBlockLength { offset, length } => write!(
                f,
                "pcapng block at byte {offset} has length {length}: must be at least 12 and a multiple of 4"
            ),
            Self::BlockLengthMismatch {
                offset,
                leading,
                trailing,
            } => write!(
                f,
                "pcapng block at byte {offset} says {leading} octets at its start and {trailing} at its end"
            ),
            Self::UnknownInterface {
                offset,
                interface_id,
            } => write!(
                f,
                "pcapng packet at byte {offset} names interface {interface_id}, which no Interface Description Block declared"
            ),
            Self::RecordOverrun {
                offset,
                captured,
                room,
            } => write!(
                f,
                "pcapng packet at byte {offset} claims {captured} captured octets, but its block holds {room}"
            ),
        }
    }
}

impl std::error::Error for CaptureError {}

/// Why the writer could not add a packet.
#[derive(Debug)]
#[non_exhaustive]
pub enum CaptureWriteError {
    /// The underlying writer failed.
    Io(std::io::Error),
    /// The time does not fit pcap's 32-bit seconds since 1970 (after 2106).
    TimeOutOfRange { seconds: u64 },
    /// The packet cannot be framed (too long for IP or UDP, mixed address families).
    Framing(IpError),
}

impl fmt::Display for CaptureWriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(err) => write!(f, "writing the capture failed: {err}"),
            Self::TimeOutOfRange { seconds } => write!(
                f,
                "time {seconds} s since 1970 does not fit a pcap timestamp (32-bit seconds)"
            ),
            Self::Framing(err) => write!(f, "cannot frame the packet: {err}"),
        }
    }
}

impl std::error::Error for CaptureWriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(err) => Some(err),
            Self::Framing(err) => Some(err),
            Self::TimeOutOfRange { .. } => None,
        }
    }
}

impl From<std::io::Error> for CaptureWriteError {
    fn from(err: std::io::Error) -> Self {
        Self::Io(err)
    }
}

impl From<IpError> for CaptureWriteError {
    fn from(err: IpError) -> Self {
        Self::Framing(err)
    }
}
