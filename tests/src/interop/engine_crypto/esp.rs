//! Decrypting a captured ESP packet with keys from the engine's CHILD_SA key schedule, using
//! the engine's cipher and integrity primitives (RFC 4303 §2-§3.4; RFC 4106 for AES-GCM,
//! RFC 3602 for AES-CBC, RFC 4868 for HMAC-SHA2). No ESN: the high half of the sequence
//! number is neither sent nor authenticated.

use ikelab_engine::crypto::{Cipher, Integ};
use ikelab_engine::wire::esp::{EspHeader, EspPlaintext};

use super::engine_error;
use crate::interop::error::{InteropError, Result};

/// A decrypted, authenticated ESP packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EspOpened {
    pub spi: u32,
    pub sequence_number: u32,
    /// Payload Data: in tunnel mode the inner IP packet.
    pub payload: Vec<u8>,
    /// Next Header (4: IPv4, RFC 4303 §2.6).
    pub next_header: u8,
    /// Pad Length.
    pub pad_length: u8,
}

fn take<'a>(bytes: &'a [u8], len: usize, what: &str) -> Result<(&'a [u8], &'a [u8])> {
    if bytes.len() < len {
        return Err(InteropError::parse(
            "ESP packet",
            format!("{what} needs {len} octets, {} left", bytes.len()),
        ));
    }
    Ok(bytes.split_at(len))
}

/// Verifies and decrypts `packet` (SPI first) with one direction's keys: `encr_key` (for an
/// AEAD key | 4-octet salt, RFC 4106 §8.1) and, for a CBC cipher, the integrity transform
/// and its key. Fails if the ICV does not verify.
pub fn open_esp(
    packet: &[u8],
    cipher: Cipher,
    encr_key: &[u8],
    integ: Option<(&dyn Integ, &[u8])>,
) -> Result<EspOpened> {
    let (header, rest) = EspHeader::parse(packet).map_err(|e| engine_error("ESP header", e))?;
    let covered_header = &packet[..EspHeader::LEN];
    let mut plaintext = match (cipher, integ) {
        (Cipher::Aead(aead), None) => {
            if encr_key.len() != aead.key_len() + aead.salt_len() {
                return Err(InteropError::InvalidInput {
                    detail: format!("{} octets of AEAD key and salt", encr_key.len()),
                });
            }
            let (key, salt) = encr_key.split_at(aead.key_len());
            let (iv, sealed) = take(rest, aead.iv_len(), "IV")?;
            // RFC 4106 §4: nonce = salt | IV; §5: AAD = SPI | Sequence Number (no ESN).
            let nonce = [salt, iv].concat();
            let mut buffer = sealed.to_vec();
            aead.new_key(key)
                .and_then(|k| k.open(&nonce, covered_header, &mut buffer))
                .map_err(|e| engine_error("ESP AEAD", e))?;
            buffer
        }
        (Cipher::Cbc(cbc), Some((integ, integ_key))) => {
            let icv_len = integ.icv_len();
            let (iv, _) = take(rest, cbc.block_len(), "IV")?;
            if packet.len() < EspHeader::LEN + cbc.block_len() + icv_len {
                return Err(InteropError::parse("ESP packet", "shorter than IV and ICV"));
            }
            // RFC 4303 §3.3.4: the ICV covers SPI, Sequence Number, IV and ciphertext.
            let (covered, icv) = packet.split_at(packet.len() - icv_len);
            let keyed = integ
                .new_key(integ_key)
                .map_err(|e| engine_error("ESP integrity key", e))?;
            if !keyed.verify(&[covered], icv) {
                return Err(InteropError::parse("ESP packet", "ICV does not verify"));
            }
            let mut buffer = covered[EspHeader::LEN + cbc.block_len()..].to_vec();
            cbc.new_key(encr_key)
                .and_then(|k| k.decrypt(iv, &mut buffer))
                .map_err(|e| engine_error("ESP CBC", e))?;
            buffer
        }
        _ => {
            return Err(InteropError::InvalidInput {
                detail: "an AEAD takes no integrity transform, a CBC cipher needs one".to_owned(),
            });
        }
    };
    let parsed = EspPlaintext::parse(&plaintext).map_err(|e| engine_error("ESP trailer", e))?;
    let (payload_len, next_header, pad_length) = (
        parsed.payload.len(),
        parsed.next_header.0,
        parsed.pad_length(),
    );
    plaintext.truncate(payload_len);
    Ok(EspOpened {
        spi: header.spi,
        sequence_number: header.sequence_number,
        payload: plaintext,
        next_header,
        pad_length,
    })
}

#[cfg(test)]
mod tests {
    use ikelab_engine::crypto::RUST_CRYPTO;
    use ikelab_engine::wire::iana::{EncrId, IntegId};

    use super::*;

    /// SPI 0x01020304, sequence 7, then `body`.
    fn packet(body: &[u8]) -> Vec<u8> {
        [&[1, 2, 3, 4, 0, 0, 0, 7][..], body].concat()
    }

    #[test]
    fn aes_gcm_packet_opens_and_a_flipped_octet_fails() {
        let cipher = RUST_CRYPTO.cipher(EncrId::AES_GCM_16, Some(128)).unwrap();
        let Cipher::Aead(aead) = cipher else {
            panic!("AES-GCM is an AEAD")
        };
        let key_and_salt = [0x11; 20];
        let iv = [0x22; 8];
        // Inner "packet" 0xaa 0xbb, no padding, Pad Length 0, Next Header 4 (IPv4).
        let mut sealed = vec![0xaa, 0xbb, 0, 4];
        let header = packet(&[]);
        aead.new_key(&key_and_salt[..16])
            .unwrap()
            .seal(
                &[&key_and_salt[16..], &iv[..]].concat(),
                &header,
                &mut sealed,
            )
            .unwrap();
        let mut bytes = packet(&[&iv[..], &sealed].concat());
        let opened = open_esp(&bytes, cipher, &key_and_salt, None).unwrap();
        assert_eq!((opened.spi, opened.sequence_number), (0x0102_0304, 7));
        assert_eq!(opened.payload, [0xaa, 0xbb]);
        assert_eq!((opened.next_header, opened.pad_length), (4, 0));
        // The sequence number is authenticated (RFC 4106 §5).
        bytes[7] ^= 1;
        assert!(open_esp(&bytes, cipher, &key_and_salt, None).is_err());
    }

    #[test]
    fn short_or_mismatched_input_is_an_error_not_a_panic() {
        let cbc = RUST_CRYPTO.cipher(EncrId::AES_CBC, Some(128)).unwrap();
        let integ = RUST_CRYPTO.integ(IntegId::HMAC_SHA2_256_128).unwrap();
        for body in [&[][..], &[0; 8], &[0; 31]] {
            assert!(open_esp(&packet(body), cbc, &[0; 16], Some((integ, &[0; 32]))).is_err());
        }
        assert!(open_esp(&packet(&[0; 48]), cbc, &[0; 16], None).is_err());
        assert!(open_esp(&[0; 4], cbc, &[0; 16], Some((integ, &[0; 32]))).is_err());
    }
}
