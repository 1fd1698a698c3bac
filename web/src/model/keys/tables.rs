//! Where a key stands in the Wireshark tables the lab downloads (the engine's
//! `capture::keys` writes them): SK_ei, SK_er, SK_ai and SK_ar in the IKE SA's
//! `ikev2_decryption_table` line (the keys of the SK payloads, RFC 7296 §3.14),
//! each ESP key in the `esp_sa` line of its direction (one per SPI, RFC 4303
//! §2.1).

use super::{KeyKind, Side, TableCell};

/// The `ikev2_decryption_table` column of an SK_e / SK_a key; `None` for a key
/// the table has no column for.
pub(super) fn ikev2_column(kind: KeyKind) -> Option<&'static str> {
    Some(match kind {
        KeyKind::SkE(Side::Initiator) => "SK_ei",
        KeyKind::SkE(Side::Responder) => "SK_er",
        KeyKind::SkA(Side::Initiator) => "SK_ai",
        KeyKind::SkA(Side::Responder) => "SK_ar",
        _ => return None,
    })
}

/// A key's cell in its IKE SA's `ikev2_decryption_table` line.
pub(super) fn ikev2_cell(line: &str, column: &'static str, hex: &str) -> TableCell {
    TableCell {
        file: "ikev2_decryption_table",
        column,
        line: line.to_owned(),
        // `Ikev2TableEntry::line` writes keys as bare lowercase hex.
        cell: hex.to_owned(),
    }
}

/// Which of its CHILD SA's `esp_sa` lines an ESP key is in, its column there and
/// the side that sends with it; `None` for a key that is not an ESP key.
pub(super) fn esp_place(kind: KeyKind) -> Option<(usize, &'static str, Side)> {
    // `child_sa_esp_sa_lines`: the initiator-to-responder line first.
    match kind {
        KeyKind::EspEncr(side) => Some((side_index(side), "Encryption key", side)),
        KeyKind::EspInteg(side) => Some((side_index(side), "Authentication key", side)),
        _ => None,
    }
}

/// A key's cell in an `esp_sa` line.
pub(super) fn esp_cell(line: &str, column: &'static str, hex: &str) -> TableCell {
    TableCell {
        file: "esp_sa",
        column,
        line: line.to_owned(),
        // `esp_sa_line` writes "0x" and the hex, or nothing for an empty key.
        cell: if hex.is_empty() {
            String::new()
        } else {
            format!("0x{hex}")
        },
    }
}

fn side_index(side: Side) -> usize {
    match side {
        Side::Initiator => 0,
        Side::Responder => 1,
    }
}
