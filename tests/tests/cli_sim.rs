//! `ikelab sim`: the bundled list, a transcript in charon's style, the exports, the
//! exit codes (0 as expected, 4 differs from [expect], 3 unreadable or unsupported
//! scenario).
//!
//! Build the binary first: `cargo build -p ikelab-bridge` (cargo xtask test does).

use std::path::PathBuf;

use ikelab_engine::capture::CaptureReader;
use ikelab_engine::sim::library;
use ikelab_engine::trace::Trace;
use ikelab_tests::run_ikelab;

/// A directory in the temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("ikelab-cli-sim-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn list_names_every_bundled_scenario_with_its_title() {
    let out = run_ikelab(["sim", "--list"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(names, library::names().collect::<Vec<_>>());
    assert!(
        text.contains("COOKIE challenge under a half-open flood"),
        "{text}"
    );
}

#[test]
fn a_bundled_scenario_prints_a_charon_style_transcript_and_exits_0() {
    let out = run_ikelab(["sim", "happy-path"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for line in [
        "initiator sending IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) N(HASH_ALG) ]",
        "responder selected IKE proposal: aes256gcm16-prfsha256-x25519",
        "derived keys: SKEYSEED",
        "initiator IKE_SA established between",
        "CHILD_SA net{1} established with SPIs",
        "outcome as expected",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
}

#[test]
fn lifecycle_scenarios_print_rekeys_collisions_and_dead_peers_readably() {
    for (name, lines) in [
        (
            "rekey-collision",
            &[
                "network   script: initiator rekeys its CHILD SA",
                "network   script: responder rekeys its CHILD SA",
                "initiator rekeying CHILD SA #1 (command): CREATE_CHILD_SA request 2",
                "initiator CHILD_SA net{3} established with SPIs",
                "initiator CHILD SA #1 rekeyed to CHILD SA #3 (command)",
                "initiator CHILD_SA rekey collision, nonces Ni ",
                "the lowest nonce is in our exchange",
                "responder deleting CHILD SA #1 (replaced by a rekey): INFORMATIONAL request 1",
            ][..],
        ),
        (
            "ike-rekey",
            &[
                "initiator rekeying the IKE_SA (command): CREATE_CHILD_SA request 2",
                "initiator IKE_SA rekeyed to IKE SA #2, SPIs ",
                "initiator inherited CHILD SA #1 from IKE SA #1",
            ][..],
        ),
        (
            "dead-peer",
            &[
                "initiator checking liveness (liveness check (dpd_delay)): INFORMATIONAL request 3",
                "initiator retransmit 5 of request with message ID 3",
                "initiator peer not responding after 6 transmissions of INFORMATIONAL, declaring it dead",
            ][..],
        ),
    ] {
        let out = run_ikelab(["sim", name]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{text}");
        for line in lines {
            assert!(text.contains(line), "{name}: missing {line:?} in:\n{text}");
        }
    }
}

#[test]
fn trace_pcap_and_keys_are_written_and_a_seed_is_reproducible() {
    let dir = TempDir::new("exports");
    let trace = dir.0.join("run.json");
    let pcap = dir.0.join("run.pcap");
    let keys = dir.0.join("keys");
    let args = |trace: &PathBuf| {
        vec![
            "sim".to_owned(),
            "nat-t-keepalive".to_owned(),
            "--seed".to_owned(),
            "9".to_owned(),
            "--trace".to_owned(),
            trace.display().to_string(),
            "--pcap".to_owned(),
            pcap.display().to_string(),
            "--keys".to_owned(),
            keys.display().to_string(),
        ]
    };
    let out = run_ikelab(args(&trace));
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = std::fs::read_to_string(&trace).unwrap();
    let parsed = Trace::from_json(&text).unwrap();
    assert_eq!(parsed.seed, Some(9));
    // The binary (native crypto provider compiled in) still runs the simulator with
    // the pure-Rust one: the same bytes as the library.
    let scenario = library::load("nat-t-keepalive").unwrap();
    assert_eq!(
        text.trim_end(),
        ikelab_engine::sim::run(&scenario, 9)
            .trace
            .to_json()
            .unwrap()
    );
    let bytes = std::fs::read(&pcap).unwrap();
    assert!(CaptureReader::new(&bytes).unwrap().count() > 5);
    for file in ["ikev2_decryption_table", "esp_sa", "preferences"] {
        assert!(keys.join(file).is_file(), "{file}");
    }
    let table = std::fs::read_to_string(keys.join("ikev2_decryption_table")).unwrap();
    assert_eq!(table.lines().count(), 1, "{table}");

    let again = dir.0.join("again.json");
    assert_eq!(run_ikelab(args(&again)).status.code(), Some(0));
    assert_eq!(std::fs::read(&again).unwrap(), text.as_bytes());
}

#[test]
fn an_outcome_that_differs_from_expect_exits_4_and_says_why() {
    let dir = TempDir::new("differs");
    // The happy path with a wrong PSK on the initiator, but still expecting success.
    let text = library::text("happy-path").unwrap().replacen(
        "psk = \"not-a-real-secret\"",
        "psk = \"wrong\"",
        1,
    );
    let file = dir.0.join("wrong.toml");
    std::fs::write(&file, text).unwrap();
    let out = run_ikelab(["sim", file.to_str().unwrap()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(4), "{text}");
    assert!(text.contains("outcome differs from [expect]:"), "{text}");
    assert!(
        text.contains("initiator: expected an established IKE SA at the end, found none"),
        "{text}"
    );
}

#[test]
fn unreadable_unknown_or_invalid_scenarios_exit_3() {
    let out = run_ikelab(["sim", "/nonexistent/x.toml"]);
    assert_eq!(out.status.code(), Some(3));
    let out = run_ikelab(["sim", "no-such-scenario"]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("happy-path"), "names the bundled ones: {err}");

    let dir = TempDir::new("invalid");
    let text = library::text("happy-path").unwrap().to_owned()
        + "\n[[script]]\nat = \"10s\"\naction = \"teleport\"\n";
    let file = dir.0.join("teleport.toml");
    std::fs::write(&file, text).unwrap();
    let out = run_ikelab(["sim", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("teleport"), "{err}");
}

#[test]
fn a_replay_before_any_esp_fails_the_run_and_says_why() {
    let dir = TempDir::new("replay");
    let text = library::text("happy-path").unwrap().to_owned()
        + "\n[[script]]\nat = \"10s\"\naction = \"replay_esp\"\n";
    let file = dir.0.join("replay.toml");
    std::fs::write(&file, text).unwrap();
    let out = run_ikelab(["sim", file.to_str().unwrap()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(4), "{text}");
    assert!(
        text.contains("the network carried no ESP packet towards initiator yet"),
        "{text}"
    );
}

#[test]
fn esp_scenarios_print_the_inner_packets_and_the_replay_drop() {
    for (name, lines) in [
        (
            "esp-replay",
            &[
                "network   script: initiator pings 3 time(s), every 1s",
                "initiator sending ESP SPI 0x",
                " seq 1 (136 bytes): ICMP echo request 10.3.0.1 > 10.1.0.1 id 1 seq 1",
                "responder opened ESP SPI 0x",
                ": ICMP echo reply 10.1.0.1 > 10.3.0.1 id 1 seq 3",
                "the network replays ESP SPI 0x",
                "initiator dropping ESP SPI 0x",
                " seq 3: replay check failed: sequence number 3 was already received",
            ][..],
        ),
        (
            "nat-t-esp",
            &[
                ", in UDP 4500): ICMP echo request 10.3.0.1 > 10.1.0.1 id 1 seq 1",
                ": UDP 10.3.0.1:40000 > 10.1.0.1:9 1172 bytes",
                "initiator opened ESP SPI 0x",
                ": ICMP echo request 10.1.0.1 > 10.3.0.1 id 2 seq 1",
            ][..],
        ),
    ] {
        let out = run_ikelab(["sim", name]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{text}");
        for line in lines {
            assert!(text.contains(line), "{name}: missing {line:?} in:\n{text}");
        }
    }
}

#[test]
fn no_scenario_is_a_usage_error() {
    assert_eq!(run_ikelab(["sim"]).status.code(), Some(2));
}
