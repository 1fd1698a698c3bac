//! Our sans-IO `Engine` over real UDP sockets, against strongSwan, in network namespaces.
//!
//! The engine owns no socket and no clock, and this crate forbids `unsafe` (so no
//! `setns(2)` from a test thread). The driver is therefore a separate small program,
//! `engine-peer` (`tests/src/bin/engine_peer.rs`, built with `--features interop`),
//! started inside a namespace with `ip netns exec NS engine-peer …` through the
//! [`Lab`](crate::interop::netns::Lab), which stops it with the namespace:
//!
//! - it reads a `PeerConfig` TOML file (the engine's configuration format), binds UDP
//!   500 and 4500 on one given address, and either initiates with that configuration or
//!   answers with it ([`options`]: the command line);
//! - it runs the engine on the bridge's runtime (`ikelab_bridge::runtime::node`, the
//!   same sockets, clock and OS random source as `ikelab connect`: one way to run the
//!   engine over sockets), with a raw socket for plain ESP given `--plain-esp`
//!   ([`run`]);
//! - it writes one JSON object per line, flushed as written, to a record file: `ready`
//!   once the sockets are bound, then every engine `Event` (with its `describe()` line),
//!   socket errors, and `finished` if it stops by itself ([`record`]);
//! - ESP (in UDP on 4500, or plain) goes to `Engine::open`; with `--answer-pings` it
//!   answers the echo requests inside, and with `--ping` it sends ICMP echo
//!   requests from its virtual IP through the first CHILD SA, opens the replies and
//!   replays one of them into its window ([`esp`], [`icmp`]); [`keys`] turns the key-log
//!   events into a Wireshark profile folder.
//!
//! The test side ([`peer::EnginePeer`]) writes the configuration, starts the program,
//! waits for `ready` and polls the record file for events. [`session::EngineSession`]
//! adds the namespaces ([`scenario`]: who initiates, direct or through a MASQUERADE
//! router), a capture, charon with a matching swanctl.conf, and a tidy end;
//! [`agree`] compares our events with `swanctl --list-sas` and charon's key log.
//!
//! ```no_run
//! use ikelab_tests::interop::engine_driver::{EngineSession, Initiator, RunSpec};
//! # fn main() -> ikelab_tests::interop::Result<()> {
//! # let binary = std::path::Path::new("target/debug/engine-peer");
//! let spec = RunSpec::new("aes256gcm16-prfsha256-x25519", "aes256gcm16");
//! let mut session = EngineSession::start("demo", Initiator::Engine, false, spec)?;
//! let engine = session.start_engine(binary)?; // initiates at once
//! // engine.wait_for(…); session.charon_established(…); agree::ike_sa_agrees(…)
//! let artifacts = session.finish(Some(&engine))?;
//! # let _ = artifacts;
//! # Ok(())
//! # }
//! ```

pub mod agree;
pub mod esp;
#[cfg(test)]
mod esp_tests;
pub mod icmp;
pub mod keys;
pub mod options;
pub mod peer;
pub mod record;
pub mod run;
pub mod scenario;
pub mod session;

pub use options::{DriverMode, DriverOptions, PingOptions};
pub use peer::EnginePeer;
pub use record::DriverRecord;
pub use run::run;
pub use scenario::{Addressing, Initiator, RunSpec, Topology};
pub use session::{EngineSession, SessionArtifacts};
