//! The driver loop of `engine-peer`: the bridge's runtime ([`Node`], the one way
//! IKElab runs its engine over sockets: UDP 500 and 4500, a raw socket for plain
//! ESP with `--plain-esp`, the real clock and the OS random source), on a tokio
//! task, writing what happens to the record file.
//!
//! quinn-proto's loop: after every `initiate`, datagram and timeout, send everything
//! `poll_transmit` returns, write everything `poll_event` returns, and sleep until the
//! next datagram or deadline ([`Node::next`]).
//!
//! ESP: what arrives on the NAT-T port is classified (RFC 3948 §2.2) and ESP, like
//! plain ESP from the raw socket, goes to `Engine::open` through [`EspTraffic`],
//! which also sends `--ping`'s echo requests and `--answer-pings`' replies.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::sync::Arc;

use ikelab_bridge::runtime::node::{Input, Node};
use ikelab_bridge::runtime::raw_esp::RawEspSocket;
use ikelab_bridge::runtime::sockets::IkeSockets;
use ikelab_engine::config::PeerConfig;
use ikelab_engine::keylog::{KeyLog, KeyRecorder, poll_events};
use ikelab_engine::{EngineConfig, Time};

use super::esp::{EspOutput, EspTraffic};
use super::options::{DriverMode, DriverOptions};
use super::record::DriverRecord;

/// Runs the driver until `options.run_for` is over (or the process is killed); returns
/// why it stopped. Fails before the loop starts if the configuration cannot be read or
/// a socket cannot be bound.
pub fn run(options: &DriverOptions) -> Result<String, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(run_async(options))
}

async fn run_async(options: &DriverOptions) -> Result<String, String> {
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

    let sockets = IkeSockets::bind(
        SocketAddr::new(options.bind, options.ike_port),
        SocketAddr::new(options.bind, options.nat_t_port),
    )
    .await
    .map_err(|e| e.describe())?;
    let esp = options
        .plain_esp
        .then(|| RawEspSocket::open(options.bind))
        .transpose()
        .map_err(|e| e.describe())?;
    let config = EngineConfig {
        responder: match options.mode {
            DriverMode::Respond => vec![peer.clone()],
            DriverMode::Initiate => Vec::new(),
        },
        key_log: keys.clone().map(|k| k as Arc<dyn KeyLog>),
        ..EngineConfig::default()
    };
    let mut node = Node::new(sockets, esp, config)?;
    out.write(&DriverRecord::Ready {
        ike: node.sockets().ike_addr(),
        nat_t: node.sockets().nat_t_addr(),
    });

    if options.mode == DriverMode::Initiate {
        let (local, remote) = initiator_addresses(&peer, options)?;
        let now = node.now();
        node.engine()
            .initiate_from(now, &peer, local, remote)
            .map_err(|e| format!("initiate: {e}"))?;
    }
    let mut esp = EspTraffic::new(options.ping, options.answer_pings);
    let reason = drive(&mut node, &mut out, &mut esp, options.run_for).await;
    out.write(&DriverRecord::Finished {
        reason: reason.clone(),
    });
    Ok(reason)
}

/// The loop proper; returns why it ended.
async fn drive(node: &mut Node, out: &mut Records, esp: &mut EspTraffic, run_for: Time) -> String {
    loop {
        flush(node, out, esp).await;
        let ticked = {
            let now = node.now();
            esp.tick(now, node.engine())
        };
        emit(ticked, node, out).await;
        flush(node, out, esp).await;
        if node.now() >= run_for {
            return format!("run time of {run_for:?} is over");
        }
        let until = esp.deadline().map_or(run_for, |due| due.min(run_for));
        match node.next(Some(until)).await {
            Input::Udp(datagram) if node.is_esp_in_udp(&datagram) => {
                let now = node.now();
                let output = esp.on_esp(now, node.engine(), datagram);
                emit(output, node, out).await;
            }
            Input::Esp(datagram) => {
                let now = node.now();
                let output = esp.on_esp(now, node.engine(), datagram);
                emit(output, node, out).await;
            }
            Input::Error(detail) => out.write(&DriverRecord::IoError { detail }),
            input => node.deliver(input),
        }
        node.handle_due();
    }
}

/// Sends the ESP side's packets and writes its records.
async fn emit(output: EspOutput, node: &Node, out: &mut Records) {
    for packet in &output.packets {
        if let Err(detail) = node.send_esp(&packet.sealed, &packet.esp).await {
            out.write(&DriverRecord::IoError { detail });
        }
    }
    for record in &output.records {
        out.write(record);
    }
}

/// Sends what the engine queued and writes its events (which the ESP side also
/// reads: it waits for the CHILD SA and our virtual IP), with the key log's records
/// (`--key-log`) in place among them.
async fn flush(node: &mut Node, out: &mut Records, esp: &mut EspTraffic) {
    while let Some(datagram) = node.engine().poll_transmit() {
        if let Err(detail) = node.send(&datagram).await {
            out.write(&DriverRecord::IoError { detail });
        }
    }
    let now = node.now();
    let mut events = Vec::new();
    poll_events(node.engine(), out.keys.as_deref(), &mut events);
    for event in events {
        esp.observe(now, &event);
        out.write(&DriverRecord::Event {
            line: event.describe(),
            event: Box::new(event),
        });
    }
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
