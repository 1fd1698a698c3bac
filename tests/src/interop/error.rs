//! One error type for the whole interop harness.
//!
//! Every variant says what was attempted and what the machine answered, so a failing interop
//! test reads as a diagnosis (missing package, not root, a command's stderr, a charon log tail)
//! rather than a bare `Err`.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Result alias used throughout [`crate::interop`].
pub type Result<T> = std::result::Result<T, InteropError>;

/// What went wrong while preparing or running an interop scenario.
pub enum InteropError {
    /// The test must run as root (network namespaces, raw captures, charon).
    NotRoot {
        /// The effective user id found in `/proc/self/status`.
        euid: u32,
    },
    /// A program or plugin the harness needs is not installed.
    MissingTool {
        /// The program or file that was looked for.
        what: String,
        /// The Debian package that provides it.
        package: &'static str,
    },
    /// A command could not be started at all.
    Spawn {
        /// The command line.
        command: String,
        /// Why it could not start.
        source: std::io::Error,
    },
    /// A command ran and exited unsuccessfully.
    CommandFailed {
        /// The command line.
        command: String,
        /// Its exit status, as the OS reported it.
        status: String,
        /// Its standard output.
        stdout: String,
        /// Its standard error.
        stderr: String,
    },
    /// Something did not happen within its time budget.
    Timeout {
        /// What was being waited for.
        what: String,
        /// How long the harness waited.
        waited: Duration,
        /// Whatever helps explain it (log tails, partial output).
        detail: String,
    },
    /// A process the harness started exited before it was asked to.
    ExitedEarly {
        /// Which process.
        what: String,
        /// Its exit status.
        status: String,
        /// Its output or log tail.
        detail: String,
    },
    /// Output of a tool (tshark, swanctl, a charon log) did not have the expected shape.
    Parse {
        /// What was being parsed.
        what: String,
        /// Where and why parsing stopped.
        detail: String,
    },
    /// A harness input was rejected before anything ran (e.g. a config value with a newline).
    InvalidInput {
        /// What was wrong.
        detail: String,
    },
    /// A file system operation failed.
    Io {
        /// The path involved.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Clean-up left something behind (a namespace that would not go away, a live process).
    Cleanup {
        /// What is left, one item per entry.
        leftovers: Vec<String>,
    },
}

impl InteropError {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// A parse error about `what`.
    pub fn parse(what: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Parse {
            what: what.into(),
            detail: detail.into(),
        }
    }
}

impl fmt::Display for InteropError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotRoot { euid } => write!(
                f,
                "interop tests must run as root (effective uid is {euid}): they create network \
                 namespaces, run charon and capture packets"
            ),
            Self::MissingTool { what, package } => write!(
                f,
                "{what} is missing: install the Debian package `{package}` \
                 (cargo xtask test installs the interop packages)"
            ),
            Self::Spawn { command, source } => write!(f, "could not start `{command}`: {source}"),
            Self::CommandFailed {
                command,
                status,
                stdout,
                stderr,
            } => write!(
                f,
                "`{command}` failed ({status})\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
            ),
            Self::Timeout {
                what,
                waited,
                detail,
            } => write!(f, "timed out after {waited:?} waiting for {what}\n{detail}"),
            Self::ExitedEarly {
                what,
                status,
                detail,
            } => write!(f, "{what} exited unexpectedly ({status})\n{detail}"),
            Self::Parse { what, detail } => write!(f, "cannot parse {what}: {detail}"),
            Self::InvalidInput { detail } => write!(f, "invalid harness input: {detail}"),
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Cleanup { leftovers } => {
                write!(f, "clean-up left things behind: {}", leftovers.join("; "))
            }
        }
    }
}

/// `Debug` prints the same diagnosis as `Display`, so `.unwrap()` and `.expect()` in tests show
/// the readable message rather than a struct dump.
impl fmt::Debug for InteropError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for InteropError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Spawn { source, .. } | Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
