//! A gateway for the `ikelab connect` tests of the unit layer: our engine as a
//! responder on two UDP sockets on 127.0.0.1 (its IKE and NAT-T ports, both
//! ephemeral), in a thread of the test, on the bridge's runtime
//! (`ikelab_bridge::runtime::node`: the same sockets, clock and OS randomness as
//! `ikelab connect`). No root, no strongSwan, no network namespace: loopback only.
//!
//! Everything the gateway's engine reports is kept as events, so a test reads what
//! the gateway saw (a DELETE, a refused AUTH) from the engine's own words.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ikelab_bridge::runtime::node::Node;
use ikelab_bridge::runtime::sockets::IkeSockets;
use ikelab_engine::EngineConfig;
use ikelab_engine::config::PeerConfig;
use ikelab_engine::event::{DownReason, Event, EventKind};
use tokio::sync::Notify;

/// How often [`LoopbackGateway::wait_for`] looks at the events.
const POLL: Duration = Duration::from_millis(5);

/// A responder running until dropped.
#[derive(Debug)]
pub struct LoopbackGateway {
    /// The gateway's IKE address (the client's `--remote`).
    pub ike: SocketAddr,
    /// The gateway's NAT-T address.
    pub nat_t: SocketAddr,
    events: Arc<Mutex<Vec<Event>>>,
    stop: Arc<Notify>,
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
        let events = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(Notify::new());
        let (bound_tx, bound_rx) = mpsc::channel();
        let thread = {
            let events = events.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_io()
                    .enable_time()
                    .build()
                    .expect("a tokio runtime for the gateway");
                runtime.block_on(async move {
                    let sockets = match IkeSockets::bind(ike, nat_t).await {
                        Ok(sockets) => sockets,
                        Err(e) => {
                            let _ = bound_tx.send(Err(e.describe()));
                            return;
                        }
                    };
                    let (ike, nat_t) = (sockets.ike_addr(), sockets.nat_t_addr());
                    config.local_addrs = vec![Ipv4Addr::LOCALHOST.to_string()];
                    config.local_port = ike.port();
                    let engine_config = EngineConfig {
                        responder: vec![config],
                        ..EngineConfig::default()
                    };
                    let node = match Node::new(sockets, None, engine_config) {
                        Ok(node) => node,
                        Err(e) => {
                            let _ = bound_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = bound_tx.send(Ok((ike, nat_t)));
                    serve(node, &events, &stop).await;
                });
            })
        };
        let (ike, nat_t) = bound_rx
            .recv()
            .expect("the gateway thread reports its sockets")
            .unwrap_or_else(|e| panic!("the loopback gateway: {e}"));
        Self {
            ike,
            nat_t,
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
        // A permit is kept if the loop is not waiting at this moment.
        self.stop.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The loop: send what the engine queues, keep its events, and wait for a datagram,
/// a deadline or the stop.
async fn serve(mut node: Node, events: &Mutex<Vec<Event>>, stop: &Notify) {
    loop {
        while let Some(datagram) = node.engine().poll_transmit() {
            let _ = node.send(&datagram).await;
        }
        {
            let mut seen = events.lock().unwrap_or_else(PoisonError::into_inner);
            while let Some(event) = node.engine().poll_event() {
                seen.push(event);
            }
        }
        let input = tokio::select! {
            input = node.next(None) => input,
            () = stop.notified() => return,
        };
        node.deliver(input);
        node.handle_due();
    }
}
