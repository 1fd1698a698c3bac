//! Older IKE SAs between the same authenticated identities: INITIAL_CONTACT (RFC
//! 7296 §2.4) and the uniqueness policy (swanctl.conf(5) `unique`), decided by a
//! responder once the peer's AUTH checks out and before anything is assigned to
//! the new SA, as charon's `check_uniqueness` decides in IKE_AUTH:
//!
//! ```text
//! no older SA between our identity and the peer's   --> nothing to decide
//! unique = never                                    --> keep them (INITIAL_CONTACT ignored)
//! N(INITIAL_CONTACT), unique = no / keep / replace  --> drop them without a Delete (§2.4)
//! unique = no                                       --> keep them
//! unique = keep, one from another address           --> refuse: N(AUTHENTICATION_FAILED)
//! unique = keep, all from this address and port     --> keep them (a reauthentication)
//! unique = replace                                  --> delete them: INFORMATIONAL {D(IKE)}
//! ```
//!
//! The identities are compared, not the configurations: an SA made under a
//! configuration since removed (or reloaded as a new `ResponderId`) counts, and
//! the `unique` of the configuration the new SA authenticated with decides. Each
//! decision is a [`Decision::Uniqueness`] event.

use std::net::SocketAddr;

use crate::config::Unique;
use crate::event::{Decision, EventKind, SaState, UniquenessDecision, UniquenessOutcome};
use crate::ike::context::{Cx, Effect};
use crate::ike::ids::IkeSaId;
use crate::ike::payloads::id_text;
use crate::ike::sa::SaCore;
use crate::wire::IdPayload;

/// The established IKE SAs of the engine, other than `core`'s, between `local_id`
/// and `peer_id`, with the peer's address each was made from.
fn older_sas(
    core: &SaCore,
    cx: &Cx<'_>,
    local_id: &IdPayload,
    peer_id: &IdPayload,
) -> Vec<(IkeSaId, SocketAddr)> {
    cx.ike_sas
        .values()
        .filter(|sa| {
            sa.core.id != core.id
                && sa.state.name() == SaState::Established
                && sa.core.local_id.as_ref() == Some(local_id)
                && sa.core.peer_id.as_ref() == Some(peer_id)
        })
        .map(|sa| (sa.core.id, sa.core.remote))
        .collect()
}

/// Decides about the older IKE SAs between the identities `core` authenticated
/// (`core.local_id`, `core.peer_id`) under `unique`, the policy of the
/// configuration it authenticated with, and queues what becomes of them. `Ok`
/// holds the older SAs the new one replaces (their virtual IPs pass to it, as
/// charon hands a replaced SA's lease on); `Err` names an older SA for which
/// `unique = keep` refuses the new one.
pub(crate) fn check(
    core: &SaCore,
    cx: &mut Cx<'_>,
    unique: Unique,
    initial_contact: bool,
) -> Result<Vec<IkeSaId>, IkeSaId> {
    let (Some(local_id), Some(peer_id)) = (core.local_id.as_ref(), core.peer_id.as_ref()) else {
        return Ok(Vec::new());
    };
    let older = older_sas(core, cx, local_id, peer_id);
    if older.is_empty() {
        return Ok(Vec::new());
    }
    // charon's keep: an older SA from the same address and port may be the one a
    // reauthentication replaces (make-before-break), so only another one refuses.
    let refused_for = match (unique, initial_contact) {
        (Unique::Keep, false) => older
            .iter()
            .find(|(_, remote)| *remote != core.remote)
            .map(|(id, _)| *id),
        _ => None,
    };
    let outcome = match (unique, initial_contact) {
        (Unique::Never, _) | (Unique::No, false) => UniquenessOutcome::Kept,
        (_, true) => UniquenessOutcome::Replaced,
        (Unique::Keep, false) if refused_for.is_some() => UniquenessOutcome::Refused,
        (Unique::Keep, false) => UniquenessOutcome::Reauthentication,
        (Unique::Replace, false) => UniquenessOutcome::Deleted,
    };
    let old: Vec<IkeSaId> = older.iter().map(|(id, _)| *id).collect();
    cx.emit(
        Some(core.id),
        EventKind::Decision(Decision::Uniqueness(UniquenessDecision {
            unique,
            initial_contact,
            remote_id: id_text(peer_id),
            existing: old.clone(),
            outcome: outcome.clone(),
        })),
    );
    if let Some(existing) = refused_for {
        return Err(existing);
    }
    let new_sa = core.id;
    match outcome {
        UniquenessOutcome::Replaced => {
            cx.effects.push(Effect::InitialContact {
                new_sa,
                old: old.clone(),
            });
            Ok(old)
        }
        UniquenessOutcome::Deleted => {
            cx.effects.push(Effect::DeleteDuplicates {
                new_sa,
                old: old.clone(),
            });
            Ok(old)
        }
        _ => Ok(Vec::new()),
    }
}
