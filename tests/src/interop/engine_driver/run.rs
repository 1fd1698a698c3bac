//! The driver loop of `engine-peer`: our sans-IO [`Engine`] behind two real UDP sockets
//! (500 and 4500), the real clock and the OS random source.
//!
//! quinn-proto's loop: after every `initiate`, `handle_datagram` and `handle_timeout`,
//! send everything `poll_transmit` returns, write everything `poll_event` returns, and
//! sleep until the next datagram or `poll_timeout`, whichever comes first. One thread
//! per socket blocks in `recv_from` and hands datagrams to the loop over a channel, so
//! the loop itself needs no `poll(2)` (and no `unsafe`).
//!
//! ESP: what arrives on the NAT-T port is classified (RFC 3948 §2.2); ESP goes to
//! `Engine::open` through [`EspTraffic`], which also sends `--ping`'s echo requests.
//!
//! Time: [`Time`] is the duration since the driver started (`Instant` at start-up is
//! the epoch). Randomness: `getrandom`'s `SysRng` (the OS source), which only the
//! driver, never the engine, touches.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use getrandom::SysRng;
use ikelab_engine::config::PeerConfig;
use ikelab_engine::keylog::{KeyLog, KeyRecorder, poll_events};
use ikelab_engine::wire::udp_encap::Udp4500Payload;
use ikelab_engine::{Datagram, Engine, EngineConfig, Time};
use rand_core::UnwrapErr;

use super::esp::{EspOutput, EspTraffic};
use super::options::{DriverMode, DriverOptions};
use super::record::DriverRecord;

/// The largest UDP payload (IPv4 datagram limit minus headers, rounded up).
const MAX_DATAGRAM: usize = 65_536;
/// The loop wakes at least this often to check the run time, even with no deadline.
const MAX_SLEEP: Duration = Duration::from_millis(200);

/// What the reader threads hand the loop.
enum Incoming {
    Datagram(Datagram),
    Error(String),
}

/// Runs the driver until `options.run_for` is over (or the process is killed); returns
/// why it stopped. Fails before the loop starts if the configuration cannot be read or
/// a socket cannot be bound.
pub fn run(options: &DriverOptions) -> Result<String, String> {
    let text = std::fs::read_to_string(&options.peer)
        .map_err(|e| format!("{}: {e}", options.peer.display()))?;
    let peer: PeerConfig =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", options.peer.display()))?;
    let file = File::create(&options.records)
        .map_err(|e| format!("{}: {e}", options.records.display()))?;
    let keys = options.key_log.then(|| Arc::new(KeyRecorder::new()));
    let mut out = Records {
        file: BufWriter::new(file),
        keys: keys.clone(),
    };

    let ike = bind(SocketAddr::new(options.bind, options.ike_port))?;
    let nat_t = bind(SocketAddr::new(options.bind, options.nat_t_port))?;
    let (tx, rx) = mpsc::channel();
    for socket in [&ike, &nat_t] {
        spawn_reader(socket, tx.clone())?;
    }
    drop(tx);

    let config = EngineConfig {
        responder: match options.mode {
            DriverMode::Respond => vec![peer.clone()],
            DriverMode::Initiate => Vec::new(),
        },
        key_log: keys.clone().map(|k| k as Arc<dyn KeyLog>),
        ike_port: options.ike_port,
        nat_t_port: options.nat_t_port,
        ..EngineConfig::default()
    };
    let mut engine =
        Engine::new(config, Box::new(UnwrapErr(SysRng))).map_err(|e| format!("engine: {e}"))?;
    let epoch = Instant::now();
    let now = || -> Time { epoch.elapsed() };
    out.write(&DriverRecord::Ready {
        ike: ike.local_addr().map_err(|e| format!("IKE socket: {e}"))?,
        nat_t: nat_t
            .local_addr()
            .map_err(|e| format!("NAT-T socket: {e}"))?,
    });

    let sockets = Sockets {
        ike,
        nat_t,
        ike_port: options.ike_port,
        nat_t_port: options.nat_t_port,
    };
    if options.mode == DriverMode::Initiate {
        let (local, remote) = initiator_addresses(&peer, options)?;
        engine
            .initiate_from(now(), &peer, local, remote)
            .map_err(|e| format!("initiate: {e}"))?;
    }
    let mut esp = EspTraffic::new(options.ping);
    let reason = drive(
        &mut engine,
        &sockets,
        &rx,
        &mut out,
        &mut esp,
        now,
        options.run_for,
    );
    out.write(&DriverRecord::Finished {
        reason: reason.clone(),
    });
    Ok(reason)
}

/// The loop proper; returns why it ended.
fn drive(
    engine: &mut Engine,
    sockets: &Sockets,
    rx: &Receiver<Incoming>,
    out: &mut Records,
    esp: &mut EspTraffic,
    now: impl Fn() -> Time,
    run_for: Duration,
) -> String {
    loop {
        flush(engine, sockets, out, esp, now());
        let ticked = esp.tick(now(), engine);
        emit(ticked, sockets, out);
        flush(engine, sockets, out, esp, now());
        let t = now();
        if t >= run_for {
            return format!("run time of {run_for:?} is over");
        }
        let mut sleep = (run_for - t).min(MAX_SLEEP);
        for deadline in [engine.poll_timeout(), esp.deadline()]
            .into_iter()
            .flatten()
        {
            sleep = sleep.min(deadline.saturating_sub(t));
        }
        match rx.recv_timeout(sleep) {
            Ok(Incoming::Datagram(datagram)) if is_esp(&datagram, sockets.nat_t_port) => {
                let record = esp.on_esp(now(), engine, datagram);
                out.write(&record);
            }
            Ok(Incoming::Datagram(datagram)) => engine.handle_datagram(now(), datagram),
            Ok(Incoming::Error(detail)) => out.write(&DriverRecord::IoError { detail }),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return "both sockets failed".to_owned(),
        }
        let t = now();
        if engine.poll_timeout().is_some_and(|deadline| deadline <= t) {
            engine.handle_timeout(t);
        }
    }
}

/// Whether a datagram is ESP in UDP: on the NAT-T port, neither a Non-ESP Marker
/// (IKE) nor a NAT-keepalive (RFC 3948 §2). Malformed data goes to the engine, which
/// reports it.
fn is_esp(datagram: &Datagram, nat_t_port: u16) -> bool {
    datagram.dst.port() == nat_t_port
        && matches!(
            Udp4500Payload::parse(&datagram.payload),
            Ok(Udp4500Payload::Esp(_))
        )
}

/// Sends the ESP side's datagrams and writes its records.
fn emit(output: EspOutput, sockets: &Sockets, out: &mut Records) {
    for datagram in &output.datagrams {
        if let Err(detail) = sockets.send(datagram) {
            out.write(&DriverRecord::IoError { detail });
        }
    }
    for record in &output.records {
        out.write(record);
    }
}

/// Sends every pending datagram and writes every pending event (which the ESP side
/// also reads: it waits for the CHILD SA and our virtual IP).
/// Sends what the engine queued and writes its events, with the key log's records
/// (`--key-log`) in place among them.
fn flush(engine: &mut Engine, sockets: &Sockets, out: &mut Records, esp: &mut EspTraffic, t: Time) {
    while let Some(datagram) = engine.poll_transmit() {
        if let Err(detail) = sockets.send(&datagram) {
            out.write(&DriverRecord::IoError { detail });
        }
    }
    let mut events = Vec::new();
    poll_events(engine, out.keys.as_deref(), &mut events);
    for event in events {
        esp.observe(t, &event);
        out.write(&DriverRecord::Event {
            line: event.describe(),
            event: Box::new(event),
        });
    }
}

/// Our two sockets.
struct Sockets {
    ike: UdpSocket,
    nat_t: UdpSocket,
    ike_port: u16,
    nat_t_port: u16,
}

impl Sockets {
    /// Sends `datagram` from the socket its `src` names (RFC 7296 §2.11: a response
    /// leaves from the address and port the request came to).
    fn send(&self, datagram: &Datagram) -> Result<(), String> {
        let socket = match datagram.src.port() {
            p if p == self.ike_port => &self.ike,
            p if p == self.nat_t_port => &self.nat_t,
            p => {
                return Err(format!(
                    "the engine sends from port {p}, which is not bound"
                ));
            }
        };
        let bound = socket.local_addr().map_err(|e| e.to_string())?;
        if bound.ip() != datagram.src.ip() {
            return Err(format!(
                "the engine sends from {}, but the socket is bound to {bound}",
                datagram.src
            ));
        }
        match socket.send_to(&datagram.payload, datagram.dst) {
            Ok(n) if n == datagram.payload.len() => Ok(()),
            Ok(n) => Err(format!(
                "sent {n} of {} octets to {}",
                datagram.payload.len(),
                datagram.dst
            )),
            Err(e) => Err(format!("sending to {}: {e}", datagram.dst)),
        }
    }
}

fn bind(addr: SocketAddr) -> Result<UdpSocket, String> {
    UdpSocket::bind(addr).map_err(|e| format!("binding UDP {addr}: {e}"))
}

/// A thread that receives on `socket` for ever (the process ends it) and passes each
/// datagram on with the socket's own address as its destination.
fn spawn_reader(socket: &UdpSocket, tx: Sender<Incoming>) -> Result<(), String> {
    let socket = socket
        .try_clone()
        .map_err(|e| format!("cloning a socket: {e}"))?;
    let local = socket
        .local_addr()
        .map_err(|e| format!("socket address: {e}"))?;
    thread::Builder::new()
        .name(format!("recv {local}"))
        .spawn(move || {
            let mut buf = vec![0_u8; MAX_DATAGRAM];
            loop {
                let incoming = match socket.recv_from(&mut buf) {
                    Ok((len, src)) => Incoming::Datagram(Datagram::new(
                        src,
                        local,
                        buf.get(..len).unwrap_or(&buf).to_vec(),
                    )),
                    Err(e) => Incoming::Error(format!("receiving on {local}: {e}")),
                };
                if tx.send(incoming).is_err() {
                    return;
                }
            }
        })
        .map(|_| ())
        .map_err(|e| format!("starting the receiver for {local}: {e}"))
}

/// Where IKE_SA_INIT goes from and to: our bound address on the port `local_port`
/// names (it must be one of ours), to the first single address of `remote_addrs`.
fn initiator_addresses(
    peer: &PeerConfig,
    options: &DriverOptions,
) -> Result<(SocketAddr, SocketAddr), String> {
    if peer.local_port != options.ike_port && peer.local_port != options.nat_t_port {
        return Err(format!(
            "local_port {} is neither the IKE port {} nor the NAT-T port {}",
            peer.local_port, options.ike_port, options.nat_t_port
        ));
    }
    let remote = peer
        .initiator_remote_addr()
        .ok_or("remote_addrs holds no single address to initiate to")?;
    Ok((
        SocketAddr::new(options.bind, peer.local_port),
        SocketAddr::new(remote, peer.remote_port),
    ))
}

/// The record file, flushed after every line so a reader (and a SIGTERM) never sees
/// half a record.
struct Records {
    file: BufWriter<File>,
    /// The engine's key log with `--key-log`: its records go into the file among
    /// the events, in place (a lab's driver publishes keys on purpose).
    keys: Option<Arc<KeyRecorder>>,
}

impl Records {
    fn write(&mut self, record: &DriverRecord) {
        let line = record.to_line();
        if let Err(e) = writeln!(self.file, "{line}").and_then(|()| self.file.flush()) {
            // Nowhere left to report it but standard error (the harness keeps it).
            eprintln!("engine-peer: cannot write a record: {e}");
        }
    }
}
