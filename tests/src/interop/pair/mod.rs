//! A complete strongSwan ↔ strongSwan IKEv2 run between two namespaces, captured.
//!
//! Topology (RFC 5737 documentation addresses only, inside the namespaces):
//!
//! ```text
//! direct:   [ini] 192.0.2.2 ──veth── 192.0.2.1 [res]  lo: 203.0.113.1 (protected net 203.0.113.0/25)
//! with NAT: [ini] 192.0.2.2 ── 192.0.2.1 [nat] 198.51.100.2 ── 198.51.100.1 [res]
//!                                   MASQUERADE out of `wan`
//! ```
//!
//! The responder ("gateway") assigns virtual IPs from 203.0.113.128/25, so the initiator's
//! IKE_AUTH carries a CP request and the response a CP reply. The run is IKE_SA_INIT,
//! IKE_AUTH with one CHILD_SA, a few pings from the virtual IP to 203.0.113.1 through the
//! tunnel (ESP in UDP), then `swanctl --terminate` (an INFORMATIONAL Delete). charon
//! uses kernel-libipsec, which fakes NAT detection, so IKE_AUTH onwards runs on UDP 4500 even
//! without a NAT (TOOLCHAIN.md).

mod oracle;
mod topology;

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::capture::{Capture, CaptureSummary};
use super::error::{InteropError, Result};
use super::netns::{Lab, Netns};
use super::preflight::require_interop_environment;
use super::strongswan::{Charon, IkeSaStatus};
use super::workdir::WorkDir;

pub use oracle::KeyDerivationOracle;
use topology::{build_topology, initiator_conf, responder_conf};

/// The two suites the issues name: (IKE proposal, ESP proposal).
pub const SUITES: &[(&str, &str)] = &[
    ("aes256gcm16-prfsha256-x25519", "aes256gcm16"),
    ("aes128-sha256-modp2048", "aes128-sha256"),
];

/// The gateway's protected network (its `lo` holds 203.0.113.1).
pub const PROTECTED_NET: &str = "203.0.113.0/25";
/// The address behind the gateway that pings go to.
pub const PROTECTED_HOST: &str = "203.0.113.1";
/// The gateway's virtual IP pool.
pub const VIP_POOL: &str = "203.0.113.128/25";
/// Identity of the initiator (the road-warrior client).
pub const INITIATOR_ID: &str = "cl.example";
/// Identity of the responder (the gateway).
pub const RESPONDER_ID: &str = "gw.example";
/// Connection name on the initiator.
pub const INITIATOR_CONN: &str = "cl";
/// Connection name on the responder.
pub const RESPONDER_CONN: &str = "gw";
/// CHILD_SA name on both sides.
pub const CHILD_NAME: &str = "net";

/// How long IKE_SA_INIT + IKE_AUTH may take (charon's own retransmissions included).
const INITIATE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the Delete exchange may take.
const TERMINATE_TIMEOUT: Duration = Duration::from_secs(15);

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairOptions {
    /// Short tag for namespace and directory names (lowercase letters and digits).
    pub tag: String,
    /// IKE proposal, strongSwan syntax, used on both sides.
    pub ike_proposal: String,
    /// ESP proposal, strongSwan syntax, used on both sides.
    pub esp_proposal: String,
    /// Route the initiator through a MASQUERADE router namespace.
    pub through_nat: bool,
    /// The initiator's PSK.
    pub psk: String,
    /// The responder's PSK; `None` means the same as the initiator's. A different one makes
    /// authentication fail (AUTHENTICATION_FAILED).
    pub responder_psk: Option<String>,
    /// ICMP echo requests sent through the tunnel once it is up (0: none). Every one must be
    /// answered.
    pub pings: u32,
}

impl PairOptions {
    /// Direct link, the same PSK on both sides.
    pub fn new(tag: &str, ike_proposal: &str, esp_proposal: &str) -> Self {
        Self {
            tag: tag.to_owned(),
            ike_proposal: ike_proposal.to_owned(),
            esp_proposal: esp_proposal.to_owned(),
            through_nat: false,
            psk: "ikelab-interop-psk".to_owned(),
            responder_psk: None,
            pings: 3,
        }
    }
}

/// Wall-clock cost of each phase of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairTimings {
    /// Namespaces, links, capture start, both charons up and configured.
    pub setup: Duration,
    /// `swanctl --initiate` (IKE_SA_INIT + IKE_AUTH + CHILD_SA install).
    pub initiate: Duration,
    /// `swanctl --terminate` (INFORMATIONAL Delete).
    pub terminate: Duration,
    /// Stopping capture and daemons, deleting namespaces.
    pub teardown: Duration,
    /// Everything, preflight included.
    pub total: Duration,
}

/// The artifacts of a finished run. Namespaces and processes are already gone; the files
/// live in [`PairRun::workdir`] until this value is dropped.
#[derive(Debug)]
pub struct PairRun {
    /// What was run.
    pub options: PairOptions,
    /// The capture, taken with `tcpdump -i any` in the initiator's namespace (SLL2).
    pub pcap: PathBuf,
    /// tcpdump's account of the capture.
    pub capture: CaptureSummary,
    /// The initiator charon's file log.
    pub initiator_log: String,
    /// The responder charon's file log.
    pub responder_log: String,
    /// `swanctl --list-sas` on the initiator once the CHILD_SA was up.
    pub initiator_sas: Vec<IkeSaStatus>,
    /// `swanctl --list-sas` on the responder once the CHILD_SA was up.
    pub responder_sas: Vec<IkeSaStatus>,
    /// What `ping` printed (empty when no pings were asked for).
    pub ping_output: String,
    /// The initiator's address (as it sees itself).
    pub initiator_addr: IpAddr,
    /// The responder's address.
    pub responder_addr: IpAddr,
    /// Names of the namespaces the run created (all deleted by now).
    pub namespaces: Vec<String>,
    /// Process ids of the charons and tcpdump the run started (all stopped by now).
    pub pids: Vec<u32>,
    /// Phase durations.
    pub timings: PairTimings,
    /// The directory holding the pcap, logs and configuration files.
    pub workdir: WorkDir,
}

/// Runs the suite `ike_proposal` / `esp_proposal` on a direct link with tag `tag`.
pub fn strongswan_pair_exchange(
    tag: &str,
    ike_proposal: &str,
    esp_proposal: &str,
) -> Result<PairRun> {
    run_pair(&PairOptions::new(tag, ike_proposal, esp_proposal))
}

/// Runs one strongSwan ↔ strongSwan exchange as `options` say and returns its artifacts.
///
/// Everything the run creates is removed before it returns, on success and on error alike
/// (the work directory only when the returned [`PairRun`] is dropped).
pub fn run_pair(options: &PairOptions) -> Result<PairRun> {
    let started = Instant::now();
    require_interop_environment()?;
    let workdir = WorkDir::new(&options.tag)?;
    let mut lab = Lab::new(&options.tag)?;
    let topology = build_topology(&mut lab, options.through_nat)?;
    let namespaces = lab.netns_names();

    let pcap = workdir.join("exchange.pcap");
    let capture = Capture::start(&topology.initiator, "any", &pcap, None)?;
    let responder = Charon::start(&topology.responder, &workdir.join("responder"), |c| c)?;
    let initiator = Charon::start(&topology.initiator, &workdir.join("initiator"), |c| c)?;
    let pids: Vec<u32> = [capture.pid(), responder.pid(), initiator.pid()]
        .into_iter()
        .flatten()
        .collect();
    responder.load_all(&responder_conf(options, &topology))?;
    initiator.load_all(&initiator_conf(options, &topology))?;
    let setup = started.elapsed();

    let t = Instant::now();
    initiator
        .initiate(INITIATOR_CONN, CHILD_NAME, INITIATE_TIMEOUT)
        .map_err(|e| with_peer_log(e, &responder))?;
    let initiate = t.elapsed();
    let established = |sas: &[IkeSaStatus]| {
        sas.iter().any(|sa| {
            sa.state == "ESTABLISHED" && sa.children.iter().any(|c| c.state == "INSTALLED")
        })
    };
    let initiator_sas = initiator.wait_for_sas(
        "the initiator's CHILD_SA",
        Duration::from_secs(5),
        established,
    )?;
    let responder_sas = responder.wait_for_sas(
        "the responder's CHILD_SA",
        Duration::from_secs(5),
        established,
    )?;
    let ping_output = ping_through_tunnel(&topology.initiator, options.pings)?;

    let t = Instant::now();
    initiator
        .terminate_ike(INITIATOR_CONN, TERMINATE_TIMEOUT)
        .map_err(|e| with_peer_log(e, &responder))?;
    let terminate = t.elapsed();
    responder.wait_for_sas(
        "the responder to delete the IKE_SA",
        Duration::from_secs(5),
        |sas| sas.is_empty(),
    )?;

    let t = Instant::now();
    // Eight IKE datagrams at least (four exchanges); the file may also hold ARP and IPv6 noise.
    capture.wait_for_packets(8, Duration::from_secs(2));
    let capture = capture.stop()?;
    let initiator_log = initiator.stop()?;
    let responder_log = responder.stop()?;
    lab.close()?;
    let teardown = t.elapsed();

    Ok(PairRun {
        options: options.clone(),
        pcap,
        capture,
        initiator_log,
        responder_log,
        initiator_sas,
        responder_sas,
        ping_output,
        initiator_addr: topology.initiator_addr,
        responder_addr: topology.responder_addr,
        namespaces,
        pids,
        timings: PairTimings {
            setup,
            initiate,
            terminate,
            teardown,
            total: started.elapsed(),
        },
        workdir,
    })
}

/// Sends `count` echo requests from the initiator's namespace to [`PROTECTED_HOST`]; the
/// kernel routes them into charon's TUN device (kernel-libipsec), so they cross as ESP.
fn ping_through_tunnel(initiator: &Netns, count: u32) -> Result<String> {
    if count == 0 {
        return Ok(String::new());
    }
    let count_text = count.to_string();
    let cmd = initiator.cmd("ping").args([
        "-n",
        "-c",
        &count_text,
        "-i",
        "0.2",
        "-W",
        "3",
        PROTECTED_HOST,
    ]);
    let output = cmd.output(Duration::from_secs(u64::from(count) + 10))?;
    let expected = format!("{count} packets transmitted, {count} received");
    if output.status.success() && output.stdout.contains(&expected) {
        Ok(output.stdout)
    } else {
        Err(cmd.failed(&output))
    }
}

/// Appends the other charon's log tail to a failed swanctl command's error.
fn with_peer_log(error: InteropError, peer: &Charon) -> InteropError {
    match error {
        InteropError::CommandFailed {
            command,
            status,
            stdout,
            stderr,
        } => InteropError::CommandFailed {
            command,
            status,
            stdout,
            stderr: format!("{stderr}\n--- peer ---\n{}", peer.diagnostics()),
        },
        other => other,
    }
}
