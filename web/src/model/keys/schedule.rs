//! The key schedule read from the trace's `KeysDerived` records, placed per peer
//! and per IKE SA: an IKE SA's steps (g^ir, SKEYSEED and its split, RFC 7296
//! §2.14, or a rekey's SKEYSEED from the old SK_d, §2.18) under the SPIs the split
//! names, each CHILD SA's KEYMAT (§2.17) under the IKE SA whose SK_d it was
//! derived from, matched by value.

use std::rc::Rc;

use ikelab_engine::crypto::keys::KeyDerivationStep;

use super::meaning::{base_meaning, input_meaning};
use super::{ChildSchedule, IkeSaSchedule, Input, Key, KeyKind, PeerKeys, Step};

/// The peers' schedules as the records are read, in the order of each peer's
/// first key record.
#[derive(Default)]
pub(super) struct Builder {
    pub(super) peers: Vec<PeerKeys>,
}

impl Builder {
    pub(super) fn peer(&mut self, name: &str) -> &mut PeerKeys {
        let at = match self.peers.iter().position(|p| p.peer == name) {
            Some(at) => at,
            None => {
                self.peers.push(PeerKeys {
                    peer: name.to_owned(),
                    ike_sas: Vec::new(),
                });
                self.peers.len() - 1
            }
        };
        &mut self.peers[at]
    }

    /// The peer's IKE SA with these SPIs, made if new.
    pub(super) fn ike_sa_by_spis(
        &mut self,
        peer: &str,
        ike_sa: Option<u64>,
        spi_i: &str,
        spi_r: &str,
    ) -> &mut IkeSaSchedule {
        let sas = &mut self.peer(peer).ike_sas;
        let at = sas
            .iter()
            .position(|s| s.spi_i.as_deref() == Some(spi_i) && s.spi_r.as_deref() == Some(spi_r));
        let at = at.unwrap_or_else(|| {
            let mut sa = blank_sa(ike_sa);
            sa.spi_i = Some(spi_i.to_owned());
            sa.spi_r = Some(spi_r.to_owned());
            sas.push(sa);
            sas.len() - 1
        });
        &mut sas[at]
    }

    /// Where keys of the peer's IKE SA `ike_sa` go when no SPI or value names the
    /// SA: its latest schedule with that handle, else a new one.
    pub(super) fn ike_sa_by_handle(
        &mut self,
        peer: &str,
        ike_sa: Option<u64>,
    ) -> &mut IkeSaSchedule {
        let sas = &mut self.peer(peer).ike_sas;
        let at = sas.iter().rposition(|s| s.ike_sa == ike_sa);
        let at = at.unwrap_or_else(|| {
            sas.push(blank_sa(ike_sa));
            sas.len() - 1
        });
        &mut sas[at]
    }

    /// A `KeysDerived` record: SKEYSEED steps wait for the split that names the
    /// SA's SPIs (they are recorded together, §2.14, §2.18); a KEYMAT goes to the IKE
    /// SA whose SK_d it was derived from (§2.17).
    pub(super) fn steps(
        &mut self,
        peer: &str,
        ike_sa: Option<u64>,
        record: usize,
        t_us: u64,
        steps: &[KeyDerivationStep],
    ) {
        let mut seeds: Vec<Step> = Vec::new();
        for raw in steps {
            let step = step_of(raw, record, t_us);
            let spis = (input_hex(raw, "SPIi"), input_hex(raw, "SPIr"));
            if step.outputs.iter().any(|k| k.kind == KeyKind::Skeyseed) && spis.0.is_none() {
                // The shared secret first: it is an input here and nowhere an output.
                if let Some(g) = raw.inputs.iter().find(|v| v.name.starts_with("g^ir")) {
                    seeds.push(shared_secret_step(&g.name, g.value.to_hex(), record, t_us));
                }
                seeds.push(step);
            } else if let (Some(spi_i), Some(spi_r)) = spis {
                let sa = self.ike_sa_by_spis(peer, ike_sa, &spi_i, &spi_r);
                sa.rekey |= seeds.iter().any(|s| s.rfc.contains("§2.18"));
                sa.steps.append(&mut seeds);
                sa.steps.push(step);
            } else if step.outputs.iter().any(|k| k.kind == KeyKind::Keymat) {
                let sk_d = input_hex(raw, "SK_d");
                let sa = self.ike_sa_of_sk_d(peer, ike_sa, sk_d.as_deref());
                sa.children.push(ChildSchedule { step, sa: None });
            } else {
                seeds.push(step);
            }
        }
        if !seeds.is_empty() {
            self.ike_sa_by_handle(peer, ike_sa).steps.append(&mut seeds);
        }
    }

    /// The peer's IKE SA whose SK_d is `sk_d`, else by handle.
    fn ike_sa_of_sk_d(
        &mut self,
        peer: &str,
        ike_sa: Option<u64>,
        sk_d: Option<&str>,
    ) -> &mut IkeSaSchedule {
        let by_value = sk_d.and_then(|sk_d| {
            self.peer(peer).ike_sas.iter().rposition(|sa| {
                sa.steps
                    .iter()
                    .flat_map(|s| &s.outputs)
                    .any(|k| k.kind == KeyKind::SkD && k.hex == sk_d)
            })
        });
        match by_value {
            Some(at) => &mut self.peer(peer).ike_sas[at],
            None => self.ike_sa_by_handle(peer, ike_sa),
        }
    }
}

fn blank_sa(ike_sa: Option<u64>) -> IkeSaSchedule {
    IkeSaSchedule {
        ike_sa,
        spi_i: None,
        spi_r: None,
        local: None,
        rekey: false,
        algorithms: None,
        table_problem: None,
        steps: Vec::new(),
        children: Vec::new(),
    }
}

fn input_hex(step: &KeyDerivationStep, name: &str) -> Option<String> {
    step.inputs
        .iter()
        .find(|v| v.name == name)
        .map(|v| v.value.to_hex())
}

fn step_of(raw: &KeyDerivationStep, record: usize, t_us: u64) -> Step {
    Step {
        record,
        t_us,
        name: raw.name.clone(),
        formula: raw.formula.clone(),
        rfc: raw.rfc.clone(),
        prf: raw.prf.to_string(),
        inputs: raw
            .inputs
            .iter()
            .map(|v| Input {
                name: v.name.clone(),
                hex: v.value.to_hex(),
                meaning: input_meaning(&v.name),
            })
            .collect(),
        outputs: raw
            .outputs
            .iter()
            .map(|v| key(&v.name, v.value.to_hex()))
            .collect(),
    }
}

pub(super) fn key(name: &str, hex: String) -> Key {
    let kind = KeyKind::of_name(name);
    Key {
        kind,
        name: name.to_owned(),
        hex,
        meaning: base_meaning(kind).to_owned(),
        salt_octets: 0,
        table: None,
        opens: Vec::new(),
        records: Rc::from([]),
    }
}

/// g^ir as a step of its own: the engine records it as SKEYSEED's input (§2.14).
fn shared_secret_step(name: &str, value: String, record: usize, t_us: u64) -> Step {
    Step {
        record,
        t_us,
        name: "Diffie-Hellman shared secret".to_owned(),
        formula: format!("{name} = (g^r)^i = (g^i)^r"),
        rfc: "RFC 7296 §2.14".to_owned(),
        prf: String::new(),
        inputs: Vec::new(),
        outputs: vec![key(name, value)],
    }
}
