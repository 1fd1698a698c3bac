//! Errors of the engine's commands (API misuse and unusable configurations). What
//! goes wrong on the wire is never an error of a call: it is an event.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::config::ConfigErrors;
use crate::crypto::CryptoError;

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EngineError {
    /// A configuration the engine cannot run: a responder configuration (its
    /// position in `EngineConfig::responder`) or, with `None`, the one given to
    /// `initiate`. Every problem is listed with its key path.
    Config {
        responder: Option<usize>,
        errors: ConfigErrors,
    },
    /// `initiate` needs a single address in this list (`local_addrs` /
    /// `remote_addrs`); use `initiate_from` to give the addresses directly.
    NoAddress { which: AddressList },
    /// None of the IKE proposals names a key exchange group the crypto provider
    /// implements.
    NoKeyExchangeGroup,
    /// The crypto provider failed (a random source that keeps producing invalid
    /// private keys).
    Crypto(CryptoError),
}

/// One of a configuration's address lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressList {
    /// `local_addrs`.
    LocalAddrs,
    /// `remote_addrs`.
    RemoteAddrs,
}

impl fmt::Display for AddressList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::LocalAddrs => "local_addrs",
            Self::RemoteAddrs => "remote_addrs",
        })
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config { responder, errors } => {
                match responder {
                    Some(i) => write!(f, "responder configuration {i}: ")?,
                    None => f.write_str("configuration: ")?,
                }
                let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
                f.write_str(&lines.join("; "))
            }
            Self::NoAddress { which } => write!(
                f,
                "{which} holds no single address to use (a subnet, a range or %any cannot be sent to)"
            ),
            Self::Crypto(e) => write!(f, "crypto provider: {e}"),
            Self::NoKeyExchangeGroup => f.write_str(
                "no IKE proposal names a key exchange group this crypto provider implements",
            ),
        }
    }
}

impl std::error::Error for EngineError {}
