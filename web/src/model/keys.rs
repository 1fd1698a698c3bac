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

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::rc::Rc;

use ikelab_engine::capture::keys::KeyTables;
use ikelab_engine::crypto::keys::KeyDerivationStep;
use ikelab_engine::event::{ChildSaKeys, EventKind, IkeSaKeys};
use ikelab_engine::trace::{Entry, FlightId, NetworkEvent, Trace, WireProtocol};
use ikelab_engine::wire::IkeHeader;
use ikelab_engine::wire::esp::EspPacket;
use ikelab_engine::wire::iana::{EncrId, IntegId};
use ikelab_engine::wire::udp_encap::{NAT_T_PORT, Udp4500Payload};

#[cfg(test)]
#[path = "keys_tests.rs"]
mod keys_tests;

/// Which end of an SA a key belongs to: the original initiator of the IKE SA (or
/// of the exchange that created the CHILD SA), or the responder (RFC 7296 §2.14,
/// §2.17).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Initiator,
    Responder,
}

impl Side {
    fn of(initiator: bool) -> Self {
        if initiator {
            Self::Initiator
        } else {
            Self::Responder
        }
    }

    pub(crate) fn word(self) -> &'static str {
        match self {
            Self::Initiator => "initiator",
            Self::Responder => "responder",
        }
    }

    pub(crate) fn other(self) -> Self {
        match self {
            Self::Initiator => Self::Responder,
            Self::Responder => Self::Initiator,
        }
    }
}

/// What a value of the key schedule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// g^ir: the Diffie-Hellman shared secret (RFC 7296 §2.14).
    SharedSecret,
    Skeyseed,
    /// SK_d: derives the CHILD SAs' KEYMAT and a rekey's SKEYSEED.
    SkD,
    /// SK_ai / SK_ar: the ICV of the SK payloads one side sends (§3.14).
    SkA(Side),
    /// SK_ei / SK_er: encrypts the SK payloads one side sends (§3.14).
    SkE(Side),
    /// SK_pi / SK_pr: in that side's AUTH payload (§2.15).
    SkP(Side),
    /// A CHILD SA's key material (§2.17).
    Keymat,
    /// A CHILD SA's ESP encryption key for what one side sends.
    EspEncr(Side),
    /// A CHILD SA's ESP integrity key for what one side sends.
    EspInteg(Side),
    /// A value this page does not know by name.
    Other,
}

impl KeyKind {
    /// From the output names of the engine's key schedule (`crypto::keys`).
    fn of_name(name: &str) -> Self {
        match name {
            "g^ir" | "g^ir (new)" => Self::SharedSecret,
            "SKEYSEED" => Self::Skeyseed,
            "SK_d" => Self::SkD,
            "SK_ai" => Self::SkA(Side::Initiator),
            "SK_ar" => Self::SkA(Side::Responder),
            "SK_ei" => Self::SkE(Side::Initiator),
            "SK_er" => Self::SkE(Side::Responder),
            "SK_pi" => Self::SkP(Side::Initiator),
            "SK_pr" => Self::SkP(Side::Responder),
            "KEYMAT" => Self::Keymat,
            "ENCR key (initiator to responder)" => Self::EspEncr(Side::Initiator),
            "ENCR key (responder to initiator)" => Self::EspEncr(Side::Responder),
            "INTEG key (initiator to responder)" => Self::EspInteg(Side::Initiator),
            "INTEG key (responder to initiator)" => Self::EspInteg(Side::Responder),
            _ => Self::Other,
        }
    }

    /// The short name the panel and its `data-key` attribute use: the RFC's names
    /// for the IKE SA's keys, `ESP_ei`, `ESP_ai`, `ESP_er`, `ESP_ar` for a CHILD SA's
    /// (encryption / integrity, initiator / responder, as SK_e* and SK_a*).
    pub(crate) fn code(self) -> Option<&'static str> {
        Some(match self {
            Self::SharedSecret => "g^ir",
            Self::Skeyseed => "SKEYSEED",
            Self::SkD => "SK_d",
            Self::SkA(Side::Initiator) => "SK_ai",
            Self::SkA(Side::Responder) => "SK_ar",
            Self::SkE(Side::Initiator) => "SK_ei",
            Self::SkE(Side::Responder) => "SK_er",
            Self::SkP(Side::Initiator) => "SK_pi",
            Self::SkP(Side::Responder) => "SK_pr",
            Self::Keymat => "KEYMAT",
            Self::EspEncr(Side::Initiator) => "ESP_ei",
            Self::EspEncr(Side::Responder) => "ESP_er",
            Self::EspInteg(Side::Initiator) => "ESP_ai",
            Self::EspInteg(Side::Responder) => "ESP_ar",
            Self::Other => return None,
        })
    }

    /// Whether the key protects the bytes of messages or packets (and so has a
    /// list of what it opens).
    pub(crate) fn protects_traffic(self) -> bool {
        matches!(
            self,
            Self::SkA(_) | Self::SkE(_) | Self::EspEncr(_) | Self::EspInteg(_)
        )
    }
}

/// A named input of a step, as hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Input {
    pub(crate) name: String,
    pub(crate) hex: String,
    /// What it is, in a sentence.
    pub(crate) meaning: &'static str,
}

/// What a link's record is to the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkRole {
    /// The sender protected it with the key (`MessageSent`, `EspSealed`).
    Sealed,
    /// The receiver opened it with the key (`MessageReceived`, `EspOpened`).
    Opened,
    /// The receiver refused it (`EspDropped`: replayed, bad ICV, ...).
    Refused,
    /// Only the network saw it: a datagram no engine record names (the gateway's
    /// ESP in a bridge trace).
    OnTheWire,
}

impl LinkRole {
    pub(crate) fn verb(self) -> &'static str {
        match self {
            Self::Sealed => "sealed by",
            Self::Opened => "opened by",
            Self::Refused => "refused by",
            Self::OnTheWire => "on the wire from",
        }
    }
}

/// A record whose bytes a key protects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    /// Index into `trace.records`.
    pub(crate) record: usize,
    /// The peer whose record it is (the sender of a datagram only on the wire).
    pub(crate) peer: String,
    pub(crate) role: LinkRole,
    /// `IKE_AUTH request 1 [ IDi AUTH ... ]`, `ESP SPI 0x… seq 1: ICMP ...`.
    pub(crate) label: String,
}

/// Where a key stands in the Wireshark tables the lab downloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableCell {
    /// `ikev2_decryption_table` or `esp_sa`.
    pub(crate) file: &'static str,
    /// The column's name, as Wireshark's dialog titles it.
    pub(crate) column: &'static str,
    /// The SA's whole line, as the download writes it.
    pub(crate) line: String,
    /// The cell as written in the line: the key in hex (`ikev2_decryption_table`),
    /// or `0x` and the hex (`esp_sa`); empty when the key is.
    pub(crate) cell: String,
}

/// One value of the key schedule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    pub(crate) kind: KeyKind,
    /// The engine's name for it ("SK_ei", "ENCR key (initiator to responder)").
    pub(crate) name: String,
    /// Lowercase hex, empty for an empty key (integrity with an AEAD, ENCR_NULL's
    /// encryption).
    pub(crate) hex: String,
    /// What it does, for a student.
    pub(crate) meaning: String,
    /// Octets at the end of the value that are an AEAD's salt, not its key
    /// (0 for none).
    pub(crate) salt_octets: usize,
    /// How the value reads in the downloaded tables.
    pub(crate) table: Option<TableCell>,
    /// The records whose bytes it protects, in trace order (empty for a key that
    /// protects none, or whose SA's traffic is not in the trace).
    pub(crate) opens: Vec<Link>,
    /// The records of `opens`, for `Action::Highlight`.
    pub(crate) records: Rc<[usize]>,
}

impl Key {
    pub(crate) fn code(&self) -> &str {
        self.kind.code().unwrap_or(&self.name)
    }

    /// Octets of the value.
    pub(crate) fn octets(&self) -> usize {
        self.hex.len() / 2
    }
}

/// One step of the key schedule: what was computed, how, from what.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
    /// The record of the key event (index into `trace.records`).
    pub(crate) record: usize,
    pub(crate) t_us: u64,
    /// "SKEYSEED", "IKE SA keys", "CHILD_SA KEYMAT", ...
    pub(crate) name: String,
    /// In the RFC's notation.
    pub(crate) formula: String,
    /// "RFC 7296 §2.14".
    pub(crate) rfc: String,
    /// The PRF the formula's prf and prf+ are (empty when none is used).
    pub(crate) prf: String,
    pub(crate) inputs: Vec<Input>,
    pub(crate) outputs: Vec<Key>,
}

/// A CHILD SA's keys.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChildSchedule {
    /// KEYMAT and its ESP keys.
    pub(crate) step: Step,
    /// The CHILD SA as its key record names it; `None` when the trace has the
    /// KEYMAT but not the SA's keys record.
    pub(crate) sa: Option<ChildSaInfo>,
}

/// The facts of a CHILD SA that place its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChildSaInfo {
    /// The peer's handle of it (`CHILD SA #n`).
    pub(crate) child: u64,
    /// Which end of the exchange that created it this peer was.
    pub(crate) local: Side,
    /// The SPI on packets from the initiator to the responder (the responder's
    /// inbound SPI) and the other way.
    pub(crate) spi_to_responder: u32,
    pub(crate) spi_to_initiator: u32,
    /// "ENCR_AES_GCM_16 (20), 256-bit key", "ENCR_NULL (11), AUTH_HMAC_SHA2_256_128 (12)".
    pub(crate) algorithms: String,
    /// Why the lab's `esp_sa` has no line for it (Wireshark lacks the algorithm).
    pub(crate) table_problem: Option<String>,
}

/// An IKE SA's keys as one peer derived them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IkeSaSchedule {
    /// The peer's handle of the IKE SA in its first key record (`IKE SA #n`).
    pub(crate) ike_sa: Option<u64>,
    /// The SPIs (hex, 16 digits each), when a record names them.
    pub(crate) spi_i: Option<String>,
    pub(crate) spi_r: Option<String>,
    /// Which end this peer is, when one of its messages of this SA says so.
    pub(crate) local: Option<Side>,
    /// Keys derived by a rekey of another IKE SA (§2.18).
    pub(crate) rekey: bool,
    /// "ENCR_AES_GCM_16 (20), 256-bit key", when the SA's keys record is in the trace.
    pub(crate) algorithms: Option<String>,
    /// Why the lab's `ikev2_decryption_table` has no line for it.
    pub(crate) table_problem: Option<String>,
    pub(crate) steps: Vec<Step>,
    pub(crate) children: Vec<ChildSchedule>,
}

impl IkeSaSchedule {
    /// "IKE SA 995b7aa1d063eb29_i 8b5662a75defa9ca_r" (charon's way), or its handle.
    pub(crate) fn title(&self) -> String {
        match (&self.spi_i, &self.spi_r) {
            (Some(i), Some(r)) => format!("IKE SA {i}_i {r}_r"),
            _ => match self.ike_sa {
                Some(n) => format!("IKE SA #{n}"),
                None => "Keys of no named IKE SA".to_owned(),
            },
        }
    }

    /// The first record of its keys.
    pub(crate) fn first_record(&self) -> Option<usize> {
        self.steps
            .iter()
            .chain(self.children.iter().map(|c| &c.step))
            .map(|s| s.record)
            .min()
    }
}

/// One peer's keys.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PeerKeys {
    pub(crate) peer: String,
    pub(crate) ike_sas: Vec<IkeSaSchedule>,
}

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

// ---------------------------------------------------------------------------
// Reading the key events.

#[derive(Default)]
struct Builder {
    peers: Vec<PeerKeys>,
}

impl Builder {
    fn peer(&mut self, name: &str) -> &mut PeerKeys {
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
    fn ike_sa_by_spis(
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
    fn ike_sa_by_handle(&mut self, peer: &str, ike_sa: Option<u64>) -> &mut IkeSaSchedule {
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
    fn steps(
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

    /// An `IkeSaKeys` record: the SA's algorithms and its table line; its keys as
    /// a step when no schedule step of the SA is in the trace.
    fn ike_sa_keys(
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
            let column = match key.kind {
                KeyKind::SkE(Side::Initiator) => "SK_ei",
                KeyKind::SkE(Side::Responder) => "SK_er",
                KeyKind::SkA(Side::Initiator) => "SK_ai",
                KeyKind::SkA(Side::Responder) => "SK_ar",
                _ => continue,
            };
            if let (KeyKind::SkE(_), Some(salt)) = (key.kind, salt) {
                key.salt_octets = salt.octets;
            }
            key.meaning = ike_meaning(key.kind, salt, k.encr);
            key.table = line.as_ref().map(|line| TableCell {
                file: "ikev2_decryption_table",
                column,
                line: line.clone(),
                // `Ikev2TableEntry::line` writes keys as bare lowercase hex.
                cell: key.hex.clone(),
            });
        }
    }

    /// A `ChildSaKeys` record: names the CHILD SA whose KEYMAT split gave these
    /// keys (matched by value), with its SPIs and `esp_sa` lines.
    fn child_sa_keys(
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
            // `child_sa_esp_sa_lines`: the initiator-to-responder line first.
            let (line, column, side) = match key.kind {
                KeyKind::EspEncr(side) => (side_index(side), "Encryption key", side),
                KeyKind::EspInteg(side) => (side_index(side), "Authentication key", side),
                _ => continue,
            };
            if let (KeyKind::EspEncr(_), Some(salt)) = (key.kind, salt) {
                key.salt_octets = salt.octets;
            }
            let spi = match side {
                Side::Initiator => spi_to_responder,
                Side::Responder => spi_to_initiator,
            };
            key.meaning = esp_meaning(key.kind, spi, salt, k.encr);
            key.table = table.esp.get(line).map(|line| TableCell {
                file: "esp_sa",
                column,
                line: line.clone(),
                // `esp_sa_line` writes "0x" and the hex, or nothing for an empty key.
                cell: if key.hex.is_empty() {
                    String::new()
                } else {
                    format!("0x{}", key.hex)
                },
            });
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

fn side_index(side: Side) -> usize {
    match side {
        Side::Initiator => 0,
        Side::Responder => 1,
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

fn hex(bytes: &[u8]) -> String {
    ikelab_engine::crypto::to_hex(bytes)
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

fn key(name: &str, hex: String) -> Key {
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
        outputs: [
            ("SKEYSEED", keys.skeyseed()),
            ("SK_d", keys.sk_d()),
            ("SK_ai", keys.sk_ai()),
            ("SK_ar", keys.sk_ar()),
            ("SK_ei", keys.sk_ei()),
            ("SK_er", keys.sk_er()),
            ("SK_pi", keys.sk_pi()),
            ("SK_pr", keys.sk_pr()),
        ]
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

/// "ENCR_AES_GCM_16 (20), 256-bit key", "ENCR_AES_CBC (12), 128-bit key, AUTH_HMAC_SHA2_256_128 (12)".
fn algorithms(encr: EncrId, key_bits: Option<u16>, integ: Option<IntegId>) -> String {
    let mut text = encr.to_string();
    if let Some(bits) = key_bits {
        text.push_str(&format!(", {bits}-bit key"));
    }
    if let Some(integ) = integ.filter(|i| *i != IntegId::NONE) {
        text.push_str(&format!(", {integ}"));
    }
    text
}

/// An AEAD's salt: the octets after the key in SK_e (IKE) or the ESP encryption
/// key, and where that is specified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Salt {
    pub(crate) octets: usize,
    pub(crate) ike_rfc: &'static str,
    pub(crate) esp_rfc: &'static str,
}

/// The salt of `encr` when it is an AEAD (no integrity transform: RFC 5282 §8).
fn aead_salt(encr: EncrId, integ: Option<IntegId>) -> Option<Salt> {
    if integ.is_some_and(|i| i != IntegId::NONE) {
        return None;
    }
    match encr {
        // AES-GCM: a 4-octet salt (RFC 5282 §7.1 for IKEv2, RFC 4106 §8.1 for ESP).
        EncrId::AES_GCM_8 | EncrId::AES_GCM_12 | EncrId::AES_GCM_16 => Some(Salt {
            octets: 4,
            ike_rfc: "RFC 5282 §7.1",
            esp_rfc: "RFC 4106 §8.1",
        }),
        // AES-CCM: a 3-octet salt (RFC 5282 §7.1, RFC 4309 §7.1).
        EncrId::AES_CCM_8 | EncrId::AES_CCM_12 | EncrId::AES_CCM_16 => Some(Salt {
            octets: 3,
            ike_rfc: "RFC 5282 §7.1",
            esp_rfc: "RFC 4309 §7.1",
        }),
        // ChaCha20-Poly1305: a 32-octet key and a 4-octet salt (RFC 7634 §2, §3).
        EncrId::CHACHA20_POLY1305 => Some(Salt {
            octets: 4,
            ike_rfc: "RFC 7634 §3",
            esp_rfc: "RFC 7634 §2",
        }),
        _ => None,
    }
}

fn input_meaning(name: &str) -> &'static str {
    match name {
        "Ni" => "The initiator's nonce (Nonce Data of its Ni payload).",
        "Nr" => "The responder's nonce (Nonce Data of its Nr payload).",
        "g^ir" => "The Diffie-Hellman shared secret of the KE payloads.",
        "g^ir (new)" => "The shared secret of this exchange's new KE payloads.",
        "SPIi" => "The initiator's SPI from the IKE header.",
        "SPIr" => "The responder's SPI from the IKE header.",
        "SKEYSEED" => "The seed computed in the step above.",
        "SK_d" => "The IKE SA's SK_d: every CHILD SA's keys come from it.",
        "SK_d (old)" => "SK_d of the IKE SA being replaced.",
        _ => "",
    }
}

fn base_meaning(kind: KeyKind) -> &'static str {
    match kind {
        KeyKind::SharedSecret => {
            "The Diffie-Hellman shared secret: each peer computes it from its own private \
             value and the other's KE payload. It never crosses the wire."
        }
        KeyKind::Skeyseed => "The seed every other key of this IKE SA grows from.",
        KeyKind::SkD => {
            "Derives the keys of every CHILD SA (KEYMAT) and, when the IKE SA is rekeyed, \
             the next SKEYSEED. It protects no message itself."
        }
        KeyKind::SkA(Side::Initiator) => {
            "Computes the integrity checksum (ICV) of what the initiator sends in SK payloads."
        }
        KeyKind::SkA(Side::Responder) => {
            "Computes the integrity checksum (ICV) of what the responder sends in SK payloads."
        }
        KeyKind::SkE(Side::Initiator) => {
            "Encrypts what the initiator sends (its SK payloads); the responder decrypts with it."
        }
        KeyKind::SkE(Side::Responder) => {
            "Encrypts what the responder sends (its SK payloads); the initiator decrypts with it."
        }
        KeyKind::SkP(Side::Initiator) => {
            "Goes into the initiator's AUTH payload (RFC 7296 §2.15): it ties the \
             authentication to this exchange. Nothing is encrypted with it."
        }
        KeyKind::SkP(Side::Responder) => {
            "Goes into the responder's AUTH payload (RFC 7296 §2.15): it ties the \
             authentication to this exchange. Nothing is encrypted with it."
        }
        KeyKind::Keymat => {
            "This CHILD SA's key material, cut into ESP keys: encryption key then \
             integrity key, initiator-to-responder first (RFC 7296 §2.17)."
        }
        KeyKind::EspEncr(Side::Initiator) => {
            "Encrypts the ESP packets the initiator sends; the responder decrypts with it."
        }
        KeyKind::EspEncr(Side::Responder) => {
            "Encrypts the ESP packets the responder sends; the initiator decrypts with it."
        }
        KeyKind::EspInteg(Side::Initiator) => {
            "Computes the integrity checksum (ICV) of the ESP packets the initiator sends."
        }
        KeyKind::EspInteg(Side::Responder) => {
            "Computes the integrity checksum (ICV) of the ESP packets the responder sends."
        }
        KeyKind::Other => "",
    }
}

/// An SK_e / SK_a key's sentence, with what the algorithms make of it.
fn ike_meaning(kind: KeyKind, salt: Option<Salt>, encr: EncrId) -> String {
    let base = base_meaning(kind);
    match (kind, salt) {
        (KeyKind::SkE(_), Some(salt)) => format!(
            "{base} With {encr}, an AEAD, it is the cipher key followed by a {}-octet \
             salt ({}); the ICV comes from the cipher itself.",
            salt.octets, salt.ike_rfc
        ),
        (KeyKind::SkA(_), Some(_)) => format!(
            "Empty: with {encr}, an AEAD, the cipher computes the ICV itself and there \
             is no integrity transform nor key (RFC 5282 §8)."
        ),
        _ => base.to_owned(),
    }
}

/// An ESP key's sentence, with its SPI and what the algorithms make of it.
fn esp_meaning(kind: KeyKind, spi: u32, salt: Option<Salt>, encr: EncrId) -> String {
    let base = base_meaning(kind);
    let on = format!("Those packets carry SPI 0x{spi:08x}.");
    match (kind, salt) {
        (KeyKind::EspEncr(_), _) if encr == EncrId::NULL => format!(
            "Empty: ENCR_NULL encrypts nothing (RFC 2410), the packets travel in the \
             clear and only the integrity key protects them. {on}"
        ),
        (KeyKind::EspEncr(_), Some(salt)) => format!(
            "{base} With {encr}, an AEAD, it is the cipher key followed by a {}-octet \
             salt ({}). {on}",
            salt.octets, salt.esp_rfc
        ),
        (KeyKind::EspInteg(_), Some(_)) => format!(
            "Empty: with {encr}, an AEAD, the cipher computes the ICV itself (RFC 4303 \
             §3.2). {on}"
        ),
        _ => format!("{base} {on}"),
    }
}

// ---------------------------------------------------------------------------
// The records keys protect.

/// An IKE message with an SK payload (RFC 7296 §3.14), as one peer's record.
struct SkMessage {
    record: usize,
    peer: String,
    spi_i: String,
    spi_r: String,
    /// The Initiator flag of its IKE header (§3.1): the IKE SA's original
    /// initiator sent it.
    from_initiator: bool,
    sent: bool,
    label: String,
}

/// An ESP packet as one record.
struct EspRecord {
    record: usize,
    peer: String,
    spi: u32,
    role: LinkRole,
    label: String,
}

/// The protected traffic of a trace.
struct Traffic {
    sk_messages: Vec<SkMessage>,
    esp: Vec<EspRecord>,
}

impl Traffic {
    fn of(trace: &Trace) -> Self {
        // Flights an engine's ESP record names: their network records add nothing.
        let named: BTreeSet<FlightId> = trace
            .records
            .iter()
            .filter_map(|r| r.event())
            .filter(|e| e.kind.is_esp())
            .filter_map(|e| e.flight)
            .collect();
        let mut sk_messages = Vec::new();
        let mut esp = Vec::new();
        for (index, record) in trace.records.iter().enumerate() {
            match &record.entry {
                Entry::Event(event) => match &event.kind {
                    EventKind::MessageSent(m) | EventKind::MessageReceived(m) if m.encrypted => {
                        let Ok(parsed) = IkeHeader::parse(&m.bytes) else {
                            continue;
                        };
                        sk_messages.push(SkMessage {
                            record: index,
                            peer: record.peer.clone(),
                            spi_i: hex(&m.spi_i.0),
                            spi_r: hex(&m.spi_r.0),
                            from_initiator: parsed.header.is_initiator(),
                            sent: matches!(event.kind, EventKind::MessageSent(_)),
                            label: m.summary.clone(),
                        });
                    }
                    EventKind::EspSealed(p) | EventKind::EspOpened(p) => esp.push(EspRecord {
                        record: index,
                        peer: record.peer.clone(),
                        spi: p.spi,
                        role: if matches!(event.kind, EventKind::EspSealed(_)) {
                            LinkRole::Sealed
                        } else {
                            LinkRole::Opened
                        },
                        label: format!("ESP SPI 0x{:08x} seq {}: {}", p.spi, p.sequence, p.inner),
                    }),
                    EventKind::EspDropped(d) => esp.push(EspRecord {
                        record: index,
                        peer: record.peer.clone(),
                        spi: d.spi,
                        role: LinkRole::Refused,
                        label: format!(
                            "ESP SPI 0x{:08x} seq {}: {}",
                            d.spi, d.sequence, d.reason.message
                        ),
                    }),
                    _ => {}
                },
                Entry::Network(NetworkEvent::Transmit {
                    flight,
                    from,
                    datagram,
                    protocol,
                    ..
                }) if !named.contains(flight) => {
                    if let Some(spi) =
                        esp_spi(*protocol, datagram.src, datagram.dst, &datagram.payload)
                    {
                        esp.push(EspRecord {
                            record: index,
                            peer: from.clone(),
                            spi,
                            role: LinkRole::OnTheWire,
                            label: format!(
                                "ESP SPI 0x{spi:08x} ({} octets)",
                                datagram.payload.len()
                            ),
                        });
                    }
                }
                _ => {}
            }
        }
        Self { sk_messages, esp }
    }

    /// Which end of the IKE SA `peer` is: what the Initiator flag of a message it
    /// sent says (§3.1).
    fn ike_role(&self, peer: &str, sa: &IkeSaSchedule) -> Option<Side> {
        let (spi_i, spi_r) = (sa.spi_i.as_deref()?, sa.spi_r.as_deref()?);
        self.sk_messages
            .iter()
            .find(|m| m.sent && m.peer == peer && m.spi_i == spi_i && m.spi_r == spi_r)
            .map(|m| Side::of(m.from_initiator))
    }
}

/// The SPI of an ESP packet: IP protocol 50 (RFC 4303 §2), or UDP data on the
/// NAT-T port that is not IKE nor a keep-alive (RFC 3948 §2.1–§2.3).
fn esp_spi(
    protocol: WireProtocol,
    src: SocketAddr,
    dst: SocketAddr,
    payload: &[u8],
) -> Option<u32> {
    match protocol {
        WireProtocol::Esp => EspPacket::parse(payload).ok().map(|p| p.header.spi),
        WireProtocol::Udp if src.port() == NAT_T_PORT || dst.port() == NAT_T_PORT => {
            match Udp4500Payload::parse(payload) {
                Ok(Udp4500Payload::Esp(p)) => Some(p.header.spi),
                _ => None,
            }
        }
        WireProtocol::Udp => None,
    }
}

/// Fills each traffic key's `opens` with the records it protects.
fn link_ike_sa(sa: &mut IkeSaSchedule, traffic: &Traffic) {
    let spis = sa.spi_i.clone().zip(sa.spi_r.clone());
    for key in sa.steps.iter_mut().flat_map(|s| &mut s.outputs) {
        let (KeyKind::SkE(side) | KeyKind::SkA(side)) = key.kind else {
            continue;
        };
        let Some((spi_i, spi_r)) = &spis else {
            continue;
        };
        if key.hex.is_empty() {
            continue;
        }
        let links = traffic
            .sk_messages
            .iter()
            .filter(|m| {
                &m.spi_i == spi_i && &m.spi_r == spi_r && Side::of(m.from_initiator) == side
            })
            .map(|m| Link {
                record: m.record,
                peer: m.peer.clone(),
                role: if m.sent {
                    LinkRole::Sealed
                } else {
                    LinkRole::Opened
                },
                label: m.label.clone(),
            })
            .collect();
        set_links(key, links);
    }
    for child in &mut sa.children {
        let Some(info) = &child.sa else { continue };
        for key in &mut child.step.outputs {
            let (KeyKind::EspEncr(side) | KeyKind::EspInteg(side)) = key.kind else {
                continue;
            };
            if key.hex.is_empty() {
                continue;
            }
            let spi = match side {
                Side::Initiator => info.spi_to_responder,
                Side::Responder => info.spi_to_initiator,
            };
            let links = traffic
                .esp
                .iter()
                .filter(|p| p.spi == spi)
                .map(|p| Link {
                    record: p.record,
                    peer: p.peer.clone(),
                    role: p.role,
                    label: p.label.clone(),
                })
                .collect();
            set_links(key, links);
        }
    }
}

fn set_links(key: &mut Key, links: Vec<Link>) {
    key.records = links.iter().map(|l| l.record).collect();
    key.opens = links;
}
