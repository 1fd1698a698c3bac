//! The `[local]` and `[remote]` authentication rounds (swanctl.conf(5):
//! `connections.<conn>.local<suffix>` / `remote<suffix>`).
//!
//! IKElab has one round per side (swanctl's suffixes for RFC 4739 multiple
//! authentication are not supported) with two keys, `auth` and `id`.
//!
//! `auth` takes swanctl's words. The engine authenticates with pre-shared keys
//! (`psk`, RFC 7296 §2.15) today; `pubkey` (with charon's key-strength and hash
//! constraints such as `rsa-2048-sha256` or `ike:ecdsa-256`, kept as written) and
//! `eap-<method>` (e.g. `eap-mschapv2`, RFC 7296 §2.16) are read and kept so that
//! configurations stay valid, and are carried out by the certificates and EAP work.
//! IKEv1's `xauth` is refused.

use core::fmt;

use serde::{Deserialize, Serialize};

use super::identity::Identity;
use crate::wire::iana::EapType;

/// EAP method names charon's `eap-<name>` takes that map to an EAP Type (RFC 3748 §5
/// and the methods' RFCs).
pub const EAP_METHODS: &[(&str, EapType)] = &[
    ("md5", EapType::MD5_CHALLENGE),
    ("otp", EapType::OTP),
    ("gtc", EapType::GTC),
    ("tls", EapType::TLS),
    ("sim", EapType::SIM),
    ("ttls", EapType::TTLS),
    ("aka", EapType::AKA),
    ("peap", EapType::PEAP),
    ("mschapv2", EapType::MSCHAPV2),
];

/// charon's EAP pseudo-methods: the method is chosen elsewhere (`eap-radius` hands the
/// conversation to a RADIUS server, `eap-dynamic` lets the client pick).
const EAP_PSEUDO_METHODS: &[&str] = &["radius", "dynamic", "tnc"];

/// How one side authenticates (swanctl.conf(5), `local.auth`: "pubkey, psk,
/// xauth[-backend] or eap[-method]").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMethod {
    /// Pre-shared key: AUTH method 2, Shared Key Message Integrity Code (RFC 7296 §2.15).
    Psk,
    /// Public-key signatures (RFC 7296 §2.15, RFC 7427). `spec` is the text as
    /// written (`pubkey`, `rsa-2048-sha256`, `ike:ecdsa-384`, ...): its constraints are
    /// the certificates work's to read.
    Pubkey { spec: String },
    /// EAP (RFC 7296 §2.16). `method` is `None` for plain `eap` (any method the server
    /// proposes) and for charon's pseudo-methods; `spec` is the text as written.
    Eap {
        spec: String,
        method: Option<EapType>,
    },
}

impl AuthMethod {
    /// Reads swanctl's `auth` value.
    pub fn parse(text: &str) -> Result<Self, String> {
        let lower = text.trim().to_ascii_lowercase();
        if lower == "psk" {
            return Ok(Self::Psk);
        }
        const PUBKEY_PREFIXES: &[&str] = &[
            "pubkey", "rsa", "ecdsa", "ed25519", "ed448", "ike:", "bliss",
        ];
        if PUBKEY_PREFIXES.iter().any(|p| lower.starts_with(p)) {
            return Ok(Self::Pubkey {
                spec: text.trim().to_owned(),
            });
        }
        if lower.starts_with("xauth") {
            return Err(format!(
                "auth {text:?}: XAuth belongs to IKEv1; IKElab speaks IKEv2 (RFC 7296), use psk, pubkey or eap-<method>"
            ));
        }
        if lower == "eap" {
            return Ok(Self::Eap {
                spec: text.trim().to_owned(),
                method: None,
            });
        }
        if let Some(rest) = lower.strip_prefix("eap-") {
            // "eap-tls:ecdsa-384-sha384": a trust-chain constraint follows the colon.
            let name = rest.split(':').next().unwrap_or_default();
            let method = if let Some(&(_, eap_type)) = EAP_METHODS.iter().find(|(n, _)| *n == name)
            {
                Some(eap_type)
            } else if EAP_PSEUDO_METHODS.contains(&name) {
                None
            } else if let Ok(number) = name.parse::<u8>() {
                Some(EapType(number))
            } else {
                let known: Vec<&str> = EAP_METHODS
                    .iter()
                    .map(|(n, _)| *n)
                    .chain(EAP_PSEUDO_METHODS.iter().copied())
                    .collect();
                return Err(format!(
                    "auth {text:?}: unknown EAP method {name:?}; known: {}",
                    known.join(", ")
                ));
            };
            return Ok(Self::Eap {
                spec: text.trim().to_owned(),
                method,
            });
        }
        Err(format!(
            "auth {text:?} is not one of psk, pubkey (or a key constraint such as rsa-2048), eap or eap-<method>"
        ))
    }

    pub fn is_psk(&self) -> bool {
        matches!(self, Self::Psk)
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Psk => f.write_str("psk"),
            Self::Pubkey { spec } | Self::Eap { spec, .. } => f.write_str(spec),
        }
    }
}

impl Default for AuthMethod {
    /// swanctl.conf(5): `local<suffix>.auth [pubkey]`, `remote<suffix>.auth [pubkey]`.
    fn default() -> Self {
        Self::Pubkey {
            spec: "pubkey".to_owned(),
        }
    }
}

impl Serialize for AuthMethod {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AuthMethod {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// `[local]`: how we authenticate and who we say we are.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LocalAuth {
    /// swanctl.conf(5): `local<suffix>.auth [pubkey]`.
    pub auth: AuthMethod,
    /// swanctl.conf(5): `local<suffix>.id []`. Unset, strongSwan sends the IP address
    /// it sends from (ID_IPV4_ADDR / ID_IPV6_ADDR), or a certificate's subject; see
    /// [`Identity::from_ip`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Identity>,
}

/// `[remote]`: what we require of the peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemoteAuth {
    /// swanctl.conf(5): `remote<suffix>.auth [pubkey]`.
    pub auth: AuthMethod,
    /// swanctl.conf(5): `remote<suffix>.id [%any]`; wildcards such as
    /// `*.example.org` or `CN=*` match (see [`Identity::matches`]).
    pub id: Identity,
}

impl Default for RemoteAuth {
    fn default() -> Self {
        Self {
            auth: AuthMethod::default(),
            id: Identity::any(),
        }
    }
}
