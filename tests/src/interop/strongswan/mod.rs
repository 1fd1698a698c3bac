//! strongSwan 5.9.8 as a real peer: configuration files, the charon daemon, swanctl, and
//! charon's log read as an oracle (key derivation, message summaries).

mod charon;
pub mod config;
pub mod filelog;
pub mod vici;

pub use charon::{CHARON_PATH, Charon};
pub use config::{
    AuthRound, ChildConfig, Connection, IkeSecret, Pool, StrongswanConf, SwanctlConf,
};
pub use filelog::{ChildKeyLog, IkeKeyLog};
pub use vici::{ChildSaStatus, IkeSaStatus};
