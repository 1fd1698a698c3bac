//! UDP encapsulation of ESP and IKE on port 4500 (RFC 3948 §2; RFC 7296 §2.23).
//!
//! Once NAT is detected (or always, against a gateway that forces it), IKE and ESP
//! share UDP port 4500, and the receiver tells them apart by the first octets of the
//! UDP data:
//!
//! ```text
//! NAT-keepalive (§2.3):     | 0xFF |                          (exactly one octet)
//! IKE (§2.2):               | 0x00 0x00 0x00 0x00 | IKE header ...   (Non-ESP Marker)
//! ESP (§2.1):               | SPI (never 0)       | Sequence Number | ...
//! ```
//!
//! On port 500 there is no marker: the UDP data is the IKE message itself.

mod dissect;

use core::fmt;

use serde::{Deserialize, Serialize};

pub use dissect::dissect_udp_4500;

use crate::wire::esp::{EspError, EspPacket};

/// The Non-ESP Marker: four zero octets where an ESP packet has its SPI (RFC 3948 §2.2).
pub const NON_ESP_MARKER: [u8; 4] = [0; 4];
/// The one octet of a NAT-keepalive packet (RFC 3948 §2.3).
pub const NAT_KEEPALIVE: u8 = 0xFF;
/// The IKE and ESP-in-UDP port after NAT detection (RFC 7296 §2.23, RFC 3948 §2.1).
pub const NAT_T_PORT: u16 = 4500;
/// IKE's own port (RFC 7296 §2).
pub const IKE_PORT: u16 = 500;

/// What a UDP datagram on port 4500 carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Udp4500Payload<'a> {
    /// An IKE message after the Non-ESP Marker (the marker is not included).
    Ike(&'a [u8]),
    /// A NAT-keepalive: keeps the NAT mapping alive, to be ignored (RFC 3948 §2.3).
    NatKeepalive,
    /// An ESP packet, starting with its (non-zero) SPI.
    Esp(EspPacket<'a>),
}

/// Why port-4500 UDP data is none of the three.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UdpEncapError {
    /// No data at all.
    Empty,
    /// 1 to 3 octets that are not a NAT-keepalive: too short for the Non-ESP Marker
    /// or an SPI.
    TooShort { length: usize },
    /// Starts with a non-zero SPI but is not a well-formed ESP packet.
    Esp(EspError),
}

impl fmt::Display for UdpEncapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty UDP data on port 4500"),
            Self::TooShort { length } => write!(
                f,
                "{length} octets on port 4500: neither a NAT-keepalive (one 0xFF octet) nor long enough for a Non-ESP Marker or an ESP SPI"
            ),
            Self::Esp(err) => write!(f, "ESP in UDP: {err}"),
        }
    }
}

impl std::error::Error for UdpEncapError {}

impl<'a> Udp4500Payload<'a> {
    /// Classifies the UDP data of a port-4500 datagram (RFC 3948 §2.1–§2.3).
    pub fn parse(data: &'a [u8]) -> Result<Self, UdpEncapError> {
        match data {
            [] => Err(UdpEncapError::Empty),
            [NAT_KEEPALIVE] => Ok(Self::NatKeepalive),
            [0, 0, 0, 0, message @ ..] => Ok(Self::Ike(message)),
            _ if data.len() < NON_ESP_MARKER.len() => {
                Err(UdpEncapError::TooShort { length: data.len() })
            }
            _ => EspPacket::parse(data)
                .map(Self::Esp)
                .map_err(UdpEncapError::Esp),
        }
    }

    /// Appends the UDP data for this payload: the marker and the IKE message, the
    /// keepalive octet, or the ESP packet as is.
    pub fn emit(&self, out: &mut Vec<u8>) {
        match self {
            Self::Ike(message) => {
                out.extend_from_slice(&NON_ESP_MARKER);
                out.extend_from_slice(message);
            }
            Self::NatKeepalive => out.push(NAT_KEEPALIVE),
            Self::Esp(packet) => packet.emit(out),
        }
    }
}

/// Which encapsulation rules apply to a UDP datagram, from its ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UdpPortRole {
    /// Port 500 on either side: the data is one IKE message.
    Ike500,
    /// Port 4500 on either side (and not 500): marker, keepalive or ESP.
    NatT4500,
    /// Neither port.
    Other,
}

impl UdpPortRole {
    /// Port 500 wins over 4500 when a datagram has both, as in Wireshark, which
    /// tries the lower port first.
    pub fn from_ports(src_port: u16, dst_port: u16) -> Self {
        if src_port == IKE_PORT || dst_port == IKE_PORT {
            Self::Ike500
        } else if src_port == NAT_T_PORT || dst_port == NAT_T_PORT {
            Self::NatT4500
        } else {
            Self::Other
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// The first octets of an IKE header (SPIi 0x0102030405060708), after the marker.
    const IKE: [u8; 12] = [
        0x00, 0x00, 0x00, 0x00, // Non-ESP Marker
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, // IKE SPIi
    ];

    /// ESP in UDP: SPI 0xc0ffee01, Sequence Number 1, 4 opaque octets.
    const ESP: [u8; 12] = [
        0xc0, 0xff, 0xee, 0x01, 0x00, 0x00, 0x00, 0x01, 0xaa, 0xbb, 0xcc, 0xdd,
    ];

    fn round_trip(data: &[u8]) -> Udp4500Payload<'_> {
        let parsed = Udp4500Payload::parse(data).unwrap();
        let mut out = Vec::new();
        parsed.emit(&mut out);
        assert_eq!(out, data);
        parsed
    }

    #[test]
    fn ike_after_the_marker() {
        assert_eq!(round_trip(&IKE), Udp4500Payload::Ike(&IKE[4..]));
    }

    #[test]
    fn nat_keepalive() {
        assert_eq!(round_trip(&[0xff]), Udp4500Payload::NatKeepalive);
    }

    #[test]
    fn esp_packet() {
        match round_trip(&ESP) {
            Udp4500Payload::Esp(packet) => {
                assert_eq!(packet.header.spi, 0xc0ff_ee01);
                assert_eq!(packet.header.sequence_number, 1);
                assert_eq!(packet.body, &ESP[8..]);
            }
            other => panic!("not ESP: {other:?}"),
        }
    }

    #[test]
    fn ambiguous_or_short_data_is_an_error() {
        assert_eq!(Udp4500Payload::parse(&[]), Err(UdpEncapError::Empty));
        assert_eq!(
            Udp4500Payload::parse(&[0x00]),
            Err(UdpEncapError::TooShort { length: 1 })
        );
        assert_eq!(
            Udp4500Payload::parse(&[0xff, 0xff, 0xff]),
            Err(UdpEncapError::TooShort { length: 3 })
        );
        // A non-zero SPI with no room for the Sequence Number.
        assert!(matches!(
            Udp4500Payload::parse(&ESP[..6]),
            Err(UdpEncapError::Esp(EspError::Truncated { .. }))
        ));
        // Only the marker: an empty IKE message, for the IKE parser to reject.
        assert_eq!(
            Udp4500Payload::parse(&[0, 0, 0, 0]),
            Ok(Udp4500Payload::Ike(&[]))
        );
    }

    #[test]
    fn port_roles() {
        assert_eq!(UdpPortRole::from_ports(500, 500), UdpPortRole::Ike500);
        assert_eq!(UdpPortRole::from_ports(4500, 61000), UdpPortRole::NatT4500);
        assert_eq!(UdpPortRole::from_ports(61000, 4500), UdpPortRole::NatT4500);
        assert_eq!(UdpPortRole::from_ports(4500, 500), UdpPortRole::Ike500);
        assert_eq!(UdpPortRole::from_ports(53, 53), UdpPortRole::Other);
    }
}
