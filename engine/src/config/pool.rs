//! Address pools a responder assigns virtual IPs from (swanctl.conf(5)
//! `pools.<name>`), with the attributes it answers a configuration request with
//! (RFC 7296 §3.15: INTERNAL_IP4/6_ADDRESS, INTERNAL_IP4/6_DNS, INTERNAL_IP4_NBNS).
//!
//! In IKElab the section is `[ip_pools.NAME]` rather than swanctl's `pools.NAME`: a
//! `PeerConfig` is one swanctl connection and its credentials in one TOML table, and
//! the connection's own `pools = ["NAME"]` list already takes the key `pools`
//! (TOML cannot hold a key that is both an array and a table).

use core::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::addr::IpRange;

/// `pools.<name>.addrs` (swanctl.conf(5)): "a single CIDR subnet defining the pool to
/// allocate addresses from or an address range (`<from>-<to>`)".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PoolAddrs(pub IpRange);

impl fmt::Display for PoolAddrs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for PoolAddrs {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PoolAddrs {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        IpRange::parse(&text)
            .map(Self)
            .map_err(|e| serde::de::Error::custom(format!("pool addrs: {e}")))
    }
}

/// One `[ip_pools.NAME]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pool {
    /// Required: the subnet or range addresses are assigned from.
    pub addrs: PoolAddrs,
    /// DNS servers to hand out (INTERNAL_IP4_DNS / INTERNAL_IP6_DNS).
    #[serde(default)]
    pub dns: Vec<IpAddr>,
    /// NetBIOS name servers (INTERNAL_IP4_NBNS; RFC 7296 defines no IPv6 variant).
    #[serde(default)]
    pub nbns: Vec<IpAddr>,
}

impl Pool {
    /// The range addresses are assigned from.
    pub fn range(&self) -> IpRange {
        self.addrs.0
    }
}
