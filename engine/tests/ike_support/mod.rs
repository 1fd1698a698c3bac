//! Shared set-up of the IKE state machine tests: configurations, seeded engines,
//! a `Pair` over a link, and lookups in the event logs.
#![allow(dead_code, unreachable_pub)]

use core::time::Duration;
use std::sync::Arc;

use ikelab_engine::config::PeerConfig;
use ikelab_engine::event::{DownReason, Event, EventKind};
use ikelab_engine::keylog::{KeyLog, KeyRecorder};
use ikelab_engine::sim::{LinkConfig, Pair, Side};
use ikelab_engine::{Engine, EngineConfig, IkeSaId};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// The client of most tests: 192.0.2.2 to the gateway 192.0.2.1, x25519 + AES-GCM,
/// asking for a virtual IP, one child to 10.1.0.0/24. Retransmission in 100 ms
/// steps so lossy runs stay short in virtual time.
pub const INITIATOR: &str = ikelab_engine::sim::fixtures::CLIENT;

/// The gateway: accepts the client, assigns from 10.3.0.0/24.
pub const RESPONDER: &str = ikelab_engine::sim::fixtures::GATEWAY;

pub fn config(text: &str) -> PeerConfig {
    match toml::from_str(text) {
        Ok(c) => c,
        Err(e) => panic!("test configuration does not parse: {e}"),
    }
}

/// A configuration with some keys replaced (a TOML fragment merged over `base`).
pub fn with(base: &str, edit: impl FnOnce(&mut PeerConfig)) -> PeerConfig {
    let mut c = config(base);
    edit(&mut c);
    c
}

pub fn rng(seed: u64) -> Box<ChaCha20Rng> {
    Box::new(ChaCha20Rng::seed_from_u64(seed))
}

/// An engine without a key log: no secret leaves it.
pub fn engine(responder: Vec<PeerConfig>, seed: u64, dissect: bool) -> Engine {
    engine_logging_to(responder, seed, None, dissect)
}

fn engine_logging_to(
    responder: Vec<PeerConfig>,
    seed: u64,
    key_log: Option<Arc<KeyRecorder>>,
    dissect: bool,
) -> Engine {
    let config = EngineConfig {
        responder,
        key_log: key_log.map(|k| k as Arc<dyn KeyLog>),
        dissect,
        ..EngineConfig::default()
    };
    match Engine::new(config, rng(seed)) {
        Ok(e) => e,
        Err(e) => panic!("engine: {e}"),
    }
}

/// A pair whose engines (A only initiates, B answers with `responder`) log keys to
/// recorders the pair puts among their events (`KeysDerived`, `IkeSaKeys`,
/// `ChildSaKeys`), as the simulator's trace does.
pub fn keyed_pair(
    responder: Vec<PeerConfig>,
    seeds: (u64, u64),
    dissect: bool,
    link: LinkConfig,
    link_seed: u64,
) -> Pair {
    let (keys_a, keys_b) = (Arc::new(KeyRecorder::new()), Arc::new(KeyRecorder::new()));
    let a = engine_logging_to(Vec::new(), seeds.0, Some(keys_a.clone()), dissect);
    let b = engine_logging_to(responder, seeds.1, Some(keys_b.clone()), dissect);
    let mut pair = Pair::new(a, b, link, link_seed);
    pair.record_keys(Side::A, keys_a);
    pair.record_keys(Side::B, keys_b);
    pair
}

/// A pair: A initiates with `initiator`, B answers with `responder`.
pub fn pair_with(
    initiator: &PeerConfig,
    responder: PeerConfig,
    link: LinkConfig,
    seed: u64,
) -> (Pair, IkeSaId) {
    let seeds = (seed.wrapping_mul(2) + 1, seed.wrapping_mul(2) + 2);
    let mut pair = keyed_pair(vec![responder], seeds, true, link, seed);
    let id = match pair.a.initiate(Duration::ZERO, initiator) {
        Ok(id) => id,
        Err(e) => panic!("initiate: {e}"),
    };
    (pair, id)
}

pub fn default_pair(seed: u64) -> (Pair, IkeSaId) {
    pair_with(
        &config(INITIATOR),
        config(RESPONDER),
        LinkConfig::default(),
        seed,
    )
}

/// The log lines of a side, for failure messages.
pub fn transcript(events: &[Event]) -> String {
    events
        .iter()
        .map(|e| format!("{:>10} {}", e.time_us, e.describe()))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn count(events: &[Event], pred: impl Fn(&EventKind) -> bool) -> usize {
    events.iter().filter(|e| pred(&e.kind)).count()
}

pub fn find<T>(events: &[Event], f: impl Fn(&EventKind) -> Option<T>) -> Option<T> {
    events.iter().find_map(|e| f(&e.kind))
}

/// Summaries of the messages a side sent, in order (charon style).
pub fn sent(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MessageSent(m) if m.retransmission == 0 => Some(m.summary.clone()),
            _ => None,
        })
        .collect()
}

pub fn down_reason(events: &[Event]) -> Option<DownReason> {
    find(events, |k| match k {
        EventKind::IkeSaDown { reason } => Some(reason.clone()),
        _ => None,
    })
}

use ikelab_engine::crypto::RUST_CRYPTO;
use ikelab_engine::crypto::sk::SkProtection;
use ikelab_engine::ike::SaState;
use ikelab_engine::wire::iana::PayloadType;
use ikelab_engine::wire::{IkeHeader, Message, Payload, SkPayload};

/// Seals `inner` (a payload chain's bytes, first payload `first`) as the original
/// initiator would, with the keys the initiator's key log reported: lets a test send
/// authenticated messages the engine would never build itself.
pub fn seal_as_initiator(
    initiator_events: &[Event],
    header: IkeHeader,
    inner: &[u8],
    first: PayloadType,
) -> Vec<u8> {
    let Some(keys) = find(initiator_events, |k| match k {
        EventKind::IkeSaKeys(k) => Some(k.as_ref().clone()),
        _ => None,
    }) else {
        panic!("no key log in the initiator's events");
    };
    let Some(cipher) = RUST_CRYPTO.cipher(keys.encr, keys.encr_key_bits) else {
        panic!("cipher");
    };
    let integ = keys.integ.and_then(|i| RUST_CRYPTO.integ(i));
    let protection = match SkProtection::new(
        cipher,
        keys.keys.sk_ei(),
        integ.map(|i| (i, keys.keys.sk_ai())),
    ) {
        Ok(p) => p,
        Err(e) => panic!("keys: {e}"),
    };
    let body_len = protection.sealed_len(inner.len());
    let skeleton = Message {
        header,
        payloads: vec![Payload::Sk(SkPayload {
            first_payload: first,
            body: vec![0; body_len],
        })],
    };
    let mut bytes = skeleton.emit();
    bytes.truncate(IkeHeader::LEN + 4);
    let body = match protection.seal(&bytes, inner, &mut *rng(99)) {
        Ok(b) => b,
        Err(e) => panic!("seal: {e}"),
    };
    bytes.extend_from_slice(&body);
    bytes
}

pub fn state(engine: &Engine, id: IkeSaId) -> Option<SaState> {
    engine.ike_sa(id).map(|s| s.state)
}

/// The messages one side received (charon style).
pub fn received(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MessageReceived(m) => Some(m.summary.clone()),
            _ => None,
        })
        .collect()
}

pub fn drops(events: &[Event]) -> Vec<ikelab_engine::event::DropReason> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MessageDropped(d) => Some(d.reason.clone()),
            _ => None,
        })
        .collect()
}

/// Opens the ESP packet `esp` (sent from `src` to `dst`) on `engine`, in place.
pub fn open_on<'b>(
    engine: &mut Engine,
    now: Duration,
    src: std::net::SocketAddr,
    dst: std::net::SocketAddr,
    esp: &'b mut [u8],
) -> Result<ikelab_engine::ike::OpenedPacket<'b>, ikelab_engine::child::EspError> {
    engine.open(
        now,
        ikelab_engine::ike::EspDatagram {
            src,
            dst,
            buf: esp,
            esp_offset: 0,
        },
    )
}
