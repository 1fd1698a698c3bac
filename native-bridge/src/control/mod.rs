//! The control socket: how `ikelab status`, `ikelab down` and `ikelab reload` reach
//! a running `ikelab connect` or `ikelab listen`.
//!
//! # Where
//!
//! A Unix domain socket ([`path`]): `--control PATH` where given; otherwise
//! `$XDG_RUNTIME_DIR/ikelab/ikelab.sock`, else `/run/ikelab/ikelab.sock` for root,
//! else `/tmp/ikelab-UID/ikelab.sock`. The directory is created with mode 0700 when
//! `connect` creates it (the default `ikelab` directories are set to 0700 even when
//! they exist), the socket is set to 0600: only its owner (and root) may talk to it.
//! `connect` removes it on exit.
//!
//! A socket file whose instance was killed (SIGKILL, a crash) stays behind. `connect`
//! tells it from a live one by connecting to it: refused (nobody listens) means
//! stale, and the file is removed and bound anew; accepted means another instance
//! runs there, and `connect` ends with exit code 14 ([`listener`]).
//!
//! # Protocol
//!
//! One request line (ASCII, ending in `\n`, at most 64 octets), then the answer as
//! plain text until the instance closes the connection:
//!
//! - `status\n` — the IKE and CHILD SAs in the shape of `swanctl --list-sas`
//!   ([`status_text`]), then the instance closes.
//! - `down\n` — `deleting the IKE SA\n` (a gateway: `deleting the IKE SAs`); the
//!   instance then ends as on SIGTERM (DELETE, RFC 7296 §1.4.1, at most 2 s for the
//!   answer, the trace written) and the connection closes when the process exits:
//!   end-of-file is the confirmation.
//! - `reload\n` — `ikelab listen` only: re-reads its configuration file and answers
//!   what changed (`reloaded: added 'c', removed 'b', 1 unchanged\n`), or
//!   `invalid: ` and every problem of the file, a line each, when it refuses it (the
//!   running configuration stays). `ikelab connect` answers `error: ...`.
//! - anything else — `error: ...\n`, then the instance closes.
//!
//! The engine stays owned by one task: connections are accepted and their request
//! line read on tasks of their own ([`listener`]), which hand the request to the
//! driver's loop through a channel; the driver answers between engine calls.

pub(crate) mod client;
pub(crate) mod listener;
pub(crate) mod path;
pub(crate) mod status_text;

mod algorithms;

/// A request line's verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Request {
    /// `status`: list the SAs.
    Status,
    /// `down`: end the instance.
    Down,
    /// `reload`: a gateway re-reads its configuration file.
    Reload,
}

impl Request {
    /// The request line (without its `\n`).
    pub(crate) const fn line(self) -> &'static str {
        match self {
            Self::Status => "status",
            Self::Down => "down",
            Self::Reload => "reload",
        }
    }

    /// Reads a request line (surrounding white space ignored).
    pub(crate) fn parse(line: &str) -> Option<Self> {
        match line.trim() {
            "status" => Some(Self::Status),
            "down" => Some(Self::Down),
            "reload" => Some(Self::Reload),
            _ => None,
        }
    }
}

/// The first answer line to `down`.
pub(crate) const DOWN_ACCEPTED: &str = "deleting the IKE SA";

/// How a gateway's answer to `reload` starts when it refuses the file (the rest
/// names each problem); `ikelab reload` then exits with code 5.
pub(crate) const RELOAD_REFUSED: &str = "invalid:";

#[cfg(test)]
mod tests {
    use super::Request;

    #[test]
    fn a_request_line_reads_back() {
        for request in [Request::Status, Request::Down, Request::Reload] {
            assert_eq!(Request::parse(request.line()), Some(request));
            assert_eq!(
                Request::parse(&format!("{}\n", request.line())),
                Some(request)
            );
        }
        assert_eq!(Request::parse("reboot"), None);
    }
}
