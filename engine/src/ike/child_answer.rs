//! The initiator's check of a responder's CHILD SA answer, the same in IKE_AUTH
//! (RFC 7296 §1.2) and in CREATE_CHILD_SA (§1.3.1, §1.3.3): the chosen proposal must
//! be one we offered (§2.7), its SPI 4 non-zero octets, a chosen key exchange group
//! must come with a matching KE payload (§1.3), the selectors must lie within ours
//! (§2.9), and transport mode is used only if both asked for it (§1.3.1).

use super::child::ChildParams;
use super::child_setup::{Keying, child_failed, install_child};
use super::context::Cx;
use super::ids::ChildSaId;
use super::payloads::{errors, has_notify, ke, nonce, sa, ts_i, ts_r};
use super::sa::SaCore;
use super::ts::{self, TsNarrowing};
use crate::config::Mode;
use crate::config::Role;
use crate::crypto::{ActiveKeyExchange, Prf, Secret};
use crate::event::{ChildFailure, Decision, EventKind, Problem, TsDecision, TsVerdict};
use crate::proposal::check_response;
use crate::wire::iana::{DhId, ExchangeType, NotifyType, PayloadType, ProtocolId, TransformType};
use crate::wire::{DeletePayload, Payload, SaPayload, TrafficSelector};

/// The CHILD SA we asked for.
#[derive(Debug, Clone)]
pub(crate) struct ChildOffer {
    /// The `[children.NAME]` it is made from.
    pub(crate) name: String,
    /// The SPI we receive with, sent in our proposals.
    pub(crate) spi_in: u32,
    pub(crate) offered: SaPayload,
    pub(crate) ts_i: Vec<TrafficSelector>,
    pub(crate) ts_r: Vec<TrafficSelector>,
    /// Whether we sent USE_TRANSPORT_MODE.
    pub(crate) transport: bool,
    pub(crate) replay_window: u32,
}

/// What the CHILD SA's keys come from (§2.17).
pub(crate) struct AnswerKeying<'a> {
    pub(crate) prf: &'static dyn Prf,
    pub(crate) sk_d: &'a Secret,
    pub(crate) ni: &'a [u8],
    /// IKE_AUTH: the IKE_SA_INIT response's nonce. CREATE_CHILD_SA: `None`, the
    /// answer carries its own Nonce payload.
    pub(crate) nr: Option<&'a [u8]>,
    /// Our KE of a CREATE_CHILD_SA with PFS.
    pub(crate) ke: Option<&'a dyn ActiveKeyExchange>,
}

/// What became of the CHILD SA we asked for.
#[derive(Debug)]
pub(crate) enum ChildAnswer {
    /// Installed.
    Installed(ChildSaId),
    /// The responder refused it with this error notify (§2.21.3); the caller reports
    /// it (and may try again).
    PeerError(NotifyType),
    /// The answer is not one we can use: reported as a rejected CHILD SA, and the
    /// responder's half deleted if it installed one (§1.4.1).
    Rejected { problem: Problem },
}

/// Checks the responder's answer `p` to `offer` and installs the CHILD SA.
pub(crate) fn check_answer(
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    offer: &ChildOffer,
    p: &[Payload],
    keying: &AnswerKeying<'_>,
) -> ChildAnswer {
    if let Some(error) = errors(p).first() {
        return ChildAnswer::PeerError(*error);
    }
    match accept(core, cx, offer, p, keying) {
        Ok(id) => ChildAnswer::Installed(id),
        Err(problem) => {
            child_failed(
                core,
                cx,
                &offer.name,
                ChildFailure::Rejected {
                    problem: problem.clone(),
                },
            );
            if sa(p).is_some() {
                // §3.11: a Delete names the SPI its sender receives with, which is
                // the one the responder would send with.
                let _ = core.send_request(
                    cx,
                    ExchangeType::INFORMATIONAL,
                    vec![Payload::Delete(DeletePayload::esp(&[offer.spi_in]))],
                );
            }
            ChildAnswer::Rejected { problem }
        }
    }
}

fn accept(
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    offer: &ChildOffer,
    p: &[Payload],
    keying: &AnswerKeying<'_>,
) -> Result<ChildSaId, Problem> {
    let name = offer.name.as_str();
    let nr = match keying.nr {
        Some(nr) => Some(nr),
        None => nonce(p).map(|n| n.data.as_slice()),
    };
    let (Some(sa_r), Some(nr), Some(tsi), Some(tsr)) = (sa(p), nr, ts_i(p), ts_r(p)) else {
        let required = if keying.nr.is_some() {
            vec![PayloadType::SA, PayloadType::TSI, PayloadType::TSR]
        } else {
            vec![
                PayloadType::SA,
                PayloadType::NONCE,
                PayloadType::TSI,
                PayloadType::TSR,
            ]
        };
        return Err(Problem::MissingPayloads {
            response: true,
            required,
        });
    };
    let report = check_response(&offer.offered, sa_r, cx.provider, ProtocolId::ESP);
    let chosen = report.chosen.clone();
    cx.emit(
        Some(core.id),
        EventKind::Decision(Decision::ChildProposal {
            child: name.to_owned(),
            report,
        }),
    );
    let Some(chosen) = chosen else {
        return Err(Problem::ProposalNotOffered {
            protocol: ProtocolId::ESP,
        });
    };
    let Some(spi_out) = sa_r
        .proposals
        .first()
        .and_then(|p| <[u8; 4]>::try_from(p.spi.as_slice()).ok())
        .map(u32::from_be_bytes)
        .filter(|s| *s != 0)
    else {
        return Err(Problem::BadSpi {
            sender: Role::Responder,
            protocol: ProtocolId::ESP,
        });
    };
    let chosen_group = chosen
        .proposal
        .transforms
        .iter()
        .find(|t| t.kind == TransformType::DH && t.id != DhId::NONE.0)
        .map(|t| DhId(t.id));
    let g_ir = match (chosen_group, keying.ke, ke(p)) {
        (None, _, _) => None,
        (Some(g), Some(ours), Some(theirs)) if ours.group() == g && theirs.group == g => {
            match ours.complete(&theirs.data) {
                Ok(s) => Some(s),
                Err(error) => {
                    return Err(Problem::BadKePayload {
                        sender: Role::Responder,
                        error,
                    });
                }
            }
        }
        (Some(g), _, _) => {
            return Err(Problem::KeMissing { group: g });
        }
    };
    let accepted =
        ts::within(&tsi.selectors, &offer.ts_i) && ts::within(&tsr.selectors, &offer.ts_r);
    cx.emit(
        Some(core.id),
        EventKind::Decision(Decision::TrafficSelectors(TsDecision {
            child: name.to_owned(),
            initiator: TsNarrowing {
                proposed: offer.ts_i.clone(),
                configured: offer.ts_i.clone(),
                result: tsi.selectors.clone(),
            },
            responder: TsNarrowing {
                proposed: offer.ts_r.clone(),
                configured: offer.ts_r.clone(),
                result: tsr.selectors.clone(),
            },
            accepted,
            verdict: if accepted {
                TsVerdict::WithinProposal
            } else {
                TsVerdict::WiderThanProposal
            },
        })),
    );
    if !accepted || tsi.selectors.is_empty() || tsr.selectors.is_empty() {
        return Err(Problem::SelectorsOutsideProposal);
    }
    let configured = if offer.transport {
        Mode::Transport
    } else {
        Mode::Tunnel
    };
    let mode = if offer.transport && has_notify(p, NotifyType::USE_TRANSPORT_MODE) {
        Mode::Transport
    } else {
        Mode::Tunnel
    };
    cx.emit(
        Some(core.id),
        EventKind::Decision(Decision::Mode {
            child: name.to_owned(),
            transport_requested: offer.transport,
            configured,
            chosen: mode,
        }),
    );
    let params = ChildParams {
        name: name.to_owned(),
        initiator: true,
        spi_in: offer.spi_in,
        spi_out,
        mode,
        local_ts: tsi.selectors.clone(),
        remote_ts: tsr.selectors.clone(),
        replay_window: offer.replay_window,
    };
    let keys = Keying {
        prf: keying.prf,
        sk_d: keying.sk_d,
        ni: keying.ni,
        nr,
        g_ir: g_ir.as_ref().map(|s| s.as_bytes()),
    };
    install_child(core, cx, params, &chosen.proposal, &keys)
}
