//! A [`Decryptor`] over the entries of an `ikev2_decryption_table` (what
//! `ikelab dissect --keys DIR` uses): SK and SKF payloads are opened with
//! [`SkProtection`] and the keys of the entry whose SPIs match the message header.
//!
//! The entry is picked by (SPIi, SPIr) from the IKE header (RFC 7296 §3.1); the
//! direction by the header's I flag: the original initiator's messages are protected
//! with SK_ei and SK_ai, the responder's with SK_er and SK_ar (§2.14). Each SKF
//! fragment is protected on its own, with its own IV and ICV (RFC 7383 §2.5), so it
//! opens the same way. A payload that stays encrypted gets a note saying why.

use super::ikev2_table::{Ikev2TableEntry, NumberedEntry};
use crate::crypto::provider::CryptoProvider;
use crate::crypto::sk::SkProtection;
use crate::crypto::{CryptoError, Secret};
use crate::wire::iana::IntegId;
use crate::wire::{Decrypted, Decryptor, IkeSpi, SkDecryptRequest, SkOutcome};

/// One table entry, keyed for both directions.
struct TableSa {
    line: usize,
    spi_i: IkeSpi,
    spi_r: IkeSpi,
    encryption: &'static str,
    integrity: &'static str,
    aead: bool,
    /// SK_ei (+ SK_ai): what the original initiator sends; or why it cannot be used.
    from_initiator: Result<SkProtection, String>,
    /// SK_er (+ SK_ar): what the original responder sends.
    from_responder: Result<SkProtection, String>,
}

/// Decrypts SK / SKF payloads with the keys of a Wireshark IKEv2 decryption table.
pub struct KeyTableDecryptor {
    sas: Vec<TableSa>,
}

impl core::fmt::Debug for KeyTableDecryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyTableDecryptor")
            .field("entries", &self.sas.len())
            .finish()
    }
}

/// Keys one direction of an entry with `provider`'s algorithms.
fn protection(
    entry: &Ikev2TableEntry,
    provider: &CryptoProvider,
    encr_key: &Secret,
    integ_key: &Secret,
) -> Result<SkProtection, String> {
    let cannot = |what: &str| format!("uses {what}, which IKElab cannot decrypt");
    let cipher = provider
        .cipher(entry.encryption.id, entry.encryption.key_bits)
        .ok_or_else(|| cannot(entry.encryption.name))?;
    let integ = match entry.integrity.id {
        Some(IntegId::NONE) => None,
        Some(id) => Some(
            provider
                .integ(id)
                .ok_or_else(|| cannot(entry.integrity.name))?,
        ),
        None => return Err(cannot(entry.integrity.name)),
    };
    SkProtection::new(cipher, encr_key, integ.map(|i| (i, integ_key)))
        .map_err(|e| format!("cannot be used: {e}"))
}

impl KeyTableDecryptor {
    /// Keys every entry (an entry with an algorithm `provider` lacks stays in the
    /// table, and the payloads it would open say so).
    pub fn new(entries: &[NumberedEntry], provider: &CryptoProvider) -> Self {
        let sas = entries
            .iter()
            .map(|NumberedEntry { line, entry }| TableSa {
                line: *line,
                spi_i: entry.spi_i,
                spi_r: entry.spi_r,
                encryption: entry.encryption.name,
                integrity: entry.integrity.name,
                aead: entry.encryption.aead,
                from_initiator: protection(entry, provider, &entry.sk_ei, &entry.sk_ai),
                from_responder: protection(entry, provider, &entry.sk_er, &entry.sk_ar),
            })
            .collect();
        Self { sas }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.sas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sas.is_empty()
    }
}

impl Decryptor for KeyTableDecryptor {
    fn decrypt_sk(&mut self, request: &SkDecryptRequest<'_>) -> Option<Decrypted> {
        match self.open_sk(request) {
            SkOutcome::Decrypted(decrypted) => Some(decrypted),
            SkOutcome::Encrypted { .. } => None,
        }
    }

    fn open_sk(&mut self, request: &SkDecryptRequest<'_>) -> SkOutcome {
        let header = request.header;
        let not = |note: String| SkOutcome::Encrypted { note: Some(note) };
        let Some(sa) = self
            .sas
            .iter()
            .find(|sa| sa.spi_i == header.spi_i && sa.spi_r == header.spi_r)
        else {
            return not(format!(
                "no entry for SPIs {}/{} (SPIi/SPIr) in the key table",
                header.spi_i, header.spi_r
            ));
        };
        let entry = format!(
            "the key table entry for SPIs {}/{} (line {})",
            sa.spi_i, sa.spi_r, sa.line
        );
        let (protection, keys) = match (header.is_initiator(), sa.aead) {
            (true, true) => (&sa.from_initiator, "SK_ei"),
            (true, false) => (&sa.from_initiator, "SK_ei and SK_ai"),
            (false, true) => (&sa.from_responder, "SK_er"),
            (false, false) => (&sa.from_responder, "SK_er and SK_ar"),
        };
        let protection = match protection {
            Ok(protection) => protection,
            Err(why) => return not(format!("{entry} {why}")),
        };
        let (Some(aad), Some(body)) = (
            request.message.get(..request.body.start),
            request.message.get(request.body.clone()),
        ) else {
            return not(format!("{entry}: the payload lies outside the message"));
        };
        match protection.open_padded(aad, body) {
            Ok(plaintext) => SkOutcome::Decrypted(Decrypted {
                iv_len: protection.iv_len(),
                icv_len: protection.icv_len(),
                plaintext,
                note: if sa.aead {
                    format!(
                        "{}, {keys}, ICV correct, key table line {}",
                        sa.encryption, sa.line
                    )
                } else {
                    format!(
                        "{} with {}, {keys}, ICV correct, key table line {}",
                        sa.encryption, sa.integrity, sa.line
                    )
                },
            }),
            Err(CryptoError::IntegrityCheckFailed) => not(format!(
                "ICV check failed with {entry}, {keys}: the keys are not this SA's, or \
                 the message was altered"
            )),
            Err(e) => not(format!("{entry}, {keys}: {e}")),
        }
    }
}
