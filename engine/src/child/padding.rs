//! Padding, Pad Length and Next Header (RFC 4303 §2.4–§2.6), written into a caller
//! buffer (the hot path) and checked on receipt. Parsing the trailer itself is
//! [`EspPlaintext::parse`], the one parser the dissector also uses.

use crate::wire::esp::EspPlaintext;
use crate::wire::ip::IpProtocol;

use super::error::EspError;

/// Next Header 59, "no next header": a dummy packet (RFC 4303 §2.6), sent for
/// traffic-flow confidentiality and discarded by the receiver.
pub const NEXT_HEADER_DUMMY: u8 = 59;
/// Next Header 4 (IPv4) and 41 (IPv6): tunnel mode's inner packet (§2.6).
pub const NEXT_HEADER_IPV4: u8 = 4;
pub const NEXT_HEADER_IPV6: u8 = 41;

/// Octets of padding after a payload of `payload_len` octets so that payload,
/// padding and the two trailer octets end on a multiple of `alignment` (the
/// cipher's block size, at least 4: §2.4 right-aligns the trailer in a 32-bit
/// word). `alignment` is a power of two no larger than 256 here
/// (`EspTransform::new` refuses other block sizes), so the result fits Pad Length
/// and is a mask, not a division, on every packet.
#[inline]
pub(crate) fn padding_len(payload_len: usize, alignment: usize) -> usize {
    debug_assert!(alignment.is_power_of_two());
    let alignment = alignment.max(4);
    let unpadded = payload_len + EspPlaintext::TRAILER_LEN;
    unpadded.wrapping_neg() & (alignment - 1)
}

/// Writes the default padding 1, 2, 3, … (§2.4), Pad Length (§2.5) and Next Header
/// (§2.6) into `trailer`, which must be exactly `padding + 2` octets long.
#[inline]
pub(crate) fn write_trailer(trailer: &mut [u8], next_header: u8) -> Result<(), EspError> {
    let Some((padding, [pad_length, next])) = trailer.split_last_chunk_mut::<2>() else {
        return Err(EspError::BufferTooSmall {
            needed: EspPlaintext::TRAILER_LEN,
            available: trailer.len(),
        });
    };
    let length = u8::try_from(padding.len()).map_err(|_| EspError::BadPadding)?;
    for (octet, value) in padding.iter_mut().zip(1u8..) {
        *octet = value;
    }
    *pad_length = length;
    *next = next_header;
    Ok(())
}

/// The trailer of a decrypted ESP payload: the payload's length and Next Header.
/// §2.4: the receiver SHOULD inspect the padding; anything but the default 1, 2,
/// 3, … (which every cipher here uses) is refused as [`EspError::BadPadding`]; a
/// Pad Length longer than the plaintext is [`EspError::BadPadLength`].
#[inline]
pub(crate) fn read_trailer(plaintext: &[u8]) -> Result<(usize, IpProtocol), EspError> {
    let parsed = EspPlaintext::parse(plaintext).map_err(|e| match e {
        crate::wire::esp::EspError::PadLengthOverrun { pad_length, .. } => {
            EspError::BadPadLength { pad_length }
        }
        _ => EspError::Truncated {
            needed: EspPlaintext::TRAILER_LEN,
            available: plaintext.len(),
        },
    })?;
    if !parsed.padding_is_default() {
        return Err(EspError::BadPadding);
    }
    Ok((parsed.payload.len(), parsed.next_header))
}
