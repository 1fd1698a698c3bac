//! `Message::parse` on arbitrary bytes: never panics, and whatever it accepts
//! round-trips. `parse(emit(m)) == m` always; `emit(m)` equals the input except in
//! octets whose dissection leaf says they are reserved: RESERVED fields, the
//! critical bit of known payloads (RFC 7296 §3.2) and the R bit of CP attribute types
//! (§3.15.1), all sent as zero and ignored on receipt, so the emitter writes zero.
#![no_main]

use ikelab_engine::wire::{Field, Message, dissect_message};
use libfuzzer_sys::fuzz_target;

fn reserved_leaf_covers(fields: &[Field], offset: usize) -> bool {
    fields.iter().any(|f| {
        f.range.contains(&offset)
            && if f.is_leaf() {
                f.name().to_ascii_uppercase().contains("RESERVED")
                    || f.value.to_ascii_lowercase().contains("reserved")
            } else {
                reserved_leaf_covers(&f.children, offset)
            }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(message) = Message::parse(data) else {
        return;
    };
    let emitted = message
        .try_emit()
        .expect("a message that parsed can be emitted");
    assert_eq!(
        Message::parse(&emitted).as_ref(),
        Ok(&message),
        "parse(emit(m)) differs from m"
    );
    if emitted != data {
        assert_eq!(emitted.len(), data.len(), "emit changed the length");
        let dissection = dissect_message(data, None);
        for (offset, (a, b)) in data.iter().zip(&emitted).enumerate() {
            if a != b {
                assert!(
                    reserved_leaf_covers(&dissection.fields, offset),
                    "emit changed octet {offset} ({a:#04x} -> {b:#04x}), which is not reserved"
                );
            }
        }
    }
});
