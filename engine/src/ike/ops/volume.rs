//! Byte and packet lifetimes of CHILD SAs (swanctl.conf(5) `rekey_bytes`,
//! `life_bytes`, `rekey_packets`, `life_packets`). The ESP data plane counts; when a
//! count crosses a limit the engine calls [`on_limit`]: the soft limit
//! rekeys the CHILD SA, the hard one deletes it.

use super::{Task, enqueue, lifetime, start_next};
use crate::child::{LimitLevel, LimitReason, VolumeLimit};
use crate::event::{Action, Cause, LifetimeLimit};
use crate::ike::context::Cx;
use crate::ike::ids::ChildSaId;
use crate::ike::sa::IkeSa;
use crate::ike::state::State;

/// The ESP data plane saw `child` of `sa` cross a soft limit (rekey it) or a hard one
/// (delete it) of bytes, packets or sequence numbers (RFC 4301 §4.4.2.1, RFC 4303
/// §3.3.3). Reported with the cause "lifetime (bytes|packets|sequence numbers)".
pub(crate) fn on_limit(sa: &mut IkeSa, cx: &mut Cx<'_>, child: ChildSaId, limit: VolumeLimit) {
    let hard = limit.level == LimitLevel::Hard;
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
        limit: match limit.reason {
            LimitReason::Bytes => LifetimeLimit::Bytes,
            LimitReason::Packets => LifetimeLimit::Packets,
            LimitReason::Sequence => LifetimeLimit::SequenceNumbers,
        },
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
}

#[cfg(test)]
mod tests {
    use core::time::Duration;

    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use crate::child::{LimitLevel, LimitReason, VolumeLimit};
    use crate::config::PeerConfig;
    use crate::event::{Action, Cause, EventKind, LifetimeLimit};
    use crate::sim::fixtures::{CLIENT, GATEWAY};
    use crate::sim::{LinkConfig, Pair};
    use crate::{Engine, EngineConfig};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn parse(text: &str) -> PeerConfig {
        toml::from_str(text).unwrap_or_else(|e| panic!("config: {e}"))
    }

    fn engine(responder: Vec<PeerConfig>, seed: u64) -> Engine {
        let config = EngineConfig {
            responder,
            ..EngineConfig::default()
        };
        Engine::new(config, Box::new(ChaCha20Rng::seed_from_u64(seed)))
            .unwrap_or_else(|e| panic!("engine: {e}"))
    }

    fn established() -> Pair {
        let mut pair = Pair::new(
            engine(Vec::new(), 1),
            engine(vec![parse(GATEWAY)], 2),
            LinkConfig::default(),
            3,
        );
        if let Err(e) = pair.a.initiate(Duration::ZERO, &parse(CLIENT)) {
            panic!("initiate: {e}");
        }
        pair.drive_until(Duration::from_secs(1));
        assert_eq!(pair.a.child_sas().count(), 1);
        pair
    }

    const SOFT_PACKETS: VolumeLimit = VolumeLimit {
        level: LimitLevel::Soft,
        reason: LimitReason::Packets,
    };
    const HARD_BYTES: VolumeLimit = VolumeLimit {
        level: LimitLevel::Hard,
        reason: LimitReason::Bytes,
    };

    fn volume_cause(limit: LifetimeLimit, hard: bool) -> Cause {
        Cause::Lifetime { limit, hard }
    }

    #[test]
    fn a_soft_volume_limit_rekeys_the_child() {
        let mut pair = established();
        let Some(old) = pair.a.child_sas().next().map(|c| c.id) else {
            panic!("no child");
        };
        pair.a.on_child_volume_limit(pair.now, old, SOFT_PACKETS);
        // A second report of the same crossing starts nothing more.
        pair.a.on_child_volume_limit(pair.now, old, SOFT_PACKETS);
        pair.drive_until(pair.now + Duration::from_secs(1));
        let started: Vec<_> = pair
            .a_events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::ExchangeStarted { action, cause, .. } => {
                    Some((action.clone(), cause.clone()))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            started,
            [
                (
                    Action::RekeyChild { child: old },
                    volume_cause(LifetimeLimit::Packets, false)
                ),
                (Action::DeleteChild { child: old }, Cause::Rekeyed),
            ]
        );
        let new: Vec<_> = pair.a.child_sas().map(|c| c.id).collect();
        assert_eq!(new.len(), 1);
        assert_ne!(new[0], old);
        assert_eq!(pair.b.child_sas().count(), 1);
    }

    #[test]
    fn a_hard_volume_limit_deletes_the_child() {
        let mut pair = established();
        let Some(child) = pair.a.child_sas().next().map(|c| c.id) else {
            panic!("no child");
        };
        pair.a.on_child_volume_limit(pair.now, child, HARD_BYTES);
        pair.drive_until(pair.now + Duration::from_secs(1));
        let down = pair.a_events.iter().find_map(|e| match &e.kind {
            EventKind::ChildSaDown { child: c, reason } if *c == child => Some(reason.describe()),
            _ => None,
        });
        assert_eq!(down.as_deref(), Some("lifetime (bytes)"));
        assert_eq!(pair.a.child_sas().count(), 0);
        assert_eq!(pair.b.child_sas().count(), 0);
    }
}
