//! Exports of a trace (a simulated run, or a bridge's recording): a pcap of what
//! crossed the links and the Wireshark key tables that decrypt it.

use core::time::Duration;
use std::collections::BTreeSet;

use super::Trace;
use super::network::{NetworkEvent, WireProtocol};
use crate::capture::{CaptureWriteError, DatagramContent, PcapWriter, TimestampResolution};
use crate::crypto::keylog::{
    EspSaFamily, child_sa_esp_sa_lines, ikev2_decryption_table_line, profile_files,
};
use crate::event::EventKind;

/// A classic pcap (raw IPv4/IPv6, microsecond timestamps) of every datagram that
/// entered a link ([`NetworkEvent::Transmit`]: UDP, or ESP as IP protocol 50), as a capture on the links would see
/// it: addresses after the NAT's rewrite of the source, stamped with the calendar
/// time of the trace's epoch (`calendar_time`: since the Unix epoch, e.g. a
/// scenario's `UnixTime`) plus the record's time. Datagrams the link then lost are
/// in it (they were on the wire); duplicates are not written twice.
pub fn pcap(
    trace: &Trace,
    calendar_time: impl Into<Duration>,
) -> Result<Vec<u8>, CaptureWriteError> {
    let epoch: Duration = calendar_time.into();
    let mut writer = PcapWriter::new(Vec::new(), TimestampResolution::Micro)?;
    for (t_us, event) in trace.network_events() {
        if let NetworkEvent::Transmit {
            datagram, protocol, ..
        } = event
        {
            let time = epoch + Duration::from_micros(t_us);
            let content = match protocol {
                // The payload is the UDP data as sent: the engine already put the
                // Non-ESP Marker in front of IKE on port 4500, and ESP in UDP has
                // none (RFC 3948 §2.1).
                WireProtocol::Udp => DatagramContent::Udp(&datagram.payload),
                // ESP directly in IP, protocol 50 (RFC 4303 §2).
                WireProtocol::Esp => DatagramContent::Esp(&datagram.payload),
            };
            writer.write_datagram(time, datagram.src, datagram.dst, content)?;
        }
    }
    writer.into_inner()
}

/// The key tables of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyTables {
    /// `ikev2_decryption_table` lines, one per IKE SA.
    pub ikev2: Vec<String>,
    /// `esp_sa` lines, two per CHILD SA.
    pub esp: Vec<String>,
    /// SAs whose algorithms Wireshark cannot decrypt, with the reason.
    pub skipped: Vec<String>,
}

impl KeyTables {
    /// The profile folder's files as (name, contents), for
    /// `WIRESHARK_CONFIG_DIR=DIR tshark`.
    pub fn files(&self) -> [(&'static str, String); 3] {
        profile_files(&self.ikev2, &self.esp)
    }
}

/// The keys every engine logged (the simulator's engines always log keys), as
/// Wireshark tables. Each IKE SA appears once (both peers log it); CHILD SAs are
/// taken from the original initiator's side, whose inbound SPI is the
/// responder-to-initiator one (RFC 7296 §2.17).
pub fn key_tables(trace: &Trace) -> KeyTables {
    let mut tables = KeyTables::default();
    let mut seen_ike = BTreeSet::new();
    let mut seen_child = BTreeSet::new();
    let family = match trace.peers.first().and_then(|p| p.addresses.first()) {
        Some(std::net::IpAddr::V6(_)) => EspSaFamily::IPv6,
        _ => EspSaFamily::IPv4,
    };
    for record in &trace.records {
        let Some(event) = record.event() else {
            continue;
        };
        match &event.kind {
            EventKind::IkeSaKeys(k) => {
                if !seen_ike.insert((k.spi_i, k.spi_r)) {
                    continue;
                }
                match ikev2_decryption_table_line(
                    &k.spi_i.0,
                    &k.spi_r.0,
                    k.encr,
                    k.encr_key_bits,
                    k.integ,
                    &k.keys,
                ) {
                    Ok(line) => tables.ikev2.push(line),
                    Err(e) => tables
                        .skipped
                        .push(format!("IKE SA {}_i {}_r: {e}", k.spi_i, k.spi_r)),
                }
            }
            EventKind::ChildSaKeys(k) if record.peer == "initiator" => {
                if !seen_child.insert((k.spi_in, k.spi_out)) {
                    continue;
                }
                match child_sa_esp_sa_lines(
                    family,
                    "*",
                    "*",
                    k.spi_in,
                    k.spi_out,
                    k.encr,
                    k.encr_key_bits,
                    k.integ,
                    &k.keys,
                ) {
                    Ok(lines) => tables.esp.extend(lines),
                    Err(e) => tables.skipped.push(format!(
                        "CHILD SA {:08x}_i {:08x}_o: {e}",
                        k.spi_in, k.spi_out
                    )),
                }
            }
            _ => {}
        }
    }
    tables
}
