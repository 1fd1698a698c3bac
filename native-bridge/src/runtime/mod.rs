//! The runtime: the sans-IO engine behind real UDP sockets, a raw socket for plain
//! ESP, the real clock, the OS random source and the process's signals.
//!
//! quinn-proto's loop, on one tokio task that owns the [`Engine`](ikelab_engine::Engine):
//! after every `initiate`, `handle_datagram` and `handle_timeout`, send everything
//! `poll_transmit` returns, drain everything `poll_event` returns, and sleep until the
//! next datagram, the engine's `poll_timeout`, a signal or a request on the control
//! socket (`crate::control`), whichever comes first. The engine never touches a
//! socket, a clock or the OS random source: [`node::Node`] hands it bytes
//! ([`sockets`], [`raw_esp`]), time (`clock`) and randomness (`getrandom`'s
//! `SysRng`); `driver` adds what `ikelab connect` needs around it (signals, the
//! control socket, the tunnel, the capture and the trace).
//!
//! What the run did is recorded as an `ikelab-trace/2` trace of source `bridge`
//! (`recording`): this peer's events, and what crossed its sockets as network
//! records.

pub(crate) mod capture;
pub(crate) mod clock;
pub(crate) mod data_path;
pub(crate) mod driver;
pub(crate) mod log;
pub mod node;
pub mod raw_esp;
pub(crate) mod recording;
pub(crate) mod signals;
pub mod sockets;

/// The tokio runtime a session runs on: one thread, I/O and timers (the engine is
/// owned by one task). The error is the sentence to print.
pub(crate) fn start() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}
