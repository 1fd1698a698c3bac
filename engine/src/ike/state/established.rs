//! Established IKE SA (RFC 7296 §1.3, §1.4): it answers the peer's CREATE_CHILD_SA
//! and INFORMATIONAL requests and runs its own exchanges (create, rekey, delete,
//! liveness); the work is in [`crate::ike::ops`]. This state holds what those need:
//! SK_d and the PRF for later keys (§2.17, §2.18), and the bookkeeping.

use crate::crypto::{Prf, Secret};
use crate::ike::context::Cx;
use crate::ike::ops::{self, Ops};
use crate::ike::sa::SaCore;

use super::{Received, State};

/// An authenticated IKE SA.
pub(crate) struct Established {
    /// For the keys of later CHILD SAs and the next IKE SA (§2.17, §2.18).
    pub(crate) sk_d: Secret,
    pub(crate) prf: &'static dyn Prf,
    pub(crate) ops: Ops,
}

impl core::fmt::Debug for Established {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Established")
            .field("prf", &self.prf.id())
            .field("ops", &self.ops)
            .finish_non_exhaustive()
    }
}

impl Established {
    /// The state right after IKE_AUTH: lifetimes and liveness checks armed for the
    /// IKE SA and the CHILD SA it created.
    pub(crate) fn start(
        core: &mut SaCore,
        cx: &mut Cx<'_>,
        sk_d: Secret,
        prf: &'static dyn Prf,
    ) -> Self {
        let mut est = Self::rekeyed(sk_d, prf);
        ops::arm_new_sa(&mut est, core, cx);
        for child in core.children.clone() {
            ops::arm_child(&mut est, core, cx, child);
        }
        ops::arm_lifetimes(&est, core);
        est
    }

    /// The state of an IKE SA created by a rekey (§2.18), nothing armed yet.
    pub(crate) fn rekeyed(sk_d: Secret, prf: &'static dyn Prf) -> Self {
        Self {
            sk_d,
            prf,
            ops: Ops::default(),
        }
    }

    pub(crate) fn on_request(
        self: Box<Self>,
        core: &mut SaCore,
        cx: &mut Cx<'_>,
        msg: &Received<'_>,
    ) -> State {
        ops::on_request(self, core, cx, msg)
    }

    pub(crate) fn on_response(
        self: Box<Self>,
        core: &mut SaCore,
        cx: &mut Cx<'_>,
        msg: &Received<'_>,
    ) -> State {
        ops::on_response(self, core, cx, msg)
    }
}
