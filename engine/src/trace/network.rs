//! What the network reports: the `network` records of a trace (the simulator's
//! virtual network, or what crossed a bridge's sockets).
//!
//! Every record about one datagram names its [`FlightId`]; a copy the network
//! makes (a duplicate, a replayed ESP packet) is a flight of its own that names its
//! `parent`.

use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};

use super::ActionFailure;
use crate::event::FlightId;
use crate::ike::Datagram;

/// Why the network did not deliver a datagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DropCause {
    /// The link lost it (its `loss` probability).
    Loss,
    /// The IP packet (IP and UDP headers included) is larger than the link's MTU.
    Mtu { packet_len: usize, mtu: usize },
    /// A firewall rule blocks it.
    Firewall { rule: String },
    /// No peer has the destination address (a spoofed source's answer, a peer that
    /// moved away).
    NoRoute { address: IpAddr },
    /// The source address is not one of the sending peer's addresses (it moved).
    SourceNotAssigned { address: IpAddr },
    /// The NAT box has no (live) mapping for the public destination port.
    NoNatMapping { public: SocketAddr },
    /// The receiving peer is down (killed by the script).
    PeerDown { peer: String },
    /// Plain ESP (IP protocol 50) reached the NAT box: it has no ports to map, so it
    /// cannot translate it (RFC 3948 §1 puts ESP in UDP for this).
    EspThroughNat,
}

impl DropCause {
    fn describe(&self) -> String {
        match self {
            Self::Loss => "lost on the link".to_owned(),
            Self::Mtu { packet_len, mtu } => {
                format!("{packet_len}-byte packet exceeds the MTU of {mtu}")
            }
            Self::Firewall { rule } => format!("blocked by the firewall ({rule})"),
            Self::NoRoute { address } => format!("no host has address {address}"),
            Self::SourceNotAssigned { address } => {
                format!("source address {address} is no longer the sender's")
            }
            Self::NoNatMapping { public } => format!("the NAT has no mapping for {public}"),
            Self::PeerDown { peer } => format!("{peer} is down"),
            Self::EspThroughNat => {
                "the NAT cannot translate plain ESP (no ports; RFC 3948 puts it in UDP)".to_owned()
            }
        }
    }
}

/// Which way a datagram crossed the NAT box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NatDirection {
    /// From the private side out: the source is rewritten.
    Outbound,
    /// From outside in: the destination is rewritten back.
    Inbound,
}

/// What an IP packet on a link carries (its IPv4 Protocol / IPv6 Next Header).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireProtocol {
    /// UDP (17): IKE on 500 or 4500, NAT keep-alives, ESP in UDP on 4500 (RFC 3948).
    #[default]
    Udp,
    /// ESP directly in IP (50, RFC 4303): the datagram's ports are 0 and its payload
    /// is the ESP packet.
    Esp,
}

impl WireProtocol {
    /// UDP, the default, is left out of the JSON.
    pub fn is_udp(&self) -> bool {
        *self == Self::Udp
    }
}

/// One thing the network did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum NetworkEvent {
    /// A datagram entered the link between two peers, as a capture on that link sees
    /// it (after any NAT rewrite of the source): the pcap export writes these. The
    /// flight is `flight`, not repeated inside `datagram`.
    Transmit {
        flight: FlightId,
        from: String,
        to: String,
        datagram: Datagram,
        /// `esp` for plain ESP (IP protocol 50); absent for UDP.
        #[serde(default, skip_serializing_if = "WireProtocol::is_udp")]
        protocol: WireProtocol,
    },
    /// The link will deliver a second copy of flight `parent`: the copy is flight
    /// `flight`.
    Duplicated {
        flight: FlightId,
        parent: FlightId,
        from: String,
        to: String,
    },
    /// The link holds the datagram back, so later ones may overtake it.
    Reordered {
        flight: FlightId,
        from: String,
        to: String,
    },
    /// The network handed the datagram to the receiver (after any NAT rewrite of
    /// the destination): the receiver's events about it follow, with the same
    /// flight.
    Delivered { flight: FlightId, to: String },
    /// A datagram was not delivered.
    Dropped {
        flight: FlightId,
        from: String,
        src: SocketAddr,
        dst: SocketAddr,
        length: usize,
        cause: DropCause,
    },
    /// The NAT box rewrote addresses.
    NatRewrite {
        flight: FlightId,
        direction: NatDirection,
        before_src: SocketAddr,
        before_dst: SocketAddr,
        after_src: SocketAddr,
        after_dst: SocketAddr,
    },
    /// A NAT mapping was created (`private` leaves as `public`).
    NatMapping {
        private: SocketAddr,
        public: SocketAddr,
    },
    /// A NAT mapping timed out or was flushed.
    NatMappingExpired {
        private: SocketAddr,
        public: SocketAddr,
    },
    /// A script action ran (its description).
    Script { action: String },
    /// A script action could not be carried out (the engine refused the command,
    /// or the peer has no such SA): the run fails its `[expect]`.
    ScriptFailed {
        action: String,
        failure: ActionFailure,
    },
    /// A peer got a new address (the old one is gone).
    PeerMoved {
        peer: String,
        from: IpAddr,
        to: IpAddr,
    },
    /// A peer was stopped: its engine and every SA are gone.
    PeerKilled { peer: String },
    /// A peer could not seal a packet (no CHILD SA, hard lifetime reached, ...).
    EspNotSent {
        peer: String,
        inner: String,
        failure: ActionFailure,
    },
    /// The network delivered again a copy of an ESP packet it carried before (an
    /// attacker on the path, or a duplicating link): the receiver's anti-replay
    /// window must refuse it (RFC 4303 §3.4.3). The copy is flight `flight`, the
    /// packet it copies `parent`.
    EspReplayed {
        flight: FlightId,
        parent: FlightId,
        from: String,
        to: String,
        spi: u32,
        sequence: u32,
    },
    /// A peer started again with a fresh engine (no SAs).
    PeerRestarted { peer: String },
    /// The network changed one bit of an ESP packet on its way (the lowest bit of
    /// its last octet, part of the ICV: `tamper_esp`), after the capture point; the
    /// receiver's integrity check must refuse it (RFC 4303 §3.4.4).
    EspTampered {
        flight: FlightId,
        from: String,
        to: String,
        spi: u32,
        sequence: u32,
    },
}

impl NetworkEvent {
    /// The flight (datagram) this record concerns, if it concerns one.
    pub fn flight(&self) -> Option<FlightId> {
        match self {
            Self::Transmit { flight, .. }
            | Self::Duplicated { flight, .. }
            | Self::Reordered { flight, .. }
            | Self::Delivered { flight, .. }
            | Self::Dropped { flight, .. }
            | Self::NatRewrite { flight, .. }
            | Self::EspReplayed { flight, .. }
            | Self::EspTampered { flight, .. } => Some(*flight),
            Self::NatMapping { .. }
            | Self::NatMappingExpired { .. }
            | Self::Script { .. }
            | Self::ScriptFailed { .. }
            | Self::PeerMoved { .. }
            | Self::PeerKilled { .. }
            | Self::EspNotSent { .. }
            | Self::PeerRestarted { .. } => None,
        }
    }

    /// The flight a copy was made of (a duplicate, a replayed ESP packet).
    pub fn parent(&self) -> Option<FlightId> {
        match self {
            Self::Duplicated { parent, .. } | Self::EspReplayed { parent, .. } => Some(*parent),
            _ => None,
        }
    }

    /// One line for the transcript (the lines of version 1; the new records name
    /// their flights, `#7`).
    pub fn describe(&self) -> String {
        match self {
            Self::Transmit {
                from,
                to,
                datagram,
                protocol,
                ..
            } => match protocol {
                WireProtocol::Udp => format!(
                    "{from} -> {to}: {} bytes {} -> {}",
                    datagram.payload.len(),
                    datagram.src,
                    datagram.dst
                ),
                WireProtocol::Esp => format!(
                    "{from} -> {to}: {} bytes ESP {} -> {}",
                    datagram.payload.len(),
                    datagram.src.ip(),
                    datagram.dst.ip()
                ),
            },
            Self::Duplicated {
                flight,
                parent,
                from,
                to,
            } => format!("{from} -> {to}: duplicated ({flight}, a copy of {parent})"),
            Self::Reordered { from, to, .. } => format!("{from} -> {to}: held back (reordering)"),
            Self::Delivered { flight, to } => format!("{flight} delivered to {to}"),
            Self::Dropped {
                from,
                src,
                dst,
                length,
                cause,
                ..
            } => format!(
                "dropped {length} bytes from {from} ({src} -> {dst}): {}",
                cause.describe()
            ),
            Self::NatRewrite {
                direction,
                before_src,
                before_dst,
                after_src,
                after_dst,
                ..
            } => match direction {
                NatDirection::Outbound => {
                    format!(
                        "NAT: {before_src} -> {before_dst} leaves as {after_src} -> {after_dst}"
                    )
                }
                NatDirection::Inbound => format!(
                    "NAT: {before_src} -> {before_dst} forwarded to {after_src} -> {after_dst}"
                ),
            },
            Self::NatMapping { private, public } => {
                format!("NAT: new mapping {private} = {public}")
            }
            Self::NatMappingExpired { private, public } => {
                format!("NAT: mapping {private} = {public} expired")
            }
            Self::Script { action } => format!("script: {action}"),
            Self::ScriptFailed { action, failure } => {
                format!("script: {action} FAILED: {failure}")
            }
            Self::PeerMoved { peer, from, to } => format!("{peer} moved from {from} to {to}"),
            Self::PeerKilled { peer } => format!("{peer} killed"),
            Self::PeerRestarted { peer } => format!("{peer} restarted"),
            Self::EspNotSent {
                peer,
                inner,
                failure,
            } => {
                format!("{peer} cannot send {inner}: {failure}")
            }
            Self::EspReplayed {
                from,
                to,
                spi,
                sequence,
                parent,
                ..
            } => format!(
                "{from} -> {to}: the network replays ESP SPI 0x{spi:08x} seq {sequence} (a copy of {parent})"
            ),
            Self::EspTampered {
                from,
                to,
                spi,
                sequence,
                ..
            } => format!(
                "{from} -> {to}: the network changes a bit of ESP SPI 0x{spi:08x} seq {sequence} on the way"
            ),
        }
    }

    /// The `type` tag, as in the JSON (`"transmit"`, `"dropped"`, ...), with the
    /// drop cause's `kind` after a colon (`"dropped:loss"`): the names `[expect]`
    /// uses.
    pub fn names(&self) -> Vec<String> {
        let tag = match self {
            Self::Transmit { .. } => "transmit",
            Self::Duplicated { .. } => "duplicated",
            Self::Reordered { .. } => "reordered",
            Self::Delivered { .. } => "delivered",
            Self::Dropped { cause, .. } => {
                let kind = match cause {
                    DropCause::Loss => "loss",
                    DropCause::Mtu { .. } => "mtu",
                    DropCause::Firewall { .. } => "firewall",
                    DropCause::NoRoute { .. } => "no_route",
                    DropCause::SourceNotAssigned { .. } => "source_not_assigned",
                    DropCause::NoNatMapping { .. } => "no_nat_mapping",
                    DropCause::PeerDown { .. } => "peer_down",
                    DropCause::EspThroughNat => "esp_through_nat",
                };
                return vec!["dropped".to_owned(), format!("dropped:{kind}")];
            }
            Self::NatRewrite { .. } => "nat_rewrite",
            Self::NatMapping { .. } => "nat_mapping",
            Self::NatMappingExpired { .. } => "nat_mapping_expired",
            Self::Script { .. } => "script",
            Self::ScriptFailed { .. } => "script_failed",
            Self::PeerMoved { .. } => "peer_moved",
            Self::PeerKilled { .. } => "peer_killed",
            Self::PeerRestarted { .. } => "peer_restarted",
            Self::EspNotSent { .. } => "esp_not_sent",
            Self::EspReplayed { .. } => "esp_replayed",
            Self::EspTampered { .. } => "esp_tampered",
        };
        vec![tag.to_owned()]
    }
}
