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
    /// The IKE SAs using it (more than one when the same identity has several IKE
    /// SAs, e.g. under `unique = never`); empty once they are gone (an offline
    /// lease).
    holders: Vec<IkeSaId>,
    /// Order in which leases went offline, to reuse the oldest first.
    released: u64,
}

impl Lease {
    fn online(&self) -> bool {
        !self.holders.is_empty()
    }
}

/// A pool as the leases know it: its name and its addresses. A configuration
/// removed and added again (a gateway's reload, with a new `ResponderId`) finds
/// its pool's leases again, as charon's pools, loaded apart from the connections
/// (`swanctl --load-pools`), keep their leases when connections are reloaded.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct PoolKey {
    name: String,
    start: IpAddr,
    end: IpAddr,
}

impl PoolKey {
    fn of(name: &str, range: IpRange) -> Self {
        Self {
            name: name.to_owned(),
            start: range.start(),
            end: range.end(),
        }
    }
}

/// The address pools of an engine, with their leases, kept across configuration
/// reloads: leases belong to a pool (its name and range), not to the configuration
/// that named it. Pools of different configurations may overlap, so an address
/// another identity holds online in any pool is never handed out.
#[derive(Debug, Default)]
pub(crate) struct PoolAllocator {
    leases: BTreeMap<PoolKey, BTreeMap<IpAddr, Lease>>,
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
        pools: &[(String, Pool)],
        request: &AddressRequest,
        identity: &[u8],
        holder: IkeSaId,
        replacing: &[IkeSaId],
    ) -> Option<(IpAddr, String)> {
        for (name, pool) in pools {
            let range = pool.range();
            if range.is_ipv6() != request.ipv6 {
                continue;
            }
            let key = PoolKey::of(name, range);
            if let Some(addr) = self.pick(&key, range, request, identity, replacing) {
                self.lease(key, addr, identity, holder);
                return Some((addr, name.clone()));
            }
        }
        None
    }

    /// The address of pool `key` for `identity`, or `None` if the pool has none.
    fn pick(
        &self,
        key: &PoolKey,
        range: IpRange,
        request: &AddressRequest,
        identity: &[u8],
        replacing: &[IkeSaId],
    ) -> Option<IpAddr> {
        let empty = BTreeMap::new();
        let leases = self.leases.get(key).unwrap_or(&empty);
        let usable = |addr: IpAddr| !self.held_by_other(addr, identity);
        // 1. The peer's own lease, as charon's mem_pool reassigns it: an offline one;
        //    an online one only to the SA that replaces its holders (INITIAL_CONTACT,
        //    `unique = replace`) or that asks for it by address (a
        //    reauthentication). A second SA of one identity beside the first (two
        //    devices, `unique = no` without INITIAL_CONTACT) gets an address of its
        //    own, so return traffic finds each.
        let reassignable = |addr: IpAddr, lease: &Lease| {
            lease.identity == identity
                && usable(addr)
                && (!lease.online()
                    || lease.holders.iter().all(|h| replacing.contains(h))
                    || request.preferred == Some(addr))
        };
        if let Some(addr) = leases
            .iter()
            .find(|(a, l)| reassignable(**a, l))
            .map(|(a, _)| *a)
        {
            return Some(addr);
        }
        // 2. The address it asked for, if free.
        if let Some(wanted) = request.preferred
            && range.contains(wanted)
            && !leases.contains_key(&wanted)
            && usable(wanted)
        {
            return Some(wanted);
        }
        // 3. The first address never leased.
        let (first, last) = (first_assignable(range), last_assignable(range));
        let mut candidate = Some(first);
        let mut scanned = 0;
        while let Some(addr) = candidate {
            if !range.contains(addr) || scanned >= SCAN_LIMIT || addr > last {
                break;
            }
            if !leases.contains_key(&addr) && usable(addr) {
                return Some(addr);
            }
            scanned += 1;
            candidate = next_addr(addr);
        }
        // 4. The oldest offline lease of another identity.
        leases
            .iter()
            .filter(|(a, l)| !l.online() && usable(**a))
            .min_by_key(|(_, l)| l.released)
            .map(|(a, _)| *a)
    }

    /// Whether an online lease of any pool holds `addr` for another identity (the
    /// pools of two configurations may overlap).
    fn held_by_other(&self, addr: IpAddr, identity: &[u8]) -> bool {
        self.leases.values().any(|leases| {
            leases
                .get(&addr)
                .is_some_and(|l| l.online() && l.identity != identity)
        })
    }

    /// Leases `addr` of pool `key` to `identity` for `holder`: a new lease, the
    /// identity's own (one more holder), or another identity's offline one (taken
    /// over).
    fn lease(&mut self, key: PoolKey, addr: IpAddr, identity: &[u8], holder: IkeSaId) {
        let lease = self
            .leases
            .entry(key)
            .or_default()
            .entry(addr)
            .or_insert_with(|| Lease {
                identity: identity.to_vec(),
                holders: Vec::new(),
                released: 0,
            });
        if lease.identity != identity {
            lease.identity = identity.to_vec();
            lease.holders.clear();
        }
        if !lease.holders.contains(&holder) {
            lease.holders.push(holder);
        }
    }

    /// Hands every lease of `from` to `to` (an IKE SA replaced by a rekey, RFC 7296
    /// §2.18: the virtual IPs stay with the peer).
    pub(crate) fn transfer(&mut self, from: IkeSaId, to: IkeSaId) {
        for lease in self.leases.values_mut().flat_map(BTreeMap::values_mut) {
            if let Some(position) = lease.holders.iter().position(|h| *h == from) {
                if lease.holders.contains(&to) {
                    lease.holders.remove(position);
                } else if let Some(slot) = lease.holders.get_mut(position) {
                    *slot = to;
                }
            }
        }
    }

    /// An IKE SA is gone: it no longer holds its leases; those it was the last
    /// holder of go offline.
    pub(crate) fn release(&mut self, holder: IkeSaId) {
        for lease in self.leases.values_mut().flat_map(BTreeMap::values_mut) {
            let before = lease.holders.len();
            lease.holders.retain(|h| *h != holder);
            if before > 0 && lease.holders.is_empty() {
                self.release_clock += 1;
                lease.released = self.release_clock;
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
        named_pool("p", text)
    }

    fn named_pool(name: &str, text: &str) -> (String, Pool) {
        let range = IpRange::parse(text)
            .unwrap_or_else(|_| IpRange::single(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        (
            name.to_owned(),
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
        let first = a.assign(&pools, &V4, b"alice", IkeSaId(1), &[]);
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
            .assign(&pools, &V4, b"bob", IkeSaId(2), &[])
            .map(|x| x.0.to_string());
        assert_eq!(second.as_deref(), Some("10.3.0.2"));
        // .3 is the broadcast address: the pool is exhausted.
        assert_eq!(a.assign(&pools, &V4, b"carol", IkeSaId(3), &[]), None);
        // Alice comes back with a new SA that replaces her old one (INITIAL_CONTACT):
        // same address.
        let again = a
            .assign(&pools, &V4, b"alice", IkeSaId(4), &[IkeSaId(1)])
            .map(|x| x.0.to_string());
        assert_eq!(again.as_deref(), Some("10.3.0.1"));
        // Bob's SA goes away: carol gets his offline lease.
        a.release(IkeSaId(2));
        let reused = a
            .assign(&pools, &V4, b"carol", IkeSaId(5), &[])
            .map(|x| x.0.to_string());
        assert_eq!(reused.as_deref(), Some("10.3.0.2"));
    }

    /// The address `assign` hands out, as text.
    fn addr(
        a: &mut PoolAllocator,
        pools: &[(String, Pool)],
        identity: &[u8],
        sa: u64,
    ) -> Option<String> {
        a.assign(pools, &V4, identity, IkeSaId(sa), &[])
            .map(|(addr, _)| addr.to_string())
    }

    /// [`addr`] for an SA that replaces SA `old` of the same identity.
    fn addr_replacing(
        a: &mut PoolAllocator,
        pools: &[(String, Pool)],
        identity: &[u8],
        sa: u64,
        old: u64,
    ) -> Option<String> {
        a.assign(pools, &V4, identity, IkeSaId(sa), &[IkeSaId(old)])
            .map(|(addr, _)| addr.to_string())
    }

    #[test]
    fn a_configuration_loaded_again_finds_its_pools_leases() {
        // A gateway's configuration with pool p, removed and added again (a new
        // ResponderId, its pools compiled again): the leases are the pool's.
        let before = [pool("10.3.0.0/24")];
        let mut a = PoolAllocator::default();
        assert_eq!(
            addr(&mut a, &before, b"alice", 1).as_deref(),
            Some("10.3.0.1")
        );
        let reloaded = [pool("10.3.0.0/24")];
        // Alice is still online: her address is not handed to bob...
        assert_eq!(
            addr(&mut a, &reloaded, b"bob", 2).as_deref(),
            Some("10.3.0.2")
        );
        // ...and she gets it back when she reconnects under the new configuration
        // (her new SA replacing the old one).
        assert_eq!(
            addr_replacing(&mut a, &reloaded, b"alice", 3, 1).as_deref(),
            Some("10.3.0.1")
        );
    }

    #[test]
    fn an_address_online_in_an_overlapping_pool_is_not_handed_out() {
        // Two configurations' pools share 10.3.0.1 and 10.3.0.2.
        let small = [named_pool("small", "10.3.0.0/30")];
        let large = [named_pool("large", "10.3.0.0/24")];
        let mut a = PoolAllocator::default();
        assert_eq!(
            addr(&mut a, &small, b"alice", 1).as_deref(),
            Some("10.3.0.1")
        );
        assert_eq!(addr(&mut a, &small, b"bob", 2).as_deref(), Some("10.3.0.2"));
        // Bob goes offline; dave takes his address through the large pool.
        a.release(IkeSaId(2));
        assert_eq!(
            addr(&mut a, &large, b"dave", 3).as_deref(),
            Some("10.3.0.2")
        );
        // The small pool's offline lease of .2 is dave's now, .1 alice's: none left.
        assert_eq!(addr(&mut a, &small, b"erin", 4), None);
        // Bob returns: his own lease of .2 is dave's in the large pool now.
        assert_eq!(addr(&mut a, &small, b"bob", 5), None);
        assert_eq!(addr(&mut a, &large, b"bob", 5).as_deref(), Some("10.3.0.3"));
        // Alice's SA goes: erin may have .1.
        a.release(IkeSaId(1));
        assert_eq!(
            addr(&mut a, &small, b"erin", 6).as_deref(),
            Some("10.3.0.1")
        );
    }

    #[test]
    fn a_lease_shared_by_two_sas_of_one_identity_stays_online_until_both_are_gone() {
        let pools = [pool("10.3.0.0/29")];
        let mut a = PoolAllocator::default();
        assert_eq!(
            addr(&mut a, &pools, b"alice", 1).as_deref(),
            Some("10.3.0.1")
        );
        // A second IKE SA of alice beside the first (a second device, unique = no
        // without INITIAL_CONTACT) gets an address of its own, as from charon...
        assert_eq!(
            addr(&mut a, &pools, b"alice", 2).as_deref(),
            Some("10.3.0.2")
        );
        // ...unless it asks for hers (a reauthentication): then they share it.
        let wanted = AddressRequest {
            ipv6: false,
            preferred: "10.3.0.1".parse().ok(),
        };
        let shared = a
            .assign(&pools, &wanted, b"alice", IkeSaId(3), &[])
            .map(|(addr, _)| addr.to_string());
        assert_eq!(shared.as_deref(), Some("10.3.0.1"));
        // The newer SA goes; the older one still uses .1.
        a.release(IkeSaId(3));
        assert_eq!(addr(&mut a, &pools, b"bob", 4).as_deref(), Some("10.3.0.3"));
        let taken = a
            .assign(&pools, &wanted, b"carol", IkeSaId(5), &[])
            .map(|(addr, _)| addr.to_string());
        assert_eq!(taken.as_deref(), Some("10.3.0.4"), "not .1: alice holds it");
        // A rekey of the older one keeps it online (RFC 7296 §2.18).
        a.transfer(IkeSaId(1), IkeSaId(6));
        a.release(IkeSaId(6));
        // Now .1 is offline; only alice's own SAs reuse it first.
        assert_eq!(
            addr_replacing(&mut a, &pools, b"alice", 7, 2).as_deref(),
            Some("10.3.0.1")
        );
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
