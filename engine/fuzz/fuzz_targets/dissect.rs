//! `dissect_message` on arbitrary bytes: never panics, always accounts for the whole
//! input, agrees with the parser, and every octet is in exactly one leaf — malformed
//! input included (its "Malformed" and "Unparsed" leaves cover what was not read).
//! A decryptor that hands back the body minus an 8-octet IV and a 12-octet ICV drives
//! the SK plaintext path (garbage plaintext must be covered too).
#![no_main]

use ikelab_engine::wire::{
    Decrypted, Decryptor, Message, SkDecryptRequest, check_leaf_coverage, dissect_message,
};
use libfuzzer_sys::fuzz_target;

struct CopyDecryptor;

impl Decryptor for CopyDecryptor {
    fn decrypt_sk(&mut self, request: &SkDecryptRequest<'_>) -> Option<Decrypted> {
        let body = request.message.get(request.body.clone())?;
        Some(Decrypted {
            iv_len: 8,
            icv_len: 12,
            plaintext: body.get(8..body.len().checked_sub(12)?)?.to_vec(),
            note: String::new(),
        })
    }
}

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
    if let Err(err) = check_leaf_coverage(&dissection.fields, 0..data.len()) {
        panic!("leaf coverage broken: {err}");
    }
    let decrypted = dissect_message(data, Some(&mut CopyDecryptor));
    assert_eq!(decrypted.error, dissection.error);
    if let Err(err) = check_leaf_coverage(&decrypted.fields, 0..data.len()) {
        panic!("leaf coverage broken with a decryptor: {err}");
    }
});
