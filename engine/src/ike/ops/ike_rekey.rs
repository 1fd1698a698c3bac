//! The IKE SA that a rekey creates (RFC 7296 §1.3.2, §2.18), whichever side started
//! it: "SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)" with the old SA's PRF, the
//! keys with the new SA's, new SPIs, Message IDs from zero, and everything the old SA
//! learned in IKE_AUTH (identities, virtual IPs, NAT state).

use super::{Established, Task, arm_new_sa, enqueue, take_children};
use crate::config::Role;
use crate::crypto::Secret;
use crate::crypto::keys::{IkeSuite, derive_rekeyed_ike_keys};
use crate::event::{Cause, EventKind, IkeSaKeys, Problem};
use crate::ike::context::{Cx, Effect};
use crate::ike::ids::IkeSaId;
use crate::ike::protect::Protection;
use crate::ike::sa::{IkeSa, SaCore};
use crate::ike::state::State;
use crate::keylog::KeyLogEntry;
use crate::wire::IkeSpi;
use crate::wire::iana::{DhId, TransformType};
use crate::wire::sa::Proposal;

/// The inputs of the new SA's key schedule.
pub(super) struct NewSa<'a> {
    /// Whether we initiated the rekey (and so are the new SA's original initiator).
    pub(super) initiator: bool,
    pub(super) spi_i: IkeSpi,
    pub(super) spi_r: IkeSpi,
    pub(super) chosen: &'a Proposal,
    pub(super) text: String,
    pub(super) g_ir: &'a Secret,
    pub(super) ni: &'a [u8],
    pub(super) nr: &'a [u8],
}

/// Derives the new SA's keys and hands it to the engine; returns its handle.
pub(super) fn create(
    est: &Established,
    core: &SaCore,
    cx: &mut Cx<'_>,
    new: &NewSa<'_>,
    first_task: Option<Task>,
) -> Result<IkeSaId, Problem> {
    let derivation = |error| Problem::KeyDerivation { error };
    let suite = IkeSuite::from_proposal(cx.provider, new.chosen).map_err(derivation)?;
    let mut steps = Vec::new();
    let recorder = cx.logs_keys().then_some(&mut steps);
    let keys = derive_rekeyed_ike_keys(
        est.prf,
        &est.sk_d,
        &suite,
        new.g_ir.as_bytes(),
        new.ni,
        new.nr,
        &new.spi_i.0,
        &new.spi_r.0,
        recorder,
    )
    .map_err(derivation)?;
    let protection = Protection::new(suite, &keys, new.initiator).map_err(derivation)?;
    let id = cx.ids.next_ike();
    let role = if new.initiator {
        Role::Initiator
    } else {
        Role::Responder
    };
    let mut sa_core = SaCore::new(
        id,
        role,
        new.spi_i,
        core.policy.clone(),
        core.local,
        core.remote,
    );
    sa_core.spi_r = new.spi_r;
    sa_core.nat = core.nat;
    sa_core.protection = Some(protection);
    sa_core.peer_id = core.peer_id.clone();
    sa_core.local_id = core.local_id.clone();
    sa_core.virtual_ips = core.virtual_ips.clone();
    sa_core.dns = core.dns.clone();
    sa_core.proposal = Some(new.text.clone());
    sa_core.dh = new
        .chosen
        .transforms
        .iter()
        .find(|t| t.kind == TransformType::DH)
        .map_or(DhId::NONE, |t| DhId(t.id));
    if cx.logs_keys() {
        cx.log_keys(id, KeyLogEntry::KeysDerived { steps });
        cx.log_keys(
            id,
            KeyLogEntry::IkeSaKeys(Box::new(IkeSaKeys {
                spi_i: new.spi_i,
                spi_r: new.spi_r,
                encr: suite.cipher.id(),
                encr_key_bits: suite.cipher.key_bits(),
                integ: suite.integ.map(|i| i.id()),
                keys: keys.clone(),
            })),
        );
    }
    let mut state = Established::rekeyed(keys.sk_d().clone(), suite.prf);
    arm_new_sa(&mut state, &mut sa_core, cx);
    crate::ike::state::arm_keepalive(&mut sa_core, cx);
    if let Some(task) = first_task {
        enqueue(&mut state, task, true);
    }
    super::arm_lifetimes(&state, &mut sa_core);
    cx.effects.push(Effect::AdoptIkeSa(Box::new(IkeSa {
        core: sa_core,
        state: State::Established(Box::new(state)),
    })));
    Ok(id)
}

/// Reports the rekey on the old SA.
pub(super) fn report(
    core: &SaCore,
    cx: &mut Cx<'_>,
    new_sa: IkeSaId,
    new: &NewSa<'_>,
    cause: Cause,
) {
    cx.emit(
        Some(core.id),
        EventKind::IkeSaRekeyed {
            new_sa,
            spi_i: new.spi_i,
            spi_r: new.spi_r,
            proposal: new.text.clone(),
            initiator: new.initiator,
            cause,
        },
    );
}

/// Moves the CHILD SAs (and the tasks queued for them) to `to` (§2.18), and marks
/// this SA as replaced.
pub(super) fn hand_over(est: &mut Established, core: &mut SaCore, cx: &mut Cx<'_>, to: IkeSaId) {
    let (children, tasks) = take_children(est, core);
    est.ops.superseded_by = Some(to);
    est.ops.life.ike_rekey_at = None;
    super::retry::forget_ike_rekey(est);
    // Liveness is the new SA's business now.
    core.timers.clear(crate::ike::timers::Timer::Dpd);
    cx.effects.push(Effect::MoveChildren {
        from: core.id,
        to,
        children,
        tasks,
    });
}

/// A replaced SA whose deletion is the peer's: gone on its own if the peer's Delete
/// never comes (after a whole retransmission budget).
pub(super) fn await_peer_delete(est: &mut Established, core: &SaCore, cx: &Cx<'_>) {
    let wait = core.policy.config.retransmit.time_until_give_up();
    est.ops.life.ike_expire_at = Some(cx.now.saturating_add(wait));
}
