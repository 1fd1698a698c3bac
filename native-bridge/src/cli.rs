//! The command line, declared with clap's derive API.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const ABOUT: &str = "IKElab's native bridge: the IKElab IKEv2/ESP engine over real sockets.";

const AFTER_HELP: &str = "\
Exit codes:
  0  success
  1  the command ran but its outcome was a failure
  2  usage error (bad command line)
  3  an input file could not be read or parsed (the capture, the --keys table, or a scenario)
  4  a simulated scenario ended differently from its [expect]
  5  connect, listen, reload: the configuration is invalid (the key and the reason are printed)
  6  connect, listen: a local UDP port could not be bound (in use, or not permitted)
  7  connect: the gateway did not answer within the retransmission budget
  8  connect: authentication failed (AUTHENTICATION_FAILED, or the gateway's AUTH did not verify)
  9  connect: no proposal chosen (NO_PROPOSAL_CHOSEN)
  10  connect: the traffic selectors were refused (TS_UNACCEPTABLE)
  11  connect: the gateway requires a configuration payload (FAILED_CP_REQUIRED)
  12  connect, listen: the tunnel could not be set up (TUN device, route or DNS; the reason is printed)
  13  status, down, reload: no instance is running on the control socket
  14  connect, listen: another instance is running on the same control socket";

/// `ikelab` — top-level arguments.
#[derive(Debug, Parser)]
#[command(
    name = "ikelab",
    version = ikelab_engine::VERSION,
    about = ABOUT,
    after_help = AFTER_HELP,
    arg_required_else_help = true
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Explain every IKEv2 message and ESP packet of a capture (pcap or pcapng).
    ///
    /// Finds IKE on UDP 500, IKE after the Non-ESP Marker on UDP 4500, ESP in UDP,
    /// ESP (IP protocol 50) and NAT-keepalives, and prints each as an annotated tree:
    /// frame, time, addresses, then every field with its value and meaning. With
    /// `--keys DIR` (a Wireshark profile folder) SK payloads are decrypted and their
    /// inner payloads explained too.
    #[command(after_help = AFTER_HELP)]
    Dissect(DissectArgs),
    /// Play a scenario in the deterministic simulator and print what happened.
    ///
    /// Both peers and the network run in this process on a virtual clock: the same
    /// scenario and seed give the same bytes every time. Prints a transcript in the
    /// style of charon's log (messages sent and parsed, proposals selected, keys
    /// derived, SAs established, drops and NAT rewrites), then checks the
    /// scenario's [expect]: exit 0 if the outcome is as expected, 4 if not.
    #[command(after_help = AFTER_HELP)]
    Sim(SimArgs),
    /// Connect to a gateway as an IKEv2 initiator, over real UDP.
    ///
    /// Reads CONFIG (a PeerConfig in TOML, README "Configuration"), establishes the
    /// IKE SA and the CHILD SA of its first [children.NAME], logs each step in the
    /// words of `ikelab sim`, and stays up until SIGINT or SIGTERM; then it deletes
    /// the IKE SA (INFORMATIONAL with DELETE, RFC 7296 §1.4.1), waits up to 2 s for
    /// the answer and exits 0. Only `--no-tun` exists so far: IKE on two ephemeral
    /// UDP ports (the IKE port and the NAT-T port), without root, and no traffic
    /// through the tunnel.
    #[command(after_help = AFTER_HELP)]
    Connect(ConnectArgs),
    /// Be a gateway: answer IKEv2 clients over real UDP, several at once.
    ///
    /// Reads CONFIG (README "A gateway: ikelab listen"): connections as
    /// [connections.NAME], each a responder PeerConfig; address pools as
    /// [pools.NAME]; one pre-shared key per client identity as [secrets.NAME] with
    /// `id` and `secret`. Binds UDP 500 and 4500 on one address (--local, else the
    /// first address of the connections' local_addrs) and a raw socket for plain ESP,
    /// opens one TUN device and routes each client's virtual IP (its CHILD SA's
    /// selectors) into it while the client is up. Clients reach the gateway's
    /// networks, not each other. `ikelab reload` or SIGHUP re-reads CONFIG without
    /// dropping a client; SIGINT, SIGTERM or `ikelab down` delete every IKE SA and
    /// end the run. The host must forward packets (net.ipv4.ip_forward = 1) for
    /// clients to reach networks behind it.
    #[command(after_help = AFTER_HELP)]
    Listen(ListenArgs),
    /// Make the running `ikelab listen` re-read its configuration file.
    ///
    /// Added connections take new clients, removed ones refuse new clients, changed
    /// ones apply to new clients; established SAs stay up. A file with any problem
    /// is refused whole: the problems are printed (key and reason), the running
    /// configuration stays and the exit code is 5. The same as SIGHUP.
    #[command(after_help = AFTER_HELP)]
    Reload(ControlArgs),
    /// Show the running instance's IKE and CHILD SAs, as `swanctl --list-sas` does.
    ///
    /// Asks the `ikelab connect` or `ikelab listen` listening on the control socket (--control, or the
    /// default path) for its SAs: state, SPIs, addresses, identities, algorithms,
    /// time since established and lifetimes left, the ESP byte and packet counters,
    /// and the traffic selectors. Exit code 13 when no instance runs there.
    #[command(after_help = AFTER_HELP)]
    Status(ControlArgs),
    /// End the running instance cleanly, as SIGTERM does.
    ///
    /// The instance deletes its IKE SAs (INFORMATIONAL with DELETE, RFC 7296 §1.4.1),
    /// waits up to 2 s for the answer, writes its trace and exits; `down` returns 0
    /// once it has gone. Exit code 13 when no instance runs there.
    #[command(after_help = AFTER_HELP)]
    Down(ControlArgs),
}

/// The control socket's path, shared by `connect`, `listen`, `status`, `down` and
/// `reload`.
const CONTROL_HELP: &str = "The control socket (default: $XDG_RUNTIME_DIR/ikelab/ikelab.sock, \
else /run/ikelab/ikelab.sock for root, else /tmp/ikelab-UID/ikelab.sock)";

/// `ikelab status` and `ikelab down` — arguments.
#[derive(Debug, Args)]
pub(crate) struct ControlArgs {
    #[arg(long, value_name = "PATH", help = CONTROL_HELP)]
    pub(crate) control: Option<PathBuf>,
}

/// `ikelab connect CONFIG.toml` — arguments.
#[derive(Debug, Args)]
pub(crate) struct ConnectArgs {
    /// The connection: a PeerConfig file (TOML) for the initiator side.
    #[arg(value_name = "CONFIG")]
    pub(crate) config: PathBuf,
    /// IKE only, without a TUN device, routes or DNS: binds ephemeral UDP ports,
    /// needs no root. (Without it: UDP 500 and 4500 and a TUN device, which need
    /// root or CAP_NET_ADMIN and CAP_NET_BIND_SERVICE.)
    #[arg(long)]
    pub(crate) no_tun: bool,
    /// The TUN device's name (`%d`: the first free number).
    #[arg(long, value_name = "NAME", default_value = crate::tunnel::device::DEFAULT_NAME, conflicts_with = "no_tun")]
    pub(crate) tun_name: String,
    /// The TUN device's MTU: 1400 leaves room for the IPv4, UDP and ESP headers of
    /// a 1500-octet path (RFC 3948, RFC 4303).
    #[arg(long, value_name = "OCTETS", default_value_t = 1400, value_parser = clap::value_parser!(u16).range(1280..=9000), conflicts_with = "no_tun")]
    pub(crate) mtu: u16,
    /// When the gateway goes away (no answer, failed liveness checks, its DELETE),
    /// connect again: after 1 s, then doubling up to 30 s while attempts fail. The
    /// tunnel stays up in between, so nothing leaves beside it; authentication and
    /// proposal failures still end the run.
    #[arg(long)]
    pub(crate) reconnect: bool,
    /// Leave the host's DNS settings alone (the gateway's DNS servers are only
    /// logged).
    #[arg(long, conflicts_with = "no_tun")]
    pub(crate) no_dns: bool,
    /// Our address (replaces `local_addrs`), optionally with the IKE port to bind
    /// (default: an ephemeral port with --no-tun, else 500 and NAT-T 4500; port 0:
    /// ephemeral ports for both). Without it, the first address of `local_addrs`,
    /// or the address the host routes to the gateway from.
    #[arg(long, value_name = "ADDR[:PORT]")]
    pub(crate) local: Option<String>,
    /// The gateway's address (replaces `remote_addrs`), optionally with its IKE port
    /// (replaces `remote_port`, default 500).
    #[arg(long, value_name = "ADDR[:PORT]")]
    pub(crate) remote: Option<String>,
    /// Write the Wireshark key tables into DIR as the keys appear (a profile folder:
    /// `WIRESHARK_CONFIG_DIR=DIR tshark`), and put key records in the --trace.
    /// Without it no secret leaves the engine.
    #[arg(long, value_name = "DIR")]
    pub(crate) keys: Option<PathBuf>,
    /// At the end, write the trace (JSON, schema ikelab-trace/2, source "bridge"):
    /// this peer's events and every datagram its sockets sent or received.
    #[arg(long, value_name = "FILE")]
    pub(crate) trace: Option<PathBuf>,
    /// Write a pcap of every datagram our sockets send or receive (IKE, ESP in UDP,
    /// keep-alives) to FILE as it happens; `ikelab dissect FILE --keys DIR` or
    /// Wireshark decrypt it with the --keys folder.
    #[arg(long, value_name = "FILE")]
    pub(crate) pcap: Option<PathBuf>,
    /// Also log timer changes and every datagram on the sockets.
    #[arg(short, long, conflicts_with = "quiet")]
    pub(crate) verbose: bool,
    /// Log warnings only (errors are printed either way).
    #[arg(short, long)]
    pub(crate) quiet: bool,
    // The socket `ikelab status` and `ikelab down` reach this instance on
    // (owner-only; one instance per path).
    #[arg(long, value_name = "PATH", help = CONTROL_HELP)]
    pub(crate) control: Option<PathBuf>,
}

/// `ikelab listen CONFIG.toml` — arguments.
#[derive(Debug, Args)]
pub(crate) struct ListenArgs {
    /// The gateway: connections, pools and secrets (TOML).
    #[arg(value_name = "CONFIG")]
    pub(crate) config: PathBuf,
    /// IKE only, without a TUN device or routes: binds ephemeral UDP ports unless
    /// --local gives one, needs no root. (Without it: UDP 500 and 4500, a raw socket
    /// and a TUN device, which need root or CAP_NET_ADMIN, CAP_NET_RAW and
    /// CAP_NET_BIND_SERVICE.)
    #[arg(long)]
    pub(crate) no_tun: bool,
    /// The TUN device's name (`%d`: the first free number).
    #[arg(long, value_name = "NAME", default_value = crate::tunnel::device::DEFAULT_NAME, conflicts_with = "no_tun")]
    pub(crate) tun_name: String,
    /// The TUN device's MTU.
    #[arg(long, value_name = "OCTETS", default_value_t = 1400, value_parser = clap::value_parser!(u16).range(1280..=9000), conflicts_with = "no_tun")]
    pub(crate) mtu: u16,
    /// The address to answer on, optionally with the IKE port (default 500 and
    /// NAT-T 4500; an ephemeral port with --no-tun; port 0: ephemeral ports for
    /// both). Without it, the first single address of the connections' local_addrs.
    #[arg(long, value_name = "ADDR[:PORT]")]
    pub(crate) local: Option<String>,
    /// Write the Wireshark key tables of every client's SAs into DIR as they
    /// appear, and put key records in the --trace.
    #[arg(long, value_name = "DIR")]
    pub(crate) keys: Option<PathBuf>,
    /// At the end, write the trace (JSON, schema ikelab-trace/2, source "bridge").
    #[arg(long, value_name = "FILE")]
    pub(crate) trace: Option<PathBuf>,
    /// Write a pcap of every datagram our sockets send or receive to FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) pcap: Option<PathBuf>,
    /// Also log timer changes and every datagram on the sockets.
    #[arg(short, long, conflicts_with = "quiet")]
    pub(crate) verbose: bool,
    /// Log warnings only (errors are printed either way).
    #[arg(short, long)]
    pub(crate) quiet: bool,
    // The socket `ikelab status`, `down` and `reload` reach this instance on.
    #[arg(long, value_name = "PATH", help = CONTROL_HELP)]
    pub(crate) control: Option<PathBuf>,
}

/// `ikelab sim SCENARIO` — arguments.
#[derive(Debug, Args)]
pub(crate) struct SimArgs {
    /// A scenario file (TOML, schema in assets/scenarios/README.md) or the name of a
    /// bundled scenario.
    #[arg(value_name = "SCENARIO", required_unless_present = "list")]
    pub(crate) scenario: Option<String>,
    /// List the bundled scenarios (name and title) and exit.
    #[arg(long, conflicts_with = "scenario")]
    pub(crate) list: bool,
    /// The seed of the run (default: the scenario's own).
    #[arg(long, value_name = "N")]
    pub(crate) seed: Option<u64>,
    /// Write the trace (JSON, schema ikelab-trace/2) to FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) trace: Option<PathBuf>,
    /// Write a pcap of every datagram on the virtual links to FILE (IPv4/UDP with
    /// the simulated addresses, timestamps at the scenario's calendar time).
    #[arg(long, value_name = "FILE")]
    pub(crate) pcap: Option<PathBuf>,
    /// Write the Wireshark key tables of the run into DIR (a profile folder:
    /// `WIRESHARK_CONFIG_DIR=DIR tshark -r FILE` decrypts the pcap).
    #[arg(long, value_name = "DIR")]
    pub(crate) keys: Option<PathBuf>,
    /// Also print timer changes and every transmission on the links.
    #[arg(long)]
    pub(crate) verbose: bool,
}

/// `ikelab dissect FILE` — arguments.
#[derive(Debug, Args)]
pub(crate) struct DissectArgs {
    /// The capture: pcap or pcapng; Ethernet, Linux cooked (SLL, SLL2), raw IP or
    /// loopback link types.
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
    /// Print one JSON document instead of text (schema in `ikelab dissect`'s docs).
    #[arg(long)]
    pub(crate) json: bool,
    /// Show each field's byte range ([start..end), offsets into the message).
    #[arg(long)]
    pub(crate) ranges: bool,
    /// Also dissect the IP and UDP headers (ranges then count from the IP header).
    #[arg(long)]
    pub(crate) layers: bool,
    /// Leave out the one-sentence meaning of each field.
    #[arg(long)]
    pub(crate) brief: bool,
    /// Also list the frames that hold no IKE or ESP, with the reason.
    #[arg(long)]
    pub(crate) all: bool,
    /// Decrypt SK payloads and ESP with the keys of a Wireshark profile folder.
    ///
    /// DIR holds `ikev2_decryption_table`, as `WIRESHARK_CONFIG_DIR=DIR tshark` reads
    /// it: one IKE SA per line,
    /// `SPIi,SPIr,SK_ei,SK_er,"<encryption>",SK_ai,SK_ar,"<integrity>"`, hex bare,
    /// tshark's algorithm names quoted. The inner payloads (IDi, AUTH, SA, TSi, TSr,
    /// CP, ...) are then shown decrypted. A payload with no entry for its SPIs, or
    /// whose ICV fails with the entry's keys, stays encrypted with a note saying
    /// which (exit code 0); a malformed table line exits 3, naming the line.
    /// `esp_sa`, when present (one ESP SA per line,
    /// `"IPv4","<src>","<dst>","0x<spi>","<encryption>","0x<key>","<authentication>","0x<key>"`),
    /// decrypts ESP packets: their inner packet is shown; a packet with no matching
    /// line or a failing ICV stays encrypted. `preferences` is not read.
    #[arg(long, value_name = "DIR")]
    pub(crate) keys: Option<PathBuf>,
}
