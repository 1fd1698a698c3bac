//! The engine on wasm32-unknown-unknown, under node (`cargo xtask test --layer wasm`).
//!
//! The browser lab runs this same engine; these cases prove it behaves there as it
//! does natively: no clock, no OS randomness, same bytes.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn engine_version_is_compiled_in() {
    assert_eq!(ikelab_engine::VERSION, env!("CARGO_PKG_VERSION"));
}
