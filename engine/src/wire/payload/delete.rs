//! Delete payload (RFC 7296 §3.11).
//!
//! ```text
//! | Protocol ID   |   SPI Size    |          Num of SPIs          |
//! ~               Security Parameter Index(es) (SPI)              ~
//! ```

use crate::wire::dissect::catalogue;
use serde::{Deserialize, Serialize};

use crate::wire::cursor::{Doc, Reader, WireResult};
use crate::wire::error::{EmitError, EmitErrorKind, ErrorKind, WireError};
use crate::wire::hex;
use crate::wire::iana::ProtocolId;
use crate::wire::writer::{EmitResult, Writer, fit_u16};

/// A Delete payload: the SAs the sender is removing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletePayload {
    pub protocol: ProtocolId,
    /// 0 for IKE (the SPIs are in the header), 4 for AH and ESP.
    pub spi_size: u8,
    /// Each exactly `spi_size` octets.
    pub spis: Vec<Vec<u8>>,
}

impl DeletePayload {
    /// Deletes the IKE SA this message travels in.
    pub fn ike() -> Self {
        Self {
            protocol: ProtocolId::IKE,
            spi_size: 0,
            spis: Vec::new(),
        }
    }

    /// Deletes ESP SAs, named by the SPIs the sender receives on.
    pub fn esp(spis: &[u32]) -> Self {
        Self {
            protocol: ProtocolId::ESP,
            spi_size: 4,
            spis: spis.iter().map(|s| s.to_be_bytes().to_vec()).collect(),
        }
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> WireResult<Self> {
        let protocol = ProtocolId(r.u8(&PROTOCOL, |v| ProtocolId(v).to_string())?);
        let (spi_size, range) = r.raw_u8(SPI_SIZE.name)?;
        let required = match protocol {
            ProtocolId::IKE => Some(0),
            ProtocolId::AH | ProtocolId::ESP => Some(4),
            _ => None,
        };
        if let Some(required) = required
            && spi_size != required
        {
            return Err(WireError::new(
                range.start,
                SPI_SIZE.name,
                ErrorKind::BadValue {
                    found: u64::from(spi_size),
                    expected: "the SPI Size must be 0 for IKE and 4 for AH and ESP".into(),
                },
            ));
        }
        r.leaf(range, &SPI_SIZE, || format!("{spi_size} octets"));
        let (count, range) = r.raw_u16(COUNT.name)?;
        let needed = usize::from(count) * usize::from(spi_size);
        if needed != r.remaining() {
            return Err(WireError::new(
                range.start,
                COUNT.name,
                ErrorKind::CountMismatch {
                    declared: usize::from(count),
                    found: r
                        .remaining()
                        .checked_div(usize::from(spi_size))
                        .unwrap_or(0),
                },
            ));
        }
        r.leaf(range, &COUNT, || count.to_string());
        let mut spis = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            spis.push(
                r.bytes(usize::from(spi_size), &SPI, |v| {
                    format!("0x{}", hex::encode(v))
                })?
                .to_vec(),
            );
        }
        Ok(Self {
            protocol,
            spi_size,
            spis,
        })
    }

    pub(crate) fn write(&self, w: &mut Writer) -> EmitResult {
        w.u8(self.protocol.0);
        w.u8(self.spi_size);
        w.u16(fit_u16(self.spis.len(), "Num of SPIs")?);
        for spi in &self.spis {
            if spi.len() != usize::from(self.spi_size) {
                return Err(EmitError {
                    field: "Security Parameter Index".into(),
                    kind: EmitErrorKind::Inconsistent {
                        expected: usize::from(self.spi_size),
                        found: spi.len(),
                    },
                });
            }
            w.bytes(spi);
        }
        Ok(())
    }

    pub(crate) fn describe(&self) -> String {
        if self.protocol == ProtocolId::IKE {
            "the IKE SA".to_owned()
        } else {
            let spis: Vec<String> = self
                .spis
                .iter()
                .map(|s| format!("0x{}", hex::encode(s)))
                .collect();
            format!("{} SPI {}", self.protocol, spis.join(", "))
        }
    }
}

const PROTOCOL: Doc = catalogue::DELETE_PROTOCOL;
const SPI_SIZE: Doc = catalogue::DELETE_SPI_SIZE;
const COUNT: Doc = catalogue::DELETE_COUNT;
const SPI: Doc = catalogue::DELETE_SPI;
