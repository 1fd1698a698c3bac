//! The interop harness: real peers (strongSwan 5.9.8), real packets, in network namespaces.
//!
//! Used by the `interop` test layer (`tests/tests/interop_*.rs`, built only with
//! `--features interop`, run as root, one test at a time:
//! `cargo test -p ikelab-tests --features interop --test 'interop_*' -- --test-threads=1`).
//! The parsers in here (charon logs, swanctl output, tshark JSON, pcap record counting) are
//! plain code with unit tests that run in the ordinary unit layer.
//!
//! - [`netns`]: namespaces, veth links, addresses, routes, a MASQUERADE router, and the
//!   [`netns::Lab`] guard that removes them (and kills what runs in them) even on panic.
//! - [`strongswan`]: strongswan.conf/swanctl.conf from Rust structs, charon in its own
//!   network and mount namespace, swanctl over vici, `--list-sas` parsed, and charon's log
//!   read as an oracle (key derivation, message summaries).
//! - [`capture`]: tcpdump in a namespace, stopped cleanly.
//! - [`tshark`]: tshark on a capture (`-T fields`, `-T json`), optionally with a Wireshark
//!   profile folder for decryption tables, and [`tshark::ike_messages`], the reference list
//!   of IKE messages that `ikelab dissect --json` is compared with.
//! - [`pair`]: a whole strongSwan ↔ strongSwan exchange, captured, with its key oracle.
//! - [`engine_driver`]: our `Engine` over real UDP 500/4500 (the `engine-peer` program)
//!   against charon, and the checks that both sides agree.
//! - [`gateway_lab`]: a gateway, its protected host and several clients (strongSwan road
//!   warriors, `ikelab connect`, one behind a NAT) on one bridge, for `ikelab listen`.
//!
//! Missing tools or a non-root user make every entry point fail with the package to
//! install ([`preflight`]); nothing is skipped silently.
//!
//! A test against strongSwan typically looks like this (see `pair.rs` for the full flow):
//!
//! ```no_run
//! use ikelab_tests::interop::{netns::Lab, preflight, strongswan::Charon, workdir::WorkDir};
//!
//! # fn main() -> ikelab_tests::interop::Result<()> {
//! preflight::require_interop_environment()?; // root + packages, or a clear error
//! let dir = WorkDir::new("mytest")?; // removed on drop
//! let mut lab = Lab::new("mytest")?; // namespaces removed on drop, even on panic
//! let (ours, gw) = (lab.add_netns("ours")?, lab.add_netns("gw")?);
//! lab.link((&ours, "to-gw", "192.0.2.2/24"), (&gw, "to-ours", "192.0.2.1/24"))?;
//! let charon = Charon::start(&gw, &dir.join("gw"), |conf| conf.log_level("enc", 2))?;
//! // charon.load_all(&swanctl_conf)?; drive our engine from `ours`; charon.list_sas()?; …
//! let log = charon.stop()?;
//! # let _ = log;
//! lab.close()?; // or just let it drop
//! # Ok(())
//! # }
//! ```

pub mod capture;
pub mod cmd;
pub mod connect_tunnel;
pub mod engine_crypto;
pub mod engine_driver;
pub mod error;
pub mod gateway_lab;
pub mod netns;
pub mod pair;
pub mod preflight;
pub mod strongswan;
pub mod tshark;
pub mod workdir;

pub use error::{InteropError, Result};
