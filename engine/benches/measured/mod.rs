//! What the benchmarks measure, shared by `benches/handshake.rs`, `benches/esp.rs` and
//! the callgrind harness `examples/profile_hot_paths.rs` (included by path), so all
//! three run the very same code. Each user takes part of it, hence the `dead_code`
//! allowance where it is included.

pub(crate) mod handshake;
pub(crate) mod tunnel;
