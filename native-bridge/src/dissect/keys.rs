//! `--keys DIR`: the IKEv2 and ESP keys of a Wireshark profile folder, and a
//! decryptor that records what became of each SK payload for the report.
//!
//! `DIR/ikev2_decryption_table` is read with the engine's parser
//! (`ikelab_engine::capture::keys::ikev2_table`), `DIR/esp_sa` (if present) with
//! `ikelab_engine::capture::keys::esp_sa_table`; ESP packets are opened by the engine's
//! data-plane code. `preferences` is not read.

use std::path::Path;

use ikelab_engine::capture::keys::esp_sa_table::{ESP_SA, parse_esp_sa_table};
use ikelab_engine::capture::keys::esp_table_decryptor::EspTableDecryptor;
use ikelab_engine::capture::keys::ikev2_table::{
    IKEV2_DECRYPTION_TABLE, parse_ikev2_decryption_table,
};
use ikelab_engine::capture::keys::table_decryptor::KeyTableDecryptor;
use ikelab_engine::crypto::RUST_CRYPTO;
use ikelab_engine::wire::iana::PayloadType;
use ikelab_engine::wire::{Decrypted, Decryptor, SkDecryptRequest, SkOutcome};

/// Reads `DIR/ikev2_decryption_table`. The error names the file, and for a bad line
/// its number and what is wrong (exit code 3).
pub(crate) fn load(dir: &Path) -> Result<KeyTableDecryptor, String> {
    if !dir.is_dir() {
        return Err(format!(
            "--keys {}: not a directory (a Wireshark profile folder holding \
             {IKEV2_DECRYPTION_TABLE} is expected)",
            dir.display()
        ));
    }
    let path = dir.join(IKEV2_DECRYPTION_TABLE);
    let text = std::fs::read_to_string(&path)
        .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    let entries =
        parse_ikev2_decryption_table(&text).map_err(|err| format!("{}: {err}", path.display()))?;
    Ok(KeyTableDecryptor::new(&entries, &RUST_CRYPTO))
}

/// Reads `DIR/esp_sa` when the folder has one (`None` otherwise: ESP then stays
/// encrypted). A malformed line is an error naming the file and line (exit code 3).
pub(crate) fn load_esp(dir: &Path) -> Result<Option<EspTableDecryptor>, String> {
    let path = dir.join(ESP_SA);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    let records = parse_esp_sa_table(&text).map_err(|err| format!("{}: {err}", path.display()))?;
    Ok(Some(EspTableDecryptor::new(&records, &RUST_CRYPTO)))
}

/// What became of one SK / SKF payload.
#[derive(Debug, Clone)]
pub(crate) struct SkSeen {
    /// The SK header's Next Payload (first inner payload).
    pub(crate) first_payload: PayloadType,
    /// `(Fragment Number, Total Fragments)` of an SKF payload.
    pub(crate) fragment: Option<(u16, u16)>,
    /// Inner payloads | Padding | Pad Length, when decrypted.
    pub(crate) plaintext: Option<Vec<u8>>,
    /// How it was decrypted, or why not.
    pub(crate) note: Option<String>,
}

/// Passes every request to `inner` and keeps what came of it.
pub(crate) struct Recording<'d> {
    inner: &'d mut dyn Decryptor,
    pub(crate) seen: Vec<SkSeen>,
}

impl<'d> Recording<'d> {
    pub(crate) fn new(inner: &'d mut dyn Decryptor) -> Self {
        Self {
            inner,
            seen: Vec::new(),
        }
    }
}

impl core::fmt::Debug for Recording<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Recording")
            .field("seen", &self.seen.len())
            .finish()
    }
}

impl Decryptor for Recording<'_> {
    fn decrypt_sk(&mut self, request: &SkDecryptRequest<'_>) -> Option<Decrypted> {
        match self.open_sk(request) {
            SkOutcome::Decrypted(decrypted) => Some(decrypted),
            SkOutcome::Encrypted { .. } => None,
        }
    }

    fn open_sk(&mut self, request: &SkDecryptRequest<'_>) -> SkOutcome {
        let outcome = self.inner.open_sk(request);
        let (plaintext, note) = match &outcome {
            SkOutcome::Decrypted(d) => (Some(d.plaintext.clone()), Some(d.note.clone())),
            SkOutcome::Encrypted { note } => (None, note.clone()),
        };
        self.seen.push(SkSeen {
            first_payload: request.first_payload,
            fragment: request.fragment,
            plaintext,
            note,
        });
        outcome
    }
}
