//! What the Keys panel shows: a peer's IKE SAs, each with the steps of its key
//! schedule (RFC 7296 §2.14, §2.18) and its CHILD SAs' KEYMAT (§2.17), every key
//! with its value, its place in the downloaded Wireshark tables and the records
//! whose bytes it protects.
//!
//! Plain data: the other files of this folder fill it from the trace.

use std::rc::Rc;

/// Which end of an SA a key belongs to: the original initiator of the IKE SA (or
/// of the exchange that created the CHILD SA), or the responder (RFC 7296 §2.14,
/// §2.17).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Initiator,
    Responder,
}

impl Side {
    pub(super) fn of(initiator: bool) -> Self {
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
    pub(super) fn of_name(name: &str) -> Self {
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
