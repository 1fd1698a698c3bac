//! `ikelab connect` carrying its tunnel as plain ESP (IP protocol 50, RFC 4303) where
//! no NAT is found and neither end asks for `encap` (RFC 7296 §2.23).
//!
//! strongSwan with kernel-libipsec, our other interop peer, only does ESP in UDP (it
//! fakes NAT detection), and this kernel has no ESP of its own. The gateway here is
//! therefore our engine on the same runtime (`engine-peer --plain-esp
//! --answer-pings`, the engine fixtures' gateway: 10.1.0.0/24 behind it, virtual IPs
//! from 10.3.0.0/24), and the wire format is checked by tshark, which decrypts the
//! packets with our `--keys` folder. Two namespaces on one link, no NAT:
//! - with CAP_NET_RAW: 20 pings through the TUN device come back; tcpdump on the link
//!   sees ESP as IP protocol 50 and no UDP 4500 at all; `ikelab status` shows the
//!   CHILD SA as plain `ESP`; tshark decrypts every ESP packet of our `--pcap` (ICV
//!   correct, ICMP inside); the gateway answered each ping;
//! - without CAP_NET_RAW (`setpriv --bounding-set -net_raw`): the log says why, ESP
//!   goes in UDP 4500 (RFC 3948) with `encap` set, and the pings still come back.
//!
//! Interop layer: root, iproute2, ping, tcpdump, tshark, setpriv; one test at a time.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ikelab_engine::sim::fixtures;
use ikelab_tests::ikelab_bin;
use ikelab_tests::interop::capture::Capture;
use ikelab_tests::interop::connect_tunnel::{TUN_NAME, wait_for_log, wait_until_dead};
use ikelab_tests::interop::engine_driver::{DriverMode, DriverRecord, EnginePeer};
use ikelab_tests::interop::netns::{Lab, Netns};
use ikelab_tests::interop::preflight;
use ikelab_tests::interop::tshark::Tshark;
use ikelab_tests::interop::workdir::WorkDir;

/// Echo requests through the tunnel.
const PINGS: usize = 20;
/// A host behind the gateway (the fixture gateway's `local_ts` is 10.1.0.0/24).
const INNER_HOST: &str = "10.1.0.1";
/// The client's and the gateway's addresses (the engine fixtures').
const CLIENT_ADDR: &str = "192.0.2.2/24";
const GATEWAY_ADDR: &str = "192.0.2.1/24";

#[test]
fn without_a_nat_the_tunnel_carries_plain_esp() {
    let run = Run::start("plainesp", None);
    let text = wait_for_log(&run.log, "tunnel: routes", run.pid);
    assert!(
        text.contains("ESP goes as IP protocol 50"),
        "the log says how ESP travels:\n{text}"
    );
    run.ping_through();

    let status = run.ikelab(&["status", "--control", run.control_str()]);
    assert!(
        status.contains("ESP:") && !status.contains("ESP-in-UDP"),
        "plain ESP in status:\n{status}"
    );
    let (ours_out, ours_in) = packet_counts(&status);
    assert!(
        ours_out >= PINGS && ours_in >= PINGS,
        "our counters {ours_out}/{ours_in}:\n{status}"
    );

    let (_dir, wire, answered) = run.finish();
    let esp_frames = frames(&wire, "ip.proto == 50");
    let udp_4500 = frames(&wire, "udp.port == 4500");
    assert!(
        esp_frames >= 2 * PINGS,
        "{esp_frames} ESP frames on the link"
    );
    assert_eq!(udp_4500, 0, "nothing in UDP 4500 without a NAT");
    assert!(answered >= PINGS, "the gateway answered {answered} pings");
}

#[test]
fn without_cap_net_raw_esp_goes_in_udp_and_says_why() {
    let run = Run::start(
        "plainraw",
        Some(("setpriv", &["--bounding-set", "-net_raw", "--"])),
    );
    let text = wait_for_log(&run.log, "tunnel: routes", run.pid);
    assert!(
        text.contains("CAP_NET_RAW") && text.contains("`encap = yes` for this run"),
        "the log says why ESP goes in UDP:\n{text}"
    );
    run.ping_through();
    let status = run.ikelab(&["status", "--control", run.control_str()]);
    assert!(status.contains("ESP-in-UDP"), "{status}");
    let (_dir, wire, answered) = run.finish();
    assert_eq!(frames(&wire, "ip.proto == 50"), 0, "no plain ESP");
    assert!(frames(&wire, "udp.port == 4500 && esp") >= 2 * PINGS);
    assert!(answered >= PINGS, "the gateway answered {answered} pings");
}

/// One client and one gateway in their namespaces, a capture on the link, and
/// `ikelab connect` running.
struct Run {
    lab: Lab,
    dir: WorkDir,
    client: Netns,
    gateway: EnginePeer,
    capture: Capture,
    pid: u32,
    log: PathBuf,
    control: PathBuf,
}

impl Run {
    fn start(tag: &str, wrapper: Option<(&str, &[&str])>) -> Self {
        preflight::require_interop_environment().unwrap_or_else(|e| panic!("{e}"));
        let dir = WorkDir::new(tag).unwrap_or_else(|e| panic!("{e}"));
        let mut lab = Lab::new(tag).unwrap_or_else(|e| panic!("{e}"));
        let client = lab.add_netns("client").unwrap();
        let gw = lab.add_netns("gw").unwrap();
        lab.link(
            (&client, "to-gw", CLIENT_ADDR),
            (&gw, "to-client", GATEWAY_ADDR),
        )
        .unwrap_or_else(|e| panic!("{e}"));

        let gateway_config = fixtures::variant(fixtures::GATEWAY, &[]).unwrap();
        let gateway_dir = dir.subdir("gateway").unwrap();
        let mut options = EnginePeer::default_options(
            &gateway_dir,
            DriverMode::Respond,
            "192.0.2.1".parse::<IpAddr>().unwrap(),
        );
        options.plain_esp = true;
        options.answer_pings = true;
        let gateway = EnginePeer::start_with(
            &mut lab,
            &gw,
            Path::new(env!("CARGO_BIN_EXE_engine-peer")),
            &gateway_config,
            options,
        )
        .unwrap_or_else(|e| panic!("{e}"));

        let capture = Capture::start(&client, "to-gw", &dir.join("link.pcap"), None)
            .unwrap_or_else(|e| panic!("{e}"));
        // The fixture client: no `encap`, a virtual IP, 10.1.0.0/24 through the tunnel.
        let config = dir
            .write("client.toml", fixtures::CLIENT)
            .unwrap_or_else(|e| panic!("{e}"));
        let (log, control) = (dir.join("ikelab.log"), dir.join("control.sock"));
        let (pcap, keys) = (dir.join("client.pcap"), dir.join("keys"));
        let path = |p: &Path| p.to_string_lossy().into_owned();
        let mut args: Vec<String> = Vec::new();
        if let Some((_, own)) = wrapper {
            args.extend(own.iter().map(ToString::to_string));
            args.push(path(&ikelab_bin()));
        }
        args.extend(
            [
                "connect",
                &path(&config),
                "--control",
                &path(&control),
                "--tun-name",
                TUN_NAME,
                "--no-dns",
                "--pcap",
                &path(&pcap),
                "--keys",
                &path(&keys),
                "-v",
            ]
            .map(str::to_owned),
        );
        let program = wrapper.map_or_else(|| path(&ikelab_bin()), |(p, _)| p.to_owned());
        let pid = lab
            .spawn_in(&client, &program, &args, &log)
            .unwrap_or_else(|e| panic!("{e}"));
        Self {
            lab,
            dir,
            client,
            gateway,
            capture,
            pid,
            log,
            control,
        }
    }

    fn control_str(&self) -> &str {
        self.control.to_str().unwrap()
    }

    /// Runs `ikelab ARGS…` in the client's namespace; its standard output.
    fn ikelab(&self, args: &[&str]) -> String {
        let out = self
            .client
            .cmd(&ikelab_bin().to_string_lossy())
            .args(args)
            .output(Duration::from_secs(20))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(out.status.success(), "ikelab {args:?}: {out:?}");
        out.stdout
    }

    /// [`PINGS`] echo requests to [`INNER_HOST`] through the TUN device, every one
    /// answered.
    fn ping_through(&self) {
        let count = PINGS.to_string();
        let out = self
            .client
            .cmd("ping")
            .args(["-n", "-c", &count, "-i", "0.05", "-W", "2", INNER_HOST])
            .output(Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            out.stdout
                .contains(&format!("{PINGS} packets transmitted, {PINGS} received")),
            "{}{}\nikelab:\n{}\ngateway:\n{}",
            out.stdout,
            out.stderr,
            std::fs::read_to_string(&self.log).unwrap_or_default(),
            self.gateway.diagnostics()
        );
    }

    /// `ikelab down`, then the link capture and how many pings the gateway answered;
    /// tshark decrypts every ESP packet of our `--pcap` with our `--keys` folder.
    /// The work directory (which holds the capture) is handed back to outlive it.
    fn finish(self) -> (WorkDir, PathBuf, usize) {
        self.ikelab(&["down", "--control", self.control_str()]);
        wait_until_dead(self.pid);
        let capture = self.capture;
        let wire = capture.pcap().to_path_buf();
        capture.stop().unwrap_or_else(|e| panic!("{e}"));
        let packets = Tshark::with_profile(self.dir.join("keys"))
            .esp_packets(&self.dir.join("client.pcap"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(packets.len() >= 2 * PINGS, "{} ESP packets", packets.len());
        for p in &packets {
            assert_eq!(p.icv_good, Some(true), "ICV not [correct]: {p:#?}");
            assert!(
                p.inner_protocols.iter().any(|x| x == "icmp"),
                "no ICMP inside: {p:#?}"
            );
        }
        let answered = self
            .gateway
            .records()
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .filter(|r| matches!(r, DriverRecord::PingAnswered { .. }))
            .count();
        self.lab.close().unwrap_or_else(|e| panic!("{e}"));
        (self.dir, wire, answered)
    }
}

/// Frames of `pcap` that match `filter`.
fn frames(pcap: &Path, filter: &str) -> usize {
    Tshark::new()
        .fields(pcap, filter, &["frame.number"])
        .unwrap_or_else(|e| panic!("{e}"))
        .len()
}

/// The CHILD SA's packets out and in from `ikelab status` (its counter lines,
/// `in  1a2b3c4d,   1234 bytes,    12 packets`).
fn packet_counts(status: &str) -> (usize, usize) {
    let count = |prefix: &str| -> usize {
        status
            .lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .and_then(|line| {
                line.split(',')
                    .find_map(|p| p.trim().strip_suffix(" packets")?.trim().parse().ok())
            })
            .unwrap_or_else(|| panic!("no `{prefix}` packet count in {status}"))
    };
    (count("out "), count("in "))
}
