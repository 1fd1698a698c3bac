//! When an established IKE SA and its CHILD SAs are due to be rekeyed and to expire,
//! for status displays (`swanctl --list-sas`' "rekeying in", "expires in").
//!
//! Read-only: the deadlines are the ones the engine armed from the configured
//! lifetimes (`ops::lifetime`, swanctl.conf(5) `rekey_time`, `over_time`,
//! `life_time`, each less its random part). Instants are the engine's monotonic
//! [`Time`]; the caller subtracts its `now`.

use serde::{Deserialize, Serialize};

use super::datagram::Time;
use super::ids::ChildSaId;
use super::sa::IkeSa;
use super::state::State;

/// The soft and hard deadlines of one SA (`None`: that lifetime is disabled, or
/// the rekey already started).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    /// When a rekey starts (RFC 7296 §2.8 for a CHILD SA, §2.18 for the IKE SA).
    pub rekey_at: Option<Time>,
    /// When the SA is deleted if it has not been replaced (the hard limit).
    pub expire_at: Option<Time>,
}

/// The deadlines of an established IKE SA and of each of its CHILD SAs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaDeadlines {
    pub ike: Deadlines,
    /// Each CHILD SA with armed lifetimes, in handle order.
    pub children: Vec<(ChildSaId, Deadlines)>,
}

impl SaDeadlines {
    /// The deadlines of `sa`, or `None` when it is not established (no lifetime is
    /// armed before IKE_AUTH completes, RFC 7296 §1.2).
    pub(crate) fn of(sa: &IkeSa) -> Option<Self> {
        let State::Established(est) = &sa.state else {
            return None;
        };
        let life = &est.ops.life;
        Some(Self {
            ike: Deadlines {
                rekey_at: life.ike_rekey_at,
                expire_at: life.ike_expire_at,
            },
            children: life
                .children
                .iter()
                .map(|(&child, c)| {
                    let deadlines = Deadlines {
                        rekey_at: c.rekey_at,
                        expire_at: c.expire_at,
                    };
                    (child, deadlines)
                })
                .collect(),
        })
    }

    /// The deadlines of CHILD SA `child`, if it has any.
    pub fn child(&self, child: ChildSaId) -> Option<Deadlines> {
        self.children
            .iter()
            .find(|(id, _)| *id == child)
            .map(|(_, d)| *d)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use core::time::Duration;

    use crate::config::PeerConfig;
    use crate::crypto::test_rng::seeded;
    use crate::sim::fixtures::{CLIENT, GATEWAY};
    use crate::sim::{LinkConfig, Pair};
    use crate::{Engine, EngineConfig};

    fn engine(responder: Vec<PeerConfig>, seed: u8) -> Engine {
        let config = EngineConfig {
            responder,
            ..EngineConfig::default()
        };
        Engine::new(config, Box::new(seeded(seed))).unwrap()
    }

    /// The deadlines follow the configured lifetimes: the rekey within
    /// [rekey_time - rand_time, rekey_time] of establishment, the IKE SA's expiry
    /// `over_time` after its rekey, the CHILD SA's at `life_time`.
    #[test]
    fn deadlines_follow_the_configured_lifetimes() {
        let gateway: PeerConfig = toml::from_str(GATEWAY).unwrap();
        let mut client: PeerConfig = toml::from_str(CLIENT).unwrap();
        client.rekey_time = Some(Duration::from_secs(100));
        client.rand_time = Some(Duration::from_secs(10));
        client.over_time = Some(Duration::from_secs(20));
        let net = client.children.get_mut("net").unwrap();
        net.rekey_time = Duration::from_secs(50);
        net.rand_time = Some(Duration::from_secs(5));
        net.life_time = Some(Duration::from_secs(60));
        let mut pair = Pair::new(
            engine(Vec::new(), 1),
            engine(vec![gateway], 2),
            LinkConfig::default(),
            3,
        );
        let id = pair.a.initiate(Duration::ZERO, &client).unwrap();
        assert_eq!(pair.a.deadlines(id), None, "not established yet");
        pair.drive_until(Duration::from_secs(1));
        let deadlines = pair.a.deadlines(id).expect("established");
        let rekey = deadlines.ike.rekey_at.unwrap();
        assert!(rekey >= Duration::from_secs(90) && rekey <= Duration::from_secs(101));
        assert_eq!(
            deadlines.ike.expire_at,
            Some(rekey + Duration::from_secs(20))
        );
        let child = pair.a.ike_sa(id).unwrap().children[0];
        let life = deadlines.child(child).expect("the CHILD SA's deadlines");
        let child_rekey = life.rekey_at.unwrap();
        let expire = life.expire_at.unwrap();
        assert!(child_rekey >= Duration::from_secs(45) && child_rekey <= expire);
        assert!(expire >= Duration::from_secs(60) && expire <= Duration::from_secs(61));
    }
}
