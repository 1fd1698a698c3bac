//! ESP, the Encapsulating Security Payload (RFC 4303 §2).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ ----
//! |               Security Parameters Index (SPI)                 | ^Int.
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |Cov-
//! |                      Sequence Number                          | |ered
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ | ----
//! |                    Payload Data* (variable)                   | |   ^
//! ~                                                               ~ |   |
//! +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |Conf.
//! |               |     Padding (0-255 bytes)                     | |Cov-
//! +-+-+-+-+-+-+-+-+               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |ered*
//! |                               |  Pad Length   | Next Header   | v   v
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ ------
//! |         Integrity Check Value-ICV   (variable)                |
//! ~                                                               ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! On the wire only the SPI and the Sequence Number are readable: where the
//! encrypted part ends and the ICV starts depends on the negotiated algorithms. So
//! there are two views: `EspPacket` (header + opaque body, always parseable) and
//! `EspPlaintext` (Payload Data, Padding, Pad Length, Next Header) for what a
//! decryption returns, with `split_icv` to cut the ICV off once its length is known.
//! `dissect_esp` shows both, through the `EspDecryptor` hook when keys are at hand.

pub(crate) mod dissect;

use core::fmt;
use std::borrow::Cow;

use serde::{Deserialize, Serialize};

pub use dissect::{EspDecryptRequest, EspDecrypted, EspDecryptor, dissect_esp};

use crate::wire::ip::IpProtocol;

/// Byte ranges of the ESP header (RFC 4303 §2).
pub(crate) mod field {
    use core::ops::Range;
    pub(crate) const SPI: Range<usize> = 0..4;
    pub(crate) const SEQUENCE_NUMBER: Range<usize> = 4..8;
}

/// Why ESP bytes could not be parsed or emitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EspError {
    /// Fewer octets than the structure needs.
    Truncated {
        structure: Cow<'static, str>,
        needed: usize,
        available: usize,
    },
    /// SPI 0 is reserved for local use and never sent (RFC 4303 §2.1).
    ZeroSpi,
    /// Pad Length points before the start of the plaintext (RFC 4303 §2.5).
    PadLengthOverrun { pad_length: u8, available: usize },
    /// The requested block alignment is not a positive multiple of 4 (RFC 4303 §2.4).
    BadAlignment { block_size: usize },
    /// The padding needed exceeds 255 octets (RFC 4303 §2.4).
    PaddingTooLong { needed: usize },
}

impl fmt::Display for EspError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated {
                structure,
                needed,
                available,
            } => write!(
                f,
                "{structure} needs {needed} octets, only {available} present"
            ),
            Self::ZeroSpi => f.write_str("ESP SPI 0 is reserved and never sent (RFC 4303 §2.1)"),
            Self::PadLengthOverrun {
                pad_length,
                available,
            } => write!(
                f,
                "Pad Length {pad_length} exceeds the {available} octets before it"
            ),
            Self::BadAlignment { block_size } => write!(
                f,
                "ESP alignment {block_size} is not a positive multiple of 4"
            ),
            Self::PaddingTooLong { needed } => {
                write!(f, "ESP padding of {needed} octets exceeds 255")
            }
        }
    }
}

impl std::error::Error for EspError {}

/// The ESP header: the two fields every reader can see (RFC 4303 §2.1, §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EspHeader {
    /// Security Parameters Index: picks the SA at the receiver (RFC 4303 §2.1).
    pub spi: u32,
    /// Low 32 bits of the anti-replay counter (RFC 4303 §2.2; the high half of an
    /// Extended Sequence Number is never sent, §2.2.1).
    pub sequence_number: u32,
}

impl EspHeader {
    pub const LEN: usize = 8;

    /// Parses the header at the start of `packet` and returns it with the rest
    /// (IV, ciphertext, ICV: opaque without the SA's algorithms).
    pub fn parse(packet: &[u8]) -> Result<(Self, &[u8]), EspError> {
        let fixed: &[u8; Self::LEN] = packet
            .get(..Self::LEN)
            .and_then(|b| b.try_into().ok())
            .ok_or(EspError::Truncated {
                structure: Cow::Borrowed("ESP header"),
                needed: Self::LEN,
                available: packet.len(),
            })?;
        let spi = u32::from_be_bytes([fixed[0], fixed[1], fixed[2], fixed[3]]);
        if spi == 0 {
            return Err(EspError::ZeroSpi);
        }
        let header = Self {
            spi,
            sequence_number: u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]),
        };
        Ok((header, &packet[Self::LEN..]))
    }

    /// Appends the 8 header octets.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.spi.to_be_bytes());
        out.extend_from_slice(&self.sequence_number.to_be_bytes());
    }
}

/// A whole ESP packet as seen without keys: the header and the opaque body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EspPacket<'a> {
    pub header: EspHeader,
    /// IV (if the algorithm sends one), ciphertext, ICV.
    pub body: &'a [u8],
}

impl<'a> EspPacket<'a> {
    pub fn parse(packet: &'a [u8]) -> Result<Self, EspError> {
        let (header, body) = EspHeader::parse(packet)?;
        Ok(Self { header, body })
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        self.header.emit(out);
        out.extend_from_slice(self.body);
    }
}

/// Splits `bytes` into (everything before the ICV, the ICV), for an ICV of `icv_len`
/// octets at the end (RFC 4303 §2.8).
pub fn split_icv(bytes: &[u8], icv_len: usize) -> Result<(&[u8], &[u8]), EspError> {
    let cut = bytes
        .len()
        .checked_sub(icv_len)
        .ok_or(EspError::Truncated {
            structure: Cow::Borrowed("ESP ICV"),
            needed: icv_len,
            available: bytes.len(),
        })?;
    Ok(bytes.split_at(cut))
}

/// The decrypted part of an ESP packet (RFC 4303 §2.3–§2.6): Payload Data, then
/// Padding, Pad Length and Next Header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EspPlaintext<'a> {
    /// The protected packet (tunnel mode: a whole IP packet) or upper-layer data.
    pub payload: &'a [u8],
    pub padding: &'a [u8],
    /// What the payload is (RFC 4303 §2.6): IPv4/IPv6 in tunnel mode, TCP/UDP in
    /// transport mode, 59 (no next header) for a dummy packet.
    pub next_header: IpProtocol,
}

impl<'a> EspPlaintext<'a> {
    /// The two trailer octets: Pad Length and Next Header.
    pub const TRAILER_LEN: usize = 2;

    /// Parses a decrypted ESP payload: Pad Length and Next Header are its last two
    /// octets, Padding the Pad Length octets before them (RFC 4303 §2.4, §2.5).
    pub fn parse(plaintext: &'a [u8]) -> Result<Self, EspError> {
        let Some((before, &[pad_length, next_header])) = plaintext.split_last_chunk::<2>() else {
            return Err(EspError::Truncated {
                structure: Cow::Borrowed("ESP Pad Length and Next Header"),
                needed: Self::TRAILER_LEN,
                available: plaintext.len(),
            });
        };
        let payload_len = before.len().checked_sub(usize::from(pad_length)).ok_or(
            EspError::PadLengthOverrun {
                pad_length,
                available: before.len(),
            },
        )?;
        let (payload, padding) = before.split_at(payload_len);
        Ok(Self {
            payload,
            padding,
            next_header: IpProtocol(next_header),
        })
    }

    /// Parses decrypted data that still ends with an `icv_len`-octet ICV, and returns
    /// the plaintext view and the ICV.
    pub fn parse_with_icv(bytes: &'a [u8], icv_len: usize) -> Result<(Self, &'a [u8]), EspError> {
        let (plaintext, icv) = split_icv(bytes, icv_len)?;
        Ok((Self::parse(plaintext)?, icv))
    }

    /// Pad Length as sent.
    pub fn pad_length(&self) -> u8 {
        // `parse` and `emit` keep padding within 255 octets.
        u8::try_from(self.padding.len()).unwrap_or(u8::MAX)
    }

    /// Whether the padding is RFC 4303 §2.4's default: the octets 1, 2, 3, …
    pub fn padding_is_default(&self) -> bool {
        default_padding_matches(self.padding)
    }

    /// Appends `payload`, default padding (1, 2, 3, …), Pad Length and Next Header,
    /// so the whole ends on a multiple of `block_size` (the cipher's block size, at
    /// least 4: RFC 4303 §2.4 right-aligns the trailer in a 4-octet word).
    pub fn emit(
        payload: &[u8],
        next_header: IpProtocol,
        block_size: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), EspError> {
        if block_size == 0 || !block_size.is_multiple_of(4) {
            return Err(EspError::BadAlignment { block_size });
        }
        let unpadded = payload.len() + Self::TRAILER_LEN;
        let padding = (block_size - unpadded % block_size) % block_size;
        let pad_length =
            u8::try_from(padding).map_err(|_| EspError::PaddingTooLong { needed: padding })?;
        out.extend_from_slice(payload);
        // RFC 4303 §2.4: "a series of (unsigned, 1-byte) integer values ... 1, 2, 3, ..."
        out.extend(1..=pad_length);
        out.push(pad_length);
        out.push(next_header.0);
        Ok(())
    }
}

fn default_padding_matches(padding: &[u8]) -> bool {
    padding
        .iter()
        .zip(1u8..)
        .all(|(&octet, expected)| octet == expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// A hand-made ESP packet: SPI 0xc0ffee01, Sequence Number 7, then 12 opaque
    /// octets standing for IV, ciphertext and ICV.
    const PACKET: [u8; 20] = [
        0xc0, 0xff, 0xee, 0x01, // SPI
        0x00, 0x00, 0x00, 0x07, // Sequence Number
        0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
    ];

    #[test]
    fn header_round_trip() {
        let packet = EspPacket::parse(&PACKET).unwrap();
        assert_eq!(packet.header.spi, 0xc0ff_ee01);
        assert_eq!(packet.header.sequence_number, 7);
        assert_eq!(packet.body, &PACKET[8..]);
        let mut out = Vec::new();
        packet.emit(&mut out);
        assert_eq!(out, PACKET);
    }

    #[test]
    fn short_packets_and_spi_zero_are_errors() {
        for len in 0..EspHeader::LEN {
            assert!(matches!(
                EspPacket::parse(&PACKET[..len]),
                Err(EspError::Truncated { .. })
            ));
        }
        let mut zero = PACKET;
        zero[..4].fill(0);
        assert_eq!(EspPacket::parse(&zero), Err(EspError::ZeroSpi));
    }

    /// A tunnel-mode plaintext of 5 octets, aligned to 8: 5 + 2 trailer octets
    /// need 1 octet of padding: 01, Pad Length 01, Next Header 04 (IPv4).
    const PLAINTEXT: [u8; 8] = [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x01, 0x01, 0x04];

    #[test]
    fn trailer_round_trip() {
        let plaintext = EspPlaintext::parse(&PLAINTEXT).unwrap();
        assert_eq!(plaintext.payload, &PLAINTEXT[..5]);
        assert_eq!(plaintext.padding, &[0x01]);
        assert_eq!(plaintext.pad_length(), 1);
        assert_eq!(plaintext.next_header, IpProtocol::IPV4);
        assert!(plaintext.padding_is_default());
        let mut out = Vec::new();
        EspPlaintext::emit(plaintext.payload, plaintext.next_header, 8, &mut out).unwrap();
        assert_eq!(out, PLAINTEXT);
    }

    #[test]
    fn trailer_with_icv() {
        let mut bytes = PLAINTEXT.to_vec();
        bytes.extend_from_slice(&[0x99; 16]);
        let (plaintext, icv) = EspPlaintext::parse_with_icv(&bytes, 16).unwrap();
        assert_eq!(plaintext.payload, &PLAINTEXT[..5]);
        assert_eq!(icv, &[0x99; 16]);
        assert!(matches!(
            EspPlaintext::parse_with_icv(&bytes[..17], 16),
            Err(EspError::Truncated { .. })
        ));
        assert!(matches!(
            EspPlaintext::parse_with_icv(&bytes[..10], 16),
            Err(EspError::Truncated { .. })
        ));
    }

    #[test]
    fn bad_trailers_are_errors() {
        assert!(matches!(
            EspPlaintext::parse(&[0x04]),
            Err(EspError::Truncated { .. })
        ));
        // Pad Length 9 with only 6 octets before the trailer.
        let bad = [1, 2, 3, 4, 5, 6, 9, 4];
        assert_eq!(
            EspPlaintext::parse(&bad),
            Err(EspError::PadLengthOverrun {
                pad_length: 9,
                available: 6
            })
        );
        // Non-default padding parses, and is reported as such.
        let odd = [0xaa, 0x07, 0x07, 0x02, 0x29];
        let plaintext = EspPlaintext::parse(&odd).unwrap();
        assert_eq!(plaintext.next_header, IpProtocol::IPV6);
        assert!(!plaintext.padding_is_default());
    }

    #[test]
    fn emit_aligns_to_the_block_size() {
        for block_size in [4, 8, 16] {
            for len in 0..40 {
                let payload = vec![0x5a; len];
                let mut out = Vec::new();
                EspPlaintext::emit(&payload, IpProtocol::IPV6_NO_NEXT, block_size, &mut out)
                    .unwrap();
                assert_eq!(out.len() % block_size, 0);
                assert!(out.len() - len - 2 < block_size);
                let parsed = EspPlaintext::parse(&out).unwrap();
                assert_eq!(parsed.payload, payload.as_slice());
                assert!(parsed.padding_is_default());
            }
        }
        let mut out = Vec::new();
        assert_eq!(
            EspPlaintext::emit(b"x", IpProtocol::IPV4, 6, &mut out),
            Err(EspError::BadAlignment { block_size: 6 })
        );
        assert_eq!(
            EspPlaintext::emit(b"x", IpProtocol::IPV4, 512, &mut out),
            Err(EspError::PaddingTooLong { needed: 509 })
        );
    }
}
