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
    /// 5: `connect`'s, `listen`'s or a `reload`'s configuration is invalid (its key
    /// and the reason are printed).
    Config,
    /// 6: `connect` or `listen` could not bind a local UDP port (in use, or not
    /// permitted).
    Bind,
    /// 7: the gateway did not answer within the retransmission budget (RFC 7296 §2.4).
    Unreachable,
    /// 8: authentication failed: the gateway sent AUTHENTICATION_FAILED, or its AUTH
    /// payload did not verify (RFC 7296 §2.15).
    AuthenticationFailed,
    /// 9: NO_PROPOSAL_CHOSEN, for the IKE SA or the CHILD SA (RFC 7296 §2.7).
    NoProposalChosen,
    /// 10: TS_UNACCEPTABLE (RFC 7296 §2.9).
    TsUnacceptable,
    /// 11: FAILED_CP_REQUIRED (RFC 7296 §3.10.1).
    CpRequired,
    /// 12: `connect` or `listen`: the tunnel could not be set up or failed (the TUN
    /// device, a route or the DNS settings; the reason is printed). The IKE SAs are
    /// deleted.
    Tunnel,
    /// 13: `status`, `down` or `reload`: no instance answers on the control socket.
    NoInstance,
    /// 14: `connect` or `listen`: another instance runs on the same control socket.
    AlreadyRunning,
}

impl Exit {
    pub(crate) const fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Failure => 1,
            Self::Usage => 2,
            Self::Input => 3,
            Self::Unexpected => 4,
            Self::Config => 5,
            Self::Bind => 6,
            Self::Unreachable => 7,
            Self::AuthenticationFailed => 8,
            Self::NoProposalChosen => 9,
            Self::TsUnacceptable => 10,
            Self::CpRequired => 11,
            Self::Tunnel => 12,
            Self::NoInstance => 13,
            Self::AlreadyRunning => 14,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        Self::from(exit.code())
    }
}
