//! Configuration payloads (RFC 7296 §2.19, §3.15): virtual IPs and DNS servers.
//!
//! The initiator asks with a CFG_REQUEST: for each configured `vips` entry an
//! INTERNAL_IP4_ADDRESS or INTERNAL_IP6_ADDRESS (empty for `0.0.0.0` / `::`, else the
//! address it would like), plus INTERNAL_IP4_DNS / INTERNAL_IP6_DNS. The responder
//! assigns addresses from its pools and answers with a CFG_REPLY. As charon does, a
//! responder whose configuration has pools demands a request (FAILED_CP_REQUIRED)
//! and answers INTERNAL_ADDRESS_FAILURE when no address is left.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use super::ids::IkeSaId;
use crate::config::{IpRange, Pool};
pub use crate::event::AddressRequest;
use crate::wire::iana::{CfgAttrType, CfgType};
use crate::wire::{CfgAttribute, CpPayload};

/// The CFG_REQUEST for the configured `vips`, or `None` when there are none.
pub(crate) fn build_request(vips: &[IpAddr]) -> Option<CpPayload> {
    if vips.is_empty() {
        return None;
    }
    let mut attributes = Vec::new();
    for vip in vips {
        attributes.push(match vip {
            IpAddr::V4(a) if a.is_unspecified() => {
                CfgAttribute::request(CfgAttrType::INTERNAL_IP4_ADDRESS)
            }
            IpAddr::V4(a) => CfgAttribute::ipv4(CfgAttrType::INTERNAL_IP4_ADDRESS, *a),
            IpAddr::V6(a) if a.is_unspecified() => {
                CfgAttribute::request(CfgAttrType::INTERNAL_IP6_ADDRESS)
            }
            // §3.15.1: 16 octets of address and one of prefix length.
            IpAddr::V6(a) => CfgAttribute {
                attr_type: CfgAttrType::INTERNAL_IP6_ADDRESS,
                value: [a.octets().as_slice(), &[128]].concat(),
            },
        });
    }
    if vips.iter().any(IpAddr::is_ipv4) {
        attributes.push(CfgAttribute::request(CfgAttrType::INTERNAL_IP4_DNS));
    }
    if vips.iter().any(IpAddr::is_ipv6) {
        attributes.push(CfgAttribute::request(CfgAttrType::INTERNAL_IP6_DNS));
    }
    Some(CpPayload {
        cfg_type: CfgType::REQUEST,
        attributes,
    })
}

/// The address requests of a CFG_REQUEST (attributes it cannot read are ignored, as
/// §3.15.1 allows for unknown attributes).
pub(crate) fn address_requests(cp: &CpPayload) -> Vec<AddressRequest> {
    cp.attributes
        .iter()
        .filter_map(|a| match a.attr_type {
            CfgAttrType::INTERNAL_IP4_ADDRESS => Some(AddressRequest {
                ipv6: false,
                preferred: a.as_ipv4().filter(|v| !v.is_unspecified()).map(IpAddr::V4),
            }),
            CfgAttrType::INTERNAL_IP6_ADDRESS => Some(AddressRequest {
                ipv6: true,
                preferred: a.as_ipv6().filter(|v| !v.is_unspecified()).map(IpAddr::V6),
            }),
            _ => None,
        })
        .collect()
}

/// The CFG_REPLY: the assigned addresses and the pools' DNS servers of the same
/// families.
pub(crate) fn build_reply(assigned: &[IpAddr], dns: &[IpAddr]) -> CpPayload {
    let mut attributes: Vec<CfgAttribute> = assigned
        .iter()
        .map(|a| match a {
            IpAddr::V4(v) => CfgAttribute::ipv4(CfgAttrType::INTERNAL_IP4_ADDRESS, *v),
            IpAddr::V6(v) => CfgAttribute {
                attr_type: CfgAttrType::INTERNAL_IP6_ADDRESS,
                value: [v.octets().as_slice(), &[128]].concat(),
            },
        })
        .collect();
    for server in dns {
        if assigned.iter().any(|a| a.is_ipv4() == server.is_ipv4()) {
            attributes.push(match server {
                IpAddr::V4(v) => CfgAttribute::ipv4(CfgAttrType::INTERNAL_IP4_DNS, *v),
                IpAddr::V6(v) => CfgAttribute {
                    attr_type: CfgAttrType::INTERNAL_IP6_DNS,
                    value: v.octets().to_vec(),
                },
            });
        }
    }
    CpPayload {
        cfg_type: CfgType::REPLY,
        attributes,
    }
}

/// What a CFG_REPLY assigns: virtual IPs and DNS servers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub addresses: Vec<IpAddr>,
    pub dns: Vec<IpAddr>,
}

pub(crate) fn read_reply(cp: &CpPayload) -> Assignment {
    let mut out = Assignment::default();
    for a in &cp.attributes {
        match a.attr_type {
            CfgAttrType::INTERNAL_IP4_ADDRESS => out.addresses.extend(a.as_ipv4().map(IpAddr::V4)),
            CfgAttrType::INTERNAL_IP6_ADDRESS => out.addresses.extend(a.as_ipv6().map(IpAddr::V6)),
            CfgAttrType::INTERNAL_IP4_DNS => out.dns.extend(a.as_ipv4().map(IpAddr::V4)),
            CfgAttrType::INTERNAL_IP6_DNS => out.dns.extend(a.as_ipv6().map(IpAddr::V6)),
            _ => {}
        }
    }
    out
}

/// A lease of one pool address.
#[derive(Debug, Clone)]
struct Lease {
    /// The identity it was given to (ID type and data), so a returning peer gets
    /// its address back.
    identity: Vec<u8>,
    /// The IKE SA holding it; `None` once that SA is gone (an offline lease).
    holder: Option<IkeSaId>,
    /// Order in which leases went offline, to reuse the oldest first.
    released: u64,
}

/// The address pools of every responder configuration of an engine, with their
/// leases (one allocator per engine: pool names are per configuration, so keys are
/// (configuration index, pool name)).
#[derive(Debug, Default)]
pub(crate) struct PoolAllocator {
    leases: BTreeMap<(usize, String), BTreeMap<IpAddr, Lease>>,
    release_clock: u64,
}

/// Why no address could be assigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolExhausted {
    pub pools: Vec<String>,
}

fn first_assignable(range: IpRange) -> IpAddr {
    // A subnet's network address is not handed out (charon's mem_pool starts at
    // the first host address); a range starts where it says.
    match (range.prefix_len(), range.start()) {
        (Some(p), IpAddr::V4(a)) if p < 31 => {
            IpAddr::V4(Ipv4Addr::from(u32::from(a).saturating_add(1)))
        }
        (Some(p), IpAddr::V6(a)) if p < 127 => {
            IpAddr::V6(Ipv6Addr::from(u128::from(a).saturating_add(1)))
        }
        (_, start) => start,
    }
}

fn last_assignable(range: IpRange) -> IpAddr {
    // An IPv4 subnet's broadcast address is not handed out either.
    match (range.prefix_len(), range.end()) {
        (Some(p), IpAddr::V4(a)) if p < 31 => {
            IpAddr::V4(Ipv4Addr::from(u32::from(a).saturating_sub(1)))
        }
        (_, end) => end,
    }
}

fn next_addr(a: IpAddr) -> Option<IpAddr> {
    match a {
        IpAddr::V4(v) => u32::from(v)
            .checked_add(1)
            .map(|n| IpAddr::V4(Ipv4Addr::from(n))),
        IpAddr::V6(v) => u128::from(v)
            .checked_add(1)
            .map(|n| IpAddr::V6(Ipv6Addr::from(n))),
    }
}

/// At most this many addresses are scanned for a free one (a /8 pool is not walked
/// to its end when it is nearly full; it then counts as exhausted).
const SCAN_LIMIT: usize = 1 << 16;

impl PoolAllocator {
    /// Assigns an address of the requested family from the named pools, in order.
    pub(crate) fn assign(
        &mut self,
        config_index: usize,
        pools: &[(String, Pool)],
        request: &AddressRequest,
        identity: &[u8],
        holder: IkeSaId,
    ) -> Option<(IpAddr, String)> {
        for (name, pool) in pools {
            let range = pool.range();
            if range.is_ipv6() != request.ipv6 {
                continue;
            }
            let leases = self.leases.entry((config_index, name.clone())).or_default();
            // 1. The peer's own lease (online or offline), as charon reassigns it.
            if let Some((addr, lease)) = leases.iter_mut().find(|(_, l)| l.identity == identity) {
                lease.holder = Some(holder);
                return Some((*addr, name.clone()));
            }
            // 2. The address it asked for, if free.
            if let Some(wanted) = request.preferred
                && range.contains(wanted)
                && !leases.contains_key(&wanted)
            {
                leases.insert(
                    wanted,
                    Lease {
                        identity: identity.to_vec(),
                        holder: Some(holder),
                        released: 0,
                    },
                );
                return Some((wanted, name.clone()));
            }
            // 3. The first address never leased.
            let (first, last) = (first_assignable(range), last_assignable(range));
            let mut candidate = Some(first);
            let mut scanned = 0;
            while let Some(addr) = candidate {
                if !range.contains(addr) || scanned >= SCAN_LIMIT || addr > last {
                    break;
                }
                if let std::collections::btree_map::Entry::Vacant(slot) = leases.entry(addr) {
                    slot.insert(Lease {
                        identity: identity.to_vec(),
                        holder: Some(holder),
                        released: 0,
                    });
                    return Some((addr, name.clone()));
                }
                scanned += 1;
                candidate = next_addr(addr);
            }
            // 4. The oldest offline lease of another identity.
            if let Some((addr, lease)) = leases
                .iter_mut()
                .filter(|(_, l)| l.holder.is_none())
                .min_by_key(|(_, l)| l.released)
            {
                lease.identity = identity.to_vec();
                lease.holder = Some(holder);
                return Some((*addr, name.clone()));
            }
        }
        None
    }

    /// Hands every lease of `from` to `to` (an IKE SA replaced by a rekey, RFC 7296
    /// §2.18: the virtual IPs stay with the peer).
    pub(crate) fn transfer(&mut self, from: IkeSaId, to: IkeSaId) {
        for leases in self.leases.values_mut() {
            for lease in leases.values_mut() {
                if lease.holder == Some(from) {
                    lease.holder = Some(to);
                }
            }
        }
    }

    /// Takes every lease of an IKE SA offline (the SA is gone).
    pub(crate) fn release(&mut self, holder: IkeSaId) {
        for leases in self.leases.values_mut() {
            for lease in leases.values_mut() {
                if lease.holder == Some(holder) {
                    self.release_clock += 1;
                    lease.holder = None;
                    lease.released = self.release_clock;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PoolAddrs;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn pool(text: &str) -> (String, Pool) {
        let range = IpRange::parse(text)
            .unwrap_or_else(|_| IpRange::single(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        (
            "p".to_owned(),
            Pool {
                addrs: PoolAddrs(range),
                dns: vec![],
                nbns: vec![],
            },
        )
    }

    const V4: AddressRequest = AddressRequest {
        ipv6: false,
        preferred: None,
    };

    #[test]
    fn assigns_in_order_skipping_network_and_broadcast() {
        let pools = [pool("10.3.0.0/30")];
        let mut a = PoolAllocator::default();
        let first = a.assign(0, &pools, &V4, b"alice", IkeSaId(1));
        assert_eq!(
            first,
            Some((
                "10.3.0.1"
                    .parse()
                    .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
                "p".to_owned()
            ))
        );
        let second = a
            .assign(0, &pools, &V4, b"bob", IkeSaId(2))
            .map(|x| x.0.to_string());
        assert_eq!(second.as_deref(), Some("10.3.0.2"));
        // .3 is the broadcast address: the pool is exhausted.
        assert_eq!(a.assign(0, &pools, &V4, b"carol", IkeSaId(3)), None);
        // Alice comes back with a new SA: same address.
        let again = a
            .assign(0, &pools, &V4, b"alice", IkeSaId(4))
            .map(|x| x.0.to_string());
        assert_eq!(again.as_deref(), Some("10.3.0.1"));
        // Bob's SA goes away: carol gets his offline lease.
        a.release(IkeSaId(2));
        let reused = a
            .assign(0, &pools, &V4, b"carol", IkeSaId(5))
            .map(|x| x.0.to_string());
        assert_eq!(reused.as_deref(), Some("10.3.0.2"));
    }

    #[test]
    fn request_and_reply_round_trip() {
        let request = build_request(&[IpAddr::V4(Ipv4Addr::UNSPECIFIED)]).unwrap_or(CpPayload {
            cfg_type: CfgType::REQUEST,
            attributes: vec![],
        });
        assert_eq!(address_requests(&request), vec![V4]);
        let reply = build_reply(
            &[IpAddr::V4(Ipv4Addr::new(10, 3, 0, 1))],
            &[
                IpAddr::V4(Ipv4Addr::new(10, 1, 0, 53)),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            ],
        );
        let got = read_reply(&reply);
        assert_eq!(got.addresses, vec![IpAddr::V4(Ipv4Addr::new(10, 3, 0, 1))]);
        assert_eq!(got.dns, vec![IpAddr::V4(Ipv4Addr::new(10, 1, 0, 53))]);
    }
}
