//! A line's signature: who did what, in words, keeping the facts of the protocol and
//! dropping the values that only the seed decides. Two lines are "the same" when
//! their signatures are equal.
//!
//! - Kept: the peer; the kind of event; for a message its direction, exchange,
//!   request or response, Message ID, retransmission count and payload types in
//!   order, notify types by name (RFC 7296 §3.10.1); each decision with its outcome
//!   (proposal chosen or not, NAT found or not, AUTH verified or not, §2.7, §2.23,
//!   §2.15); SAs up and down with their reasons; what the network dropped and why
//!   (lost, MTU, firewall, ...), and which datagram that was.
//! - Dropped: SPIs, nonces, KE data, keys, ICVs and IVs (random in every run), byte
//!   lengths (padding and sizes are not protocol decisions), addresses and ports (a
//!   NAT rewrites them: what the peers make of that is the NAT decision and the move
//!   to port 4500, which are kept), and times. A NAT box's rewrite lines are how the
//!   network carried a datagram, like its transmissions and deliveries (which are no
//!   lines): they are shown but not compared.
//! - A safety net: the words of a reason (`IkeSaDown`, a drop, a decision) come from
//!   the engine's descriptions, which name an SPI here and there (a REKEY_SA that
//!   names an unknown one); any run of eight or more hex digits in them is masked
//!   ([`mask_random`]).
//!
//! The words themselves: a peer's events in [`super::peer_words`], the network's in
//! [`super::network_words`].

use std::collections::BTreeMap;

use ikelab_engine::trace::{Entry, FlightId, Trace};

use super::network_words::network_words;
use super::peer_words::event_words;

/// One event line without its random values: who, and what in words. Two lines are
/// "the same" when their signatures are equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Signature {
    /// A peer's name, or "network".
    pub(crate) peer: String,
    /// What happened (a verb first: "sends IKE_AUTH response 1 with IDr AUTH ...").
    pub(crate) what: String,
}

impl Signature {
    /// "responder sends IKE_AUTH response 1 with N(AUTHENTICATION_FAILED)".
    pub(crate) fn sentence(&self) -> String {
        if self.peer == ikelab_engine::trace::NETWORK_PEER {
            format!("the network {}", self.what)
        } else {
            format!("the {} {}", self.peer, self.what)
        }
    }
}

/// The signature of a trace's record, or `None` for a record that is not compared
/// (timers, the network's transmissions, deliveries and NAT rewrites: see the module
/// documentation). `labels` names each flight's datagram (see
/// [`flight_labels`](super::network_words::flight_labels)).
pub(crate) fn signature(
    trace: &Trace,
    record: usize,
    labels: &BTreeMap<FlightId, String>,
) -> Option<Signature> {
    let record = trace.records.get(record)?;
    let what = match &record.entry {
        Entry::Event(event) => event_words(event)?,
        Entry::Network(event) => network_words(event, labels)?,
        _ => "does something this page does not know".to_owned(),
    };
    Some(Signature {
        peer: record.peer.clone(),
        what,
    })
}

/// Masks every word of eight or more hex digits and nothing else (an SPI, a nonce,
/// a key) as "…"; `_` ends a word ("c0ffee0123456789_i" is an SPI and a suffix).
pub(super) fn mask_random(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.len() >= 8 && word.chars().all(|c| c.is_ascii_hexdigit()) {
            out.push('…');
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}
