//! A Wireshark profile folder (for tshark and `ikelab dissect --keys`) written from our
//! engine's own key-log events, with the engine's exporter (`capture::keys::profile`): one
//! `ikev2_decryption_table` line per IKE SA (`IkeSaKeys`) and the two `esp_sa` lines
//! of each CHILD SA (`ChildSaKeys`), with the exact outer addresses of the IKE SA
//! (`IkeSaUp`), as a capture on our side shows them.

use std::net::IpAddr;
use std::path::Path;

use ikelab_engine::capture::keys::profile::{
    EspSaFamily, child_sa_esp_sa_lines, ikev2_decryption_table_line, profile_files,
};
use ikelab_engine::config::Role;
use ikelab_engine::event::{Event, EventKind};

use crate::interop::error::{InteropError, Result};

/// The key tables our events give.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventKeyTables {
    /// `ikev2_decryption_table` lines.
    pub ikev2: Vec<String>,
    /// `esp_sa` lines: initiator → responder, then responder → initiator, per CHILD SA.
    pub esp: Vec<String>,
}

impl EventKeyTables {
    /// Reads the key-log events (the driver runs with `--key-log`). The ESP lines need
    /// the IKE SA's addresses, so an `IkeSaUp` must be among the events when any
    /// `ChildSaKeys` is.
    pub fn from_events(events: &[Event]) -> Result<Self> {
        let missing = |detail: String| InteropError::InvalidInput { detail };
        let up = events.iter().find_map(|e| match &e.kind {
            EventKind::IkeSaUp(up) => Some(up),
            _ => None,
        });
        let mut tables = Self::default();
        for event in events {
            match &event.kind {
                EventKind::IkeSaKeys(k) => tables.ikev2.push(
                    ikev2_decryption_table_line(
                        &k.spi_i.0,
                        &k.spi_r.0,
                        k.encr,
                        k.encr_key_bits,
                        k.integ,
                        &k.keys,
                    )
                    .map_err(|e| missing(format!("IKE SA keys: {e}")))?,
                ),
                EventKind::ChildSaKeys(k) => {
                    let up = up.ok_or_else(|| {
                        missing("CHILD SA keys but no IkeSaUp event for the addresses".into())
                    })?;
                    let (local, remote) = (up.local.ip(), up.remote.ip());
                    let family = match local {
                        IpAddr::V4(_) => EspSaFamily::IPv4,
                        IpAddr::V6(_) => EspSaFamily::IPv6,
                    };
                    // RFC 7296 §2.17: the initiator's inbound SPI is on what the
                    // responder sends.
                    let (initiator, responder, spi_initiator_in, spi_responder_in) = match up.role {
                        Role::Initiator => (local, remote, k.spi_in, k.spi_out),
                        Role::Responder => (remote, local, k.spi_out, k.spi_in),
                    };
                    let lines = child_sa_esp_sa_lines(
                        family,
                        &initiator.to_string(),
                        &responder.to_string(),
                        spi_initiator_in,
                        spi_responder_in,
                        k.encr,
                        k.encr_key_bits,
                        k.integ,
                        &k.keys,
                    )
                    .map_err(|e| missing(format!("CHILD SA keys: {e}")))?;
                    tables.esp.extend(lines);
                }
                _ => {}
            }
        }
        Ok(tables)
    }

    /// Writes `ikev2_decryption_table`, `esp_sa` and `preferences` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| InteropError::io(dir, e))?;
        for (name, text) in profile_files(&self.ikev2, &self.esp) {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(|e| InteropError::io(&path, e))?;
        }
        Ok(())
    }
}
