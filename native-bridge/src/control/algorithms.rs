//! A chosen proposal (strongSwan syntax, as the engine keeps it) in the words of
//! `swanctl --list-sas`: the IANA transform names (RFC 7296 §3.3.2) without their
//! `ENCR_` / `AUTH_` prefixes, a key length after a dash, joined by `/`:
//! `aes256gcm16-prfsha256-x25519` → `AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519`.

use ikelab_engine::proposal::{Algorithm, ProposalSpec};
use ikelab_engine::wire::iana::{DhId, EncrId, EsnId, IntegId, PrfId, ProtocolId, TransformType};

/// The swanctl form of `proposal`; the proposal as written if it does not parse
/// (the engine only keeps proposals it parsed, so that does not happen).
pub(crate) fn swanctl_names(protocol: ProtocolId, proposal: &str) -> String {
    let Some(spec) = ProposalSpec::parse(protocol, proposal)
        .ok()
        .and_then(|specs| specs.into_iter().next())
    else {
        return proposal.to_owned();
    };
    let names: Vec<String> = spec.algorithms.iter().filter_map(name).collect();
    names.join("/")
}

/// One transform's swanctl name; `None` for "no ESN" (swanctl shows ESN only when
/// it is used, RFC 4303 §2.2.1).
fn name(algorithm: &Algorithm) -> Option<String> {
    let id = algorithm.id;
    let iana = match algorithm.kind {
        TransformType::ENCR => EncrId(id).name(),
        TransformType::INTEG => IntegId(id).name(),
        TransformType::PRF => PrfId(id).name(),
        TransformType::DH => DhId(id).name(),
        TransformType::ESN if EsnId(id) == EsnId::ESN => return Some("ESN".to_owned()),
        TransformType::ESN => return None,
        _ => None,
    };
    let base = iana.map_or_else(
        || format!("{}_{id}", algorithm.kind),
        |n| {
            n.trim_start_matches("ENCR_")
                .trim_start_matches("AUTH_")
                .to_owned()
        },
    );
    Some(match algorithm.key_bits {
        Some(bits) => format!("{base}-{bits}"),
        None => base,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proposals_read_as_swanctl_shows_them() {
        assert_eq!(
            swanctl_names(ProtocolId::IKE, "aes256gcm16-prfsha256-x25519"),
            "AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519"
        );
        assert_eq!(
            swanctl_names(ProtocolId::IKE, "aes128-sha256-modp2048"),
            "AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048"
        );
        assert_eq!(
            swanctl_names(ProtocolId::ESP, "aes256gcm16"),
            "AES_GCM_16-256"
        );
        assert_eq!(
            swanctl_names(ProtocolId::ESP, "aes128-sha256-esn"),
            "AES_CBC-128/HMAC_SHA2_256_128/ESN"
        );
    }
}
