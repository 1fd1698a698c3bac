//! `PeerConfig::validate`: the checks that need more than one value, or knowledge of
//! the engine, reported all at once, each with its key path
//! (`children.net.remote_ts[0]`) and one sentence a student can act on.
//!
//! What reading already checked (the syntax of durations, identities, selectors, pool
//! ranges and keywords, and unknown keys) is not repeated here.

use core::time::Duration;

use serde::{Deserialize, Serialize};

use super::PeerConfig;
use super::addr::AddrSpec;
use super::auth::AuthMethod;
use super::child::ChildConfig;
use super::duration::format_duration;
use super::error::ConfigErrors;
use super::policy::{Childless, Fragmentation, SendCert};
use super::selector::{TrafficSelector, protocol_has_ports};
use crate::proposal::ProposalSpec;
use crate::wire::iana::{IdType, ProtocolId};

/// Which side of the exchange a configuration is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sends IKE_SA_INIT (`Engine::initiate`, a scenario's `[initiator]`).
    Initiator,
    /// Answers it (a gateway, a scenario's `[responder]`).
    Responder,
}

/// The proposal lists of a configuration, parsed once while validating it, so the
/// engine does not parse them a second time.
#[derive(Debug, Default)]
pub(crate) struct ParsedProposals {
    /// `proposals`.
    pub(crate) ike: Vec<ProposalSpec>,
    /// Each child's `esp_proposals`, in the order of `children`.
    pub(crate) esp: Vec<Vec<ProposalSpec>>,
}

impl PeerConfig {
    /// Checks everything that does not depend on the role (strongSwan's connections
    /// serve both). Returns every problem found.
    pub fn validate(&self) -> Result<(), ConfigErrors> {
        let mut errors = ConfigErrors::default();
        self.check_common(&mut errors, &mut ParsedProposals::default());
        errors.into_result()
    }

    /// [`Self::validate`] plus the checks for one role: an initiator needs an address
    /// to send to and does not assign pools; a responder does not request vips.
    pub fn validate_for(&self, role: Role) -> Result<(), ConfigErrors> {
        self.validate_and_parse(role).map(drop)
    }

    /// [`Self::validate_for`], returning the parsed proposal lists.
    pub(crate) fn validate_and_parse(&self, role: Role) -> Result<ParsedProposals, ConfigErrors> {
        let mut errors = ConfigErrors::default();
        let mut parsed = ParsedProposals::default();
        self.check_common(&mut errors, &mut parsed);
        match role {
            Role::Initiator => self.check_initiator(&mut errors),
            Role::Responder => self.check_responder(&mut errors),
        }
        errors.into_result().map(|()| parsed)
    }

    fn check_common(&self, errors: &mut ConfigErrors, parsed: &mut ParsedProposals) {
        match self.version {
            0 | 2 => {}
            1 => errors.push(
                "version",
                "IKEv1 is not implemented: IKElab speaks IKEv2 (RFC 7296); use 2 (or 0)",
            ),
            other => errors.push(
                "version",
                format!("{other} is not an IKE version: use 2 (IKEv2) or 0 (strongSwan's default)"),
            ),
        }
        check_addr_list(errors, "local_addrs", &self.local_addrs);
        check_addr_list(errors, "remote_addrs", &self.remote_addrs);
        for (key, port) in [
            ("local_port", self.local_port),
            ("remote_port", self.remote_port),
        ] {
            if port == 0 {
                errors.push(
                    key,
                    "port 0 cannot be used: IKE listens on 500 (and 4500 after NAT-T), RFC 7296 §2",
                );
            }
        }
        match parse_proposal_list(ProtocolId::IKE, &self.proposals, "proposals") {
            Ok(ike) => parsed.ike = ike,
            Err(problems) => errors.0.extend(problems.0),
        }
        self.check_pools(errors);
        self.check_ike_lifetimes(errors);
        self.check_retransmit(errors);
        self.check_auth(errors);
        self.check_not_supported_yet(errors);
        parsed.esp = self
            .children
            .iter()
            .map(|(name, child)| check_child(errors, name, child))
            .collect();
    }

    /// Keys IKElab does not act on yet: each defaults to what the engine does, and
    /// any other value is refused rather than silently ignored.
    fn check_not_supported_yet(&self, errors: &mut ConfigErrors) {
        let refuse = |errors: &mut ConfigErrors, key: &str, what: &str, engine_does: &str| {
            errors.push(
                key,
                format!("{key} = {what} is not supported yet: {engine_does}; leave {key} unset"),
            );
        };
        if self.mobike {
            refuse(
                errors,
                "mobike",
                "true",
                "IKElab does not implement MOBIKE (RFC 4555) and sends no MOBIKE_SUPPORTED",
            );
        }
        if self.fragmentation != Fragmentation::No {
            refuse(
                errors,
                "fragmentation",
                &quoted(&self.fragmentation),
                "IKElab does not implement IKE fragmentation (RFC 7383): it announces no \
                 IKEV2_FRAGMENTATION_SUPPORTED and sends every message whole (\"no\")",
            );
        }
        if self.childless != Childless::Allow {
            refuse(
                errors,
                "childless",
                &quoted(&self.childless),
                "IKElab accepts IKE SAs without a CHILD SA and creates the first CHILD SA in \
                 IKE_AUTH (\"allow\"), RFC 6023 is not implemented",
            );
        }
        if self.send_certreq {
            refuse(
                errors,
                "send_certreq",
                "true",
                "IKElab authenticates with pre-shared keys only and sends no CERTREQ",
            );
        }
        if self.send_cert != SendCert::Never {
            refuse(
                errors,
                "send_cert",
                &quoted(&self.send_cert),
                "IKElab authenticates with pre-shared keys only and sends no CERT (\"never\")",
            );
        }
        if self.keyingtries != 1 {
            refuse(
                errors,
                "keyingtries",
                &self.keyingtries.to_string(),
                "IKElab makes one retransmission sequence for the initial connect (1)",
            );
        }
        if let Some(size) = self.fragment_size {
            refuse(
                errors,
                "fragment_size",
                &size.to_string(),
                "IKElab sends every IKE message whole (no RFC 7383 fragments)",
            );
        }
    }

    fn check_pools(&self, errors: &mut ConfigErrors) {
        for (i, name) in self.pools.iter().enumerate() {
            let path = format!("pools[{i}]");
            if !self.ip_pools.contains(name) {
                let defined: Vec<&str> = self.ip_pools.names().collect();
                let hint = if defined.is_empty() {
                    "no [ip_pools.*] section is defined".to_owned()
                } else {
                    format!("defined pools: {}", defined.join(", "))
                };
                errors.push(
                    path,
                    format!("pool {name:?} is not defined as [ip_pools.{name}] ({hint})"),
                );
            } else if self.pools[..i].contains(name) {
                errors.push(path, format!("pool {name:?} is listed twice"));
            }
        }
        let pools: Vec<(&str, &super::Pool)> = self.ip_pools.iter().collect();
        for (i, (name, pool)) in pools.iter().enumerate() {
            if let Some((other, _)) = pools[..i]
                .iter()
                .find(|(_, p)| p.range().overlaps(&pool.range()))
            {
                errors.push(
                    format!("ip_pools.{name}.addrs"),
                    format!("{} overlaps pool {other:?}: pools must not share addresses (swanctl.conf(5))", pool.addrs),
                );
            }
            for (j, server) in pool.nbns.iter().enumerate() {
                if server.is_ipv6() {
                    errors.push(
                        format!("ip_pools.{name}.nbns[{j}]"),
                        format!(
                            "{server} is IPv6, but RFC 7296 §3.15.1 only has INTERNAL_IP4_NBNS"
                        ),
                    );
                }
            }
        }
    }

    fn check_ike_lifetimes(&self, errors: &mut ConfigErrors) {
        let rand = self.effective_rand_time();
        for (key, interval) in [
            ("rekey_time", self.effective_rekey_time()),
            ("reauth_time", self.effective_reauth_time()),
        ] {
            if !interval.is_zero() && rand >= interval {
                errors.push(
                    "rand_time",
                    format!(
                        "rand_time ({}) must be shorter than {key} ({}): up to rand_time is taken off {key}, \
                         which would leave nothing",
                        format_duration(rand),
                        format_duration(interval)
                    ),
                );
            }
        }
    }

    fn check_retransmit(&self, errors: &mut ConfigErrors) {
        let r = &self.retransmit;
        if r.timeout.is_zero() {
            errors.push(
                "retransmit.timeout",
                "must be longer than 0: a request would be resent at once, for ever",
            );
        }
        if !r.base.is_finite() || r.base < 1.0 {
            errors.push(
                "retransmit.base",
                format!("{} cannot be a back-off factor: it must be a number of at least 1.0 (strongSwan: 1.8)", r.base),
            );
        }
        if r.jitter > 100 {
            errors.push(
                "retransmit.jitter",
                format!("{} is a percentage of the timeout: at most 100", r.jitter),
            );
        }
    }

    fn check_auth(&self, errors: &mut ConfigErrors) {
        if let Some(id) = &self.local.id {
            if id.is_any() {
                errors.push("local.id", format!("{:?} matches anyone, but we must tell the peer who we are: give an identity or leave local.id out (the IP address is sent)", id.as_str()));
            } else if id.has_wildcard() {
                errors.push(
                    "local.id",
                    format!(
                        "{:?} has a wildcard: it can match a peer, but cannot be sent",
                        id.as_str()
                    ),
                );
            } else if id.id_type() == Some(IdType::DER_ASN1_GN) {
                errors.push(
                    "local.id",
                    "ID_DER_ASN1_GN identities cannot be sent by IKElab",
                );
            }
        }
        let psk_needed = [
            ("local.auth", &self.local.auth),
            ("remote.auth", &self.remote.auth),
        ]
        .into_iter()
        .find(|(_, auth)| **auth == AuthMethod::Psk);
        let secrets = &self.secrets;
        match (&secrets.psk, &secrets.psk_file) {
            (Some(_), Some(_)) => errors.push("secrets", "set psk or psk_file, not both"),
            (None, None) => {
                if let Some((key, _)) = psk_needed {
                    errors.push("secrets", format!("{key} is \"psk\", so a pre-shared key is needed: set secrets.psk or secrets.psk_file"));
                }
            }
            (Some(psk), None) => {
                if let Err(reason) = psk.decode() {
                    errors.push("secrets.psk", reason);
                }
            }
            (None, Some(file)) => {
                if file.trim().is_empty() {
                    errors.push(
                        "secrets.psk_file",
                        "is empty: name the file that holds the key",
                    );
                }
            }
        }
    }

    fn check_initiator(&self, errors: &mut ConfigErrors) {
        if self.initiator_remote_addr().is_none() {
            errors.push(
                "remote_addrs",
                "an initiator needs one single address to send to (swanctl.conf(5): \"To initiate a connection, \
                 at least one specific address or DNS name must be specified\"); %any, subnets and ranges only match",
            );
        }
        if !self.pools.is_empty() {
            errors.push("pools", "only a responder assigns addresses from pools; an initiator asks for one with vips");
        }
    }

    fn check_responder(&self, errors: &mut ConfigErrors) {
        if !self.vips.is_empty() {
            errors.push(
                "vips",
                "only an initiator requests virtual IPs; a responder assigns them from pools",
            );
        }
    }
}

/// Checks one `local_addrs` / `remote_addrs` list.
fn check_addr_list(errors: &mut ConfigErrors, key: &str, list: &[String]) {
    if list.is_empty() {
        errors.push(key, "is empty: write [\"%any\"] to accept any address");
    }
    for (i, entry) in list.iter().enumerate() {
        if let Err(reason) = AddrSpec::parse(entry) {
            errors.push(format!("{key}[{i}]"), reason);
        }
    }
}

/// Parses proposal strings with [`crate::proposal`], one error per bad entry.
pub(super) fn parse_proposal_list(
    protocol: ProtocolId,
    list: &[String],
    key: &str,
) -> Result<Vec<ProposalSpec>, ConfigErrors> {
    let mut errors = ConfigErrors::default();
    if list.is_empty() {
        errors.push(
            key,
            "is empty: write [\"default\"] for strongSwan's default proposals",
        );
    }
    let mut out = Vec::new();
    for (i, text) in list.iter().enumerate() {
        if text.contains(',') {
            errors.push(
                format!("{key}[{i}]"),
                format!("{text:?} holds several proposals: swanctl separates them with commas, here each is its own list entry"),
            );
            continue;
        }
        match ProposalSpec::parse(protocol, text) {
            Ok(specs) => out.extend(specs),
            Err(e) => errors.push(format!("{key}[{i}]"), e.to_string()),
        }
    }
    errors.into_result().map(|()| out)
}

/// Checks one child; returns its parsed ESP proposals (empty if they have errors).
fn check_child(errors: &mut ConfigErrors, name: &str, child: &ChildConfig) -> Vec<ProposalSpec> {
    let path = |key: &str| format!("children.{name}.{key}");
    if name.trim().is_empty() {
        errors.push("children", "a child needs a name: [children.NAME]");
    }
    let esp_proposals = parse_proposal_list(
        ProtocolId::ESP,
        &child.esp_proposals,
        &path("esp_proposals"),
    )
    .unwrap_or_else(|problems| {
        errors.0.extend(problems.0);
        Vec::new()
    });
    for (key, list) in [
        ("local_ts", &child.local_ts),
        ("remote_ts", &child.remote_ts),
    ] {
        if list.is_empty() {
            errors.push(
                path(key),
                "is empty: write [\"dynamic\"] for the tunnel's own address",
            );
        }
        for (i, ts) in list.iter().enumerate() {
            check_selector(errors, format!("{}[{i}]", path(key)), ts);
        }
    }
    let nanos = |d: Duration| d.as_nanos();
    let show_time =
        |v: u128| format_duration(Duration::from_nanos(u64::try_from(v).unwrap_or(u64::MAX)));
    let limits = Limits {
        unit: "time",
        show: &show_time,
        rekey: nanos(child.rekey_time),
        life: child.life_time.map(nanos),
        rand: child.rand_time.map(nanos),
    };
    limits.check(errors, &path);
    let show_count = |v: u128| v.to_string();
    let limits = Limits {
        unit: "bytes",
        show: &show_count,
        rekey: child.rekey_bytes.into(),
        life: child.life_bytes.map(u128::from),
        rand: child.rand_bytes.map(u128::from),
    };
    limits.check(errors, &path);
    let limits = Limits {
        unit: "packets",
        show: &show_count,
        rekey: child.rekey_packets.into(),
        life: child.life_packets.map(u128::from),
        rand: child.rand_packets.map(u128::from),
    };
    limits.check(errors, &path);
    esp_proposals
}

/// RFC 7296 §3.13.1: "For protocols for which port is undefined (including protocol
/// 0), or if all ports are allowed, this field MUST be zero" (start) and 65535 (end).
fn check_selector(errors: &mut ConfigErrors, path: String, ts: &TrafficSelector) {
    if !ts.ports.is_any() && !protocol_has_ports(ts.protocol) {
        let protocol = if ts.protocol == 0 {
            "any protocol".to_owned()
        } else {
            format!("protocol {}", ts.protocol)
        };
        errors.push(
            path,
            format!(
                "{ts}: {protocol} has no ports, so the selector cannot restrict them (RFC 7296 §3.13.1); \
                 name a protocol with ports, e.g. [tcp/443]"
            ),
        );
    }
}

/// The soft / hard / random limits of a child (`rekey_X`, `life_X`, `rand_X`) in one
/// unit (nanoseconds, bytes or packets); 0 disables a limit.
struct Limits<'a> {
    unit: &'static str,
    show: &'a dyn Fn(u128) -> String,
    rekey: u128,
    life: Option<u128>,
    rand: Option<u128>,
}

impl Limits<'_> {
    fn check(&self, errors: &mut ConfigErrors, path: &dyn Fn(&str) -> String) {
        let (unit, show, rekey) = (self.unit, self.show, self.rekey);
        if let Some(life) = self.life
            && life != 0
            && rekey != 0
            && life <= rekey
        {
            errors.push(
                path(&format!("life_{unit}")),
                format!(
                    "life_{unit} ({}) must be more than rekey_{unit} ({}): the CHILD SA would be closed before it is rekeyed",
                    show(life),
                    show(rekey)
                ),
            );
        }
        if let Some(rand) = self.rand
            && rekey != 0
            && rand >= rekey
        {
            errors.push(
                path(&format!("rand_{unit}")),
                format!(
                    "rand_{unit} ({}) must be less than rekey_{unit} ({}): up to rand_{unit} is taken off rekey_{unit}",
                    show(rand),
                    show(rekey)
                ),
            );
        }
    }
}

/// A keyword as written in TOML (`"ifasked"`), from its serde form.
fn quoted(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "?".to_owned())
}
