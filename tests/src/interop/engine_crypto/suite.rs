//! The algorithms a strongSwan proposal string names, resolved in the engine's provider.

use ikelab_engine::crypto::RUST_CRYPTO;
use ikelab_engine::crypto::keys::{ChildSuite, IkeSuite};
use ikelab_engine::proposal::ProposalSpec;
use ikelab_engine::wire::Proposal;
use ikelab_engine::wire::iana::ProtocolId;

use super::engine_error;
use crate::interop::error::{InteropError, Result};

/// The single proposal `text` names for `protocol`, as proposal 1 with an empty SPI.
fn single_proposal(protocol: ProtocolId, text: &str) -> Result<Proposal> {
    let what = format!("{protocol} proposal {text:?}");
    let mut specs = ProposalSpec::parse(protocol, text).map_err(|e| engine_error(&what, e))?;
    if specs.len() != 1 {
        return Err(InteropError::InvalidInput {
            detail: format!("{what} names {} proposals, not one", specs.len()),
        });
    }
    Ok(specs.remove(0).to_wire(1, Vec::new()))
}

/// An IKE proposal string (`aes256gcm16-prfsha256-x25519`) parsed by our proposal parser,
/// and the IKE SA suite (encryption, PRF, integrity) it selects in [`RUST_CRYPTO`].
pub fn ike_suite(text: &str) -> Result<(Proposal, IkeSuite)> {
    let proposal = single_proposal(ProtocolId::IKE, text)?;
    let suite = IkeSuite::from_proposal(&RUST_CRYPTO, &proposal)
        .map_err(|e| engine_error(&format!("IKE suite of {text:?}"), e))?;
    Ok((proposal, suite))
}

/// An ESP proposal string (`aes256gcm16`, `aes128-sha256`) parsed by our proposal
/// parser, and the CHILD_SA suite it selects in [`RUST_CRYPTO`].
pub fn child_suite(text: &str) -> Result<(Proposal, ChildSuite)> {
    let proposal = single_proposal(ProtocolId::ESP, text)?;
    let suite = ChildSuite::from_proposal(&RUST_CRYPTO, &proposal)
        .map_err(|e| engine_error(&format!("ESP suite of {text:?}"), e))?;
    Ok((proposal, suite))
}
