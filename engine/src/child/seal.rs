//! Outbound ESP processing (RFC 4303 §3.3): sequence number, padding, encryption,
//! ICV, written straight into the caller's buffer.
//!
//! Layout written: `SPI | Sequence Number | IV | Payload | Padding | Pad Length |
//! Next Header | ICV` (§2). IVs:
//!
//! * AES-GCM and ChaCha20-Poly1305: the 8-octet explicit IV is the 64-bit sequence
//!   number. RFC 4106 §3.1 and RFC 7634 §2 only require that an IV never repeats
//!   under one key; the sequence number never does, as sealing refuses to wrap it.
//! * AES-CBC: a fresh IV from the engine's RNG for every packet. RFC 3602 §3 (ESP
//!   Payload; §2.3 is "Weak Keys"): "The IV MUST be chosen at random, and MUST be
//!   unpredictable"; a counter-derived IV
//!   would be predictable to anyone who sees the sequence numbers unless it were
//!   encrypted under a separate key, so the RNG (a CSPRNG the driver supplies) is
//!   the simpler correct choice.

use rand_core::CryptoRng;

use super::error::EspError;
use super::esp_sa::EspSa;
use super::padding::{padding_len, write_trailer};
use super::transform::{EspTransform, MAX_BLOCK_LEN};
use crate::crypto::CryptoError;
use crate::wire::esp::EspHeader;

/// The whole ESP packet's length for a payload of `payload_len` octets.
#[inline]
pub(crate) fn sealed_len(transform: &EspTransform, payload_len: usize) -> usize {
    EspHeader::LEN
        + transform.iv_len()
        + payload_len
        + padding_len(payload_len, transform.alignment())
        + 2
        + transform.icv_len()
}

/// The AEAD associated data (RFC 4106 §5, RFC 7634 §3): SPI | Sequence Number, or
/// with ESN SPI | high 32 bits | low 32 bits. Returns the octets and their length.
#[inline]
pub(crate) fn aead_aad(spi: u32, sequence: u64, esn: bool) -> ([u8; 12], usize) {
    let mut aad = [0u8; 12];
    aad[..4].copy_from_slice(&spi.to_be_bytes());
    if esn {
        aad[4..].copy_from_slice(&sequence.to_be_bytes());
        (aad, 12)
    } else {
        aad[4..8].copy_from_slice(&(sequence as u32).to_be_bytes());
        (aad, 8)
    }
}

/// The high half of an ESN, appended after the packet for the ICV only (RFC 4303
/// §2.2.1 and §3.3.2.1); empty without ESN.
#[inline]
pub(crate) fn esn_high(sequence: u64, esn: bool) -> ([u8; 4], usize) {
    (
        ((sequence >> 32) as u32).to_be_bytes(),
        if esn { 4 } else { 0 },
    )
}

fn crypto(e: CryptoError) -> EspError {
    EspError::Crypto(e)
}

/// Seals `payload` with Next Header `next_header` as the packet with sequence
/// number `sequence` into `out`, and returns the packet's length. `rng` supplies
/// CBC IVs.
pub(crate) fn seal_packet(
    sa: &EspSa,
    sequence: u64,
    rng: &mut dyn CryptoRng,
    next_header: u8,
    payload: &[u8],
    out: &mut [u8],
) -> Result<usize, EspError> {
    let start = EspHeader::LEN + sa.transform.iv_len();
    let available = out.len();
    let place = out
        .get_mut(start..start + payload.len())
        .ok_or(EspError::BufferTooSmall {
            needed: sealed_len(&sa.transform, payload.len()),
            available,
        })?;
    place.copy_from_slice(payload);
    seal_in_buffer(sa, sequence, rng, next_header, payload.len(), out)
}

/// Seals the `payload_len` octets already at `out[8 + IV length..]` (zero copy):
/// writes the header and IV before them, the trailer after, encrypts, appends the
/// ICV, and returns the packet's length (from `out[0]`).
pub(crate) fn seal_in_buffer(
    sa: &EspSa,
    sequence: u64,
    rng: &mut dyn CryptoRng,
    next_header: u8,
    payload_len: usize,
    out: &mut [u8],
) -> Result<usize, EspError> {
    let transform = &sa.transform;
    let total = sealed_len(transform, payload_len);
    let available = out.len();
    let out = out.get_mut(..total).ok_or(EspError::BufferTooSmall {
        needed: total,
        available,
    })?;
    let iv_len = transform.iv_len();
    let icv_len = transform.icv_len();
    let (header, rest) = out.split_at_mut(EspHeader::LEN);
    header[..4].copy_from_slice(&sa.spi.to_be_bytes());
    // §2.2: only the low 32 bits are sent.
    header[4..].copy_from_slice(&(sequence as u32).to_be_bytes());
    let (iv, rest) = rest.split_at_mut(iv_len);
    let (body, icv) = rest.split_at_mut(rest.len() - icv_len);
    let trailer = body
        .get_mut(payload_len..)
        .ok_or(EspError::BufferTooSmall {
            needed: total,
            available,
        })?;
    write_trailer(trailer, next_header)?;
    match transform {
        EspTransform::Aead { key, salt, .. } => {
            iv.copy_from_slice(&sequence.to_be_bytes());
            let mut nonce = [0u8; 12];
            nonce[..4].copy_from_slice(salt);
            nonce[4..].copy_from_slice(iv);
            let (aad, aad_len) = aead_aad(sa.spi, sequence, sa.esn);
            key.seal_in_place(&nonce, &aad[..aad_len], body, icv)
                .map_err(crypto)?;
        }
        EspTransform::CbcHmac {
            cipher,
            block_len,
            integ,
            ..
        } => {
            let mut iv_copy = [0u8; MAX_BLOCK_LEN];
            let iv_copy = iv_copy.get_mut(..*block_len).ok_or(EspError::Crypto(
                CryptoError::InvalidLength {
                    what: "CBC IV".into(),
                    expected: MAX_BLOCK_LEN,
                    actual: *block_len,
                },
            ))?;
            rng.fill_bytes(iv_copy);
            iv.copy_from_slice(iv_copy);
            cipher.encrypt(iv_copy, body).map_err(crypto)?;
            let (high, high_len) = esn_high(sequence, sa.esn);
            integ
                .compute_into(&[header, iv, body, &high[..high_len]], icv)
                .map_err(crypto)?;
        }
        EspTransform::NullHmac { integ, .. } => {
            let (high, high_len) = esn_high(sequence, sa.esn);
            integ
                .compute_into(&[header, body, &high[..high_len]], icv)
                .map_err(crypto)?;
        }
    }
    Ok(total)
}
