//! The handshake followed by a CHILD SA rekey and an IKE SA rekey over lossy links:
//! 1,000 seeds at each loss level, with duplication, jitter and reordering (the
//! link of `ike_sweep.rs`).
//!
//! The prediction extends `ike_sweep.rs`. One exchange attempt succeeds with
//! probability q = (1-p)^2 (1 + d p) (the request arrives, and at least one of the
//! responses to it and to its duplicate comes back), and an exchange fails only if
//! all 1 + tries attempts fail: P_fail = (1 - q)^(tries+1).
//!
//! The run has four steps, IKE_SA_INIT, IKE_AUTH, the CHILD rekey and the IKE rekey,
//! but the rekeys are two exchanges each, a CREATE_CHILD_SA and an INFORMATIONAL
//! Delete of the old SA (RFC 7296 §2.8, §2.18):
//!
//! - the CHILD rekey's Delete runs on the IKE SA that is kept: if it times out the
//!   peer is declared dead and the IKE SA with its CHILD SAs is gone, so it counts
//!   like any other exchange;
//! - the IKE rekey's Delete runs on the *old* IKE SA, whose CHILD SAs have already
//!   moved to the new one: if it times out only the old, empty SA is declared dead
//!   (and the peer's copy of it expires on its own), so its loss does not count.
//!
//! Five exchanges must succeed, so P = (1 - P_fail)^5. At p = 0.3, d = 0.05,
//! tries = 5: q = 0.4974, P_fail = 0.0162, P = 0.922. The measured rate is checked
//! within 4 sigma + 0.002 of it (see `ike_sweep.rs`); every failure must be a
//! reported retransmission timeout; and wherever both sides hold an IKE SA with the
//! same SPIs, or CHILD SAs with crossed SPIs, their keys must match. A run counts as
//! a success when the initiator ends with exactly the new IKE SA, holding the new
//! CHILD SA, and the responder holds the same ones.

mod ike_support;
mod lifecycle_support;

use core::time::Duration;

use ike_support::*;
use ikelab_engine::ike::SaState;
use ikelab_engine::sim::{LinkConfig, Pair};
use lifecycle_support::*;

const SEEDS: u64 = 1000;
const TRIES: u32 = 5;
const DUPLICATE: f64 = 0.05;
/// Exchanges whose failure fails the run (see the module documentation).
const EXCHANGES: i32 = 5;

/// Runs one seed; true if both rekeys succeeded.
fn run(seed: u64, loss: f64) -> bool {
    let initiator = config(INITIATOR);
    let responder = config(RESPONDER);
    let link = LinkConfig {
        latency: Duration::from_millis(10),
        jitter: Duration::from_millis(5),
        loss,
        duplicate: DUPLICATE,
        reorder: 0.05,
        reorder_delay: Duration::from_millis(30),
    };
    let seeds = (seed * 2 + 1, seed * 2 + 2);
    let mut pair = keyed_pair(vec![responder], seeds, false, link, seed ^ 0x5eed_4e4e);
    let id = match pair.a.initiate(Duration::ZERO, &initiator) {
        Ok(id) => id,
        Err(e) => panic!("initiate: {e}"),
    };
    let limit = Duration::from_secs(120);
    pair.drive_while(
        |p| {
            p.a.ike_sa(id)
                .is_some_and(|sa| matches!(sa.state, SaState::InitSent | SaState::AuthSent))
        },
        limit,
    );
    let first_child = pair.a.child_sas().next().map(|c| c.id);
    let established = state(&pair.a, id) == Some(SaState::Established);
    if let (true, Some(old_child)) = (established, first_child) {
        let now = pair.now;
        assert_eq!(pair.a.rekey_child(now, old_child), Ok(()));
        // Until the old CHILD SA is gone: deleted, or with its IKE SA.
        pair.drive_while(|p| p.a.child_sa(old_child).is_some(), pair.now + limit);
        if state(&pair.a, id) == Some(SaState::Established) {
            let now = pair.now;
            assert_eq!(pair.a.rekey_ike(now, id), Ok(()));
            pair.drive_while(
                |p| state(&p.a, id).is_some_and(|s| s == SaState::Established),
                pair.now + limit,
            );
        }
    }
    // Let late duplicates and the responder's half settle.
    let settle = pair.now + Duration::from_secs(1);
    pair.drive_until(settle);
    check(&pair, seed, loss, id, first_child)
}

/// The verdict of one run, with the invariants checked.
fn check(
    pair: &Pair,
    seed: u64,
    loss: f64,
    first: ikelab_engine::IkeSaId,
    first_child: Option<ikelab_engine::ChildSaId>,
) -> bool {
    // Keys agree wherever both sides hold the same SA.
    for a in open_ike_sas(&pair.a) {
        let Some(ia) = pair.a.ike_sa(a) else { continue };
        let twin = open_ike_sas(&pair.b)
            .into_iter()
            .filter_map(|b| pair.b.ike_sa(b))
            .find(|ib| (ib.spi_i, ib.spi_r) == (ia.spi_i, ia.spi_r));
        if twin.is_some() {
            let spis = (ia.spi_i, ia.spi_r);
            assert_eq!(
                ike_keys_of(&pair.a_events, spis),
                ike_keys_of(&pair.b_events, spis),
                "seed {seed}: IKE keys differ"
            );
        }
    }
    for ca in pair.a.child_sas() {
        if let Some(cb) = pair.b.child_sas().find(|cb| cb.spi_in == ca.spi_out) {
            assert_eq!(ca.spi_in, cb.spi_out, "seed {seed}");
            assert_eq!(ca.keys(), cb.keys(), "seed {seed}: CHILD keys differ");
        }
    }
    let open_a = open_ike_sas(&pair.a);
    let success = match (open_a.as_slice(), first_child) {
        ([new], Some(old_child)) if *new != first => {
            let child = pair.a.child_sas().map(|c| c.id).collect::<Vec<_>>();
            child.len() == 1 && child[0] != old_child
        }
        _ => false,
    };
    if success {
        let spis = assert_ike_match_with(pair, open_a[0], seed);
        let b_children = pair
            .b
            .child_sas()
            .filter(|c| {
                pair.b
                    .ike_sa(c.ike_sa)
                    .is_some_and(|i| (i.spi_i, i.spi_r) == spis)
            })
            .count();
        assert_eq!(b_children, 1, "seed {seed}: responder's CHILD SAs");
        assert_eq!(pair.b.child_sas().count(), 1, "seed {seed}");
    } else {
        let timeout = pair.a_events.iter().any(|e| {
            matches!(&e.kind, ikelab_engine::event::EventKind::IkeSaDown { reason } if reason.is_timeout())
        });
        assert!(
            timeout,
            "seed {seed}, loss {loss}: failure without a reported timeout\n{}",
            transcript(&pair.a_events)
        );
    }
    success
}

/// A's IKE SA `id` and B's SA of the same SPIs exist and have the same keys.
fn assert_ike_match_with(
    pair: &Pair,
    id: ikelab_engine::IkeSaId,
    seed: u64,
) -> (ikelab_engine::wire::IkeSpi, ikelab_engine::wire::IkeSpi) {
    let Some(a) = pair.a.ike_sa(id) else {
        panic!("seed {seed}: no SA");
    };
    let spis = (a.spi_i, a.spi_r);
    let b = open_ike_sas(&pair.b)
        .into_iter()
        .filter_map(|b| pair.b.ike_sa(b))
        .find(|b| (b.spi_i, b.spi_r) == spis);
    assert!(
        b.is_some_and(|b| b.state == SaState::Established),
        "seed {seed}: the responder lacks the new IKE SA\n{}",
        transcript(&pair.b_events)
    );
    assert!(ike_keys_of(&pair.a_events, spis).is_some());
    spis
}

fn sweep(loss: f64) {
    let successes = (0..SEEDS).filter(|seed| run(*seed, loss)).count();
    let q = (1.0 - loss).powi(2) * (1.0 + DUPLICATE * loss);
    let exchange_fail = (1.0 - q).powi(i32::try_from(TRIES + 1).unwrap_or(6));
    let predicted = (1.0 - exchange_fail).powi(EXCHANGES);
    let measured = successes as f64 / SEEDS as f64;
    let sigma = (predicted * (1.0 - predicted) / SEEDS as f64).sqrt();
    let tolerance = 4.0 * sigma + 0.002;
    println!(
        "loss {loss:.1}: {successes}/{SEEDS} = {measured:.4}, predicted {predicted:.4} +- {tolerance:.4}"
    );
    assert!(
        (measured - predicted).abs() <= tolerance,
        "loss {loss}: measured {measured:.4}, predicted {predicted:.4}, tolerance {tolerance:.4}"
    );
}

#[test]
fn rekey_sweep_no_loss() {
    sweep(0.0);
}

#[test]
fn rekey_sweep_10_percent_loss() {
    sweep(0.1);
}

#[test]
fn rekey_sweep_20_percent_loss() {
    sweep(0.2);
}

#[test]
fn rekey_sweep_30_percent_loss() {
    sweep(0.3);
}
