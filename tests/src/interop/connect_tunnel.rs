//! `ikelab connect` in the client's network namespace of an [`EngineSession`] (a
//! strongSwan gateway in the other): its configuration from the session's spec, its
//! log, the namespace's own `/etc/resolv.conf` (`ip netns exec` mounts
//! `/etc/netns/NAME/resolv.conf`), and the namespace's routing tables.

use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use super::cmd::CmdOutput;
use super::engine_driver::scenario::engine_config;
use super::engine_driver::{EngineSession, Initiator, RunSpec};
use crate::ikelab_bin;
use ikelab_engine::config::PeerConfig;

/// The DNS server the gateway's pool hands out.
pub const GATEWAY_DNS: &str = "203.0.113.53";
/// The client's resolv.conf before the tunnel.
pub const RESOLV_BEFORE: &str = "nameserver 192.0.2.99\nsearch lab.example\n";
/// The device name we ask for (the kernel fills in the number).
pub const TUN_NAME: &str = "ikelab%d";
/// How long ikelab gets to reach a line of its log.
pub const UP_TIMEOUT: Duration = Duration::from_secs(20);

/// `/etc/netns/NAME/resolv.conf`, which `ip netns exec NAME` mounts over
/// `/etc/resolv.conf`; removed with its folder when dropped.
#[derive(Debug)]
pub struct NetnsResolvConf {
    dir: PathBuf,
}

impl NetnsResolvConf {
    /// Writes `text` as the namespace's resolv.conf.
    pub fn create(netns: &str, text: &str) -> Self {
        let dir = Path::new("/etc/netns").join(netns);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        std::fs::write(dir.join("resolv.conf"), text).unwrap();
        Self { dir }
    }

    /// The namespace's resolv.conf now.
    pub fn text(&self) -> String {
        std::fs::read_to_string(self.dir.join("resolv.conf")).unwrap_or_default()
    }
}

impl Drop for NetnsResolvConf {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Waits until `log` holds `needle`; panics with the log if `ikelab` ends first or
/// the time runs out.
pub fn wait_for_log(log: &Path, needle: &str, pid: u32) -> String {
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.contains(needle) {
            return text;
        }
        let alive = Path::new(&format!("/proc/{pid}")).exists();
        assert!(
            alive && started.elapsed() < UP_TIMEOUT,
            "no `{needle}` in ikelab's log after {:?} (running: {alive}):\n{text}",
            started.elapsed()
        );
        thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until process `pid` has exited: gone, or a zombie (its descriptors, the
/// control socket's among them, are closed by then). The TUN device vanishing is not
/// enough: the kernel may close that descriptor before the socket's.
pub fn wait_until_dead(pid: u32) {
    let started = Instant::now();
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // The state follows the command name in parentheses: `PID (NAME) S …`.
        let state = stat
            .rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().next());
        if matches!(state, None | Some("Z" | "X")) {
            return;
        }
        assert!(started.elapsed() < UP_TIMEOUT, "process {pid} did not exit");
        thread::sleep(Duration::from_millis(20));
    }
}

/// Starts `ikelab connect` for the session's spec in our engine's namespace with
/// `extra` arguments; returns its pid, its log's path and its control socket.
pub fn start_connect(session: &mut EngineSession, extra: &[&str]) -> (u32, PathBuf, PathBuf) {
    start_connect_under(session, None, extra)
}

/// [`start_connect`] run by `wrapper` (a program and its arguments, such as
/// `setpriv`), which is given ikelab's path and arguments after its own.
pub fn start_connect_under(
    session: &mut EngineSession,
    wrapper: Option<(&str, &[&str])>,
    extra: &[&str],
) -> (u32, PathBuf, PathBuf) {
    start_connect_adjusted(session, wrapper, |_| {}, extra)
}

/// [`start_connect_under`] with the client's configuration changed by `adjust`
/// first (lifetimes, liveness checks, …).
pub fn start_connect_adjusted(
    session: &mut EngineSession,
    wrapper: Option<(&str, &[&str])>,
    adjust: impl FnOnce(&mut PeerConfig),
    extra: &[&str],
) -> (u32, PathBuf, PathBuf) {
    let config_path = write_client_config(session, "client.toml", adjust);
    let work = session.workdir().to_path_buf();
    let control = work.join("control.sock");
    let log = work.join("ikelab.log");
    let mut args: Vec<String> = vec![
        "connect".into(),
        config_path.to_string_lossy().into_owned(),
        "--control".into(),
        control.to_string_lossy().into_owned(),
        "-v".into(),
    ];
    args.extend(extra.iter().map(ToString::to_string));
    let (program, args) = match wrapper {
        None => (ikelab_bin(), args),
        Some((program, own)) => {
            let mut all: Vec<String> = own.iter().map(ToString::to_string).collect();
            all.push(ikelab_bin().to_string_lossy().into_owned());
            all.extend(args);
            (PathBuf::from(program), all)
        }
    };
    let pid = session
        .spawn_in_engine_netns(&program, &args, &log)
        .unwrap_or_else(|e| panic!("{e}"));
    (pid, log, control)
}

/// Writes the client's configuration for the session's spec, changed by `adjust`,
/// as `name` in the work directory, and returns its path.
pub fn write_client_config(
    session: &EngineSession,
    name: &str,
    adjust: impl FnOnce(&mut PeerConfig),
) -> PathBuf {
    let mut config = engine_config(&session.spec, &session.topology.addressing)
        .unwrap_or_else(|e| panic!("{e}"));
    adjust(&mut config);
    let path = session.workdir().join(name);
    std::fs::write(&path, toml::to_string(&config).unwrap()).unwrap();
    path
}

/// Runs `ikelab ARGS…` in our engine's namespace to its end (at most 30 s).
pub fn run_ikelab_in_ns(session: &EngineSession, args: &[&str]) -> CmdOutput {
    session
        .topology
        .engine
        .cmd(&ikelab_bin().to_string_lossy())
        .args(args)
        .output(Duration::from_secs(30))
        .unwrap_or_else(|e| panic!("ikelab {args:?}: {e}"))
}

/// A strongSwan gateway for `spec` whose pool also hands out [`GATEWAY_DNS`]
/// (through a MASQUERADE router with `through_nat`), and our namespace's own
/// resolv.conf.
pub fn tunnel_gateway(
    tag: &str,
    mut spec: RunSpec,
    through_nat: bool,
) -> (EngineSession, NetnsResolvConf) {
    spec.charon_pool_dns = vec![GATEWAY_DNS.to_owned()];
    let session = EngineSession::start(tag, Initiator::Engine, through_nat, spec)
        .unwrap_or_else(|e| panic!("{e}"));
    let netns = session.topology.engine.name().to_owned();
    let resolv = NetnsResolvConf::create(&netns, RESOLV_BEFORE);
    (session, resolv)
}

/// [`tunnel_gateway`] for a full tunnel: the gateway's `local_ts` is `0.0.0.0/0`.
pub fn full_tunnel_gateway(tag: &str) -> (EngineSession, NetnsResolvConf) {
    let mut spec = RunSpec::new("aes256gcm16-prfsha256-x25519", "aes256gcm16");
    spec.charon_local_ts = vec!["0.0.0.0/0".to_owned()];
    tunnel_gateway(tag, spec, false)
}

/// Our namespace's IPv4 and IPv6 routing tables.
pub fn routing_tables(session: &EngineSession) -> (String, String) {
    let (_, v4) = in_ns(session, "ip", &["route", "show"]);
    let (_, v6) = in_ns(session, "ip", &["-6", "route", "show"]);
    (v4, v6)
}

/// Runs `program args…` in our engine's namespace: whether it succeeded, and its
/// standard output and error.
pub fn in_ns(session: &EngineSession, program: &str, args: &[&str]) -> (bool, String) {
    let out = session
        .topology
        .engine
        .cmd(program)
        .args(args)
        .output(Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("{program} {args:?}: {e}"));
    (
        out.status.success(),
        format!("{}{}", out.stdout, out.stderr),
    )
}
