//! Every bundled scenario runs and meets its `[expect]`; runs are deterministic;
//! the trace hashes and golden traces in `assets/` still hold. The same cases run
//! in the `wasm` layer (wasm_bindgen_test stands in for `#[test]` there).

use ikelab_engine::sim::{self, library};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// `name seed sha256` lines: the native trace hashes, committed.
const HASHES: &str = include_str!("../../assets/traces/sha256.txt");

fn hashes() -> Vec<(&'static str, u64, &'static str)> {
    HASHES
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.split_whitespace();
            let (Some(name), Some(seed), Some(hash)) = (parts.next(), parts.next(), parts.next())
            else {
                panic!("bad line in sha256.txt: {l:?}");
            };
            (name, seed.parse().expect("seed"), hash)
        })
        .collect()
}

#[test]
fn every_bundled_scenario_meets_its_expectations() {
    let mut failures = Vec::new();
    for name in library::names() {
        let scenario = library::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let run = sim::run(&scenario, scenario.seed);
        let problems = run.check(&scenario);
        if !problems.is_empty() {
            failures.push(format!(
                "{name}:\n  {}\n{}",
                problems.join("\n  "),
                sim::transcript::transcript(&run.trace, false).join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn trace_hashes_match_the_committed_native_values() {
    let committed = hashes();
    let names: Vec<&str> = library::names().collect();
    assert_eq!(
        committed.iter().map(|(n, _, _)| *n).collect::<Vec<_>>(),
        names,
        "assets/traces/sha256.txt must list every bundled scenario once, in order"
    );
    let mut wrong = Vec::new();
    for (name, seed, hash) in committed {
        let scenario = library::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let got = sim::run(&scenario, seed).trace.sha256_hex().unwrap();
        if got != hash {
            wrong.push(format!("{name} {seed} {got}"));
        }
    }
    assert!(wrong.is_empty(), "new hashes:\n{}", wrong.join("\n"));
}

/// Scenarios whose whole trace is committed under `assets/traces/NAME.json` (read
/// by the browser's and the bridge's tests as reference documents).
#[cfg(not(target_arch = "wasm32"))]
const GOLDEN: &[&str] = &[
    "happy-path",
    "invalid-ke-payload",
    "nat-t-keepalive",
    "rekey-collision",
    "esp-replay",
];

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn golden_traces_are_reproduced_exactly() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/traces");
    let bless = std::env::var_os("IKELAB_BLESS").is_some();
    for name in GOLDEN {
        let scenario = library::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let json = sim::run(&scenario, scenario.seed).trace.to_json().unwrap();
        let path = format!("{dir}/{name}.json");
        if bless {
            std::fs::write(&path, format!("{json}\n")).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{path}: {e} (IKELAB_BLESS=1 writes it)"));
        assert!(
            committed.trim_end() == json,
            "{name}: the trace differs from {path} (IKELAB_BLESS=1 rewrites it after a deliberate change)"
        );
        // A golden trace reads back as the same document.
        let parsed = ikelab_engine::trace::Trace::from_json(&committed).unwrap();
        assert_eq!(parsed.to_json().unwrap(), json);
    }
    if bless {
        let mut text =
            String::from("# name seed sha256 (of the trace JSON; checked natively and in WASM)\n");
        for name in library::names() {
            let scenario = library::load(name).unwrap();
            let hash = sim::run(&scenario, scenario.seed)
                .trace
                .sha256_hex()
                .unwrap();
            text.push_str(&format!("{name} {} {hash}\n", scenario.seed));
        }
        std::fs::write(format!("{dir}/sha256.txt"), text).unwrap();
    }
}

#[test]
fn one_seed_gives_identical_traces_and_another_seed_other_spis_and_nonces() {
    let scenario = library::load("happy-path").unwrap();
    let a = sim::run(&scenario, 11).trace;
    let b = sim::run(&scenario, 11).trace;
    assert_eq!(a.to_json().unwrap(), b.to_json().unwrap());
    let c = sim::run(&scenario, 12).trace;
    assert_ne!(a.to_json().unwrap(), c.to_json().unwrap());
    let spis_and_nonces = |t: &ikelab_engine::trace::Trace| {
        let mut out = Vec::new();
        for e in t.events_of("initiator") {
            if let ikelab_engine::event::EventKind::MessageSent(m)
            | ikelab_engine::event::EventKind::MessageReceived(m) = &e.kind
            {
                out.push(m.spi_i.0.to_vec());
                out.push(m.spi_r.0.to_vec());
                for p in m.payloads.iter() {
                    if let ikelab_engine::wire::Payload::Nonce(n) = p {
                        out.push(n.data.clone());
                    }
                }
            }
        }
        out
    };
    let (sa, sc) = (spis_and_nonces(&a), spis_and_nonces(&c));
    assert!(!sa.is_empty());
    assert_eq!(sa.len(), sc.len());
    // Every SPI and nonce differs (a zero SPIr of the first request is zero in both).
    for (x, y) in sa.iter().zip(&sc) {
        if x.iter().all(|b| *b == 0) {
            assert_eq!(x, y);
        } else {
            assert_ne!(x, y);
        }
    }
}

#[test]
fn esp_counts_fail_the_run_when_the_traffic_differs() {
    // Without the replay, nothing is dropped by the window.
    let problems = problems_after("esp-replay", |t| {
        t.replace("action = \"replay_esp\"", "action = \"check_liveness\"")
            .replace("peer = \"initiator\"\n\n[expect", "\n[expect")
    });
    assert!(
        problems
            .iter()
            .any(|p| p == "network: expected event \"esp_dropped:replay\" 1 time(s), found 0"),
        "{problems:?}"
    );
    // A ping before the CHILD SA exists cannot be sealed.
    let problems = problems_after("esp-replay", |t| t.replace("at = \"1s\"", "at = \"0s\""));
    assert!(
        problems
            .iter()
            .any(|p| p == "network: event \"esp_not_sent\" occurred but must not"),
        "{problems:?}"
    );
}

/// `problems` of a bundled scenario's text after `edit`.
fn problems_after(name: &str, edit: impl Fn(&str) -> String) -> Vec<String> {
    let text = edit(library::text(name).unwrap());
    let scenario = ikelab_engine::sim::Scenario::from_toml(&text).unwrap();
    sim::run(&scenario, scenario.seed).check(&scenario)
}

#[test]
fn a_lifecycle_action_without_its_sa_fails_the_run_and_says_why() {
    // Before IKE_AUTH is done nothing is established; after `kill` the peer is down.
    let problems = problems_after("happy-path", |t| {
        t.to_owned()
            + "\n[[script]]\nat = \"0s\"\naction = \"rekey_child\"\n\
               \n[[script]]\nat = \"1s\"\naction = \"kill\"\npeer = \"responder\"\n\
               \n[[script]]\nat = \"2s\"\naction = \"delete_ike\"\npeer = \"responder\"\n"
    });
    let failures: Vec<&String> = problems
        .iter()
        .filter(|p| p.starts_with("script"))
        .collect();
    assert_eq!(
        failures,
        [
            "script at t=0s: initiator rekeys its CHILD SA failed: it has no installed CHILD SA",
            "script at t=2s: responder deletes its IKE SA failed: it is down"
        ],
        "{problems:?}"
    );
}

#[test]
fn sas_match_notices_an_sa_that_only_one_peer_still_has() {
    // After the dead-peer verdict the initiator has nothing, the gateway its SAs.
    let problems = problems_after("dead-peer", |t| {
        format!("{t}\n[expect]\nsas_match = true\n")
    });
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("the peers' IKE SAs differ: initiator [], responder [0x"));
    assert!(problems[1].starts_with("the peers' CHILD SAs differ: initiator [], responder ["));
}

#[test]
fn lifecycle_expectations_can_fail() {
    // The collision scenario's counts and names, inverted, are each reported.
    let problems = problems_after("rekey-collision", |t| {
        t.replacen(
            "ike_sas = 1\nchild_sas = 1",
            "ike_sas = 2\nchild_sas = 2",
            1,
        )
        .replacen(
            "notifies = [\"CREATE_CHILD_SA:REKEY_SA\"]",
            "absent_notifies = [\"CREATE_CHILD_SA:REKEY_SA\"]\nnotifies = [\"IKE_AUTH:REKEY_SA\"]",
            1,
        )
        .replacen(
            "absent_events = [\"child_sa_failed\", \"ike_sa_down\"]",
            "absent_events = [\"rekey_collision:child\"]",
            1,
        )
    });
    assert_eq!(
        problems,
        [
            "initiator: expected 2 established IKE SAs at the end, found 1",
            "initiator: expected 2 CHILD SAs at the end, found 1",
            "initiator: event \"rekey_collision:child\" occurred but must not",
            "initiator: expected notify IKE_AUTH:REKEY_SA was not exchanged",
            "initiator: notify CREATE_CHILD_SA:REKEY_SA was exchanged but must not be",
        ]
    );
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn every_file_in_assets_scenarios_is_bundled() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/scenarios");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".toml").map(str::to_owned)
        })
        .collect();
    files.sort();
    let mut bundled: Vec<String> = library::names().map(str::to_owned).collect();
    bundled.sort();
    assert_eq!(files, bundled, "add new files to BUNDLED in sim/library.rs");
}

#[test]
fn a_packet_changed_on_the_path_is_refused_by_its_icv_and_the_sa_carries_on() {
    // The second echo request (at 2 s) is changed on its way to the responder.
    let problems = problems_after("esp-replay", |t| {
        t.replace(
            "[[script]]\nat = \"5s\"\naction = \"replay_esp\"\npeer = \"initiator\"\n",
            "[[script]]\nat = \"1500ms\"\naction = \"tamper_esp\"\npeer = \"responder\"\n",
        )
        .replace("events = [\"esp_replayed\"]", "events = [\"esp_tampered\"]")
        .replace(
            "\"esp_opened:echo_request\" = 3, \"esp_opened:echo_reply\" = 3, \"esp_dropped\" = 1, \"esp_dropped:replay\" = 1",
            "\"esp_opened:echo_request\" = 2, \"esp_opened:echo_reply\" = 2, \"esp_dropped\" = 1, \"esp_dropped:icv_mismatch\" = 1",
        )
        .replace("\"esp_sealed\" = 6", "\"esp_sealed\" = 5")
    });
    assert_eq!(problems, Vec::<String>::new());
    // Without a packet after it, nothing is changed and nothing refused.
    let problems = problems_after("esp-replay", |t| {
        t.replace(
            "[[script]]\nat = \"5s\"\naction = \"replay_esp\"\npeer = \"initiator\"\n",
            "[[script]]\nat = \"5s\"\naction = \"tamper_esp\"\npeer = \"responder\"\n",
        )
    });
    assert!(
        problems.iter().any(
            |p| p == "network: expected event \"esp_replayed\" 1 time(s), found 0"
                || p.contains("esp_replayed")
        ),
        "{problems:?}"
    );
    assert!(
        !problems.iter().any(|p| p.contains("esp_tampered")),
        "{problems:?}"
    );
}
