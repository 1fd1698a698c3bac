//! tshark as an independent dissector (and, with a profile, decryptor) of captures.
//!
//! [`ike_messages`] is the reference the `ikelab dissect --json` output is compared with:
//! one [`TsharkIkeMessage`] per IKE message in the file, with the header fields and the
//! chain of top-level payload types exactly as Wireshark's `isakmp` dissector reads them.
//!
//! Field names (tshark 4.0.17, `tshark -G fields`): `isakmp.ispi`, `isakmp.rspi`,
//! `isakmp.nextpayload`, `isakmp.exchangetype`, `isakmp.flags`, `isakmp.messageid`,
//! `isakmp.length`, `isakmp.typepayload` (one per payload), `isakmp.nonce`. With `-T fields`
//! `isakmp.typepayload` and `isakmp.nextpayload` also list the SA payload's proposal (2) and
//! transform (3) substructures, so the payload chain is read from `-T json` instead, where
//! the top-level payloads are the `isakmp.typepayload` keys directly under the `isakmp`
//! layer and each payload's own fields sit in the matching `isakmp.typepayload_tree`.
//!
//! Comparing with another dissector: match messages by frame number and compare
//! `(ispi, rspi, exchange_type, flags, message_id, length, payload_types,
//! encrypted_next_payload)`. Fragments (SKF, RFC 7383) are listed one per datagram, as on the
//! wire: tshark 4.0 does not reassemble them. With a profile ([`Tshark::with_profile`],
//! [`profile::WiresharkProfile`]) each SK payload also yields its decrypted inner payload
//! types and whether its ICV verified.

mod esp;
mod ike;
pub mod profile;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use super::cmd::Cmd;
use super::error::{InteropError, Result};

pub use esp::TsharkEspPacket;
pub use ike::{FLAG_INITIATOR, FLAG_RESPONSE, TsharkIkeMessage, ike_messages};

const TSHARK_TIMEOUT: Duration = Duration::from_secs(60);
/// Separates occurrences of one field in `-T fields` output (ASCII unit separator: it cannot
/// appear in the numbers, addresses and hex strings the harness asks for).
const AGGREGATOR: char = '\u{1f}';
/// Display filter for IKE messages, excluding copies quoted inside ICMP errors.
pub const IKE_FILTER: &str = "isakmp && !icmp && !icmpv6";

/// A tshark invocation setup: profile folder, preferences and decode-as rules.
#[derive(Debug, Clone, Default)]
pub struct Tshark {
    config_dir: Option<PathBuf>,
    preferences: Vec<String>,
    decode_as: Vec<String>,
}

impl Tshark {
    /// Plain tshark with Wireshark's default preferences.
    ///
    /// The configuration directory is pointed at a path that does not exist, so preferences
    /// of the machine's user never leak into a test.
    pub fn new() -> Self {
        Self::default()
    }

    /// tshark reading a profile folder (`WIRESHARK_CONFIG_DIR`) holding
    /// `ikev2_decryption_table`, `esp_sa` and `preferences` (the layout `--keys DIR` uses).
    pub fn with_profile(dir: impl Into<PathBuf>) -> Self {
        Self {
            config_dir: Some(dir.into()),
            ..Self::default()
        }
    }

    /// Adds `-o <preference>` (e.g. `esp.enable_encryption_decode:TRUE`).
    pub fn preference(mut self, preference: &str) -> Self {
        self.preferences.push(preference.to_owned());
        self
    }

    /// Adds `-d <rule>` (e.g. `udp.port==40500,isakmp` for IKE on a non-standard port).
    pub fn decode_as(mut self, rule: &str) -> Self {
        self.decode_as.push(rule.to_owned());
        self
    }

    /// `tshark -n -r <pcap>` with this setup's environment and options.
    pub fn command(&self, pcap: &Path) -> Cmd {
        let config_dir = self
            .config_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("/nonexistent/ikelab-empty-wireshark-profile"));
        let mut cmd = Cmd::new("tshark")
            .env("WIRESHARK_CONFIG_DIR", config_dir)
            .args(["-n", "-r"])
            .arg(pcap);
        for preference in &self.preferences {
            cmd = cmd.args(["-o", preference]);
        }
        for rule in &self.decode_as {
            cmd = cmd.args(["-d", rule]);
        }
        cmd
    }

    /// `-T fields` for `fields` of every frame matching `display_filter`: one row per frame,
    /// one entry per field, each entry the list of that field's occurrences.
    pub fn fields(
        &self,
        pcap: &Path,
        display_filter: &str,
        fields: &[&str],
    ) -> Result<Vec<Vec<Vec<String>>>> {
        let aggregator = AGGREGATOR.to_string();
        let mut cmd = self.command(pcap).args([
            "-Y",
            display_filter,
            "-T",
            "fields",
            "-E",
            "separator=/t",
            "-E",
            "occurrence=a",
            "-E",
            "quote=n",
        ]);
        cmd = cmd.args(["-E", &format!("aggregator={aggregator}")]);
        for field in fields {
            cmd = cmd.args(["-e", field]);
        }
        let output = cmd.run(TSHARK_TIMEOUT)?;
        let mut rows = Vec::new();
        for line in output.stdout.lines() {
            let columns: Vec<Vec<String>> = line
                .split('\t')
                .map(|column| {
                    if column.is_empty() {
                        Vec::new()
                    } else {
                        column.split(AGGREGATOR).map(str::to_owned).collect()
                    }
                })
                .collect();
            if columns.len() != fields.len() {
                return Err(InteropError::parse(
                    "tshark -T fields output",
                    format!(
                        "{} columns for {} fields in {line:?}",
                        columns.len(),
                        fields.len()
                    ),
                ));
            }
            rows.push(columns);
        }
        Ok(rows)
    }

    /// `-T json --no-duplicate-keys` of the frames matching `display_filter`, with the full
    /// trees of `protocols` (`-J`). Repeated keys become arrays, in order.
    pub fn json(&self, pcap: &Path, display_filter: &str, protocols: &[&str]) -> Result<Value> {
        let output = self
            .command(pcap)
            .args(["-Y", display_filter, "-T", "json", "--no-duplicate-keys"])
            .args(["-J", &protocols.join(" ")])
            .run(TSHARK_TIMEOUT)?;
        serde_json::from_str(&output.stdout)
            .map_err(|e| InteropError::parse("tshark -T json output", e.to_string()))
    }

    /// Every IKE message in `pcap` (see [`TsharkIkeMessage`]).
    pub fn ike_messages(&self, pcap: &Path) -> Result<Vec<TsharkIkeMessage>> {
        let json = self.json(pcap, IKE_FILTER, &["frame", "ip", "ipv6", "udp", "isakmp"])?;
        let packets = json
            .as_array()
            .ok_or_else(|| InteropError::parse("tshark json", "top level is not an array"))?;
        let mut messages = Vec::new();
        for packet in packets {
            messages.extend(ike::messages_of_packet(packet)?);
        }
        Ok(messages)
    }

    /// Frame numbers tshark flags as malformed (`_ws.malformed`) or with an expert error.
    pub fn malformed_frames(&self, pcap: &Path) -> Result<Vec<u32>> {
        let rows = self.fields(
            pcap,
            "_ws.malformed || _ws.expert.severity == error",
            &["frame.number"],
        )?;
        rows.iter()
            .map(|row| {
                row.first()
                    .and_then(|c| c.first())
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| InteropError::parse("tshark fields", "no frame number"))
            })
            .collect()
    }

    /// The Nonce payload data of the IKE_SA_INIT request and response (Ni, Nr), from the
    /// first IKE_SA_INIT exchange of the file that has both.
    pub fn ike_sa_init_nonces(&self, pcap: &Path) -> Result<IkeSaInitNonces> {
        let rows = self.fields(
            pcap,
            &format!("({IKE_FILTER}) && isakmp.exchangetype == 34 && isakmp.nonce"),
            &["isakmp.ispi", "isakmp.flags", "isakmp.nonce"],
        )?;
        let mut request: Option<(String, Vec<u8>)> = None;
        for row in &rows {
            let (Some(spi), Some(flags), Some(nonce)) =
                (row[0].first(), row[1].first(), row[2].first())
            else {
                continue;
            };
            let flags = parse_u32(flags)
                .ok_or_else(|| InteropError::parse("tshark fields", format!("flags {flags:?}")))?;
            let nonce = decode_hex(nonce)
                .ok_or_else(|| InteropError::parse("tshark fields", format!("nonce {nonce:?}")))?;
            let response = flags & FLAG_RESPONSE != 0;
            match (&request, response) {
                (_, false) => request = Some((spi.clone(), nonce)),
                (Some((request_spi, ni)), true) if request_spi == spi => {
                    return Ok(IkeSaInitNonces {
                        ni: ni.clone(),
                        nr: nonce,
                    });
                }
                _ => {}
            }
        }
        Err(InteropError::parse(
            "capture",
            format!(
                "no IKE_SA_INIT request/response pair with nonces in {}",
                pcap.display()
            ),
        ))
    }
}

impl Tshark {
    /// Every ESP packet in `pcap` (plain or UDP-encapsulated), with what tshark could check
    /// (see [`TsharkEspPacket`]).
    pub fn esp_packets(&self, pcap: &Path) -> Result<Vec<TsharkEspPacket>> {
        let rows = self.fields(
            pcap,
            "esp",
            &[
                "frame.number",
                "ip.src",
                "ip.dst",
                "ipv6.src",
                "ipv6.dst",
                "esp.spi",
                "esp.sequence",
                "esp.icv_good",
                "esp.icv_bad",
                "frame.protocols",
            ],
        )?;
        rows.iter().map(|row| esp::esp_packet(row)).collect()
    }
}

/// Ni and Nr as carried in the IKE_SA_INIT Nonce payloads (RFC 7296 §3.9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IkeSaInitNonces {
    /// The initiator's nonce.
    pub ni: Vec<u8>,
    /// The responder's nonce.
    pub nr: Vec<u8>,
}

/// `value` as an array: arrays as they are, anything else as a one-element slice.
pub(crate) fn all(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

/// Whether `key` appears anywhere inside `value`.
pub(crate) fn has_key(value: &Value, key: &str) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(k, v)| k == key || has_key(v, key)),
        Value::Array(items) => items.iter().any(|v| has_key(v, key)),
        _ => false,
    }
}

pub(crate) fn str_field<'a>(layer: &'a Value, key: &str) -> Option<&'a str> {
    layer.get(key).and_then(|v| match v {
        Value::Array(items) => items.first().and_then(Value::as_str),
        other => other.as_str(),
    })
}

pub(crate) fn parse_u32(text: &str) -> Option<u32> {
    match text.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// Hex with or without `:` separators.
pub(crate) fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let digits: String = text.chars().filter(|c| *c != ':').collect();
    super::strongswan::vici::decode_hex(&digits)
}
