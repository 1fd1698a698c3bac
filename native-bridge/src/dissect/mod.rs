//! `ikelab dissect FILE`: every IKEv2 message and ESP packet of a capture, explained.
//!
//! The capture is read with the engine's reader (`ikelab_engine::capture`: pcap and
//! pcapng; Ethernet, SLL, SLL2, raw IP and loopback link types) and each IKE message
//! dissected by the engine's own parser, the one the browser lab shows: every field
//! with its name, RFC section, byte range, value and meaning. A message that does not
//! parse is still shown, up to the fault, with the error; it never stops the file.
//!
//! # Text (default)
//!
//! Per frame, a header line (frame number, UTC time, time since the first shown
//! frame, addresses and ports, what it is), the one-line summary ("IKE_SA_INIT (34)
//! request 0 [ SA KE Nonce N(NAT_DETECTION_SOURCE_IP) ]"), then the field tree, one
//! field per line: `name: value  — meaning (RFC section)`. `--ranges` prefixes byte
//! ranges, `--brief` drops meanings, `--layers` adds the IP and UDP headers, `--all`
//! lists the other frames with the reason they were skipped.
//!
//! # JSON (`--json`): schema `ikelab-dissect/1`
//!
//! One document, stable for tests and tools (fields are only ever added):
//!
//! ```text
//! {
//!   "schema": "ikelab-dissect/1",
//!   "file": "capture.pcap",
//!   "format": "pcap" | "pcapng",
//!   "frames": [                       // frames holding IKE, ESP or a NAT-keepalive
//!     { "frame": 1,                   // as Wireshark numbers them (every record counts)
//!       "time": "2023-11-14T22:13:20.123456Z", "time_us": 1700000000123456,
//!       "src": "192.0.2.1", "dst": "192.0.2.2",
//!       "sport": 500, "dport": 500,   // null for ESP in IP (protocol 50)
//!       "kind": "ike" | "esp" | "nat_keepalive",
//!       "transport": "udp500" | "udp4500" | "ip50",
//!       "ike": {                      // when kind is "ike"
//!         "ispi": "ea684d21597afd36", "rspi": "0000000000000000",   // hex, no 0x
//!         "exchange": "IKE_SA_INIT", "exchange_type": 34,
//!         "message_id": 0, "flags": 8, "initiator": true, "response": false,
//!         "version": "2.0", "length": 248,       // header fields: null if unreadable
//!         "payloads": [33, 34, 40, 41, 41, 41],  // Next Payload chain (SK counts once)
//!         "payload_names": ["SA", "KE", "Nonce", "N(NAT_DETECTION_SOURCE_IP)", ...],
//!         "encrypted_next_payload": null | 35,  // SK/SKF's Next Payload: first inner type
//!         "summary": "IKE_SA_INIT request 0 [ SA KE No ... ]",
//!         "error": null | "at byte 24, Length: ...",
//!         "decryption": {             // only with --keys, for a message with SK/SKF
//!           "decrypted": true,        // ICV verified, plaintext dissected
//!           "note": "AES-GCM-256 with 16 octet ICV [RFC5282], SK_ei, ICV correct, key table line 1"
//!                 | "no entry for SPIs 0x…/0x… (SPIi/SPIr) in the key table"
//!                 | "ICV check failed with the key table entry for SPIs 0x…/0x… (line 1), SK_er: …",
//!           "payloads": [35, 41, 36, 39, 47, 33, 44, 45],   // inner chain (empty if not decrypted)
//!           "payload_names": ["IDi", "N(INITIAL_CONTACT)", "IDr", "AUTH", "CP(CFG_REQUEST)", ...],
//!           "fragment": null | [1, 2],                      // SKF: number, total
//!           "error": null | "at byte 12, ..." },            // plaintext that does not parse
//!         "dissection": { "length": 248, "summary": "...", "error": null | {...},
//!                         "fields": [ { "name", "rfc", "range": {"start","end"},
//!                                       "value", "meaning", "children": [...],
//!                                       "decrypted": {...} } ] } },
//!       "esp": {                      // when kind is "esp"
//!         "spi": "c0ffee01", "sequence": 1, "length": 120,
//!         "summary": "...", "error": null, "dissection": { ... } },
//!       "layers": { ... }             // with --layers: the IP packet dissected
//!     } ],
//!   "skipped": [ { "frame": 7, "reason": "not IP (EtherType 0x0806)" } ],  // with --all
//!   "totals": { "frames": 12, "ike": 8, "esp": 3, "nat_keepalive": 1, "other": 0 },
//!   "error": null | "cut short at byte 1234: ..."   // the file broke off (exit 3)
//! }
//! ```
//!
//! Dissection ranges count from the IKE header (`ike`), the SPI (`esp`) or the IP
//! header (`layers`); inside a `decrypted` block, from the first plaintext octet.
//!
//! # Exit codes
//!
//! 0 when the whole file was read (payloads that could not be decrypted included);
//! 3 when it cannot be read, is not a capture, or breaks off (the frames before the
//! break are still printed, and the JSON document names the error), and when
//! `--keys DIR` has no readable `ikev2_decryption_table` or a malformed line in it
//! (the message names the file, the line number and what is wrong).
//!
//! # Keys (`--keys DIR`)
//!
//! Without keys, encrypted payloads show as one leaf. `DIR` is a Wireshark profile
//! folder (what `WIRESHARK_CONFIG_DIR=DIR tshark` reads); its `ikev2_decryption_table`
//! is parsed by the engine (`capture::keys::ikev2_table`) into a `KeyTableDecryptor`, which
//! picks the entry by the header's SPIs and the direction by its I flag, and opens
//! the SK (or each SKF) payload with `SkProtection`. Decrypted payloads show their IV,
//! ciphertext (with the plaintext dissected as its `decrypted` block) and ICV; the
//! text form adds a line `decrypted: [ IDi AUTH ... ]` under the summary. A payload
//! with no entry for its SPIs, or whose ICV fails with the entry's keys, stays one
//! leaf whose value ends with "not decrypted: <why>" (and `decryption.note` in JSON);
//! that is not an error. `DIR/esp_sa`, when present, is parsed by the engine
//! (`capture::keys::esp_sa_table`) into an `EspTableDecryptor`: an ESP packet whose SPI (and
//! addresses, where the line names them) match a line is opened with the engine's
//! data-plane code (ICV verified, no replay window, an ESN's high half taken as 0)
//! and its inner packet dissected; otherwise it stays one leaf. `preferences` is not
//! read.

mod keys;
mod report;
mod text;
mod time;

use std::io::Write;

use ikelab_engine::capture::{CaptureFormat, CaptureReader, DatagramKind};
use ikelab_engine::wire::Decryptor;
use ikelab_engine::wire::esp::EspDecryptor;
use serde::Serialize;

use self::report::{FrameReport, Keys, frame_report};
use self::text::Style;
use crate::cli::DissectArgs;
use crate::exit::Exit;

/// The JSON document's schema name; bump it only for incompatible changes.
const SCHEMA: &str = "ikelab-dissect/1";

#[derive(Debug, Serialize)]
struct Document {
    schema: &'static str,
    file: String,
    format: &'static str,
    frames: Vec<FrameReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    skipped: Vec<Skipped>,
    totals: Totals,
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct Skipped {
    frame: u64,
    reason: String,
}

#[derive(Debug, Default, Serialize)]
struct Totals {
    frames: u64,
    ike: u64,
    esp: u64,
    nat_keepalive: u64,
    other: u64,
}

/// Runs `ikelab dissect`.
pub(crate) fn run(args: &DissectArgs) -> Exit {
    let name = args.file.display().to_string();
    let bytes = match std::fs::read(&args.file) {
        Ok(bytes) => bytes,
        Err(err) => {
            eprintln!("ikelab: cannot read {name}: {err}");
            return Exit::Input;
        }
    };
    let reader = match CaptureReader::new(&bytes) {
        Ok(reader) => reader,
        Err(err) => {
            eprintln!("ikelab: {name}: {err}");
            return Exit::Input;
        }
    };
    let format = match reader.format() {
        CaptureFormat::Pcap { .. } => "pcap",
        CaptureFormat::PcapNg => "pcapng",
    };
    let mut table = match args.keys.as_deref().map(keys::load).transpose() {
        Ok(table) => table,
        Err(err) => {
            eprintln!("ikelab: {err}");
            return Exit::Input;
        }
    };
    let mut esp_table = match args.keys.as_deref().map(keys::load_esp).transpose() {
        Ok(table) => table.flatten(),
        Err(err) => {
            eprintln!("ikelab: {err}");
            return Exit::Input;
        }
    };
    let mut keys = Keys {
        ike: table.as_mut().map(|t| t as &mut dyn Decryptor),
        esp: esp_table.as_mut().map(|t| t as &mut dyn EspDecryptor),
    };
    let mut document = Document {
        schema: SCHEMA,
        file: name.clone(),
        format,
        frames: Vec::new(),
        skipped: Vec::new(),
        totals: Totals::default(),
        error: None,
    };
    for record in reader {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                document.error = Some(err.to_string());
                break;
            }
        };
        document.totals.frames += 1;
        let datagram = match record.datagram() {
            Ok(datagram) => datagram,
            Err(reason) => {
                document.totals.other += 1;
                if args.all {
                    document.skipped.push(Skipped {
                        frame: record.frame,
                        reason: reason.to_string(),
                    });
                }
                continue;
            }
        };
        match datagram.kind {
            DatagramKind::Ike500 | DatagramKind::Ike4500 => document.totals.ike += 1,
            DatagramKind::EspInUdp | DatagramKind::Esp => document.totals.esp += 1,
            DatagramKind::NatKeepalive => document.totals.nat_keepalive += 1,
            DatagramKind::Other => {
                document.totals.other += 1;
                if args.all {
                    let ports = datagram
                        .src_port
                        .zip(datagram.dst_port)
                        .map(|(s, d)| format!(", ports {s} → {d}"))
                        .unwrap_or_default();
                    document.skipped.push(Skipped {
                        frame: record.frame,
                        reason: format!("{}{ports}: not IKE or ESP", datagram.protocol),
                    });
                }
            }
        }
        if let Some(report) = frame_report(&datagram, &mut keys, args.layers) {
            document.frames.push(report);
        }
    }
    let printed = if args.json {
        print_json(&document)
    } else {
        print_text(&document, args)
    };
    if let Err(err) = printed {
        // A closed pipe (`| head`) is not the file's fault; report and stop.
        eprintln!("ikelab: writing the output failed: {err}");
        return Exit::Failure;
    }
    match &document.error {
        Some(err) => {
            eprintln!("ikelab: {name}: {err}");
            Exit::Input
        }
        None => Exit::Success,
    }
}

fn print_json(document: &Document) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, document)?;
    writeln!(stdout)
}

fn print_text(document: &Document, args: &DissectArgs) -> std::io::Result<()> {
    let style = Style {
        ranges: args.ranges,
        meanings: !args.brief,
    };
    let first_us = document.frames.first().map_or(0, |f| f.time_us);
    let mut out = String::new();
    let mut skipped = document.skipped.iter().peekable();
    for report in &document.frames {
        while let Some(skip) = skipped.next_if(|s| s.frame < report.frame) {
            out.push_str(&format!(
                "frame {}  skipped: {}\n\n",
                skip.frame, skip.reason
            ));
        }
        text::frame(&mut out, report, first_us, style);
    }
    for skip in skipped {
        out.push_str(&format!(
            "frame {}  skipped: {}\n\n",
            skip.frame, skip.reason
        ));
    }
    let t = &document.totals;
    out.push_str(&format!(
        "{}: {} frames: {} IKE, {} ESP, {} NAT-keepalive, {} other\n",
        document.file, t.frames, t.ike, t.esp, t.nat_keepalive, t.other
    ));
    std::io::stdout().lock().write_all(out.as_bytes())
}
