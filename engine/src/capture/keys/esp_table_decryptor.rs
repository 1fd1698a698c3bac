//! An [`EspDecryptor`] over the records of an `esp_sa` table (what `ikelab dissect
//! --keys DIR` uses): the record is picked by SPI and, where the table names them,
//! the addresses (Wireshark's matching); the packet is opened with the data
//! plane's own code (`child::open_packet`), without a replay window, on a copy.
//!
//! Without the receiver's window the high half of an Extended Sequence Number is
//! unknown; it is taken as 0 (right for the first 2^32 packets of an SA).

use std::net::IpAddr;

use super::esp_sa_table::NumberedEspSa;
use crate::child::{EspError, EspSa, EspTransform, open_packet};
use crate::crypto::provider::CryptoProvider;
use crate::wire::esp::{EspDecryptRequest, EspDecrypted, EspDecryptor, EspHeader};

struct TableEsp {
    line: usize,
    spi: u32,
    source: String,
    destination: String,
    sa: Result<EspSa, String>,
    note: String,
}

/// Decrypts ESP packets with the keys of a Wireshark `esp_sa` table.
pub struct EspTableDecryptor {
    sas: Vec<TableEsp>,
}

impl core::fmt::Debug for EspTableDecryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EspTableDecryptor")
            .field("entries", &self.sas.len())
            .finish()
    }
}

fn address_matches(pattern: &str, address: Option<IpAddr>) -> bool {
    pattern == "*"
        || match (pattern.parse::<IpAddr>(), address) {
            (Ok(p), Some(a)) => p == a,
            _ => false,
        }
}

impl EspTableDecryptor {
    /// Keys every record (one with an algorithm `provider` lacks stays, and never
    /// decrypts).
    pub fn new(records: &[NumberedEspSa], provider: &CryptoProvider) -> Self {
        let sas = records
            .iter()
            .map(|NumberedEspSa { line, record }| {
                let transform = EspTransform::new(
                    provider,
                    record.encr,
                    record.key_bits,
                    record.integ,
                    record.encr_key.as_bytes(),
                    record.integ_key.as_bytes(),
                );
                let note = match record.key_bits {
                    Some(bits) => format!("{}, {bits}-bit key (esp_sa line {line})", record.encr),
                    None => format!("{} (esp_sa line {line})", record.encr),
                };
                TableEsp {
                    line: *line,
                    spi: record.spi,
                    source: record.source.clone(),
                    destination: record.destination.clone(),
                    sa: transform
                        .map(|transform| EspSa {
                            spi: record.spi,
                            esn: false,
                            transform,
                        })
                        .map_err(|e| e.to_string()),
                    note,
                }
            })
            .collect();
        Self { sas }
    }

    pub fn len(&self) -> usize {
        self.sas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sas.is_empty()
    }

    /// The table line of the record for `spi`, if any (for notes).
    pub fn line_of(&self, spi: u32) -> Option<usize> {
        self.sas.iter().find(|s| s.spi == spi).map(|s| s.line)
    }
}

impl EspDecryptor for EspTableDecryptor {
    fn decrypt_esp(&mut self, request: &EspDecryptRequest<'_>) -> Option<EspDecrypted> {
        let entry = self.sas.iter().find(|s| {
            s.spi == request.spi
                && address_matches(&s.source, request.src)
                && address_matches(&s.destination, request.dst)
        })?;
        let sa = entry.sa.as_ref().ok()?;
        let iv_len = sa.transform.iv_len();
        let icv_len = sa.transform.icv_len();
        let mut packet = request.packet.to_vec();
        let decrypted = match open_packet(sa, None, &mut packet) {
            // A dummy packet or odd padding was still decrypted: show it.
            Ok(_)
            | Err(EspError::DummyPacket | EspError::BadPadding | EspError::BadPadLength { .. }) => {
                true
            }
            Err(_) => false,
        };
        if !decrypted {
            return None;
        }
        let start = EspHeader::LEN + iv_len;
        let end = packet.len().checked_sub(icv_len)?;
        Some(EspDecrypted {
            iv_len,
            icv_len,
            plaintext: packet.get(start..end)?.to_vec(),
            note: entry.note.clone(),
        })
    }
}
