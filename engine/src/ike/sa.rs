//! One IKE SA: the parts every state shares (SPIs, addresses, message IDs, timers,
//! keys) in [`SaCore`], and the typed state in [`State`](super::state::State).
//!
//! Sending goes through here so that every message is encoded, protected, framed
//! (Non-ESP Marker on the NAT-T port), queued, traced and, for requests, armed for
//! retransmission in one place.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use super::child::ChildSa;
use super::context::Cx;
use super::datagram::{Datagram, Time};
use super::ids::{ChildSaId, IkeSaId};
use super::nat::NatDetection;
use super::policy::Policy;
use super::protect::{Protection, SealError, Sealed, SkPlaintext};
use super::retransmit::{CachedResponse, Outstanding, Window, wait_after};
use super::state::State;
use super::summary::message_summary;
use super::timers::{Timer, TimerTable};
use crate::config::Role;
use crate::event::{DownReason, EventKind, MessageEvent};
use crate::wire::dissect::KnownPlaintext;
use crate::wire::emit_message;
use crate::wire::iana::{DhId, ExchangeType};
use crate::wire::udp_encap::{NAT_KEEPALIVE, NON_ESP_MARKER};
use crate::wire::{Dissection, Flags, IdPayload, IkeHeader, IkeSpi, Payload, dissect_message};

/// What becomes of an IKE SA after the call at hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    Alive,
    /// Down, kept only to answer retransmissions until the Linger timer.
    Linger,
    /// Down, to be removed now.
    Remove,
}

/// NAT traversal status.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NatState {
    pub(crate) detection: Option<NatDetection>,
    /// IKE on the NAT-T port, ESP in UDP.
    pub(crate) udp_encap: bool,
    /// We are behind NAT: send keep-alives.
    pub(crate) keepalives: bool,
    /// When we last sent the peer an IKE message or a keep-alive (ESP sends are
    /// noted on the CHILD SAs): keep-alives are timed from it (RFC 3948 §4).
    pub(crate) last_sent: Option<Time>,
}

/// Everything an IKE SA has whatever its state.
#[derive(Debug)]
pub(crate) struct SaCore {
    pub(crate) id: IkeSaId,
    /// Whether we sent the IKE_SA_INIT request (the "original initiator").
    pub(crate) role: Role,
    pub(crate) spi_i: IkeSpi,
    /// Zero until the IKE_SA_INIT response.
    pub(crate) spi_r: IkeSpi,
    pub(crate) policy: Arc<Policy>,
    pub(crate) local: SocketAddr,
    pub(crate) remote: SocketAddr,
    pub(crate) nat: NatState,
    pub(crate) window: Window,
    pub(crate) timers: TimerTable,
    pub(crate) protection: Option<Protection>,
    pub(crate) children: Vec<ChildSaId>,
    pub(crate) peer_id: Option<IdPayload>,
    pub(crate) local_id: Option<IdPayload>,
    pub(crate) virtual_ips: Vec<IpAddr>,
    /// DNS servers of the configuration reply: the ones the peer gave us
    /// (initiator) or we gave the peer (responder) (RFC 7296 §3.15.1,
    /// INTERNAL_IP4_DNS / INTERNAL_IP6_DNS).
    pub(crate) dns: Vec<IpAddr>,
    /// The chosen IKE proposal in strongSwan syntax.
    pub(crate) proposal: Option<String>,
    /// Its key exchange group.
    pub(crate) dh: DhId,
    pub(crate) fate: Fate,
    /// Set while this responder SA is counted as half-open (the peer's address).
    pub(crate) half_open_ip: Option<IpAddr>,
    /// The responder's IKE_SA_INIT index key (SPIi, initiator address).
    pub(crate) init_key: Option<(IkeSpi, SocketAddr)>,
    /// Digest of the IKE_SA_INIT request this responder SA answered.
    pub(crate) init_digest: Option<[u8; 20]>,
    /// When we last sent INVALID_MESSAGE_ID (rate limit, RFC 7296 §3.10.1).
    pub(crate) last_invalid_mid_notice: Option<Time>,
}

/// An IKE SA.
#[derive(Debug)]
pub(crate) struct IkeSa {
    pub(crate) core: SaCore,
    pub(crate) state: State,
}

impl SaCore {
    pub(crate) fn new(
        id: IkeSaId,
        role: Role,
        spi_i: IkeSpi,
        policy: Arc<Policy>,
        local: SocketAddr,
        remote: SocketAddr,
    ) -> Self {
        Self {
            id,
            role,
            spi_i,
            spi_r: IkeSpi::ZERO,
            policy,
            local,
            remote,
            nat: NatState::default(),
            window: Window::default(),
            timers: TimerTable::default(),
            protection: None,
            children: Vec::new(),
            peer_id: None,
            local_id: None,
            virtual_ips: Vec::new(),
            dns: Vec::new(),
            proposal: None,
            dh: DhId::NONE,
            fate: Fate::Alive,
            half_open_ip: None,
            init_key: None,
            init_digest: None,
            last_invalid_mid_notice: None,
        }
    }

    /// Our own SPI (what the engine looks this SA up by).
    pub(crate) fn our_spi(&self) -> IkeSpi {
        match self.role {
            Role::Initiator => self.spi_i,
            Role::Responder => self.spi_r,
        }
    }

    pub(crate) fn header(
        &self,
        exchange: ExchangeType,
        response: bool,
        message_id: u32,
    ) -> IkeHeader {
        IkeHeader::new(
            self.spi_i,
            self.spi_r,
            exchange,
            Flags::new(self.role == Role::Initiator, response),
            message_id,
        )
    }

    /// IKE_SA_INIT goes in clear; everything after it inside SK. Returns the bytes and,
    /// for a protected message, the plaintext that was encrypted.
    fn encode(
        &self,
        cx: &mut Cx<'_>,
        header: &IkeHeader,
        payloads: &[Payload],
    ) -> Result<(Vec<u8>, Option<SkPlaintext>), SealError> {
        match &self.protection {
            Some(p) if header.exchange_type != ExchangeType::IKE_SA_INIT => p
                .seal(header, payloads, cx.rng)
                .map(|Sealed { bytes, plaintext }| (bytes, Some(plaintext))),
            _ => emit_message(header, payloads)
                .map(|b| (b, None))
                .map_err(SealError::Emit),
        }
    }

    /// Encodes (and protects) a message, dissects it from what was sealed and puts
    /// its first transmission on the wire: what requests and responses share.
    fn send_first(
        &mut self,
        cx: &mut Cx<'_>,
        header: &IkeHeader,
        payloads: Vec<Payload>,
    ) -> Result<First, SealError> {
        let (bytes, plaintext) = self.encode(cx, header, &payloads)?;
        let first = First {
            encrypted: plaintext.is_some(),
            dissection: dissect(cx, &bytes, plaintext),
            payloads: payloads.into(),
            bytes,
        };
        let sent = Sent {
            header,
            bytes: &first.bytes,
            payloads: Arc::clone(&first.payloads),
            encrypted: first.encrypted,
            dissection: first.dissection.clone(),
        };
        self.put_on_wire(cx, sent, 0);
        Ok(first)
    }

    /// Sends a request with the next Message ID and arms its retransmission.
    pub(crate) fn send_request(
        &mut self,
        cx: &mut Cx<'_>,
        exchange: ExchangeType,
        payloads: Vec<Payload>,
    ) -> Result<(), SealError> {
        let message_id = self.window.next_request_id;
        let header = self.header(exchange, false, message_id);
        let First {
            bytes,
            payloads,
            encrypted,
            dissection,
        } = self.send_first(cx, &header, payloads)?;
        self.window.next_request_id = message_id.wrapping_add(1);
        self.window.outstanding = Some(Outstanding {
            message_id,
            exchange,
            bytes,
            payloads,
            encrypted,
            dissection,
            transmissions: 1,
        });
        let wait = wait_after(&self.policy.config.retransmit, 0, cx.rng);
        self.timers
            .set(Timer::Retransmit, cx.now.saturating_add(wait));
        Ok(())
    }

    /// Sends a request once, without waiting for its response (an INFORMATIONAL that
    /// reports an error right before the SA is dropped, RFC 7296 §2.21.2).
    pub(crate) fn send_request_once(
        &mut self,
        cx: &mut Cx<'_>,
        exchange: ExchangeType,
        payloads: Vec<Payload>,
    ) -> Result<(), SealError> {
        let message_id = self.window.next_request_id;
        let header = self.header(exchange, false, message_id);
        self.send_first(cx, &header, payloads)?;
        self.window.next_request_id = message_id.wrapping_add(1);
        Ok(())
    }

    /// Sends a response and keeps it for retransmitted requests.
    pub(crate) fn send_response(
        &mut self,
        cx: &mut Cx<'_>,
        exchange: ExchangeType,
        message_id: u32,
        payloads: Vec<Payload>,
    ) -> Result<(), SealError> {
        let header = self.header(exchange, true, message_id);
        let First {
            bytes,
            payloads,
            encrypted,
            dissection,
        } = self.send_first(cx, &header, payloads)?;
        self.window.last_response = Some(CachedResponse {
            message_id,
            header,
            bytes,
            encrypted,
            payloads,
            dissection,
            resent: 0,
        });
        Ok(())
    }

    /// The outstanding request was answered.
    pub(crate) fn complete_request(&mut self) {
        self.window.outstanding = None;
        self.timers.clear(Timer::Retransmit);
    }

    /// A retransmitted request: the cached response again, byte for byte, traced
    /// with the first transmission's payloads and dissection.
    pub(crate) fn resend_response(&mut self, cx: &mut Cx<'_>) {
        let Some(cached) = self.window.last_response.as_mut() else {
            return;
        };
        cached.resent += 1;
        let cached = cached.clone();
        let sent = Sent {
            header: &cached.header,
            bytes: &cached.bytes,
            payloads: cached.payloads,
            encrypted: cached.encrypted,
            dissection: cached.dissection,
        };
        self.put_on_wire(cx, sent, cached.resent);
    }

    /// Retransmits the outstanding request, or reports that the budget is spent.
    pub(crate) fn retransmit(&mut self, cx: &mut Cx<'_>) -> Result<(), DownReason> {
        let tries = self.policy.config.retransmit.tries;
        let Some(o) = self.window.outstanding.as_mut() else {
            return Ok(());
        };
        if o.transmissions > tries {
            return Err(DownReason::Timeout {
                exchange: o.exchange,
                message_id: o.message_id,
                transmissions: o.transmissions,
            });
        }
        o.transmissions += 1;
        let n = o.transmissions - 1;
        let o = o.clone();
        let header = self.header(o.exchange, false, o.message_id);
        let sent = Sent {
            header: &header,
            bytes: &o.bytes,
            payloads: o.payloads,
            encrypted: o.encrypted,
            dissection: o.dissection,
        };
        self.put_on_wire(cx, sent, n);
        let wait = wait_after(&self.policy.config.retransmit, n, cx.rng);
        self.timers
            .set(Timer::Retransmit, cx.now.saturating_add(wait));
        Ok(())
    }

    /// Frames, queues and traces one IKE message.
    fn put_on_wire(&mut self, cx: &mut Cx<'_>, sent: Sent<'_>, retransmission: u32) {
        let marker = self.local.port() == cx.config.nat_t_port;
        let payload = if marker {
            [NON_ESP_MARKER.as_slice(), sent.bytes].concat()
        } else {
            sent.bytes.to_vec()
        };
        let event = message_event((self.local, self.remote, marker), sent, retransmission);
        let flight = cx.transmit(Datagram::new(self.local, self.remote, payload));
        cx.emit_for(Some(self.id), Some(flight), EventKind::MessageSent(event));
        self.note_sent(cx);
    }

    /// Anything sent postpones the next keep-alive (RFC 3948 §4).
    fn note_sent(&mut self, cx: &Cx<'_>) {
        self.nat.last_sent = Some(cx.now);
        self.arm_keepalive(cx.now);
    }

    /// Arms the keep-alive timer one interval after `last_sent`, when we are behind a
    /// NAT (RFC 3948 §2.3, §4).
    pub(crate) fn arm_keepalive(&mut self, last_sent: Time) {
        let interval = self.policy.config.keep_alive;
        if self.nat.keepalives && !interval.is_zero() && self.protection.is_some() {
            self.timers
                .set(Timer::Keepalive, last_sent.saturating_add(interval));
        }
    }

    /// The keep-alive timer fired. RFC 3948 §4: a keep-alive is sent only if no
    /// packet was sent to the peer for the keep-alive interval; an IKE message or an
    /// ESP packet of any of our CHILD SAs since then moves the timer instead.
    pub(crate) fn keepalive_due(&mut self, cx: &mut Cx<'_>) {
        let esp = self
            .children
            .iter()
            .filter_map(|id| cx.children.get(id)?.last_outbound)
            .max();
        let last = self.nat.last_sent.max(esp);
        let interval = self.policy.config.keep_alive;
        match last {
            Some(last) if last.saturating_add(interval) > cx.now => self.arm_keepalive(last),
            _ => self.send_keepalive(cx),
        }
    }

    /// Sends a NAT keep-alive (one 0xFF octet on the NAT-T port, RFC 3948 §2.3).
    fn send_keepalive(&mut self, cx: &mut Cx<'_>) {
        if self.local.port() == cx.config.nat_t_port {
            let keepalive = Datagram::new(self.local, self.remote, vec![NAT_KEEPALIVE]);
            let flight = cx.transmit(keepalive);
            cx.emit_for(
                Some(self.id),
                Some(flight),
                EventKind::NatKeepalive {
                    direction: crate::event::Direction::Sent,
                    src: self.local,
                    dst: self.remote,
                },
            );
        }
        self.note_sent(cx);
    }

    /// Ends the SA: reports why, stops its timers and, with `linger`, keeps it to
    /// answer retransmissions of the request that ended it.
    pub(crate) fn go_down(&mut self, cx: &mut Cx<'_>, reason: DownReason, linger: bool) {
        cx.emit(Some(self.id), EventKind::IkeSaDown { reason });
        self.window.outstanding = None;
        for timer in [
            Timer::Retransmit,
            Timer::HalfOpen,
            Timer::Keepalive,
            Timer::Dpd,
            Timer::Lifetime,
        ] {
            self.timers.clear(timer);
        }
        if linger {
            let span = self
                .policy
                .config
                .retransmit
                .time_until_give_up()
                .min(Time::from_secs(300));
            self.timers.set(Timer::Linger, cx.now.saturating_add(span));
            self.fate = Fate::Linger;
        } else {
            self.fate = Fate::Remove;
        }
    }

    /// Registers a CHILD SA with the engine.
    pub(crate) fn install_child(&mut self, cx: &mut Cx<'_>, child: ChildSa) {
        self.children.push(child.id);
        cx.children.insert(child.id, child);
    }
}

/// A message as first sent: what the retransmission state keeps of it.
#[derive(Debug)]
struct First {
    bytes: Vec<u8>,
    payloads: Arc<[Payload]>,
    encrypted: bool,
    dissection: Option<Arc<Dissection>>,
}

/// One IKE message as the trace shows it: what crossed the wire and what was inside.
pub(crate) struct Sent<'a> {
    pub(crate) header: &'a IkeHeader,
    /// The IKE message (without the Non-ESP Marker).
    pub(crate) bytes: &'a [u8],
    /// The payloads: the inner payloads of a protected message.
    pub(crate) payloads: Arc<[Payload]>,
    pub(crate) encrypted: bool,
    pub(crate) dissection: Option<Arc<Dissection>>,
}

/// A message's dissection (when the engine is configured so), built from the
/// plaintext its SK payload carries as the engine sealed or opened it: nothing is
/// decrypted for the trace. Without `EngineConfig::dissect` nothing is built.
pub(crate) fn dissect(
    cx: &Cx<'_>,
    bytes: &[u8],
    plaintext: Option<SkPlaintext>,
) -> Option<Arc<Dissection>> {
    cx.config.dissect.then(|| {
        Arc::new(match plaintext {
            Some(plaintext) => {
                dissect_message(bytes, Some(&mut KnownPlaintext::new(plaintext.decrypted())))
            }
            None => dissect_message(bytes, None),
        })
    })
}

/// The trace record of a message sent or received on `(src, dst, marker)`.
pub(crate) fn message_event(
    (src, dst, marker): (SocketAddr, SocketAddr, bool),
    sent: Sent<'_>,
    retransmission: u32,
) -> MessageEvent {
    let header = sent.header;
    MessageEvent {
        src,
        dst,
        non_esp_marker: marker,
        exchange: header.exchange_type,
        message_id: header.message_id,
        response: header.is_response(),
        spi_i: header.spi_i,
        spi_r: header.spi_r,
        summary: message_summary(header, &sent.payloads),
        retransmission,
        bytes: sent.bytes.to_vec(),
        encrypted: sent.encrypted,
        payloads: sent.payloads,
        dissection: sent.dissection,
    }
}
