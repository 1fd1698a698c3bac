//! `ikelab connect` when things go wrong, against a strongSwan 5.9.8 gateway in
//! network namespaces (the working tunnel: `interop_connect_tunnel`):
//! - a device name that a non-TUN interface already holds: the tunnel fails after
//!   IKE_AUTH, so the client says why (exit code 12), deletes the IKE SA on the
//!   gateway and leaves no route or DNS change behind;
//! - SIGKILL: the blocks, the gateway's host route and `/etc/resolv.conf` outlive the
//!   client (the device and its routes do not); `ikelab down` in its namespace
//!   (finding no instance) undoes them, and refuses to from another namespace;
//!   killed again, the next `connect` undoes them before it starts its own tunnel;
//! - without CAP_NET_ADMIN (`setpriv`), the device cannot be created: the message
//!   says what to do, and the IKE SA is deleted;
//! - the other documented errors against the real gateway: a wrong PSK (8), a
//!   proposal mismatch (9), no answer (7), UDP 500 in use (6).
//!
//! Interop layer: root, strongSwan, iproute2, setpriv; one test at a time.

use std::thread;
use std::time::{Duration, Instant};

use ikelab_engine::config::PeerConfig;
use ikelab_tests::interop::cmd::signal;
use ikelab_tests::interop::connect_tunnel::{
    RESOLV_BEFORE, TUN_NAME, UP_TIMEOUT, full_tunnel_gateway, in_ns, routing_tables,
    run_ikelab_in_ns, start_connect, start_connect_under, tunnel_gateway, wait_for_log,
    wait_until_dead, write_client_config,
};
use ikelab_tests::interop::engine_driver::{EngineSession, RunSpec};
use ikelab_tests::{ikelab_bin, run_ikelab};

#[test]
fn a_tunnel_that_fails_after_ike_auth_deletes_the_ike_sa_and_changes_nothing() {
    let (mut session, resolv) = full_tunnel_gateway("tunfail");
    // The name is taken by an interface that is no TUN device.
    let (ok, out) = in_ns(
        &session,
        "ip",
        &[
            "link", "add", "ikelabx", "type", "veth", "peer", "name", "ikelaby",
        ],
    );
    assert!(ok, "{out}");
    let (routes_before, routes6_before) = routing_tables(&session);
    let (pid, log, _) = start_connect(&mut session, &["--tun-name", "ikelabx"]);
    let text = wait_for_log(
        &log,
        "ikelab connect: cannot create the TUN device ikelabx",
        pid,
    );
    assert!(
        text.contains("IKE_SA established"),
        "the failure came after IKE_AUTH:\n{text}"
    );
    let deleted =
        session
            .charon
            .wait_for_sas("the gateway's SAs deleted", Duration::from_secs(5), |sas| {
                sas.is_empty()
            });
    assert!(deleted.is_ok(), "{deleted:?}\n{text}");
    let (routes_after, routes6_after) = routing_tables(&session);
    assert_eq!(routes_after, routes_before);
    assert_eq!(routes6_after, routes6_before);
    assert_eq!(resolv.text(), RESOLV_BEFORE);
    session.finish(None).unwrap_or_else(|e| panic!("{e}"));
}

/// SIGKILL for the client `pid`; returns once it and its TUN device are gone.
fn kill_client(session: &EngineSession, pid: u32) {
    signal(pid, "KILL").unwrap_or_else(|e| panic!("{e}"));
    wait_until_dead(pid);
    let started = Instant::now();
    while in_ns(session, "ip", &["link", "show", "ikelab0"]).0 {
        assert!(
            started.elapsed() < UP_TIMEOUT,
            "the device outlived its process"
        );
        thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn what_a_killed_client_leaves_is_undone_by_down_or_the_next_connect() {
    let (mut session, resolv) = full_tunnel_gateway("tunkill");
    let (routes_before, routes6_before) = routing_tables(&session);
    let (pid, log, control) = start_connect(&mut session, &["--tun-name", TUN_NAME]);
    wait_for_log(&log, "tunnel: DNS", pid);
    kill_client(&session, pid);
    // Left behind: the blocks, the gateway's host route, our resolv.conf.
    let (_, routes6) = in_ns(&session, "ip", &["-6", "route", "show"]);
    assert!(routes6.contains("unreachable ::/1"), "{routes6}");
    let (_, routes) = in_ns(&session, "ip", &["route", "show"]);
    assert!(routes.contains("192.0.2.1 dev to-res"), "{routes}");
    assert_ne!(resolv.text(), RESOLV_BEFORE);

    // From another network namespace (this test's), `ikelab down` refuses to touch
    // the routes; in the client's, it finds no instance and undoes what it left.
    let elsewhere = run_ikelab(["down", "--control", control.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&elsewhere.stdout).into_owned();
    assert!(
        !elsewhere.status.success() && said.contains("another network namespace"),
        "{said}"
    );
    let bin = ikelab_bin();
    let (ok, said) = in_ns(
        &session,
        bin.to_str().unwrap(),
        &["down", "--control", control.to_str().unwrap()],
    );
    assert!(ok, "{said}");
    assert!(
        said.contains("removed the route unreachable ::/1"),
        "{said}"
    );
    assert_eq!(
        routing_tables(&session),
        (routes_before.clone(), routes6_before.clone())
    );
    assert_eq!(resolv.text(), RESOLV_BEFORE);

    // Killed again: this time the next `connect` finds the leftovers first.
    let (pid, log, _) = start_connect(&mut session, &["--tun-name", TUN_NAME]);
    wait_for_log(&log, "tunnel: DNS", pid);
    kill_client(&session, pid);
    let (pid, log, _) = start_connect(&mut session, &["--tun-name", TUN_NAME]);
    let text = wait_for_log(&log, "tunnel: DNS", pid);
    assert!(
        text.contains("a previous instance ended without closing its tunnel")
            && text.contains("removed the route unreachable ::/1")
            && text.contains("restored /etc/resolv.conf"),
        "{text}"
    );
    let down = run_ikelab(["down", "--control", control.to_str().unwrap()]);
    assert!(
        down.status.success(),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
    let (routes_after, routes6_after) = routing_tables(&session);
    assert_eq!(routes_after, routes_before);
    assert_eq!(routes6_after, routes6_before);
    assert_eq!(resolv.text(), RESOLV_BEFORE);
    assert!(
        !control.with_file_name("tunnel.undo").exists(),
        "a clean exit forgets the list"
    );
    session.finish(None).unwrap_or_else(|e| panic!("{e}"));
}

/// Without CAP_NET_ADMIN (dropped from the bounding set with `setpriv`, as root) the
/// TUN device cannot be created: exit code 12 says so and what to do, and the IKE SA
/// that came up is deleted on the gateway.
#[test]
fn without_cap_net_admin_the_tunnel_fails_with_what_to_do() {
    let (mut session, resolv) = full_tunnel_gateway("tuncap");
    let (routes_before, routes6_before) = routing_tables(&session);
    let (pid, log, _) = start_connect_under(
        &mut session,
        Some(("setpriv", &["--bounding-set", "-net_admin", "--"])),
        &["--tun-name", TUN_NAME],
    );
    let text = wait_for_log(&log, "ikelab connect: cannot create the TUN device", pid);
    assert!(text.contains("CAP_NET_ADMIN"), "{text}");
    let deleted =
        session
            .charon
            .wait_for_sas("the gateway's SAs deleted", Duration::from_secs(5), |sas| {
                sas.is_empty()
            });
    assert!(deleted.is_ok(), "{deleted:?}\n{text}");
    assert_eq!(routing_tables(&session), (routes_before, routes6_before));
    assert_eq!(resolv.text(), RESOLV_BEFORE);
    session.finish(None).unwrap_or_else(|e| panic!("{e}"));
}

/// The documented errors against a real gateway, each with its exit code (README
/// "Exit codes") and a message that names the cause: a PSK the gateway does not
/// share (8), proposals it does not accept (9, with ours), a gateway that does not
/// answer (7), and UDP 500 already taken (6).
#[test]
fn each_documented_error_ends_with_its_code_and_reason() {
    let spec = RunSpec::new("aes256gcm16-prfsha256-x25519", "aes256gcm16");
    let (mut session, _resolv) = tunnel_gateway("tunerr", spec, false);
    let short_retransmits = |config: &mut PeerConfig| {
        config.retransmit.timeout = Duration::from_millis(200);
        config.retransmit.tries = 2;
    };
    let run = |session: &EngineSession, config: &std::path::Path, extra: &[&str]| {
        let mut args = vec!["connect", config.to_str().unwrap(), "--control"];
        let control = session.workdir().join("errors.sock");
        let control = control.to_str().unwrap().to_owned();
        args.push(&control);
        args.extend_from_slice(extra);
        let out = run_ikelab_in_ns(session, &args);
        (out.status.code(), out.stderr)
    };

    session.spec.engine_psk = "not-the-gateway-secret".to_owned();
    let config = write_client_config(&session, "wrong-psk.toml", short_retransmits);
    let (code, stderr) = run(&session, &config, &[]);
    assert_eq!(code, Some(8), "{stderr}");
    assert!(stderr.contains("AUTHENTICATION_FAILED"), "{stderr}");
    session.spec.engine_psk = session.spec.charon_psk.clone();

    session.spec.engine_ike = vec!["aes128-sha256-modp2048".to_owned()];
    let config = write_client_config(&session, "proposals.toml", short_retransmits);
    let (code, stderr) = run(&session, &config, &[]);
    assert_eq!(code, Some(9), "{stderr}");
    assert!(
        stderr.contains("NO_PROPOSAL_CHOSEN") && stderr.contains("aes128-sha256-modp2048"),
        "{stderr}"
    );
    session.spec.engine_ike = session.spec.charon_ike.clone();

    let config = write_client_config(&session, "nobody.toml", short_retransmits);
    let (code, stderr) = run(&session, &config, &["--remote", "192.0.2.99"]);
    assert_eq!(code, Some(7), "{stderr}");
    assert!(stderr.contains("did not answer"), "{stderr}");

    // Something holds UDP 500 (here an `ikelab connect --no-tun` of our own).
    let (pid, log, _) = start_connect(&mut session, &["--no-tun", "--local", "192.0.2.2:500"]);
    wait_for_log(&log, "IKE on UDP 192.0.2.2:500", pid);
    let (code, stderr) = run(&session, &config, &[]);
    assert_eq!(code, Some(6), "{stderr}");
    assert!(
        stderr.contains("UDP 192.0.2.2:500") && stderr.contains("in use"),
        "{stderr}"
    );
    session.finish(None).unwrap_or_else(|e| panic!("{e}"));
}
