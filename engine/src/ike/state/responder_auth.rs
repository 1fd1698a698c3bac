//! Responder, IKE_SA_INIT answered, waiting for IKE_AUTH (a half-open IKE SA):
//!
//! ```text
//! HDR, SK {IDi, [N(INITIAL_CONTACT)], [IDr], AUTH, [CP(CFG_REQUEST)], SAi2, TSi, TSr}  -->
//!       <--  HDR, SK {IDr, AUTH, [CP(CFG_REPLY)], SAr2, TSi, TSr}
//!       <--  HDR, SK {N(AUTHENTICATION_FAILED)}          (§2.21.2; the IKE SA is not created;
//!                                                          also `unique = keep`, `ike::uniqueness`)
//!       <--  HDR, SK {IDr, AUTH, N(TS_UNACCEPTABLE)}     (IKE SA up, no CHILD SA, §1.2)
//! ```
//!
//! The configuration may change here: the request's IDi (and IDr) pick, among the
//! responder configurations that accept the peer's addresses, the first whose
//! `remote.id` (and `local.id`) match, as charon picks a peer config.

use std::sync::Arc;

use crate::crypto::keys::IkeKeys;
use crate::event::{ChildFailure, Decision, DownReason, EventKind, PeerConfigReason, Problem};
use crate::ike::auth::{PeerProof, PeerRefusal, SignedOctets, check_peer};
use crate::ike::child_setup::{Keying, child_failed};
use crate::ike::context::Cx;
use crate::ike::negotiate::{child_requested, configure, negotiate_child};
use crate::ike::payloads::{auth, has_notify, id_i, id_r, id_text};
use crate::ike::policy::Policy;
use crate::ike::sa::SaCore;
use crate::ike::timers::Timer;
use crate::ike::uniqueness;
use crate::wire::iana::{ExchangeType, NotifyType, PayloadType};
use crate::wire::{IdPayload, NotifyPayload, Payload};

use super::initiator_auth::{arm_keepalive, ike_sa_up};
use super::{Established, Received, State};

/// Waiting for IKE_AUTH.
pub(crate) struct ResponderAuth {
    /// The initiator's IKE_SA_INIT request (RealMessage1, §2.15).
    init_request: Vec<u8>,
    /// Our IKE_SA_INIT response (RealMessage2).
    init_response: Vec<u8>,
    ni: Vec<u8>,
    nr: Vec<u8>,
    keys: IkeKeys,
}

impl core::fmt::Debug for ResponderAuth {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ResponderAuth").finish_non_exhaustive()
    }
}

impl ResponderAuth {
    pub(crate) fn new(
        init_request: Vec<u8>,
        init_response: Vec<u8>,
        ni: Vec<u8>,
        nr: Vec<u8>,
        keys: IkeKeys,
    ) -> Self {
        Self {
            init_request,
            init_response,
            ni,
            nr,
            keys,
        }
    }

    /// Answers with an error notify and ends the SA (kept to answer retransmits).
    /// [`refuse`](Self::refuse) for a problem with the request, the SA going down
    /// as refused with the same notify.
    fn refuse_with(
        core: &mut SaCore,
        cx: &mut Cx<'_>,
        msg: &Received<'_>,
        notify: NotifyType,
        problem: Problem,
    ) -> State {
        let reason = DownReason::Refused {
            exchange: ExchangeType::IKE_AUTH,
            notify,
            problem,
        };
        Self::refuse(core, cx, msg, notify, reason)
    }

    fn refuse(
        core: &mut SaCore,
        cx: &mut Cx<'_>,
        msg: &Received<'_>,
        notify: NotifyType,
        reason: DownReason,
    ) -> State {
        let _ = core.send_response(
            cx,
            ExchangeType::IKE_AUTH,
            msg.header.message_id,
            vec![Payload::Notify(NotifyPayload::new(notify, Vec::new()))],
        );
        core.go_down(cx, reason, true);
        State::Closing
    }

    // Every state's handler takes its boxed state (`State` holds them boxed); on a
    // 32-bit target this one is small enough for clippy to call the box needless.
    #[cfg_attr(target_pointer_width = "32", allow(clippy::boxed_local))]
    pub(crate) fn on_request(
        self: Box<Self>,
        core: &mut SaCore,
        cx: &mut Cx<'_>,
        msg: &Received<'_>,
    ) -> State {
        let p = msg.payloads;
        let Some(prf) = core.protection.as_ref().map(|pr| pr.suite().prf) else {
            return State::Closing;
        };
        let (Some(idi), Some(auth_i)) = (id_i(p), auth(p)) else {
            return Self::refuse_with(
                core,
                cx,
                msg,
                NotifyType::INVALID_SYNTAX,
                Problem::MissingPayloads {
                    response: false,
                    required: vec![PayloadType::IDI, PayloadType::AUTH],
                },
            );
        };
        let policy = select_policy(core, cx, idi, id_r(p)).unwrap_or_else(|| core.policy.clone());
        core.policy = policy.clone();
        let proof = PeerProof {
            payload: "IDi",
            id: idi,
            our_id_asked: id_r(p),
            auth: auth_i,
            real_message: &self.init_request,
            our_nonce: &self.nr,
            sk_p: self.keys.sk_pi(),
        };
        match check_peer(core, cx, &policy, prf, &proof) {
            Ok(()) => {}
            Err(PeerRefusal::Identity) => {
                return Self::refuse_with(
                    core,
                    cx,
                    msg,
                    NotifyType::AUTHENTICATION_FAILED,
                    Problem::UnacceptedIdentity {
                        identity: id_text(idi),
                    },
                );
            }
            Err(PeerRefusal::Auth(failure)) => {
                return Self::refuse(
                    core,
                    cx,
                    msg,
                    NotifyType::AUTHENTICATION_FAILED,
                    DownReason::AuthenticationFailed { failure },
                );
            }
        }
        let idr = policy.local_id(core.local.ip());
        core.local_id = Some(idr.clone());
        let Ok(idr_body) = Payload::IdR(idr.clone()).emit_body() else {
            return State::Closing;
        };
        // Before AUTH is signed and the pools are asked: a refused SA takes no address.
        let initial_contact = has_notify(p, NotifyType::INITIAL_CONTACT);
        let replacing = match uniqueness::check(core, cx, policy.config.unique, initial_contact) {
            Ok(replacing) => replacing,
            Err(existing) => {
                return Self::refuse_with(
                    core,
                    cx,
                    msg,
                    NotifyType::AUTHENTICATION_FAILED,
                    Problem::UniquenessKeep { existing },
                );
            }
        };
        let auth_r = policy.local_auth.sign(
            prf,
            &SignedOctets {
                real_message: &self.init_response,
                peer_nonce: &self.ni,
                sk_p: self.keys.sk_pr(),
                id_body: &idr_body,
            },
        );
        let mut payloads = vec![Payload::IdR(idr), Payload::Auth(auth_r)];
        let cp = configure(core, cx, p, &replacing);
        payloads.extend(cp.payloads);
        cx.emit(
            Some(core.id),
            EventKind::IkeSaUp(Box::new(ike_sa_up(core, msg))),
        );
        if child_requested(p) {
            if cp.child_allowed {
                let keying = Keying {
                    prf,
                    sk_d: self.keys.sk_d(),
                    ni: &self.ni,
                    nr: &self.nr,
                    g_ir: None,
                };
                payloads.extend(negotiate_child(core, cx, p, &keying));
            } else {
                let name = policy
                    .first_child()
                    .map_or_else(String::new, |c| c.name.clone());
                let notify = cp.child_refusal.unwrap_or(NotifyType::TS_UNACCEPTABLE);
                child_failed(
                    core,
                    cx,
                    &name,
                    ChildFailure::Refused {
                        notify,
                        problem: Problem::ConfigurationPayloadFailed,
                    },
                );
                // charon answers a missing CP request with TS_UNACCEPTABLE for the
                // CHILD SA as well (its dynamic selector has no virtual IP to become).
                if notify == NotifyType::FAILED_CP_REQUIRED {
                    payloads.push(Payload::Notify(NotifyPayload::new(
                        NotifyType::TS_UNACCEPTABLE,
                        Vec::new(),
                    )));
                }
            }
        }
        if let Err(e) =
            core.send_response(cx, ExchangeType::IKE_AUTH, msg.header.message_id, payloads)
        {
            core.go_down(
                cx,
                DownReason::Local {
                    problem: e.building(ExchangeType::IKE_AUTH, true),
                },
                false,
            );
            return State::Closing;
        }
        core.timers.clear(Timer::HalfOpen);
        arm_keepalive(core, cx);
        State::Established(Box::new(Established::start(
            core,
            cx,
            self.keys.sk_d().clone(),
            prf,
        )))
    }
}

/// The configuration for this peer's identities: the SA's own if it fits, else the
/// first responder configuration that accepts the addresses and the identities
/// (a PeerConfig decision says so); `None` if none does.
fn select_policy(
    core: &SaCore,
    cx: &mut Cx<'_>,
    idi: &IdPayload,
    idr: Option<&IdPayload>,
) -> Option<Arc<Policy>> {
    let local_ip = core.local.ip();
    let current = core.policy.clone();
    if current.accepts_identities(idi, idr, local_ip) {
        return Some(current);
    }
    let other = cx
        .responders
        .iter()
        .filter(|p| !Arc::ptr_eq(p, &current))
        .filter(|p| p.accepts_addresses(core.remote.ip(), core.local.ip()))
        .find(|p| p.accepts_identities(idi, idr, local_ip))
        .cloned()?;
    cx.emit(
        Some(core.id),
        EventKind::Decision(Decision::PeerConfig {
            index: other.index,
            remote_id: other.config.remote.id.as_str().to_owned(),
            reason: PeerConfigReason::AcceptsIdentity {
                identity: id_text(idi),
            },
        }),
    );
    Some(other)
}
