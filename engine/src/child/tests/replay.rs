//! The anti-replay window (RFC 4303 §3.4.3) and ESN inference (Appendix A).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::child::replay::{ReplayError, ReplayWindow};

fn accept(window: &mut ReplayWindow, low: u32) -> Result<u64, ReplayError> {
    let sequence = window.check(low)?;
    window.commit(sequence)?;
    Ok(sequence)
}

#[test]
fn duplicates_are_refused() {
    for size in [32, 128, 4096] {
        let mut w = ReplayWindow::new(size, false);
        assert_eq!(accept(&mut w, 1), Ok(1));
        assert_eq!(
            accept(&mut w, 1),
            Err(ReplayError::Duplicate { sequence: 1 })
        );
        assert_eq!(accept(&mut w, 3), Ok(3));
        assert_eq!(accept(&mut w, 2), Ok(2), "out of order within the window");
        assert_eq!(
            accept(&mut w, 2),
            Err(ReplayError::Duplicate { sequence: 2 })
        );
    }
}

#[test]
fn zero_is_never_valid() {
    let mut w = ReplayWindow::new(128, false);
    assert_eq!(w.check(0), Err(ReplayError::Zero));
    assert_eq!(w.commit(0), Err(ReplayError::Zero));
}

#[test]
fn too_old_and_far_ahead() {
    for size in [32u32, 128, 4096] {
        let mut w = ReplayWindow::new(size, false);
        accept(&mut w, 10).unwrap();
        let far = 10 + 5 * size;
        // Far ahead: accepted, the window shifts.
        assert_eq!(accept(&mut w, far), Ok(u64::from(far)));
        // 10 is now left of the window.
        assert!(matches!(
            accept(&mut w, 10),
            Err(ReplayError::TooOld { .. })
        ));
        // The lowest number still inside is accepted once.
        let lowest = far - size + 1;
        assert_eq!(accept(&mut w, lowest), Ok(u64::from(lowest)));
        assert!(matches!(
            accept(&mut w, lowest - 1),
            Err(ReplayError::TooOld { .. })
        ));
        // Bits of numbers that slid out do not haunt the new slots: every number
        // between is new.
        for s in lowest + 1..far {
            assert_eq!(accept(&mut w, s), Ok(u64::from(s)), "size {size} seq {s}");
        }
    }
}

#[test]
fn a_forged_packet_does_not_move_the_window() {
    // check() alone (as when the ICV then fails) changes nothing.
    let mut w = ReplayWindow::new(32, false);
    accept(&mut w, 5).unwrap();
    assert_eq!(w.check(1_000_000), Ok(1_000_000));
    assert_eq!(w.highest(), 5);
    assert_eq!(accept(&mut w, 4), Ok(4));
}

#[test]
fn window_size_is_clamped() {
    assert_eq!(ReplayWindow::new(1 << 20, false).size(), 4096);
}

#[test]
fn esn_high_half_is_inferred_across_the_boundary() {
    // RFC 4303 Appendix A2.1, Case A: the window sits below 2^32; a small low half
    // belongs to the next subspace.
    let mut w = ReplayWindow::new(128, true);
    let near_end = u64::from(u32::MAX) - 2;
    w.commit(near_end).unwrap();
    assert_eq!(w.check(u32::MAX), Ok(u64::from(u32::MAX)));
    assert_eq!(accept(&mut w, 3), Ok((1 << 32) + 3));
    // Case B: the window now spans the boundary; a low half near 2^32 is in the
    // old subspace and still accepted once (within the window).
    assert_eq!(accept(&mut w, u32::MAX - 1), Ok(u64::from(u32::MAX) - 1));
    assert_eq!(
        accept(&mut w, u32::MAX - 1),
        Err(ReplayError::Duplicate {
            sequence: u64::from(u32::MAX) - 1
        })
    );
    // Below the window's bottom (mod 2^32) in Case B: Appendix A reads it as the
    // current subspace, i.e. far ahead (checked only, not committed).
    assert_eq!(
        w.check(u32::MAX - 1000),
        Ok((1 << 32) + u64::from(u32::MAX - 1000))
    );
    assert_eq!(accept(&mut w, 4), Ok((1 << 32) + 4));
    // Once the window is past 2^32 + 127 (Case A again), a low half below its
    // bottom is read as the next subspace (a real old packet then fails its ICV,
    // which covers the inferred high half).
    w.commit((1 << 32) + 1000).unwrap();
    assert_eq!(w.check(500), Ok((2 << 32) + 500));
    assert_eq!(w.check(900), Ok((1 << 32) + 900));
}

#[test]
fn esn_without_history_cannot_go_below_zero() {
    let w = ReplayWindow::new(64, true);
    // Top 0 (Case B): a low half at the end of the space would need high = -1.
    assert!(matches!(w.check(u32::MAX), Err(ReplayError::TooOld { .. })));
    assert_eq!(w.check(5), Ok(5));
}

#[cfg(not(target_arch = "wasm32"))]
mod model {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use crate::child::replay::ReplayWindow;

    /// The naive model: every number accepted so far, the highest, the size.
    fn model_accepts(seen: &BTreeSet<u64>, top: u64, size: u64, s: u64) -> bool {
        s != 0 && !seen.contains(&s) && (s > top || top - s < size)
    }

    proptest! {
        #[test]
        fn matches_a_naive_model(
            size in prop::sample::select(vec![1u32, 32, 64, 100, 128, 4096]),
            steps in prop::collection::vec(0u32..6000, 1..400),
        ) {
            let mut w = ReplayWindow::new(size, false);
            let mut seen = BTreeSet::new();
            let mut top = 0u64;
            for s in steps {
                let s64 = u64::from(s);
                let expected = model_accepts(&seen, top, u64::from(size), s64);
                let got = w.check(s).and_then(|q| w.commit(q).map(|()| q));
                prop_assert_eq!(got.is_ok(), expected, "size {} seq {} top {}", size, s, top);
                if expected {
                    seen.insert(s64);
                    top = top.max(s64);
                }
            }
        }
    }
}
