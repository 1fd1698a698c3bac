//! Wire-format tests: fixed vectors (captured and hand-built), round trips, construct
//! tests, one test per error kind, leaf coverage of every dissection, and properties.

mod coverage;
mod malformed;
mod props;
mod roundtrip;
mod vectors;
