//! IKE_SA_INIT (RFC 7296 §1.2): building the initiator's request, and the
//! responder's whole side of the exchange.
//!
//! The responder keeps no state until it has decided to go on: malformed requests,
//! requests without a valid cookie while cookies are demanded (§2.6), unacceptable
//! proposals and a KE payload of the wrong group (§1.3) are answered with one
//! unprotected notify and forgotten. Only an acceptable request creates an IKE SA,
//! which then waits half-open for IKE_AUTH.

use std::net::SocketAddr;
use std::sync::Arc;

use super::context::Cx;
use super::cookie::CookiePolicy;
use super::datagram::Datagram;
use super::nat::{detect, natd_payloads};
use super::payloads::{ke, nonce, notify, sa};
use super::policy::Policy;
use super::sa::{IkeSa, SaCore};
use super::state::{ResponderAuth, State, derive_and_report, report_nat};
use super::summary::message_summary;
use super::timers::Timer;
use crate::config::Role;
use crate::crypto::ActiveKeyExchange;
use crate::event::{
    CookieDecision, CookieOutcome, Decision, DropEvent, DropReason, EventKind, KeDecision,
    KeOutcome, MessageEvent,
};
use crate::proposal::{Algorithm, ChosenProposal, SelectionReport, select};
use crate::wire::iana::{DhId, ExchangeType, HashAlgorithm, NotifyType, ProtocolId, TransformType};
use crate::wire::udp_encap::NON_ESP_MARKER;
use crate::wire::{
    Flags, IkeHeader, IkeSpi, KePayload, Message, NoncePayload, NotifyData, NotifyPayload, Payload,
    SaPayload, dissect_message,
};

/// The hashes we announce in SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4): the SHA-2
/// family, as strongSwan announces.
pub(crate) const SIGNATURE_HASHES: [HashAlgorithm; 3] = [
    HashAlgorithm::SHA2_256,
    HashAlgorithm::SHA2_384,
    HashAlgorithm::SHA2_512,
];

/// The initiator's request payloads, in charon's order.
pub(crate) fn init_request_payloads(
    core: &SaCore,
    cx: &mut Cx<'_>,
    cookie: Option<&[u8]>,
    offered: &SaPayload,
    ke: &dyn ActiveKeyExchange,
    nonce: &[u8],
) -> Vec<Payload> {
    let mut payloads = Vec::with_capacity(7);
    if let Some(cookie) = cookie {
        // §2.6: the COOKIE notify comes first.
        payloads.push(Payload::Notify(NotifyPayload::new(
            NotifyType::COOKIE,
            cookie.to_vec(),
        )));
    }
    payloads.push(Payload::Sa(offered.clone()));
    payloads.push(Payload::Ke(KePayload {
        group: ke.group(),
        data: ke.public_value().to_vec(),
    }));
    payloads.push(Payload::Nonce(NoncePayload {
        data: nonce.to_vec(),
    }));
    let fake = core.policy.config.encap.then_some(&mut *cx.rng);
    payloads.extend(natd_payloads(
        core.spi_i,
        IkeSpi::ZERO,
        core.local,
        core.remote,
        fake,
    ));
    payloads.push(Payload::Notify(NotifyPayload::signature_hash_algorithms(
        &SIGNATURE_HASHES,
    )));
    payloads
}

/// A received IKE_SA_INIT request.
#[derive(Debug)]
pub(crate) struct InitRequest<'a> {
    pub(crate) src: SocketAddr,
    pub(crate) dst: SocketAddr,
    pub(crate) raw: &'a [u8],
    pub(crate) header: &'a IkeHeader,
}

/// Answers a request with one unprotected notify and keeps nothing (SPIr zero).
pub(crate) fn send_stateless(cx: &mut Cx<'_>, req: &InitRequest<'_>, notify: NotifyPayload) {
    let header = IkeHeader::new(
        req.header.spi_i,
        IkeSpi::ZERO,
        req.header.exchange_type,
        Flags::new(false, true),
        req.header.message_id,
    );
    let message = Message {
        header,
        payloads: vec![Payload::Notify(notify)],
    };
    let Ok(bytes) = message.try_emit() else {
        return;
    };
    let marker = req.dst.port() == cx.config.nat_t_port;
    let dissection = cx.config.dissect.then(|| dissect_message(&bytes, None));
    let event = MessageEvent {
        src: req.dst,
        dst: req.src,
        non_esp_marker: marker,
        exchange: message.header.exchange_type,
        message_id: message.header.message_id,
        response: true,
        spi_i: message.header.spi_i,
        spi_r: message.header.spi_r,
        summary: message_summary(&message.header, &message.payloads),
        retransmission: 0,
        bytes: bytes.clone(),
        encrypted: false,
        payloads: message.payloads.into(),
        dissection,
    };
    let payload = if marker {
        [NON_ESP_MARKER.as_slice(), &bytes].concat()
    } else {
        bytes
    };
    let flight = cx.transmit(Datagram::new(req.dst, req.src, payload));
    cx.emit_for(None, Some(flight), EventKind::MessageSent(event));
}

/// What the responder side of the engine hands to [`respond_init`].
pub(crate) struct ResponderSide {
    /// Configurations whose addresses accept this request, best first, with their
    /// position among the engine's responder configurations.
    pub(crate) candidates: Vec<Arc<Policy>>,
    pub(crate) half_open: usize,
    pub(crate) half_open_from_ip: usize,
    pub(crate) spi_r: IkeSpi,
}

fn dropped(cx: &mut Cx<'_>, req: &InitRequest<'_>, reason: DropReason) {
    cx.emit(
        None,
        EventKind::MessageDropped(DropEvent {
            src: req.src,
            dst: req.dst,
            length: req.raw.len(),
            summary: None,
            reason,
        }),
    );
}

/// The responder's IKE_SA_INIT: answers `message` and returns the new half-open IKE
/// SA, or `None` when it answered statelessly.
pub(crate) fn respond_init(
    cx: &mut Cx<'_>,
    req: &InitRequest<'_>,
    message: &Message,
    side: ResponderSide,
) -> Option<IkeSa> {
    let p = &message.payloads;
    let Some(first) = side.candidates.first().cloned() else {
        dropped(cx, req, DropReason::NoConfiguration);
        return None;
    };
    cx.emit(
        None,
        EventKind::MessageReceived(received_event(cx, req, message)),
    );
    let (Some(sa_i), Some(ke_i), Some(ni)) = (sa(p), ke(p), nonce(p)) else {
        send_stateless(
            cx,
            req,
            NotifyPayload::new(NotifyType::INVALID_SYNTAX, Vec::new()),
        );
        return None;
    };
    // §2.6: cookies above the half-open thresholds.
    let policy = CookiePolicy::evaluate(&first.config, side.half_open, side.half_open_from_ip);
    let offered_cookie = notify(p, NotifyType::COOKIE).and_then(|n| match n.decoded() {
        Ok(NotifyData::Cookie(c)) => Some(c),
        _ => None,
    });
    let valid_cookie = offered_cookie.as_ref().is_some_and(|c| {
        cx.cookie
            .verify(cx.provider, c, &ni.data, req.src.ip(), req.header.spi_i)
    });
    if policy.required && !valid_cookie {
        let outcome = if offered_cookie.is_some() {
            CookieOutcome::Invalid
        } else {
            CookieOutcome::Demanded
        };
        cx.emit(None, cookie_event(Some(policy), outcome));
        if let Some(cookie) =
            cx.cookie
                .cookie(cx.provider, &ni.data, req.src.ip(), req.header.spi_i)
        {
            send_stateless(cx, req, NotifyPayload::new(NotifyType::COOKIE, cookie));
        }
        return None;
    }
    let outcome = if valid_cookie {
        CookieOutcome::Verified
    } else {
        CookieOutcome::NotRequired
    };
    cx.emit(None, cookie_event(Some(policy), outcome));
    // §2.7: the first configuration whose proposals accept one of the initiator's.
    let mut selection: Option<(Arc<Policy>, SelectionReport)> = None;
    for candidate in &side.candidates {
        let report = select(
            &candidate.ike_proposals,
            cx.provider,
            sa_i,
            ProtocolId::IKE,
            &[],
        );
        let found = report.chosen.is_some();
        if selection.is_none() || found {
            selection = Some((candidate.clone(), report));
        }
        if found {
            break;
        }
    }
    let (policy, report) = selection?;
    let chosen = report.chosen.clone();
    cx.emit(None, EventKind::Decision(Decision::IkeProposal(report)));
    let Some(chosen) = chosen else {
        send_stateless(
            cx,
            req,
            NotifyPayload::new(NotifyType::NO_PROPOSAL_CHOSEN, Vec::new()),
        );
        return None;
    };
    // §1.2, §1.3: the KE payload must be of the chosen group.
    let chosen = match settle_group(cx, &policy, sa_i, chosen, ke_i.group) {
        Ok(c) => c,
        Err(group) => {
            send_stateless(cx, req, NotifyPayload::invalid_ke(group));
            return None;
        }
    };
    let group = cx.provider.group(ke_i.group)?;
    let Ok(ke_r) = group.start(cx.rng) else {
        // Only a broken random source makes this fail: answer nothing.
        return None;
    };
    let Ok(g_ir) = ke_r.complete(&ke_i.data) else {
        // RFC 7296 §2.21.1 (and RFC 6989's checks): an unusable KE value is a
        // syntax error of the request.
        send_stateless(
            cx,
            req,
            NotifyPayload::new(NotifyType::INVALID_SYNTAX, Vec::new()),
        );
        return None;
    };
    let id = cx.ids.next_ike();
    let mut core = SaCore::new(
        id,
        Role::Responder,
        req.header.spi_i,
        policy,
        req.dst,
        req.src,
    );
    cx.emit(
        Some(id),
        EventKind::IkeSaCreated {
            role: Role::Responder,
            local: req.dst,
            remote: req.src,
        },
    );
    core.spi_r = side.spi_r;
    core.proposal = Some(chosen.text.clone());
    core.window.expected_request_id = req.header.message_id.wrapping_add(1);
    core.window.next_request_id = 0;
    let nr = cx.random_bytes(32);
    let keys = match derive_and_report(&mut core, cx, &chosen.proposal, &g_ir, &ni.data, &nr) {
        Ok(k) => k,
        Err(_) => {
            send_stateless(
                cx,
                req,
                NotifyPayload::new(NotifyType::NO_PROPOSAL_CHOSEN, Vec::new()),
            );
            return None;
        }
    };
    let detection = detect(p, req.header.spi_i, IkeSpi::ZERO, req.dst, req.src);
    report_nat(&mut core, cx, detection);
    let mut payloads = vec![
        Payload::Sa(SaPayload {
            proposals: vec![chosen.proposal.clone()],
        }),
        Payload::Ke(KePayload {
            group: ke_r.group(),
            data: ke_r.public_value().to_vec(),
        }),
        Payload::Nonce(NoncePayload { data: nr.clone() }),
    ];
    let fake = core.policy.config.encap.then_some(&mut *cx.rng);
    payloads.extend(natd_payloads(
        core.spi_i,
        core.spi_r,
        core.local,
        core.remote,
        fake,
    ));
    if notify(p, NotifyType::SIGNATURE_HASH_ALGORITHMS).is_some() {
        payloads.push(Payload::Notify(NotifyPayload::signature_hash_algorithms(
            &SIGNATURE_HASHES,
        )));
    }
    if core
        .send_response(
            cx,
            ExchangeType::IKE_SA_INIT,
            req.header.message_id,
            payloads,
        )
        .is_err()
    {
        return None;
    }
    let response = core
        .window
        .last_response
        .as_ref()
        .map(|r| r.bytes.clone())
        .unwrap_or_default();
    let half_open_timeout = core.policy.config.half_open_timeout;
    core.timers
        .set(Timer::HalfOpen, cx.now.saturating_add(half_open_timeout));
    core.half_open_ip = Some(req.src.ip());
    core.init_key = Some((req.header.spi_i, req.src));
    core.init_digest = Some(init_digest(req.raw));
    let state = ResponderAuth::new(req.raw.to_vec(), response, ni.data.clone(), nr, keys);
    Some(IkeSa {
        core,
        state: State::ResponderAuth(Box::new(state)),
    })
}

/// The chosen proposal with the group the KE payload used, if that group may be
/// used (it is in the initiator's chosen proposal and in our matching one); else the
/// group to ask for with INVALID_KE_PAYLOAD.
fn settle_group(
    cx: &mut Cx<'_>,
    policy: &Policy,
    offered: &SaPayload,
    mut chosen: ChosenProposal,
    ke_group: DhId,
) -> Result<ChosenProposal, DhId> {
    let is_dh = |kind: TransformType| kind == TransformType::DH;
    let chosen_group = chosen
        .proposal
        .transforms
        .iter()
        .find(|t| is_dh(t.kind))
        .map_or(DhId::NONE, |t| DhId(t.id));
    let peer_has = offered
        .proposals
        .iter()
        .find(|p| p.number == chosen.number)
        .is_some_and(|p| {
            p.transforms
                .iter()
                .any(|t| is_dh(t.kind) && t.id == ke_group.0)
        });
    let we_accept = policy
        .ike_proposals
        .get(chosen.policy_index)
        .is_some_and(|ours| {
            ours.algorithms.contains(&Algorithm {
                kind: TransformType::DH,
                id: ke_group.0,
                key_bits: None,
            })
        });
    let outcome = if chosen_group == ke_group {
        KeOutcome::Accepted
    } else if peer_has && we_accept && cx.provider.group(ke_group).is_some() {
        for t in &mut chosen.proposal.transforms {
            if is_dh(t.kind) {
                t.id = ke_group.0;
            }
        }
        chosen.text = crate::proposal::ProposalSpec::from_wire(&chosen.proposal).to_string();
        KeOutcome::UsedKeGroup
    } else {
        KeOutcome::RequestedOtherGroup
    };
    let accepted = !matches!(outcome, KeOutcome::RequestedOtherGroup);
    cx.emit(
        None,
        EventKind::Decision(Decision::KeyExchange(KeDecision {
            ke_group,
            proposal_group: chosen_group,
            outcome,
        })),
    );
    if accepted {
        Ok(chosen)
    } else {
        Err(chosen_group)
    }
}

fn cookie_event(policy: Option<CookiePolicy>, outcome: CookieOutcome) -> EventKind {
    EventKind::Decision(Decision::Cookie(CookieDecision { policy, outcome }))
}

fn received_event(cx: &Cx<'_>, req: &InitRequest<'_>, message: &Message) -> MessageEvent {
    MessageEvent {
        src: req.src,
        dst: req.dst,
        non_esp_marker: req.dst.port() == cx.config.nat_t_port,
        exchange: message.header.exchange_type,
        message_id: message.header.message_id,
        response: false,
        spi_i: message.header.spi_i,
        spi_r: message.header.spi_r,
        summary: message_summary(&message.header, &message.payloads),
        retransmission: 0,
        bytes: req.raw.to_vec(),
        encrypted: false,
        payloads: Arc::from(message.payloads.as_slice()),
        dissection: cx.config.dissect.then(|| dissect_message(req.raw, None)),
    }
}

/// A digest of an IKE_SA_INIT request, to recognise its retransmissions (RFC 7296
/// §2.1) after the request itself is no longer kept.
pub(crate) fn init_digest(raw: &[u8]) -> [u8; 20] {
    use sha1::{Digest, Sha1};
    Sha1::digest(raw).into()
}
