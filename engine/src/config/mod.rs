//! `PeerConfig`: one peer's configuration, in swanctl.conf's shape and words.
//!
//! One type serves the scenario files (`[initiator]` and `[responder]` are
//! `PeerConfig`s), the browser's editors and `ikelab --config`. It is one swanctl
//! connection (`connections.<conn>` without the nesting) with its children, its
//! pre-shared key and the address pools it assigns from, plus the few daemon-wide
//! strongswan.conf settings that shape one peer's protocol behaviour (retransmission,
//! NAT keep-alive, cookies, fragment size). Every key has swanctl's or charon's name
//! and its strongSwan 5.9.8 default, cited on the field; the few IKElab-only
//! departures are said where they are:
//!
//! - `[ip_pools.NAME]` instead of swanctl's top-level `pools.NAME` (see [`pool`]);
//! - `[secrets] psk` / `psk_file` instead of `secrets.ike<suffix>` (see [`secrets`]);
//! - one `[local]` and one `[remote]` round (no RFC 4739 multiple authentication);
//! - durations also take fractions and `ms` (see [`duration`]).
//!
//! ```toml
//! version      = 2
//! local_addrs  = ["192.0.2.2"]
//! remote_addrs = ["192.0.2.1"]
//! proposals    = ["aes256gcm16-prfsha256-x25519", "aes128-sha256-modp2048"]
//! vips         = ["0.0.0.0"]
//! dpd_delay    = "30s"
//! rekey_time   = "4h"
//! [retransmit]
//! timeout = "4s"
//! base    = 1.8
//! tries   = 5
//! [local]
//! auth = "psk"
//! id   = "cl.example"
//! [remote]
//! auth = "psk"
//! id   = "gw.example"
//! [children.net]
//! esp_proposals = ["aes256gcm16"]
//! remote_ts     = ["10.1.0.0/24"]
//! [secrets]
//! psk = "not-a-real-secret"
//! ```
//!
//! Reading TOML (or JSON) text is the caller's business: the engine depends on serde
//! only, and `PeerConfig` is `Deserialize`. Unknown keys are refused by name
//! (`deny_unknown_fields`), so a typo such as `mobik = true` is an error, not a
//! silently ignored line. Values with a syntax of their own (durations, identities,
//! traffic selectors, pool ranges, keywords) are checked while reading, each with a
//! sentence that says what was expected. [`PeerConfig::validate`] then checks what
//! needs more than one value, and reports every problem with its key path.

pub mod addr;
pub mod auth;
pub mod child;
pub mod dn;
pub mod duration;
mod error;
pub mod identity;
pub mod named;
pub mod policy;
pub mod pool;
pub mod retransmit;
pub mod secrets;
pub mod selector;
mod validate;
pub mod volume;

#[cfg(test)]
mod tests;

use core::time::Duration;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

pub use addr::{AddrSpec, IpRange};
pub use auth::{AuthMethod, LocalAuth, RemoteAuth};
pub use child::ChildConfig;
pub use duration::{DurationError, format_duration, parse_duration};
pub use error::{ConfigError, ConfigErrors};
pub use identity::{Identity, IdentityError};
pub use named::Named;
pub use policy::{
    Childless, CloseAction, DpdAction, Fragmentation, Mode, SendCert, StartAction, Unique,
};
pub use pool::{Pool, PoolAddrs};
pub use retransmit::Retransmit;
pub use secrets::{PskText, Secrets};
pub use selector::{PortRange, TrafficSelector, TsAddrs};
pub use validate::Role;

use crate::crypto::Secret;
use duration::{serde_duration, serde_opt_duration};
use policy::serde_bool;

/// One peer's configuration (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PeerConfig {
    /// swanctl.conf(5) `version [0]`: 0 (initiate with IKEv2, and accept IKEv1 as a
    /// responder) or 2 (IKEv2 only). IKElab speaks IKEv2 only, so both mean IKEv2;
    /// 1 (IKEv1) is refused by `validate`.
    pub version: u8,
    /// swanctl.conf(5) `local_addrs [%any]`: addresses, subnets, ranges, `%any`.
    /// Kept as written; DNS names must be resolved by the caller (see [`addr`]).
    pub local_addrs: Vec<String>,
    /// swanctl.conf(5) `remote_addrs [%any]`. An initiator sends to the first single
    /// address; a responder accepts initiators from any entry.
    pub remote_addrs: Vec<String>,
    /// swanctl.conf(5) `local_port [500]`. On 500, IKE floats to 4500 when NAT is
    /// detected or MOBIKE is used (RFC 7296 §2.23, RFC 4555).
    pub local_port: u16,
    /// swanctl.conf(5) `remote_port [500]`.
    pub remote_port: u16,
    /// swanctl.conf(5) `proposals [default]`: IKE proposal strings, one proposal per
    /// entry, read by [`crate::proposal`].
    pub proposals: Vec<String>,
    /// swanctl.conf(5) `vips []`: virtual IPs to request in a CP payload; `0.0.0.0`
    /// and `::` ask for any address (RFC 7296 §3.15).
    pub vips: Vec<IpAddr>,
    /// swanctl.conf(5) `pools []`: names of `[ip_pools.NAME]` to assign virtual IPs
    /// from (responder).
    pub pools: Vec<String>,
    /// swanctl.conf(5) `dpd_delay [0s]`: send a liveness check (an empty
    /// INFORMATIONAL, RFC 7296 §2.4) after this long without traffic; 0 disables.
    #[serde(with = "serde_duration")]
    pub dpd_delay: Duration,
    /// swanctl.conf(5) `rekey_time [4h]`; see [`Self::effective_rekey_time`].
    #[serde(
        default,
        with = "serde_opt_duration",
        skip_serializing_if = "Option::is_none"
    )]
    pub rekey_time: Option<Duration>,
    /// swanctl.conf(5) `reauth_time [0s]`; see [`Self::effective_reauth_time`].
    #[serde(
        default,
        with = "serde_opt_duration",
        skip_serializing_if = "Option::is_none"
    )]
    pub reauth_time: Option<Duration>,
    /// swanctl.conf(5) `over_time [10% of rekey_time/reauth_time]`.
    #[serde(
        default,
        with = "serde_opt_duration",
        skip_serializing_if = "Option::is_none"
    )]
    pub over_time: Option<Duration>,
    /// swanctl.conf(5) `rand_time [over_time]`.
    #[serde(
        default,
        with = "serde_opt_duration",
        skip_serializing_if = "Option::is_none"
    )]
    pub rand_time: Option<Duration>,
    /// swanctl.conf(5) `encap [no]`: fake the NAT detection hashes so that both sides
    /// use UDP encapsulation (RFC 3948) even without NAT.
    #[serde(with = "serde_bool")]
    pub encap: bool,
    /// swanctl.conf(5) `mobike [yes]`: announce MOBIKE (RFC 4555). Not supported
    /// yet: IKElab sends no MOBIKE_SUPPORTED, so the default is `false` and `validate`
    /// refuses `true` (the issue that implements RFC 4555 restores swanctl's `yes`).
    #[serde(with = "serde_bool")]
    pub mobike: bool,
    /// swanctl.conf(5) `fragmentation [yes]`: IKE fragmentation (RFC 7383). Not
    /// supported yet: IKElab neither announces IKEV2_FRAGMENTATION_SUPPORTED nor
    /// reassembles, so the default is `no` and `validate` refuses other values.
    pub fragmentation: Fragmentation,
    /// swanctl.conf(5) `childless [allow]`: IKE SAs without a CHILD SA (RFC 6023).
    /// IKElab accepts an IKE_AUTH without a CHILD SA and, as initiator, creates the
    /// first CHILD SA in IKE_AUTH (`allow`, though CHILDLESS_IKEV2_SUPPORTED is not
    /// announced); `force` and `never` are refused as not supported yet.
    pub childless: Childless,
    /// swanctl.conf(5) `send_certreq [yes]`. Not supported yet: IKElab sends no
    /// CERTREQ (no certificates yet), so the default is `false` and `validate`
    /// refuses `true`.
    #[serde(with = "serde_bool")]
    pub send_certreq: bool,
    /// swanctl.conf(5) `send_cert [ifasked]`. Not supported yet: IKElab sends no
    /// CERT payload, so the default is `never` and `validate` refuses other values.
    pub send_cert: SendCert,
    /// swanctl.conf(5) `keyingtries [1]`: retransmission sequences for the initial
    /// connect; 0 tries for ever. IKElab makes one (the default); `validate` refuses
    /// other values as not supported yet.
    pub keyingtries: u32,
    /// swanctl.conf(5) `unique [no]`: what a responder does with older IKE SAs
    /// between the same identities (RFC 7296 §2.4) when a new one authenticates
    /// with this configuration: `no` replaces them on INITIAL_CONTACT, `never`
    /// keeps them (and an initiator sends no INITIAL_CONTACT), `keep` refuses the
    /// new SA with AUTHENTICATION_FAILED, `replace` deletes the older ones (see
    /// [`Unique`]).
    pub unique: Unique,
    /// strongswan.conf(5) `charon.keep_alive [20s]`: NAT keep-alive interval (RFC 3948
    /// §2.3) when we are behind NAT; 0 disables.
    #[serde(with = "serde_duration")]
    pub keep_alive: Duration,
    /// strongswan.conf(5) `charon.cookie_threshold [30]`: half-open IKE SAs
    /// (counting IKE_SA_INITs not yet processed) from which a responder demands a
    /// COOKIE (RFC 7296 §2.6). 1 demands one from the first request; 0 never.
    pub cookie_threshold: u32,
    /// strongswan.conf(5) `charon.cookie_threshold_ip [3]`: the same, per peer IP.
    pub cookie_threshold_ip: u32,
    /// strongswan.conf(5) `charon.block_threshold [5]`: half-open IKE SAs per peer IP
    /// from which IKE_SA_INITs are dropped; 0 never.
    pub block_threshold: u32,
    /// strongswan.conf(5) `charon.half_open_timeout [30]` (seconds): how long a
    /// half-open IKE SA is kept.
    #[serde(with = "serde_duration")]
    pub half_open_timeout: Duration,
    /// strongswan.conf(5) `charon.dos_protection [yes]`: without it, no cookies and no
    /// blocking, whatever the thresholds.
    #[serde(with = "serde_bool")]
    pub dos_protection: bool,
    /// strongswan.conf(5) `charon.fragment_size [1280]`: the largest IP datagram of
    /// one IKE fragment (RFC 7383). Not supported yet: IKElab sends every IKE message
    /// whole, so the key is unset by default and `validate` refuses a value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fragment_size: Option<u32>,
    /// Retransmission (strongswan.conf(5) `charon.retransmit_*`).
    pub retransmit: Retransmit,
    /// swanctl.conf(5) `local<suffix>`.
    pub local: LocalAuth,
    /// swanctl.conf(5) `remote<suffix>`.
    pub remote: RemoteAuth,
    /// swanctl.conf(5) `children.<child>`, in written order.
    pub children: Named<ChildConfig>,
    /// The pre-shared key.
    pub secrets: Secrets,
    /// Address pools (swanctl.conf(5) `pools.<name>`).
    pub ip_pools: Named<Pool>,
}

impl Default for PeerConfig {
    fn default() -> Self {
        Self {
            version: 0,
            local_addrs: vec!["%any".to_owned()],
            remote_addrs: vec!["%any".to_owned()],
            local_port: 500,
            remote_port: 500,
            proposals: vec!["default".to_owned()],
            vips: Vec::new(),
            pools: Vec::new(),
            dpd_delay: Duration::ZERO,
            rekey_time: None,
            reauth_time: None,
            over_time: None,
            rand_time: None,
            encap: false,
            mobike: false,
            fragmentation: Fragmentation::No,
            childless: Childless::Allow,
            send_certreq: false,
            send_cert: SendCert::Never,
            keyingtries: 1,
            unique: Unique::No,
            keep_alive: Duration::from_secs(20),
            cookie_threshold: 30,
            cookie_threshold_ip: 3,
            block_threshold: 5,
            half_open_timeout: Duration::from_secs(30),
            dos_protection: true,
            fragment_size: None,
            retransmit: Retransmit::default(),
            local: LocalAuth::default(),
            remote: RemoteAuth::default(),
            children: Named::new(),
            secrets: Secrets::default(),
            ip_pools: Named::new(),
        }
    }
}

/// charon's lifetime arithmetic works in whole seconds; sub-second durations (an
/// IKElab extension) are divided exactly.
fn divide(duration: Duration, by: u32) -> Duration {
    if duration.subsec_nanos() == 0 {
        Duration::from_secs(duration.as_secs() / u64::from(by))
    } else {
        duration / by
    }
}

/// IKE SA rekey default (swanctl.conf(5) `rekey_time [4h]`).
const IKE_REKEY_DEFAULT: Duration = Duration::from_secs(4 * 3_600);

impl PeerConfig {
    /// The IKE rekey interval as charon settles it: the configured value; else 0 (no
    /// rekeying) if `reauth_time` is configured ("If a reauth_time is configured,
    /// rekey_time defaults to zero"); else 4 h.
    pub fn effective_rekey_time(&self) -> Duration {
        match (self.rekey_time, self.reauth_time) {
            (Some(rekey), _) => rekey,
            (None, Some(_)) => Duration::ZERO,
            (None, None) => IKE_REKEY_DEFAULT,
        }
    }

    /// The reauthentication interval: the configured value, else 0 (disabled).
    pub fn effective_reauth_time(&self) -> Duration {
        self.reauth_time.unwrap_or(Duration::ZERO)
    }

    /// `over_time`, else charon's default: 10 % of the longer of rekey and reauth time.
    pub fn effective_over_time(&self) -> Duration {
        self.over_time.unwrap_or_else(|| {
            divide(
                self.effective_rekey_time()
                    .max(self.effective_reauth_time()),
                10,
            )
        })
    }

    /// `rand_time`, else charon's default: `over_time`, but at most half of the
    /// shorter of rekey and reauth time when both are set, or of the one that is
    /// (charon's vici loader; swanctl.conf(5) says "equal to over_time", which it is
    /// with the defaults: 24 min).
    pub fn effective_rand_time(&self) -> Duration {
        self.rand_time.unwrap_or_else(|| {
            let (rekey, reauth) = (self.effective_rekey_time(), self.effective_reauth_time());
            let basis = if !rekey.is_zero() && !reauth.is_zero() {
                rekey.min(reauth)
            } else {
                rekey.max(reauth)
            };
            self.effective_over_time().min(divide(basis, 2))
        })
    }

    /// The pre-shared key's octets, decoded from `[secrets] psk` (ASCII, `0x` hex or
    /// `0s` Base64). If only `psk_file` is set, the caller has not read the file yet.
    pub fn psk(&self) -> Result<Secret, ConfigError> {
        match (&self.secrets.psk, &self.secrets.psk_file) {
            (Some(psk), _) => psk
                .decode()
                .map_err(|reason| ConfigError::new("secrets.psk", reason)),
            (None, Some(_)) => Err(ConfigError::new(
                "secrets.psk_file",
                "psk_file must be resolved by the caller: the engine reads no files \
                 (ikelab --config reads it and calls Secrets::resolve_psk_file)",
            )),
            (None, None) => Err(ConfigError::new(
                "secrets.psk",
                "no pre-shared key is configured",
            )),
        }
    }

    /// The IKE proposals, parsed (`default` expands to charon 5.9.8's two).
    pub fn ike_proposals(&self) -> Result<Vec<crate::proposal::ProposalSpec>, ConfigErrors> {
        validate::parse_proposal_list(
            crate::wire::iana::ProtocolId::IKE,
            &self.proposals,
            "proposals",
        )
    }

    /// Where an initiator sends IKE_SA_INIT: the first single address of
    /// `remote_addrs` (swanctl.conf(5): "the first non-range/non-subnet is used").
    pub fn initiator_remote_addr(&self) -> Option<IpAddr> {
        first_single_addr(&self.remote_addrs)
    }

    /// The address an initiator sends from, if `local_addrs` names one.
    pub fn initiator_local_addr(&self) -> Option<IpAddr> {
        first_single_addr(&self.local_addrs)
    }

    /// Whether a responder accepts an IKE_SA_INIT from `source` to `destination`:
    /// each must match at least one entry of `remote_addrs` / `local_addrs`.
    pub fn accepts_addresses(&self, source: IpAddr, destination: IpAddr) -> bool {
        let matches = |list: &[String], addr| {
            list.iter()
                .filter_map(|entry| AddrSpec::parse(entry).ok())
                .any(|spec| spec.matches(addr))
        };
        matches(&self.remote_addrs, source) && matches(&self.local_addrs, destination)
    }
}

impl ChildConfig {
    /// The ESP proposals, parsed (`default` expands to charon 5.9.8's two). `name` is
    /// the child's name, for the error paths.
    pub fn parsed_esp_proposals(
        &self,
        name: &str,
    ) -> Result<Vec<crate::proposal::ProposalSpec>, ConfigErrors> {
        validate::parse_proposal_list(
            crate::wire::iana::ProtocolId::ESP,
            &self.esp_proposals,
            &format!("children.{name}.esp_proposals"),
        )
    }
}

fn first_single_addr(list: &[String]) -> Option<IpAddr> {
    list.iter()
        .find_map(|entry| AddrSpec::parse(entry).ok()?.as_addr())
}
