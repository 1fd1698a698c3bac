//! Inbound ESP processing (RFC 4303 §3.4): replay check, ICV, decryption in place,
//! trailer, in the order §3.4 gives (the window moves only after the ICV verified).

use core::ops::Range;

use super::error::EspError;
use super::esp_sa::EspSa;
use super::padding::{NEXT_HEADER_DUMMY, read_trailer};
use super::replay::ReplayWindow;
use super::seal::{aead_aad, esn_high};
use super::transform::{EspTransform, MAX_BLOCK_LEN};
use crate::crypto::CryptoError;
use crate::wire::esp::{EspHeader, EspPlaintext};

/// A packet that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenedPayload {
    /// The full (ESN-inferred) sequence number.
    pub(crate) sequence: u64,
    pub(crate) next_header: u8,
    /// The decrypted Payload Data within the packet slice.
    pub(crate) payload: Range<usize>,
}

/// The SPI of an ESP packet (to pick the SA, RFC 4303 §3.4.2).
pub(crate) fn read_spi(packet: &[u8]) -> Result<u32, EspError> {
    match EspHeader::parse(packet) {
        Ok((header, _)) => Ok(header.spi),
        Err(crate::wire::esp::EspError::ZeroSpi) => Err(EspError::ZeroSpi),
        Err(_) => Err(EspError::Truncated {
            needed: EspHeader::LEN,
            available: packet.len(),
        }),
    }
}

fn icv_failed(e: CryptoError) -> EspError {
    match e {
        CryptoError::IntegrityCheckFailed => EspError::IcvMismatch,
        other => EspError::Crypto(other),
    }
}

/// Opens `packet` (SPI to ICV) in place for `sa`. With a `replay` window the
/// sequence number is checked, its ESN high half inferred, and the window updated
/// after the ICV verified; without one (a dissector replaying a capture) every
/// number is accepted and an ESN's high half taken as 0. A dummy packet (Next
/// Header 59, §2.6) is authenticated and recorded in the window, then refused as
/// [`EspError::DummyPacket`].
pub(crate) fn open_packet(
    sa: &EspSa,
    replay: Option<&mut ReplayWindow>,
    packet: &mut [u8],
) -> Result<OpenedPayload, EspError> {
    let (header, _) = EspHeader::parse(packet).map_err(|e| match e {
        crate::wire::esp::EspError::ZeroSpi => EspError::ZeroSpi,
        _ => EspError::Truncated {
            needed: EspHeader::LEN,
            available: packet.len(),
        },
    })?;
    let transform = &sa.transform;
    let iv_len = transform.iv_len();
    let icv_len = transform.icv_len();
    let needed = EspHeader::LEN + iv_len + EspPlaintext::TRAILER_LEN + icv_len;
    if packet.len() < needed {
        return Err(EspError::Truncated {
            needed,
            available: packet.len(),
        });
    }
    let sequence = match &replay {
        Some(window) => window.check(header.sequence_number)?,
        None => u64::from(header.sequence_number),
    };
    let body_start = EspHeader::LEN + iv_len;
    let body_end = packet.len() - icv_len;
    match transform {
        EspTransform::Aead { key, salt, .. } => {
            let mut nonce = [0u8; 12];
            nonce[..4].copy_from_slice(salt);
            nonce[4..].copy_from_slice(&packet[EspHeader::LEN..body_start]);
            let (aad, aad_len) = aead_aad(header.spi, sequence, sa.esn);
            key.open_in_place(&nonce, &aad[..aad_len], &mut packet[body_start..])
                .map_err(icv_failed)?;
        }
        EspTransform::CbcHmac {
            cipher,
            block_len,
            integ,
            ..
        } => {
            let length = body_end - body_start;
            if length == 0 || !length.is_multiple_of(*block_len) {
                return Err(EspError::NotBlockAligned {
                    length,
                    block: *block_len,
                });
            }
            let (high, high_len) = esn_high(sequence, sa.esn);
            let (covered, icv) = packet.split_at(body_end);
            if !integ.verify(&[covered, &high[..high_len]], icv) {
                return Err(EspError::IcvMismatch);
            }
            let mut iv = [0u8; MAX_BLOCK_LEN];
            let iv = iv.get_mut(..*block_len).ok_or(EspError::NotBlockAligned {
                length,
                block: *block_len,
            })?;
            iv.copy_from_slice(&packet[EspHeader::LEN..body_start]);
            cipher
                .decrypt(iv, &mut packet[body_start..body_end])
                .map_err(EspError::Crypto)?;
        }
        EspTransform::NullHmac { integ, .. } => {
            let (high, high_len) = esn_high(sequence, sa.esn);
            let (covered, icv) = packet.split_at(body_end);
            if !integ.verify(&[covered, &high[..high_len]], icv) {
                return Err(EspError::IcvMismatch);
            }
        }
    }
    if let Some(window) = replay {
        window.commit(sequence)?;
    }
    let (payload_len, next_header) = read_trailer(&packet[body_start..body_end])?;
    if next_header.0 == NEXT_HEADER_DUMMY {
        return Err(EspError::DummyPacket);
    }
    Ok(OpenedPayload {
        sequence,
        next_header: next_header.0,
        payload: body_start..body_start + payload_len,
    })
}
