//! The responder's choice of a CHILD SA, the same in IKE_AUTH (RFC 7296 §1.2) and in
//! CREATE_CHILD_SA (§1.3.1, §1.3.3): the first child configuration whose selectors
//! overlap the request's, narrowed (§2.9); its ESP proposal (§2.7); the initiator's
//! SPI; the mode (§1.3.1). Each step is a decision event.

use super::context::Cx;
use super::ops::dynamic_ranges;
use super::policy::ChildPolicy;
use super::sa::SaCore;
use super::ts::{self, TsNarrowing};
use crate::config::{Mode, Role};
use crate::event::{Decision, EventKind, Problem, TsDecision, TsSide, TsVerdict};
use crate::proposal::select;
use crate::wire::iana::{NotifyType, ProtocolId};
use crate::wire::sa::Proposal;
use crate::wire::{SaPayload, TrafficSelector};

/// What the initiator asked for: SA, TSi, TSr and whether it sent
/// USE_TRANSPORT_MODE.
pub(crate) struct ChildRequest<'r> {
    pub(crate) sa: &'r SaPayload,
    pub(crate) ts_i: &'r [TrafficSelector],
    pub(crate) ts_r: &'r [TrafficSelector],
    pub(crate) transport_requested: bool,
}

/// Where the CHILD SA's key exchange comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChildKeying {
    /// IKE_AUTH: from the IKE SA's keying material, so proposals are matched without
    /// their key exchange groups (§1.2).
    FromIkeSa,
    /// CREATE_CHILD_SA: proposals are matched with their groups, so PFS on one side
    /// only is NO_PROPOSAL_CHOSEN (as charon answers).
    OwnExchange,
}

/// The CHILD SA the responder agrees to.
pub(crate) struct ChildChoice<'p, 'r> {
    pub(crate) child: &'p ChildPolicy,
    /// TSi and TSr narrowed to the configuration.
    pub(crate) ts_i: Vec<TrafficSelector>,
    pub(crate) ts_r: Vec<TrafficSelector>,
    /// The SPI we receive with, in our answer.
    pub(crate) spi_in: u32,
    /// The initiator's SPI, which we send with.
    pub(crate) spi_out: u32,
    /// The chosen proposal, one transform per type, with our SPI.
    pub(crate) proposal: Proposal,
    /// The initiator's proposal it was chosen from.
    pub(crate) peer_proposal: &'r Proposal,
    pub(crate) mode: Mode,
}

/// Why no CHILD SA is agreed to: the notify to answer with and why.
#[derive(Debug)]
pub(crate) struct ChildRefusal {
    /// The child configuration it failed in, if one was chosen by its selectors.
    pub(crate) child: Option<String>,
    pub(crate) notify: NotifyType,
    pub(crate) problem: Problem,
}

/// Chooses among `candidates` the CHILD SA to agree to.
pub(crate) fn choose_child<'p, 'r>(
    core: &SaCore,
    cx: &mut Cx<'_>,
    candidates: &[&'p ChildPolicy],
    request: &ChildRequest<'r>,
    keying: ChildKeying,
) -> Result<ChildChoice<'p, 'r>, ChildRefusal> {
    let (child, ts_i, ts_r) = narrow(core, cx, candidates, request)?;
    let refusal = |problem: Problem| ChildRefusal {
        child: Some(child.name.clone()),
        notify: NotifyType::NO_PROPOSAL_CHOSEN,
        problem,
    };
    let spi_in = cx.fresh_esp_spi();
    let ours = match keying {
        ChildKeying::FromIkeSa => child.esp_proposals_without_ke(),
        ChildKeying::OwnExchange => child.esp_proposals.clone(),
    };
    let report = select(
        &ours,
        cx.provider,
        request.sa,
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
    let Some(chosen) = chosen else {
        return Err(refusal(Problem::NoAcceptableEspProposal {
            key_exchange: keying == ChildKeying::OwnExchange,
        }));
    };
    let Some(peer_proposal) = request
        .sa
        .proposals
        .iter()
        .find(|p| p.number == chosen.number)
    else {
        return Err(refusal(Problem::ProposalNumberUnknown));
    };
    let Some(spi_out) = <[u8; 4]>::try_from(peer_proposal.spi.as_slice())
        .ok()
        .map(u32::from_be_bytes)
        .filter(|s| *s != 0)
    else {
        return Err(refusal(Problem::BadSpi {
            sender: Role::Initiator,
            protocol: ProtocolId::ESP,
        }));
    };
    let mode = if request.transport_requested && child.config.mode == Mode::Transport {
        Mode::Transport
    } else {
        Mode::Tunnel
    };
    cx.emit(
        Some(core.id),
        EventKind::Decision(Decision::Mode {
            child: child.name.clone(),
            transport_requested: request.transport_requested,
            configured: child.config.mode,
            chosen: mode,
        }),
    );
    Ok(ChildChoice {
        child,
        ts_i,
        ts_r,
        spi_in,
        spi_out,
        proposal: chosen.proposal,
        peer_proposal,
        mode,
    })
}

type Narrowed<'p> = (&'p ChildPolicy, Vec<TrafficSelector>, Vec<TrafficSelector>);

/// The first child configuration whose selectors overlap the request's (§2.9),
/// narrowed; the decision of the accepted one, or of the first that failed.
fn narrow<'p>(
    core: &SaCore,
    cx: &mut Cx<'_>,
    candidates: &[&'p ChildPolicy],
    request: &ChildRequest<'_>,
) -> Result<Narrowed<'p>, ChildRefusal> {
    let (local_dynamic, remote_dynamic) = dynamic_ranges(core);
    let mut first_failure: Option<TsDecision> = None;
    for child in candidates {
        let ours_i = ts::resolve(&child.config.remote_ts, &remote_dynamic);
        let ours_r = ts::resolve(&child.config.local_ts, &local_dynamic);
        let narrowed_i = ts::narrow(request.ts_i, &ours_i);
        let narrowed_r = ts::narrow(request.ts_r, &ours_r);
        let accepted = !narrowed_i.is_empty() && !narrowed_r.is_empty();
        let decision = TsDecision {
            child: child.name.clone(),
            verdict: ts_verdict(&narrowed_i, &narrowed_r),
            initiator: TsNarrowing {
                proposed: request.ts_i.to_vec(),
                configured: ours_i,
                result: narrowed_i.clone(),
            },
            responder: TsNarrowing {
                proposed: request.ts_r.to_vec(),
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
            return Ok((child, narrowed_i, narrowed_r));
        }
        first_failure.get_or_insert(decision);
    }
    let problem = match first_failure.as_ref().map(|d| d.verdict) {
        Some(TsVerdict::NoOverlap { side }) => Problem::NoSelectorOverlap { side },
        _ => Problem::NoChildConfigured,
    };
    if let Some(decision) = first_failure {
        cx.emit(
            Some(core.id),
            EventKind::Decision(Decision::TrafficSelectors(decision)),
        );
    }
    Err(ChildRefusal {
        child: None,
        notify: NotifyType::TS_UNACCEPTABLE,
        problem,
    })
}

fn ts_verdict(i: &[TrafficSelector], r: &[TrafficSelector]) -> TsVerdict {
    match (i.is_empty(), r.is_empty()) {
        (false, false) => TsVerdict::Narrowed,
        (true, true) => TsVerdict::NoOverlap { side: TsSide::Both },
        (true, false) => TsVerdict::NoOverlap {
            side: TsSide::Initiator,
        },
        (false, true) => TsVerdict::NoOverlap {
            side: TsSide::Responder,
        },
    }
}
