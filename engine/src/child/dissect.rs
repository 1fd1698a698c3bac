//! Decrypting a copy of an ESP packet for its dissection (RFC 4303 §2): the
//! inspector shows the IV, the ciphertext with its plaintext, and the ICV. The copy
//! is opened with the data plane's own code (`open_packet`) and no replay window, so
//! the SA's state does not change. Used for the engine's ESP events and by the
//! key-table decryptor of `ikelab dissect --keys`.

use super::error::EspError;
use super::esp_sa::EspSa;
use super::open::open_packet;
use crate::wire::esp::{EspDecryptRequest, EspDecrypted, EspDecryptor, EspHeader};

/// Decrypts a copy of `packet` (SPI to ICV) with `sa`, if its ICV verifies. Without
/// the receiver's window the high half of an Extended Sequence Number is unknown; it
/// is taken as 0 (right for the first 2^32 packets of an SA).
pub(crate) fn decrypt_copy(sa: &EspSa, packet: &[u8], note: &str) -> Option<EspDecrypted> {
    let iv_len = sa.transform.iv_len();
    let icv_len = sa.transform.icv_len();
    let mut copy = packet.to_vec();
    match open_packet(sa, None, &mut copy) {
        // A dummy packet or odd padding was still decrypted: show it.
        Ok(_)
        | Err(EspError::DummyPacket | EspError::BadPadding | EspError::BadPadLength { .. }) => {}
        Err(_) => return None,
    }
    let start = EspHeader::LEN + iv_len;
    let end = copy.len().checked_sub(icv_len)?;
    Some(EspDecrypted {
        iv_len,
        icv_len,
        plaintext: copy.get(start..end)?.to_vec(),
        note: note.to_owned(),
    })
}

/// An [`EspDecryptor`] for one known ESP SA (the one that sealed or opened the
/// packet).
pub(crate) struct SaDecryptor<'a> {
    pub(crate) sa: &'a EspSa,
    /// How it decrypts ("ENCR_AES_GCM_16 (20), 256-bit key").
    pub(crate) note: String,
}

impl EspDecryptor for SaDecryptor<'_> {
    fn decrypt_esp(&mut self, request: &EspDecryptRequest<'_>) -> Option<EspDecrypted> {
        if request.spi != self.sa.spi {
            return None;
        }
        decrypt_copy(self.sa, request.packet, &self.note)
    }
}
