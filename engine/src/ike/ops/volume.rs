//! Byte and packet lifetimes of CHILD SAs (swanctl.conf(5) `rekey_bytes`,
//! `life_bytes`, `rekey_packets`, `life_packets`). The ESP data plane counts; when a
//! count crosses a limit it calls [`Engine::on_child_volume_limit`]: the soft limit
//! rekeys the CHILD SA, the hard one deletes it.

use super::{Task, enqueue, lifetime, start_next};
use crate::event::{Action, Cause};
use crate::ike::datagram::Time;
use crate::ike::engine::Engine;
use crate::ike::ids::ChildSaId;
use crate::ike::state::State;

impl Engine {
    /// A CHILD SA crossed its soft (`hard == false`: rekey) or hard (delete) byte or
    /// packet limit. Reported with the cause "lifetime (bytes|packets)".
    #[allow(dead_code)]
    pub(crate) fn on_child_volume_limit(&mut self, now: Time, child: ChildSaId, hard: bool) {
        let Some(ike) = self.child_sa(child).map(|c| c.ike_sa) else {
            return;
        };
        self.with_sa(now, ike, |sa, cx| {
            let State::Established(est) = &mut sa.state else {
                return;
            };
            if !sa.core.children.contains(&child)
                || est.ops.deleting.contains(&child)
                || (!hard && est.ops.replaced.contains(&child))
            {
                return;
            }
            let cause = Cause::Lifetime {
                limit: "bytes|packets".to_owned(),
                hard,
            };
            let action = if hard {
                Action::DeleteChild { child }
            } else {
                if let Some(l) = est.ops.life.children.get_mut(&child) {
                    l.rekey_at = None;
                }
                Action::RekeyChild { child }
            };
            enqueue(est, Task { action, cause }, hard);
            start_next(est, &mut sa.core, cx);
            lifetime::arm(est, &mut sa.core);
        });
    }
}
