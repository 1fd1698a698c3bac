//! A gateway for the `ikelab connect` tests of the unit layer: our engine as a
//! responder on two UDP sockets on 127.0.0.1 (its IKE and NAT-T ports, both
//! ephemeral), in a thread of the test, with OS randomness. No root, no strongSwan,
//! no network namespace: loopback only.
//!
//! Everything the gateway's engine reports is kept as events, so a test reads what
//! the gateway saw (a DELETE, a refused AUTH) from the engine's own words.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use getrandom::SysRng;
use ikelab_engine::config::PeerConfig;
use ikelab_engine::event::{DownReason, Event, EventKind};
use ikelab_engine::{Datagram, Engine, EngineConfig};
use rand_core::UnwrapErr;

/// How long a socket read waits before the loop checks the engine's timers again.
const POLL: Duration = Duration::from_millis(5);

/// A responder running until dropped.
#[derive(Debug)]
pub struct LoopbackGateway {
    /// The gateway's IKE address (the client's `--remote`).
    pub ike: SocketAddr,
    /// The gateway's NAT-T address.
    pub nat_t: SocketAddr,
    events: Arc<Mutex<Vec<Event>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl LoopbackGateway {
    /// Starts a gateway answering with `config` (its addresses are replaced by
    /// 127.0.0.1 and its ports by the ephemeral ones bound).
    pub fn start(config: PeerConfig) -> Self {
        let any = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        Self::start_at(config, any, any)
    }

    /// [`Self::start`] on the given addresses (a gateway coming back where an earlier
    /// one was, for a client that reconnects).
    pub fn start_at(mut config: PeerConfig, ike: SocketAddr, nat_t: SocketAddr) -> Self {
        let ike = UdpSocket::bind(ike).expect("bind the IKE socket");
        let nat_t = UdpSocket::bind(nat_t).expect("bind the NAT-T socket");
        for socket in [&ike, &nat_t] {
            socket.set_read_timeout(Some(POLL)).expect("read timeout");
        }
        let ike_addr = ike.local_addr().expect("IKE address");
        let nat_t_addr = nat_t.local_addr().expect("NAT-T address");
        config.local_addrs = vec![Ipv4Addr::LOCALHOST.to_string()];
        config.local_port = ike_addr.port();
        let engine_config = EngineConfig {
            responder: vec![config],
            ike_port: ike_addr.port(),
            nat_t_port: nat_t_addr.port(),
            ..EngineConfig::default()
        };
        let engine =
            Engine::new(engine_config, Box::new(UnwrapErr(SysRng))).expect("the gateway's engine");
        let events = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let events = events.clone();
            let stop = stop.clone();
            std::thread::spawn(move || serve(engine, [ike, nat_t], &events, &stop))
        };
        Self {
            ike: ike_addr,
            nat_t: nat_t_addr,
            events,
            stop,
            thread: Some(thread),
        }
    }

    /// The lines (`Event::describe`) the gateway's engine reported so far.
    pub fn lines(&self) -> Vec<String> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(Event::describe)
            .collect()
    }

    /// The events the gateway's engine reported so far.
    pub fn events(&self) -> Vec<Event> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Whether the gateway's IKE SA goes down because we deleted it (our DELETE,
    /// RFC 7296 §1.4.1) within `timeout`.
    pub fn saw_delete(&self, timeout: Duration) -> bool {
        self.wait_for(timeout, |e| {
            matches!(
                &e.kind,
                EventKind::IkeSaDown {
                    reason: DownReason::DeletedByPeer
                }
            )
        })
    }

    /// Waits up to `timeout` for an event `matches` accepts.
    pub fn wait_for(&self, timeout: Duration, matches: impl Fn(&Event) -> bool) -> bool {
        let start = Instant::now();
        while start.elapsed() < timeout {
            let seen = self
                .events
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
                .any(&matches);
            if seen {
                return true;
            }
            std::thread::sleep(POLL);
        }
        false
    }
}

impl Drop for LoopbackGateway {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The loop: read either socket, feed the engine, send what it queues, keep its events.
fn serve(
    mut engine: Engine,
    sockets: [UdpSocket; 2],
    events: &Mutex<Vec<Event>>,
    stop: &AtomicBool,
) {
    let epoch = Instant::now();
    let mut buf = vec![0_u8; 65_536];
    while !stop.load(Ordering::Relaxed) {
        for socket in &sockets {
            let Ok(local) = socket.local_addr() else {
                return;
            };
            if let Ok((len, src)) = socket.recv_from(&mut buf) {
                let payload = buf.get(..len).unwrap_or_default().to_vec();
                engine.handle_datagram(epoch.elapsed(), Datagram::new(src, local, payload));
            }
            let now = epoch.elapsed();
            if engine.poll_timeout().is_some_and(|due| due <= now) {
                engine.handle_timeout(now);
            }
            while let Some(datagram) = engine.poll_transmit() {
                let from = sockets
                    .iter()
                    .find(|s| s.local_addr().is_ok_and(|a| a == datagram.src));
                if let Some(from) = from {
                    let _ = from.send_to(&datagram.payload, datagram.dst);
                }
            }
            let mut seen = events.lock().unwrap_or_else(PoisonError::into_inner);
            while let Some(event) = engine.poll_event() {
                seen.push(event);
            }
        }
    }
}
