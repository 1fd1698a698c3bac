//! Parsing and printing strongSwan proposal strings.
//!
//! Parsing follows charon 5.9.8 (`proposal_create_from_string` + `check_proposal`):
//! keywords are separated by `-`; in an IKE proposal without a PRF the PRFs are
//! derived from the integrity algorithms (`sha256` implies `prfsha256`); `none`
//! (no key exchange) is dropped from IKE proposals; an IKE proposal needs ENCR, a
//! PRF, a D-H group and, unless its cipher is an AEAD, INTEG; AEAD and classic
//! ciphers cannot share a proposal; an all-AEAD proposal carries no INTEG; ESP
//! proposals drop PRFs and get `noesn` when no ESN keyword is given. `null`
//! (ENCR_NULL, integrity-only ESP) is refused in IKE proposals and, in ESP ones,
//! without an integrity algorithm, each with its own error.
//!
//! Printing is canonical and as short as strongSwan users write it: encryption,
//! integrity, PRF, key exchange, ESN; PRFs left out of an IKE proposal when they
//! are exactly the ones its integrity algorithms imply; `noesn` left out of an ESP
//! proposal when it is the only ESN choice. So `aes128-sha256-modp2048` and
//! `aes256gcm16-prfsha256-x25519` print back unchanged.

use core::fmt;
use core::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::keywords::{Keyword, lookup, suggestions};
use super::{Algorithm, ProposalSpec, default, is_aead};
use crate::wire::iana::{EncrId, EsnId, IntegId, PrfId, ProtocolId, TransformType};

/// Why a proposal string was refused. `proposal` is the whole string, so the
/// message can show where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ProposalError {
    /// Only IKE and ESP proposals exist in this engine.
    UnsupportedProtocol {
        protocol: ProtocolId,
    },
    /// An empty string, or an empty keyword between two dashes.
    Empty {
        proposal: String,
    },
    /// A keyword strongSwan would not recognise either.
    UnknownKeyword {
        keyword: String,
        proposal: String,
        suggestions: Vec<String>,
    },
    /// A keyword strongSwan knows, for an algorithm IKElab does not implement.
    UnsupportedKeyword {
        keyword: String,
        proposal: String,
        algorithm: String,
    },
    MissingEncryption {
        proposal: String,
        protocol: ProtocolId,
    },
    MissingIntegrity {
        proposal: String,
    },
    MissingPrf {
        proposal: String,
    },
    MissingKeyExchange {
        proposal: String,
    },
    MixedAeadAndClassic {
        proposal: String,
    },
    /// ENCR_NULL in an IKE proposal: the IKE SA must encrypt (RFC 7296 §1.2, §3.14;
    /// IANA's Transform Type 1 registry marks ENCR_NULL not allowed for IKEv2).
    NullEncryptionInIke {
        proposal: String,
    },
    /// ENCR_NULL without an integrity algorithm: ESP with neither confidentiality
    /// nor integrity (RFC 4303 §3.2, RFC 2410 §1).
    NullEncryptionWithoutIntegrity {
        proposal: String,
    },
}

impl fmt::Display for ProposalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedProtocol { protocol } => {
                write!(
                    f,
                    "proposals for {protocol} are not supported (only IKE and ESP)"
                )
            }
            Self::Empty { proposal } => write!(f, "empty algorithm keyword in '{proposal}'"),
            Self::UnknownKeyword {
                keyword,
                proposal,
                suggestions,
            } => {
                write!(f, "unknown algorithm keyword '{keyword}' in '{proposal}'")?;
                match suggestions.as_slice() {
                    [] => Ok(()),
                    [one] => write!(f, "; did you mean '{one}'?"),
                    many => write!(f, "; did you mean one of: {}?", many.join(", ")),
                }
            }
            Self::UnsupportedKeyword {
                keyword,
                proposal,
                algorithm,
            } => write!(
                f,
                "'{keyword}' in '{proposal}' names {algorithm}, which strongSwan knows but \
                 IKElab does not implement"
            ),
            Self::MissingEncryption { proposal, protocol } => write!(
                f,
                "'{proposal}' has no encryption algorithm, which every {protocol} proposal needs"
            ),
            Self::MissingIntegrity { proposal } => write!(
                f,
                "'{proposal}' uses a classic (non-AEAD) cipher but no integrity algorithm \
                 (add e.g. sha256)"
            ),
            Self::MissingPrf { proposal } => write!(
                f,
                "'{proposal}' has no PRF, which an IKE proposal needs (add e.g. prfsha256)"
            ),
            Self::MissingKeyExchange { proposal } => write!(
                f,
                "'{proposal}' has no key exchange method, which an IKE proposal needs \
                 (add e.g. x25519 or modp2048)"
            ),
            Self::MixedAeadAndClassic { proposal } => write!(
                f,
                "'{proposal}' mixes AEAD (e.g. aes256gcm16) and classic (e.g. aes256) ciphers; \
                 put them in separate proposals"
            ),
            Self::NullEncryptionInIke { proposal } => write!(
                f,
                "'{proposal}' uses null (ENCR_NULL), which only ESP proposals may use: the \
                 IKE SA itself must be encrypted (RFC 7296 §1.2: every exchange after \
                 IKE_SA_INIT is protected; ENCR_NULL, RFC 2410, is an ESP transform)"
            ),
            Self::NullEncryptionWithoutIntegrity { proposal } => write!(
                f,
                "'{proposal}' uses null (ENCR_NULL) without an integrity algorithm: ESP must \
                 provide at least integrity (RFC 4303 §3.2, RFC 2410); add e.g. sha256"
            ),
        }
    }
}

impl core::error::Error for ProposalError {}

/// The PRF charon pairs with an integrity algorithm when a proposal names none
/// (strongSwan 5.9.8 `integ_prf_map`).
fn prf_for_integ(integ: IntegId) -> Option<PrfId> {
    match integ {
        IntegId::HMAC_SHA1_96 | IntegId::HMAC_SHA1_160 => Some(PrfId::HMAC_SHA1),
        IntegId::HMAC_SHA2_256_128 => Some(PrfId::HMAC_SHA2_256),
        IntegId::HMAC_SHA2_384_192 => Some(PrfId::HMAC_SHA2_384),
        IntegId::HMAC_SHA2_512_256 => Some(PrfId::HMAC_SHA2_512),
        IntegId::HMAC_MD5_96 | IntegId::HMAC_MD5_128 => Some(PrfId::HMAC_MD5),
        IntegId::AES_XCBC_96 => Some(PrfId::AES128_XCBC),
        IntegId::AES_CMAC_96 => Some(PrfId::AES128_CMAC),
        _ => None,
    }
}

fn implied_prfs(spec: &ProposalSpec) -> Vec<Algorithm> {
    spec.of_type(TransformType::INTEG)
        .filter_map(|a| prf_for_integ(IntegId(a.id)))
        .map(|prf| Algorithm {
            kind: TransformType::PRF,
            id: prf.0,
            key_bits: None,
        })
        .collect()
}

/// Parses one string (one proposal, or `default`).
pub(crate) fn parse_one(
    protocol: ProtocolId,
    text: &str,
) -> Result<Vec<ProposalSpec>, ProposalError> {
    if protocol != ProtocolId::IKE && protocol != ProtocolId::ESP {
        return Err(ProposalError::UnsupportedProtocol { protocol });
    }
    let trimmed = text.trim();
    if trimmed.eq_ignore_ascii_case("default") {
        return Ok(if protocol == ProtocolId::IKE {
            default::strongswan_default_ike()
        } else {
            default::strongswan_default_esp()
        });
    }
    let proposal = trimmed.to_owned();
    let mut spec = ProposalSpec {
        protocol,
        algorithms: Vec::new(),
    };
    for keyword in trimmed.split('-') {
        let keyword = keyword.trim();
        if keyword.is_empty() {
            return Err(ProposalError::Empty { proposal });
        }
        match lookup(keyword) {
            Some(Keyword::Supported(algorithm)) => {
                if !spec.algorithms.contains(&algorithm) {
                    spec.algorithms.push(algorithm);
                }
            }
            Some(Keyword::KeyExchangeNone) => {
                // No PFS; dropped from IKE (strongSwan removes KE_NONE there) and
                // simply no D-H transform for ESP.
            }
            Some(Keyword::Unsupported(algorithm)) => {
                return Err(ProposalError::UnsupportedKeyword {
                    keyword: keyword.to_owned(),
                    proposal,
                    algorithm: algorithm.iana_name(),
                });
            }
            Some(Keyword::UnsupportedOther(what)) => {
                return Err(ProposalError::UnsupportedKeyword {
                    keyword: keyword.to_owned(),
                    proposal,
                    algorithm: what.to_owned(),
                });
            }
            None => {
                return Err(ProposalError::UnknownKeyword {
                    keyword: keyword.to_owned(),
                    suggestions: suggestions(keyword),
                    proposal,
                });
            }
        }
    }
    check(&mut spec, &proposal)?;
    spec.normalise_order();
    Ok(vec![spec])
}

/// charon's `check_proposal` rules (see the module documentation).
fn check(spec: &mut ProposalSpec, proposal: &str) -> Result<(), ProposalError> {
    let ike = spec.protocol == ProtocolId::IKE;
    let null = spec
        .of_type(TransformType::ENCR)
        .any(|a| EncrId(a.id) == EncrId::NULL);
    if null && ike {
        return Err(ProposalError::NullEncryptionInIke {
            proposal: proposal.to_owned(),
        });
    }
    if ike {
        if spec.of_type(TransformType::PRF).next().is_none() {
            for prf in implied_prfs(spec) {
                if !spec.algorithms.contains(&prf) {
                    spec.algorithms.push(prf);
                }
            }
        }
        if spec.of_type(TransformType::PRF).next().is_none() {
            return Err(ProposalError::MissingPrf {
                proposal: proposal.to_owned(),
            });
        }
        if spec.of_type(TransformType::DH).next().is_none() {
            return Err(ProposalError::MissingKeyExchange {
                proposal: proposal.to_owned(),
            });
        }
        // ESN only exists for ESP/AH.
        spec.algorithms.retain(|a| a.kind != TransformType::ESN);
    } else {
        spec.algorithms.retain(|a| a.kind != TransformType::PRF);
    }
    let (mut aead, mut classic) = (false, false);
    for encr in spec.of_type(TransformType::ENCR) {
        if is_aead(EncrId(encr.id)) {
            aead = true;
        } else {
            classic = true;
        }
    }
    match (aead, classic) {
        (false, false) => {
            return Err(ProposalError::MissingEncryption {
                proposal: proposal.to_owned(),
                protocol: spec.protocol,
            });
        }
        (true, true) => {
            return Err(ProposalError::MixedAeadAndClassic {
                proposal: proposal.to_owned(),
            });
        }
        // RFC 5282 §8: with an AEAD the proposal MUST NOT contain INTEG.
        (true, false) => spec.algorithms.retain(|a| a.kind != TransformType::INTEG),
        (false, true) => {
            if spec.of_type(TransformType::INTEG).next().is_none() {
                let proposal = proposal.to_owned();
                // ESP's integrity-only mode: NULL encryption needs an integrity
                // algorithm (RFC 4303 §3.2: confidentiality, integrity, or both).
                return Err(if null {
                    ProposalError::NullEncryptionWithoutIntegrity { proposal }
                } else {
                    ProposalError::MissingIntegrity { proposal }
                });
            }
        }
    }
    if !ike && spec.of_type(TransformType::ESN).next().is_none() {
        spec.algorithms.push(Algorithm {
            kind: TransformType::ESN,
            id: EsnId::NO_ESN.0,
            key_bits: None,
        });
    }
    Ok(())
}

/// The canonical string of one proposal.
pub(crate) fn canonical(spec: &ProposalSpec) -> String {
    let omit_prfs = spec.protocol == ProtocolId::IKE
        && !spec.is_aead()
        && spec
            .of_type(TransformType::PRF)
            .copied()
            .collect::<Vec<_>>()
            == implied_prfs(spec);
    let only_noesn = spec.protocol == ProtocolId::ESP
        && spec
            .of_type(TransformType::ESN)
            .map(|a| a.id)
            .eq([EsnId::NO_ESN.0]);
    let mut text = String::with_capacity(48);
    for kind in super::TYPE_ORDER {
        if (kind == TransformType::PRF && omit_prfs) || (kind == TransformType::ESN && only_noesn) {
            continue;
        }
        for algorithm in spec.of_type(kind) {
            if !text.is_empty() {
                text.push('-');
            }
            // Writing into a String cannot fail.
            let _ = write!(text, "{algorithm}");
        }
    }
    text
}

/// Parses a list of proposal strings (as a `proposals = [...]` setting) for one
/// protocol, in order.
pub fn parse_proposals<S: AsRef<str>>(
    protocol: ProtocolId,
    texts: &[S],
) -> Result<Vec<ProposalSpec>, ProposalError> {
    let mut out = Vec::new();
    for text in texts {
        out.extend(parse_one(protocol, text.as_ref())?);
    }
    Ok(out)
}

/// Prints proposals back as strings, writing `default` where the two default
/// proposals of charon 5.9.8 appear in sequence.
pub fn proposals_to_strings(proposals: &[ProposalSpec]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(first) = proposals.get(i) {
        let default = if first.protocol == ProtocolId::IKE {
            default::strongswan_default_ike()
        } else {
            default::strongswan_default_esp()
        };
        if proposals.get(i..i + default.len()) == Some(&default[..]) {
            out.push("default".to_owned());
            i += default.len();
        } else {
            out.push(canonical(first));
            i += 1;
        }
    }
    out
}
