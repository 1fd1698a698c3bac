//! The runtime: the sans-IO engine behind real UDP sockets, the real clock, the OS
//! random source and the process's signals.
//!
//! quinn-proto's loop, on one tokio task that owns the [`Engine`](ikelab_engine::Engine):
//! after every `initiate`, `handle_datagram` and `handle_timeout`, send everything
//! `poll_transmit` returns, drain everything `poll_event` returns, and sleep until the
//! next datagram, the engine's `poll_timeout`, a signal or a request on the control
//! socket (`crate::control`), whichever comes first ([`driver::Driver`]). The engine never touches a socket, a clock or the OS random
//! source: this module hands it bytes ([`sockets`]), time ([`clock`]) and randomness
//! (`getrandom`'s `SysRng`, in [`driver`]).
//!
//! What the run did is recorded as an `ikelab-trace/2` trace of source `bridge`
//! ([`recording`]): this peer's events, and what crossed its sockets as network
//! records.

pub(crate) mod capture;
pub(crate) mod clock;
pub(crate) mod data_path;
pub(crate) mod driver;
pub(crate) mod log;
pub(crate) mod recording;
pub(crate) mod signals;
pub(crate) mod sockets;
