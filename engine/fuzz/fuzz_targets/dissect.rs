//! `dissect_message` on arbitrary bytes: never panics, always accounts for the whole
//! input, and when the message parses, every octet is in exactly one leaf.
#![no_main]

use ikelab_engine::wire::{Message, check_leaf_coverage, dissect_message};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dissection = dissect_message(data, None);
    assert_eq!(dissection.length, data.len());
    let parsed = Message::parse(data);
    assert_eq!(
        parsed.is_ok(),
        dissection.error.is_none(),
        "the dissector and the parser disagree: {:?}",
        parsed.err()
    );
    if parsed.is_ok()
        && let Err(err) = check_leaf_coverage(&dissection.fields, 0..data.len())
    {
        panic!("leaf coverage broken on a valid message: {err}");
    }
});
