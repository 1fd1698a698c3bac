//! The log: charon-like lines on standard error, through `tracing`.
//!
//! Each line is a trace record's `describe()` (time since start, peer, and the
//! engine's own words), as `ikelab sim` prints its transcript. Default level: the
//! lines `ikelab sim` shows; `-v` adds timer changes and every datagram on the
//! sockets; `-q` keeps warnings and errors only.

use tracing::Level;

/// How much to log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

impl Verbosity {
    /// From a command's `-q` and `-v` flags (clap makes them exclusive).
    pub(crate) const fn from_flags(quiet: bool, verbose: bool) -> Self {
        if quiet {
            Self::Quiet
        } else if verbose {
            Self::Verbose
        } else {
            Self::Normal
        }
    }
}

/// Installs the subscriber (once per process; a second call changes nothing).
pub(crate) fn init(verbosity: Verbosity) {
    let level = match verbosity {
        Verbosity::Quiet => Level::WARN,
        Verbosity::Normal => Level::INFO,
        Verbosity::Verbose => Level::DEBUG,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .with_level(false)
        .try_init();
}
