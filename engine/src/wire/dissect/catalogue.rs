//! The dissection catalogue: every field a dissector can record, once, with a stable
//! numeric id, its name as the RFC diagram spells it, the RFC section defining it and
//! one sentence on what it means.
//!
//! A `Field` carries only its id, byte range and value; names and meanings come from
//! here, so a trace costs a message's bytes and ranges, not its explanations (the
//! trace names `CATALOGUE_VERSION`). Ids are written out below and never reused:
//! adding an entry takes a new number and renumbers nothing (a test checks that they
//! are unique and every entry is explained).
//!
//! Two kinds of entries:
//! - *plain* entries, listed in `catalogue!` below (ids 1 to 99 999);
//! - *families*: fields whose name or meaning depends on an IANA number (the payload
//!   type of a payload, the Notify Message Type, the ID Type of Identification Data,
//!   ...). Entry `base + number` exists for each number the dissector explains; other
//!   numbers use a plain fallback entry, with the number in the field's value.

use std::borrow::Cow;
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

/// Bumped when an entry's name, section or meaning changes; adding entries keeps the
/// ids of the others, so a reader of an older catalogue shows only the new ids as
/// unknown ("field N (newer engine)").
pub const CATALOGUE_VERSION: u32 = 1;

/// A field's catalogue id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FieldId(pub u32);

impl core::fmt::Display for FieldId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}

/// How a field is explained: its id, name, the RFC section defining it and one
/// sentence. Parsers name their fields (and errors) with these constants.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Doc {
    pub(crate) id: FieldId,
    pub(crate) name: &'static str,
    pub(crate) rfc: &'static str,
    pub(crate) meaning: &'static str,
}

impl Doc {
    pub(crate) const fn new(
        id: u32,
        name: &'static str,
        rfc: &'static str,
        meaning: &'static str,
    ) -> Self {
        Self {
            id: FieldId(id),
            name,
            rfc,
            meaning,
        }
    }

    fn entry(&self) -> Entry {
        Entry {
            id: self.id,
            name: Cow::Borrowed(self.name),
            rfc: Cow::Borrowed(self.rfc),
            meaning: Cow::Borrowed(self.meaning),
        }
    }
}

/// One catalogue entry, as it is serialised (and read back from a trace that embeds
/// its catalogue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: FieldId,
    pub name: Cow<'static, str>,
    pub rfc: Cow<'static, str>,
    pub meaning: Cow<'static, str>,
}

/// The catalogue of the engine this was compiled with, or one read from a trace: a
/// trace names its version and may carry its entries (`Trace::embed_catalogue`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    pub version: u32,
    /// Empty when only the version is named (the reader uses its own engine's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<Entry>,
}

impl Catalogue {
    /// This engine's catalogue named by its version only.
    pub fn version_only() -> Self {
        Self {
            version: CATALOGUE_VERSION,
            entries: Vec::new(),
        }
    }

    /// How to show a field: this catalogue's entry when it has one, else the
    /// engine's own when the versions agree, else "field N (newer engine)".
    pub fn explain(&self, id: FieldId) -> Entry {
        self.get(id)
            .cloned()
            .or_else(|| {
                (self.version == CATALOGUE_VERSION)
                    .then(|| lookup(id))
                    .flatten()
            })
            .unwrap_or_else(|| Entry {
                id,
                name: Cow::Owned(unknown_name(id)),
                rfc: Cow::Borrowed(""),
                meaning: Cow::Borrowed(""),
            })
    }

    /// Every entry of this engine, in id order: the plain ones, then each family's.
    pub fn embedded() -> Self {
        let mut entries: Vec<Entry> = PLAIN.iter().map(Doc::entry).collect();
        for family in FAMILIES {
            entries.extend(family.keys.clone().filter_map(|key| family.entry(key)));
        }
        Self {
            version: CATALOGUE_VERSION,
            entries,
        }
    }

    /// The entry with this id in this catalogue.
    pub fn get(&self, id: FieldId) -> Option<&Entry> {
        self.entries
            .binary_search_by_key(&id, |e| e.id)
            .ok()
            .and_then(|i| self.entries.get(i))
    }
}

/// The entry with this id in the engine's own catalogue.
pub fn lookup(id: FieldId) -> Option<Entry> {
    if id.0 < FAMILY_STRIDE {
        return PLAIN
            .binary_search_by_key(&id, |d| d.id)
            .ok()
            .and_then(|i| PLAIN.get(i))
            .map(Doc::entry);
    }
    let base = id.0 / FAMILY_STRIDE * FAMILY_STRIDE;
    let family = FAMILIES.iter().find(|f| f.base == base)?;
    family.entry(id.0 - base)
}

/// How a reader names an id its catalogue lacks.
pub fn unknown_name(id: FieldId) -> String {
    format!("field {id} (newer engine)")
}

/// Ids of family entries are `base + number`, bases being multiples of this.
const FAMILY_STRIDE: u32 = 100_000;

/// A family entry's `(name, RFC section, meaning)`.
pub(crate) type Title = (Cow<'static, str>, &'static str, &'static str);

/// Fields explained per IANA number; see the module documentation.
pub(crate) struct Family {
    base: u32,
    keys: RangeInclusive<u32>,
    /// `(name, section, meaning)` for a number the dissector explains, else `None`.
    explain: fn(u32) -> Option<Title>,
}

impl Family {
    fn entry(&self, key: u32) -> Option<Entry> {
        if !self.keys.contains(&key) {
            return None;
        }
        let (name, rfc, meaning) = (self.explain)(key)?;
        Some(Entry {
            id: FieldId(self.base + key),
            name,
            rfc: Cow::Borrowed(rfc),
            meaning: Cow::Borrowed(meaning),
        })
    }

    /// The id for `key`: the family's own entry when there is one, else `fallback`.
    pub(crate) fn id(&self, key: u32, fallback: &Doc) -> FieldId {
        match (self.explain)(key) {
            Some(_) if self.keys.contains(&key) => FieldId(self.base + key),
            _ => fallback.id,
        }
    }
}

/// A payload, by its type (RFC 7296 §3.2; `chain::title`).
pub(crate) const PAYLOADS: Family = Family {
    base: FAMILY_STRIDE,
    keys: 0..=255,
    explain: crate::wire::chain::payload_title,
};
/// The Notify Message Type field, by type (RFC 7296 §3.10.1).
pub(crate) const NOTIFY_TYPES: Family = Family {
    base: 2 * FAMILY_STRIDE,
    keys: 0..=65535,
    explain: crate::wire::payload::notify::notify_type_title,
};
/// The Identification Data field, by ID Type (RFC 7296 §3.5).
pub(crate) const ID_DATA: Family = Family {
    base: 3 * FAMILY_STRIDE,
    keys: 0..=255,
    explain: crate::wire::payload::id::id_data_title,
};
/// A configuration attribute's Value, by attribute type (RFC 7296 §3.15.1).
pub(crate) const CP_VALUES: Family = Family {
    base: 4 * FAMILY_STRIDE,
    keys: 0..=32767,
    explain: crate::wire::payload::cp::cp_value_title,
};
/// The Transform ID field, by Transform Type (RFC 7296 §3.3.2).
pub(crate) const TRANSFORM_IDS: Family = Family {
    base: 5 * FAMILY_STRIDE,
    keys: 0..=255,
    explain: crate::wire::payload::sa::transform_id_title,
};
/// ESP's Next Header field, by protocol number (RFC 4303 §2.6).
pub(crate) const ESP_NEXT_HEADERS: Family = Family {
    base: 6 * FAMILY_STRIDE,
    keys: 0..=255,
    explain: crate::wire::esp::dissect::next_header_title,
};
/// An IPv6 extension header, by its protocol number (RFC 8200 §4).
pub(crate) const IPV6_EXTENSIONS: Family = Family {
    base: 7 * FAMILY_STRIDE,
    keys: 0..=255,
    explain: crate::wire::ip::dissect::extension_title,
};

const FAMILIES: &[Family] = &[
    PAYLOADS,
    NOTIFY_TYPES,
    ID_DATA,
    CP_VALUES,
    TRANSFORM_IDS,
    ESP_NEXT_HEADERS,
    IPV6_EXTENSIONS,
];

/// Declares each plain entry as a `Doc` constant and lists them all in `PLAIN`.
macro_rules! catalogue {
    ($($id:literal $konst:ident: $name:literal, $rfc:literal, $meaning:literal;)*) => {
        $(pub(crate) const $konst: Doc = Doc::new($id, $name, $rfc, $meaning);)*
        /// Every plain entry, in id order.
        pub(crate) const PLAIN: &[Doc] = &[$($konst),*];
    };
}

catalogue! {
    1 CHAIN_PAYLOAD_LENGTH: "Payload Length", "RFC 7296 §3.2",
        "Length of this payload, generic header included.";
    2 D_PADDING: "Padding", "RFC 7296 §3.14",
        "Fills the plaintext up to the cipher's block size; any content, ignored.";
    3 D_PAD_LENGTH: "Pad Length", "RFC 7296 §3.14",
        "How many padding octets precede this one.";
    4 D_FRAGMENT_CONTENT: "Fragment Content", "RFC 7383 §2.5",
        "Part of the original message's inner payloads; the receiver joins all fragments before parsing them.";
    5 HEADER_SPI_I: "IKE SA Initiator's SPI", "RFC 7296 §3.1",
        "Chosen by the initiator to name this IKE SA; it is never zero.";
    6 HEADER_NEXT_PAYLOAD: "Next Payload", "RFC 7296 §3.1",
        "The type of the first payload after this header.";
    7 HEADER_EXCHANGE_TYPE: "Exchange Type", "RFC 7296 §3.1",
        "Which exchange this message belongs to, and so which payloads it may carry.";
    8 HEADER_MESSAGE_ID: "Message ID", "RFC 7296 §3.1",
        "Counts the exchanges of this IKE SA: a response carries its request's ID, which matches retransmissions and defeats replays.";
    9 HEADER_LENGTH: "Length", "RFC 7296 §3.1",
        "Length of the whole message, header and payloads, in octets.";
    10 HEADER_HEADER: "IKE Header", "RFC 7296 §3.1",
        "The fixed 28-octet header in front of every IKE message: which IKE SA, which exchange, who sends it and how long it is.";
    11 AUTH_METHOD: "Auth Method", "RFC 7296 §3.8",
        "How the AUTH data was computed: a signature with the sender's private key, or a MAC keyed with the pre-shared key.";
    12 AUTH_DATA: "Authentication Data", "RFC 7296 §3.8",
        "A signature or MAC over the sender's first message, the peer's nonce and the sender's ID payload: it proves who sent the IKE_SA_INIT exchange.";
    13 AUTH_ASN1_LEN: "ASN.1 Length", "RFC 7427 §3",
        "Length of the AlgorithmIdentifier that follows.";
    14 AUTH_ALG_ID: "Signature Algorithm", "RFC 7427 §3",
        "DER AlgorithmIdentifier naming the signature scheme and hash (e.g. sha256WithRSAEncryption, ecdsa-with-SHA256, Ed25519).";
    15 AUTH_SIGNATURE: "Signature Value", "RFC 7427 §3",
        "The signature over the octets RFC 7296 §2.15 defines, with the algorithm named just before.";
    16 CERT_ENCODING: "Cert Encoding", "RFC 7296 §3.6",
        "How the certificate data is encoded; X.509 Certificate - Signature (4) is a DER certificate.";
    17 CERT_CERT_DATA: "Certificate Data", "RFC 7296 §3.6",
        "The certificate itself, which binds the sender's identity to the public key that verifies its AUTH payload.";
    18 CERT_REQ_ENCODING: "Cert Encoding", "RFC 7296 §3.7",
        "The kind of certificate the sender asks for.";
    19 CERT_AUTHORITY: "Certification Authority", "RFC 7296 §3.7",
        "SHA-1 hash of the public key of a CA the sender trusts: send a certificate chain that ends there.";
    20 CERT_AUTHORITIES: "Certification Authority", "RFC 7296 §3.7",
        "Identifies the trust anchors the sender accepts, in the format of the encoding.";
    21 CP_CFG_TYPE: "CFG Type", "RFC 7296 §3.15",
        "Request (the client asks), Reply (the gateway assigns), Set or Ack.";
    22 CP_ATTRIBUTE: "Configuration Attribute", "RFC 7296 §3.15.1",
        "One configuration item, such as the virtual IP address or a DNS server.";
    23 CP_ATTR_TYPE: "Attribute Type", "RFC 7296 §3.15.1",
        "Which configuration item this is (the top bit is reserved).";
    24 CP_LENGTH: "Length", "RFC 7296 §3.15.1",
        "Length of the value, in octets.";
    25 DELETE_PROTOCOL: "Protocol ID", "RFC 7296 §3.11",
        "Which kind of SA is deleted: IKE (this IKE SA, with all its Child SAs), AH or ESP.";
    26 DELETE_SPI_SIZE: "SPI Size", "RFC 7296 §3.11",
        "Length of each SPI: 0 for IKE (the header already names the IKE SA), 4 for AH and ESP.";
    27 DELETE_COUNT: "Num of SPIs", "RFC 7296 §3.11",
        "How many SAs of this protocol are deleted.";
    28 DELETE_SPI: "Security Parameter Index", "RFC 7296 §3.11",
        "An SA being deleted, named by the SPI the sender of this payload receives on; the peer deletes the SA's partner in the other direction too.";
    29 EAP_CODE: "Code", "RFC 3748 §4",
        "Request (from the authenticator), Response (from the peer), Success or Failure.";
    30 EAP_IDENTIFIER: "Identifier", "RFC 3748 §4",
        "Matches a Response to its Request.";
    31 EAP_LENGTH: "Length", "RFC 7296 §3.16",
        "Length of the whole EAP message, code to end of data.";
    32 EAP_TYPE: "Type", "RFC 3748 §4",
        "The EAP method (Identity, MSCHAPv2, TLS, ...) this message belongs to.";
    33 EAP_TYPE_DATA: "Type-Data", "RFC 3748 §4",
        "The method's own data.";
    34 ID_ID_TYPE: "ID Type", "RFC 7296 §3.5",
        "How to read the identity that follows; the peer checks it against its configuration (and against the certificate) before trusting the AUTH payload.";
    35 KE_GROUP: "Diffie-Hellman Group Num", "RFC 7296 §3.4",
        "The key-exchange group this public value belongs to; it must be the group of the proposal, or the responder answers INVALID_KE_PAYLOAD naming the one it wants.";
    36 KE_DATA: "Key Exchange Data", "RFC 7296 §3.4",
        "The sender's public value; combined with the peer's private value it yields the shared secret from which every key of the IKE SA is derived.";
    37 WIRE_UNKNOWN_BODY: "Payload Data", "RFC 7296 §2.5",
        "A payload type this dissector does not know; its critical bit is clear, so a receiver skips it.";
    38 NONCE_DATA: "Nonce Data", "RFC 7296 §3.9",
        "Random octets chosen for this exchange; they make every key derivation fresh and keep old messages from being replayed.";
    39 NOTIFY_PROTOCOL: "Protocol ID", "RFC 7296 §3.10",
        "The kind of SA the notification is about; 0 when no SPI follows.";
    40 NOTIFY_SPI_SIZE: "SPI Size", "RFC 7296 §3.10",
        "Length of the SPI field: 0 when the notification concerns the IKE SA itself.";
    41 NOTIFY_SPI: "Security Parameter Index", "RFC 7296 §3.10",
        "The SA the notification is about.";
    42 NOTIFY_RAW_DATA: "Notification Data", "RFC 7296 §3.10",
        "Data whose meaning depends on the notify type.";
    43 NOTIFY_DATA_CRITICAL_TYPE: "Unsupported Payload Type", "RFC 7296 §3.10.1",
        "The type of the critical payload the receiver did not understand.";
    44 NOTIFY_DATA_ACCEPTED_GROUP: "Accepted DH Group", "RFC 7296 §1.3",
        "The key-exchange group the responder wants: the initiator retries IKE_SA_INIT with a KE payload of this group.";
    45 NOTIFY_DATA_NATD_SRC: "NAT Detection Hash", "RFC 7296 §2.23",
        "SHA-1 of SPIi, SPIr, and the source IP address and port the sender used: if it differs from what the receiver sees, a NAT rewrote the packet.";
    46 NOTIFY_DATA_NATD_DST: "NAT Detection Hash", "RFC 7296 §2.23",
        "SHA-1 of SPIi, SPIr, and the destination IP address and port the sender used: if it differs from the receiver's own address, a NAT sits in front of the receiver.";
    47 NOTIFY_DATA_COOKIE: "Cookie", "RFC 7296 §2.6",
        "An opaque value the responder computed from the initiator's address; the initiator must repeat its request with it, proving it can receive at that address.";
    48 NOTIFY_DATA_WINDOW: "Window Size", "RFC 7296 §2.3",
        "How many requests the sender can accept before answering the first.";
    49 NOTIFY_DATA_CPI: "IPComp CPI", "RFC 7296 §2.22",
        "The Compression Parameter Index the sender wants to receive compressed packets on.";
    50 NOTIFY_DATA_IPCOMP_ID: "IPComp Transform ID", "RFC 7296 §2.22",
        "The compression algorithm offered.";
    51 NOTIFY_DATA_IPCOMP_ATTRS: "IPComp Attributes", "RFC 7296 §2.22",
        "Attributes of the compression algorithm.";
    52 NOTIFY_DATA_HASH: "Hash Algorithm", "RFC 7427 §4",
        "A hash the sender can verify signatures with (Digital Signature authentication).";
    53 NOTIFY_DATA_ADDR4: "Additional IPv4 Address", "RFC 4555 §3.6",
        "Another address of the sender, for MOBIKE to move the IKE SA to if the current path fails.";
    54 NOTIFY_DATA_ADDR6: "Additional IPv6 Address", "RFC 4555 §3.6",
        "Another address of the sender, for MOBIKE to move the IKE SA to if the current path fails.";
    55 NOTIFY_DATA_LIFETIME: "Lifetime", "RFC 4478 §3",
        "Seconds before the peer must re-authenticate with a new IKE SA.";
    56 NOTIFY_DATA_GW_TYPE: "Gateway Identity Type", "RFC 5685 §8",
        "How the gateway is named: IPv4, IPv6 address or FQDN.";
    57 NOTIFY_DATA_GW_LEN: "Gateway Identity Length", "RFC 5685 §8",
        "Length of the gateway identity.";
    58 NOTIFY_DATA_GW_IDENT: "Gateway Identity", "RFC 5685 §8",
        "The gateway the client is sent to (REDIRECT) or came from (REDIRECTED_FROM).";
    59 NOTIFY_DATA_REDIRECT_NONCE: "Nonce Data", "RFC 5685 §8",
        "The initiator's nonce, echoed in a REDIRECT that answers IKE_SA_INIT so the redirect cannot be forged by someone who did not see the request.";
    60 NOTIFY_DATA_OPAQUE: "Notification Data", "RFC 7296 §3.10.1",
        "Data whose meaning depends on the notify type.";
    61 SA_PROPOSAL: "Proposal", "RFC 7296 §3.3.1",
        "One acceptable combination of algorithms for one protocol; the responder picks one proposal and answers with it.";
    62 SA_PROPOSAL_LENGTH: "Proposal Length", "RFC 7296 §3.3.1",
        "Length of this proposal with all its transforms and attributes.";
    63 SA_PROPOSAL_NUM: "Proposal Num", "RFC 7296 §3.3.1",
        "1 for the first proposal, one more for each next one; a response repeats the number of the proposal it accepted.";
    64 SA_PROTOCOL: "Protocol ID", "RFC 7296 §3.3.1",
        "The protocol the proposal is for: IKE (the IKE SA itself), ESP or AH.";
    65 SA_SPI_SIZE: "SPI Size", "RFC 7296 §3.3.1",
        "0 in the first IKE_SA_INIT (the header carries the SPIs), 8 when rekeying the IKE SA, 4 for ESP and AH.";
    66 SA_NUM_TRANSFORMS: "Num Transforms", "RFC 7296 §3.3.1",
        "How many transforms the proposal contains.";
    67 SA_SPI: "SPI", "RFC 7296 §3.3.1",
        "The sender's SPI for the new SA: the value the peer will put in packets sent to it.";
    68 SA_TRANSFORM_LENGTH: "Transform Length", "RFC 7296 §3.3.2",
        "Length of this transform with its attributes.";
    69 SA_TRANSFORM_TYPE: "Transform Type", "RFC 7296 §3.3.2",
        "The kind of algorithm: encryption, PRF, integrity, key exchange or ESN.";
    70 SA_ATTRIBUTE: "Transform Attribute", "RFC 7296 §3.3.5",
        "A parameter of the algorithm, such as the key length of AES.";
    71 SA_ATTR_TYPE: "Attribute Type", "RFC 7296 §3.3.5",
        "Which parameter this is; the top bit (AF) says whether the value is the next two octets (TV) or follows a length (TLV).";
    72 SA_ATTR_LENGTH: "Attribute Length", "RFC 7296 §3.3.5",
        "Length of the value.";
    73 SA_ATTR_VALUE: "Attribute Value", "RFC 7296 §3.3.5",
        "The parameter's value; for Key Length, the key size in bits.";
    74 SK_ENCRYPTED: "Encrypted payload (IV, ciphertext, ICV)", "RFC 7296 §3.14",
        "The protected payloads: an initialization vector, the encrypted inner payloads with their padding, and the integrity checksum. Without the keys they cannot be read.";
    75 SK_IV: "Initialization Vector", "RFC 7296 §3.14",
        "Random (CBC) or unique (counter modes) per message; sent in clear so the receiver can decrypt.";
    76 SK_CIPHERTEXT: "Encrypted IKE Payloads", "RFC 7296 §3.14",
        "The inner payloads, padding and pad length, encrypted with SK_ei or SK_er.";
    77 SK_ICV: "Integrity Checksum Data", "RFC 7296 §3.14",
        "Authenticates the whole message up to here (for AEAD ciphers, the tag); a message whose ICV does not verify is dropped silently.";
    78 SK_FRAGMENT_NUMBER: "Fragment Number", "RFC 7383 §2.5",
        "Which fragment this is, counting from 1.";
    79 SK_TOTAL: "Total Fragments", "RFC 7383 §2.5",
        "How many fragments the original message was split into.";
    80 TS_COUNT: "Number of TSs", "RFC 7296 §3.13",
        "How many traffic selectors follow.";
    81 TS_SELECTOR: "Traffic Selector", "RFC 7296 §3.13.1",
        "A range of addresses, an IP protocol and a port range: packets matching it travel through the Child SA.";
    82 TS_TS_TYPE: "TS Type", "RFC 7296 §3.13.1",
        "The kind of selector: an IPv4 or IPv6 address range.";
    83 TS_IP_PROTOCOL: "IP Protocol ID", "RFC 7296 §3.13.1",
        "The IP protocol (TCP 6, UDP 17, ...) the selector covers; 0 means any.";
    84 TS_SECOND_OCTET: "Type-specific octet", "RFC 7296 §3.13.1",
        "The octet after TS Type, defined by the selector type.";
    85 TS_SELECTOR_LENGTH: "Selector Length", "RFC 7296 §3.13.1",
        "Length of this selector, header included: 16 for IPv4, 40 for IPv6.";
    86 TS_START_PORT: "Start Port", "RFC 7296 §3.13.1",
        "Lowest port covered (ICMP: type and code); 0 with End Port 65535 means any port.";
    87 TS_END_PORT: "End Port", "RFC 7296 §3.13.1",
        "Highest port covered.";
    88 TS_START_ADDR: "Starting Address", "RFC 7296 §3.13.1",
        "Lowest address covered.";
    89 TS_END_ADDR: "Ending Address", "RFC 7296 §3.13.1",
        "Highest address covered.";
    90 TS_SELECTOR_DATA: "Selector Data", "RFC 7296 §3.13.1",
        "The selector's content, in the layout of its type.";
    91 VENDOR_DATA: "Vendor ID", "RFC 7296 §3.12",
        "An opaque constant (often a hash of a product name) by which an implementation announces itself; peers that do not recognise it ignore it.";
    // The generic payload header (RFC 7296 §3.2): meanings that depend on the value.
    100 CHAIN_NEXT_PAYLOAD_IN_SK: "Next Payload", "RFC 7296 §3.2",
        "In an SK / SKF payload this names the first payload inside the encrypted data.";
    101 CHAIN_NEXT_PAYLOAD_LAST: "Next Payload", "RFC 7296 §3.2",
        "0: this is the last payload.";
    102 CHAIN_NEXT_PAYLOAD_MORE: "Next Payload", "RFC 7296 §3.2",
        "The type of the payload that follows this one.";
    103 CHAIN_CRITICAL_UNDERSTOOD: "Critical / RESERVED", "RFC 7296 §3.2",
        "Critical bit set on a payload the receiver understands: it is ignored.";
    104 CHAIN_CRITICAL_NOT_UNDERSTOOD: "Critical / RESERVED", "RFC 7296 §3.2",
        "Critical: a receiver that does not understand this payload must reject the message.";
    105 CHAIN_NOT_CRITICAL_UNDERSTOOD: "Critical / RESERVED", "RFC 7296 §3.2",
        "Not critical; RFC 7296 payloads are always sent with C clear.";
    106 CHAIN_NOT_CRITICAL_NOT_UNDERSTOOD: "Critical / RESERVED", "RFC 7296 §3.2",
        "Not critical: a receiver that does not understand this payload skips it.";
    107 CHAIN_UNKNOWN_PAYLOAD: "Unknown payload", "RFC 7296 §2.5",
        "A payload type this dissector does not parse.";
    // The IKE header (RFC 7296 §3.1).
    110 HEADER_SPI_R_ZERO: "IKE SA Responder's SPI", "RFC 7296 §3.1",
        "Zero: the responder has not chosen its SPI yet, as in the first IKE_SA_INIT request.";
    111 HEADER_SPI_R: "IKE SA Responder's SPI", "RFC 7296 §3.1",
        "Chosen by the responder to name this IKE SA.";
    112 HEADER_VERSION_2: "Version", "RFC 7296 §3.1",
        "Major version 2 (IKEv2) and minor version 0, as RFC 7296 requires.";
    113 HEADER_VERSION_OTHER: "Version", "RFC 7296 §3.1",
        "Not IKEv2: an IKEv2 receiver drops this message and may answer INVALID_MAJOR_VERSION (RFC 7296 §2.5).";
    114 HEADER_FLAGS_INITIATOR_REQUEST: "Flags", "RFC 7296 §3.1",
        "Sent by the original initiator of the IKE SA (I set); this is a request (R clear).";
    115 HEADER_FLAGS_INITIATOR_RESPONSE: "Flags", "RFC 7296 §3.1",
        "Sent by the original initiator of the IKE SA (I set); this is a response (R set).";
    116 HEADER_FLAGS_RESPONDER_REQUEST: "Flags", "RFC 7296 §3.1",
        "Sent by the original responder of the IKE SA (I clear); this is a request (R clear).";
    117 HEADER_FLAGS_RESPONDER_RESPONSE: "Flags", "RFC 7296 §3.1",
        "Sent by the original responder of the IKE SA (I clear); this is a response (R set).";
    // Proposal and transform substructures (RFC 7296 §3.3.1, §3.3.2).
    120 SA_PROPOSAL_LAST: "Last Substruc", "RFC 7296 §3.3.1",
        "0: this is the last one.";
    121 SA_PROPOSAL_MORE: "Last Substruc", "RFC 7296 §3.3.1",
        "2: another proposal follows.";
    122 SA_TRANSFORM_LAST: "Last Substruc", "RFC 7296 §3.3.2",
        "0: this is the last one.";
    123 SA_TRANSFORM_MORE: "Last Substruc", "RFC 7296 §3.3.2",
        "3: another transform follows.";
    124 SA_PROPOSAL_RESERVED: "RESERVED", "RFC 7296 §3.3.1",
        "Sent as zero, ignored on receipt.";
    125 SA_TRANSFORM_RESERVED: "RESERVED", "RFC 7296 §3.3.2",
        "Sent as zero, ignored on receipt.";
    126 SA_TRANSFORM: "Transform", "RFC 7296 §3.3.2",
        "One algorithm of the proposal; within a proposal the responder picks one transform of each type.";
    127 SA_TRANSFORM_ID: "Transform ID", "RFC 7296 §3.3.2",
        "An algorithm of a transform type this dissector does not know.";
    // RESERVED octets of the payload bodies.
    130 KE_RESERVED: "RESERVED", "RFC 7296 §3.4",
        "Sent as zero, ignored on receipt.";
    131 CP_RESERVED: "RESERVED", "RFC 7296 §3.15",
        "Sent as zero, ignored on receipt.";
    132 ID_RESERVED: "RESERVED", "RFC 7296 §3.5",
        "Sent as zero, ignored on receipt.";
    133 TS_RESERVED: "RESERVED", "RFC 7296 §3.13",
        "Sent as zero, ignored on receipt.";
    134 AUTH_RESERVED: "RESERVED", "RFC 7296 §3.8",
        "Sent as zero, ignored on receipt.";
    // Fallbacks of the families.
    140 NOTIFY_TYPE_ERROR: "Notify Message Type", "RFC 7296 §3.10",
        "An error notification: the request failed.";
    141 NOTIFY_TYPE_STATUS: "Notify Message Type", "RFC 7296 §3.10",
        "A status notification: it tells the peer about a capability or state; unrecognised status types are ignored.";
    142 ID_DATA_OTHER: "Identification Data", "RFC 7296 §3.5",
        "Identity data in a form this dissector does not decode.";
    143 CP_VALUE_OTHER: "Value", "RFC 7296 §3.15.1",
        "A configuration value; empty in a request, filled in a reply.";
    144 ESP_NEXT_HEADER: "Next Header", "RFC 4303 §2.6",
        "The protocol of the Payload Data (transport mode carries TCP, UDP, …).";
    145 IP_DESTINATION_OPTIONS: "Destination Options Header", "RFC 8200 §4.6",
        "Options only the destination examines; skipped here.";
    // Capture framing that is not IKE or ESP.
    150 CAPTURE_IP_PACKET: "IP Packet", "RFC 791 §3.1",
        "Not IKE or ESP: not dissected further.";
    151 CAPTURE_UDP_DATA: "UDP Data", "RFC 768",
        "Not IKE or ESP: not dissected further.";
    152 CAPTURE_IP_PAYLOAD: "IP Payload", "RFC 791 §3.1",
        "Not IKE or ESP: not dissected further.";
    200 ESP_SEQUENCE_NUMBER: "Sequence Number", "RFC 4303 §2.2",
        "Counts the packets sent on this SA, from 1; the receiver drops replays of a number it has seen.";
    201 ESP_INITIALIZATION_VECTOR: "Initialization Vector", "RFC 4303 §2.3",
        "Sent in the clear so the receiver can start decrypting; it must not repeat under one key.";
    202 ESP_ENCRYPTED_PAYLOAD: "Encrypted Payload", "RFC 4303 §2.3",
        "Payload Data, Padding, Pad Length and Next Header, encrypted with the SA's key.";
    203 ESP_INTEGRITY_CHECK_VALUE: "Integrity Check Value", "RFC 4303 §2.8",
        "Proves the packet came from the peer holding the key and was not altered.";
    204 ESP_ENCRYPTED_DATA_AND_ICV: "Encrypted Data and ICV", "RFC 4303 §2.3",
        "The IV, the encrypted Payload Data, Padding, Pad Length and Next Header, then the ICV. Where one ends and the next starts depends on the SA's algorithms: without its keys this is one opaque block.";
    205 ESP_SECURITY_PARAMETERS_INDEX: "Security Parameters Index", "RFC 4303 §2.1",
        "Chosen by the receiver during IKE; tells it which SA (keys, algorithms) protects this packet.";
    206 ESP_MALFORMED: "Malformed", "RFC 4303 §2",
        "The dissector stopped here: the bytes do not follow the ESP format.";
    207 ESP_PADDING: "Padding", "RFC 4303 §2.4",
        "Fills the plaintext up to the cipher's block size and a 4-octet boundary.";
    208 ESP_PAD_LENGTH: "Pad Length", "RFC 4303 §2.5",
        "How many Padding octets precede this one.";
    209 ESP_INNER_PAYLOAD: "Inner Payload", "RFC 4303 §2.3",
        "The data the tunnelled packet carries.";
    210 ESP_TFC_PADDING: "TFC Padding", "RFC 4303 §2.7",
        "Traffic Flow Confidentiality padding: hides the inner packet's true length.";
    211 ESP_PAYLOAD_DATA: "Payload Data", "RFC 4303 §2.3",
        "The protected packet: here a whole IP packet (tunnel mode).";
    212 ESP_PAYLOAD_DATA_2: "Payload Data", "RFC 4303 §2.3",
        "The protected data, of the protocol Next Header names.";
    213 IP_VERSION_IHL: "Version / IHL", "RFC 791 §3.1",
        "IP version 4, and the header length in 32-bit words.";
    214 IP_TYPE_OF_SERVICE: "Type of Service", "RFC 791 §3.1",
        "Priority (DSCP, RFC 2474) and congestion marks (ECN, RFC 3168).";
    215 IP_TOTAL_LENGTH: "Total Length", "RFC 791 §3.1",
        "Length of the whole packet, header included, in octets.";
    216 IP_IDENTIFICATION: "Identification", "RFC 791 §3.1",
        "Set by the sender so the fragments of one packet can be put back together.";
    217 IP_FLAGS_FRAGMENT_OFFSET: "Flags / Fragment Offset", "RFC 791 §3.1",
        "DF forbids fragmenting this packet; MF says more fragments follow; the offset places this fragment in the original.";
    218 IP_TIME_TO_LIVE: "Time to Live", "RFC 791 §3.1",
        "How many more routers may forward the packet before it is dropped.";
    219 IP_PROTOCOL: "Protocol", "RFC 791 §3.1",
        "Which protocol the payload belongs to: 17 for UDP (IKE, ESP in UDP), 50 for ESP.";
    220 IP_HEADER_CHECKSUM: "Header Checksum", "RFC 791 §3.1",
        "Protects the header against corruption; routers recompute it as the TTL drops.";
    221 IP_SOURCE_ADDRESS: "Source Address", "RFC 791 §3.1",
        "The sender's IPv4 address.";
    222 IP_DESTINATION_ADDRESS: "Destination Address", "RFC 791 §3.1",
        "The receiver's IPv4 address.";
    223 IP_OPTIONS: "Options", "RFC 791 §3.1",
        "Optional header fields (rarely used today); not interpreted here.";
    224 IP_IPV4_HEADER: "IPv4 Header", "RFC 791 §3.1",
        "The Internet Protocol header that carries the packet from host to host.";
    225 IP_VERSION_TRAFFIC_CLASS_FLOW_LABEL: "Version / Traffic Class / Flow Label", "RFC 8200 §3",
        "IP version 6, the packet's priority and congestion marks, and a label that keeps one flow's packets on one path.";
    226 IP_PAYLOAD_LENGTH: "Payload Length", "RFC 8200 §3",
        "Octets after this 40-octet header, extension headers included.";
    227 IP_NEXT_HEADER: "Next Header", "RFC 8200 §3",
        "What follows this header: an extension header or the payload's protocol.";
    228 IP_HOP_LIMIT: "Hop Limit", "RFC 8200 §3",
        "How many more routers may forward the packet before it is dropped.";
    229 IP_SOURCE_ADDRESS_2: "Source Address", "RFC 8200 §3",
        "The sender's IPv6 address.";
    230 IP_DESTINATION_ADDRESS_2: "Destination Address", "RFC 8200 §3",
        "The receiver's IPv6 address.";
    231 IP_IPV6_HEADER: "IPv6 Header", "RFC 8200 §3",
        "The Internet Protocol header that carries the packet from host to host.";
    232 IP_UDP_HEADER: "UDP Header", "RFC 768",
        "The User Datagram Protocol header: ports, length and checksum.";
    233 UDP_ENCAP_NAT_KEEPALIVE: "NAT-Keepalive", "RFC 3948 §2.3",
        "Sent only to keep a NAT's port mapping alive; the receiver ignores it.";
    234 UDP_ENCAP_NON_ESP_MARKER: "Non-ESP Marker", "RFC 3948 §2.2",
        "Four zero octets where ESP has its SPI (which is never 0): what follows on port 4500 is IKE, not ESP.";
    235 UDP_ENCAP_MALFORMED: "Malformed", "RFC 3948 §2",
        "Neither a NAT-keepalive (one 0xFF octet), nor IKE after a 4-octet Non-ESP Marker, nor ESP (at least an SPI and a Sequence Number).";
    236 CAPTURE_EXCESS_IP_PAYLOAD: "Excess IP Payload", "RFC 768",
        "Octets inside the IP packet after the end that UDP's Length field marks.";
    237 DISSECT_MALFORMED: "Malformed", "RFC 7296 §2.21.3",
        "The parser stopped here: the bytes do not follow the format the RFC defines, so a receiver drops the message (or answers INVALID_SYNTAX).";
    238 DISSECT_UNPARSED: "Unparsed", "RFC 7296 §2.21.3",
        "Not read: the parser stopped at the malformed field before these octets.";
    239 IP_SOURCE_PORT: "Source Port", "RFC 768",
        "The sender's port.";
    240 IP_DESTINATION_PORT: "Destination Port", "RFC 768",
        "The receiver's port, which picks the protocol: 500 or 4500 for IKE.";
    241 IP_LENGTH: "Length", "RFC 768",
        "Octets of this header plus the data.";
    242 IP_CHECKSUM: "Checksum", "RFC 768",
        "Covers the addresses, this header and the data, to catch corruption.";
}
