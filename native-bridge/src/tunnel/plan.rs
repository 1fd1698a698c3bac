//! What the tunnel needs from the host, worked out from the negotiated SAs alone
//! (no I/O here, so every case is unit-tested): the TUN device's address, the routes
//! into it, the routes that block what the tunnel does not carry, and the DNS
//! servers.
//!
//! - The virtual IP (RFC 7296 §3.15.1, INTERNAL_IP4/6_ADDRESS) goes on the device
//!   as a host address (/32 or /128): the gateway's pool is not a link.
//! - Each remote traffic selector (RFC 7296 §3.13.1, a start and an end address) is
//!   routed into the device, split into the CIDR blocks its range spans.
//! - A full tunnel (a selector spanning `0.0.0.0/0` or `::/0`) is routed as two
//!   halves (`0.0.0.0/1` + `128.0.0.0/1`, `::/1` + `8000::/1`): more specific than the
//!   default route, which stays untouched and takes over again when the device goes.
//!   The gateway's own address keeps its old path through a host route, so the ESP
//!   packets themselves do not loop into the tunnel.
//! - IPv6 in an IPv4-only full tunnel (and the other way round) would leave the host
//!   beside the tunnel. It is blocked with `unreachable` routes for the two halves,
//!   so programs fail at once instead of leaking or waiting.

use std::net::IpAddr;

use ikelab_engine::wire::TrafficSelector;

/// An address block `addr/prefix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Block {
    pub(crate) addr: IpAddr,
    pub(crate) prefix: u8,
}

impl std::fmt::Display for Block {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Everything the host gets while the tunnel is up.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct TunnelPlan {
    /// The virtual IPs, put on the device as host addresses.
    pub(crate) addresses: Vec<IpAddr>,
    /// Routed into the device.
    pub(crate) routes: Vec<Block>,
    /// Routed nowhere (`unreachable`): the family a full tunnel does not carry.
    pub(crate) blocked: Vec<Block>,
    /// A full tunnel of the gateway's family: the gateway keeps its current path.
    pub(crate) pin_gateway: Option<IpAddr>,
    /// The DNS servers the gateway handed out.
    pub(crate) dns: Vec<IpAddr>,
}

impl TunnelPlan {
    /// The plan for an IKE SA that assigned `virtual_ips` and `dns`, with CHILD SAs
    /// whose remote selectors are `remote_ts`, through the gateway at `gateway`.
    pub(crate) fn new(
        virtual_ips: &[IpAddr],
        dns: &[IpAddr],
        remote_ts: &[TrafficSelector],
        gateway: IpAddr,
    ) -> Self {
        let mut routes: Vec<Block> = Vec::new();
        let mut full = [false; 2]; // [IPv4, IPv6]
        for ts in remote_ts {
            let (start, end) = match ts {
                TrafficSelector::Ipv4 { start, end, .. } => (IpAddr::V4(*start), IpAddr::V4(*end)),
                TrafficSelector::Ipv6 { start, end, .. } => (IpAddr::V6(*start), IpAddr::V6(*end)),
                // Not an address range (RFC 7296 §3.13.1 types 7 and 8 only are routed).
                TrafficSelector::Other { .. } => continue,
            };
            for block in blocks(start, end) {
                if block.prefix == 0 {
                    full[usize::from(block.addr.is_ipv6())] = true;
                    routes.extend(halves(block.addr.is_ipv6()));
                } else {
                    routes.push(block);
                }
            }
        }
        dedup(&mut routes);
        let mut blocked = Vec::new();
        // One family is fully tunnelled and the other not at all: block the other.
        for ipv6 in [false, true] {
            let carried = routes.iter().any(|b| b.addr.is_ipv6() == ipv6);
            let other_full = full[usize::from(!ipv6)];
            if other_full && !carried {
                blocked.extend(halves(ipv6));
            }
        }
        Self {
            addresses: virtual_ips.to_vec(),
            routes,
            blocked,
            pin_gateway: full[usize::from(gateway.is_ipv6())].then_some(gateway),
            dns: dns.to_vec(),
        }
    }

    /// Whether all traffic of some family goes through the tunnel.
    pub(crate) fn is_full(&self) -> bool {
        self.routes.iter().any(|b| b.prefix == 1)
    }
}

/// `0.0.0.0/1` and `128.0.0.0/1` (or `::/1` and `8000::/1`).
fn halves(ipv6: bool) -> [Block; 2] {
    let (low, high) = if ipv6 {
        (IpAddr::V6(0u128.into()), IpAddr::V6((1u128 << 127).into()))
    } else {
        (IpAddr::V4(0u32.into()), IpAddr::V4((1u32 << 31).into()))
    };
    [low, high].map(|addr| Block { addr, prefix: 1 })
}

fn dedup(blocks: &mut Vec<Block>) {
    let mut seen = Vec::with_capacity(blocks.len());
    blocks.retain(|b| {
        let new = !seen.contains(b);
        seen.push(*b);
        new
    });
}

/// The fewest CIDR blocks that span `start..=end` (same family), in order.
pub(crate) fn blocks(start: IpAddr, end: IpAddr) -> Vec<Block> {
    let (bits, lo, hi) = match (start, end) {
        (IpAddr::V4(s), IpAddr::V4(e)) => {
            (32u32, u128::from(u32::from(s)), u128::from(u32::from(e)))
        }
        (IpAddr::V6(s), IpAddr::V6(e)) => (128u32, u128::from(s), u128::from(e)),
        _ => return Vec::new(),
    };
    let make = |value: u128, prefix: u32| Block {
        addr: if bits == 32 {
            // `value` came from a u32 above, so it fits.
            IpAddr::V4(u32::try_from(value).unwrap_or(u32::MAX).into())
        } else {
            IpAddr::V6(value.into())
        },
        prefix: u8::try_from(prefix).unwrap_or(0),
    };
    let mut out = Vec::new();
    let mut cursor = lo;
    while cursor <= hi {
        // The largest block aligned at `cursor` that ends within `hi` (a block of
        // one address always does).
        let mut size = cursor.trailing_zeros().min(bits);
        while size > 0 {
            let last = if size >= 128 {
                Some(u128::MAX)
            } else {
                cursor.checked_add((1u128 << size) - 1)
            };
            if last.is_some_and(|l| l <= hi) {
                break;
            }
            size -= 1;
        }
        out.push(make(cursor, bits - size));
        if size >= 128 {
            break;
        }
        match cursor.checked_add(1u128 << size) {
            Some(next) => cursor = next,
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ikelab_engine::config::IpRange;

    fn ts(text: &str) -> TrafficSelector {
        let range = IpRange::parse(text).unwrap();
        match (range.start(), range.end()) {
            (IpAddr::V4(s), IpAddr::V4(e)) => TrafficSelector::ipv4_range(s, e),
            (IpAddr::V6(s), IpAddr::V6(e)) => TrafficSelector::ipv6_range(s, e),
            _ => unreachable!(),
        }
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn texts(blocks: &[Block]) -> Vec<String> {
        blocks.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_range_splits_into_the_fewest_blocks() {
        assert_eq!(
            texts(&blocks(ip("10.1.0.0"), ip("10.1.0.255"))),
            ["10.1.0.0/24"]
        );
        assert_eq!(
            texts(&blocks(ip("10.1.0.1"), ip("10.1.0.6"))),
            ["10.1.0.1/32", "10.1.0.2/31", "10.1.0.4/31", "10.1.0.6/32"]
        );
        assert_eq!(
            texts(&blocks(ip("0.0.0.0"), ip("255.255.255.255"))),
            ["0.0.0.0/0"]
        );
        assert_eq!(
            texts(&blocks(
                ip("::"),
                ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
            )),
            ["::/0"]
        );
        assert_eq!(
            texts(&blocks(ip("2001:db8::"), ip("2001:db8::ffff"))),
            ["2001:db8::/112"]
        );
        assert_eq!(
            texts(&blocks(ip("255.255.255.255"), ip("255.255.255.255"))),
            ["255.255.255.255/32"]
        );
        assert!(blocks(ip("10.0.0.1"), ip("::1")).is_empty());
    }

    #[test]
    fn a_split_tunnel_routes_its_selectors_and_touches_nothing_else() {
        let plan = TunnelPlan::new(
            &[ip("10.3.0.1")],
            &[ip("10.1.0.53")],
            &[
                ts("10.1.0.0/16"),
                ts("192.0.2.10-192.0.2.11"),
                ts("10.1.0.0/16"),
            ],
            ip("198.51.100.1"),
        );
        assert_eq!(texts(&plan.routes), ["10.1.0.0/16", "192.0.2.10/31"]);
        assert!(plan.blocked.is_empty());
        assert_eq!(plan.pin_gateway, None);
        assert!(!plan.is_full());
        assert_eq!(plan.addresses, [ip("10.3.0.1")]);
        assert_eq!(plan.dns, [ip("10.1.0.53")]);
    }

    #[test]
    fn an_ipv4_full_tunnel_keeps_the_gateway_path_and_blocks_ipv6() {
        let plan = TunnelPlan::new(
            &[ip("10.3.0.1")],
            &[],
            &[ts("0.0.0.0/0")],
            ip("198.51.100.1"),
        );
        assert_eq!(texts(&plan.routes), ["0.0.0.0/1", "128.0.0.0/1"]);
        assert_eq!(texts(&plan.blocked), ["::/1", "8000::/1"]);
        assert_eq!(plan.pin_gateway, Some(ip("198.51.100.1")));
        assert!(plan.is_full());
    }

    #[test]
    fn a_dual_stack_full_tunnel_blocks_nothing() {
        let plan = TunnelPlan::new(
            &[ip("10.3.0.1"), ip("fd00::1")],
            &[],
            &[ts("0.0.0.0/0"), ts("::/0")],
            ip("2001:db8::1"),
        );
        assert_eq!(
            texts(&plan.routes),
            ["0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1"]
        );
        assert!(plan.blocked.is_empty());
        assert_eq!(plan.pin_gateway, Some(ip("2001:db8::1")));
    }

    #[test]
    fn a_full_ipv4_tunnel_with_some_ipv6_routes_that_ipv6_only() {
        let plan = TunnelPlan::new(
            &[ip("10.3.0.1")],
            &[],
            &[ts("0.0.0.0/0"), ts("2001:db8::/32")],
            ip("198.51.100.1"),
        );
        assert_eq!(
            texts(&plan.routes),
            ["0.0.0.0/1", "128.0.0.0/1", "2001:db8::/32"]
        );
        assert!(plan.blocked.is_empty());
    }
}
