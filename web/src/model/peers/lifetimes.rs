//! Lifetimes: when an SA is rekeyed (the soft lifetime) and when it expires (the
//! hard one), RFC 7296 §2.8 and §2.18.
//!
//! The engine's `Timer` records say exactly when a rekey or an expiry is due, but it
//! arms one `Lifetime` timer for the earliest deadline of an IKE SA and its CHILD
//! SAs, so the later ones appear only when they become the earliest. Until then the
//! scenario's configuration bounds them: a rekey at `rekey_time` minus a random part
//! of up to `rand_time` (swanctl.conf(5)), an IKE SA's expiry `over_time` after its
//! rekey, a CHILD SA's at `life_time`.
//!
//! Also the time left, in words ([`format_span`]).

use ikelab_engine::config::{ChildConfig, PeerConfig};

use super::state::{ChildSaState, IkeSaState, Phase};
use crate::model::lines::format_time;

/// Where a deadline comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeadlineSource {
    /// The engine armed a timer for it: exact.
    Timer,
    /// The configuration's times: exact, or a range when a random part is taken off.
    Configuration,
}

/// When a lifetime runs out (virtual time), and since when it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deadline {
    pub(crate) since_us: u64,
    pub(crate) earliest_us: u64,
    pub(crate) latest_us: u64,
    pub(crate) source: DeadlineSource,
}

impl Deadline {
    pub(super) fn exact(since_us: u64, at_us: u64, source: DeadlineSource) -> Self {
        Self {
            since_us,
            earliest_us: at_us,
            latest_us: at_us,
            source,
        }
    }

    pub(crate) fn is_exact(&self) -> bool {
        self.earliest_us == self.latest_us
    }

    /// Whether it has run out at `now_us` (for a range: its latest end).
    pub(crate) fn passed(&self, now_us: u64) -> bool {
        now_us >= self.latest_us
    }

    /// The share of the lifetime left at `now_us`, 0 to 1 (for a range: up to its
    /// latest end), for a bar.
    pub(crate) fn fraction_left(&self, now_us: u64) -> f64 {
        let total = self.latest_us.saturating_sub(self.since_us);
        if total == 0 {
            return 0.0;
        }
        let left = self.latest_us.saturating_sub(now_us);
        (left as f64 / total as f64).clamp(0.0, 1.0)
    }

    /// "in 59 min 24 s", "in 54 min – 1 h", "now".
    pub(crate) fn left_text(&self, now_us: u64) -> String {
        if self.passed(now_us) {
            return "due now".to_owned();
        }
        let latest = self.latest_us.saturating_sub(now_us);
        if self.is_exact() {
            return format!("in {}", format_span(latest));
        }
        let earliest = self.earliest_us.saturating_sub(now_us);
        format!("in {} – {}", format_span(earliest), format_span(latest))
    }
}

/// A span of time for people: "250 ms", "42 s", "59 min 24 s", "3 h 59 min".
pub(crate) fn format_span(us: u64) -> String {
    let seconds = us / 1_000_000;
    if seconds < 60 {
        return format_time(us);
    }
    let (hours, minutes, seconds) = (seconds / 3_600, seconds / 60 % 60, seconds % 60);
    match (hours, seconds) {
        (0, 0) => format!("{minutes} min"),
        (0, _) => format!("{minutes} min {seconds} s"),
        (_, _) if minutes == 0 => format!("{hours} h"),
        _ => format!("{hours} h {minutes} min"),
    }
}

/// The lifetimes of one peer's configuration, in microseconds (swanctl.conf(5)).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Lifetimes {
    pub(super) ike_rekey: u64,
    pub(super) ike_rand: u64,
    pub(super) ike_over: u64,
    pub(super) children: Vec<(String, ChildLifetimes)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct ChildLifetimes {
    pub(super) rekey: u64,
    pub(super) rand: u64,
    pub(super) life: u64,
    pub(super) replay_window: u32,
}

impl Lifetimes {
    /// What `config` says, its effective times (strongSwan's defaults filled in).
    pub(super) fn of(config: &PeerConfig) -> Self {
        Self {
            ike_rekey: micros(config.effective_rekey_time()),
            ike_rand: micros(config.effective_rand_time()),
            ike_over: micros(config.effective_over_time()),
            children: config
                .children
                .iter()
                .map(|(name, child)| (name.to_owned(), ChildLifetimes::of(child)))
                .collect(),
        }
    }

    /// The lifetimes of the child configuration `name` (`[children.NAME]`).
    pub(super) fn child(&self, name: &str) -> Option<ChildLifetimes> {
        self.children
            .iter()
            .find(|(child, _)| *child == name)
            .map(|(_, l)| *l)
    }
}

impl ChildLifetimes {
    fn of(child: &ChildConfig) -> Self {
        Self {
            rekey: micros(child.rekey_time),
            rand: micros(child.effective_rand_time()),
            life: micros(child.effective_life_time()),
            replay_window: child.replay_window,
        }
    }

    /// A new CHILD SA's rekey by the configuration (charon: at `rekey_time` minus up
    /// to `rand_time`, RFC 7296 §2.8), `None` if it is not rekeyed.
    pub(super) fn rekey_deadline(&self, since: u64) -> Option<Deadline> {
        (self.rekey > 0).then(|| {
            let latest = since.saturating_add(self.rekey);
            Deadline {
                since_us: since,
                earliest_us: latest.saturating_sub(self.rand).max(since),
                latest_us: latest,
                source: DeadlineSource::Configuration,
            }
        })
    }

    /// A new CHILD SA's expiry by the configuration (at `life_time`), `None` if it
    /// does not expire.
    pub(super) fn expire_deadline(&self, since: u64) -> Option<Deadline> {
        (self.life > 0).then(|| {
            Deadline::exact(
                since,
                since.saturating_add(self.life),
                DeadlineSource::Configuration,
            )
        })
    }
}

fn micros(duration: core::time::Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

/// The lifetime deadlines a timer can be armed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Due {
    /// A responder's half-open IKE SA is dropped if no IKE_AUTH came (strongSwan's
    /// `half_open_timeout`).
    HalfOpen,
    IkeRekey,
    IkeExpire,
    ChildRekey(u64),
    ChildExpire(u64),
}

/// An IKE SA's lifetimes at the end of a step, once its phase is known: for a
/// half-open responder SA, when it is dropped; while it is up, its rekey (RFC 7296
/// §2.18) and expiry, from the engine's timers (`ike_timers`) else the
/// configuration.
pub(super) fn ike_deadlines(
    sa: &mut IkeSaState,
    ike_timers: &[(u64, Due, u64)],
    config: Option<&Lifetimes>,
) {
    if sa.phase == Phase::Opening && sa.initiator == Some(false) {
        // Created when IKE_SA_INIT was answered (its record), dropped at the
        // engine's half-open timer unless IKE_AUTH comes.
        let since = sa.created_us;
        sa.expire = ike_timers
            .iter()
            .find(|(id, p, _)| *id == sa.id && *p == Due::HalfOpen)
            .map(|(_, _, at)| Deadline::exact(since, *at, DeadlineSource::Timer));
    }
    if sa.phase == Phase::Up {
        let (sa_id, since) = (sa.id, sa.up_us.unwrap_or(0));
        let timer = |due: Due| {
            ike_timers
                .iter()
                .find(|(id, p, _)| *id == sa_id && *p == due)
                .map(|(_, _, at)| Deadline::exact(since, *at, DeadlineSource::Timer))
        };
        let configured = config.filter(|c| c.ike_rekey > 0).map(|c| {
            let latest = since.saturating_add(c.ike_rekey);
            let earliest = latest.saturating_sub(c.ike_rand).max(since);
            (earliest, latest, c.ike_over)
        });
        sa.rekey = timer(Due::IkeRekey).or_else(|| {
            configured.map(|(earliest, latest, _)| Deadline {
                since_us: since,
                earliest_us: earliest,
                latest_us: latest,
                source: DeadlineSource::Configuration,
            })
        });
        // The hard limit is `over_time` after the rekey (charon).
        sa.expire = timer(Due::IkeExpire).or_else(|| match (sa.rekey, configured) {
            (Some(rekey), Some((_, _, over))) => Some(Deadline {
                since_us: since,
                earliest_us: rekey.earliest_us.saturating_add(over),
                latest_us: rekey.latest_us.saturating_add(over),
                // Exact when the rekey's timer is known, but `over_time`
                // comes from the configuration.
                source: DeadlineSource::Configuration,
            }),
            _ => None,
        });
    }
}

/// A CHILD SA's lifetimes at the end of a step: while it is up, the engine's timers
/// (`child_timers`) else those the configuration gave it when it came up; none once
/// it is replaced or down.
pub(super) fn child_deadlines(state: &mut ChildSaState, child_timers: &[(u64, Due, u64)]) {
    if state.phase() == Phase::Up {
        let (child_id, since) = (state.id, state.up_us);
        let timer = |due: Due| {
            child_timers
                .iter()
                .find(|(id, p, _)| *id == child_id && *p == due)
                .map(|(_, _, at)| Deadline::exact(since, *at, DeadlineSource::Timer))
        };
        let rekey = timer(Due::ChildRekey(state.id));
        let expire = timer(Due::ChildExpire(state.id));
        state.rekey = rekey.or(state.rekey);
        state.expire = expire.or(state.expire);
    } else {
        state.rekey = None;
        state.expire = None;
    }
}
