//! The responder's side of what IKE_AUTH creates besides the IKE SA: virtual IPs
//! (RFC 7296 §2.19) and the first CHILD SA (§1.2, §2.9, §2.17).

use std::net::IpAddr;

use super::child::ChildParams;
use super::child_setup::{Keying, child_failed, install_child};
use super::context::Cx;
use super::cp;
use super::payloads::{cp as cp_payload, has_notify, sa, ts_i, ts_r};
use super::policy::ChildPolicy;
use super::sa::SaCore;
use super::ts::{self, TsNarrowing};
use crate::config::{IpRange, Mode};
use crate::event::{ChildFailure, Decision, EventKind, TsDecision, VipDecision};
use crate::proposal::select;
use crate::wire::iana::{CfgType, NotifyType, ProtocolId};
use crate::wire::{NotifyPayload, Payload, TrafficSelector, TsPayload};

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

/// Assigns virtual IPs from the configuration's pools.
pub(crate) fn configure(core: &mut SaCore, cx: &mut Cx<'_>, p: &[Payload]) -> CpOutcome {
    let policy = core.policy.clone();
    let request = cp_payload(p).filter(|c| c.cfg_type == CfgType::REQUEST);
    let requested = request.map(cp::address_requests).unwrap_or_default();
    let pools: Vec<String> = policy.pools.iter().map(|(n, _)| n.clone()).collect();
    let id = core.id;
    let decide = |cx: &mut Cx<'_>, assigned: Vec<IpAddr>, outcome: &str| {
        cx.emit(
            Some(id),
            EventKind::Decision(Decision::VirtualIp(VipDecision {
                requested: requested.clone(),
                assigned,
                pools: pools.clone(),
                outcome: outcome.to_owned(),
            })),
        );
    };
    if policy.pools.is_empty() {
        if request.is_some() {
            decide(
                cx,
                Vec::new(),
                "no pools configured: the configuration request is not answered",
            );
        }
        return CpOutcome {
            payloads: Vec::new(),
            child_allowed: true,
            child_refusal: None,
        };
    }
    if requested.is_empty() {
        // As charon: a configuration with pools expects a virtual IP request.
        decide(
            cx,
            Vec::new(),
            "expected a virtual IP request, sending FAILED_CP_REQUIRED (RFC 7296 §3.10.1)",
        );
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
                .assign(policy.index, &policy.pools, wanted, &identity, core.id)
        {
            assigned.push(addr);
            used_pools.push(pool);
        }
    }
    if assigned.is_empty() {
        decide(
            cx,
            Vec::new(),
            "no virtual IP left in the pools (or none of the requested family), sending \
             INTERNAL_ADDRESS_FAILURE (RFC 7296 §3.15.4)",
        );
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
    decide(cx, assigned.clone(), "");
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
                detail: "SA, TSi and TSr must come together".to_owned(),
            },
        );
        return vec![notify(NotifyType::INVALID_SYNTAX)];
    };
    // `dynamic`: the peer's virtual IP if it got one, else its outer address.
    let remote_dynamic: Vec<IpRange> = if core.virtual_ips.is_empty() {
        vec![IpRange::single(core.remote.ip())]
    } else {
        core.virtual_ips
            .iter()
            .map(|a| IpRange::single(*a))
            .collect()
    };
    let local_dynamic = [IpRange::single(core.local.ip())];
    let mut first_attempt: Option<TsDecision> = None;
    let mut selected: Option<(&ChildPolicy, Vec<TrafficSelector>, Vec<TrafficSelector>)> = None;
    for child in &policy.children {
        let ours_i = ts::resolve(&child.config.remote_ts, &remote_dynamic);
        let ours_r = ts::resolve(&child.config.local_ts, &local_dynamic);
        let narrowed_i = ts::narrow(&tsi.selectors, &ours_i);
        let narrowed_r = ts::narrow(&tsr.selectors, &ours_r);
        let accepted = !narrowed_i.is_empty() && !narrowed_r.is_empty();
        let decision = TsDecision {
            child: child.name.clone(),
            reason: ts_reason(&narrowed_i, &narrowed_r),
            initiator: TsNarrowing {
                proposed: tsi.selectors.clone(),
                configured: ours_i,
                result: narrowed_i.clone(),
            },
            responder: TsNarrowing {
                proposed: tsr.selectors.clone(),
                configured: ours_r,
                result: narrowed_r.clone(),
            },
            accepted,
        };
        if accepted {
            cx.emit(
                Some(core.id),
                EventKind::Decision(Decision::TrafficSelectors(decision)),
            );
            selected = Some((child, narrowed_i, narrowed_r));
            break;
        }
        first_attempt.get_or_insert(decision);
    }
    let Some((child, narrowed_i, narrowed_r)) = selected else {
        let reason = first_attempt.as_ref().map_or_else(
            || "no CHILD SA is configured".to_owned(),
            |d| d.reason.clone(),
        );
        if let Some(decision) = first_attempt {
            cx.emit(
                Some(core.id),
                EventKind::Decision(Decision::TrafficSelectors(decision)),
            );
        }
        child_failed(
            core,
            cx,
            &fallback_name,
            ChildFailure::Refused {
                notify: NotifyType::TS_UNACCEPTABLE,
                detail: reason,
            },
        );
        return vec![notify(NotifyType::TS_UNACCEPTABLE)];
    };
    let spi_in = cx.fresh_esp_spi();
    let report = select(
        &child.esp_proposals_without_ke(),
        cx.provider,
        sa_i,
        ProtocolId::ESP,
        &spi_in.to_be_bytes(),
    );
    let chosen = report.chosen.clone();
    cx.emit(
        Some(core.id),
        EventKind::Decision(Decision::ChildProposal {
            child: child.name.clone(),
            report,
        }),
    );
    let refuse = |core: &SaCore, cx: &mut Cx<'_>, detail: &str| {
        child_failed(
            core,
            cx,
            &child.name,
            ChildFailure::Refused {
                notify: NotifyType::NO_PROPOSAL_CHOSEN,
                detail: detail.to_owned(),
            },
        );
        vec![notify(NotifyType::NO_PROPOSAL_CHOSEN)]
    };
    let Some(chosen) = chosen else {
        return refuse(core, cx, "no acceptable ESP proposal");
    };
    let spi_out = sa_i
        .proposals
        .iter()
        .find(|p| p.number == chosen.number)
        .and_then(|p| <[u8; 4]>::try_from(p.spi.as_slice()).ok())
        .map(u32::from_be_bytes)
        .filter(|s| *s != 0);
    let Some(spi_out) = spi_out else {
        return refuse(core, cx, "the initiator's ESP SPI is not 4 non-zero octets");
    };
    let transport_requested = has_notify(p, NotifyType::USE_TRANSPORT_MODE);
    let mode = if transport_requested && child.config.mode == Mode::Transport {
        Mode::Transport
    } else {
        Mode::Tunnel
    };
    cx.emit(
        Some(core.id),
        EventKind::Decision(Decision::Mode {
            child: child.name.clone(),
            transport_requested,
            configured: child.config.mode,
            chosen: mode,
        }),
    );
    let params = ChildParams {
        name: child.name.clone(),
        initiator: false,
        spi_in,
        spi_out,
        mode,
        local_ts: narrowed_r.clone(),
        remote_ts: narrowed_i.clone(),
        replay_window: child.config.replay_window,
    };
    if let Err(detail) = install_child(core, cx, params, &chosen.proposal, keying) {
        return refuse(core, cx, &detail);
    }
    let mut payloads = vec![
        Payload::Sa(crate::wire::SaPayload {
            proposals: vec![chosen.proposal],
        }),
        Payload::TsI(TsPayload {
            selectors: narrowed_i,
        }),
        Payload::TsR(TsPayload {
            selectors: narrowed_r,
        }),
    ];
    if mode == Mode::Transport {
        payloads.push(notify(NotifyType::USE_TRANSPORT_MODE));
    }
    payloads
}

fn ts_reason(i: &[TrafficSelector], r: &[TrafficSelector]) -> String {
    let list = |v: &[TrafficSelector]| v.iter().map(ts::describe).collect::<Vec<_>>().join(" ");
    match (i.is_empty(), r.is_empty()) {
        (false, false) => format!("narrowed to {} === {}", list(i), list(r)),
        (true, true) => "neither TSi nor TSr overlaps the configured selectors".to_owned(),
        (true, false) => "TSi does not overlap the configured remote_ts".to_owned(),
        (false, true) => "TSr does not overlap the configured local_ts".to_owned(),
    }
}
