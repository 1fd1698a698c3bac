//! The one exit-code table of `ikelab` (mirrored in the README's "Exit codes").

use std::process::ExitCode;

/// Why `ikelab` stopped. Each variant is one row of the README's exit-code table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// 0: the command did what was asked.
    Success,
    /// 1: the command ran, but the outcome was a failure (for example its output
    /// could not be written, or a negotiation did not end as expected).
    Failure,
    /// 2: the command line itself is wrong (unknown option, missing argument).
    Usage,
    /// 3: an input file could not be read or is not what it claims to be.
    Input,
    /// 4: a simulated scenario ended differently from its `[expect]`.
    Unexpected,
}

impl Exit {
    pub(crate) const fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Failure => 1,
            Self::Usage => 2,
            Self::Input => 3,
            Self::Unexpected => 4,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        Self::from(exit.code())
    }
}
