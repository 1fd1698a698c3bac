//! `ikelab listen CONFIG.toml`: a gateway for several IKEv2 clients at once.
//!
//! The [`file`] holds connections (`[connections.NAME]`, each a responder
//! `PeerConfig`), pools and one PSK per client identity; [`loaded`] puts them into
//! the engine as responder configurations and swaps them on `ikelab reload` or
//! SIGHUP without dropping a client. The runtime is `ikelab connect`'s (one tokio
//! task owning the engine, `crate::runtime::driver`), with one TUN device for every
//! client: each CHILD SA's remote selectors are routed into it while the SA is up
//! ([`client_routes`]), so return traffic finds the CHILD SA that covers it, and a
//! packet one client sends to another is dropped (`runtime::data_path::from_a_client`).
//!
//! What a gateway needs besides comes from the engine: cookies once half-open SAs
//! pass `cookie_threshold` (RFC 7296 §2.6, with a rotating secret), `unique` for a
//! client identity that connects again, INITIAL_CONTACT replacing a client's old
//! SAs (§2.4), and pool leases that a returning identity gets back.

mod client_routes;
pub(crate) mod file;
mod loaded;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use ikelab_engine::event::{Event, EventKind};
use ikelab_engine::ike::IkeSaInfo;
use ikelab_engine::trace::TracePeer;
use ikelab_engine::{IkeSaId, Time};

use self::client_routes::ClientRoutes;
use self::file::Gateway;
use self::loaded::Loaded;
use crate::cli::ListenArgs;
use crate::connect::config::{indented, parse_addr};
use crate::control::listener::{
    ControlListener, Incoming, answer, answer_and_hold, answer_unknown,
};
use crate::control::path::control_path;
use crate::control::{RELOAD_REFUSED, Request};
use crate::exit::Exit;
use crate::runtime::capture::CaptureFile;
use crate::runtime::driver::{Driver, KeySinks, Wake};
use crate::runtime::log::{self, Verbosity};
use crate::runtime::raw_esp::RawEspSocket;
use crate::runtime::recording::Recording;
use crate::runtime::signals::StopSignals;
use crate::runtime::sockets::IkeSockets;
use crate::tunnel::TunnelOptions;
use crate::tunnel::plan::TunnelPlan;

/// Our lane in the trace and the log.
const US: &str = "ikelab";
/// The clients' lane (network records only).
const THEM: &str = "clients";
/// How long we wait for the clients' answers to our DELETEs before leaving anyway.
const DELETE_WAIT: Duration = Duration::from_secs(2);
/// The first answer line to `down`.
const DOWN_ACCEPTED: &str = "deleting the IKE SAs";
/// The IKE and NAT-T ports a tunnel binds (RFC 7296 §2, RFC 3948 §2.1).
const IKE_PORT: u16 = 500;
const NAT_T_PORT: u16 = 4500;

/// Runs `ikelab listen`.
pub(crate) fn run(args: &ListenArgs) -> Exit {
    log::init(Verbosity::from_flags(args.quiet, args.verbose));
    if !args.no_tun
        && let Err(message) = crate::tunnel::device::check_name(&args.tun_name)
    {
        return fail(Exit::Tunnel, &message);
    }
    let gateway = match read(&args.config) {
        Ok(gateway) => gateway,
        Err((exit, message)) => return fail(exit, &message),
    };
    let (ike, nat_t) = match bind_addresses(args, &gateway) {
        Ok(addresses) => addresses,
        Err((exit, message)) => return fail(exit, &message),
    };
    let runtime = match crate::runtime::start() {
        Ok(r) => r,
        Err(message) => return fail(Exit::Failure, &message),
    };
    runtime.block_on(listen(args, &gateway, ike, nat_t))
}

/// Reads and checks the gateway's file: exit code 3 when it cannot be read, 5 when
/// it is invalid (every problem named by its key).
fn read(path: &Path) -> Result<Gateway, (Exit, String)> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| (Exit::Input, format!("cannot read {}: {e}", path.display())))?;
    file::parse(&text, path.parent().unwrap_or(Path::new("."))).map_err(|problems| {
        (
            Exit::Config,
            format!(
                "{}: invalid configuration:\n{}",
                path.display(),
                indented(&problems)
            ),
        )
    })
}

/// Where the IKE and NAT-T sockets bind: `--local`, else the connections' first
/// single local address; ports 500 and 4500 for a tunnel, ephemeral with
/// `--no-tun` (or with port 0).
fn bind_addresses(
    args: &ListenArgs,
    gateway: &Gateway,
) -> Result<(SocketAddr, SocketAddr), (Exit, String)> {
    let flag = args
        .local
        .as_deref()
        .map(|text| parse_addr(text, "--local"))
        .transpose()
        .map_err(|message| (Exit::Usage, message))?;
    let default_port = if args.no_tun { 0 } else { IKE_PORT };
    let (ip, port): (IpAddr, u16) = match flag {
        Some((ip, port)) => (ip, port.unwrap_or(default_port)),
        None => (
            gateway.local_addr().ok_or_else(|| {
                (
                    Exit::Config,
                    format!(
                        "{}: no address to answer on: give a connection's local_addrs a \
                         single address, or use --local",
                        args.config.display()
                    ),
                )
            })?,
            default_port,
        ),
    };
    let nat_t = if !args.no_tun && port != 0 {
        NAT_T_PORT
    } else {
        0
    };
    Ok((SocketAddr::new(ip, port), SocketAddr::new(ip, nat_t)))
}

async fn listen(args: &ListenArgs, gateway: &Gateway, ike: SocketAddr, nat_t: SocketAddr) -> Exit {
    let control = match ControlListener::bind_or_explain(&control_path(args.control.as_deref())) {
        Ok(c) => c,
        Err((exit, message)) => return fail(exit, &message),
    };
    tracing::info!("control socket {}", control.path().display());
    let state_dir = control
        .path()
        .parent()
        .map_or_else(std::env::temp_dir, Path::to_path_buf);
    for line in crate::tunnel::leftovers::undo(&state_dir).lines {
        tracing::warn!("{line}");
    }
    let sockets = match IkeSockets::bind(ike, nat_t).await {
        Ok(s) => s,
        Err(e) => return fail(Exit::Bind, &e.describe()),
    };
    let esp = if args.no_tun {
        None
    } else {
        match RawEspSocket::open(ike.ip()) {
            Ok(socket) => Some(socket),
            Err(e) => {
                tracing::warn!(
                    "{}; clients get ESP in UDP 4500 (RFC 3948) even without a NAT: \
                     `encap = yes` for every connection in this run",
                    e.describe()
                );
                None
            }
        }
    };
    // Without a raw socket no plain ESP can arrive: every client is told to use UDP.
    let force_encap = !args.no_tun && esp.is_none();
    let signals = match StopSignals::install_with_reload() {
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
            addresses: vec![ike.ip()],
        },
        TracePeer {
            name: THEM.to_owned(),
            addresses: Vec::new(),
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
    let mut gw = Listener {
        config: args.config.clone(),
        force_encap,
        loaded: Loaded::default(),
        routes: ClientRoutes::default(),
        clients: BTreeMap::new(),
        deleting: BTreeSet::new(),
        failure: None,
    };
    match gw.loaded.apply(driver.engine(), gateway, gw.adjust()) {
        Ok(_) => {
            let names: Vec<String> = gw.loaded.names().map(|n| format!("'{n}'")).collect();
            tracing::info!("loaded connections {}", names.join(", "));
        }
        Err(message) => return fail(Exit::Config, &message),
    }
    warn_unused(gateway);
    if !args.no_tun {
        let options = TunnelOptions {
            name: args.tun_name.clone(),
            mtu: args.mtu,
            dns: false,
            state_dir,
        };
        match driver.open_tunnel(TunnelPlan::default(), &options) {
            Ok(_) => {
                if let Some(data) = driver.data_path() {
                    data.isolate_clients = true;
                    tracing::info!(
                        "tunnel: device {}: each client's virtual IP is routed into it while \
                         the client is up; clients do not reach each other",
                        data.tunnel.name()
                    );
                }
            }
            Err(message) => return fail(Exit::Tunnel, &message),
        }
        warn_if_not_forwarding(ike.ip());
    }
    tracing::info!(
        "listening: IKE on UDP {}, NAT-T on UDP {}",
        driver.node().sockets().ike_addr(),
        driver.node().sockets().nat_t_addr()
    );
    gw.serve(&mut driver).await;
    let mut exit = match gw.failure.take() {
        Some((exit, message)) => fail(exit, &message),
        None => Exit::Success,
    };
    for message in driver.wrap_up(args.trace.as_deref(), folder.as_deref()) {
        if exit == Exit::Success {
            exit = fail(Exit::Failure, &message);
        } else {
            fail(Exit::Failure, &message);
        }
    }
    exit
}

/// The running gateway.
struct Listener {
    /// The file `reload` re-reads.
    config: std::path::PathBuf,
    /// No raw socket: every connection gets `encap = yes` (see `listen`).
    force_encap: bool,
    loaded: Loaded,
    routes: ClientRoutes,
    /// Who each established IKE SA belongs to, for the log when it goes.
    clients: BTreeMap<IkeSaId, String>,
    /// The IKE SAs we sent DELETE for while closing.
    deleting: BTreeSet<IkeSaId>,
    /// Why the run failed, if it did.
    failure: Option<(Exit, String)>,
}

impl Listener {
    /// The run's own changes to every configuration loaded.
    fn adjust(&self) -> impl Fn(&mut ikelab_engine::config::PeerConfig) + use<> {
        let force_encap = self.force_encap;
        move |config| {
            if force_encap {
                config.encap = true;
            }
        }
    }

    /// Answers clients until SIGINT, SIGTERM or `down`; then deletes every IKE SA
    /// (RFC 7296 §1.4.1) and waits up to 2 s for the answers.
    async fn serve(&mut self, driver: &mut Driver) {
        let mut closing: Option<Time> = None;
        loop {
            for event in driver.flush().await {
                self.on_event(driver, &event);
            }
            if let Some(until) = closing {
                if self.deleting.is_empty() {
                    return;
                }
                if driver.now() >= until {
                    tracing::warn!(
                        "no answer to {} DELETE(s) within {} s: leaving anyway",
                        self.deleting.len(),
                        DELETE_WAIT.as_secs()
                    );
                    return;
                }
            }
            let stop = match driver.wait(closing).await {
                Wake::Signal(name) => {
                    if closing.is_some() {
                        tracing::warn!("{name} again: leaving without waiting for the answers");
                        return;
                    }
                    tracing::info!("{name}: deleting every IKE SA");
                    true
                }
                Wake::Reload => {
                    tracing::info!("SIGHUP: reloading {}", self.config.display());
                    let _ = self.reload(driver);
                    false
                }
                Wake::Control(incoming) => self.on_control(driver, incoming),
                Wake::DeviceError(detail) => {
                    self.failure
                        .get_or_insert((Exit::Tunnel, format!("the TUN device failed: {detail}")));
                    true
                }
                Wake::SocketError(detail) => {
                    tracing::debug!("{detail}");
                    false
                }
                Wake::Datagram | Wake::Time | Wake::Packet => false,
            };
            if stop && closing.is_none() {
                closing = Some(self.close_all(driver));
            }
        }
    }

    /// Sends DELETE for every IKE SA; returns when to leave at the latest.
    fn close_all(&mut self, driver: &mut Driver) -> Time {
        let now = driver.now();
        for id in driver.engine().ike_sa_ids() {
            if driver.engine().delete_ike(now, id).is_ok() {
                self.deleting.insert(id);
            }
        }
        now + DELETE_WAIT
    }

    fn on_event(&mut self, driver: &mut Driver, event: &Event) {
        let Some(ike) = event.ike_sa else {
            return;
        };
        match &event.kind {
            EventKind::IkeSaUp(_) => {
                if let Some(info) = driver.engine().ike_sa(ike) {
                    let who = self.describe(&info);
                    let vips: Vec<String> =
                        info.virtual_ips.iter().map(ToString::to_string).collect();
                    tracing::info!(
                        "client '{}' up on '{}' from {}{}",
                        info.remote_id.as_deref().unwrap_or("%any"),
                        self.connection_of(&info),
                        info.remote,
                        if vips.is_empty() {
                            String::new()
                        } else {
                            format!(", virtual IP {}", vips.join(", "))
                        }
                    );
                    self.clients.insert(ike, who);
                }
            }
            EventKind::ChildSaUp(up) => {
                let who = self.clients.get(&ike).map_or("a client", String::as_str);
                tracing::info!(
                    "client {who}: CHILD SA '{}' up, ESP {}",
                    up.name,
                    if up.udp_encap {
                        "in UDP 4500 (RFC 3948)"
                    } else {
                        "as IP protocol 50 (RFC 4303)"
                    }
                );
                let client = driver.engine().child_sa(up.child).map(|sa| sa.remote.ip());
                if let (Some(client), Some(data)) = (client, driver.data_path()) {
                    for line in
                        self.routes
                            .add(&mut data.tunnel, up.child, ike, &up.remote_ts, client)
                    {
                        tracing::info!("tunnel: {line}");
                    }
                }
            }
            EventKind::ChildSaDown { child, .. } => {
                if let Some(data) = driver.data_path() {
                    for line in self.routes.remove_child(&mut data.tunnel, *child) {
                        tracing::info!("tunnel: {line}");
                    }
                }
            }
            EventKind::IkeSaRekeyed { new_sa, .. } => {
                self.routes.move_ike(ike, *new_sa);
                if let Some(who) = self.clients.remove(&ike) {
                    self.clients.insert(*new_sa, who);
                }
            }
            EventKind::IkeSaDown { reason } => {
                if let Some(data) = driver.data_path() {
                    for line in self.routes.remove_ike(&mut data.tunnel, ike) {
                        tracing::info!("tunnel: {line}");
                    }
                }
                self.deleting.remove(&ike);
                if let Some(who) = self.clients.remove(&ike) {
                    tracing::info!("client {who} gone: {}", reason.describe());
                }
            }
            _ => {}
        }
    }

    /// `'alice.example' on 'rw'`: the client's identity and its connection.
    fn describe(&self, info: &IkeSaInfo) -> String {
        format!(
            "'{}' on '{}'",
            info.remote_id.as_deref().unwrap_or("%any"),
            self.connection_of(info)
        )
    }

    /// The name of the connection an IKE SA was made with.
    fn connection_of(&self, info: &IkeSaInfo) -> String {
        info.responder
            .and_then(|id| self.loaded.name_of(id))
            .unwrap_or(US)
            .to_owned()
    }

    /// Re-reads the file and swaps the connections; the answer for `reload`.
    fn reload(&mut self, driver: &mut Driver) -> String {
        let result = read(&self.config)
            .map_err(|(_, message)| message)
            .and_then(|gateway| {
                let changes = self
                    .loaded
                    .apply(driver.engine(), &gateway, self.adjust())?;
                warn_unused(&gateway);
                Ok(changes)
            });
        match result {
            Ok(changes) => {
                tracing::info!("reload: {changes}");
                format!("reloaded: {changes}\n")
            }
            Err(message) => {
                tracing::warn!("reload refused, the running configuration stays: {message}");
                format!("{RELOAD_REFUSED} the running configuration stays; {message}\n")
            }
        }
    }

    /// Answers a control request; true when it asks the gateway to end.
    fn on_control(&mut self, driver: &mut Driver, incoming: Incoming) -> bool {
        let Incoming { request, stream } = incoming;
        match request {
            Ok(Request::Status) => {
                let text = driver.status_text(&|info| self.connection_of(info));
                answer(stream, text);
                false
            }
            Ok(Request::Down) => {
                tracing::info!("down requested on the control socket: deleting every IKE SA");
                answer_and_hold(stream, format!("{DOWN_ACCEPTED}\n"));
                true
            }
            Ok(Request::Reload) => {
                tracing::info!("reload requested on the control socket");
                let text = self.reload(driver);
                answer(stream, text);
                false
            }
            Err(line) => {
                answer_unknown(stream, &line);
                false
            }
        }
    }
}

/// A `[secrets.*]` entry no connection uses is most likely a typo in an identity.
fn warn_unused(gateway: &Gateway) {
    for name in &gateway.unused_secrets {
        tracing::warn!(
            "[secrets.{name}]: no connection's remote.id matches its id, so no client can use it"
        );
    }
}

/// Clients reach networks behind the gateway only if the host forwards packets.
fn warn_if_not_forwarding(local: IpAddr) {
    let (path, key) = if local.is_ipv6() {
        (
            "/proc/sys/net/ipv6/conf/all/forwarding",
            "net.ipv6.conf.all.forwarding",
        )
    } else {
        ("/proc/sys/net/ipv4/ip_forward", "net.ipv4.ip_forward")
    };
    if std::fs::read_to_string(path).is_ok_and(|v| v.trim() == "0") {
        tracing::warn!(
            "this host does not forward packets ({key} = 0): clients reach this host only, \
             not the networks behind it (`sysctl -w {key}=1`)"
        );
    }
}

/// Prints `message` (on standard error, plain) and returns `exit`.
fn fail(exit: Exit, message: &str) -> Exit {
    eprintln!("ikelab listen: {message}");
    exit
}
