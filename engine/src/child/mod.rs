//! The ESP data plane (RFC 4303): CHILD SAs that carry packets.
//!
//! * [`transform`]: the keyed algorithms of one direction, built once.
//! * [`seal`] / [`open`]: one ESP packet out / in, allocation-free.
//! * [`replay`]: the anti-replay window and ESN inference (§3.4.3, Appendix A).
//! * [`padding`]: Padding, Pad Length, Next Header (§2.4–§2.6).
//! * [`policy`]: the inbound traffic-selector check (RFC 4301 §5.2).
//! * [`counters`]: bytes and packets, volume lifetimes, sequence exhaustion.
//! * [`packet`]: tunnel and transport mode around the above; [`transport`]: the
//!   rebuilt IP header of transport mode.
//!
//! What goes out is the ESP packet itself (SPI to ICV), with the outer addresses
//! beside it: the driver sends it as the payload of an IP packet with Protocol 50
//! (a raw socket) or, with UDP encapsulation, as the payload of a UDP datagram
//! between the NAT-T ports (RFC 3948 §2.2: ESP directly after the UDP header, no
//! marker; a first four octets of zero would be the non-ESP marker of IKE, and SPI 0
//! is never used). What comes in is the same: the IP or UDP payload.
//!
//! The engine's API is in `ike::data_plane` (`Engine::seal`, `Engine::open`).

mod counters;
mod dissect;
mod error;
mod esp_sa;
mod open;
mod packet;
mod padding;
mod policy;
mod replay;
mod seal;
mod transform;
mod transport;

#[cfg(test)]
mod tests;

pub use counters::{
    ChildSaCounters, DirectionCounters, LimitLevel, LimitReason, SEQUENCE_SOFT_MARGIN, VolumeLimit,
    VolumeLimits,
};
pub use error::EspError;
pub use esp_sa::{ChildEsp, EspParams};
pub use packet::{
    InboundContext, OpenOutcome, SealOutcome, open_ip_packet, seal_ip_packet,
    seal_ip_packet_in_place,
};
pub use padding::{NEXT_HEADER_DUMMY, NEXT_HEADER_IPV4, NEXT_HEADER_IPV6};
pub use policy::{InnerPacket, check_inbound, covers};
pub use replay::{DEFAULT_WINDOW, MAX_WINDOW, ReplayError, ReplayWindow};

/// The most octets sealing adds around an inner packet (tunnel mode): ESP header
/// (8) + IV (up to 16, AES-CBC) + padding (up to 15 with a 16-octet block) + Pad
/// Length and Next Header (2) + ICV (up to 32, HMAC-SHA2-512-256). An output
/// buffer of `packet.len() + SEAL_OVERHEAD_MAX` always suffices.
pub const SEAL_OVERHEAD_MAX: usize = 8 + 16 + 15 + 2 + 32;

/// Octets before an IP packet that [`seal_ip_packet_in_place`] (and
/// `Engine::seal_in_place`) always needs: the ESP header (8) and the largest IV (16).
/// The ESP packet then starts at `SEAL_HEADROOM - 8 - IV length` (tunnel mode).
pub const SEAL_HEADROOM: usize = 8 + 16;

/// Octets to leave free before an ESP packet handed to `open` in transport mode,
/// where the IP header is rebuilt in front of the decrypted payload: an IPv6
/// header (40) minus the ESP header and the smallest IV (8 + 0, ENCR_NULL).
pub const OPEN_HEADROOM: usize = 40 - 8;

pub(crate) use dissect::{SaDecryptor, decrypt_copy};
pub(crate) use esp_sa::EspSa;
pub(crate) use open::read_spi;
pub(crate) use transform::EspTransform;
