//! Do our engine's events and strongSwan agree? SPIs, algorithms, identities, virtual
//! IPs and selectors against `swanctl --list-sas`; keys against charon's key log.
//!
//! Every check collects all disagreements, so a failing test names each field that
//! differs rather than the first.

use ikelab_engine::config::Role;
use ikelab_engine::event::{ChildSaKeys, ChildSaUp, Event, EventKind, IkeSaKeys, IkeSaUp};
use ikelab_engine::ike::ts;
use ikelab_engine::wire::iana::{DhId, EncrId, IntegId, PrfId};

use crate::interop::strongswan::filelog::{child_key_logs, ike_key_logs};
use crate::interop::strongswan::{ChildKeyLog, ChildSaStatus, IkeKeyLog, IkeSaStatus};

/// strongSwan's name of an encryption algorithm (its `encryption_algorithm_names`, as
/// `swanctl --list-sas` prints `encr-alg`).
pub fn charon_encr_name(encr: EncrId) -> Option<&'static str> {
    Some(match encr {
        EncrId::AES_CBC => "AES_CBC",
        EncrId::AES_CTR => "AES_CTR",
        EncrId::AES_GCM_8 => "AES_GCM_8",
        EncrId::AES_GCM_12 => "AES_GCM_12",
        EncrId::AES_GCM_16 => "AES_GCM_16",
        EncrId::AES_CCM_16 => "AES_CCM_16",
        EncrId::CHACHA20_POLY1305 => "CHACHA20_POLY1305",
        EncrId::CAMELLIA_CBC => "CAMELLIA_CBC",
        EncrId::TRIPLE_DES => "3DES_CBC",
        _ => return None,
    })
}

/// strongSwan's name of an integrity algorithm (`integ-alg`).
pub fn charon_integ_name(integ: IntegId) -> Option<&'static str> {
    Some(match integ {
        IntegId::HMAC_SHA1_96 => "HMAC_SHA1_96",
        IntegId::HMAC_SHA2_256_128 => "HMAC_SHA2_256_128",
        IntegId::HMAC_SHA2_384_192 => "HMAC_SHA2_384_192",
        IntegId::HMAC_SHA2_512_256 => "HMAC_SHA2_512_256",
        IntegId::AES_XCBC_96 => "AES_XCBC_96",
        _ => return None,
    })
}

/// strongSwan's name of a PRF (`prf-alg`).
pub fn charon_prf_name(prf: PrfId) -> Option<&'static str> {
    Some(match prf {
        PrfId::HMAC_SHA1 => "PRF_HMAC_SHA1",
        PrfId::HMAC_SHA2_256 => "PRF_HMAC_SHA2_256",
        PrfId::HMAC_SHA2_384 => "PRF_HMAC_SHA2_384",
        PrfId::HMAC_SHA2_512 => "PRF_HMAC_SHA2_512",
        PrfId::AES128_XCBC => "PRF_AES128_XCBC",
        _ => return None,
    })
}

/// strongSwan's name of a key exchange method (`dh-group`).
pub fn charon_dh_name(dh: DhId) -> Option<&'static str> {
    Some(match dh {
        DhId::MODP_2048 => "MODP_2048",
        DhId::MODP_3072 => "MODP_3072",
        DhId::MODP_4096 => "MODP_4096",
        DhId::ECP_256 => "ECP_256",
        DhId::ECP_384 => "ECP_384",
        DhId::ECP_521 => "ECP_521",
        DhId::CURVE25519 => "CURVE_25519",
        DhId::CURVE448 => "CURVE_448",
        _ => return None,
    })
}

/// Collects "field: ours … charon …" lines.
#[derive(Debug, Default)]
struct Disagreements(Vec<String>);

impl Disagreements {
    fn check<T: PartialEq + core::fmt::Debug>(&mut self, field: &str, ours: T, charon: T) {
        if ours != charon {
            self.0
                .push(format!("{field}: ours {ours:?}, charon {charon:?}"));
        }
    }

    fn into_result(self) -> Result<(), String> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0.join("\n"))
        }
    }
}

/// Our `IkeSaUp` against charon's view of the same IKE SA.
pub fn ike_sa_agrees(ours: &IkeSaUp, charon: &IkeSaStatus) -> Result<(), String> {
    let mut d = Disagreements::default();
    d.check("state", "ESTABLISHED", charon.state.as_str());
    d.check("SPIi", ours.spi_i.0, charon.spi_i);
    d.check("SPIr", ours.spi_r.0, charon.spi_r);
    // Exactly one side initiated.
    d.check(
        "charon is the initiator",
        ours.role == Role::Responder,
        charon.initiator,
    );
    d.check(
        "encr",
        charon_encr_name(ours.encr),
        Some(charon.encr_alg.as_str()),
    );
    d.check("encr key size", ours.encr_key_bits, charon.encr_keysize);
    d.check(
        "integ",
        ours.integ.and_then(charon_integ_name),
        charon.integ_alg.as_deref(),
    );
    d.check(
        "prf",
        charon_prf_name(ours.prf),
        Some(charon.prf_alg.as_str()),
    );
    d.check(
        "dh",
        charon_dh_name(ours.dh),
        Some(charon.dh_group.as_str()),
    );
    d.check(
        "our id / charon's remote id",
        ours.local_id.as_str(),
        charon.remote_id.as_str(),
    );
    d.check(
        "our peer's id / charon's local id",
        ours.remote_id.as_str(),
        charon.local_id.as_str(),
    );
    // Both on the NAT-T port (RFC 3948) or both not.
    d.check(
        "UDP encapsulation",
        ours.udp_encap,
        charon.local_port == 4500,
    );
    d.check(
        "our port / charon's remote port",
        ours.local.port(),
        charon.remote_port,
    );
    d.check(
        "charon's port / our remote port",
        ours.remote.port(),
        charon.local_port,
    );
    let vips: Vec<String> = ours.virtual_ips.iter().map(ToString::to_string).collect();
    let charon_vips = match ours.role {
        // We were assigned addresses charon assigned to its remote peer.
        Role::Initiator => &charon.remote_vips,
        Role::Responder => &charon.local_vips,
    };
    d.check("virtual IPs", &vips, charon_vips);
    d.into_result()
}

/// Our `ChildSaUp` against charon's view of the same CHILD SA.
pub fn child_sa_agrees(ours: &ChildSaUp, charon: &ChildSaStatus) -> Result<(), String> {
    let mut d = Disagreements::default();
    d.check("state", "INSTALLED", charon.state.as_str());
    d.check("name", ours.name.as_str(), charon.name.as_str());
    d.check("protocol", "ESP", charon.protocol.as_str());
    d.check("mode", "TUNNEL", charon.mode.as_str());
    d.check(
        "our inbound SPI / charon's outbound",
        ours.spi_in,
        charon.spi_out,
    );
    d.check(
        "our outbound SPI / charon's inbound",
        ours.spi_out,
        charon.spi_in,
    );
    d.check(
        "encr",
        charon_encr_name(ours.encr),
        Some(charon.encr_alg.as_str()),
    );
    d.check("encr key size", ours.encr_key_bits, charon.encr_keysize);
    d.check(
        "integ",
        ours.integ.and_then(charon_integ_name),
        charon.integ_alg.as_deref(),
    );
    d.check("UDP encapsulation", ours.udp_encap, charon.encap);
    let texts = |list: &[ikelab_engine::wire::TrafficSelector]| -> Vec<String> {
        list.iter().map(ts::describe).collect()
    };
    d.check(
        "our local TS / charon's remote TS",
        &texts(&ours.local_ts),
        &charon.remote_ts,
    );
    d.check(
        "our remote TS / charon's local TS",
        &texts(&ours.remote_ts),
        &charon.local_ts,
    );
    d.into_result()
}

/// Our IKE SA keys (key log) against what charon printed for its key derivation.
pub fn ike_keys_agree(ours: &IkeSaKeys, charon: &IkeKeyLog) -> Result<(), String> {
    let mut d = Disagreements::default();
    let k = &ours.keys;
    d.check(
        "SKEYSEED",
        k.skeyseed().as_bytes(),
        charon.skeyseed.as_slice(),
    );
    d.check("SK_d", k.sk_d().as_bytes(), charon.sk_d.as_slice());
    d.check("SK_ei", k.sk_ei().as_bytes(), charon.sk_ei.as_slice());
    d.check("SK_er", k.sk_er().as_bytes(), charon.sk_er.as_slice());
    // AEAD: no SK_a (RFC 5282 §7); charon prints none, ours are empty.
    let none_if_empty = |b: &[u8]| (!b.is_empty()).then(|| b.to_vec());
    d.check(
        "SK_ai",
        none_if_empty(k.sk_ai().as_bytes()),
        charon.sk_ai.clone(),
    );
    d.check(
        "SK_ar",
        none_if_empty(k.sk_ar().as_bytes()),
        charon.sk_ar.clone(),
    );
    d.check("SK_pi", k.sk_pi().as_bytes(), charon.sk_pi.as_slice());
    d.check("SK_pr", k.sk_pr().as_bytes(), charon.sk_pr.as_slice());
    d.into_result()
}

/// Our CHILD SA keys (key log) against charon's.
pub fn child_keys_agree(ours: &ChildSaKeys, charon: &ChildKeyLog) -> Result<(), String> {
    let mut d = Disagreements::default();
    let k = &ours.keys;
    let none_if_empty = |b: &[u8]| (!b.is_empty()).then(|| b.to_vec());
    d.check("encr i→r", k.encr_i().as_bytes(), charon.encr_i.as_slice());
    d.check("encr r→i", k.encr_r().as_bytes(), charon.encr_r.as_slice());
    d.check(
        "integ i→r",
        none_if_empty(k.integ_i().as_bytes()),
        charon.integ_i.clone(),
    );
    d.check(
        "integ r→i",
        none_if_empty(k.integ_r().as_bytes()),
        charon.integ_r.clone(),
    );
    d.into_result()
}

/// An IKE SA and its first CHILD SA as both sides see them.
#[derive(Debug, Clone)]
pub struct Established {
    /// Our `IkeSaUp`.
    pub ike: IkeSaUp,
    /// Our `ChildSaUp`.
    pub child: ChildSaUp,
    /// charon's IKE SA with the same SPIs.
    pub charon: IkeSaStatus,
    /// charon's CHILD SA with our SPIs swapped.
    pub charon_child: ChildSaStatus,
}

/// Exactly one of the events `pick` selects.
fn only<T>(
    events: &[Event],
    what: &str,
    pick: impl Fn(&EventKind) -> Option<T>,
) -> Result<T, String> {
    let mut found: Vec<T> = events.iter().filter_map(|e| pick(&e.kind)).collect();
    match found.len() {
        1 => Ok(found.remove(0)),
        n => Err(format!("{n} {what} events where 1 was expected")),
    }
}

/// Checks that our events show one IKE SA and one CHILD SA up, that charon lists the same
/// ones (SPIs, algorithms, identities, virtual IPs, selectors, encapsulation) and that
/// charon's key log (`ike = 4`, `chd = 4`) holds the same keys as our key log events.
pub fn both_established(
    events: &[Event],
    charon_sas: &[IkeSaStatus],
    charon_log: &str,
) -> Result<Established, String> {
    let ike = only(events, "IkeSaUp", |k| match k {
        EventKind::IkeSaUp(up) => Some(up.as_ref().clone()),
        _ => None,
    })?;
    let child = only(events, "ChildSaUp", |k| match k {
        EventKind::ChildSaUp(up) => Some(up.as_ref().clone()),
        _ => None,
    })?;
    let charon = charon_sas
        .iter()
        .find(|sa| sa.spi_i == ike.spi_i.0 && sa.spi_r == ike.spi_r.0)
        .ok_or_else(|| {
            format!(
                "charon lists no IKE SA with SPIs {}_i {}_r: {charon_sas:#?}",
                ike.spi_i, ike.spi_r
            )
        })?
        .clone();
    ike_sa_agrees(&ike, &charon).map_err(|e| format!("IKE SA:\n{e}"))?;
    let charon_child = charon
        .children
        .iter()
        .find(|c| c.spi_in == child.spi_out && c.spi_out == child.spi_in)
        .ok_or_else(|| {
            format!(
                "charon lists no CHILD SA with SPIs {:08x}/{:08x}: {:#?}",
                child.spi_out, child.spi_in, charon.children
            )
        })?
        .clone();
    child_sa_agrees(&child, &charon_child).map_err(|e| format!("CHILD SA:\n{e}"))?;

    let ike_keys = only(events, "IkeSaKeys (key log)", |k| match k {
        EventKind::IkeSaKeys(keys) => Some(keys.as_ref().clone()),
        _ => None,
    })?;
    let charon_ike_keys = ike_key_logs(charon_log).map_err(|e| e.to_string())?;
    let [charon_ike_keys] = charon_ike_keys.as_slice() else {
        return Err(format!(
            "{} IKE key derivations in charon's log where 1 was expected",
            charon_ike_keys.len()
        ));
    };
    ike_keys_agree(&ike_keys, charon_ike_keys).map_err(|e| format!("IKE keys:\n{e}"))?;
    let child_keys = only(events, "ChildSaKeys (key log)", |k| match k {
        EventKind::ChildSaKeys(keys) => Some(keys.as_ref().clone()),
        _ => None,
    })?;
    let charon_child_keys = child_key_logs(charon_log).map_err(|e| e.to_string())?;
    let [charon_child_keys] = charon_child_keys.as_slice() else {
        return Err(format!(
            "{} CHILD SA key derivations in charon's log where 1 was expected",
            charon_child_keys.len()
        ));
    };
    child_keys_agree(&child_keys, charon_child_keys).map_err(|e| format!("CHILD keys:\n{e}"))?;
    Ok(Established {
        ike,
        child,
        charon,
        charon_child,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_what_swanctl_prints_for_both_suites() {
        // The spellings of the list-sas sample in strongswan/vici.rs and TOOLCHAIN.md.
        assert_eq!(charon_encr_name(EncrId::AES_CBC), Some("AES_CBC"));
        assert_eq!(charon_encr_name(EncrId::AES_GCM_16), Some("AES_GCM_16"));
        assert_eq!(
            charon_integ_name(IntegId::HMAC_SHA2_256_128),
            Some("HMAC_SHA2_256_128")
        );
        assert_eq!(
            charon_prf_name(PrfId::HMAC_SHA2_256),
            Some("PRF_HMAC_SHA2_256")
        );
        assert_eq!(charon_dh_name(DhId::MODP_2048), Some("MODP_2048"));
        assert_eq!(charon_dh_name(DhId::CURVE25519), Some("CURVE_25519"));
        assert_eq!(charon_encr_name(EncrId(1234)), None);
    }

    #[test]
    fn disagreements_are_all_listed() {
        let mut d = Disagreements::default();
        d.check("a", 1, 1);
        d.check("b", 1, 2);
        d.check("c", "x", "y");
        let text = d.into_result().unwrap_err();
        assert!(text.contains("b: ours 1, charon 2"), "{text}");
        assert!(text.contains("c: ours \"x\", charon \"y\""), "{text}");
        assert!(!text.contains("a:"), "{text}");
    }
}
