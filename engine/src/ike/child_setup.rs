//! Installing a CHILD SA once both sides agree (RFC 7296 §2.17): KEYMAT from SK_d
//! and the nonces, the record, and its events.

use super::child::{ChildParams, ChildSa, Outer};
use super::context::Cx;
use super::ids::ChildSaId;
use super::sa::SaCore;
use crate::child::EspError;
use crate::child::VolumeLimits;
use crate::crypto::keys::{ChildSuite, derive_child_keys};
use crate::crypto::{Prf, Secret};
use crate::event::{ChildFailure, ChildSaKeys, EspErrorKind, EventKind, Problem};
use crate::keylog::KeyLogEntry;
use crate::wire::sa::Proposal;

/// The key material a CHILD SA is derived from.
pub(crate) struct Keying<'a> {
    pub(crate) prf: &'static dyn Prf,
    pub(crate) sk_d: &'a Secret,
    /// The nonces of the exchange that creates the CHILD SA (IKE_SA_INIT's for the
    /// first one, §2.17).
    pub(crate) ni: &'a [u8],
    pub(crate) nr: &'a [u8],
    /// The new Diffie-Hellman secret of a CREATE_CHILD_SA with PFS (§2.17:
    /// KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr)); `None` without.
    pub(crate) g_ir: Option<&'a [u8]>,
}

/// Derives the keys and installs the CHILD SA.
pub(crate) fn install_child(
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    params: ChildParams,
    chosen: &Proposal,
    keying: &Keying<'_>,
) -> Result<ChildSaId, Problem> {
    let derivation = |error| Problem::KeyDerivation { error };
    let suite = ChildSuite::from_proposal(cx.provider, chosen).map_err(derivation)?;
    let mut steps = Vec::new();
    let recorder = cx.logs_keys().then_some(&mut steps);
    let keys = derive_child_keys(
        keying.prf,
        keying.sk_d,
        &suite,
        keying.g_ir,
        keying.ni,
        keying.nr,
        recorder,
    )
    .map_err(derivation)?;
    let outer = Outer {
        local: core.local,
        remote: core.remote,
        udp_encap: core.nat.udp_encap,
    };
    let limits = core
        .policy
        .children
        .iter()
        .find(|c| c.name == params.name)
        .map(|c| VolumeLimits::from_config(&c.config))
        .unwrap_or_default();
    let child = ChildSa::new(
        cx.ids.next_child(),
        core.id,
        params,
        chosen,
        keys,
        outer,
        cx.provider,
        limits,
    )
    .map_err(|e| match e {
        EspError::Crypto(error) => Problem::KeyDerivation { error },
        other => Problem::EspKeying {
            error: EspErrorKind::of(&other),
        },
    })?;
    let id = child.id;
    if cx.logs_keys() {
        cx.log_keys(core.id, KeyLogEntry::KeysDerived { steps });
        cx.log_keys(
            core.id,
            KeyLogEntry::ChildSaKeys(Box::new(ChildSaKeys {
                child: id,
                initiator: child.initiator,
                local: child.local.ip(),
                remote: child.remote.ip(),
                spi_in: child.spi_in,
                spi_out: child.spi_out,
                encr: child.encr,
                encr_key_bits: child.encr_key_bits,
                integ: child.integ,
                keys: child.keys().clone(),
            })),
        );
    }
    cx.emit(
        Some(core.id),
        EventKind::ChildSaUp(Box::new(child.up_event())),
    );
    core.install_child(cx, child);
    Ok(id)
}

pub(crate) fn child_failed(core: &SaCore, cx: &mut Cx<'_>, name: &str, reason: ChildFailure) {
    cx.emit(
        Some(core.id),
        EventKind::ChildSaFailed {
            name: name.to_owned(),
            reason,
        },
    );
}
