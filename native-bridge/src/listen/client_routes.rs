//! A gateway's routes to its clients: while a CHILD SA is up, its remote traffic
//! selectors (a roadwarrior's virtual IP, or the subnet behind a site) are routed
//! into the TUN device, so return traffic from the gateway's networks reaches the
//! engine, which seals it for the CHILD SA whose selectors cover it (RFC 4301 §5.1).
//!
//! A block stays routed while any CHILD SA needs it (a rekey brings the new SA up
//! before the old one goes). A block that holds the client's own outer address is
//! not routed: its IKE and ESP packets would loop into the tunnel.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ikelab_engine::wire::TrafficSelector;
use ikelab_engine::{ChildSaId, IkeSaId};

use crate::tunnel::Tunnel;
use crate::tunnel::plan::{Block, blocks};

/// The blocks each CHILD SA has routed.
#[derive(Debug, Default)]
pub(crate) struct ClientRoutes {
    by_child: BTreeMap<ChildSaId, (IkeSaId, Vec<Block>)>,
}

impl ClientRoutes {
    /// Routes the selectors of a CHILD SA that came up; returns what it did, a
    /// line each (for the log).
    pub(crate) fn add(
        &mut self,
        tunnel: &mut Tunnel,
        child: ChildSaId,
        ike: IkeSaId,
        remote_ts: &[TrafficSelector],
        client: IpAddr,
    ) -> Vec<String> {
        let mut lines = Vec::new();
        let mut mine = Vec::new();
        for block in selector_blocks(remote_ts) {
            if holds(block, client) {
                lines.push(format!(
                    "not routing {block} into {}: it holds the client's own address {client} \
                     (give the client a virtual IP from a pool)",
                    tunnel.name()
                ));
                continue;
            }
            if !self.is_routed(block) {
                match tunnel.route(block) {
                    Ok(true) => lines.push(format!("route {block} into {}", tunnel.name())),
                    Ok(false) => lines.push(format!(
                        "route {block}: the host has one already (left as it is)"
                    )),
                    Err(e) => lines.push(format!("route {block}: {e}")),
                }
            }
            mine.push(block);
        }
        self.by_child.insert(child, (ike, mine));
        lines
    }

    /// Removes the routes of a CHILD SA that went, unless another one needs them.
    pub(crate) fn remove_child(&mut self, tunnel: &mut Tunnel, child: ChildSaId) -> Vec<String> {
        let Some((_, blocks)) = self.by_child.remove(&child) else {
            return Vec::new();
        };
        let mut lines = Vec::new();
        for block in blocks {
            if self.is_routed(block) {
                continue;
            }
            match tunnel.unroute(block) {
                Ok(()) => lines.push(format!("route {block} removed")),
                Err(e) => lines.push(format!("route {block}: {e}")),
            }
        }
        lines
    }

    /// Removes the routes of every CHILD SA of an IKE SA that went.
    pub(crate) fn remove_ike(&mut self, tunnel: &mut Tunnel, ike: IkeSaId) -> Vec<String> {
        let children: Vec<ChildSaId> = self
            .by_child
            .iter()
            .filter(|(_, (owner, _))| *owner == ike)
            .map(|(child, _)| *child)
            .collect();
        children
            .into_iter()
            .flat_map(|child| self.remove_child(tunnel, child))
            .collect()
    }

    /// A rekeyed IKE SA's CHILD SAs now belong to the new one (RFC 7296 §2.18).
    pub(crate) fn move_ike(&mut self, from: IkeSaId, to: IkeSaId) {
        for (owner, _) in self.by_child.values_mut() {
            if *owner == from {
                *owner = to;
            }
        }
    }

    fn is_routed(&self, block: Block) -> bool {
        self.by_child.values().any(|(_, b)| b.contains(&block))
    }
}

/// The CIDR blocks of address-range selectors (RFC 7296 §3.13.1, types 7 and 8).
fn selector_blocks(selectors: &[TrafficSelector]) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    for ts in selectors {
        let (start, end) = match ts {
            TrafficSelector::Ipv4 { start, end, .. } => (IpAddr::V4(*start), IpAddr::V4(*end)),
            TrafficSelector::Ipv6 { start, end, .. } => (IpAddr::V6(*start), IpAddr::V6(*end)),
            TrafficSelector::Other { .. } => continue,
        };
        for block in blocks(start, end) {
            if !out.contains(&block) {
                out.push(block);
            }
        }
    }
    out
}

/// Whether `block` holds `addr`.
fn holds(block: Block, addr: IpAddr) -> bool {
    let (base, value, bits) = match (block.addr, addr) {
        (IpAddr::V4(b), IpAddr::V4(a)) => {
            (u128::from(u32::from(b)), u128::from(u32::from(a)), 32u32)
        }
        (IpAddr::V6(b), IpAddr::V6(a)) => (u128::from(b), u128::from(a), 128),
        _ => return false,
    };
    let host_bits = bits.saturating_sub(u32::from(block.prefix));
    if host_bits >= 128 {
        return true;
    }
    (base >> host_bits) == (value >> host_bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(text: &str) -> Block {
        let (addr, prefix) = text.split_once('/').unwrap();
        Block {
            addr: addr.parse().unwrap(),
            prefix: prefix.parse().unwrap(),
        }
    }

    #[test]
    fn a_block_holds_the_addresses_of_its_prefix() {
        let ip = |t: &str| t.parse::<IpAddr>().unwrap();
        assert!(holds(block("203.0.113.129/32"), ip("203.0.113.129")));
        assert!(!holds(block("203.0.113.129/32"), ip("203.0.113.130")));
        assert!(holds(block("192.0.2.0/24"), ip("192.0.2.11")));
        assert!(holds(block("0.0.0.0/0"), ip("198.51.100.1")));
        assert!(!holds(block("0.0.0.0/0"), ip("2001:db8::1")));
        assert!(holds(block("2001:db8::/32"), ip("2001:db8::1")));
    }

    #[test]
    fn selectors_become_blocks_once() {
        let v4 =
            |s: &str, e: &str| TrafficSelector::ipv4_range(s.parse().unwrap(), e.parse().unwrap());
        let texts: Vec<String> = selector_blocks(&[
            v4("203.0.113.129", "203.0.113.129"),
            v4("10.2.0.0", "10.2.0.255"),
            v4("203.0.113.129", "203.0.113.129"),
        ])
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(texts, ["203.0.113.129/32", "10.2.0.0/24"]);
    }
}
