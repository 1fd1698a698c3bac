//! Steps both roles take after IKE_SA_INIT: the key schedule (RFC 7296 §2.14) and
//! the NAT verdict (§2.23), each reported as events.

use crate::config::Role;
use crate::crypto::Secret;
use crate::crypto::keys::{IkeKeys, IkeSuite, derive_ike_keys};
use crate::event::{Decision, DownReason, EventKind, IkeSaKeys, NatDecision, Problem};
use crate::ike::context::Cx;
use crate::ike::nat::{NatDetection, float_port};
use crate::ike::protect::Protection;
use crate::ike::sa::SaCore;
use crate::keylog::KeyLogEntry;
use crate::wire::iana::{DhId, TransformType};
use crate::wire::sa::Proposal;
use crate::wire::udp_encap::{IKE_PORT, NAT_T_PORT};

/// Derives the IKE SA's keys from the chosen proposal, keys its SK protection and,
/// with a key log installed, hands it every step and the keys. `core.spi_r` must be set.
pub(crate) fn derive_and_report(
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    chosen: &Proposal,
    g_ir: &Secret,
    ni: &[u8],
    nr: &[u8],
) -> Result<IkeKeys, DownReason> {
    let local = |error| DownReason::Local {
        problem: Problem::KeyDerivation { error },
    };
    let suite = IkeSuite::from_proposal(cx.provider, chosen).map_err(local)?;
    core.dh = chosen
        .transforms
        .iter()
        .find(|t| t.kind == TransformType::DH)
        .map_or(DhId::NONE, |t| DhId(t.id));
    let mut steps = Vec::new();
    let recorder = cx.logs_keys().then_some(&mut steps);
    let keys = derive_ike_keys(
        &suite,
        g_ir.as_bytes(),
        ni,
        nr,
        &core.spi_i.0,
        &core.spi_r.0,
        recorder,
    )
    .map_err(local)?;
    core.protection =
        Some(Protection::new(suite, &keys, core.role == Role::Initiator).map_err(local)?);
    if cx.logs_keys() {
        cx.log_keys(core.id, KeyLogEntry::KeysDerived { steps });
        cx.log_keys(
            core.id,
            KeyLogEntry::IkeSaKeys(Box::new(IkeSaKeys {
                spi_i: core.spi_i,
                spi_r: core.spi_r,
                encr: suite.cipher.id(),
                encr_key_bits: suite.cipher.key_bits(),
                integ: suite.integ.map(|i| i.id()),
                keys: keys.clone(),
            })),
        );
    }
    Ok(keys)
}

/// Records the NAT verdict of IKE_SA_INIT and, for the initiator, floats to the
/// NAT-T port (RFC 7296 §2.23: "the initiator MUST ... switch to port 4500").
pub(crate) fn report_nat(core: &mut SaCore, cx: &mut Cx<'_>, detection: NatDetection) {
    let encap_forced = core.policy.config.encap;
    let nat = detection.local_behind_nat || detection.remote_behind_nat;
    let udp_encap = detection.peer_supports_nat_t && (nat || encap_forced);
    let keepalives = udp_encap && detection.local_behind_nat;
    core.nat.detection = Some(detection);
    core.nat.udp_encap = udp_encap;
    core.nat.keepalives = keepalives;
    cx.emit(
        Some(core.id),
        EventKind::Decision(Decision::Nat(NatDecision {
            detection,
            encap_forced,
            udp_encap,
            keepalives,
        })),
    );
    if udp_encap && core.role == Role::Initiator {
        core.local = float_port(core.local, cx.config.ike_port, cx.config.nat_t_port);
        // The peer's ports are the standard ones unless it was configured otherwise.
        core.remote = float_port(core.remote, IKE_PORT, NAT_T_PORT);
    }
}
