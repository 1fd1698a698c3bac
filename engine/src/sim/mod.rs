//! Deterministic simulation: engines, a virtual clock and a virtual network.
//!
//! This is the seed of the simulator (scenarios, NAT boxes with mapping timeouts,
//! firewalls, pcap export come with the simulator's own work): a two-peer [`Pair`]
//! driver in the manner of quinn-proto's test `Pair`, over a [`Link`] with latency,
//! jitter, loss, duplication and reordering drawn from a seeded generator, and an
//! optional [`Nat`] in front of one peer. The same engines, seeds and link give the
//! same bytes every run, natively and in WASM.

mod link;
mod nat;
mod pair;

pub use link::{Link, LinkConfig, SplitMix64};
pub use nat::Nat;
pub use pair::{Pair, Side, WireFate, WireRecord};
