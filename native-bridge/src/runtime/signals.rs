//! SIGINT and SIGTERM: the request to end the session (which then sends DELETE,
//! RFC 7296 §1.4.1, before the process exits); and for a gateway SIGHUP, the request
//! to re-read its configuration (as charon's `swanctl --load-all` after SIGHUP).

use std::io;

use tokio::signal::unix::{Signal, SignalKind, signal};

/// What a signal asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Asked {
    /// End the session (the signal's name: SIGINT or SIGTERM).
    Stop(&'static str),
    /// SIGHUP: re-read the configuration file.
    Reload,
}

/// The signals a session answers.
#[derive(Debug)]
pub(crate) struct StopSignals {
    interrupt: Signal,
    terminate: Signal,
    /// Only a gateway reloads; without it SIGHUP keeps its default (it ends the
    /// process).
    hangup: Option<Signal>,
}

impl StopSignals {
    /// Installs the handlers for SIGINT and SIGTERM (from now on they no longer kill
    /// the process).
    pub(crate) fn install() -> io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            hangup: None,
        })
    }

    /// [`install`](Self::install), and SIGHUP as the request to reload.
    pub(crate) fn install_with_reload() -> io::Result<Self> {
        let mut signals = Self::install()?;
        signals.hangup = Some(signal(SignalKind::hangup())?);
        Ok(signals)
    }

    /// Waits for the next signal (cancel-safe).
    pub(crate) async fn next(&mut self) -> Asked {
        tokio::select! {
            _ = self.interrupt.recv() => Asked::Stop("SIGINT"),
            _ = self.terminate.recv() => Asked::Stop("SIGTERM"),
            () = next_hangup(&mut self.hangup) => Asked::Reload,
        }
    }
}

async fn next_hangup(hangup: &mut Option<Signal>) {
    match hangup {
        Some(signal) => {
            signal.recv().await;
        }
        None => std::future::pending().await,
    }
}
