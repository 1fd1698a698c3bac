//! Initiator, IKE_AUTH sent (RFC 7296 §1.2, §2.15, §2.19, §2.9):
//!
//! ```text
//! HDR, SK {IDi, [N(INITIAL_CONTACT)], [IDr], AUTH, [CP(CFG_REQUEST)],
//!          SAi2, TSi, TSr, [N(USE_TRANSPORT_MODE)]}  -->
//!                   <--  HDR, SK {IDr, AUTH, [CP(CFG_REPLY)], SAr2, TSi, TSr}
//! ```
//!
//! The IKE SA is up once the responder's identity and AUTH check out; the CHILD SA
//! is a separate outcome (§1.2: its failure leaves the IKE SA standing, as charon
//! keeps it: "failed to establish CHILD_SA, keeping IKE_SA").

use std::net::IpAddr;

use crate::config::{IpRange, Mode};
use crate::crypto::keys::IkeKeys;
use crate::event::{ChildFailure, Decision, DownReason, EventKind, IkeSaUp, Problem, VipDecision};
use crate::ike::auth::{PeerProof, PeerRefusal, SignedOctets, check_peer};
use crate::ike::child_answer::{AnswerKeying, ChildAnswer, ChildOffer, check_answer};
use crate::ike::child_setup::child_failed;
use crate::ike::context::Cx;
use crate::ike::cp;
use crate::ike::payloads::{auth, cp as cp_payload, errors, id_r, id_text};
use crate::ike::sa::SaCore;
use crate::ike::ts;
use crate::proposal::to_sa_payload;
use crate::wire::iana::{CfgType, ExchangeType, NotifyType, PayloadType};
use crate::wire::iana::{EncrId, PrfId};
use crate::wire::{NotifyPayload, Payload, TsPayload};

use super::{Established, Received, State};

/// What IKE_SA_INIT left for IKE_AUTH.
pub(crate) struct AuthInputs {
    /// Our IKE_SA_INIT request as sent (RealMessage1, §2.15).
    pub(crate) init_request: Vec<u8>,
    /// The responder's IKE_SA_INIT response as received (RealMessage2).
    pub(crate) init_response: Vec<u8>,
    pub(crate) ni: Vec<u8>,
    pub(crate) nr: Vec<u8>,
    pub(crate) keys: IkeKeys,
    pub(crate) initial_contact: bool,
}

/// Waiting for the IKE_AUTH response.
pub(crate) struct InitiatorAuth {
    init_response: Vec<u8>,
    ni: Vec<u8>,
    nr: Vec<u8>,
    keys: IkeKeys,
    child: Option<ChildOffer>,
}

impl core::fmt::Debug for InitiatorAuth {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InitiatorAuth")
            .field("child", &self.child)
            .finish_non_exhaustive()
    }
}

impl InitiatorAuth {
    /// Sends the IKE_AUTH request.
    pub(crate) fn start(core: &mut SaCore, cx: &mut Cx<'_>, input: AuthInputs) -> State {
        let Some(prf) = core.protection.as_ref().map(|p| p.suite().prf) else {
            return State::Closing;
        };
        let policy = core.policy.clone();
        let idi = policy.local_id(core.local.ip());
        let id_body = match Payload::IdI(idi.clone()).emit_body() {
            Ok(body) => body,
            Err(error) => {
                let problem = Problem::CannotEncode {
                    payload: PayloadType::IDI,
                    error,
                };
                core.go_down(cx, DownReason::Local { problem }, false);
                return State::Closing;
            }
        };
        let auth = policy.local_auth.sign(
            prf,
            &SignedOctets {
                real_message: &input.init_request,
                peer_nonce: &input.nr,
                sk_p: input.keys.sk_pi(),
                id_body: &id_body,
            },
        );
        core.local_id = Some(idi.clone());
        let mut payloads = vec![Payload::IdI(idi)];
        if input.initial_contact {
            payloads.push(Payload::Notify(NotifyPayload::new(
                NotifyType::INITIAL_CONTACT,
                Vec::new(),
            )));
        }
        let remote_id = &policy.config.remote.id;
        if let Some(idr) = remote_id.payload().filter(|_| !remote_id.has_wildcard()) {
            payloads.push(Payload::IdR(idr.clone()));
        }
        payloads.push(Payload::Auth(auth));
        if let Some(request) = cp::build_request(&policy.config.vips) {
            payloads.push(Payload::Cp(request));
        }
        let child = policy.first_child().map(|child| {
            let spi_in = cx.fresh_esp_spi();
            let offered = to_sa_payload(&child.esp_proposals_without_ke(), &spi_in.to_be_bytes());
            // `dynamic` on our side: the whole family while asking for a virtual IP
            // (the responder narrows it to the address it assigns), else our address.
            let local_dynamic: Vec<IpRange> = if policy.config.vips.is_empty() {
                vec![IpRange::single(core.local.ip())]
            } else {
                policy
                    .config
                    .vips
                    .iter()
                    .map(|v| dynamic_range(*v))
                    .collect()
            };
            ChildOffer {
                name: child.name.clone(),
                spi_in,
                offered,
                ts_i: ts::resolve(&child.config.local_ts, &local_dynamic),
                ts_r: ts::resolve(
                    &child.config.remote_ts,
                    &[IpRange::single(core.remote.ip())],
                ),
                transport: child.config.mode == Mode::Transport,
                replay_window: child.config.replay_window,
            }
        });
        if let Some(child) = &child {
            payloads.push(Payload::Sa(child.offered.clone()));
            payloads.push(Payload::TsI(TsPayload {
                selectors: child.ts_i.clone(),
            }));
            payloads.push(Payload::TsR(TsPayload {
                selectors: child.ts_r.clone(),
            }));
            if child.transport {
                payloads.push(Payload::Notify(NotifyPayload::new(
                    NotifyType::USE_TRANSPORT_MODE,
                    Vec::new(),
                )));
            }
        }
        if let Err(e) = core.send_request(cx, ExchangeType::IKE_AUTH, payloads) {
            let problem = e.building(ExchangeType::IKE_AUTH, false);
            core.go_down(cx, DownReason::Local { problem }, false);
            return State::Closing;
        }
        State::InitiatorAuth(Box::new(Self {
            init_response: input.init_response,
            ni: input.ni,
            nr: input.nr,
            keys: input.keys,
            child,
        }))
    }

    /// Tells the peer why we give up (RFC 7296 §2.21.2: an error found by the
    /// initiator "MAY be returned in a separate INFORMATIONAL exchange") and ends.
    fn reject(core: &mut SaCore, cx: &mut Cx<'_>, notify: NotifyType, reason: DownReason) -> State {
        // Sent once: the SA is gone whatever the answer.
        let _ = core.send_request_once(
            cx,
            ExchangeType::INFORMATIONAL,
            vec![Payload::Notify(NotifyPayload::new(notify, Vec::new()))],
        );
        core.go_down(cx, reason, false);
        State::Closing
    }

    // Every state's handler takes its boxed state (`State` holds them boxed); on a
    // 32-bit target this one is small enough for clippy to call the box needless.
    #[cfg_attr(target_pointer_width = "32", allow(clippy::boxed_local))]
    pub(crate) fn on_response(
        self: Box<Self>,
        core: &mut SaCore,
        cx: &mut Cx<'_>,
        msg: &Received<'_>,
    ) -> State {
        core.complete_request();
        let p = msg.payloads;
        let Some(prf) = core.protection.as_ref().map(|pr| pr.suite().prf) else {
            return State::Closing;
        };
        let (Some(idr), Some(auth_r)) = (id_r(p), auth(p)) else {
            if let Some(error) = errors(p).first() {
                core.go_down(
                    cx,
                    DownReason::PeerError {
                        exchange: ExchangeType::IKE_AUTH,
                        notify: *error,
                    },
                    false,
                );
                return State::Closing;
            }
            return Self::reject(
                core,
                cx,
                NotifyType::INVALID_SYNTAX,
                DownReason::Rejected {
                    exchange: ExchangeType::IKE_AUTH,
                    problem: Problem::MissingPayloads {
                        response: true,
                        required: vec![PayloadType::IDR, PayloadType::AUTH],
                    },
                },
            );
        };
        let policy = core.policy.clone();
        let proof = PeerProof {
            payload: "IDr",
            id: idr,
            our_id_asked: None,
            auth: auth_r,
            real_message: &self.init_response,
            our_nonce: &self.ni,
            sk_p: self.keys.sk_pr(),
        };
        match check_peer(core, cx, &policy, prf, &proof) {
            Ok(()) => {}
            Err(PeerRefusal::Identity) => {
                return Self::reject(
                    core,
                    cx,
                    NotifyType::AUTHENTICATION_FAILED,
                    DownReason::Rejected {
                        exchange: ExchangeType::IKE_AUTH,
                        problem: Problem::IdentityMismatch {
                            received: id_text(idr),
                            required: policy.config.remote.id.as_str().to_owned(),
                        },
                    },
                );
            }
            Err(PeerRefusal::Auth(failure)) => {
                return Self::reject(
                    core,
                    cx,
                    NotifyType::AUTHENTICATION_FAILED,
                    DownReason::AuthenticationFailed { failure },
                );
            }
        }
        if let Some(reply) = cp_payload(p).filter(|c| c.cfg_type == CfgType::REPLY) {
            let assignment = cp::read_reply(reply);
            core.virtual_ips = assignment.addresses.clone();
            core.dns = assignment.dns.clone();
            cx.emit(
                Some(core.id),
                EventKind::Decision(Decision::VirtualIp(VipDecision {
                    requested: cp::build_request(&policy.config.vips)
                        .map(|r| cp::address_requests(&r))
                        .unwrap_or_default(),
                    assigned: assignment.addresses,
                    pools: Vec::new(),
                    problem: None,
                })),
            );
        }
        cx.emit(
            Some(core.id),
            EventKind::IkeSaUp(Box::new(ike_sa_up(core, msg))),
        );
        if let Some(offer) = &self.child {
            let keying = AnswerKeying {
                prf,
                sk_d: self.keys.sk_d(),
                ni: &self.ni,
                nr: Some(&self.nr),
                ke: None,
            };
            if let ChildAnswer::PeerError(notify) = check_answer(core, cx, offer, p, &keying) {
                child_failed(core, cx, &offer.name, ChildFailure::PeerError { notify });
            }
        }
        arm_keepalive(core, cx);
        State::Established(Box::new(Established::start(
            core,
            cx,
            self.keys.sk_d().clone(),
            prf,
        )))
    }
}

/// `dynamic` for a requested virtual IP: the whole family for `0.0.0.0` / `::`, else
/// the address asked for.
fn dynamic_range(vip: IpAddr) -> IpRange {
    if vip.is_unspecified() {
        IpRange::all(vip.is_ipv6())
    } else {
        IpRange::single(vip)
    }
}

/// The IkeSaUp record of an SA whose IKE_AUTH just completed.
pub(crate) fn ike_sa_up(core: &SaCore, _msg: &Received<'_>) -> IkeSaUp {
    let suite = core.protection.as_ref().map(|p| *p.suite());
    IkeSaUp {
        role: core.role,
        spi_i: core.spi_i,
        spi_r: core.spi_r,
        local: core.local,
        remote: core.remote,
        proposal: core.proposal.clone().unwrap_or_default(),
        encr: suite.map_or(EncrId(0), |s| s.cipher.id()),
        encr_key_bits: suite.and_then(|s| s.cipher.key_bits()),
        integ: suite.and_then(|s| s.integ.map(|i| i.id())),
        prf: suite.map_or(PrfId(0), |s| s.prf.id()),
        dh: core.dh,
        local_id: core.local_id.as_ref().map(id_text).unwrap_or_default(),
        remote_id: core.peer_id.as_ref().map(id_text).unwrap_or_default(),
        udp_encap: core.nat.udp_encap,
        virtual_ips: core.virtual_ips.clone(),
        dns: core.dns.clone(),
    }
}

/// Starts NAT keep-alives when we are behind a NAT (RFC 3948 §2.3), timed from the
/// last packet we sent (§4), not from the end of IKE_AUTH.
pub(crate) fn arm_keepalive(core: &mut SaCore, cx: &Cx<'_>) {
    let last_sent = core.nat.last_sent.unwrap_or(cx.now);
    core.arm_keepalive(last_sent);
}
