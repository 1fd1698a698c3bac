//! What went wrong in an exchange: the one vocabulary of the reasons the events give
//! when a request is refused, a response is rejected, an exchange is not started or
//! our side cannot go on ([`DownReason`](super::DownReason),
//! [`ChildFailure`](super::ChildFailure), [`Outcome`](super::Outcome), the
//! `unusable_response` drop).
//!
//! One enum rather than one per event: the same problem is met on either side of an
//! exchange (a KE payload that does not compute, a SPI of the wrong size, a missing
//! payload) and in IKE_AUTH as in CREATE_CHILD_SA, and the functions that find it
//! (choosing a CHILD SA, installing it, deriving keys) do not know which event will
//! carry it. Every variant holds typed data; [`Problem::describe`] gives the sentence
//! the transcript shows.

use core::fmt;

use serde::{Deserialize, Serialize};

use super::{ChildSaId, EspErrorKind, IkeSaId};
use crate::config::Role;
use crate::crypto::CryptoError;
use crate::wire::iana::{DhId, ExchangeType, NotifyType, PayloadType, ProtocolId};
use crate::wire::summary::{exchange_name, notify_name};
use crate::wire::{EmitError, WireError};

/// Why a request was refused, a response rejected, or an exchange not made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Problem {
    /// The message lacks payloads its exchange requires (RFC 7296 §1.2, §1.3).
    MissingPayloads {
        /// Whether the message is a response (else a request).
        response: bool,
        /// The payloads it must carry, at least one of which is missing.
        required: Vec<PayloadType>,
    },
    /// Payloads that only make sense together came without the others (RFC 7296
    /// §1.2: SA, TSi and TSr of a CHILD SA in IKE_AUTH; §1.3.1 adds Nonce).
    IncompletePayloads { together: Vec<PayloadType> },
    /// A notify whose data cannot be read: a COOKIE without a cookie (RFC 7296
    /// §2.6), an INVALID_KE_PAYLOAD without a group (§1.3).
    NotifyWithoutData { notify: NotifyType },
    /// An IKE_SA_INIT response with a zero responder SPI (RFC 7296 §3.1).
    ZeroResponderSpi,
    /// Authenticated, but the decrypted payloads do not parse (RFC 7296 §2.21.2).
    MalformedEncryptedPayloads { error: WireError },
    /// N(REKEY_SA) whose SPI is not 4 octets (RFC 7296 §1.3.3, §3.10).
    RekeySpiMalformed,
    /// No CHILD SA of ours sends with the SPI a REKEY_SA names (RFC 7296 §2.25:
    /// CHILD_SA_NOT_FOUND).
    UnknownRekeySpi { spi: u32 },
    /// The responder's proposal is not one we offered (RFC 7296 §2.7, §3.3.6).
    ProposalNotOffered { protocol: ProtocolId },
    /// No proposal of the initiator is acceptable (RFC 7296 §2.7). With
    /// `key_exchange` the proposals were matched with their key exchange groups
    /// (CREATE_CHILD_SA), where PFS on one side only is the usual cause.
    NoAcceptableEspProposal { key_exchange: bool },
    /// The proposal chosen does not carry a number the initiator used (§3.3.1).
    ProposalNumberUnknown,
    /// A SPI of the wrong size or zero: 4 octets for ESP, 8 for IKE (RFC 7296
    /// §3.3.1, §2.18).
    BadSpi { sender: Role, protocol: ProtocolId },
    /// The responder's chosen group and its KE payload do not match the group of
    /// our KE payload (RFC 7296 §1.2, §3.4).
    KeGroupMismatch {
        sent: DhId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        chosen: Option<DhId>,
        received: DhId,
    },
    /// The responder chose a key exchange group but sent no KE payload of it
    /// (RFC 7296 §1.3).
    KeMissing { group: DhId },
    /// The KE payload is not of the chosen proposal's group (RFC 7296 §1.3:
    /// INVALID_KE_PAYLOAD names `required`).
    WrongKeGroup { required: DhId },
    /// The peer's Key Exchange Data is unusable (RFC 7296 §2.12, RFC 6989).
    BadKePayload { sender: Role, error: CryptoError },
    /// The crypto provider does not implement the chosen group.
    GroupUnavailable { group: DhId },
    /// None of our IKE proposals names a group the provider implements, so there
    /// is nothing to rekey with (RFC 7296 §2.18 needs a new key exchange).
    NoKeyExchangeGroup,
    /// Our own key exchange could not be started (the provider failed).
    KeyExchangeFailed { error: CryptoError },
    /// The keys could not be derived (RFC 7296 §2.14, §2.17).
    KeyDerivation { error: CryptoError },
    /// The data plane could not be keyed with the derived keys.
    EspKeying { error: EspErrorKind },
    /// No configuration accepts the initiator's identity (RFC 7296 §2.15:
    /// AUTHENTICATION_FAILED).
    UnacceptedIdentity { identity: String },
    /// The responder's identity is not the one the configuration requires.
    IdentityMismatch { received: String, required: String },
    /// No CHILD SA configuration's selectors overlap the request (RFC 7296 §2.9:
    /// TS_UNACCEPTABLE).
    NoSelectorOverlap { side: TsSide },
    /// The responder returned selectors wider than we proposed (RFC 7296 §2.9).
    SelectorsOutsideProposal,
    /// The configuration has no CHILD SA (RFC 7296 §1.3: NO_ADDITIONAL_SAS).
    NoChildConfigured,
    /// The configuration payload exchange failed, so no CHILD SA was built
    /// (RFC 7296 §3.15.4, §3.10.1: FAILED_CP_REQUIRED, INTERNAL_ADDRESS_FAILURE).
    ConfigurationPayloadFailed,
    /// Our IKE SA is being rekeyed (RFC 7296 §2.25: TEMPORARY_FAILURE).
    IkeSaRekeying,
    /// We are deleting the CHILD SA the peer wants to rekey (RFC 7296 §2.25.1).
    ChildSaBeingDeleted,
    /// The CHILD SA an exchange concerns is gone.
    ChildSaGone { child: ChildSaId },
    /// The CHILD SA to rekey is being replaced or deleted already.
    ChildSaBusy { child: ChildSaId },
    /// The IKE SA's configuration has no `[children.NAME]` of this name.
    UnknownChildConfig { name: String },
    /// The IKE SA was replaced by a rekey (RFC 7296 §2.18): only its deletion is left.
    IkeSaReplaced { new_sa: IkeSaId },
    /// `unique = keep` (swanctl.conf(5)): `existing`, between the same
    /// authenticated identities, is up from another address, so the new IKE SA is
    /// refused (AUTHENTICATION_FAILED, as charon answers).
    UniquenessKeep { existing: IkeSaId },
    /// A payload of ours cannot be encoded.
    CannotEncode {
        payload: PayloadType,
        error: EmitError,
    },
    /// A message of ours cannot be built.
    CannotBuild {
        exchange: ExchangeType,
        response: bool,
        error: BuildError,
    },
}

/// Which side's traffic selectors have no overlap with the configuration (RFC 7296
/// §2.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TsSide {
    /// TSi (against the configured `remote_ts`).
    Initiator,
    /// TSr (against the configured `local_ts`).
    Responder,
    Both,
}

/// Why a message of ours could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum BuildError {
    /// A payload does not fit its wire format.
    Encoding { error: EmitError },
    /// The SK payload could not be sealed (RFC 7296 §3.14).
    Sealing { error: CryptoError },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Encoding { error } => write!(f, "{error}"),
            Self::Sealing { error } => write!(f, "sealing: {error}"),
        }
    }
}

fn side_name(role: Role) -> &'static str {
    match role {
        Role::Initiator => "initiator",
        Role::Responder => "responder",
    }
}

/// "A", "A or B", "A, B or C" (with `last` as the final joining word).
fn list(payloads: &[PayloadType], last: &str) -> String {
    let names: Vec<String> = payloads
        .iter()
        .map(|p| p.name().map_or_else(|| p.to_string(), str::to_owned))
        .collect();
    match names.split_last() {
        None => String::new(),
        Some((only, [])) => only.clone(),
        Some((tail, head)) => format!("{} {last} {tail}", head.join(", ")),
    }
}

impl TsSide {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Both => "neither TSi nor TSr overlaps the configured selectors",
            Self::Initiator => "TSi does not overlap the configured remote_ts",
            Self::Responder => "TSr does not overlap the configured local_ts",
        }
    }
}

impl Problem {
    /// One sentence, as the transcript shows it.
    pub fn describe(&self) -> String {
        match self {
            Self::MissingPayloads { response, required } => format!(
                "the {} has no {} payload",
                if *response { "response" } else { "request" },
                list(required, "or")
            ),
            Self::IncompletePayloads { together } => {
                format!("{} must come together", list(together, "and"))
            }
            Self::NotifyWithoutData { notify } => match *notify {
                NotifyType::COOKIE => "COOKIE notify without a valid cookie".to_owned(),
                NotifyType::INVALID_KE_PAYLOAD => "INVALID_KE_PAYLOAD without a group".to_owned(),
                other => format!("{} notify without valid data", notify_name(other)),
            },
            Self::ZeroResponderSpi => "the responder's SPI is zero".to_owned(),
            Self::MalformedEncryptedPayloads { error } => {
                format!("the encrypted payloads are malformed: {error}")
            }
            Self::RekeySpiMalformed => "REKEY_SA without a 4-octet SPI".to_owned(),
            Self::UnknownRekeySpi { spi } => {
                format!("no CHILD SA sends with SPI {spi:08x} (RFC 7296 §2.25)")
            }
            Self::ProposalNotOffered { protocol } => {
                if *protocol == ProtocolId::ESP {
                    "the responder's ESP proposal is not one we offered".to_owned()
                } else {
                    "the responder's proposal is not one we offered".to_owned()
                }
            }
            Self::NoAcceptableEspProposal { key_exchange } => {
                if *key_exchange {
                    "no acceptable ESP proposal (a key exchange group on one side only is a PFS \
                     mismatch)"
                        .to_owned()
                } else {
                    "no acceptable ESP proposal".to_owned()
                }
            }
            Self::ProposalNumberUnknown => {
                "the chosen proposal is not among the initiator's".to_owned()
            }
            Self::BadSpi { sender, protocol } => {
                if *protocol == ProtocolId::IKE {
                    format!(
                        "the {}'s new IKE SPI is not 8 non-zero octets",
                        side_name(*sender)
                    )
                } else {
                    format!(
                        "the {}'s ESP SPI is not 4 non-zero octets",
                        side_name(*sender)
                    )
                }
            }
            Self::KeGroupMismatch {
                sent,
                chosen,
                received,
            } => {
                let chosen = chosen.map_or_else(|| "no group".to_owned(), |g| g.to_string());
                format!(
                    "key exchange mismatch: we sent {sent}, the responder chose {chosen} and sent \
                     {received}"
                )
            }
            Self::KeMissing { group } => {
                format!("the responder chose {group} without a matching KE payload")
            }
            Self::WrongKeGroup { required } => {
                format!("the KE payload is not of {required} (RFC 7296 §1.3)")
            }
            Self::BadKePayload { sender, error } => {
                format!("the {}'s KE payload: {error}", side_name(*sender))
            }
            Self::GroupUnavailable { group } => format!("{group} is not available"),
            Self::NoKeyExchangeGroup => "no key exchange group to rekey with".to_owned(),
            Self::KeyExchangeFailed { error } => format!("key exchange: {error}"),
            Self::KeyDerivation { error } => format!("key derivation: {error}"),
            Self::EspKeying { error } => {
                format!("the data plane cannot key the CHILD SA: {error}")
            }
            Self::UnacceptedIdentity { identity } => {
                format!("no configuration accepts the identity '{identity}'")
            }
            Self::IdentityMismatch { received, required } => {
                format!("the responder is '{received}', we require '{required}'")
            }
            Self::NoSelectorOverlap { side } => side.describe().to_owned(),
            Self::SelectorsOutsideProposal => {
                "traffic selectors outside what we proposed".to_owned()
            }
            Self::NoChildConfigured => "no CHILD SA is configured".to_owned(),
            Self::ConfigurationPayloadFailed => {
                "configuration payload negotiation failed, no CHILD_SA built".to_owned()
            }
            Self::IkeSaRekeying => "our IKE SA is being rekeyed (RFC 7296 §2.25)".to_owned(),
            Self::ChildSaBeingDeleted => {
                "we are deleting that CHILD SA (RFC 7296 §2.25.1)".to_owned()
            }
            Self::ChildSaGone { child } => format!("{child} is gone"),
            Self::ChildSaBusy { child } => format!("{child} is being replaced or deleted"),
            Self::UnknownChildConfig { name } => format!("no child configuration {name:?}"),
            Self::IkeSaReplaced { new_sa } => format!("the IKE SA was replaced by {new_sa}"),
            Self::UniquenessKeep { existing } => format!(
                "unique = keep and {existing} is up between the same identities: canceling \
                 IKE_SA setup due to uniqueness policy"
            ),
            Self::CannotEncode { payload, error } => format!("cannot encode {payload}: {error}"),
            Self::CannotBuild {
                exchange,
                response,
                error,
            } => format!(
                "cannot build the {} {}: {error}",
                exchange_name(*exchange),
                if *response { "response" } else { "request" }
            ),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}
