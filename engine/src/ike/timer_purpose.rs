//! What an armed timer is for, read from the IKE SA that armed it, so the trace says
//! "rekey CHILD SA #2 (soft lifetime)" where the timer table only knows `Lifetime`.

use super::datagram::Time;
use super::sa::IkeSa;
use super::state::State;
use super::timers::Timer;
use crate::event::TimerPurpose;

/// The purpose of `timer`, armed for `at` on `sa`; `None` only when the SA holds
/// nothing due at that instant (which the engine never arms).
pub(crate) fn purpose(sa: &IkeSa, timer: Timer, at: Time) -> Option<TimerPurpose> {
    match timer {
        Timer::Retransmit => {
            sa.core
                .window
                .outstanding
                .as_ref()
                .map(|request| TimerPurpose::Retransmit {
                    exchange: request.exchange,
                    message_id: request.message_id,
                    transmissions: request.transmissions,
                })
        }
        Timer::HalfOpen => Some(TimerPurpose::HalfOpen),
        Timer::Keepalive => Some(TimerPurpose::Keepalive),
        Timer::Linger => Some(TimerPurpose::Linger),
        Timer::Dpd => Some(TimerPurpose::Dpd),
        Timer::Lifetime => lifetime_purpose(sa, at),
    }
}

/// Which of the deadlines the `Lifetime` timer serves falls at `at` (the earliest,
/// see `ops::lifetime::arm`); soft before hard, the IKE SA before its CHILD SAs.
fn lifetime_purpose(sa: &IkeSa, at: Time) -> Option<TimerPurpose> {
    let State::Established(est) = &sa.state else {
        return None;
    };
    let life = &est.ops.life;
    if life.ike_rekey_at == Some(at) {
        return Some(TimerPurpose::IkeRekey);
    }
    if life.ike_expire_at == Some(at) {
        return Some(TimerPurpose::IkeExpire);
    }
    for (&child, deadlines) in &life.children {
        if deadlines.rekey_at == Some(at) {
            return Some(TimerPurpose::ChildRekey { child });
        }
        if deadlines.expire_at == Some(at) {
            return Some(TimerPurpose::ChildExpire { child });
        }
    }
    life.delayed
        .iter()
        .find(|(when, _)| *when == at)
        .map(|(_, task)| TimerPurpose::Retry {
            action: task.action.clone(),
        })
}
