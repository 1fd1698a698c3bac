//! `ikelab connect` as a person would run it, against a strongSwan 5.9.8 gateway
//! (kernel-libipsec: ESP in UDP 4500, RFC 3948) in network namespaces, with a pool
//! that hands out a virtual IP and a DNS server. Four runs: `aes256gcm16` and
//! `aes128-sha256` directly, `aes256gcm16` through a MASQUERADE NAT, and a full
//! tunnel (the gateway's `local_ts` is `0.0.0.0/0`). In the client's namespace each
//! checks:
//! - the TUN device carries the virtual IP from the gateway's pool (RFC 7296 §3.15.1);
//! - routes: the protected net into the device; for the full tunnel `0.0.0.0/1` and
//!   `128.0.0.0/1`, the gateway's own address kept on its path (a host route: no
//!   routing loop for the ESP packets) and IPv6 blocked with `unreachable` routes;
//! - `/etc/resolv.conf` (the namespace's own) names the gateway's DNS server and keeps
//!   the `search` line;
//! - 20 pings from the client to 203.0.113.1 behind the gateway and 3 from the gateway
//!   to our virtual IP all come back, sealed and opened by our engine;
//! - `ikelab status` shows the SPIs and the algorithm `swanctl --list-sas` shows, and
//!   our packets out equal its packets in, both ways;
//! - after `ikelab down` (SIGTERM through the NAT): the gateway saw the IKE SA deleted; the device, every route
//!   it added and the DNS change are gone (`/etc/resolv.conf` byte for byte as it was);
//!   tshark decrypts every ESP packet of our `--pcap` with our `--keys` folder (ICV
//!   correct, ICMP inside); the `--trace` holds the ESP both ways.
//!
//! The failures (a device that cannot be made, SIGKILL, no CAP_NET_ADMIN) are in
//! `interop_connect_failures`. Interop layer: root, strongSwan, iproute2, ping,
//! tshark; one test at a time.

use std::net::IpAddr;
use std::path::Path;

use ikelab_engine::trace::{NetworkEvent, Trace};
use ikelab_tests::interop::cmd::signal;
use ikelab_tests::interop::connect_tunnel::{
    GATEWAY_DNS, RESOLV_BEFORE, TUN_NAME, in_ns, routing_tables, start_connect, tunnel_gateway,
    wait_for_log,
};
use ikelab_tests::interop::engine_driver::{EngineSession, RunSpec};
use ikelab_tests::interop::pair::{CHILD_NAME, PROTECTED_HOST};
use ikelab_tests::interop::strongswan::ChildSaStatus;
use ikelab_tests::interop::tshark::Tshark;
use ikelab_tests::run_ikelab;

/// Echo requests from the client.
const PINGS: u64 = 20;
/// Echo requests from the gateway to our virtual IP.
const GATEWAY_PINGS: u64 = 3;

/// One run.
struct Case {
    tag: &'static str,
    ike: &'static str,
    esp: &'static str,
    through_nat: bool,
    full: bool,
    /// End with SIGTERM rather than `ikelab down`.
    sigterm: bool,
}

#[test]
fn aes256gcm16_split_tunnel() {
    check_tunnel(&Case {
        tag: "tungcm",
        ike: "aes256gcm16-prfsha256-x25519",
        esp: "aes256gcm16",
        through_nat: false,
        full: false,
        sigterm: false,
    });
}

#[test]
fn aes128_sha256_split_tunnel() {
    check_tunnel(&Case {
        tag: "tuncbc",
        ike: "aes128-sha256-modp2048",
        esp: "aes128-sha256",
        through_nat: false,
        full: false,
        sigterm: false,
    });
}

#[test]
fn aes256gcm16_through_a_nat() {
    check_tunnel(&Case {
        tag: "tunnat",
        ike: "aes256gcm16-prfsha256-x25519",
        esp: "aes256gcm16",
        through_nat: true,
        full: false,
        sigterm: true,
    });
}

#[test]
fn full_tunnel_blocks_ipv6_and_keeps_the_gateway_path() {
    check_tunnel(&Case {
        tag: "tunfull",
        ike: "aes256gcm16-prfsha256-x25519",
        esp: "aes256gcm16",
        through_nat: false,
        full: true,
        sigterm: false,
    });
}

fn check_tunnel(case: &Case) {
    let mut spec = RunSpec::new(case.ike, case.esp);
    if case.full {
        spec.charon_local_ts = vec!["0.0.0.0/0".to_owned()];
    }
    let (mut session, resolv) = tunnel_gateway(case.tag, spec, case.through_nat);
    let gateway = session.topology.addressing.charon_addr();
    let before = routing_tables(&session);
    let work = session.workdir().to_path_buf();
    let (pcap, keys, trace) = (
        work.join("client.pcap"),
        work.join("keys"),
        work.join("client.trace.json"),
    );
    let (pid, log, control) = start_connect(
        &mut session,
        &[
            "--tun-name",
            TUN_NAME,
            "--pcap",
            pcap.to_str().unwrap(),
            "--keys",
            keys.to_str().unwrap(),
            "--trace",
            trace.to_str().unwrap(),
        ],
    );
    let text = wait_for_log(&log, "tunnel: DNS", pid);
    let tag = case.tag;

    let vip = virtual_ip(&session, &text);
    check_routes(case, &session, gateway);
    let during = resolv.text();
    assert!(
        during.contains(&format!("nameserver {GATEWAY_DNS}\n")),
        "{tag}: {during}"
    );
    assert!(
        !during.contains("192.0.2.99") && during.contains("search lab.example"),
        "{during}"
    );

    // Traffic both ways through the tunnel, started from either end.
    let count = PINGS.to_string();
    let (ok, ping) = in_ns(
        &session,
        "ping",
        &["-c", &count, "-i", "0.1", "-W", "2", PROTECTED_HOST],
    );
    let log_text = || std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        ok && ping.contains(&format!("{PINGS} received")),
        "{tag}: {ping}\n{}",
        log_text()
    );
    let out = session
        .topology
        .charon
        .cmd("ping")
        .args([
            "-c",
            &GATEWAY_PINGS.to_string(),
            "-i",
            "0.2",
            "-W",
            "2",
            &vip.to_string(),
        ])
        .output(std::time::Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.stdout.contains(&format!("{GATEWAY_PINGS} received")),
        "{tag}: the gateway's pings to {vip}: {}{}\n{}",
        out.stdout,
        out.stderr,
        log_text()
    );

    check_status_against_swanctl(tag, &session, &control);

    if case.sigterm {
        signal(pid, "TERM").unwrap_or_else(|e| panic!("{e}"));
        let text = wait_for_log(&log, "tunnel closed:", pid);
        assert!(
            text.contains("SIGTERM: deleting the IKE SA"),
            "{tag}: {text}"
        );
        // The device goes when the process has exited (with its descriptor).
        let started = std::time::Instant::now();
        while in_ns(&session, "ip", &["link", "show", "ikelab0"]).0 {
            assert!(
                started.elapsed().as_secs() < 10,
                "{tag}: ikelab did not exit"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let text = log_text();
        assert!(
            !text.contains("ikelab connect:"),
            "{tag}: an error at the end: {text}"
        );
    } else {
        let down = run_ikelab(["down", "--control", control.to_str().unwrap()]);
        assert!(
            down.status.success(),
            "{}",
            String::from_utf8_lossy(&down.stderr)
        );
        // `down` returned: the instance has exited (its device went with its descriptor).
    }
    let deleted = session.charon.wait_for_sas(
        "the gateway's SAs deleted",
        std::time::Duration::from_secs(5),
        |sas| sas.is_empty(),
    );
    assert!(deleted.is_ok(), "{tag}: {deleted:?}");
    let (exists, _) = in_ns(&session, "ip", &["link", "show", "ikelab0"]);
    assert!(!exists, "{tag}: the TUN device outlived ikelab");
    assert_eq!(
        routing_tables(&session),
        before,
        "{tag}: routes after the tunnel"
    );
    assert_eq!(
        resolv.text(),
        RESOLV_BEFORE,
        "{tag}: resolv.conf after the tunnel"
    );

    let decrypted = check_capture(tag, &pcap, &keys);
    check_trace(tag, &trace);
    let artifacts = session.finish(None).unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "{tag}: {PINGS} + {GATEWAY_PINGS} pings through the tunnel, tshark decrypted \
         {decrypted} ESP packets; whole run {:?}",
        artifacts.total
    );
}

/// The device's address, which must come from the gateway's pool (203.0.113.128/25).
fn virtual_ip(session: &EngineSession, log: &str) -> IpAddr {
    let (ok, addr) = in_ns(
        session,
        "ip",
        &["-o", "-4", "addr", "show", "dev", "ikelab0"],
    );
    assert!(ok, "{addr}\n{log}");
    let vip: IpAddr = addr
        .split_whitespace()
        .skip_while(|w| *w != "inet")
        .nth(1)
        .and_then(|cidr| cidr.split('/').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no IPv4 address on ikelab0: {addr}"));
    let IpAddr::V4(v4) = vip else { unreachable!() };
    assert!(
        v4.octets()[..3] == [203, 0, 113] && v4.octets()[3] >= 128,
        "{vip} is not from the pool"
    );
    vip
}

fn check_routes(case: &Case, session: &EngineSession, gateway: IpAddr) {
    let (routes, routes6) = routing_tables(session);
    let has = |table: &str, want: &str| table.lines().any(|l| l.starts_with(want));
    if case.full {
        for want in ["0.0.0.0/1 dev ikelab0", "128.0.0.0/1 dev ikelab0"] {
            assert!(has(&routes, want), "no `{want}` in:\n{routes}");
        }
        assert!(
            has(&routes, &format!("{gateway} ")),
            "the gateway is not pinned:\n{routes}"
        );
        for want in ["unreachable ::/1", "unreachable 8000::/1"] {
            assert!(has(&routes6, want), "no `{want}` in:\n{routes6}");
        }
        // IPv6 fails at once (EHOSTUNREACH) instead of leaving beside the tunnel.
        let (ok, ping6) = in_ns(
            session,
            "ping",
            &["-6", "-c", "1", "-W", "1", "2001:db8::1"],
        );
        let refused = ping6.contains("No route to host") || ping6.contains("unreachable");
        assert!(!ok && refused, "{ping6}");
    } else {
        assert!(
            has(&routes, "203.0.113.0/25 dev ikelab0"),
            "{}: {routes}",
            case.tag
        );
        assert!(
            !routes.contains("0.0.0.0/1") && !routes6.contains("unreachable"),
            "{routes}{routes6}"
        );
    }
}

/// `ikelab status` against `swanctl --list-sas`: the same SPIs (crossed), the same
/// ESP algorithm, and our packets out equal to the gateway's packets in, both ways.
fn check_status_against_swanctl(tag: &str, session: &EngineSession, control: &Path) {
    let sas = session
        .charon_established(std::time::Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("{e}"));
    let child: &ChildSaStatus = sas
        .iter()
        .flat_map(|sa| &sa.children)
        .find(|c| c.name == CHILD_NAME)
        .unwrap_or_else(|| panic!("{tag}: no CHILD SA on the gateway: {sas:#?}"));
    let status = run_ikelab(["status", "--control", control.to_str().unwrap()]);
    let status = String::from_utf8_lossy(&status.stdout).into_owned();
    // The IKE SA: its SPIs and its algorithms, in swanctl's names.
    let ike = &sas[0];
    let spis = format!(
        "{:016x}_i* {:016x}_r",
        u64::from_be_bytes(ike.spi_i),
        u64::from_be_bytes(ike.spi_r)
    );
    assert!(status.contains(&spis), "{tag}: no {spis} in {status}");
    let mut suite = vec![match ike.encr_keysize {
        Some(bits) => format!("{}-{bits}", ike.encr_alg),
        None => ike.encr_alg.clone(),
    }];
    suite.extend(ike.integ_alg.clone());
    suite.extend([ike.prf_alg.clone(), ike.dh_group.clone()]);
    let suite = suite.join("/");
    assert!(
        status.contains(&format!("  {suite}\n")),
        "{tag}: no {suite} in {status}"
    );
    let (our_in_spi, our_in_packets) = counter_line(&status, "    in  ");
    let (our_out_spi, our_out_packets) = counter_line(&status, "    out ");
    assert_eq!(
        (our_in_spi, our_out_spi),
        (child.spi_out, child.spi_in),
        "{tag}: {status}"
    );
    let algorithm = match child.encr_keysize {
        Some(bits) => format!("ESP-in-UDP:{}-{bits}", child.encr_alg),
        None => format!("ESP-in-UDP:{}", child.encr_alg),
    };
    assert!(
        status.contains(&algorithm),
        "{tag}: no {algorithm} in {status}"
    );
    if let Some(integ) = &child.integ_alg {
        assert!(
            status.contains(integ.as_str()),
            "{tag}: no {integ} in {status}"
        );
    }
    let gateway = |key: &str| -> u64 {
        child
            .raw
            .str(key)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{key}: {child:#?}"))
    };
    assert_eq!(
        our_out_packets,
        gateway("packets-in"),
        "{tag}: ours out, theirs in\n{status}"
    );
    assert_eq!(
        our_in_packets,
        gateway("packets-out"),
        "{tag}: ours in, theirs out\n{status}"
    );
    assert!(our_out_packets >= PINGS + GATEWAY_PINGS, "{tag}: {status}");
    assert!(status.contains("tunnel ikelab0:"), "{tag}: {status}");
}

/// The SPI and the packet count of a counter line of `ikelab status`
/// (`    in  1a2b3c4d,   1234 bytes,    12 packets`).
fn counter_line(status: &str, prefix: &str) -> (u32, u64) {
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` line in {status}"));
    let parts: Vec<&str> = line.split(',').map(str::trim).collect();
    let spi = u32::from_str_radix(parts[0], 16).unwrap_or_else(|e| panic!("{line}: {e}"));
    let packets = parts
        .iter()
        .find_map(|p| p.strip_suffix(" packets")?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no packet count in {line}"));
    (spi, packets)
}

/// tshark decrypts every ESP packet of our `--pcap` with our `--keys` folder: ICV
/// correct and ICMP inside, at least every ping's request and reply each way.
fn check_capture(tag: &str, pcap: &Path, keys: &Path) -> usize {
    let packets = Tshark::with_profile(keys)
        .esp_packets(pcap)
        .unwrap_or_else(|e| panic!("{e}"));
    let total = usize::try_from(2 * (PINGS + GATEWAY_PINGS)).unwrap();
    assert!(
        packets.len() >= total,
        "{tag}: {} ESP packets",
        packets.len()
    );
    for p in &packets {
        assert_eq!(p.icv_good, Some(true), "{tag}: ICV not [correct]: {p:#?}");
        assert!(
            p.inner_protocols.iter().any(|x| x == "icmp"),
            "{tag}: no ICMP inside: {p:#?}"
        );
    }
    packets.len()
}

/// The `--trace` holds ESP packets both ways, as network records the browser lab
/// replays.
fn check_trace(tag: &str, path: &Path) {
    let trace = Trace::from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
    let esp_from = |from: &str| {
        trace
            .network_events()
            .filter(|(_, n)| match n {
                NetworkEvent::Transmit {
                    from: f, datagram, ..
                } => {
                    f == from
                        && datagram.payload.len() > 4
                        && datagram.payload.get(..4).is_some_and(|spi| spi != [0; 4])
                        && [datagram.src.port(), datagram.dst.port()].contains(&4500)
                }
                _ => false,
            })
            .count()
    };
    let least = usize::try_from(PINGS).unwrap();
    assert!(
        esp_from("ikelab") >= least,
        "{tag}: ESP we sent, in the trace"
    );
    assert!(
        esp_from("gateway") >= least,
        "{tag}: ESP we received, in the trace"
    );
}
