//! The namespaces of a pair run and the two swanctl.conf files.

use std::net::IpAddr;

use super::{
    CHILD_NAME, INITIATOR_CONN, INITIATOR_ID, PROTECTED_NET, PairOptions, RESPONDER_CONN,
    RESPONDER_ID, VIP_POOL,
};
use crate::interop::error::Result;
use crate::interop::netns::{Lab, Netns};
use crate::interop::strongswan::{
    AuthRound, ChildConfig, Connection, IkeSecret, Pool, SwanctlConf,
};

/// The two (or three) namespaces of a run and the addresses the peers use.
pub(super) struct Topology {
    pub(super) initiator: Netns,
    pub(super) responder: Netns,
    pub(super) initiator_addr: IpAddr,
    pub(super) responder_addr: IpAddr,
}

pub(super) fn build_topology(lab: &mut Lab, through_nat: bool) -> Result<Topology> {
    let initiator = lab.add_netns("ini")?;
    let responder = lab.add_netns("res")?;
    responder.addr_add("lo", "203.0.113.1/32")?;
    if through_nat {
        let router = lab.add_netns("nat")?;
        lab.link(
            (&initiator, "to-nat", "192.0.2.2/24"),
            (&router, "lan", "192.0.2.1/24"),
        )?;
        lab.link(
            (&router, "wan", "198.51.100.2/24"),
            (&responder, "to-nat", "198.51.100.1/24"),
        )?;
        router.enable_forwarding()?;
        router.masquerade("wan")?;
        initiator.route_add("default", IpAddr::from([192, 0, 2, 1]))?;
        Ok(Topology {
            initiator,
            responder,
            initiator_addr: IpAddr::from([192, 0, 2, 2]),
            responder_addr: IpAddr::from([198, 51, 100, 1]),
        })
    } else {
        lab.link(
            (&initiator, "to-res", "192.0.2.2/24"),
            (&responder, "to-ini", "192.0.2.1/24"),
        )?;
        Ok(Topology {
            initiator,
            responder,
            initiator_addr: IpAddr::from([192, 0, 2, 2]),
            responder_addr: IpAddr::from([192, 0, 2, 1]),
        })
    }
}

fn secret(psk: &str) -> IkeSecret {
    IkeSecret {
        name: "ike-pair".to_owned(),
        ids: vec![INITIATOR_ID.to_owned(), RESPONDER_ID.to_owned()],
        secret: psk.to_owned(),
    }
}

/// swanctl.conf of the road-warrior initiator: asks for a virtual IP (CP request).
pub(super) fn initiator_conf(options: &PairOptions, topology: &Topology) -> SwanctlConf {
    SwanctlConf {
        connections: vec![Connection {
            name: INITIATOR_CONN.to_owned(),
            version: 2,
            local_addrs: vec![topology.initiator_addr.to_string()],
            remote_addrs: vec![topology.responder_addr.to_string()],
            proposals: vec![options.ike_proposal.clone()],
            vips: vec!["0.0.0.0".to_owned()],
            local: AuthRound::psk(INITIATOR_ID),
            remote: AuthRound::psk(RESPONDER_ID),
            children: vec![ChildConfig {
                name: CHILD_NAME.to_owned(),
                remote_ts: vec![PROTECTED_NET.to_owned()],
                esp_proposals: vec![options.esp_proposal.clone()],
                ..ChildConfig::default()
            }],
            ..Connection::default()
        }],
        pools: Vec::new(),
        secrets: vec![secret(&options.psk)],
    }
}

/// swanctl.conf of the gateway: any peer, a virtual IP pool.
pub(super) fn responder_conf(options: &PairOptions, topology: &Topology) -> SwanctlConf {
    SwanctlConf {
        connections: vec![Connection {
            name: RESPONDER_CONN.to_owned(),
            version: 2,
            local_addrs: vec![topology.responder_addr.to_string()],
            proposals: vec![options.ike_proposal.clone()],
            pools: vec!["vpool".to_owned()],
            local: AuthRound::psk(RESPONDER_ID),
            remote: AuthRound::psk(INITIATOR_ID),
            children: vec![ChildConfig {
                name: CHILD_NAME.to_owned(),
                local_ts: vec![PROTECTED_NET.to_owned()],
                esp_proposals: vec![options.esp_proposal.clone()],
                ..ChildConfig::default()
            }],
            ..Connection::default()
        }],
        pools: vec![Pool {
            name: "vpool".to_owned(),
            addrs: VIP_POOL.to_owned(),
            dns: Vec::new(),
        }],
        secrets: vec![secret(
            options.responder_psk.as_ref().unwrap_or(&options.psk),
        )],
    }
}
