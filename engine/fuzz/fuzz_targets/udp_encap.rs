//! Port-4500 classification (RFC 3948) and ESP parsing on arbitrary bytes: never
//! panics, what parses round-trips, and dissections without error cover every octet.
#![no_main]

use ikelab_engine::wire::check_leaf_coverage;
use ikelab_engine::wire::esp::{EspPacket, EspPlaintext, dissect_esp};
use ikelab_engine::wire::udp_encap::{Udp4500Payload, dissect_udp_4500};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(payload) = Udp4500Payload::parse(data) {
        let mut out = Vec::new();
        payload.emit(&mut out);
        assert_eq!(out, data, "{payload:?} does not round-trip");
    }
    let dissection = dissect_udp_4500(data, None, None, None);
    assert_eq!(dissection.length, data.len());
    if dissection.error.is_none()
        && let Err(err) = check_leaf_coverage(&dissection.fields, 0..data.len())
    {
        panic!("UDP 4500 dissection: {err}");
    }

    if let Ok(packet) = EspPacket::parse(data) {
        let mut out = Vec::new();
        packet.emit(&mut out);
        assert_eq!(out, data);
        let dissection = dissect_esp(data, None, None);
        assert!(dissection.error.is_none() || data.len() == 8);
        check_leaf_coverage(&dissection.fields, 0..data.len()).expect("ESP dissection coverage");
    }
    // Read as decrypted ESP content: the three parts add up to the whole.
    if let Ok(plaintext) = EspPlaintext::parse(data) {
        assert_eq!(
            plaintext.payload.len() + plaintext.padding.len() + EspPlaintext::TRAILER_LEN,
            data.len()
        );
    }
});
