//! SIGINT and SIGTERM: the request to end the session (which then sends DELETE,
//! RFC 7296 §1.4.1, before the process exits).

use std::io;

use tokio::signal::unix::{Signal, SignalKind, signal};

/// The two signals that end a session.
#[derive(Debug)]
pub(crate) struct StopSignals {
    interrupt: Signal,
    terminate: Signal,
}

impl StopSignals {
    /// Installs the handlers (from now on the signals no longer kill the process).
    pub(crate) fn install() -> io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// Waits for the next one; returns its name.
    pub(crate) async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.terminate.recv() => "SIGTERM",
        }
    }
}
