//! The `[[script]]` of a scenario: actions at points of virtual time.
//!
//! ```toml
//! [[script]]
//! at = "0s"
//! action = "initiate"          # peer = "initiator" by default
//!
//! [[script]]
//! at = "100ms"
//! action = "flood"             # spoofed IKE_SA_INIT requests from an "attacker" peer
//! count = 12
//! from = "198.51.100.10"       # first spoofed source; the next ones count up
//! ```
//!
//! The lifecycle actions (`create_child`, `rekey_child`, `rekey_ike`, `delete_child`,
//! `delete_ike`, `check_liveness`) are the engine's commands on an established IKE
//! SA; they act on the peer's first established IKE SA and, for a CHILD SA, on the
//! first installed one (of the `[children.NAME]` given as `child`, if given), "first"
//! meaning the lowest handle, i.e. the oldest. A command the engine refuses, or a
//! peer without such an SA, fails the scenario.
//!
//! The traffic actions (`ping`, `stream`, `replay_esp`) send packets through the
//! peer's first installed CHILD SA (the same rule) as ESP, over the simulated links:
//!
//! ```toml
//! [[script]]
//! at = "2s"
//! action = "ping"              # ICMP echo requests through the tunnel
//! count = 3                    # default 1
//! interval = "1s"              # default 1 s, as ping(8)
//! # to = "10.1.0.5"            # default: the first host of the CHILD SA's remote_ts
//!
//! [[script]]
//! at = "6s"
//! action = "stream"            # UDP packets to the discard port (9)
//! packets = 20
//! size = 1000                  # octets of each inner IP packet
//! interval = "10ms"            # default 10 ms
//!
//! [[script]]
//! at = "8s"
//! action = "replay_esp"        # the network re-delivers the last ESP packet
//! peer = "initiator"           # ... that it carried towards this peer
//! ```

use core::time::Duration;
use std::net::{IpAddr, Ipv4Addr};

use serde::Serialize;

use crate::config::duration::serde_duration;

pub(super) fn initiator() -> String {
    "initiator".to_owned()
}

pub(super) fn one() -> u32 {
    1
}

pub(super) fn one_second() -> Duration {
    Duration::from_secs(1)
}

pub(super) fn ten_milliseconds() -> Duration {
    Duration::from_millis(10)
}

/// One step of the script.
///
/// Serialised by derive (`at`, then the action's tag and keys, in one table); read
/// by hand (`script_de`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScriptStep {
    /// When, in virtual time since the start of the run.
    #[serde(with = "serde_duration")]
    pub at: Duration,
    #[serde(flatten)]
    pub action: Action,
}

/// What a step does.
///
/// Read by `script_de`, which applies the defaults the module documentation gives
/// (`peer` is the initiator; a ping's `count` is 1 and its `interval` 1 s; a
/// stream's `interval` 10 ms; a flood starts `from` 198.51.100.10; firewall rules
/// are off).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// The peer starts an IKE SA with its configuration (`[initiator]`).
    Initiate { peer: String },
    /// An attacker sends `count` IKE_SA_INIT requests with spoofed sources
    /// `from`, `from + 1`, ... to the responder, and never continues: half-open
    /// SAs pile up (RFC 7296 §2.6).
    Flood { count: u32, from: IpAddr },
    /// The peer stops: its engine and all its SAs are gone, datagrams to it are
    /// dropped.
    Kill { peer: String },
    /// A killed (or running) peer starts again with a fresh engine and no SAs.
    Restart { peer: String },
    /// The peer's address changes to `to`; the old one disappears.
    Move { peer: String, to: IpAddr },
    /// The NAT box forgets every mapping: the next datagram from behind it leaves
    /// from a new public port.
    NatRebind,
    /// The NAT box's idle timeout changes (`"0s"`: mappings never expire).
    NatTimeout {
        #[serde(with = "serde_duration")]
        timeout: Duration,
    },
    /// The firewall's rules change.
    Firewall {
        block_udp_500: bool,
        block_udp_4500: bool,
        block_esp: bool,
    },
    /// ESP: the peer sends `count` ICMP echo requests through its CHILD SA, one
    /// every `interval`, from its inner address (the first host of the CHILD SA's
    /// local traffic selectors: its virtual IP when it got one) to `to` (by default
    /// the first host of the remote traffic selectors; a range's first address
    /// names the network, so the host is the one after it). The other side's
    /// inner host answers each with an echo reply.
    Ping {
        peer: String,
        count: u32,
        #[serde(with = "serde_duration")]
        interval: Duration,
        #[serde(skip_serializing_if = "Option::is_none")]
        to: Option<IpAddr>,
    },
    /// ESP: the peer sends `packets` UDP packets (to the discard port) of `size`
    /// octets each (the inner IP packet), one every `interval`.
    Stream {
        peer: String,
        packets: u32,
        size: u32,
        #[serde(with = "serde_duration")]
        interval: Duration,
        #[serde(skip_serializing_if = "Option::is_none")]
        to: Option<IpAddr>,
    },
    /// ESP: the network delivers again a copy of the last ESP packet it carried
    /// towards `peer`; that peer's anti-replay window must refuse it.
    ReplayEsp { peer: String },
    /// ESP: the network changes one bit (the last octet of the ICV) of the next ESP
    /// packet it carries towards `peer`, as an attacker on the path would; that
    /// peer's integrity check must refuse it (RFC 4303 §3.4.4).
    TamperEsp { peer: String },
    /// CREATE_CHILD_SA: a further CHILD SA of a `[children.NAME]`.
    CreateChild { peer: String, child: String },
    /// CREATE_CHILD_SA: rekey the peer's first CHILD SA (of `[children.NAME]`
    /// `child`, if given) now.
    RekeyChild { peer: String, child: Option<String> },
    /// CREATE_CHILD_SA: rekey the peer's IKE SA now.
    RekeyIke { peer: String },
    /// INFORMATIONAL: delete the peer's first CHILD SA (of `[children.NAME]`
    /// `child`, if given).
    DeleteChild { peer: String, child: Option<String> },
    /// INFORMATIONAL: delete the peer's IKE SA.
    DeleteIke { peer: String },
    /// INFORMATIONAL: an empty request now (a liveness check, RFC 7296 §2.4).
    CheckLiveness { peer: String },
}

/// " net" for a named child configuration, nothing otherwise.
fn of_config(child: Option<&str>) -> String {
    child.map(|name| format!(" {name}")).unwrap_or_default()
}

pub(super) fn default_flood_source() -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(198, 51, 100, 10))
}

impl Action {
    /// The action's name as written in a scenario (`action = "..."`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Initiate { .. } => "initiate",
            Self::Flood { .. } => "flood",
            Self::Kill { .. } => "kill",
            Self::Restart { .. } => "restart",
            Self::Move { .. } => "move",
            Self::NatRebind => "nat_rebind",
            Self::NatTimeout { .. } => "nat_timeout",
            Self::Firewall { .. } => "firewall",
            Self::Ping { .. } => "ping",
            Self::Stream { .. } => "stream",
            Self::ReplayEsp { .. } => "replay_esp",
            Self::TamperEsp { .. } => "tamper_esp",
            Self::CreateChild { .. } => "create_child",
            Self::RekeyChild { .. } => "rekey_child",
            Self::RekeyIke { .. } => "rekey_ike",
            Self::DeleteChild { .. } => "delete_child",
            Self::DeleteIke { .. } => "delete_ike",
            Self::CheckLiveness { .. } => "check_liveness",
        }
    }

    /// One line for the transcript.
    pub fn describe(&self) -> String {
        match self {
            Self::Initiate { peer } => format!("{peer} initiates"),
            Self::Flood { count, from } => {
                format!("attacker floods {count} spoofed IKE_SA_INIT requests from {from} on")
            }
            Self::Kill { peer } => format!("kill {peer}"),
            Self::Restart { peer } => format!("restart {peer}"),
            Self::Move { peer, to } => format!("move {peer} to {to}"),
            Self::NatRebind => "the NAT forgets its mappings".to_owned(),
            Self::NatTimeout { timeout } => format!(
                "NAT mapping timeout set to {}",
                crate::config::format_duration(*timeout)
            ),
            Self::Firewall {
                block_udp_500,
                block_udp_4500,
                block_esp,
            } => {
                let esp = if *block_esp { ", block ESP true" } else { "" };
                format!(
                    "firewall: block UDP 500 {block_udp_500}, block UDP 4500 {block_udp_4500}{esp}"
                )
            }
            Self::Ping {
                peer,
                count,
                interval,
                to,
            } => format!(
                "{peer} pings {}{count} time(s), every {}",
                to.map(|a| format!("{a} ")).unwrap_or_default(),
                crate::config::format_duration(*interval)
            ),
            Self::Stream {
                peer,
                packets,
                size,
                interval,
                ..
            } => format!(
                "{peer} streams {packets} packets of {size} bytes, every {}",
                crate::config::format_duration(*interval)
            ),
            Self::ReplayEsp { peer } => {
                format!("the network replays the last ESP packet towards {peer}")
            }
            Self::TamperEsp { peer } => {
                format!("the network will change a bit of the next ESP packet towards {peer}")
            }
            Self::CreateChild { peer, child } => format!("{peer} creates a CHILD SA {child}"),
            Self::RekeyChild { peer, child } => {
                format!("{peer} rekeys its CHILD SA{}", of_config(child.as_deref()))
            }
            Self::RekeyIke { peer } => format!("{peer} rekeys its IKE SA"),
            Self::DeleteChild { peer, child } => {
                format!("{peer} deletes its CHILD SA{}", of_config(child.as_deref()))
            }
            Self::DeleteIke { peer } => format!("{peer} deletes its IKE SA"),
            Self::CheckLiveness { peer } => format!("{peer} checks the peer's liveness"),
        }
    }

    /// The `[children.NAME]` an action names, if any.
    pub fn child_config(&self) -> Option<&str> {
        match self {
            Self::CreateChild { child, .. } => Some(child),
            Self::RekeyChild { child, .. } | Self::DeleteChild { child, .. } => child.as_deref(),
            _ => None,
        }
    }

    /// The peer an action is about, if it names one.
    pub fn peer(&self) -> Option<&str> {
        match self {
            Self::Initiate { peer }
            | Self::Kill { peer }
            | Self::Restart { peer }
            | Self::Move { peer, .. }
            | Self::Ping { peer, .. }
            | Self::Stream { peer, .. }
            | Self::ReplayEsp { peer }
            | Self::TamperEsp { peer }
            | Self::CreateChild { peer, .. }
            | Self::RekeyChild { peer, .. }
            | Self::RekeyIke { peer }
            | Self::DeleteChild { peer, .. }
            | Self::DeleteIke { peer }
            | Self::CheckLiveness { peer } => Some(peer),
            Self::Flood { .. }
            | Self::NatRebind
            | Self::NatTimeout { .. }
            | Self::Firewall { .. } => None,
        }
    }
}
