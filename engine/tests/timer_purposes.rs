//! Every timer an engine arms says what it is for (issue: "timers say what they are
//! for: soft or hard lifetime of which SA, a retry, a retransmission"), in every
//! bundled scenario, natively and in WASM.

use ikelab_engine::event::{EventKind, TimerPurpose};
use ikelab_engine::sim::{self, library};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// (scenario, armed timer purposes in order of arming, over both peers).
fn purposes() -> Vec<(&'static str, Vec<TimerPurpose>)> {
    library::names()
        .map(|name| {
            let scenario = library::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            let run = sim::run(&scenario, scenario.seed);
            let mut armed = Vec::new();
            for record in &run.trace.records {
                let Some(event) = record.event() else {
                    continue;
                };
                if let EventKind::Timer {
                    timer,
                    purpose,
                    deadline_us: Some(_),
                } = &event.kind
                {
                    let purpose = purpose.clone().unwrap_or_else(|| {
                        panic!(
                            "{name}: {timer:?} armed at t={} without a purpose",
                            record.t_us
                        )
                    });
                    armed.push(purpose);
                }
            }
            (name, armed)
        })
        .collect()
}

#[test]
fn every_armed_timer_names_its_purpose() {
    let all = purposes();
    let count: usize = all.iter().map(|(_, p)| p.len()).sum();
    assert!(count > 50, "only {count} timers armed in the whole library");
}

#[test]
fn lifetimes_and_retransmissions_name_their_sa_and_request() {
    let all = purposes();
    let of = |name: &str| -> &Vec<TimerPurpose> {
        &all.iter().find(|(n, _)| *n == name).expect("bundled").1
    };
    // ike-rekey rekeys the IKE SA on its soft lifetime.
    assert!(
        of("ike-rekey").contains(&TimerPurpose::IkeRekey),
        "{:?}",
        of("ike-rekey")
    );
    // create-and-delete and rekey-collision arm CHILD SA soft lifetimes by handle.
    assert!(
        all.iter()
            .flat_map(|(_, p)| p)
            .any(|p| matches!(p, TimerPurpose::ChildRekey { .. })),
        "no CHILD SA rekey timer anywhere"
    );
    // loss-retransmit names the request it will send again.
    assert!(
        of("loss-retransmit").iter().any(|p| matches!(
            p,
            TimerPurpose::Retransmit { transmissions, .. } if *transmissions >= 2
        )),
        "{:?}",
        of("loss-retransmit")
    );
    // pfs-mismatch-rekey retries its failed CHILD SA rekey (RFC 7296 §2.25).
    assert!(
        of("pfs-mismatch-rekey")
            .iter()
            .any(|p| matches!(p, TimerPurpose::Retry { .. })),
        "{:?}",
        of("pfs-mismatch-rekey")
    );
}
