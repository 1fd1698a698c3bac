//! The Keys panel's model: every key a peer derived, how (formula, RFC section,
//! this run's inputs), its value, and the records whose bytes it protects.
//!
//! Read once from the trace's key events (the simulator's engines log their keys
//! into the trace: it is a lab; a bridge trace has them when recorded with
//! `--keys`): `KeysDerived` (the key schedule steps, `crypto::keys`), `IkeSaKeys`
//! (an IKE SA's keys, Wireshark's `ikev2_decryption_table`) and `ChildSaKeys` (a
//! CHILD SA's ESP keys, Wireshark's `esp_sa`). Per peer and per IKE SA:
//!
//! - the Diffie-Hellman shared secret g^ir, SKEYSEED = prf(Ni | Nr, g^ir) and
//!   {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr
//!   | SPIi | SPIr) (RFC 7296 §2.14), or after an IKE SA rekey SKEYSEED = prf(SK_d
//!   (old), g^ir (new) | Ni | Nr) (§2.18);
//! - each CHILD SA's KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr), cut into its ESP
//!   keys, encryption before integrity, initiator-to-responder first (§2.17).
//!
//! Each SK_e/SK_a key is linked to the SK payloads it protects (RFC 7296 §3.14: the
//! messages of that IKE SA whose IKE header says the original initiator sent them,
//! §3.1, for SK_ei/SK_ai, the others for SK_er/SK_ar), each ESP key to the ESP
//! packets of its direction (the SPI on the packet, RFC 4303 §2.1, is the
//! receiver's inbound SPI of that CHILD SA). Keys and links are matched by value
//! and by SPI, never by the order of records, so a trace with missing pieces shows
//! what it has.
//!
//! The parts: `view` the types the panel reads, `schedule` the `KeysDerived`
//! steps placed in their IKE SAs, `sa_keys` the `IkeSaKeys` and `ChildSaKeys`
//! records matched to them, `algorithms` and `meaning` what the SA's transforms
//! make of a key and the sentence saying what it does, `tables` its cell in the
//! Wireshark tables, `links` the records it protects.

use ikelab_engine::event::EventKind;
use ikelab_engine::trace::{Entry, Trace};

mod algorithms;
mod links;
mod meaning;
mod sa_keys;
mod schedule;
mod tables;
mod view;

#[cfg(test)]
mod tests;

pub(crate) use view::{
    ChildSaInfo, ChildSchedule, IkeSaSchedule, Input, Key, KeyKind, Link, LinkRole, PeerKeys, Side,
    Step, TableCell,
};

use links::{Traffic, link_ike_sa};
use schedule::Builder;

/// Every key of a run.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct KeysModel {
    /// In the order of each peer's first key record.
    pub(crate) peers: Vec<PeerKeys>,
}

impl KeysModel {
    /// Reads the key events of `trace` (nothing, and no panic, on a trace without).
    pub(crate) fn from_trace(trace: &Trace) -> Self {
        let traffic = Traffic::of(trace);
        let mut builder = Builder::default();
        for (index, record) in trace.records.iter().enumerate() {
            let Entry::Event(event) = &record.entry else {
                continue;
            };
            let ike_sa = event.ike_sa.map(|id| id.0);
            match &event.kind {
                EventKind::KeysDerived { steps } => {
                    builder.steps(&record.peer, ike_sa, index, record.t_us, steps);
                }
                EventKind::IkeSaKeys(keys) => {
                    builder.ike_sa_keys(&record.peer, ike_sa, index, record.t_us, keys);
                }
                EventKind::ChildSaKeys(keys) => {
                    builder.child_sa_keys(&record.peer, ike_sa, index, record.t_us, keys);
                }
                _ => {}
            }
        }
        let mut model = Self {
            peers: builder.peers,
        };
        for peer in &mut model.peers {
            for sa in &mut peer.ike_sas {
                sa.local = traffic.ike_role(&peer.peer, sa);
                link_ike_sa(sa, &traffic);
            }
        }
        model
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.peers.is_empty()
    }

    /// Every key, with its peer and IKE SA (the tests' walk over the model).
    #[cfg(test)]
    pub(crate) fn keys(&self) -> impl Iterator<Item = (&PeerKeys, &IkeSaSchedule, &Key)> {
        self.peers.iter().flat_map(|p| {
            p.ike_sas.iter().flat_map(move |sa| {
                sa.steps
                    .iter()
                    .chain(sa.children.iter().map(|c| &c.step))
                    .flat_map(move |s| s.outputs.iter().map(move |k| (p, sa, k)))
            })
        })
    }
}

/// Lowercase hex, as the trace's key records and the downloaded tables write
/// SPIs and keys.
fn hex(bytes: &[u8]) -> String {
    ikelab_engine::crypto::to_hex(bytes)
}
