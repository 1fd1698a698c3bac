//! One engine on real sockets: the core that every program running the engine over
//! the network shares (`ikelab connect`'s driver, and the interop tests' responder
//! `engine-peer`), so there is one way to do it.
//!
//! A [`Node`] owns the [`Engine`], the IKE and NAT-T sockets ([`IkeSockets`]), the
//! raw socket for plain ESP when there is one ([`RawEspSocket`]), the clock and the
//! OS random source. [`Node::next`] waits for the next input or deadline and hands
//! it back *before* the engine sees it, so its user can record, capture or inspect
//! it; [`Node::deliver`] then gives it to the engine (RFC 3948 §2.2: what arrives on
//! the NAT-T port is told apart by the engine itself), and [`Node::handle_due`] runs
//! the engine's timers. What the engine queues leaves through [`Node::send`] (IKE,
//! keep-alives) and [`Node::send_esp`] (a sealed packet: in UDP or as IP protocol 50,
//! as its CHILD SA says).

use std::net::IpAddr;
use std::time::Duration;

use getrandom::SysRng;
use ikelab_engine::ike::SealedPacket;
use ikelab_engine::wire::udp_encap::Udp4500Payload;
use ikelab_engine::{Datagram, Engine, EngineConfig, Time};
use rand_core::UnwrapErr;

use super::clock::Clock;
use super::raw_esp::RawEspSocket;
use super::sockets::IkeSockets;

/// With no deadline at all, [`Node::next`] still returns this often (nothing is due
/// then; it only bounds a sleep).
const IDLE_WAKE: Duration = Duration::from_secs(3600);

/// What [`Node::next`] saw. The engine has not been told yet.
#[derive(Debug)]
pub enum Input {
    /// A UDP datagram on the IKE or the NAT-T socket (IKE, ESP in UDP, a NAT
    /// keep-alive), with the socket's own address as its destination.
    Udp(Datagram),
    /// An ESP packet in IP (protocol 50) from the raw socket; both ports are 0.
    Esp(Datagram),
    /// The engine's deadline, or the caller's, came.
    Time,
    /// A socket failed to receive (the node goes on).
    Error(String),
}

/// The engine and the sockets it is fed from.
#[derive(Debug)]
pub struct Node {
    engine: Engine,
    sockets: IkeSockets,
    esp: Option<RawEspSocket>,
    clock: Clock,
}

impl Node {
    /// An engine configured by `config` (its ports replaced by the sockets' own)
    /// on `sockets`, and on `esp` for plain ESP. Randomness comes from the OS, the
    /// calendar time from the wall clock, and time zero is now.
    pub fn new(
        sockets: IkeSockets,
        esp: Option<RawEspSocket>,
        config: EngineConfig,
    ) -> Result<Self, String> {
        let config = EngineConfig {
            ike_port: sockets.ike_addr().port(),
            nat_t_port: sockets.nat_t_addr().port(),
            ..config
        };
        let mut engine = Engine::new(config, Box::new(UnwrapErr(SysRng)))
            .map_err(|e| format!("the engine cannot start: {e}"))?;
        let clock = Clock::start();
        engine.set_unix_time(clock.now(), Clock::unix_now());
        Ok(Self {
            engine,
            sockets,
            esp,
            clock,
        })
    }

    /// The engine's `now`.
    pub fn now(&self) -> Time {
        self.clock.now()
    }

    /// The engine, to initiate, seal, open or read from.
    pub fn engine(&mut self) -> &mut Engine {
        &mut self.engine
    }

    /// The engine, read only.
    pub fn engine_ref(&self) -> &Engine {
        &self.engine
    }

    /// The IKE and NAT-T sockets.
    pub fn sockets(&self) -> &IkeSockets {
        &self.sockets
    }

    /// The address plain ESP is received on, if this node has a raw socket.
    pub fn plain_esp(&self) -> Option<IpAddr> {
        self.esp.as_ref().map(RawEspSocket::local)
    }

    /// Waits for a datagram on any socket, the engine's next deadline or `until`,
    /// whichever comes first (cancel-safe: a datagram is never half taken).
    pub async fn next(&mut self, until: Option<Time>) -> Input {
        let deadline = [self.engine.poll_timeout(), until]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or_else(|| self.now() + IDLE_WAKE);
        let sleep = tokio::time::sleep_until(self.clock.instant_of(deadline).into());
        tokio::select! {
            received = self.sockets.recv() => match received {
                Ok(datagram) => Input::Udp(datagram),
                Err(detail) => Input::Error(detail),
            },
            received = next_esp(&mut self.esp) => match received {
                Ok(datagram) => Input::Esp(datagram),
                Err(e) => Input::Error(format!("receiving ESP (IP protocol 50): {e}")),
            },
            () = sleep => Input::Time,
        }
    }

    /// Whether a received UDP datagram is ESP in UDP: on the NAT-T socket, neither a
    /// Non-ESP Marker (IKE) nor a NAT keep-alive (RFC 3948 §2.2). Malformed data is
    /// not: the engine reports it.
    pub fn is_esp_in_udp(&self, datagram: &Datagram) -> bool {
        datagram.dst == self.sockets.nat_t_addr()
            && matches!(
                Udp4500Payload::parse(&datagram.payload),
                Ok(Udp4500Payload::Esp(_))
            )
    }

    /// Hands a received datagram to the engine: UDP to `handle_datagram`, plain ESP
    /// to `handle_esp` (whose inner packets then wait in `poll_packet`).
    pub fn deliver(&mut self, input: Input) {
        let now = self.now();
        match input {
            Input::Udp(datagram) => self.engine.handle_datagram(now, datagram),
            Input::Esp(datagram) => self.engine.handle_esp(now, datagram),
            Input::Time | Input::Error(_) => {}
        }
    }

    /// Runs the engine's timers if one is due.
    pub fn handle_due(&mut self) {
        let now = self.now();
        if self.engine.poll_timeout().is_some_and(|due| due <= now) {
            self.engine.handle_timeout(now);
        }
    }

    /// Sends a datagram the engine queued, from the socket its `src` names.
    pub async fn send(&self, datagram: &Datagram) -> Result<(), String> {
        self.sockets.send(datagram).await
    }

    /// Sends a sealed ESP packet (`esp`, from its SPI on) as its CHILD SA says: in
    /// UDP from the NAT-T socket (RFC 3948), or as IP protocol 50 (RFC 4303).
    pub async fn send_esp(&self, sealed: &SealedPacket, esp: &[u8]) -> Result<(), String> {
        if sealed.udp_encap {
            return self.sockets.send_esp(sealed.src, sealed.dst, esp).await;
        }
        match &self.esp {
            Some(raw) if raw.local() == sealed.src.ip() => raw
                .send(sealed.dst.ip(), esp)
                .await
                .map_err(|e| format!("sending ESP to {}: {e}", sealed.dst.ip())),
            Some(raw) => Err(format!(
                "CHILD SA {} sends plain ESP from {}, but the raw socket is bound to {}",
                sealed.child,
                sealed.src.ip(),
                raw.local()
            )),
            None => Err(format!(
                "CHILD SA {} sends plain ESP (IP protocol 50), and this node has no raw \
                 socket for it",
                sealed.child
            )),
        }
    }
}

/// The next plain ESP packet, or never without a raw socket.
async fn next_esp(esp: &mut Option<RawEspSocket>) -> std::io::Result<Datagram> {
    match esp {
        Some(esp) => esp.recv().await,
        None => std::future::pending().await,
    }
}
