//! Which SA a script's lifecycle action acts on: the peer's first established IKE
//! SA and its first installed CHILD SA (of a named `[children.NAME]`, if given).
//! "First" is the lowest handle: handles count up (`ike/ids.rs`), so it is the
//! oldest, which after a rekey is the replacement (the old one is gone).

use crate::ike::{ChildSaId, Engine, IkeSaId, SaState};
use crate::trace::ActionFailure;

/// The peer's first established IKE SA.
pub(crate) fn ike_sa(engine: &Engine) -> Result<IkeSaId, ActionFailure> {
    engine
        .ike_sa_ids()
        .into_iter()
        .filter(|id| {
            engine
                .ike_sa(*id)
                .is_some_and(|info| info.state == SaState::Established)
        })
        .min()
        .ok_or(ActionFailure::NoEstablishedIkeSa)
}

/// The peer's first installed CHILD SA of an established IKE SA, of the child
/// configuration `name` if given.
pub(crate) fn child_sa(engine: &Engine, name: Option<&str>) -> Result<ChildSaId, ActionFailure> {
    engine
        .child_sas()
        .filter(|c| name.is_none_or(|n| c.name == n))
        .filter(|c| {
            engine
                .ike_sa(c.ike_sa)
                .is_some_and(|info| info.state == SaState::Established)
        })
        .map(|c| c.id)
        .min()
        .ok_or_else(|| ActionFailure::NoChildSa {
            child: name.map(str::to_owned),
        })
}
