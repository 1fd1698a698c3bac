//! The typed states of an IKE SA (rustls' style: one type per expected message,
//! consumed by the transition that leaves it).
//!
//! ```text
//! initiator:  InitiatorInit --IKE_SA_INIT resp--> InitiatorAuth --IKE_AUTH resp--> Established
//!                  ^  |  COOKIE / INVALID_KE_PAYLOAD: same state, request sent again
//! responder:  (IKE_SA_INIT answered) ResponderAuth --IKE_AUTH req--> Established
//! any:        failure / timeout / delete --> Closing (lingers to answer retransmits) --> removed
//! ```
//!
//! A message a state does not accept is dropped with a typed reason
//! ([`DropReason::UnexpectedMessage`](crate::event::DropReason)) before any state is
//! touched; nothing here panics.

mod established;
mod initiator_auth;
mod initiator_init;
mod keys;
mod responder_auth;

use std::net::SocketAddr;

pub use crate::event::SaState;
pub(crate) use established::Established;
pub(crate) use initiator_auth::{InitiatorAuth, arm_keepalive};
pub(crate) use initiator_init::InitiatorInit;
pub(crate) use keys::{derive_and_report, report_nat};
pub(crate) use responder_auth::ResponderAuth;

use super::context::Cx;
use super::sa::IkeSa;
use crate::wire::iana::ExchangeType;
use crate::wire::{IkeHeader, Payload};

/// A state and what it holds.
#[derive(Debug)]
pub(crate) enum State {
    InitiatorInit(Box<InitiatorInit>),
    InitiatorAuth(Box<InitiatorAuth>),
    ResponderAuth(Box<ResponderAuth>),
    Established(Box<Established>),
    Closing,
}

impl State {
    pub(crate) fn name(&self) -> SaState {
        match self {
            Self::InitiatorInit(_) => SaState::InitSent,
            Self::InitiatorAuth(_) => SaState::AuthSent,
            Self::ResponderAuth(_) => SaState::HalfOpen,
            Self::Established(_) => SaState::Established,
            Self::Closing => SaState::Closing,
        }
    }

    /// Whether a message of this exchange and direction can be handled now.
    pub(crate) fn accepts(&self, exchange: ExchangeType, response: bool) -> bool {
        match self {
            Self::InitiatorInit(_) => exchange == ExchangeType::IKE_SA_INIT && response,
            Self::InitiatorAuth(_) => exchange == ExchangeType::IKE_AUTH && response,
            Self::ResponderAuth(_) => exchange == ExchangeType::IKE_AUTH && !response,
            Self::Established(_) => matches!(
                exchange,
                ExchangeType::INFORMATIONAL | ExchangeType::CREATE_CHILD_SA
            ),
            Self::Closing => false,
        }
    }
}

/// A received message, authenticated if the exchange is protected.
#[derive(Debug)]
pub(crate) struct Received<'a> {
    /// The datagram's source (the peer as we see it) and destination (us).
    pub(crate) src: SocketAddr,
    pub(crate) dst: SocketAddr,
    /// The IKE message's bytes.
    pub(crate) raw: &'a [u8],
    pub(crate) header: &'a IkeHeader,
    /// The payloads (inner payloads of a protected message).
    pub(crate) payloads: &'a [Payload],
}

/// Hands a response to the state that waits for it.
pub(crate) fn on_response(sa: &mut IkeSa, cx: &mut Cx<'_>, msg: &Received<'_>) {
    let state = core::mem::replace(&mut sa.state, State::Closing);
    sa.state = match state {
        State::InitiatorInit(s) => s.on_response(&mut sa.core, cx, msg),
        State::InitiatorAuth(s) => s.on_response(&mut sa.core, cx, msg),
        State::Established(s) => s.on_response(&mut sa.core, cx, msg),
        other => other,
    };
}

/// Hands a request to the state that can answer it.
pub(crate) fn on_request(sa: &mut IkeSa, cx: &mut Cx<'_>, msg: &Received<'_>) {
    let state = core::mem::replace(&mut sa.state, State::Closing);
    sa.state = match state {
        State::ResponderAuth(s) => s.on_request(&mut sa.core, cx, msg),
        State::Established(s) => s.on_request(&mut sa.core, cx, msg),
        other => other,
    };
}
