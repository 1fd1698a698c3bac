//! Deterministic simulation: engines, a virtual clock and a virtual network.
//!
//! - [`Pair`]: the minimal two-peer driver of the engine's tests, in the manner of
//!   quinn-proto's test `Pair`, built from the simulator's pieces: a [`Link`], an
//!   optional [`NatBox`], the run-wide flight numbering.
//! - The scenario simulator: a [`Scenario`] (a TOML file of `assets/scenarios/`,
//!   bundled at build time: [`library`]) names two [`PeerConfig`](crate::config::PeerConfig)s,
//!   a network (per-direction links with latency, jitter, loss, duplication,
//!   reordering and an MTU; a [`NatBox`] with mapping timeouts and rebinding; a
//!   [`Firewall`]), a calendar time, a script of actions over virtual time and what
//!   must come out (`[expect]`). [`run`] plays it and returns a
//!   [`Trace`](crate::trace::Trace) with every engine event and every network event
//!   ([`NetworkEvent`]: transmissions, drops with their cause, NAT rewrites,
//!   duplicates) and each peer's final state; [`SimRun::check`] compares it with
//!   `[expect]`. [`export`] turns a run into a pcap and Wireshark key tables.
//! - Keys: each engine gets a key log (`crate::keylog`) whose records go into the
//!   trace as that peer's key events, in order with its other events (the lab shows
//!   keys); [`SimOptions`] turns that off (no secret in the trace, nor anywhere
//!   outside the engines) or adds a driver's own key log (`ikelab sim --keys DIR`).
//! - ESP traffic (`ping`, `stream`, `replay_esp`): each peer has a small inner host
//!   behind its CHILD SAs (`inner_host`) that sends echo requests or UDP datagrams
//!   and answers echo requests; packets are sealed with `Engine::seal`, carried
//!   over the same links as IKE (plain ESP as IP protocol 50, [`WireProtocol::Esp`],
//!   or in UDP 4500), classified at the receiver (`Udp4500Payload`) and opened
//!   with `Engine::open`; the trace records what was sealed, opened (with the
//!   inner packet in one line) and refused (with the `EspError`).
//!
//! The same scenario and seed give the same bytes, every time, natively and in WASM:
//! engines draw from seeded ChaCha20 generators and always use the pure-Rust crypto
//! provider, links from seeded SplitMix64 generators, and nothing depends on a
//! clock, a hash map's order or a thread.

mod drain;
pub mod expect;
mod firewall;
pub mod fixtures;
mod inner_host;
pub mod library;
mod link;
mod nat_box;
mod network;
mod node;
mod pair;
pub mod scenario;
pub mod script;
mod script_de;
mod simulator;
mod target;
pub mod transcript;

pub use crate::wire::ip::InnerKind;
pub use expect::{Expect, ExpectedIkeSa, NetworkExpect, PeerExpect, PeerOutcome};
pub use firewall::Firewall;
pub use link::{Link, LinkConfig, LinkFate, SplitMix64};
pub use nat_box::NatBox;
// The network records and the exports live beside the trace; re-exported here so
// the simulator's users keep their paths.
pub use crate::trace::export;
pub use crate::trace::network::{DropCause, NatDirection, NetworkEvent, WireProtocol};
pub use pair::{Pair, Side, WireFate, WireRecord};
pub use scenario::{Scenario, ScenarioError, UnixTime};
pub use script::{Action, ScriptStep};
pub use simulator::{SimOptions, SimRun, Simulator, run, run_with};
