//! Authentication of the IKE SA in IKE_AUTH (RFC 7296 §2.15), pluggable by method.
//!
//! Both peers sign the same kind of octets: their own IKE_SA_INIT message, the peer's
//! nonce and a MAC of their own ID payload (see [`crate::crypto::auth`]). What differs
//! between methods is how the AUTH payload is made and checked: a shared-key MIC
//! today; signatures (certificates) and EAP later, as more variants of
//! [`Authenticator`] (EAP adds IKE_AUTH rounds to the state machine as well).

use super::context::Cx;
use super::payloads::id_text;
use super::policy::Policy;
use super::sa::SaCore;
use crate::config::{AuthMethod as ConfiguredAuth, PeerConfig};
use crate::crypto::auth::{shared_key_auth, signed_octets, verify_shared_key_auth};
use crate::crypto::{Prf, Secret};
pub use crate::event::AuthFailure;
use crate::event::{Decision, EventKind, IdentityDecision};
use crate::wire::iana::AuthMethod;
use crate::wire::{AuthPayload, IdPayload, Payload};

/// How one side proves its identity (local) or how the peer's proof is checked
/// (remote).
#[derive(Clone)]
pub(crate) enum Authenticator {
    /// Shared Key Message Integrity Code (AUTH method 2, RFC 7296 §2.15).
    SharedKey { psk: Secret },
}

impl core::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::SharedKey { .. } => f.write_str("SharedKey"),
        }
    }
}

impl core::fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::MethodMismatch { expected, received } => write!(
                f,
                "peer authenticated with {received}, the configuration requires {expected}"
            ),
            Self::SharedKeyMismatch => f.write_str(
                "the peer's AUTH value does not verify with our pre-shared key: the keys differ",
            ),
            Self::Missing => f.write_str("no AUTH payload"),
        }
    }
}

/// Why a configuration cannot be authenticated with today.
pub(crate) fn from_config(
    config: &PeerConfig,
    method: &ConfiguredAuth,
) -> Result<Authenticator, String> {
    match method {
        ConfiguredAuth::Psk => config
            .psk()
            .map(|psk| Authenticator::SharedKey { psk })
            .map_err(|e| e.to_string()),
        other => Err(format!(
            "authentication {other} is not available yet; the engine authenticates with psk \
             (RFC 7296 §2.15)"
        )),
    }
}

/// The octets an AUTH payload covers (RFC 7296 §2.15).
pub(crate) struct SignedOctets<'a> {
    /// The signer's own IKE_SA_INIT message, as sent.
    pub(crate) real_message: &'a [u8],
    /// The other side's Nonce Data.
    pub(crate) peer_nonce: &'a [u8],
    /// SK_pi for the initiator's AUTH, SK_pr for the responder's.
    pub(crate) sk_p: &'a Secret,
    /// The signer's ID payload body (RestOfIDPayload).
    pub(crate) id_body: &'a [u8],
}

impl SignedOctets<'_> {
    fn octets(&self, prf: &dyn Prf) -> Vec<u8> {
        signed_octets(
            prf,
            self.real_message,
            self.peer_nonce,
            self.sk_p,
            self.id_body,
        )
    }
}

impl Authenticator {
    pub(crate) fn method(&self) -> AuthMethod {
        match self {
            Self::SharedKey { .. } => AuthMethod::SHARED_KEY_MIC,
        }
    }

    /// Our AUTH payload.
    pub(crate) fn sign(&self, prf: &dyn Prf, signed: &SignedOctets<'_>) -> AuthPayload {
        match self {
            Self::SharedKey { psk } => AuthPayload {
                method: AuthMethod::SHARED_KEY_MIC,
                data: shared_key_auth(prf, psk.as_bytes(), &signed.octets(prf))
                    .as_bytes()
                    .to_vec(),
            },
        }
    }

    /// Checks the peer's AUTH payload.
    pub(crate) fn verify(
        &self,
        prf: &dyn Prf,
        signed: &SignedOctets<'_>,
        received: &AuthPayload,
    ) -> Result<(), AuthFailure> {
        if received.method != self.method() {
            return Err(AuthFailure::MethodMismatch {
                expected: self.method(),
                received: received.method,
            });
        }
        match self {
            Self::SharedKey { psk } => {
                if verify_shared_key_auth(prf, psk.as_bytes(), &signed.octets(prf), &received.data)
                {
                    Ok(())
                } else {
                    Err(AuthFailure::SharedKeyMismatch)
                }
            }
        }
    }
}

/// The peer's proof of identity in IKE_AUTH: its ID payload (IDi from an initiator,
/// IDr from a responder), its AUTH payload and what that AUTH covers.
pub(crate) struct PeerProof<'a> {
    /// "IDi" or "IDr", as the decision names it.
    pub(crate) payload: &'static str,
    pub(crate) id: &'a IdPayload,
    /// The IDr an initiator asked us to be (RFC 7296 §3.5: "IDr ... the responder's
    /// identity as the initiator wants it"); `None` when we are the initiator.
    pub(crate) our_id_asked: Option<&'a IdPayload>,
    pub(crate) auth: &'a AuthPayload,
    /// The peer's IKE_SA_INIT message (RealMessage1 or 2, §2.15).
    pub(crate) real_message: &'a [u8],
    /// Our nonce, which the peer's AUTH covers.
    pub(crate) our_nonce: &'a [u8],
    /// SK_pi for an initiator's AUTH, SK_pr for a responder's.
    pub(crate) sk_p: &'a Secret,
}

/// Why the peer's proof was not accepted.
#[derive(Debug)]
pub(crate) enum PeerRefusal {
    /// Its identity is not the configuration's `remote.id` (or the IDr it asked for
    /// is not ours).
    Identity,
    /// Its AUTH payload does not verify.
    Auth(AuthFailure),
}

/// The identity and AUTH checks of both IKE_AUTH roles (RFC 7296 §2.15): the ID is
/// matched against `policy` (an Identity decision), the AUTH payload verified (an
/// Authentication decision); on success the peer's identity is the SA's.
pub(crate) fn check_peer(
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    policy: &Policy,
    prf: &dyn Prf,
    proof: &PeerProof<'_>,
) -> Result<(), PeerRefusal> {
    let accepted = policy.accepts_identities(proof.id, proof.our_id_asked, core.local.ip());
    cx.emit(
        Some(core.id),
        EventKind::Decision(Decision::Identity(IdentityDecision {
            payload: proof.payload.to_owned(),
            received: id_text(proof.id),
            configured: policy.config.remote.id.as_str().to_owned(),
            accepted,
        })),
    );
    if !accepted {
        return Err(PeerRefusal::Identity);
    }
    // RestOfIDPayload: the ID payload's body (§2.15), of IDi or IDr alike.
    let id_body = Payload::IdI(proof.id.clone())
        .emit_body()
        .map_err(|_| PeerRefusal::Identity)?;
    let verified = policy.remote_auth.verify(
        prf,
        &SignedOctets {
            real_message: proof.real_message,
            peer_nonce: proof.our_nonce,
            sk_p: proof.sk_p,
            id_body: &id_body,
        },
        proof.auth,
    );
    cx.emit(
        Some(core.id),
        EventKind::Decision(Decision::Authentication {
            method: proof.auth.method,
            verified: verified.is_ok(),
            failure: verified.clone().err(),
        }),
    );
    verified.map_err(PeerRefusal::Auth)?;
    core.peer_id = Some(proof.id.clone());
    Ok(())
}
