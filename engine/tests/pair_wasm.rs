//! The two-peer handshake on wasm32-unknown-unknown (under node with
//! wasm-bindgen-test-runner): the engine needs no clock and no OS randomness there,
//! and a seeded run gives the same bytes twice.
//!
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=<wasm-bindgen-test-runner> \
//!  cargo test -p ikelab-engine --target wasm32-unknown-unknown --test pair_wasm`
#![cfg(target_arch = "wasm32")]

mod ike_support;

use core::time::Duration;

use ike_support::*;
use ikelab_engine::ike::SaState;
use ikelab_engine::sim::LinkConfig;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn handshake_over_a_lossy_link_in_wasm() {
    let run = || {
        let link = LinkConfig {
            loss: 0.2,
            duplicate: 0.05,
            reorder: 0.05,
            reorder_delay: Duration::from_millis(30),
            ..LinkConfig::default()
        };
        let (mut pair, id) = pair_with(&config(INITIATOR), config(RESPONDER), link, 3);
        pair.drive_until(Duration::from_secs(30));
        assert_eq!(
            state(&pair.a, id),
            Some(SaState::Established),
            "{}",
            transcript(&pair.a_events)
        );
        let a: Vec<_> = pair.a.child_sas().map(|c| c.keys().clone()).collect();
        let b: Vec<_> = pair.b.child_sas().map(|c| c.keys().clone()).collect();
        assert_eq!(a, b);
        pair.wire
            .iter()
            .map(|w| w.datagram.payload.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}
