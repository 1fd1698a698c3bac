//! Wire-format tests: fixed vectors (captured and hand-built), round trips, construct
//! tests, one test per error kind, leaf coverage of every dissection, and properties.

mod coverage;
mod malformed;
#[cfg(not(target_arch = "wasm32"))] // proptest is native-only
mod props;
mod roundtrip;
mod vectors;
