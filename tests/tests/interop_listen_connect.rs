//! `ikelab connect` (TUN mode) to `ikelab listen`, both ends ours, in the gateway
//! lab (`interop::gateway_lab`).
//!
//! - `ikelab_connect_to_listen_with_plain_esp` (~4 s): no NAT and neither end asks
//!   for `encap`, so the CHILD SA carries plain ESP (IP protocol 50, RFC 4303): the
//!   client's log says so, both `ikelab status` show `ESP:` and not `ESP-in-UDP`,
//!   and tcpdump on the client's link sees ESP as IP protocol 50 and no UDP 4500;
//!   10 pings from the client to 203.0.113.1 all answered.
//! - `ikelab_connect_to_listen_through_a_nat_in_udp` (~4 s): the client sits behind
//!   the MASQUERADE router, so both ends find the NAT and ESP goes in UDP 4500
//!   (RFC 3948): both `ikelab status` show `ESP-in-UDP`, the gateway sees the
//!   client at the router's address on UDP 4500, the link carries no IP protocol 50;
//!   10 pings all answered.
//!
//! Interop layer: root, iproute2, iptables, ping, tcpdump, tshark; `cargo build
//! --workspace --bins --features ikelab-tests/interop` first; one test at a time.

use std::path::Path;
use std::time::Instant;

use ikelab_tests::interop::capture::Capture;
use ikelab_tests::interop::gateway_lab::config::ALICE;
use ikelab_tests::interop::gateway_lab::{
    ClientHost, ConnectConfig, GatewayLab, ListenConfig, NAT_OUTSIDE, PROTECTED_HOST, or_report,
    parse_status, ping,
};
use ikelab_tests::interop::tshark::Tshark;

/// Echo requests through the tunnel.
const PINGS: u32 = 10;

#[test]
fn ikelab_connect_to_listen_with_plain_esp() {
    let started = Instant::now();
    let lab = or_report(GatewayLab::build("lsnesp", 1, false), &[]);
    let host = lab.client(1).clone();
    let run = Run::start(&lab, &host);
    assert!(
        run.client_log.contains("ESP goes as IP protocol 50"),
        "the client's log says how ESP travels:\n{}",
        run.client_log
    );
    assert!(
        run.gateway_log
            .contains("CHILD SA 'net' up, ESP as IP protocol 50 (RFC 4303)"),
        "the gateway's log says how ESP travels:\n{}",
        run.gateway_log
    );
    assert!(
        run.client_status.contains("ESP:") && !run.client_status.contains("ESP-in-UDP"),
        "plain ESP in the client's status:\n{}",
        run.client_status
    );
    assert!(
        run.gateway.children.iter().all(|c| !c.udp_encap),
        "plain ESP in the gateway's status:\n{}",
        run.gateway_status
    );
    assert!(
        run.esp_frames >= 2 * PINGS as usize,
        "{} ESP frames (IP protocol 50) on the link",
        run.esp_frames
    );
    assert_eq!(run.udp_4500, 0, "UDP 4500 on the link without a NAT");
    eprintln!("plain ESP: {:?}", started.elapsed());
}

#[test]
fn ikelab_connect_to_listen_through_a_nat_in_udp() {
    let started = Instant::now();
    let lab = or_report(GatewayLab::build("lsnnat", 0, true), &[]);
    let host = lab.nat_client().clone();
    let run = Run::start(&lab, &host);
    assert!(
        run.gateway_log
            .contains("CHILD SA 'net' up, ESP in UDP 4500 (RFC 3948)"),
        "the gateway's log says how ESP travels:\n{}",
        run.gateway_log
    );
    assert!(
        run.client_status.contains("ESP-in-UDP"),
        "ESP in UDP in the client's status:\n{}",
        run.client_status
    );
    assert!(
        !run.gateway.children.is_empty() && run.gateway.children.iter().all(|c| c.udp_encap),
        "ESP in UDP in the gateway's status:\n{}",
        run.gateway_status
    );
    assert!(
        run.gateway
            .remote_endpoint
            .starts_with(&format!("{NAT_OUTSIDE}[")),
        "the gateway sees the router's address:\n{}",
        run.gateway_status
    );
    assert_eq!(run.esp_frames, 0, "IP protocol 50 behind a NAT");
    assert!(
        run.udp_4500 >= 2 * PINGS as usize,
        "{} ESP-in-UDP frames",
        run.udp_4500
    );
    eprintln!("through a NAT: {:?}", started.elapsed());
}

/// What one connect → listen run showed.
struct Run {
    client_log: String,
    gateway_log: String,
    client_status: String,
    gateway_status: String,
    gateway: ikelab_tests::interop::gateway_lab::StatusIkeSa,
    /// Frames of IP protocol 50 on the client's link.
    esp_frames: usize,
    /// ESP-in-UDP frames on port 4500 on the client's link.
    udp_4500: usize,
}

impl Run {
    /// Starts listen, captures on `host`'s link, runs `ikelab connect` for alice
    /// there, pings, reads both statuses, and ends both with `ikelab down`.
    fn start(lab: &GatewayLab, host: &ClientHost) -> Self {
        let listen = or_report(
            lab.start_listen(&ListenConfig::any_client(&[ALICE]), &[]),
            &[],
        );
        let pcap = lab.dir().join("link.pcap");
        let capture = or_report(Capture::start(&host.netns, "out", &pcap, None), &[&listen]);
        let client = or_report(
            lab.start_connect(host, &ConnectConfig::new(ALICE, host.addr), &[]),
            &[&listen],
        );
        let client_log = or_report(client.wait_for_log("tunnel: routes"), &[&listen]);
        or_report(
            listen.wait_for_log(&format!("client '{}' up on 'rw'", ALICE.id)),
            &[&client],
        );
        let ping = or_report(
            ping(&host.netns, None, PROTECTED_HOST, PINGS, "0.1"),
            &[&listen, &client],
        );
        assert!(
            ping.all_answered() && ping.transmitted == PINGS,
            "{}\n{}",
            ping.output,
            listen.diagnostics_with(&[&client])
        );
        let client_status = or_report(client.status_text(), &[&listen]);
        let gateway_status = or_report(listen.status_text(), &[&client]);
        let sas = parse_status(&gateway_status);
        assert_eq!(sas.len(), 1, "{gateway_status}");
        let gateway = sas[0].clone();
        assert_eq!(gateway.remote_id, ALICE.id, "{gateway_status}");
        assert!(
            gateway
                .children
                .iter()
                .any(|c| c.packets_in >= u64::from(PINGS) && c.packets_out >= u64::from(PINGS)),
            "the gateway's counters:\n{gateway_status}"
        );

        let (down, exit) = or_report(client.down(), &[&listen]);
        assert!(down.status.success() && exit.is_some(), "{down:?}");
        // A deleted SA leaves `status` at once (the engine keeps it a while only to
        // answer a retransmitted DELETE), and its route goes with it.
        or_report(
            listen.wait_for_sas("the client's SA deleted", <[_]>::is_empty),
            &[&client],
        );
        let vip = gateway.remote_vips.first().cloned().unwrap_or_default();
        let route = or_report(
            lab.run_in(&lab.gateway, "ip", &["route", "show", &vip]),
            &[],
        );
        assert!(
            route.stdout.trim().is_empty(),
            "the client's route outlived its SA: {route:?}"
        );
        let (down, exit) = or_report(listen.down(), &[]);
        assert!(
            down.status.success() && exit.and_then(|s| s.code()) == Some(0),
            "{down:?} {exit:?}\n{}",
            listen.diagnostics_with(&[])
        );
        or_report(capture.stop().map(|_| ()), &[]);
        Self {
            client_log,
            gateway_log: listen.log(),
            client_status,
            gateway_status,
            gateway,
            esp_frames: frames(&pcap, "ip.proto == 50"),
            udp_4500: frames(&pcap, "udp.port == 4500 && esp"),
        }
    }
}

/// Frames of `pcap` that match `filter`.
fn frames(pcap: &Path, filter: &str) -> usize {
    Tshark::new()
        .fields(pcap, filter, &["frame.number"])
        .unwrap_or_else(|e| panic!("{e}"))
        .len()
}
