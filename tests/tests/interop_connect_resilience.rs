//! `ikelab connect` keeping the tunnel up, against a strongSwan 5.9.8 gateway in
//! network namespaces:
//! - short lifetimes: our CHILD SA and IKE SA rekey (RFC 7296 §2.8, §1.3.2–§1.3.3)
//!   while a ping runs every 100 ms through the tunnel, losing at most one;
//! - the gateway is killed (SIGKILL: no DELETE reaches us) and started again: our
//!   liveness checks go unanswered (RFC 7296 §2.4), the client says so, and with
//!   `--reconnect` connects again, keeps its tunnel and pings through it.
//!
//! Interop layer: root, strongSwan, iproute2, ping; one test at a time.

use std::time::Duration;

use ikelab_tests::interop::connect_tunnel::{
    TUN_NAME, in_ns, start_connect_adjusted, tunnel_gateway, wait_for_log,
};
use ikelab_tests::interop::engine_driver::RunSpec;
use ikelab_tests::interop::pair::{CHILD_NAME, PROTECTED_HOST};
use ikelab_tests::run_ikelab;

/// Echo requests during the rekeys, 100 ms apart.
const REKEY_PINGS: u32 = 60;

#[test]
fn both_sas_rekey_under_a_ping_every_100_ms_losing_at_most_one() {
    let spec = RunSpec::new("aes256gcm16-prfsha256-x25519", "aes256gcm16");
    let (mut session, _resolv) = tunnel_gateway("tunrekey", spec, false);
    let (pid, log, control) = start_connect_adjusted(
        &mut session,
        None,
        |config| {
            // IKE SA after 3 s, CHILD SA after 2 s (no jitter): both within the pings;
            // the hard limits 2 s later (charon's whole-second 10 % would be 0 s).
            config.rekey_time = Some(Duration::from_secs(3));
            config.over_time = Some(Duration::from_secs(2));
            config.rand_time = Some(Duration::ZERO);
            if let Some(child) = config.children.get_mut(CHILD_NAME) {
                child.rekey_time = Duration::from_secs(2);
                child.life_time = Some(Duration::from_secs(4));
                child.rand_time = Some(Duration::ZERO);
            }
        },
        &["--tun-name", TUN_NAME],
    );
    wait_for_log(&log, "tunnel: DNS", pid);
    let count = REKEY_PINGS.to_string();
    let (_, ping) = in_ns(
        &session,
        "ping",
        &["-c", &count, "-i", "0.1", "-W", "1", PROTECTED_HOST],
    );
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let received: u32 = ping
        .split(", ")
        .find_map(|part| part.strip_suffix(" received")?.parse().ok())
        .unwrap_or_else(|| panic!("{ping}"));
    assert!(
        received + 1 >= REKEY_PINGS,
        "{received} of {REKEY_PINGS} replies:\n{ping}\n{text}"
    );
    assert!(text.contains("IKE_SA rekeyed"), "no IKE rekey:\n{text}");
    let children = text.matches("CHILD_SA net{").count();
    assert!(
        children >= 2,
        "no CHILD SA rekey ({children} CHILD SAs):\n{text}"
    );
    let down = run_ikelab(["down", "--control", control.to_str().unwrap()]);
    assert!(
        down.status.success(),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
    session.finish(None).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("tunrekey: {received} of {REKEY_PINGS} replies across the rekeys");
}

#[test]
fn a_restarted_gateway_is_noticed_and_reconnect_brings_the_tunnel_back() {
    let spec = RunSpec::new("aes256gcm16-prfsha256-x25519", "aes256gcm16");
    let (mut session, _resolv) = tunnel_gateway("tunback", spec, false);
    let (pid, log, control) = start_connect_adjusted(
        &mut session,
        None,
        |config| {
            // A liveness check each second, given up after about 2 s without answer.
            config.dpd_delay = Duration::from_secs(1);
            config.retransmit.timeout = Duration::from_millis(500);
            config.retransmit.base = 1.5;
            config.retransmit.tries = 2;
        },
        &["--tun-name", TUN_NAME, "--reconnect"],
    );
    wait_for_log(&log, "tunnel: DNS", pid);
    let ping = |session: &_| {
        in_ns(
            session,
            "ping",
            &["-c", "3", "-i", "0.2", "-W", "2", PROTECTED_HOST],
        )
    };
    let (ok, out) = ping(&session);
    assert!(ok, "{out}");

    session.restart_charon().unwrap_or_else(|e| panic!("{e}"));
    let text = wait_for_log(&log, "Connecting again in 1 s (--reconnect).", pid);
    assert!(text.contains("stopped answering"), "{text}");
    let text = wait_for_log(&log, "tunnel: kept as it was", pid);
    assert_eq!(text.matches("IKE_SA established").count(), 2, "{text}");
    let (ok, out) = ping(&session);
    assert!(
        ok && out.contains("3 received"),
        "after the reconnect: {out}\n{text}"
    );

    let down = run_ikelab(["down", "--control", control.to_str().unwrap()]);
    assert!(
        down.status.success(),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
    session.finish(None).unwrap_or_else(|e| panic!("{e}"));
}
