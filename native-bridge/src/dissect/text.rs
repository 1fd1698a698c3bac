//! The text form of `ikelab dissect`: one header line per frame, then the field tree.

use std::fmt::Write;

use ikelab_engine::wire::{Dissection, Field};

use super::report::{DecryptionReport, FrameReport};

/// How much of each field to print.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub(crate) ranges: bool,
    pub(crate) meanings: bool,
}

/// Renders one frame: "frame 3  2023-11-14T22:13:20.250000Z (+0.250000 s)
/// 192.0.2.1:500 → 192.0.2.2:500  IKE on UDP 500", the summary, then the tree.
pub(crate) fn frame(out: &mut String, report: &FrameReport, first_us: u64, style: Style) {
    let endpoint = |addr: &str, port: Option<u16>| match (port, addr.contains(':')) {
        (Some(port), true) => format!("[{addr}]:{port}"),
        (Some(port), false) => format!("{addr}:{port}"),
        (None, _) => addr.to_owned(),
    };
    let what = match (report.kind, report.transport) {
        ("ike", "udp500") => "IKE on UDP 500",
        ("ike", _) => "IKE on UDP 4500 (after the Non-ESP Marker)",
        ("esp", "ip50") => "ESP (IP protocol 50)",
        ("esp", _) => "ESP in UDP 4500",
        _ => "NAT-keepalive on UDP 4500",
    };
    let elapsed = report.time_us.saturating_sub(first_us);
    let _ = writeln!(
        out,
        "frame {}  {} (+{}.{:06} s)  {} → {}  {what}",
        report.frame,
        report.time,
        elapsed / 1_000_000,
        elapsed % 1_000_000,
        endpoint(&report.src, report.sport),
        endpoint(&report.dst, report.dport),
    );
    let decryption = report.ike.as_ref().and_then(|ike| ike.decryption.as_ref());
    if let Some(layers) = &report.layers {
        dissection(out, layers, decryption, style);
    } else if let Some(ike) = &report.ike {
        dissection(out, &ike.dissection, decryption, style);
    } else if let Some(esp) = &report.esp {
        dissection(out, &esp.dissection, None, style);
    } else if let Some(keepalive) = &report.keepalive {
        for field in &keepalive.fields {
            tree(out, field, 2, style);
        }
    }
    out.push('\n');
}

fn dissection(
    out: &mut String,
    dissection: &Dissection,
    decryption: Option<&DecryptionReport>,
    style: Style,
) {
    let _ = writeln!(out, "  {}", dissection.summary);
    if let Some(d) = decryption {
        let note = d.note.as_deref().unwrap_or("no key for this IKE SA");
        if !d.decrypted {
            let _ = writeln!(out, "  ! not decrypted: {note}");
        } else if let Some([number, total]) = d.fragment.filter(|[_, total]| *total > 1) {
            let _ = writeln!(out, "  decrypted fragment {number} of {total} ({note})");
        } else {
            let names = match d.payload_names.as_slice() {
                [] => "[ ]".to_owned(),
                names => format!("[ {} ]", names.join(" ")),
            };
            let _ = writeln!(out, "  decrypted: {names}  ({note})");
        }
    }
    if let Some(error) = &dissection.error {
        // The IKE summary of a malformed message already is the error.
        let error = error.to_string();
        if !dissection.summary.contains(&error) {
            let _ = writeln!(out, "  ! malformed: {error}");
        }
    }
    for field in &dissection.fields {
        tree(out, field, 2, style);
    }
}

fn tree(out: &mut String, field: &Field, depth: usize, style: Style) {
    let indent = "  ".repeat(depth);
    let _ = write!(out, "{indent}");
    if style.ranges {
        let _ = write!(out, "[{}..{}] ", field.range.start, field.range.end);
    }
    let _ = write!(out, "{}", field.name());
    if !field.value.is_empty() {
        let _ = write!(out, ": {}", field.value);
    }
    let meaning = field.meaning();
    if style.meanings && !meaning.is_empty() {
        let _ = write!(out, "  — {meaning}");
        let rfc = field.rfc();
        if !rfc.is_empty() {
            let _ = write!(out, " ({rfc})");
        }
    }
    out.push('\n');
    for child in &field.children {
        tree(out, child, depth + 1, style);
    }
    if let Some(block) = &field.decrypted {
        let _ = writeln!(
            out,
            "{indent}  decrypted ({}; ranges count from the first plaintext octet):",
            block.note
        );
        if let Some(error) = &block.error {
            let _ = writeln!(out, "{indent}  ! malformed plaintext: {error}");
        }
        for inner in &block.fields {
            tree(out, inner, depth + 2, style);
        }
    }
}
