//! IKElab's engine: IKEv2 (RFC 7296) and ESP (RFC 4303), sans-IO.
//!
//! The engine never opens a socket, reads a clock, starts a thread or draws from the
//! operating system's random source. It is handed bytes, the current time and a
//! random number generator, and it hands back bytes, deadlines and events. That is
//! what lets the very same code run inside a browser tab (virtual clock, seeded RNG,
//! both peers in one page) and behind real UDP sockets in the native bridge.
#![forbid(unsafe_code)]

/// The engine's version, as compiled in. The browser lab's footer shows it, so a
/// student (and the browser test) can see which engine produced a trace.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub mod capture;
pub mod child;
pub mod config;
pub mod crypto;
pub mod event;
pub mod ike;
pub mod keylog;
pub mod proposal;
pub mod sim;
pub mod trace;
pub mod wire;

pub use ike::{ChildSaId, Datagram, Engine, EngineConfig, IkeSaId, Time};
