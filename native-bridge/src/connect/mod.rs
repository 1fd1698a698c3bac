//! `ikelab connect CONFIG.toml --no-tun`: an IKEv2 initiator over real UDP.
//!
//! Loads the connection ([`config`]), binds the IKE and NAT-T sockets, and runs the
//! [`session`] on the runtime (one tokio task owning the engine). With `--keys DIR`
//! the Wireshark profile folder is written as keys appear; with `--trace FILE` the
//! trace is written at the end. A failure ends with the exit code of [`outcome`].
//!
//! `ikelab status` and `ikelab down` reach the session through the control socket
//! (`crate::control`), bound first: a second instance on the same path ends with
//! exit code 14 before it binds anything else.
//!
//! Without `--no-tun` the first CHILD SA opens the [`tunnel`](crate::tunnel): a TUN
//! device with the virtual IP, routes for the remote selectors, the gateway's DNS
//! servers; its packets travel as ESP directly in IP (protocol 50, a raw socket) where
//! no NAT is found and neither end asks for `encap`, else as ESP in UDP 4500 (RFC
//! 3948). A tunnel that cannot
//! be set up ends with exit code 12, after the IKE SA is deleted.

pub(crate) mod config;
mod outcome;
mod session;

use std::net::IpAddr;
use std::path::Path;

use ikelab_engine::config::PeerConfig;
use ikelab_engine::trace::TracePeer;

use crate::cli::ConnectArgs;
use crate::control::listener::ControlListener;
use crate::control::path::control_path;
use crate::exit::Exit;
use crate::runtime::capture::CaptureFile;
use crate::runtime::driver::{Driver, KeySinks};
use crate::runtime::log::{self, Verbosity};
use crate::runtime::raw_esp::RawEspSocket;
use crate::runtime::recording::Recording;
use crate::runtime::signals::StopSignals;
use crate::runtime::sockets::IkeSockets;
use crate::tunnel::TunnelOptions;

/// Our lane in the trace and the log.
const US: &str = "ikelab";
/// The gateway's lane (network records only).
const THEM: &str = "gateway";

/// Runs `ikelab connect`.
pub(crate) fn run(args: &ConnectArgs) -> Exit {
    log::init(Verbosity::from_flags(args.quiet, args.verbose));
    if !args.no_tun
        && let Err(message) = crate::tunnel::device::check_name(&args.tun_name)
    {
        return fail(Exit::Tunnel, &message);
    }
    let connection = match config::load(args) {
        Ok(c) => c,
        Err(problem) => return fail(problem.exit, &problem.message),
    };
    let runtime = match crate::runtime::start() {
        Ok(r) => r,
        Err(message) => return fail(Exit::Failure, &message),
    };
    runtime.block_on(connect(args, connection))
}

async fn connect(args: &ConnectArgs, connection: config::Connection) -> Exit {
    let config::Connection {
        mut peer,
        local,
        remote,
        nat_t,
    } = connection;
    let control = match ControlListener::bind_or_explain(&control_path(args.control.as_deref())) {
        Ok(c) => c,
        Err((exit, message)) => return fail(exit, &message),
    };
    tracing::info!("control socket {}", control.path().display());
    if let Some(dir) = control.path().parent() {
        for line in crate::tunnel::leftovers::undo(dir).lines {
            tracing::warn!("{line}");
        }
    }
    let tunnel = (!args.no_tun).then(|| TunnelOptions {
        name: args.tun_name.clone(),
        mtu: args.mtu,
        dns: !args.no_dns,
        state_dir: control
            .path()
            .parent()
            .map_or_else(std::env::temp_dir, Path::to_path_buf),
    });
    let sockets = match IkeSockets::bind(local, nat_t).await {
        Ok(s) => s,
        Err(e) => return fail(Exit::Bind, &e.describe()),
    };
    let esp = match &tunnel {
        Some(_) => plain_esp(&mut peer, local.ip()),
        None => None,
    };
    let signals = match StopSignals::install() {
        Ok(s) => s,
        Err(e) => return fail(Exit::Failure, &format!("cannot handle signals: {e}")),
    };
    let (keys, folder) = match KeySinks::for_run(args.keys.as_deref(), args.trace.is_some()) {
        Ok(sinks) => sinks,
        Err(message) => return fail(Exit::Failure, &message),
    };
    let peers = vec![
        TracePeer {
            name: US.to_owned(),
            addresses: vec![local.ip()],
        },
        TracePeer {
            name: THEM.to_owned(),
            addresses: vec![remote.ip()],
        },
    ];
    let mut driver = match Driver::new(
        sockets,
        esp,
        signals,
        control,
        keys,
        Recording::new(US, THEM, peers, args.trace.is_some()),
    ) {
        Ok(d) => d,
        Err(message) => return fail(Exit::Failure, &message),
    };
    if let Some(path) = &args.pcap {
        match CaptureFile::create(path) {
            Ok(capture) => driver.set_capture(capture),
            Err(message) => return fail(Exit::Failure, &message),
        }
    }
    tracing::info!(
        "IKE on UDP {}, NAT-T on UDP {}, gateway {remote}",
        driver.node().sockets().ike_addr(),
        driver.node().sockets().nat_t_addr()
    );
    let cx = outcome::Context {
        remote: Some(remote),
        ike_proposals: peer.proposals.clone(),
        esp_proposals: peer
            .children
            .iter()
            .map(|(name, child)| (name.to_owned(), child.esp_proposals.clone()))
            .collect(),
        proposal_decision: None,
    };
    // The connection's name in `status`: the configuration file's, as swanctl names
    // a connection by its section.
    let name = args
        .config
        .file_stem()
        .map_or_else(|| "ikelab".to_owned(), |s| s.to_string_lossy().into_owned());
    // With --reconnect a lost gateway is tried again, sooner after a working
    // connection than after a failed attempt.
    let mut failed_attempts: u32 = 0;
    let end = loop {
        let ike = match driver.initiate(&peer, remote) {
            Ok(id) => id,
            Err(message) => return fail(Exit::Config, &format!("cannot initiate: {message}")),
        };
        match session::run(&mut driver, ike, cx.clone(), &name, tunnel.as_ref()).await {
            session::End::Lost { failure, was_up } if args.reconnect => {
                failed_attempts = if was_up { 0 } else { failed_attempts + 1 };
                let delay = reconnect_delay(failed_attempts);
                tracing::warn!(
                    "{} Connecting again in {} s (--reconnect).",
                    failure.message,
                    delay.as_secs()
                );
                let until = driver.now() + delay;
                if let Some(end) = session::pause(&mut driver, until, &name).await {
                    break end;
                }
            }
            end => break end,
        }
    };
    let mut exit = match end {
        session::End::Closed => Exit::Success,
        session::End::Failed(failure) | session::End::Lost { failure, .. } => {
            fail(failure.exit, &failure.message)
        }
    };
    for message in driver.wrap_up(args.trace.as_deref(), folder.as_deref()) {
        exit = worse(exit, fail(Exit::Failure, &message));
    }
    exit
}

/// The raw socket for plain ESP (IP protocol 50), which a CHILD SA uses when no NAT
/// is found and neither end asks for `encap` (RFC 7296 §2.23). Without CAP_NET_RAW,
/// or with `encap = yes`, there is none: then `encap` is set for the run, so both
/// ends put ESP in UDP 4500 (RFC 3948) even without a NAT.
fn plain_esp(peer: &mut PeerConfig, local: IpAddr) -> Option<RawEspSocket> {
    if peer.encap {
        tracing::info!("ESP goes in UDP 4500 (RFC 3948): `encap = yes`");
        return None;
    }
    match RawEspSocket::open(local) {
        Ok(socket) => {
            tracing::info!(
                "ESP goes as IP protocol 50 (a raw socket on {local}) unless a NAT is found, \
                 then in UDP 4500 (RFC 3948)"
            );
            Some(socket)
        }
        Err(e) => {
            tracing::warn!(
                "{}; ESP goes in UDP 4500 (RFC 3948) even without a NAT: `encap = yes` for \
                 this run",
                e.describe()
            );
            peer.encap = true;
            None
        }
    }
}

/// How long `--reconnect` waits before attempt `failed + 1`: 1 s after a working
/// connection, then doubling with each failed attempt up to 30 s.
fn reconnect_delay(failed: u32) -> std::time::Duration {
    std::time::Duration::from_secs((1u64 << failed.min(5)).min(30))
}

/// Prints `message` (on standard error, plain) and returns `exit`.
fn fail(exit: Exit, message: &str) -> Exit {
    eprintln!("ikelab connect: {message}");
    exit
}

/// The first failure stays the exit code; an output failure spoils a success.
fn worse(current: Exit, new: Exit) -> Exit {
    if current == Exit::Success {
        new
    } else {
        current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnect_backs_off_to_thirty_seconds() {
        let delays: Vec<u64> = (0..8).map(|n| reconnect_delay(n).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 30, 30, 30]);
    }
}
