//! The responder's side of what IKE_AUTH creates besides the IKE SA: virtual IPs
//! (RFC 7296 §2.19) and the first CHILD SA (§1.2, §2.9, §2.17).

use std::net::IpAddr;

use super::child::ChildParams;
use super::child_choice::{ChildKeying, ChildRefusal, ChildRequest, choose_child};
use super::child_setup::{Keying, child_failed, install_child};
use super::context::Cx;
use super::cp;
use super::ids::IkeSaId;
use super::payloads::{cp as cp_payload, has_notify, sa, ts_i, ts_r};
use super::policy::ChildPolicy;
use super::sa::SaCore;
use crate::config::Mode;
use crate::event::{ChildFailure, Decision, EventKind, Problem, VipDecision, VipProblem};
use crate::wire::iana::{CfgType, NotifyType, PayloadType};
use crate::wire::{NotifyPayload, Payload, SaPayload, TsPayload};

/// What the CP negotiation decided.
pub(crate) struct CpOutcome {
    /// CP(CFG_REPLY) or the error notify, for the response.
    pub(crate) payloads: Vec<Payload>,
    /// Whether a CHILD SA may be created (not after a CP failure: charon's
    /// "configuration payload negotiation failed, no CHILD_SA built").
    pub(crate) child_allowed: bool,
    /// The notify the CHILD SA's failure is reported with.
    pub(crate) child_refusal: Option<NotifyType>,
}

fn notify(t: NotifyType) -> Payload {
    Payload::Notify(NotifyPayload::new(t, Vec::new()))
}

/// Assigns virtual IPs from the configuration's pools; `replacing` are the older
/// IKE SAs of the peer this one replaces (their addresses may pass to it).
pub(crate) fn configure(
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    p: &[Payload],
    replacing: &[IkeSaId],
) -> CpOutcome {
    let policy = core.policy.clone();
    let request = cp_payload(p).filter(|c| c.cfg_type == CfgType::REQUEST);
    let requested = request.map(cp::address_requests).unwrap_or_default();
    let pools: Vec<String> = policy.pools.iter().map(|(n, _)| n.clone()).collect();
    let id = core.id;
    let decide = |cx: &mut Cx<'_>, assigned: Vec<IpAddr>, problem: Option<VipProblem>| {
        cx.emit(
            Some(id),
            EventKind::Decision(Decision::VirtualIp(VipDecision {
                requested: requested.clone(),
                assigned,
                pools: pools.clone(),
                problem,
            })),
        );
    };
    if policy.pools.is_empty() {
        if request.is_some() {
            decide(cx, Vec::new(), Some(VipProblem::NoPools));
        }
        return CpOutcome {
            payloads: Vec::new(),
            child_allowed: true,
            child_refusal: None,
        };
    }
    if requested.is_empty() {
        // As charon: a configuration with pools expects a virtual IP request.
        decide(cx, Vec::new(), Some(VipProblem::RequestMissing));
        return CpOutcome {
            payloads: vec![notify(NotifyType::FAILED_CP_REQUIRED)],
            child_allowed: false,
            child_refusal: Some(NotifyType::FAILED_CP_REQUIRED),
        };
    }
    let identity: Vec<u8> = core
        .peer_id
        .as_ref()
        .map(|id| [&[id.id_type.0][..], &id.data].concat())
        .unwrap_or_default();
    let mut assigned = Vec::new();
    let mut used_pools = Vec::new();
    for wanted in &requested {
        if let Some((addr, pool)) =
            cx.pools
                .assign(&policy.pools, wanted, &identity, core.id, replacing)
        {
            assigned.push(addr);
            used_pools.push(pool);
        }
    }
    if assigned.is_empty() {
        decide(cx, Vec::new(), Some(VipProblem::PoolsExhausted));
        return CpOutcome {
            payloads: vec![notify(NotifyType::INTERNAL_ADDRESS_FAILURE)],
            child_allowed: false,
            child_refusal: Some(NotifyType::INTERNAL_ADDRESS_FAILURE),
        };
    }
    let dns: Vec<IpAddr> = policy
        .pools
        .iter()
        .filter(|(name, _)| used_pools.contains(name))
        .flat_map(|(_, pool)| pool.dns.iter().copied())
        .collect();
    core.virtual_ips = assigned.clone();
    core.dns = dns.clone();
    decide(cx, assigned.clone(), None);
    CpOutcome {
        payloads: vec![Payload::Cp(cp::build_reply(&assigned, &dns))],
        child_allowed: true,
        child_refusal: None,
    }
}

/// Whether the request asks for a CHILD SA at all.
pub(crate) fn child_requested(p: &[Payload]) -> bool {
    sa(p).is_some() || ts_i(p).is_some() || ts_r(p).is_some()
}

/// Negotiates the CHILD SA requested in IKE_AUTH; returns the payloads for the
/// response (SA, TSi, TSr, or the error notify).
pub(crate) fn negotiate_child(
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    p: &[Payload],
    keying: &Keying<'_>,
) -> Vec<Payload> {
    let policy = core.policy.clone();
    let fallback_name = policy
        .first_child()
        .map_or_else(String::new, |c| c.name.clone());
    let (Some(sa_i), Some(tsi), Some(tsr)) = (sa(p), ts_i(p), ts_r(p)) else {
        child_failed(
            core,
            cx,
            &fallback_name,
            ChildFailure::Refused {
                notify: NotifyType::INVALID_SYNTAX,
                problem: Problem::IncompletePayloads {
                    together: vec![PayloadType::SA, PayloadType::TSI, PayloadType::TSR],
                },
            },
        );
        return vec![notify(NotifyType::INVALID_SYNTAX)];
    };
    let request = ChildRequest {
        sa: sa_i,
        ts_i: &tsi.selectors,
        ts_r: &tsr.selectors,
        transport_requested: has_notify(p, NotifyType::USE_TRANSPORT_MODE),
    };
    let candidates: Vec<&ChildPolicy> = policy.children.iter().collect();
    let refuse = |core: &SaCore, cx: &mut Cx<'_>, refusal: ChildRefusal| {
        child_failed(
            core,
            cx,
            refusal.child.as_deref().unwrap_or(&fallback_name),
            ChildFailure::Refused {
                notify: refusal.notify,
                problem: refusal.problem,
            },
        );
        vec![notify(refusal.notify)]
    };
    let choice = match choose_child(core, cx, &candidates, &request, ChildKeying::FromIkeSa) {
        Ok(choice) => choice,
        Err(refusal) => return refuse(core, cx, refusal),
    };
    let params = ChildParams {
        name: choice.child.name.clone(),
        initiator: false,
        spi_in: choice.spi_in,
        spi_out: choice.spi_out,
        mode: choice.mode,
        local_ts: choice.ts_r.clone(),
        remote_ts: choice.ts_i.clone(),
        replay_window: choice.child.config.replay_window,
    };
    if let Err(problem) = install_child(core, cx, params, &choice.proposal, keying) {
        let refusal = ChildRefusal {
            child: Some(choice.child.name.clone()),
            notify: NotifyType::NO_PROPOSAL_CHOSEN,
            problem,
        };
        return refuse(core, cx, refusal);
    }
    let mut payloads = vec![
        Payload::Sa(SaPayload {
            proposals: vec![choice.proposal],
        }),
        Payload::TsI(TsPayload {
            selectors: choice.ts_i,
        }),
        Payload::TsR(TsPayload {
            selectors: choice.ts_r,
        }),
    ];
    if choice.mode == Mode::Transport {
        payloads.push(notify(NotifyType::USE_TRANSPORT_MODE));
    }
    payloads
}
