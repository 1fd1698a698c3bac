//! The namespaces and configurations of an engine ↔ strongSwan run.
//!
//! Topology (RFC 5737 documentation addresses, inside the namespaces only), the same as
//! the strongSwan pair's ([`crate::interop::pair`]):
//!
//! ```text
//! direct:   [initiator] 192.0.2.2 ──veth── 192.0.2.1 [responder]
//! with NAT: [initiator] 192.0.2.2 ── 192.0.2.1 [nat] 198.51.100.2 ── 198.51.100.1 [responder]
//!                                       MASQUERADE out of `wan`
//! ```
//!
//! Either side may be our engine (namespace `engine`) or charon (namespace `swan`). The
//! responder is a gateway: it protects [`PROTECTED_NET`] and assigns virtual IPs from
//! [`VIP_POOL`]; the initiator asks for one (CP request, RFC 7296 §2.19) and proposes
//! `0.0.0.0/0` as its remote selector, which the gateway narrows (§2.9).

use std::net::IpAddr;

use ikelab_engine::config::PeerConfig;

use crate::interop::error::{InteropError, Result};
use crate::interop::netns::{Lab, Netns};
use crate::interop::pair::{
    CHILD_NAME, INITIATOR_ID, PROTECTED_HOST, PROTECTED_NET, RESPONDER_ID, VIP_POOL,
};
use crate::interop::strongswan::{
    AuthRound, ChildConfig, Connection, IkeSecret, Pool, SwanctlConf,
};

/// Connection name in charon's swanctl.conf.
pub const CHARON_CONN: &str = "conn";
/// The PSK both sides use unless a test says otherwise.
pub const PSK: &str = "ikelab-engine-interop-psk";

/// Which implementation initiates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Initiator {
    /// Our engine initiates; charon is the gateway.
    Engine,
    /// charon initiates; our engine is the gateway.
    Charon,
}

/// Who initiates, and the addresses the peers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addressing {
    /// Who initiates.
    pub initiator: Initiator,
    /// The initiator's own address (before NAT).
    pub initiator_addr: IpAddr,
    /// The responder's address.
    pub responder_addr: IpAddr,
    /// The address the responder sees the initiator at (the router's outside address
    /// behind NAT).
    pub initiator_seen_addr: IpAddr,
}

impl Addressing {
    /// The direct link: 192.0.2.2 initiates to 192.0.2.1.
    pub fn direct(initiator: Initiator) -> Self {
        Self {
            initiator,
            initiator_addr: IpAddr::from([192, 0, 2, 2]),
            responder_addr: IpAddr::from([192, 0, 2, 1]),
            initiator_seen_addr: IpAddr::from([192, 0, 2, 2]),
        }
    }

    /// Through the MASQUERADE router: 192.0.2.2 initiates to 198.51.100.1, which sees
    /// 198.51.100.2.
    pub fn through_nat(initiator: Initiator) -> Self {
        Self {
            initiator,
            initiator_addr: IpAddr::from([192, 0, 2, 2]),
            responder_addr: IpAddr::from([198, 51, 100, 1]),
            initiator_seen_addr: IpAddr::from([198, 51, 100, 2]),
        }
    }

    /// Our engine's address.
    pub fn engine_addr(&self) -> IpAddr {
        match self.initiator {
            Initiator::Engine => self.initiator_addr,
            Initiator::Charon => self.responder_addr,
        }
    }

    /// charon's address.
    pub fn charon_addr(&self) -> IpAddr {
        match self.initiator {
            Initiator::Engine => self.responder_addr,
            Initiator::Charon => self.initiator_addr,
        }
    }
}

/// The namespaces of a run and its addressing.
#[derive(Debug, Clone)]
pub struct Topology {
    /// Where `engine-peer` runs.
    pub engine: Netns,
    /// Where charon runs.
    pub charon: Netns,
    /// The MASQUERADE router, if any.
    pub router: Option<Netns>,
    /// Who initiates, and from and to where.
    pub addressing: Addressing,
}

/// Creates the namespaces and links; with `through_nat`, the initiator sits behind a
/// MASQUERADE router.
pub fn build_topology(lab: &mut Lab, initiator: Initiator, through_nat: bool) -> Result<Topology> {
    let engine = lab.add_netns("engine")?;
    let charon = lab.add_netns("swan")?;
    let (ini, res) = match initiator {
        Initiator::Engine => (&engine, &charon),
        Initiator::Charon => (&charon, &engine),
    };
    // A gateway charon installs a route for the CHILD SA through kernel-libipsec's TUN
    // device, with a source address from its local_ts: give it one (as the pair does).
    if initiator == Initiator::Engine {
        charon.addr_add("lo", &format!("{PROTECTED_HOST}/32"))?;
    }
    let (router, addressing) = if through_nat {
        let router = lab.add_netns("nat")?;
        lab.link(
            (ini, "to-nat", "192.0.2.2/24"),
            (&router, "lan", "192.0.2.1/24"),
        )?;
        lab.link(
            (&router, "wan", "198.51.100.2/24"),
            (res, "to-nat", "198.51.100.1/24"),
        )?;
        router.enable_forwarding()?;
        router.masquerade("wan")?;
        ini.route_add("default", IpAddr::from([192, 0, 2, 1]))?;
        (Some(router), Addressing::through_nat(initiator))
    } else {
        lab.link(
            (ini, "to-res", "192.0.2.2/24"),
            (res, "to-ini", "192.0.2.1/24"),
        )?;
        (None, Addressing::direct(initiator))
    };
    Ok(Topology {
        engine,
        charon,
        router,
        addressing,
    })
}

/// What one run negotiates, on both sides unless a field says otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSpec {
    /// charon's IKE proposals (strongSwan syntax).
    pub charon_ike: Vec<String>,
    /// Our IKE proposals, in order (the first one's group goes into the KE payload).
    pub engine_ike: Vec<String>,
    /// The ESP proposal, both sides.
    pub esp: String,
    /// charon's PSK.
    pub charon_psk: String,
    /// Our PSK.
    pub engine_psk: String,
    /// swanctl.conf `mobike` on charon (ours stays unset: IKElab does not implement
    /// MOBIKE yet and refuses `mobike = true`).
    pub mobike: bool,
    /// Our responder's `cookie_threshold` (1: a cookie from the very first request).
    pub engine_cookie_threshold: u32,
    /// Extra settings of charon's connection (`dpd_delay`, …).
    pub charon_settings: Vec<(String, String)>,
    /// Our `keep_alive` (NAT keep-alive interval when we are behind a NAT, RFC 3948 §2.3).
    pub engine_keep_alive: String,
    /// charon's `local_ts` as a gateway (default: the protected net; `0.0.0.0/0`
    /// makes the client's tunnel a full one).
    pub charon_local_ts: Vec<String>,
    /// The DNS servers of charon's pool (INTERNAL_IP4_DNS, RFC 7296 §3.15.1).
    pub charon_pool_dns: Vec<String>,
}

impl RunSpec {
    /// `ike` / `esp` on both sides, the same PSK, MOBIKE off, no cookies.
    pub fn new(ike: &str, esp: &str) -> Self {
        Self {
            charon_ike: vec![ike.to_owned()],
            engine_ike: vec![ike.to_owned()],
            esp: esp.to_owned(),
            charon_psk: PSK.to_owned(),
            engine_psk: PSK.to_owned(),
            mobike: false,
            engine_cookie_threshold: 30,
            charon_settings: Vec::new(),
            engine_keep_alive: "20s".to_owned(),
            charon_local_ts: vec![PROTECTED_NET.to_owned()],
            charon_pool_dns: Vec::new(),
        }
    }
}

fn secret(psk: &str) -> IkeSecret {
    IkeSecret {
        name: "ike-engine".to_owned(),
        ids: vec![INITIATOR_ID.to_owned(), RESPONDER_ID.to_owned()],
        secret: psk.to_owned(),
    }
}

fn yes_no(flag: bool) -> String {
    if flag { "yes" } else { "no" }.to_owned()
}

/// charon's swanctl.conf for `spec` with `addressing`: a gateway with a pool when our engine
/// initiates, a road warrior asking for a virtual IP when charon does.
pub fn charon_conf(spec: &RunSpec, addressing: &Addressing) -> SwanctlConf {
    let mut settings = vec![("mobike".to_owned(), yes_no(spec.mobike))];
    settings.extend(spec.charon_settings.iter().cloned());
    let connection = match addressing.initiator {
        Initiator::Engine => Connection {
            name: CHARON_CONN.to_owned(),
            version: 2,
            local_addrs: vec![addressing.responder_addr.to_string()],
            proposals: spec.charon_ike.clone(),
            pools: vec!["vpool".to_owned()],
            local: AuthRound::psk(RESPONDER_ID),
            remote: AuthRound::psk(INITIATOR_ID),
            children: vec![ChildConfig {
                name: CHILD_NAME.to_owned(),
                local_ts: spec.charon_local_ts.clone(),
                esp_proposals: vec![spec.esp.clone()],
                ..ChildConfig::default()
            }],
            settings,
            ..Connection::default()
        },
        Initiator::Charon => Connection {
            name: CHARON_CONN.to_owned(),
            version: 2,
            local_addrs: vec![addressing.initiator_addr.to_string()],
            remote_addrs: vec![addressing.responder_addr.to_string()],
            proposals: spec.charon_ike.clone(),
            vips: vec!["0.0.0.0".to_owned()],
            local: AuthRound::psk(INITIATOR_ID),
            remote: AuthRound::psk(RESPONDER_ID),
            children: vec![ChildConfig {
                name: CHILD_NAME.to_owned(),
                remote_ts: vec!["0.0.0.0/0".to_owned()],
                esp_proposals: vec![spec.esp.clone()],
                ..ChildConfig::default()
            }],
            settings,
            ..Connection::default()
        },
    };
    SwanctlConf {
        connections: vec![connection],
        pools: match addressing.initiator {
            Initiator::Engine => vec![Pool {
                name: "vpool".to_owned(),
                addrs: VIP_POOL.to_owned(),
                dns: spec.charon_pool_dns.clone(),
            }],
            Initiator::Charon => Vec::new(),
        },
        secrets: vec![secret(&spec.charon_psk)],
    }
}

/// A TOML basic string (JSON's string escapes are valid TOML).
fn quoted(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

fn quoted_list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|s| quoted(s)).collect();
    format!("[{}]", items.join(", "))
}

/// Our engine's configuration for `spec` with `addressing`, written as the TOML a user
/// would write and parsed by the engine's own reader.
pub fn engine_config(spec: &RunSpec, addressing: &Addressing) -> Result<PeerConfig> {
    let common = format!(
        "version = 2\nproposals = {proposals}\nkeep_alive = {keep_alive}\n\
         [retransmit]\ntimeout = \"1s\"\nbase = 1.8\ntries = 3\n",
        proposals = quoted_list(&spec.engine_ike),
        keep_alive = quoted(&spec.engine_keep_alive),
    );
    let text = match addressing.initiator {
        Initiator::Engine => format!(
            "local_addrs = [{local}]\nremote_addrs = [{remote}]\nvips = [\"0.0.0.0\"]\n\
             {common}\
             [local]\nauth = \"psk\"\nid = {me}\n\
             [remote]\nauth = \"psk\"\nid = {them}\n\
             [children.{child}]\nesp_proposals = [{esp}]\nlocal_ts = [\"dynamic\"]\n\
             remote_ts = [\"0.0.0.0/0\"]\n\
             [secrets]\npsk = {psk}\n",
            local = quoted(&addressing.initiator_addr.to_string()),
            remote = quoted(&addressing.responder_addr.to_string()),
            me = quoted(INITIATOR_ID),
            them = quoted(RESPONDER_ID),
            child = CHILD_NAME,
            esp = quoted(&spec.esp),
            psk = quoted(&spec.engine_psk),
        ),
        Initiator::Charon => format!(
            "local_addrs = [{local}]\nremote_addrs = [\"%any\"]\npools = [\"vpool\"]\n\
             cookie_threshold = {cookies}\n\
             {common}\
             [local]\nauth = \"psk\"\nid = {me}\n\
             [remote]\nauth = \"psk\"\nid = {them}\n\
             [children.{child}]\nesp_proposals = [{esp}]\nlocal_ts = [{net}]\n\
             remote_ts = [\"dynamic\"]\n\
             [secrets]\npsk = {psk}\n\
             [ip_pools.vpool]\naddrs = {pool}\n",
            local = quoted(&addressing.responder_addr.to_string()),
            cookies = spec.engine_cookie_threshold,
            me = quoted(RESPONDER_ID),
            them = quoted(INITIATOR_ID),
            child = CHILD_NAME,
            esp = quoted(&spec.esp),
            net = quoted(PROTECTED_NET),
            psk = quoted(&spec.engine_psk),
            pool = quoted(VIP_POOL),
        ),
    };
    toml::from_str(&text).map_err(|e| InteropError::InvalidInput {
        detail: format!("our engine's configuration does not parse: {e}\n{text}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topology(initiator: Initiator) -> Addressing {
        Addressing::direct(initiator)
    }

    #[test]
    fn both_engine_configurations_parse_and_validate() {
        let mut spec = RunSpec::new("aes128-sha256-modp2048", "aes128-sha256");
        spec.engine_cookie_threshold = 1;
        spec.engine_psk = "with \"quotes\" and \\".to_owned();
        let ini = engine_config(&spec, &topology(Initiator::Engine)).unwrap();
        assert_eq!(ini.proposals, vec!["aes128-sha256-modp2048".to_owned()]);
        assert_eq!(ini.vips, vec![IpAddr::from([0, 0, 0, 0])]);
        assert!(!ini.mobike);
        assert_eq!(ini.keep_alive, std::time::Duration::from_secs(20));
        assert_eq!(
            ini.psk().unwrap().as_bytes(),
            b"with \"quotes\" and \\".as_slice()
        );
        let res = engine_config(&spec, &topology(Initiator::Charon)).unwrap();
        assert_eq!(res.cookie_threshold, 1);
        assert_eq!(res.pools, vec!["vpool".to_owned()]);
        assert!(
            ini.validate_for(ikelab_engine::config::Role::Initiator)
                .is_ok()
        );
        assert!(
            res.validate_for(ikelab_engine::config::Role::Responder)
                .is_ok()
        );
    }

    #[test]
    fn charon_gets_a_pool_only_as_gateway() {
        let spec = RunSpec::new("aes256gcm16-prfsha256-x25519", "aes256gcm16");
        let gateway = charon_conf(&spec, &topology(Initiator::Engine))
            .render()
            .unwrap();
        assert!(gateway.contains("pools = vpool"), "{gateway}");
        assert!(gateway.contains("addrs = 203.0.113.128/25"), "{gateway}");
        assert!(gateway.contains("mobike = no"), "{gateway}");
        let client = charon_conf(&spec, &topology(Initiator::Charon))
            .render()
            .unwrap();
        assert!(client.contains("vips = 0.0.0.0"), "{client}");
        assert!(client.contains("remote_addrs = 192.0.2.1"), "{client}");
        assert!(!client.contains("pools = vpool"), "{client}");
    }
}
