//! Exports of a trace (a simulated run, or a bridge's recording): a pcap of what
//! crossed the links and the Wireshark key tables that decrypt it.

use core::time::Duration;

use super::Trace;
use super::network::{NetworkEvent, WireProtocol};
pub use crate::capture::keys::KeyTables;
use crate::capture::{CaptureWriteError, DatagramContent, PcapWriter, TimestampResolution};
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

/// The key tables of a run: the key events every peer's key log put in the trace
/// (the simulator records them unless told not to), each SA once.
pub fn key_tables(trace: &Trace) -> KeyTables {
    let mut tables = KeyTables::default();
    for event in trace.records.iter().filter_map(|r| r.event()) {
        match &event.kind {
            EventKind::IkeSaKeys(k) => tables.add_ike_sa(k),
            EventKind::ChildSaKeys(k) => tables.add_child_sa(k),
            _ => false,
        };
    }
    tables
}
