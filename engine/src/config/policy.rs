//! The keyword options of a connection and of a CHILD SA, with swanctl's words and
//! defaults (swanctl.conf(5), strongSwan 5.9.8), and swanctl's yes/no booleans.

use core::fmt;

use serde::{Deserialize, Serialize};

/// `fragmentation` (swanctl.conf(5) `[yes]`): IKE fragmentation, RFC 7383.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fragmentation {
    /// Announce support and send oversized messages in fragments if the peer supports
    /// them.
    #[default]
    Yes,
    /// Announce support, but never fragment our own messages.
    Accept,
    /// IKEv1 only in strongSwan: fragment even the first message. In IKEv2 the first
    /// message cannot be fragmented (RFC 7383 §2.5), so it behaves like `yes`.
    Force,
    /// Do not announce support. (Fragments a peer sends are still reassembled.)
    No,
}

/// `unique` (swanctl.conf(5) `[no]`): what a responder does with the older IKE SAs
/// between the same authenticated identities (our identity and the peer's, RFC
/// 7296 §2.4) when a new IKE SA authenticates, as charon 5.9 does (its
/// `check_uniqueness`). The value of the configuration the new SA authenticated
/// with counts; the older SAs may have been made under any configuration, one
/// since reloaded included.
///
/// INITIAL_CONTACT (RFC 7296 §2.4: "this IKE SA is the only IKE SA currently
/// active between the authenticated identities") drops the older SAs without a
/// Delete under `no`, `keep` and `replace` alike; only `never` ignores it. Without
/// it, `keep` and `replace` act as below. An initiator sends INITIAL_CONTACT when it
/// has no established IKE SA with the peer's address, unless this is `never`
/// (swanctl.conf(5): "Unless set to never the client will send a notify").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unique {
    /// Never replace, not even on INITIAL_CONTACT (charon ignores it); as
    /// initiator, send no INITIAL_CONTACT.
    Never,
    /// Replace the older SAs only if the new one carries INITIAL_CONTACT.
    #[default]
    No,
    /// Refuse the new IKE SA while an older one is up from another address: its
    /// IKE_AUTH is answered AUTHENTICATION_FAILED (charon: "canceling IKE_SA setup
    /// due to uniqueness policy"). An older SA from the same address and port is
    /// taken for a reauthentication (make-before-break) and kept with the new one.
    Keep,
    /// Once the new IKE SA is established, delete the older ones with an
    /// INFORMATIONAL Delete (charon: "deleting duplicate IKE_SA for peer ... due to
    /// uniqueness policy"; from the same address charon waits 10 s for a
    /// reauthentication to finish, IKElab deletes at once).
    Replace,
}

impl Unique {
    /// The keyword as written in swanctl.conf(5).
    pub fn keyword(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::No => "no",
            Self::Keep => "keep",
            Self::Replace => "replace",
        }
    }
}

/// `childless` (swanctl.conf(5) `[allow]`): IKE SAs without a first CHILD SA
/// (RFC 6023).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Childless {
    /// Accept childless IKE SAs as responder; as initiator create the first CHILD SA
    /// in IKE_AUTH unless the IKE SA is initiated without children.
    #[default]
    Allow,
    /// Only childless: every CHILD SA comes with its own CREATE_CHILD_SA.
    Force,
    /// Refuse childless IKE SAs as responder.
    Never,
}

/// `send_cert` (swanctl.conf(5) `[ifasked]`): when to send CERT payloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SendCert {
    Always,
    Never,
    /// Only if the peer sent a CERTREQ.
    #[default]
    IfAsked,
}

/// `mode` of a CHILD SA (swanctl.conf(5) `[tunnel]`). swanctl's `beet`,
/// `transport_proxy`, `pass` and `drop` are kernel policies IKElab does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// RFC 4301 §4.1 tunnel mode: the whole IP packet is protected.
    #[default]
    Tunnel,
    /// RFC 4301 §4.1 transport mode, negotiated with USE_TRANSPORT_MODE (RFC 7296
    /// §1.3.1); tunnel mode is used if the peer does not agree.
    Transport,
}

/// `dpd_action` (swanctl.conf(5) `[clear]`): what to do with the CHILD SA when
/// liveness checks find the peer dead. charon's aliases are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DpdAction {
    /// Close it and do nothing else.
    #[default]
    #[serde(alias = "none")]
    Clear,
    /// Install a trap policy that renegotiates on matching traffic.
    #[serde(alias = "route")]
    Trap,
    /// Renegotiate immediately under a new IKE SA.
    #[serde(alias = "start")]
    Restart,
}

/// `start_action` (swanctl.conf(5) `[none]`): what to do once the configuration is
/// loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum StartAction {
    /// Wait: initiate by command, or serve as a responder configuration.
    #[default]
    #[serde(rename = "none")]
    None,
    /// Install a trap policy and initiate on the first matching packet.
    #[serde(rename = "trap", alias = "route")]
    Trap,
    /// Initiate right away.
    #[serde(rename = "start")]
    Start,
    /// Both: install the trap and initiate right away.
    #[serde(rename = "trap|start")]
    TrapStart,
}

/// `close_action` (swanctl.conf(5) `[none]`): what to do when the peer closes the
/// CHILD SA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CloseAction {
    #[default]
    #[serde(alias = "clear")]
    None,
    #[serde(alias = "route")]
    Trap,
    /// Re-create the CHILD SA at once.
    #[serde(alias = "restart")]
    Start,
}

struct BoolVisitor;

impl serde::de::Visitor<'_> for BoolVisitor {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("true or false (or swanctl's \"yes\" / \"no\")")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }

    /// charon's words (vici `parse_bool`): yes/true/enabled/1 and no/false/disabled/0.
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<bool, E> {
        match v.to_ascii_lowercase().as_str() {
            "yes" | "true" | "enabled" | "1" => Ok(true),
            "no" | "false" | "disabled" | "0" => Ok(false),
            _ => Err(E::custom(format!(
                "invalid boolean {v:?}: write true or false (or \"yes\" / \"no\")"
            ))),
        }
    }
}

/// `#[serde(with = "policy::serde_bool")]`: a TOML boolean, or swanctl's yes/no.
pub(crate) mod serde_bool {
    use serde::{Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(value: &bool, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bool(*value)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<bool, D::Error> {
        deserializer.deserialize_any(super::BoolVisitor)
    }
}
