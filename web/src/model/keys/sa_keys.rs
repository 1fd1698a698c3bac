//! The `IkeSaKeys` and `ChildSaKeys` records (the keys the engine hands to
//! Wireshark) matched to the schedules: an IKE SA's by its SPIs, a CHILD SA's by
//! the values of its four ESP keys, cut from KEYMAT (RFC 7296 §2.17). Each gives
//! its SA's algorithms, the SPIs of each direction of a CHILD SA (RFC 4303 §2.1),
//! and each traffic key's salt, sentence and table cell; alone in a trace (no
//! schedule step) it stands for the keys itself.

use ikelab_engine::capture::keys::KeyTables;
use ikelab_engine::event::{ChildSaKeys, IkeSaKeys};

use super::algorithms::{aead_salt, algorithms};
use super::meaning::{esp_meaning, ike_meaning, input_meaning};
use super::schedule::{Builder, key};
use super::tables::{esp_cell, esp_place, ikev2_cell, ikev2_column};
use super::{ChildSaInfo, ChildSchedule, Input, KeyKind, Side, Step, hex};

impl Builder {
    /// An `IkeSaKeys` record: the SA's algorithms and its table line; its keys as
    /// a step when no schedule step of the SA is in the trace.
    pub(super) fn ike_sa_keys(
        &mut self,
        peer: &str,
        ike_sa: Option<u64>,
        record: usize,
        t_us: u64,
        k: &IkeSaKeys,
    ) {
        let spi_i = hex(&k.spi_i.0);
        let spi_r = hex(&k.spi_r.0);
        let mut table = KeyTables::default();
        table.add_ike_sa(k);
        let line = table.ikev2.first().cloned();
        let sa = self.ike_sa_by_spis(peer, ike_sa, &spi_i, &spi_r);
        sa.algorithms = Some(algorithms(k.encr, k.encr_key_bits, k.integ));
        sa.table_problem = table.skipped.first().cloned();
        if !sa
            .steps
            .iter()
            .any(|s| s.outputs.iter().any(|o| o.kind == KeyKind::SkD))
        {
            sa.steps.push(logged_ike_step(k, record, t_us));
        }
        let salt = aead_salt(k.encr, k.integ);
        for key in sa.steps.iter_mut().flat_map(|s| &mut s.outputs) {
            let Some(column) = ikev2_column(key.kind) else {
                continue;
            };
            if let (KeyKind::SkE(_), Some(salt)) = (key.kind, salt) {
                key.salt_octets = salt.octets;
            }
            key.meaning = ike_meaning(key.kind, salt, k.encr);
            key.table = line
                .as_deref()
                .map(|line| ikev2_cell(line, column, &key.hex));
        }
    }

    /// A `ChildSaKeys` record: names the CHILD SA whose KEYMAT split gave these
    /// keys (matched by value), with its SPIs and `esp_sa` lines.
    pub(super) fn child_sa_keys(
        &mut self,
        peer: &str,
        ike_sa: Option<u64>,
        record: usize,
        t_us: u64,
        k: &ChildSaKeys,
    ) {
        let wanted = [
            (KeyKind::EspEncr(Side::Initiator), k.keys.encr_i().to_hex()),
            (
                KeyKind::EspInteg(Side::Initiator),
                k.keys.integ_i().to_hex(),
            ),
            (KeyKind::EspEncr(Side::Responder), k.keys.encr_r().to_hex()),
            (
                KeyKind::EspInteg(Side::Responder),
                k.keys.integ_r().to_hex(),
            ),
        ];
        let matches = |c: &ChildSchedule| {
            c.sa.is_none()
                && wanted.iter().all(|(kind, value)| {
                    c.step
                        .outputs
                        .iter()
                        .any(|o| o.kind == *kind && &o.hex == value)
                })
        };
        let found = self
            .peer(peer)
            .ike_sas
            .iter()
            .enumerate()
            .find_map(|(s, sa)| sa.children.iter().position(matches).map(|c| (s, c)));
        let child = match found {
            Some((s, c)) => &mut self.peer(peer).ike_sas[s].children[c],
            None => {
                let sa = self.ike_sa_by_handle(peer, ike_sa);
                sa.children.push(ChildSchedule {
                    step: logged_child_step(k, record, t_us),
                    sa: None,
                });
                let last = sa.children.len() - 1;
                &mut sa.children[last]
            }
        };
        let local = Side::of(k.initiator);
        // We receive on spi_in: as the initiator that is what the responder sends.
        let (spi_to_initiator, spi_to_responder) = match local {
            Side::Initiator => (k.spi_in, k.spi_out),
            Side::Responder => (k.spi_out, k.spi_in),
        };
        let mut table = KeyTables::default();
        table.add_child_sa(k);
        let salt = aead_salt(k.encr, k.integ);
        for key in &mut child.step.outputs {
            let Some((line, column, side)) = esp_place(key.kind) else {
                continue;
            };
            if let (KeyKind::EspEncr(_), Some(salt)) = (key.kind, salt) {
                key.salt_octets = salt.octets;
            }
            let spi = match side {
                Side::Initiator => spi_to_responder,
                Side::Responder => spi_to_initiator,
            };
            key.meaning = esp_meaning(key.kind, spi, salt, k.encr);
            key.table = table
                .esp
                .get(line)
                .map(|line| esp_cell(line, column, &key.hex));
        }
        child.sa = Some(ChildSaInfo {
            child: k.child.0,
            local,
            spi_to_responder,
            spi_to_initiator,
            algorithms: algorithms(k.encr, k.encr_key_bits, k.integ),
            table_problem: table.skipped.first().cloned(),
        });
    }
}

/// An IKE SA's keys from its keys record alone (the trace has no schedule step).
fn logged_ike_step(k: &IkeSaKeys, record: usize, t_us: u64) -> Step {
    let keys = &k.keys;
    Step {
        record,
        t_us,
        name: "IKE SA keys (as logged)".to_owned(),
        formula: "{SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = \
                  prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)"
            .to_owned(),
        rfc: "RFC 7296 §2.14".to_owned(),
        prf: String::new(),
        inputs: vec![
            Input {
                name: "SPIi".to_owned(),
                hex: hex(&k.spi_i.0),
                meaning: input_meaning("SPIi"),
            },
            Input {
                name: "SPIr".to_owned(),
                hex: hex(&k.spi_r.0),
                meaning: input_meaning("SPIr"),
            },
        ],
        outputs: keys
            .named()
            .into_iter()
            .map(|(name, value)| key(name, value.to_hex()))
            .collect(),
    }
}

/// A CHILD SA's keys from its keys record alone (no KEYMAT step in the trace).
fn logged_child_step(k: &ChildSaKeys, record: usize, t_us: u64) -> Step {
    let keys = &k.keys;
    Step {
        record,
        t_us,
        name: "CHILD_SA keys (as logged)".to_owned(),
        formula: "KEYMAT = prf+(SK_d, Ni | Nr)".to_owned(),
        rfc: "RFC 7296 §2.17".to_owned(),
        prf: String::new(),
        inputs: Vec::new(),
        outputs: [
            ("ENCR key (initiator to responder)", keys.encr_i()),
            ("INTEG key (initiator to responder)", keys.integ_i()),
            ("ENCR key (responder to initiator)", keys.encr_r()),
            ("INTEG key (responder to initiator)", keys.integ_r()),
        ]
        .into_iter()
        .map(|(name, value)| key(name, value.to_hex()))
        .collect(),
    }
}
