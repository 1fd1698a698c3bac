//! Traffic selector negotiation (RFC 7296 §2.9).
//!
//! The initiator proposes TSi (its side) and TSr (the responder's side); the
//! responder answers with a subset of each, narrowed to what its policy allows: every
//! selector it returns is the intersection of one proposed selector with one of its
//! own configured selectors (address range, IP protocol and port range each
//! intersected). `dynamic` in a configuration stands for the tunnel's outer address,
//! or the virtual IP when one is requested or assigned (swanctl.conf(5) `local_ts`).
//! An empty result on either side is TS_UNACCEPTABLE.

use std::net::IpAddr;

use crate::config::{IpRange, TrafficSelector as ConfiguredTs, TsAddrs};
pub use crate::event::TsNarrowing;
use crate::wire::TrafficSelector;

/// Configured selectors on the wire, `dynamic` replaced by each of `dynamic` (the
/// outer address, the virtual IPs, or a whole family while a virtual IP is being
/// requested; a `dynamic` selector yields nothing when the list is empty).
pub(crate) fn resolve(configured: &[ConfiguredTs], dynamic: &[IpRange]) -> Vec<TrafficSelector> {
    let mut out = Vec::new();
    for ts in configured {
        let ranges: Vec<IpRange> = match ts.addrs {
            TsAddrs::Dynamic => dynamic.to_vec(),
            TsAddrs::Range(range) => vec![range],
        };
        for range in ranges {
            out.extend(on_wire(range, ts.protocol, ts.ports.start, ts.ports.end));
        }
    }
    out
}

/// One wire selector for an address range, a protocol and a port range.
pub(crate) fn on_wire(
    range: IpRange,
    ip_protocol: u8,
    start_port: u16,
    end_port: u16,
) -> Option<TrafficSelector> {
    match (range.start(), range.end()) {
        (IpAddr::V4(start), IpAddr::V4(end)) => Some(TrafficSelector::Ipv4 {
            ip_protocol,
            start_port,
            end_port,
            start,
            end,
        }),
        (IpAddr::V6(start), IpAddr::V6(end)) => Some(TrafficSelector::Ipv6 {
            ip_protocol,
            start_port,
            end_port,
            start,
            end,
        }),
        _ => None,
    }
}

/// Whether a port range is RFC 4301's OPAQUE (start 65535, end 0, §3.13.1).
fn is_opaque(start: u16, end: u16) -> bool {
    start > end
}

/// The intersection of two port ranges (OPAQUE only meets "any" or OPAQUE).
fn intersect_ports(a: (u16, u16), b: (u16, u16)) -> Option<(u16, u16)> {
    let any = (0, u16::MAX);
    match (is_opaque(a.0, a.1), is_opaque(b.0, b.1)) {
        (true, true) => Some(a),
        (true, false) => (b == any).then_some(a),
        (false, true) => (a == any).then_some(b),
        (false, false) => {
            let (start, end) = (a.0.max(b.0), a.1.min(b.1));
            (start <= end).then_some((start, end))
        }
    }
}

/// The intersection of two IP protocols (0 = any).
fn intersect_protocol(a: u8, b: u8) -> Option<u8> {
    match (a, b) {
        (0, p) | (p, 0) => Some(p),
        (p, q) if p == q => Some(p),
        _ => None,
    }
}

/// The intersection of two selectors, if it is not empty. Selector types other than
/// the two address-range types never intersect (we cannot interpret them).
pub(crate) fn intersect(a: &TrafficSelector, b: &TrafficSelector) -> Option<TrafficSelector> {
    match (a, b) {
        (
            TrafficSelector::Ipv4 {
                ip_protocol: pa,
                start_port: sa,
                end_port: ea,
                start: a0,
                end: a1,
            },
            TrafficSelector::Ipv4 {
                ip_protocol: pb,
                start_port: sb,
                end_port: eb,
                start: b0,
                end: b1,
            },
        ) => {
            let (start, end) = ((*a0).max(*b0), (*a1).min(*b1));
            let (start_port, end_port) = intersect_ports((*sa, *ea), (*sb, *eb))?;
            (start <= end).then_some(TrafficSelector::Ipv4 {
                ip_protocol: intersect_protocol(*pa, *pb)?,
                start_port,
                end_port,
                start,
                end,
            })
        }
        (
            TrafficSelector::Ipv6 {
                ip_protocol: pa,
                start_port: sa,
                end_port: ea,
                start: a0,
                end: a1,
            },
            TrafficSelector::Ipv6 {
                ip_protocol: pb,
                start_port: sb,
                end_port: eb,
                start: b0,
                end: b1,
            },
        ) => {
            let (start, end) = ((*a0).max(*b0), (*a1).min(*b1));
            let (start_port, end_port) = intersect_ports((*sa, *ea), (*sb, *eb))?;
            (start <= end).then_some(TrafficSelector::Ipv6 {
                ip_protocol: intersect_protocol(*pa, *pb)?,
                start_port,
                end_port,
                start,
                end,
            })
        }
        _ => None,
    }
}

/// Whether `inner` lies entirely within `outer`.
pub(crate) fn contains(outer: &TrafficSelector, inner: &TrafficSelector) -> bool {
    intersect(outer, inner).as_ref() == Some(inner)
}

/// Narrows the peer's proposed selectors to our configured ones (§2.9): each of our
/// selectors, in our order, intersected with each proposed one; results contained in
/// an earlier result are left out.
pub(crate) fn narrow(
    proposed: &[TrafficSelector],
    ours: &[TrafficSelector],
) -> Vec<TrafficSelector> {
    let mut out: Vec<TrafficSelector> = Vec::new();
    for own in ours {
        for theirs in proposed {
            if let Some(ts) = intersect(own, theirs)
                && !out.iter().any(|kept| contains(kept, &ts))
            {
                out.retain(|kept| !contains(&ts, kept));
                out.push(ts);
            }
        }
    }
    out
}

/// Whether every selector the responder returned lies within one we proposed (what
/// an initiator checks: §2.9 lets the responder narrow, never widen).
pub(crate) fn within(returned: &[TrafficSelector], proposed: &[TrafficSelector]) -> bool {
    returned
        .iter()
        .all(|r| proposed.iter().any(|p| contains(p, r)))
}

/// Human form of a selector: "10.1.0.0/24", "10.0.0.1-10.0.0.9[tcp/443]" — the
/// selector's one text form (`Display` of [`TrafficSelector`], swanctl's syntax).
pub fn describe(ts: &TrafficSelector) -> String {
    ts.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn v4(a: [u8; 4], b: [u8; 4]) -> TrafficSelector {
        TrafficSelector::ipv4_range(Ipv4Addr::from(a), Ipv4Addr::from(b))
    }

    #[test]
    fn narrows_to_the_intersection() {
        let proposed = [v4([0, 0, 0, 0], [255, 255, 255, 255])];
        let ours = [v4([10, 1, 0, 0], [10, 1, 0, 255])];
        assert_eq!(narrow(&proposed, &ours), vec![ours[0].clone()]);
        // Disjoint: nothing left.
        assert!(narrow(&[v4([192, 0, 2, 0], [192, 0, 2, 255])], &ours).is_empty());
        assert!(within(&ours, &proposed));
        assert!(!within(&proposed, &ours));
    }

    #[test]
    fn protocols_and_ports_intersect() {
        let tcp443 = TrafficSelector::Ipv4 {
            ip_protocol: 6,
            start_port: 443,
            end_port: 443,
            start: Ipv4Addr::new(10, 0, 0, 0),
            end: Ipv4Addr::new(10, 0, 0, 255),
        };
        let any = v4([10, 0, 0, 5], [10, 0, 0, 5]);
        let got = intersect(&tcp443, &any);
        assert_eq!(
            got,
            Some(TrafficSelector::Ipv4 {
                ip_protocol: 6,
                start_port: 443,
                end_port: 443,
                start: Ipv4Addr::new(10, 0, 0, 5),
                end: Ipv4Addr::new(10, 0, 0, 5),
            })
        );
        let udp = TrafficSelector::Ipv4 {
            ip_protocol: 17,
            start_port: 0,
            end_port: u16::MAX,
            start: Ipv4Addr::new(10, 0, 0, 0),
            end: Ipv4Addr::new(10, 0, 0, 255),
        };
        assert_eq!(intersect(&tcp443, &udp), None);
        assert_eq!(
            intersect_ports((u16::MAX, 0), (0, u16::MAX)),
            Some((u16::MAX, 0))
        );
        assert_eq!(intersect_ports((u16::MAX, 0), (80, 80)), None);
        assert_eq!(describe(&tcp443), "10.0.0.0/24[tcp/443]");
    }

    #[test]
    fn narrowing_drops_results_contained_in_others() {
        let proposed = [
            v4([10, 0, 0, 5], [10, 0, 0, 5]),
            v4([10, 0, 0, 0], [10, 0, 0, 255]),
        ];
        let ours = [v4([10, 0, 0, 0], [10, 0, 255, 255])];
        assert_eq!(narrow(&proposed, &ours), vec![proposed[1].clone()]);
    }
}
