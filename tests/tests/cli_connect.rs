//! `ikelab connect CONFIG --no-tun`: the real binary against a gateway on 127.0.0.1
//! (our engine as a responder in a thread of the test, `ikelab_tests::loopback_gateway`).
//! Loopback only, no root; timers short (the fixtures retransmit in 100 ms steps).

use std::net::{Ipv4Addr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ikelab_engine::capture::CaptureReader;
use ikelab_engine::event::EventKind;
use ikelab_engine::trace::{NetworkEvent, Trace, TraceSource};
use ikelab_tests::connect_support::{
    self, StderrLog, UP_WITHIN, client_config, gateway, gateway_at,
};
use ikelab_tests::ikelab_bin;

fn scratch(name: &str) -> PathBuf {
    connect_support::scratch("connect", name)
}

/// The control socket of the test whose configuration is `config` (in its scratch
/// directory: tests run in parallel, one instance each).
fn control_of(config: &Path) -> PathBuf {
    config.with_file_name("control.sock")
}

/// `ikelab connect CONFIG --no-tun --local 127.0.0.1 --remote GATEWAY --control
/// DIR/control.sock` plus `extra`.
fn connect_command(config: &Path, remote: &str, extra: &[&str]) -> Command {
    let mut command = Command::new(ikelab_bin());
    command
        .arg("connect")
        .arg(config)
        .args(["--no-tun", "--local", "127.0.0.1", "--remote", remote])
        .arg("--control")
        .arg(control_of(config))
        .args(extra)
        .stdin(Stdio::null());
    command
}

/// Runs a connect that is expected to end by itself.
fn connect_to_end(config: &Path, remote: &str) -> Output {
    let mut child = connect_command(config, remote, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > UP_WITHIN {
            let _ = child.kill();
            panic!("ikelab connect did not end within {UP_WITHIN:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Starts a connect with `extra` and returns it once its CHILD SA is up (its
/// standard error followed); kills it and fails with its log otherwise.
fn spawn_until_up(config: &Path, remote: &str, extra: &[&str]) -> (std::process::Child, StderrLog) {
    let mut child = connect_command(config, remote, extra)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = StderrLog::follow(&mut child);
    if !(log.wait_for("IKE_SA established") && log.wait_for("CHILD_SA net{")) {
        let _ = child.kill();
        panic!("not established:\n{}", log.text());
    }
    (child, log)
}

fn code_and_stderr(out: &Output) -> (Option<i32>, String) {
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// (a) Up, then SIGTERM: DELETE reaches the gateway, exit 0, the trace reads back
/// as a bridge trace, the key folder holds the IKE and ESP tables, and the --pcap
/// holds the six datagrams, each between our socket and the gateway's.
#[test]
fn connects_and_deletes_the_ike_sa_on_sigterm() {
    let dir = scratch("up");
    let gateway = gateway(&[]);
    // No retransmission on a busy machine: the counts below are exact.
    let config = client_config(&dir, &[("retransmit.timeout", r#""2s""#)]);
    let (trace, keys, pcap) = (
        dir.join("trace.json"),
        dir.join("keys"),
        dir.join("run.pcap"),
    );
    let (mut child, log) = spawn_until_up(
        &config,
        &gateway.ike.to_string(),
        &[
            "--trace",
            trace.to_str().unwrap(),
            "--keys",
            keys.to_str().unwrap(),
            "--pcap",
            pcap.to_str().unwrap(),
        ],
    );
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let text = log.finish();
    assert_eq!(status.code(), Some(0), "{text}");
    assert!(text.contains("SIGTERM: deleting the IKE SA"), "{text}");
    assert!(
        gateway.saw_delete(Duration::from_secs(2)),
        "the gateway saw no DELETE:
{:#?}",
        gateway.lines()
    );

    let trace = Trace::from_json(&std::fs::read_to_string(&trace).unwrap()).unwrap();
    assert_eq!(trace.source, TraceSource::Bridge);
    let ours: Vec<&EventKind> = trace.events_of("ikelab").map(|e| &e.kind).collect();
    assert!(ours.iter().any(|k| matches!(k, EventKind::ChildSaUp(_))));
    assert!(ours.iter().any(|k| matches!(k, EventKind::ChildSaKeys(_))));
    // What crossed the sockets: each message we sent is one `transmit` of ours with
    // the flight its `MessageSent` names; each we received a `transmit` from the
    // gateway and its `delivered` (IKE_SA_INIT, IKE_AUTH, INFORMATIONAL: 3 each way).
    let transmits: Vec<(u64, &str)> = trace
        .network_events()
        .filter_map(|(_, n)| match n {
            NetworkEvent::Transmit { flight, from, .. } => Some((flight.0, from.as_str())),
            _ => None,
        })
        .collect();
    let delivered = trace
        .network_events()
        .filter(|(_, n)| matches!(n, NetworkEvent::Delivered { .. }))
        .count();
    let sent: Vec<u64> = trace
        .events_of("ikelab")
        .filter(|e| matches!(e.kind, EventKind::MessageSent(_)))
        .map(|e| e.flight.expect("a sent message has a flight").0)
        .collect();
    assert_eq!(sent.len(), 3, "{transmits:?}");
    for flight in &sent {
        assert!(
            transmits.contains(&(*flight, "ikelab")),
            "{flight} in {transmits:?}"
        );
    }
    assert_eq!(
        transmits
            .iter()
            .filter(|(_, from)| *from == "gateway")
            .count(),
        3
    );
    assert_eq!(delivered, 3);

    // The capture: the six datagrams, each between our socket and the gateway's.
    let bytes = std::fs::read(&pcap).unwrap();
    let records: Vec<(Option<u16>, Option<u16>, Vec<u8>)> = CaptureReader::new(&bytes)
        .unwrap()
        .map(|r| {
            let d = r.unwrap().datagram().unwrap();
            (d.src_port, d.dst_port, d.payload.to_vec())
        })
        .collect();
    assert_eq!(records.len(), 6, "{records:?}");
    let gateway_port = Some(gateway.ike.port());
    let (to_gateway, from_gateway): (Vec<_>, Vec<_>) =
        records.iter().partition(|(_, dst, _)| *dst == gateway_port);
    assert_eq!(
        (to_gateway.len(), from_gateway.len()),
        (3, 3),
        "{records:?}"
    );
    // IKE_SA_INIT request: an IKE header with exchange type 34 (RFC 7296 §3.1).
    assert_eq!(to_gateway[0].2.get(18), Some(&34), "{:?}", to_gateway[0]);

    let ike_table = std::fs::read_to_string(keys.join("ikev2_decryption_table")).unwrap();
    let esp_table = std::fs::read_to_string(keys.join("esp_sa")).unwrap();
    assert_eq!(ike_table.lines().count(), 1, "{ike_table}");
    assert_eq!(esp_table.lines().count(), 2, "{esp_table}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A TUN device name the kernel would refuse ends with code 12 and the rule, before
/// anything is sent or changed on the host (the gateway sees nothing). The working
/// tunnel, and one that fails after IKE_AUTH, are tested against strongSwan in
/// namespaces (`interop_connect_tunnel`).
#[test]
fn an_impossible_tun_name_exits_12_before_anything_is_sent() {
    let dir = scratch("tun");
    let gateway = gateway(&[]);
    let config = client_config(&dir, &[]);
    let out = Command::new(ikelab_bin())
        .arg("connect")
        .arg(&config)
        .args([
            "--local",
            "127.0.0.1:0",
            "--remote",
            &gateway.ike.to_string(),
        ])
        .args(["--tun-name", "a-name-far-too-long-for-linux"])
        .output()
        .unwrap();
    let (code, stderr) = code_and_stderr(&out);
    assert_eq!(code, Some(12), "{stderr}");
    assert!(
        stderr.contains("--tun-name") && stderr.contains("1 to 15 characters"),
        "{stderr}"
    );
    assert!(
        gateway.lines().is_empty(),
        "the gateway heard from us: {:?}",
        gateway.lines()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// (b) A PSK the gateway does not share: AUTHENTICATION_FAILED, exit 8.
#[test]
fn a_wrong_psk_ends_with_authentication_failed() {
    let dir = scratch("psk");
    let gateway = gateway(&[]);
    let config = client_config(&dir, &[("secrets.psk", r#""not-the-gateway-secret""#)]);
    let (code, stderr) = code_and_stderr(&connect_to_end(&config, &gateway.ike.to_string()));
    assert_eq!(code, Some(8), "{stderr}");
    assert!(stderr.contains("AUTHENTICATION_FAILED"), "{stderr}");
    assert!(stderr.contains("psk"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// (c) IKE proposals the gateway does not have: the unauthenticated
/// NO_PROPOSAL_CHOSEN is reported at once, then the failure with exit 9, naming
/// what we offered.
#[test]
fn a_proposal_mismatch_names_the_offered_proposals() {
    let dir = scratch("proposal");
    let gateway = gateway(&[("proposals", r#"["aes128-sha256-modp2048"]"#)]);
    let config = client_config(&dir, &[]);
    let (code, stderr) = code_and_stderr(&connect_to_end(&config, &gateway.ike.to_string()));
    assert_eq!(code, Some(9), "{stderr}");
    assert!(stderr.contains("not authenticated"), "{stderr}");
    assert!(stderr.contains("RFC 7296 §2.21.1"), "{stderr}");
    assert!(
        stderr.contains("NO_PROPOSAL_CHOSEN in IKE_SA_INIT"),
        "{stderr}"
    );
    assert!(
        stderr.contains("we offered IKE proposals [aes256gcm16-prfsha256-x25519]"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// ESP proposals the gateway does not have: the CHILD SA fails in IKE_AUTH, exit 9.
#[test]
fn an_esp_proposal_mismatch_names_the_child_and_its_proposals() {
    let dir = scratch("esp");
    let gateway = gateway(&[("children.net.esp_proposals", r#"["aes128-sha256"]"#)]);
    let config = client_config(&dir, &[]);
    let (code, stderr) = code_and_stderr(&connect_to_end(&config, &gateway.ike.to_string()));
    assert_eq!(code, Some(9), "{stderr}");
    assert!(stderr.contains("CHILD SA 'net' not created"), "{stderr}");
    assert!(
        stderr.contains("we offered ESP proposals [aes256gcm16]"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Traffic selectors the gateway refuses: TS_UNACCEPTABLE, exit 10.
#[test]
fn refused_traffic_selectors_end_with_ts_unacceptable() {
    let dir = scratch("ts");
    let gateway = gateway(&[]);
    let config = client_config(&dir, &[("children.net.remote_ts", r#"["10.9.0.0/24"]"#)]);
    let (code, stderr) = code_and_stderr(&connect_to_end(&config, &gateway.ike.to_string()));
    assert_eq!(code, Some(10), "{stderr}");
    assert!(stderr.contains("TS_UNACCEPTABLE"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// (d) Nothing listens at the gateway's address: the retransmission budget runs
/// out, exit 7.
#[test]
fn an_unreachable_gateway_ends_after_the_retransmission_budget() {
    let dir = scratch("unreachable");
    let silent = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let remote = silent.local_addr().unwrap().to_string();
    let config = client_config(&dir, &[("retransmit.tries", "2")]);
    let (code, stderr) = code_and_stderr(&connect_to_end(&config, &remote));
    assert_eq!(code, Some(7), "{stderr}");
    assert!(
        stderr.contains(&format!("the gateway {remote} did not answer")),
        "{stderr}"
    );
    assert!(
        stderr.contains("3 transmissions of IKE_SA_INIT"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// (e) `--local` names a port another socket holds: exit 6, naming the address.
#[test]
fn a_local_port_in_use_ends_with_its_code() {
    let dir = scratch("in-use");
    let taken = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let local = taken.local_addr().unwrap().to_string();
    let config = client_config(&dir, &[]);
    let out = Command::new(ikelab_bin())
        .arg("connect")
        .arg(&config)
        .args(["--no-tun", "--local", &local, "--remote", "127.0.0.1:9"])
        .arg("--control")
        .arg(control_of(&config))
        .output()
        .unwrap();
    let (code, stderr) = code_and_stderr(&out);
    assert_eq!(code, Some(6), "{stderr}");
    assert!(stderr.contains(&format!("UDP {local}")), "{stderr}");
    assert!(
        stderr.contains("another program uses this port"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// (f) An invalid configuration: exit 5, naming the key and the reason.
#[test]
fn a_configuration_error_names_the_key() {
    let dir = scratch("config");
    let config = client_config(
        &dir,
        &[("proposals", r#"["aes256gcm16-prfsha256-nosuchgroup"]"#)],
    );
    let out = connect_command(&config, "127.0.0.1:9", &[])
        .output()
        .unwrap();
    let (code, stderr) = code_and_stderr(&out);
    assert_eq!(code, Some(5), "{stderr}");
    assert!(stderr.contains("invalid configuration"), "{stderr}");
    assert!(stderr.contains("proposals[0]"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A gateway with an address pool demands a configuration request; a client that
/// asks for no virtual IP gets FAILED_CP_REQUIRED, exit 11.
#[test]
fn no_virtual_ip_request_ends_with_failed_cp_required() {
    let dir = scratch("cp");
    let gateway = gateway(&[]);
    let config = client_config(&dir, &[("vips", "[]")]);
    let (code, stderr) = code_and_stderr(&connect_to_end(&config, &gateway.ike.to_string()));
    assert_eq!(code, Some(11), "{stderr}");
    assert!(stderr.contains("FAILED_CP_REQUIRED"), "{stderr}");
    assert!(stderr.contains("vips"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--trace` without `--keys`: the trace holds no key records (no secret leaves the
/// engine); `-v` logs every datagram on the sockets; the IKE SA that a rekey
/// replaced is followed (RFC 7296 §2.18), and SIGINT deletes the new one.
#[test]
fn without_keys_the_trace_has_no_secrets_and_a_rekeyed_sa_is_followed() {
    let dir = scratch("rekey");
    let gateway = gateway(&[]);
    let config = client_config(
        &dir,
        &[
            ("rekey_time", r#""1s""#),
            ("rand_time", r#""0s""#),
            ("over_time", r#""10s""#),
        ],
    );
    let trace = dir.join("trace.json");
    let mut child = connect_command(
        &config,
        &gateway.ike.to_string(),
        &["-v", "--trace", trace.to_str().unwrap()],
    )
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let log = StderrLog::follow(&mut child);
    let rekeyed = log.wait_for("CHILD_SA net{") && log.wait_for("IKE_SA rekeyed");
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let text = log.finish();
    assert!(rekeyed, "no IKE rekey:\n{text}");
    assert_eq!(status.code(), Some(0), "{text}");
    assert!(text.contains("SIGINT: deleting the IKE SA"), "{text}");
    assert!(
        text.contains("network   #"),
        "-v shows the datagrams:\n{text}"
    );
    assert!(
        gateway.saw_delete(Duration::from_secs(2)),
        "the gateway saw no DELETE:
{:#?}",
        gateway.lines()
    );
    let trace = Trace::from_json(&std::fs::read_to_string(&trace).unwrap()).unwrap();
    let secrets = trace.events_of("ikelab").filter(|e| {
        matches!(
            e.kind,
            EventKind::IkeSaKeys(_) | EventKind::ChildSaKeys(_) | EventKind::KeysDerived { .. }
        )
    });
    assert_eq!(secrets.count(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The gateway vanishes while we are up: SIGTERM's DELETE goes unanswered, and
/// ikelab leaves after its 2 s wait with exit 0. `-q` keeps the log to warnings.
#[test]
fn an_unanswered_delete_is_left_after_the_wait() {
    let dir = scratch("gone");
    let gateway = gateway(&[]);
    // Retransmissions of the DELETE outlast the 2 s wait (100 ms, x1.8, 8 times).
    let config = client_config(&dir, &[("retransmit.tries", "8")]);
    let mut child = connect_command(&config, &gateway.ike.to_string(), &["-q"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = StderrLog::follow(&mut child);
    let up = gateway.wait_for(UP_WITHIN, |e| matches!(e.kind, EventKind::ChildSaUp(_)));
    drop(gateway);
    // The client's IKE_AUTH response may still be in flight: let it land.
    std::thread::sleep(Duration::from_millis(200));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let text = log.finish();
    assert!(up, "not established:\n{text}");
    assert_eq!(status.code(), Some(0), "{text}");
    assert!(text.contains("no answer to DELETE within 2 s"), "{text}");
    assert!(
        !text.contains("sending IKE_SA_INIT"),
        "-q logs no steps:\n{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A `--remote` that is no address is a usage error (2), naming the flag.
#[test]
fn a_malformed_remote_is_a_usage_error() {
    let dir = scratch("usage");
    let config = client_config(&dir, &[]);
    let out = connect_command(&config, "gateway.example:500", &[])
        .output()
        .unwrap();
    let (code, stderr) = code_and_stderr(&out);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--remote gateway.example:500"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Settings that notice a silent gateway within about a second: a liveness check
/// every second (RFC 7296 §2.4), retransmitted twice, 200 ms apart at first.
const QUICK_LIVENESS: [(&str, &str); 3] = [
    ("dpd_delay", r#""1s""#),
    ("retransmit.timeout", r#""200ms""#),
    ("retransmit.tries", "2"),
];

/// (h) The gateway goes away (its engine and sockets stop) and the liveness check
/// goes unanswered: with `--reconnect` the client says so and connects again, once
/// a gateway answers on the same address, and still deletes its IKE SA on SIGTERM.
#[test]
fn reconnect_connects_again_after_the_gateway_is_lost() {
    let dir = scratch("reconnect");
    let first = gateway(&[]);
    let (ike, nat_t) = (first.ike, first.nat_t);
    let config = client_config(&dir, &QUICK_LIVENESS);
    let (mut child, log) = spawn_until_up(&config, &ike.to_string(), &["--reconnect"]);
    drop(first);
    if !log.wait_for("Connecting again in 1 s (--reconnect).") {
        let _ = child.kill();
        panic!("the loss went unnoticed:\n{}", log.text());
    }
    let second = gateway_at(&[], ike, nat_t);
    let start = Instant::now();
    while log.text().matches("IKE_SA established").count() < 2 && start.elapsed() < UP_WITHIN {
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let text = log.finish();
    assert_eq!(text.matches("IKE_SA established").count(), 2, "{text}");
    assert!(text.contains("stopped answering"), "{text}");
    assert_eq!(status.code(), Some(0), "{text}");
    assert!(second.saw_delete(Duration::from_secs(2)), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The same loss without `--reconnect` ends the run with code 7 and the reason.
#[test]
fn a_lost_gateway_ends_with_code_7_without_reconnect() {
    let dir = scratch("lost");
    let gateway = gateway(&[]);
    let config = client_config(&dir, &QUICK_LIVENESS);
    let (mut child, log) = spawn_until_up(&config, &gateway.ike.to_string(), &[]);
    drop(gateway);
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() && start.elapsed() < UP_WITHIN {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let status = child.wait().unwrap();
    let text = log.finish();
    assert_eq!(status.code(), Some(7), "{text}");
    assert!(
        text.contains("stopped answering") && text.contains("--reconnect"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
