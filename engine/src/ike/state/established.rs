//! Established IKE SA. Part 1 of the state machine answers what an established SA
//! must answer from the start (RFC 7296 §1.4, §1.5):
//!
//! - INFORMATIONAL requests: an empty one is a liveness check and gets an empty
//!   response; a Delete of the IKE SA is acknowledged and ends it; a Delete of CHILD
//!   SAs is answered with the Delete of their other halves (§1.4.1); an error notify
//!   (e.g. AUTHENTICATION_FAILED sent by an initiator that rejected our AUTH, §2.21.2)
//!   is acknowledged and ends the SA.
//! - CREATE_CHILD_SA requests are refused with NO_ADDITIONAL_SAS (§1.3: "the
//!   responder is unwilling to accept any more Child SAs") until rekeying exists.
//! - Responses to our own INFORMATIONAL requests complete them.

use crate::crypto::{Prf, Secret};
use crate::event::{DownReason, EventKind};
use crate::ike::context::Cx;
use crate::ike::payloads::errors;
use crate::ike::sa::SaCore;
use crate::wire::iana::{ExchangeType, NotifyType, ProtocolId};
use crate::wire::{DeletePayload, NotifyPayload, Payload};

use super::{Received, State};

/// An authenticated IKE SA.
pub(crate) struct Established {
    /// For the keys of later CHILD SAs and the next IKE SA (§2.17, §2.18).
    #[allow(dead_code)]
    sk_d: Secret,
    #[allow(dead_code)]
    prf: &'static dyn Prf,
}

impl core::fmt::Debug for Established {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Established")
            .field("prf", &self.prf.id())
            .finish_non_exhaustive()
    }
}

impl Established {
    pub(crate) fn new(sk_d: Secret, prf: &'static dyn Prf) -> Self {
        Self { sk_d, prf }
    }

    pub(crate) fn on_request(
        self: Box<Self>,
        core: &mut SaCore,
        cx: &mut Cx<'_>,
        msg: &Received<'_>,
    ) -> State {
        let mid = msg.header.message_id;
        match msg.header.exchange_type {
            ExchangeType::CREATE_CHILD_SA => {
                let _ = core.send_response(
                    cx,
                    ExchangeType::CREATE_CHILD_SA,
                    mid,
                    vec![Payload::Notify(NotifyPayload::new(
                        NotifyType::NO_ADDITIONAL_SAS,
                        Vec::new(),
                    ))],
                );
                State::Established(self)
            }
            _ => self.informational(core, cx, msg),
        }
    }

    fn informational(
        self: Box<Self>,
        core: &mut SaCore,
        cx: &mut Cx<'_>,
        msg: &Received<'_>,
    ) -> State {
        let mid = msg.header.message_id;
        let p = msg.payloads;
        let deletes: Vec<&DeletePayload> = p
            .iter()
            .filter_map(|x| match x {
                Payload::Delete(d) => Some(d),
                _ => None,
            })
            .collect();
        if deletes.iter().any(|d| d.protocol == ProtocolId::IKE) {
            let _ = core.send_response(cx, ExchangeType::INFORMATIONAL, mid, Vec::new());
            core.go_down(cx, DownReason::DeletedByPeer, true);
            return State::Closing;
        }
        // An error notify about the IKE SA itself ends it (§2.21.2, §3.10.1).
        if let Some(error) = errors(p)
            .into_iter()
            .find(|t| *t != NotifyType::INVALID_MESSAGE_ID)
        {
            let _ = core.send_response(cx, ExchangeType::INFORMATIONAL, mid, Vec::new());
            core.go_down(
                cx,
                DownReason::PeerError {
                    exchange: ExchangeType::INFORMATIONAL,
                    notify: error,
                },
                true,
            );
            return State::Closing;
        }
        let mut ours = Vec::new();
        for delete in deletes.iter().filter(|d| d.protocol == ProtocolId::ESP) {
            for spi in &delete.spis {
                let Ok(bytes) = <[u8; 4]>::try_from(spi.as_slice()) else {
                    continue;
                };
                let spi_out = u32::from_be_bytes(bytes);
                let found = core
                    .children
                    .iter()
                    .copied()
                    .find(|id| cx.children.get(id).is_some_and(|c| c.spi_out == spi_out));
                if let Some(id) = found
                    && let Some(child) = cx.children.remove(&id)
                {
                    core.children.retain(|c| *c != id);
                    ours.push(child.spi_in);
                    cx.emit(
                        Some(core.id),
                        EventKind::ChildSaDown {
                            child: id,
                            reason: "deleted by the peer".to_owned(),
                        },
                    );
                }
            }
        }
        let response = if ours.is_empty() {
            Vec::new()
        } else {
            vec![Payload::Delete(DeletePayload::esp(&ours))]
        };
        let _ = core.send_response(cx, ExchangeType::INFORMATIONAL, mid, response);
        State::Established(self)
    }

    pub(crate) fn on_response(
        self: Box<Self>,
        core: &mut SaCore,
        _cx: &mut Cx<'_>,
        _msg: &Received<'_>,
    ) -> State {
        core.complete_request();
        State::Established(self)
    }
}
