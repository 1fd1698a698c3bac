//! The driver-facing [`Engine`]: many IKE SAs, looked up by SPI, driven by datagrams
//! and time, reporting datagrams, deadlines and events (quinn-proto's shape).

use std::collections::{BTreeMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use rand_core::CryptoRng;

use super::child::ChildSa;
use super::child_table::ChildTable;
use super::context::{Cx, Effect, Output};
use super::cookie::{COOKIE_SECRET_PERIOD, CookieJar, blocked};
use super::cp::PoolAllocator;
use super::datagram::{Datagram, Time, UnixTime};
use super::deadlines::SaDeadlines;
use super::error::{AddressList, EngineError};
use super::esp_inbound::InboundPacket;
use super::ids::{ChildSaId, IdAllocator, IkeSaId};
use super::info::IkeSaInfo;
use super::init::{InitRequest, ResponderSide, init_digest, respond_init, send_stateless};
use super::options::EngineConfig;
use super::policy::Policy;
use super::policy_cache::InitiatorPolicies;
use super::receive::{Path, on_message, report_received};
use super::responders::{ResponderId, compile};
use super::sa::{Fate, IkeSa, SaCore};
use super::state::{InitiatorInit, SaState, State};
use super::timer_purpose;
use super::timers::{Timer, TimerQueue, TimerTable};
use crate::config::{PeerConfig, Role, Unique};
use crate::event::{
    Action, Cause, ChildDownReason, DownReason, DropEvent, DropReason, Event, EventKind,
};
use crate::proposal::to_sa_payload;
use crate::wire::iana::{ExchangeType, TransformType};
use crate::wire::udp_encap::Udp4500Payload;
use crate::wire::{ErrorKind, IkeHeader, IkeSpi, Message, NotifyPayload};

/// One IKE endpoint: every IKE SA of a client or a gateway.
///
/// Feed it with [`handle_datagram`](Self::handle_datagram) and
/// [`handle_timeout`](Self::handle_timeout); after each call drain
/// [`poll_transmit`](Self::poll_transmit) and [`poll_event`](Self::poll_event), and
/// wake it again at [`poll_timeout`](Self::poll_timeout).
pub struct Engine {
    pub(super) config: EngineConfig,
    pub(super) rng: Box<dyn CryptoRng + Send>,
    /// The loaded responder configurations, in the order they are tried (ids in
    /// `Policy::index`, see `ike::responders`).
    pub(super) responders: Vec<Arc<Policy>>,
    /// The id the next added responder configuration gets.
    pub(super) next_responder: usize,
    initiator_policies: InitiatorPolicies,
    /// Boxed: `with_sa` takes an SA out and puts it back on every step, which then
    /// moves a pointer, and the map's nodes stay small (an `IkeSa` inline made each
    /// node ~11 SAs wide, allocated afresh whenever the map emptied and refilled).
    sas: BTreeMap<IkeSaId, Box<IkeSa>>,
    by_spi: BTreeMap<IkeSpi, IkeSaId>,
    init_index: BTreeMap<(IkeSpi, SocketAddr), IkeSaId>,
    half_open: usize,
    half_open_by_ip: BTreeMap<IpAddr, usize>,
    pub(super) children: ChildTable,
    pools: PoolAllocator,
    timers: TimerQueue,
    ids: IdAllocator,
    /// The cookie secrets and their rotation (RFC 7296 §2.6).
    cookie: CookieJar,
    pub(super) out: Output,
    /// Inner packets opened from datagrams, for `poll_packet`.
    pub(super) inbound: VecDeque<InboundPacket>,
    /// Calendar time at a point of the monotonic clock, as the driver last gave it.
    calendar: Option<(Time, UnixTime)>,
}

impl core::fmt::Debug for Engine {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Engine")
            .field("ike_sas", &self.sas.len())
            .field("child_sas", &self.children.len())
            .field("half_open", &self.half_open)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine with these settings, drawing every random value (SPIs, nonces,
    /// private keys, IVs, the cookie secret) from `rng`.
    pub fn new(
        config: EngineConfig,
        mut rng: Box<dyn CryptoRng + Send>,
    ) -> Result<Self, EngineError> {
        let mut responders = Vec::with_capacity(config.responder.len());
        for (index, peer) in config.responder.iter().enumerate() {
            responders.push(compile(peer.clone(), ResponderId(index))?);
        }
        let next_responder = responders.len();
        let cookie = CookieJar::new(&mut *rng, COOKIE_SECRET_PERIOD);
        Ok(Self {
            config,
            rng,
            responders,
            next_responder,
            initiator_policies: InitiatorPolicies::default(),
            sas: BTreeMap::new(),
            by_spi: BTreeMap::new(),
            init_index: BTreeMap::new(),
            half_open: 0,
            half_open_by_ip: BTreeMap::new(),
            children: ChildTable::default(),
            pools: PoolAllocator::default(),
            timers: TimerQueue::default(),
            ids: IdAllocator::default(),
            cookie,
            out: Output::new(),
            inbound: VecDeque::new(),
            calendar: None,
        })
    }

    /// Starts an IKE SA with `config` from its first `local_addrs` address to its
    /// first `remote_addrs` address, on `local_port` / `remote_port`.
    pub fn initiate(&mut self, now: Time, config: &PeerConfig) -> Result<IkeSaId, EngineError> {
        let local = config
            .initiator_local_addr()
            .ok_or(EngineError::NoAddress {
                which: AddressList::LocalAddrs,
            })?;
        let remote = config
            .initiator_remote_addr()
            .ok_or(EngineError::NoAddress {
                which: AddressList::RemoteAddrs,
            })?;
        self.initiate_from(
            now,
            config,
            SocketAddr::new(local, config.local_port),
            SocketAddr::new(remote, config.remote_port),
        )
    }

    /// Starts an IKE SA with `config` between the given addresses (for a driver that
    /// knows which address its socket sends from).
    pub fn initiate_from(
        &mut self,
        now: Time,
        config: &PeerConfig,
        local: SocketAddr,
        remote: SocketAddr,
    ) -> Result<IkeSaId, EngineError> {
        let policy = self
            .initiator_policies
            .get_or_compile(config)
            .map_err(|errors| EngineError::Config {
                responder: None,
                errors,
            })?;
        // charon's guess: the first group of the first proposal (that we implement).
        let group = policy
            .ike_proposals
            .iter()
            .flat_map(|p| p.of_type(TransformType::DH))
            .find_map(|a| self.config.provider.group(crate::wire::iana::DhId(a.id)))
            .ok_or(EngineError::NoKeyExchangeGroup)?;
        let offered = to_sa_payload(&policy.ike_proposals, &[]);
        let spi_i = self.fresh_spi();
        // RFC 7296 §2.4: INITIAL_CONTACT when we hold no IKE SA with this peer;
        // never under `unique = never` (swanctl.conf(5)).
        let initial_contact = policy.config.unique != Unique::Never
            && !self.sas.values().any(|sa| {
                sa.core.remote.ip() == remote.ip() && sa.state.name() == SaState::Established
            });
        let id = self.ids.next_ike();
        let mut core = SaCore::new(id, Role::Initiator, spi_i, policy, local, remote);
        let before = TimerTable::default();
        let (state, effects) = {
            let mut cx = self.cx(now);
            cx.emit(
                Some(id),
                EventKind::IkeSaCreated {
                    role: Role::Initiator,
                    local,
                    remote,
                },
            );
            let ke = match group.start(&mut *cx.rng) {
                Ok(ke) => ke,
                Err(e) => return Err(EngineError::Crypto(e)),
            };
            let state = InitiatorInit::start(&mut core, &mut cx, ke, offered, initial_contact);
            (state, cx.effects)
        };
        self.by_spi.insert(spi_i, id);
        let sa = Box::new(IkeSa { core, state });
        self.finish(now, sa, before, None, effects);
        Ok(id)
    }

    /// A UDP datagram arrived on one of our IKE ports. On the NAT-T port it may be
    /// ESP in UDP (RFC 3948 §2.2): the data plane opens it and queues the inner
    /// packet for [`poll_packet`](Self::poll_packet). The events it causes carry
    /// its `flight`, if the driver gave it one.
    pub fn handle_datagram(&mut self, now: Time, datagram: Datagram) {
        self.out.inbound_flight = datagram.flight;
        self.receive_datagram(now, datagram);
        self.out.inbound_flight = None;
    }

    /// The next flight id of this engine (a datagram it puts on the wire).
    pub(super) fn next_flight(&mut self) -> crate::event::FlightId {
        self.out.flights.next_id()
    }

    fn receive_datagram(&mut self, now: Time, datagram: Datagram) {
        let (bytes, _marker) = if datagram.dst.port() == self.config.nat_t_port {
            match Udp4500Payload::parse(&datagram.payload) {
                Ok(Udp4500Payload::Ike(message)) => (message, true),
                Ok(Udp4500Payload::NatKeepalive) => {
                    self.emit(
                        now,
                        None,
                        EventKind::NatKeepalive {
                            direction: crate::event::Direction::Received,
                            src: datagram.src,
                            dst: datagram.dst,
                        },
                    );
                    return;
                }
                Ok(Udp4500Payload::Esp(_)) => {
                    // RFC 3948 §2.2: ESP directly after the UDP header.
                    self.receive_esp(now, datagram.src, datagram.dst, &datagram.payload);
                    return;
                }
                Err(error) => {
                    self.dropped(now, &datagram, DropReason::BadEncapsulation { error });
                    return;
                }
            }
        } else {
            (datagram.payload.as_slice(), false)
        };
        let parsed = match IkeHeader::parse(bytes) {
            Ok(p) => p,
            Err(error) => {
                self.dropped(now, &datagram, DropReason::Malformed { error });
                return;
            }
        };
        let header = parsed.header;
        let path = Path {
            src: datagram.src,
            dst: datagram.dst,
        };
        if header.is_initiator()
            && !header.is_response()
            && header.exchange_type == ExchangeType::IKE_SA_INIT
            && header.spi_r.is_zero()
        {
            self.on_init_request(now, path, bytes, &header);
            return;
        }
        // The I flag says who sent it, so which SPI is ours (RFC 7296 §3.1).
        let (ours, theirs, role) = if header.is_initiator() {
            (header.spi_r, header.spi_i, Role::Responder)
        } else {
            (header.spi_i, header.spi_r, Role::Initiator)
        };
        let found = self.by_spi.get(&ours).copied().filter(|id| {
            self.sas.get(id).is_some_and(|sa| {
                let peer_spi = match role {
                    Role::Responder => sa.core.spi_i,
                    Role::Initiator => sa.core.spi_r,
                };
                sa.core.role == role
                    && (peer_spi == theirs || (role == Role::Initiator && sa.core.spi_r.is_zero()))
            })
        });
        let Some(id) = found else {
            self.dropped(
                now,
                &datagram,
                DropReason::UnknownSpi {
                    spi_i: header.spi_i,
                    spi_r: header.spi_r,
                },
            );
            return;
        };
        self.with_sa(now, id, |sa, cx| on_message(sa, cx, path, bytes, &header));
    }

    /// Time has passed: retransmit, expire, send keep-alives.
    pub fn handle_timeout(&mut self, now: Time) {
        self.cookie.on_timeout(now, &mut *self.rng);
        while let Some((id, timer, _)) = self.timers.pop_due(now) {
            if let Some(sa) = self.sas.get_mut(&id) {
                // The entry left the queue: the SA's table must agree.
                sa.core.timers.clear(timer);
            }
            self.with_sa(now, id, |sa, cx| on_timer(sa, cx, timer));
        }
    }

    /// The next datagram to send, from `src` to `dst`.
    pub fn poll_transmit(&mut self) -> Option<Datagram> {
        self.out.transmits.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next.
    pub fn poll_timeout(&self) -> Option<Time> {
        [self.timers.next(), self.cookie.deadline()]
            .into_iter()
            .flatten()
            .min()
    }

    /// The next event, in the order things happened. With a key log installed
    /// (`EngineConfig::key_log`), the key records derived before that event are
    /// handed to it first (after the last event: on the call that returns `None`).
    pub fn poll_event(&mut self) -> Option<Event> {
        let has_event = !self.out.events.is_empty();
        let sink = self.config.key_log.as_deref();
        self.out.keys.before_next_event(sink, has_event);
        self.out.events.pop_front()
    }

    /// The status of an IKE SA.
    pub fn ike_sa(&self, id: IkeSaId) -> Option<IkeSaInfo> {
        self.sas.get(&id).map(|sa| IkeSaInfo::of(sa))
    }

    /// When the established IKE SA `id` and its CHILD SAs are due to be rekeyed and
    /// to expire; `None` for an unknown or not (yet, or no longer) established SA.
    pub fn deadlines(&self, id: IkeSaId) -> Option<SaDeadlines> {
        self.sas.get(&id).and_then(|sa| SaDeadlines::of(sa))
    }

    /// Every IKE SA, in creation order.
    pub fn ike_sa_ids(&self) -> Vec<IkeSaId> {
        self.sas.keys().copied().collect()
    }

    /// An installed CHILD SA, with its keys (for the ESP data plane).
    pub fn child_sa(&self, id: ChildSaId) -> Option<&ChildSa> {
        self.children.get(&id)
    }

    /// Every installed CHILD SA.
    pub fn child_sas(&self) -> impl Iterator<Item = &ChildSa> {
        self.children.values()
    }

    /// Half-open IKE SAs of this responder.
    pub fn half_open_count(&self) -> usize {
        self.half_open
    }

    /// Calendar time is `unix` at monotonic time `now` (for certificate validity,
    /// RFC 5280 §4.1.2.5); it advances with the monotonic clock from there. A driver
    /// calls it at start and again whenever the wall clock is stepped.
    pub fn set_unix_time(&mut self, now: Time, unix: UnixTime) {
        self.calendar = Some((now, unix));
    }

    /// Calendar time at monotonic time `now`, if the driver gave it (seconds,
    /// rounded down; a `now` before the anchor counts back from it).
    pub fn unix_time(&self, now: Time) -> Option<UnixTime> {
        let (anchor, unix) = self.calendar?;
        let seconds = if now >= anchor {
            unix.0.saturating_add((now - anchor).as_secs())
        } else {
            unix.0.saturating_sub(
                (anchor - now)
                    .as_secs()
                    .saturating_add(u64::from((anchor - now).subsec_nanos() > 0)),
            )
        };
        Some(UnixTime(seconds))
    }

    /// The settings the engine runs with.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    // ---- internals -------------------------------------------------------------

    pub(super) fn cx(&mut self, now: Time) -> Cx<'_> {
        Cx {
            now,
            rng: &mut *self.rng,
            provider: self.config.provider,
            config: &self.config,
            out: &mut self.out,
            ids: &mut self.ids,
            children: &mut self.children,
            pools: &mut self.pools,
            responders: &self.responders,
            spis: &self.by_spi,
            ike_sas: &self.sas,
            cookie: &mut self.cookie,
            effects: Vec::new(),
        }
    }

    pub(super) fn emit(&mut self, now: Time, sa: Option<IkeSaId>, kind: EventKind) {
        self.cx(now).emit(sa, kind);
    }

    fn dropped(&mut self, now: Time, datagram: &Datagram, reason: DropReason) {
        self.emit(
            now,
            None,
            EventKind::MessageDropped(DropEvent {
                src: datagram.src,
                dst: datagram.dst,
                length: datagram.payload.len(),
                summary: None,
                reason,
            }),
        );
    }

    fn fresh_spi(&mut self) -> IkeSpi {
        loop {
            let spi = IkeSpi::from(self.rng.next_u64());
            if !spi.is_zero() && !self.by_spi.contains_key(&spi) {
                return spi;
            }
        }
    }

    /// Runs `f` on one IKE SA with a context, then applies what it changed.
    pub(super) fn with_sa(
        &mut self,
        now: Time,
        id: IkeSaId,
        f: impl FnOnce(&mut IkeSa, &mut Cx<'_>),
    ) {
        let Some(mut sa) = self.sas.remove(&id) else {
            return;
        };
        let before = sa.core.timers;
        let state_before = sa.state.name();
        let effects = {
            let mut cx = self.cx(now);
            f(&mut sa, &mut cx);
            cx.effects
        };
        self.finish(now, sa, before, Some(state_before), effects);
    }

    /// Bookkeeping after an SA was handled: state change, half-open count, timers,
    /// removal, effects on other SAs.
    fn finish(
        &mut self,
        now: Time,
        mut sa: Box<IkeSa>,
        timers_before: TimerTable,
        state_before: Option<SaState>,
        effects: Vec<Effect>,
    ) {
        let id = sa.core.id;
        let state_now = sa.state.name();
        if let Some(from) = state_before
            && from != state_now
        {
            self.emit(
                now,
                Some(id),
                EventKind::StateChanged {
                    from,
                    to: state_now,
                },
            );
        }
        if state_now != SaState::HalfOpen {
            self.uncount_half_open(&mut sa.core);
        }
        match sa.core.fate {
            Fate::Remove => {
                self.timers.remove_all(id, &timers_before);
                self.remove(now, sa);
            }
            Fate::Alive | Fate::Linger => {
                let changes = self.timers.update(id, &timers_before, &sa.core.timers);
                for (timer, deadline) in changes {
                    let purpose = deadline.and_then(|at| timer_purpose::purpose(&sa, timer, at));
                    let deadline_us = deadline.map(super::datagram::micros);
                    self.emit(
                        now,
                        Some(id),
                        EventKind::Timer {
                            timer,
                            purpose,
                            deadline_us,
                        },
                    );
                }
                self.sas.insert(id, sa);
            }
        }
        for effect in effects {
            self.apply(now, effect);
        }
    }

    fn uncount_half_open(&mut self, core: &mut SaCore) {
        if let Some(ip) = core.half_open_ip.take() {
            self.half_open = self.half_open.saturating_sub(1);
            if let Some(n) = self.half_open_by_ip.get_mut(&ip) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.half_open_by_ip.remove(&ip);
                }
            }
        }
    }

    /// Forgets an SA whose timers are already out of the queue.
    fn remove(&mut self, now: Time, mut sa: Box<IkeSa>) {
        let id = sa.core.id;
        self.uncount_half_open(&mut sa.core);
        if self.by_spi.get(&sa.core.our_spi()) == Some(&id) {
            self.by_spi.remove(&sa.core.our_spi());
        }
        if let Some(key) = sa.core.init_key
            && self.init_index.get(&key) == Some(&id)
        {
            self.init_index.remove(&key);
        }
        for child in &sa.core.children {
            if self.children.remove(child).is_some() {
                self.emit(
                    now,
                    Some(id),
                    EventKind::ChildSaDown {
                        child: *child,
                        reason: ChildDownReason::IkeSaGone,
                    },
                );
            }
        }
        self.pools.release(id);
    }

    fn apply(&mut self, now: Time, effect: Effect) {
        match effect {
            Effect::InitialContact { new_sa, old } => {
                for id in old {
                    // RFC 7296 §2.4: the old SAs may be deleted without a Delete.
                    self.with_sa(now, id, |sa, cx| {
                        if matches!(sa.state, State::Established(_)) {
                            let reason = DownReason::ReplacedByInitialContact { new_sa };
                            sa.core.go_down(cx, reason, false);
                            sa.state = State::Closing;
                        }
                    });
                }
            }
            Effect::DeleteDuplicates { new_sa, old } => {
                let task = super::ops::Task {
                    action: Action::DeleteIke,
                    cause: Cause::Uniqueness { new_sa },
                };
                for id in old {
                    // An SA already replaced by a rekey (RFC 7296 §2.18) refuses the
                    // command; the SA that replaced it is among `old`.
                    self.with_sa(now, id, |sa, cx| {
                        let _ = super::ops::command(sa, cx, task.clone());
                    });
                }
            }
            Effect::AdoptIkeSa(sa) => {
                let id = sa.core.id;
                self.by_spi.insert(sa.core.our_spi(), id);
                self.finish(now, sa, TimerTable::default(), None, Vec::new());
                self.with_sa(now, id, super::ops::kick);
            }
            Effect::Redundant { sa, winner } => {
                self.with_sa(now, sa, |s, cx| super::ops::redundant(s, cx, winner));
            }
            Effect::MoveChildren {
                from,
                to,
                children,
                tasks,
            } => {
                if self.sas.contains_key(&to) {
                    self.pools.transfer(from, to);
                    self.with_sa(now, to, |sa, cx| {
                        super::ops::inherit(sa, cx, from, children, tasks);
                    });
                } else {
                    for (child, _) in children {
                        if self.children.remove(&child).is_some() {
                            self.emit(
                                now,
                                Some(from),
                                EventKind::ChildSaDown {
                                    child,
                                    reason: ChildDownReason::NewIkeSaGone,
                                },
                            );
                        }
                    }
                }
            }
        }
    }

    /// An IKE_SA_INIT request (SPIr zero): a retransmission, or a new IKE SA.
    fn on_init_request(&mut self, now: Time, path: Path, bytes: &[u8], header: &IkeHeader) {
        if let Some(&id) = self.init_index.get(&(header.spi_i, path.src))
            && let Some(sa) = self.sas.get(&id)
            && sa.core.init_digest == Some(init_digest(bytes))
        {
            // §2.1: the same request again; the same response again while it is
            // still the last one, else the request is stale.
            let answered = sa
                .core
                .window
                .last_response
                .as_ref()
                .is_some_and(|r| r.message_id == header.message_id);
            self.with_sa(now, id, |sa, cx| {
                if answered {
                    // Reported as received, as a repeated protected request is, so
                    // the datagram's arrival has its event.
                    if let Ok(message) = Message::parse(bytes) {
                        let resent = sa
                            .core
                            .window
                            .last_response
                            .as_ref()
                            .map_or(0, |c| c.resent);
                        let payloads: Arc<[crate::wire::Payload]> = message.payloads.into();
                        report_received(sa, cx, path, header, bytes, &payloads, None, resent + 1);
                    }
                    sa.core.resend_response(cx);
                } else {
                    let reason = DropReason::UnexpectedMessage {
                        state: sa.state.name(),
                        exchange: ExchangeType::IKE_SA_INIT,
                        response: false,
                    };
                    cx.emit(
                        Some(sa.core.id),
                        EventKind::MessageDropped(DropEvent {
                            src: path.src,
                            dst: path.dst,
                            length: bytes.len(),
                            summary: None,
                            reason,
                        }),
                    );
                }
            });
            return;
        }
        let req = InitRequest {
            src: path.src,
            dst: path.dst,
            raw: bytes,
            header,
        };
        let message = match Message::parse(bytes) {
            Ok(m) => m,
            Err(error) => {
                let notify = match error.kind {
                    ErrorKind::UnsupportedCriticalPayload { payload_type } => {
                        NotifyPayload::unsupported_critical_payload(crate::wire::iana::PayloadType(
                            payload_type,
                        ))
                    }
                    _ => NotifyPayload::new(error.notify_type(), Vec::new()),
                };
                let mut cx = self.cx(now);
                cx.emit(
                    None,
                    EventKind::MessageDropped(DropEvent {
                        src: path.src,
                        dst: path.dst,
                        length: bytes.len(),
                        summary: None,
                        reason: DropReason::Malformed { error },
                    }),
                );
                // §2.21.1: an unprotected error answer, no state kept.
                send_stateless(&mut cx, &req, notify);
                return;
            }
        };
        let candidates: Vec<Arc<Policy>> = self
            .responders
            .iter()
            .filter(|p| p.accepts_addresses(path.src.ip(), path.dst.ip()))
            .cloned()
            .collect();
        let from_ip = self
            .half_open_by_ip
            .get(&path.src.ip())
            .copied()
            .unwrap_or(0);
        if let Some(first) = candidates.first()
            && blocked(&first.config, from_ip)
        {
            let reason = DropReason::Blocked {
                half_open_from_ip: u32::try_from(from_ip).unwrap_or(u32::MAX),
            };
            self.emit(
                now,
                None,
                EventKind::MessageDropped(DropEvent {
                    src: path.src,
                    dst: path.dst,
                    length: bytes.len(),
                    summary: None,
                    reason,
                }),
            );
            return;
        }
        let spi_r = self.fresh_spi();
        let side = ResponderSide {
            candidates,
            half_open: self.half_open,
            half_open_from_ip: from_ip,
            spi_r,
        };
        let created = respond_init(&mut self.cx(now), &req, &message, side);
        if let Some(sa) = created {
            let id = sa.core.id;
            self.by_spi.insert(sa.core.spi_r, id);
            self.init_index.insert((header.spi_i, path.src), id);
            self.half_open += 1;
            *self.half_open_by_ip.entry(path.src.ip()).or_insert(0) += 1;
            self.finish(now, Box::new(sa), TimerTable::default(), None, Vec::new());
        }
    }
}

/// A timer of one SA fired.
fn on_timer(sa: &mut IkeSa, cx: &mut Cx<'_>, timer: Timer) {
    match timer {
        Timer::Retransmit => {
            if let State::InitiatorInit(init) = &sa.state
                && let Some(notify) = init.pending_error()
            {
                let reason = DownReason::PeerError {
                    exchange: ExchangeType::IKE_SA_INIT,
                    notify,
                };
                sa.core.go_down(cx, reason, false);
                sa.state = State::Closing;
            } else if let Err(reason) = sa.core.retransmit(cx) {
                let reason = super::ops::give_up_reason(sa, cx, reason);
                sa.core.go_down(cx, reason, false);
                sa.state = State::Closing;
            }
        }
        Timer::HalfOpen => {
            if matches!(sa.state, State::ResponderAuth(_)) {
                sa.core.go_down(cx, DownReason::HalfOpenExpired, false);
                sa.state = State::Closing;
            }
        }
        Timer::Keepalive => {
            if matches!(sa.state, State::Established(_)) {
                sa.core.keepalive_due(cx);
            }
        }
        Timer::Linger => sa.core.fate = Fate::Remove,
        Timer::Dpd | Timer::Lifetime => super::ops::on_timer(sa, cx, timer),
    }
}
