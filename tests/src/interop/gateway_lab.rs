//! A gateway and its clients on one Ethernet segment, for `ikelab listen` (one
//! IKEv2 responder for many clients) against strongSwan road warriors and
//! `ikelab connect`.
//!
//! Topology (RFC 5737 documentation addresses, inside the namespaces only):
//!
//! ```text
//!                    switch namespace: Linux bridge br0
//!        ┌──────────────┬──────────────┬──────────────┬───────────────┐
//!   192.0.2.1/24   192.0.2.11/24  192.0.2.12/24       …     192.0.2.20/24 (optional)
//!     [gw] out        [c1] out       [c2] out               [nat] wan  MASQUERADE out of wan
//!     [gw] in 203.0.113.126/25                              [nat] lan 198.51.100.1/24
//!          │                                                     │
//!     [lan] 203.0.113.1/25, default via .126             [natc] 198.51.100.2/24,
//!           (the protected host)                                default via .1
//! ```
//!
//! The gateway namespace forwards (the test's job, not the gateway's); the client
//! namespaces have no route to 203.0.113.0/24 of their own, so anything they reach
//! there went through a tunnel. Virtual IPs come from 203.0.113.128/25, outside the
//! `lan` link, so `lan` answers them through the gateway.
//!
//! - [`config`]: the `ikelab listen` configuration (and the same data as a charon
//!   gateway's swanctl.conf), `ikelab connect`'s client configuration.
//! - [`listen`]: `ikelab listen` in the gateway namespace (its log, `status`,
//!   `reload`, `down`), `ikelab connect` in a client namespace.
//! - [`roadwarrior`]: a strongSwan client (charon + swanctl) and pings.
//! - [`status`]: `ikelab status` read back.

pub mod config;
pub mod listen;
pub mod roadwarrior;
pub mod status;

use std::net::IpAddr;
use std::time::Duration;

use super::cmd::{Cmd, CmdOutput};
use super::error::{InteropError, Result};
use super::netns::{Lab, Netns};
use super::preflight::require_interop_environment;
use super::workdir::WorkDir;

pub use config::{Client, ConnectConfig, GatewayConnection, ListenConfig};
pub use listen::{ConnectClient, Listen};
pub use roadwarrior::{BackgroundPing, Ping, Roadwarrior, ping};
pub use status::{StatusChildSa, StatusIkeSa, dropped_between_clients, parse_status};

/// The gateway's outside address (IKE, NAT-T and plain ESP).
pub const GATEWAY_ADDR: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
/// The gateway's identity.
pub const GATEWAY_ID: &str = "gw.example";
/// The gateway's inside address, the `lan` host's default route.
pub const GATEWAY_INSIDE: &str = "203.0.113.126";
/// The protected host in the `lan` namespace.
pub const PROTECTED_HOST: &str = "203.0.113.1";
/// The network behind the gateway (the clients' `remote_ts`).
pub const PROTECTED_NET: &str = "203.0.113.0/25";
/// The protected network and the virtual IPs together: a client whose `remote_ts`
/// is this sends packets to other clients' virtual IPs into its tunnel.
pub const PROTECTED_AND_POOL: &str = "203.0.113.0/24";
/// The virtual IP pool.
pub const VIP_POOL: &str = "203.0.113.128/25";
/// The DNS server the pool hands out.
pub const POOL_DNS: &str = "203.0.113.53";
/// The NAT router's outside address: what the gateway sees of the client behind it.
pub const NAT_OUTSIDE: &str = "192.0.2.20";
/// The client behind the NAT router.
pub const NAT_CLIENT: &str = "198.51.100.2";

/// Time limit of one `ip` call or short command.
const SHORT: Duration = Duration::from_secs(10);

/// A namespace that holds a client, with its address and the address the gateway
/// sees it at (the NAT router's outside address for the client behind it).
#[derive(Debug, Clone)]
pub struct ClientHost {
    /// The namespace.
    pub netns: Netns,
    /// The client's own address.
    pub addr: IpAddr,
    /// Its address as the gateway sees it.
    pub seen_as: IpAddr,
}

/// The namespaces of one gateway test and its work directory. Dropping it stops
/// everything still running in the namespaces and deletes them (and then the work
/// directory, unless `IKELAB_KEEP_ARTIFACTS` is set).
#[derive(Debug)]
pub struct GatewayLab {
    lab: Lab,
    dir: WorkDir,
    /// The bridge's namespace.
    pub switch: Netns,
    /// The gateway (`ikelab listen` or a charon standing in for it).
    pub gateway: Netns,
    /// The protected host, 203.0.113.1.
    pub lan: Netns,
    /// Clients on the segment: 192.0.2.11, .12, …
    pub clients: Vec<ClientHost>,
    /// The MASQUERADE router, if asked for.
    pub router: Option<Netns>,
    /// The client behind the router, if asked for.
    pub behind_nat: Option<ClientHost>,
}

impl GatewayLab {
    /// Builds the topology for the test tagged `tag` (lowercase letters and digits,
    /// at most 12) with `clients` clients on the segment (at most 8) and, with `nat`,
    /// a router with one client behind it.
    pub fn build(tag: &str, clients: usize, nat: bool) -> Result<Self> {
        require_interop_environment()?;
        if clients > 8 {
            return Err(InteropError::InvalidInput {
                detail: format!("{clients} clients: at most 8"),
            });
        }
        let dir = WorkDir::new(tag)?;
        let mut lab = Lab::new(tag)?;
        let switch = lab.add_netns("sw")?;
        switch.ip(["link", "add", "br0", "type", "bridge"])?;
        switch.link_up("br0")?;

        let gateway = lab.add_netns("gw")?;
        plug(&lab, &switch, "gw", &gateway, &format!("{GATEWAY_ADDR}/24"))?;
        let lan = lab.add_netns("lan")?;
        lab.link(
            (&gateway, "in", &format!("{GATEWAY_INSIDE}/25")),
            (&lan, "out", &format!("{PROTECTED_HOST}/25")),
        )?;
        lan.route_add("default", GATEWAY_INSIDE.parse().expect("an address"))?;
        gateway.enable_forwarding()?;

        let mut hosts = Vec::new();
        for n in 1..=clients {
            let netns = lab.add_netns(&format!("c{n}"))?;
            let addr = IpAddr::from([192, 0, 2, 10 + u8::try_from(n).expect("at most 8")]);
            plug(
                &lab,
                &switch,
                &format!("c{n}"),
                &netns,
                &format!("{addr}/24"),
            )?;
            hosts.push(ClientHost {
                netns,
                addr,
                seen_as: addr,
            });
        }

        let (router, behind_nat) = if nat {
            let router = lab.add_netns("nat")?;
            plug(&lab, &switch, "nat", &router, &format!("{NAT_OUTSIDE}/24"))?;
            let natc = lab.add_netns("natc")?;
            lab.link(
                (&router, "lan", "198.51.100.1/24"),
                (&natc, "out", &format!("{NAT_CLIENT}/24")),
            )?;
            router.enable_forwarding()?;
            router.masquerade("wan")?;
            natc.route_add("default", IpAddr::from([198, 51, 100, 1]))?;
            let host = ClientHost {
                netns: natc,
                addr: NAT_CLIENT.parse().expect("an address"),
                seen_as: NAT_OUTSIDE.parse().expect("an address"),
            };
            (Some(router), Some(host))
        } else {
            (None, None)
        };
        Ok(Self {
            lab,
            dir,
            switch,
            gateway,
            lan,
            clients: hosts,
            router,
            behind_nat,
        })
    }

    /// The work directory (configurations, logs, control sockets).
    pub fn dir(&self) -> &WorkDir {
        &self.dir
    }

    /// Client `n` on the segment (1-based: client 1 is 192.0.2.11).
    pub fn client(&self, n: usize) -> &ClientHost {
        &self.clients[n - 1]
    }

    /// The client behind the NAT router; panics if the lab has none.
    pub fn nat_client(&self) -> &ClientHost {
        self.behind_nat
            .as_ref()
            .expect("the lab was built with a NAT router")
    }

    /// Runs `program args…` in `netns` (at most 30 s) and returns what it printed,
    /// whatever its exit status.
    pub fn run_in(&self, netns: &Netns, program: &str, args: &[&str]) -> Result<CmdOutput> {
        netns
            .cmd(program)
            .args(args)
            .output(Duration::from_secs(30))
    }

    /// Deletes everything now and reports leftovers (drop does the same, quietly).
    pub fn close(self) -> Result<()> {
        self.lab.close()
    }
}

/// Connects `netns` to the bridge: a veth pair `out` (`wan` for the router; in
/// `netns`, with `cidr`) ↔
/// `port` (in the switch, enslaved to `br0`), both up.
fn plug(lab: &Lab, switch: &Netns, port: &str, netns: &Netns, cidr: &str) -> Result<()> {
    let ifname = if port == "nat" { "wan" } else { "out" };
    lab.veth(netns, ifname, switch, port)?;
    switch.ip(["link", "set", "dev", port, "master", "br0"])?;
    switch.link_up(port)?;
    netns.addr_add(ifname, cidr)?;
    netns.link_up(ifname)
}

/// `ip route add|del DESTINATION via VIA` in `netns` (a temporary route for a check).
pub fn route(netns: &Netns, action: &str, destination: &str, via: &str) -> Result<()> {
    Cmd::in_netns(netns.name(), "ip")
        .args(["route", action, destination, "via", via])
        .run(SHORT)
        .map(|_| ())
}

/// Whether `addr` is in [`VIP_POOL`] (203.0.113.128/25).
pub fn in_pool(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => v4.octets()[..3] == [203, 0, 113] && v4.octets()[3] >= 128,
        IpAddr::V6(_) => false,
    }
}

/// Something that can say what it saw, for a failing test's message.
pub trait Diagnose {
    /// Log tails and state, several lines.
    fn diagnostics(&self) -> String;
}

/// Every part's diagnostics, one after the other.
pub fn report(parts: &[&dyn Diagnose]) -> String {
    parts
        .iter()
        .map(|p| p.diagnostics())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `result`'s value; else panics with its error and every part's diagnostics.
pub fn or_report<T>(result: Result<T>, parts: &[&dyn Diagnose]) -> T {
    result.unwrap_or_else(|e| panic!("{e}\n{}", report(parts)))
}

/// The last `lines` lines of `text`.
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
