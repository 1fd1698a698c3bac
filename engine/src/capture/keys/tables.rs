//! The Wireshark tables of a key log: what a driver writing `--keys DIR` keeps.

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::profile::{
    EspSaFamily, child_sa_esp_sa_lines, ikev2_decryption_table_line, profile_files,
};
use crate::event::{ChildSaKeys, IkeSaKeys};
use crate::keylog::{KeyLogEntry, KeyLogRecord};
use crate::wire::IkeSpi;

/// `ikev2_decryption_table` and `esp_sa` lines, each SA once however many peers
/// logged it (both ends of an SA log the same keys). `esp_sa` addresses are `*`: a
/// capture taken on either side of a NAT shows other addresses than the engine's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyTables {
    /// `ikev2_decryption_table` lines, one per IKE SA.
    pub ikev2: Vec<String>,
    /// `esp_sa` lines, two per CHILD SA.
    pub esp: Vec<String>,
    /// SAs whose algorithms Wireshark cannot decrypt, with the reason.
    pub skipped: Vec<String>,
    ike_seen: BTreeSet<(IkeSpi, IkeSpi)>,
    /// (initiator's inbound SPI, responder's inbound SPI) of each CHILD SA.
    child_seen: BTreeSet<(u32, u32)>,
}

impl KeyTables {
    /// Adds what `record` holds (key schedule steps add nothing); returns whether a
    /// line was added.
    pub fn add(&mut self, record: &KeyLogRecord) -> bool {
        match &record.entry {
            KeyLogEntry::IkeSaKeys(keys) => self.add_ike_sa(keys),
            KeyLogEntry::ChildSaKeys(keys) => self.add_child_sa(keys),
            _ => false,
        }
    }

    /// The IKE SA's `ikev2_decryption_table` line, unless it is there already.
    pub fn add_ike_sa(&mut self, k: &IkeSaKeys) -> bool {
        if !self.ike_seen.insert((k.spi_i, k.spi_r)) {
            return false;
        }
        match ikev2_decryption_table_line(
            &k.spi_i.0,
            &k.spi_r.0,
            k.encr,
            k.encr_key_bits,
            k.integ,
            &k.keys,
        ) {
            Ok(line) => {
                self.ikev2.push(line);
                true
            }
            Err(e) => {
                let note = format!("IKE SA {}_i {}_r: {e}", k.spi_i, k.spi_r);
                self.skipped.push(note);
                false
            }
        }
    }

    /// The CHILD SA's two `esp_sa` lines (one per direction, RFC 7296 §2.17),
    /// unless they are there already (logged by the other end).
    pub fn add_child_sa(&mut self, k: &ChildSaKeys) -> bool {
        // The initiator of the exchange that created it receives on spi_in when we
        // are that initiator, and on spi_out when the peer is.
        let (spi_initiator_inbound, spi_responder_inbound) = if k.initiator {
            (k.spi_in, k.spi_out)
        } else {
            (k.spi_out, k.spi_in)
        };
        if !self
            .child_seen
            .insert((spi_initiator_inbound, spi_responder_inbound))
        {
            return false;
        }
        let family = match k.local {
            IpAddr::V4(_) => EspSaFamily::IPv4,
            IpAddr::V6(_) => EspSaFamily::IPv6,
        };
        match child_sa_esp_sa_lines(
            family,
            "*",
            "*",
            spi_initiator_inbound,
            spi_responder_inbound,
            k.encr,
            k.encr_key_bits,
            k.integ,
            &k.keys,
        ) {
            Ok(lines) => {
                self.esp.extend(lines);
                true
            }
            Err(e) => {
                let note = format!("CHILD SA {:08x}_i {:08x}_o: {e}", k.spi_in, k.spi_out);
                self.skipped.push(note);
                false
            }
        }
    }

    /// The profile folder's files as (name, contents), for
    /// `WIRESHARK_CONFIG_DIR=DIR tshark`.
    pub fn files(&self) -> [(&'static str, String); 3] {
        profile_files(&self.ikev2, &self.esp)
    }
}
