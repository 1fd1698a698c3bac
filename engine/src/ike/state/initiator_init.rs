//! Initiator, IKE_SA_INIT sent (RFC 7296 §1.2):
//!
//! ```text
//! HDR, [N(COOKIE),] SAi1, KEi, Ni, N(NAT_DETECTION_SOURCE_IP), N(NAT_DETECTION_DESTINATION_IP),
//!      N(SIGNATURE_HASH_ALGORITHMS)  -->
//!                                <--  HDR, SAr1, KEr, Nr, N(NATD...)...
//!                                <--  HDR, N(COOKIE)              (§2.6: repeat with it)
//!                                <--  HDR, N(INVALID_KE_PAYLOAD)   (§1.3: repeat with that group)
//! ```
//!
//! A response that cannot be used (missing payloads, a notify that does not decode)
//! is dropped and the request stays outstanding. An error notification (such as
//! NO_PROPOSAL_CHOSEN) is not acted on at once either: IKE_SA_INIT responses are not
//! authenticated, so anyone on the path can send one (§2.21.1, §2.4). It is kept,
//! and the exchange fails with it when the retransmission timer next fires, unless a
//! usable response arrives first.

use crate::config::Role;
use crate::crypto::ActiveKeyExchange;
use crate::event::{
    CookieDecision, CookieOutcome, Decision, DownReason, DropEvent, DropReason, EventKind,
    KeDecision, KeOutcome, KeRetryRefusal, Problem,
};
use crate::ike::context::Cx;
use crate::ike::init::init_request_payloads;
use crate::ike::nat::detect;
use crate::ike::payloads::{errors, ke, nonce, notify, sa};
use crate::ike::sa::SaCore;
use crate::proposal::check_response;
use crate::wire::iana::{DhId, ExchangeType, NotifyType, PayloadType, ProtocolId, TransformType};
use crate::wire::{NotifyData, SaPayload};

use super::initiator_auth::{AuthInputs, InitiatorAuth};
use super::{Received, State, derive_and_report, report_nat};

/// How often the initiator follows a COOKIE request before giving up (a responder
/// that keeps asking is broken or hostile).
const MAX_COOKIE_ROUNDS: u8 = 3;

/// Waiting for the IKE_SA_INIT response.
pub(crate) struct InitiatorInit {
    ke: Box<dyn ActiveKeyExchange>,
    nonce: Vec<u8>,
    cookie: Option<Vec<u8>>,
    cookie_rounds: u8,
    ke_retried: bool,
    offered: SaPayload,
    initial_contact: bool,
    /// An unauthenticated error answer, acted on at the next retransmission timer.
    pending_error: Option<NotifyType>,
}

impl core::fmt::Debug for InitiatorInit {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InitiatorInit")
            .field("group", &self.ke.group())
            .field("cookie_rounds", &self.cookie_rounds)
            .field("ke_retried", &self.ke_retried)
            .finish_non_exhaustive()
    }
}

impl InitiatorInit {
    /// Starts the exchange: the first IKE_SA_INIT request.
    pub(crate) fn start(
        core: &mut SaCore,
        cx: &mut Cx<'_>,
        ke: Box<dyn ActiveKeyExchange>,
        offered: SaPayload,
        initial_contact: bool,
    ) -> State {
        let nonce = cx.random_bytes(32);
        let state = Self {
            ke,
            nonce,
            cookie: None,
            cookie_rounds: 0,
            ke_retried: false,
            offered,
            initial_contact,
            pending_error: None,
        };
        Box::new(state).send(core, cx)
    }

    fn send(self: Box<Self>, core: &mut SaCore, cx: &mut Cx<'_>) -> State {
        let payloads = init_request_payloads(
            core,
            cx,
            self.cookie.as_deref(),
            &self.offered,
            self.ke.as_ref(),
            &self.nonce,
        );
        // Every attempt is Message ID 0 (§2.6: "all other payloads unchanged").
        core.window.next_request_id = 0;
        match core.send_request(cx, ExchangeType::IKE_SA_INIT, payloads) {
            Ok(()) => State::InitiatorInit(self),
            Err(e) => {
                core.go_down(
                    cx,
                    DownReason::Local {
                        problem: e.building(ExchangeType::IKE_SA_INIT, false),
                    },
                    false,
                );
                State::Closing
            }
        }
    }

    fn unusable(
        self: Box<Self>,
        cx: &mut Cx<'_>,
        core: &SaCore,
        msg: &Received<'_>,
        problem: Problem,
    ) -> State {
        cx.emit(
            Some(core.id),
            EventKind::MessageDropped(DropEvent {
                src: msg.src,
                dst: msg.dst,
                length: msg.raw.len(),
                summary: None,
                reason: DropReason::UnusableResponse { problem },
            }),
        );
        State::InitiatorInit(self)
    }

    fn fail(core: &mut SaCore, cx: &mut Cx<'_>, reason: DownReason) -> State {
        core.go_down(cx, reason, false);
        State::Closing
    }

    pub(crate) fn on_response(
        mut self: Box<Self>,
        core: &mut SaCore,
        cx: &mut Cx<'_>,
        msg: &Received<'_>,
    ) -> State {
        let p = msg.payloads;
        // §2.6: a COOKIE answer; repeat the request with it first.
        if let Some(n) = notify(p, NotifyType::COOKIE) {
            let Ok(NotifyData::Cookie(cookie)) = n.decoded() else {
                let problem = Problem::NotifyWithoutData {
                    notify: NotifyType::COOKIE,
                };
                return self.unusable(cx, core, msg, problem);
            };
            if self.cookie_rounds >= MAX_COOKIE_ROUNDS {
                cx.emit(Some(core.id), cookie_event(CookieOutcome::TooManyRounds));
                return Self::fail(
                    core,
                    cx,
                    DownReason::PeerError {
                        exchange: ExchangeType::IKE_SA_INIT,
                        notify: NotifyType::COOKIE,
                    },
                );
            }
            self.cookie = Some(cookie);
            self.cookie_rounds += 1;
            cx.emit(Some(core.id), cookie_event(CookieOutcome::Retrying));
            return self.send(core, cx);
        }
        // §1.3: INVALID_KE_PAYLOAD names the group to use; retry once with it.
        if let Some(n) = notify(p, NotifyType::INVALID_KE_PAYLOAD) {
            let Ok(NotifyData::DhGroup(group)) = n.decoded() else {
                let problem = Problem::NotifyWithoutData {
                    notify: NotifyType::INVALID_KE_PAYLOAD,
                };
                return self.unusable(cx, core, msg, problem);
            };
            return self.retry_with_group(core, cx, group);
        }
        if let Some(error) = errors(p).first() {
            self.pending_error = Some(*error);
            return State::InitiatorInit(self);
        }
        let (Some(sa_r), Some(ke_r), Some(nonce_r)) = (sa(p), ke(p), nonce(p)) else {
            let problem = Problem::MissingPayloads {
                response: true,
                required: vec![PayloadType::SA, PayloadType::KE, PayloadType::NONCE],
            };
            return self.unusable(cx, core, msg, problem);
        };
        if msg.header.spi_r.is_zero() {
            return self.unusable(cx, core, msg, Problem::ZeroResponderSpi);
        }
        let report = check_response(&self.offered, sa_r, cx.provider, ProtocolId::IKE);
        let chosen = report.chosen.clone();
        cx.emit(
            Some(core.id),
            EventKind::Decision(Decision::IkeProposal(report)),
        );
        let Some(chosen) = chosen else {
            return Self::fail(
                core,
                cx,
                DownReason::Rejected {
                    exchange: ExchangeType::IKE_SA_INIT,
                    problem: Problem::ProposalNotOffered {
                        protocol: ProtocolId::IKE,
                    },
                },
            );
        };
        let chosen_group = chosen
            .proposal
            .transforms
            .iter()
            .find(|t| t.kind == TransformType::DH)
            .map(|t| DhId(t.id));
        if chosen_group != Some(self.ke.group()) || ke_r.group != self.ke.group() {
            return Self::fail(
                core,
                cx,
                DownReason::Rejected {
                    exchange: ExchangeType::IKE_SA_INIT,
                    problem: Problem::KeGroupMismatch {
                        sent: self.ke.group(),
                        chosen: chosen_group,
                        received: ke_r.group,
                    },
                },
            );
        }
        let g_ir = match self.ke.complete(&ke_r.data) {
            Ok(s) => s,
            Err(error) => {
                return Self::fail(
                    core,
                    cx,
                    DownReason::Rejected {
                        exchange: ExchangeType::IKE_SA_INIT,
                        problem: Problem::BadKePayload {
                            sender: Role::Responder,
                            error,
                        },
                    },
                );
            }
        };
        let Some(request) = core.window.outstanding.as_ref().map(|o| o.bytes.clone()) else {
            return State::InitiatorInit(self);
        };
        core.complete_request();
        core.spi_r = msg.header.spi_r;
        core.proposal = Some(chosen.text.clone());
        let keys = match derive_and_report(
            core,
            cx,
            &chosen.proposal,
            &g_ir,
            &self.nonce,
            &nonce_r.data,
        ) {
            Ok(k) => k,
            Err(reason) => return Self::fail(core, cx, reason),
        };
        let detection = detect(p, msg.header.spi_i, msg.header.spi_r, msg.dst, msg.src);
        report_nat(core, cx, detection);
        InitiatorAuth::start(
            core,
            cx,
            AuthInputs {
                init_request: request,
                init_response: msg.raw.to_vec(),
                ni: self.nonce,
                nr: nonce_r.data.clone(),
                keys,
                initial_contact: self.initial_contact,
            },
        )
    }

    fn retry_with_group(
        mut self: Box<Self>,
        core: &mut SaCore,
        cx: &mut Cx<'_>,
        group: DhId,
    ) -> State {
        let offered_group = self.offered.proposals.iter().any(|p| {
            p.transforms
                .iter()
                .any(|t| t.kind == TransformType::DH && t.id == group.0)
        });
        let refusal = if self.ke_retried {
            Some(KeRetryRefusal::AlreadyRetried)
        } else if !offered_group {
            Some(KeRetryRefusal::NotProposed)
        } else if group == self.ke.group() {
            Some(KeRetryRefusal::AlreadySent)
        } else {
            None
        };
        let implementation = cx.provider.group(group);
        let (outcome, next) = match (refusal, implementation) {
            (None, Some(g)) => match g.start(cx.rng) {
                Ok(ke) => (KeOutcome::Retrying, Some(ke)),
                Err(error) => (
                    KeOutcome::RetryRefused {
                        reason: KeRetryRefusal::ProviderFailed { error },
                    },
                    None,
                ),
            },
            (None, None) => (
                KeOutcome::RetryRefused {
                    reason: KeRetryRefusal::NotImplemented,
                },
                None,
            ),
            (Some(reason), _) => (KeOutcome::RetryRefused { reason }, None),
        };
        cx.emit(
            Some(core.id),
            EventKind::Decision(Decision::KeyExchange(KeDecision {
                ke_group: self.ke.group(),
                proposal_group: group,
                outcome,
            })),
        );
        match next {
            Some(ke) => {
                self.ke = ke;
                self.ke_retried = true;
                self.send(core, cx)
            }
            None => {
                self.pending_error = Some(NotifyType::INVALID_KE_PAYLOAD);
                State::InitiatorInit(self)
            }
        }
    }

    /// The error answer that ends the exchange when the retransmission timer fires.
    pub(crate) fn pending_error(&self) -> Option<NotifyType> {
        self.pending_error
    }
}

fn cookie_event(outcome: CookieOutcome) -> EventKind {
    EventKind::Decision(Decision::Cookie(CookieDecision {
        policy: None,
        outcome,
    }))
}
