//! The driver's output: one JSON object per line, flushed as it is written.
//!
//! ```text
//! {"record":"ready","ike":"192.0.2.2:500","nat_t":"192.0.2.2:4500"}
//! {"record":"event","line":"sending IKE_SA_INIT request 0 [ SA KE No … ]","event":{…}}
//! {"record":"io_error","detail":"sending to 192.0.2.1:500: …"}
//! {"record":"ping_sent","seq":1,"id":4242,"src":"203.0.113.130","dst":"203.0.113.1","esp_sequence":1,"octets":84}
//! {"record":"esp_opened","esp_sequence":1,"spi":3405691582,"inner_src":"203.0.113.1",…}
//! {"record":"esp_rejected","spi":3405691582,"esp_sequence":1,"replay":false,"detail":"…"}
//! {"record":"replay_check","esp_sequence":1,"replay":true,"detail":"replay check failed: …"}
//! {"record":"pings_done","sent":5,"replies":5,"counters":{…}}
//! {"record":"finished","reason":"run time of 60s is over"}
//! ```
//!
//! `event` is the engine's own [`Event`] (its serde form, the trace format's record);
//! `line` is [`Event::describe`], for people reading the file.

use std::net::{IpAddr, SocketAddr};

use ikelab_engine::child::ChildSaCounters;
use ikelab_engine::event::Event;
use serde::{Deserialize, Serialize};

use super::icmp::IcmpEcho;
use crate::interop::error::{InteropError, Result};

/// One line of the driver's record file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum DriverRecord {
    /// Both sockets are bound; datagrams sent to them from now on reach the engine.
    Ready {
        /// The IKE socket's address (UDP 500).
        ike: SocketAddr,
        /// The NAT-T socket's address (UDP 4500).
        nat_t: SocketAddr,
    },
    /// Something the engine reported.
    Event {
        /// `event.describe()`.
        line: String,
        /// The event itself.
        event: Box<Event>,
    },
    /// A socket operation failed (the driver carries on).
    IoError {
        /// What was attempted and what the OS said.
        detail: String,
    },
    /// An ICMP echo request from our virtual IP was sealed and sent (`--ping`).
    PingSent {
        /// ICMP sequence number.
        seq: u16,
        /// ICMP identifier.
        id: u16,
        /// Inner source (our virtual IP).
        src: IpAddr,
        /// Inner destination (behind the gateway).
        dst: IpAddr,
        /// The ESP packet's sequence number (RFC 4303 §2.2).
        esp_sequence: u64,
        /// Octets of the inner packet.
        octets: usize,
    },
    /// An echo request that arrived through a CHILD SA was answered (`--answer-pings`).
    PingAnswered {
        /// ICMP sequence number.
        seq: u16,
        /// ICMP identifier.
        id: u16,
        /// The reply's inner source (the request's destination).
        src: IpAddr,
        /// The reply's inner destination.
        dst: IpAddr,
        /// The reply's ESP sequence number.
        esp_sequence: u64,
    },
    /// An ESP packet (in UDP on the NAT-T port, or plain) passed `Engine::open`.
    EspOpened {
        /// The ESP SPI.
        spi: u32,
        /// Its sequence number.
        esp_sequence: u64,
        /// The inner packet's source.
        inner_src: IpAddr,
        /// The inner packet's destination.
        inner_dst: IpAddr,
        /// The inner packet's protocol (1: ICMP).
        protocol: u8,
        /// The ICMP echo it carries, if any.
        echo: Option<IcmpEcho>,
        /// Octets of the inner packet.
        octets: usize,
    },
    /// `Engine::open` refused an ESP packet.
    EspRejected {
        /// The SPI and sequence number in its header, if it had one.
        spi: Option<u32>,
        /// See `spi`.
        esp_sequence: Option<u32>,
        /// Whether it was refused by the anti-replay window (`EspError::Replay`).
        replay: bool,
        /// `EspError`'s text.
        detail: String,
    },
    /// A copy of an echo reply that already passed `Engine::open` was handed to it again
    /// (RFC 4303 §3.4.3: the window must refuse it).
    ReplayCheck {
        /// The copy's ESP sequence number.
        esp_sequence: u64,
        /// Refused as a replay (`EspError::Replay`).
        replay: bool,
        /// What `Engine::open` said (`"accepted"` if it took the copy).
        detail: String,
    },
    /// `--ping` is over: every reply arrived, or the wait for the missing ones ended.
    PingsDone {
        /// Echo requests sent.
        sent: u16,
        /// Distinct matching echo replies opened.
        replies: u16,
        /// The CHILD SA's counters (`Engine::child_sa_counters`) at that moment.
        counters: Option<ChildSaCounters>,
    },
    /// The driver stopped by itself (it is also stopped by SIGTERM, which writes nothing).
    Finished {
        /// Why.
        reason: String,
    },
}

impl DriverRecord {
    /// The engine event, if this record carries one.
    pub fn event(&self) -> Option<&Event> {
        match self {
            Self::Event { event, .. } => Some(event),
            _ => None,
        }
    }

    /// The record as one line of JSON (no newline).
    pub fn to_line(&self) -> String {
        // A record holds only strings, numbers and addresses: serialising cannot fail;
        // should it ever, the line says so instead of vanishing.
        serde_json::to_string(self).unwrap_or_else(|e| {
            serde_json::json!({
                "record": "io_error",
                "detail": format!("record not serialisable: {e}"),
            })
            .to_string()
        })
    }
}

/// The complete lines of `text` (a trailing line without its newline is still being
/// written and is left for the next read), parsed.
pub fn parse_records(text: &str) -> Result<Vec<DriverRecord>> {
    let complete = match text.rfind('\n') {
        Some(end) => &text[..end],
        None => return Ok(Vec::new()),
    };
    complete
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line).map_err(|e| {
                InteropError::parse(
                    "engine-peer record file",
                    format!("line {}: {e}: {line}", index + 1),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_partial_lines_wait() {
        let ready = DriverRecord::Ready {
            ike: "192.0.2.2:500".parse().unwrap(),
            nat_t: "192.0.2.2:4500".parse().unwrap(),
        };
        let finished = DriverRecord::Finished {
            reason: "done".to_owned(),
        };
        let text = format!(
            "{}\n{}\n{{\"record\":\"io_e",
            ready.to_line(),
            finished.to_line()
        );
        assert!(ready.to_line().starts_with(r#"{"record":"ready""#));
        assert_eq!(parse_records(&text).unwrap(), vec![ready, finished]);
        assert!(parse_records("{\"record\":\"ready\"").unwrap().is_empty());
    }

    #[test]
    fn a_garbled_complete_line_is_an_error() {
        assert!(parse_records("not json\n").is_err());
        assert!(parse_records("{\"record\":\"unknown\"}\n").is_err());
    }
}
