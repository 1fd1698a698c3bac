//! Bytes ⇄ typed messages: the IKE header, every payload, ESP and UDP encapsulation.
//!
//! One parser and one emitter per structure. Parsing also records each field's byte
//! range, name, value and RFC section, so the dissection that the browser and
//! `ikelab dissect` show comes from this same parser.
//!
//! # API (IKEv2 messages; ESP, UDP encapsulation and IP framing live in `esp`, `udp_encap`, `ip`)
//!
//! ```text
//! // ---- whole messages (message.rs) -------------------------------------------------
//! pub struct Message { pub header: IkeHeader, pub payloads: Vec<Payload> }   // serde
//! impl Message {
//!     /// Strict parse of one IKE message (RFC 7296 §3.1, §3.2): rejects trailing bytes,
//!     /// a Length field that differs from `bytes.len()`, a chain that overruns, a payload
//!     /// length < 4, a major version other than 2, an unknown payload with the critical
//!     /// bit, and every malformed payload body.
//!     pub fn parse(bytes: &[u8]) -> Result<Message, WireError>;
//!     /// Computes every length and next-payload field. Panics only if a value does not
//!     /// fit its field (a payload body > 65531 octets): `try_emit` reports that instead.
//!     pub fn emit(&self) -> Vec<u8>;
//!     pub fn try_emit(&self) -> Result<Vec<u8>, EmitError>;
//!     /// charon's words (`summary`): "IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) ]".
//!     pub fn summary(&self) -> String;
//!     /// The first payload's type (what the header's Next Payload field carries).
//!     pub fn first_payload_type(&self) -> PayloadType;
//! }
//!
//! // ---- header (header.rs) ------------------------------------------------------------
//! pub struct IkeSpi(pub [u8; 8]);  // ZERO, is_zero(), From<u64>/Into<u64>; Display "0x…", serde "…" (16 hex digits)
//! pub struct Flags(pub u8);        // consts INITIATOR 0x08, VERSION 0x10, RESPONSE 0x20 (u8); new(i, r),
//!                                  // initiator(), response(), version(), reserved_bits(); kept whole on emit
//! pub struct IkeHeader { pub spi_i: IkeSpi, pub spi_r: IkeSpi, pub major_version: u8, pub minor_version: u8,
//!                        pub exchange_type: ExchangeType, pub flags: Flags, pub message_id: u32 }
//! pub struct ParsedHeader { pub header: IkeHeader, pub next_payload: PayloadType, pub length: u32 }
//! impl IkeHeader {
//!     pub const LEN: usize = 28;
//!     pub fn new(spi_i, spi_r, exchange_type, flags, message_id) -> Self;   // version 2.0
//!     /// Reads the 28-octet header alone, any version (so a state machine can answer
//!     /// INVALID_MAJOR_VERSION / UNSUPPORTED_CRITICAL_PAYLOAD with the right SPIs and ID).
//!     pub fn parse(bytes: &[u8]) -> Result<ParsedHeader, WireError>;
//!     pub fn is_initiator(&self) -> bool; pub fn is_response(&self) -> bool;
//! }
//!
//! // ---- payloads (payload/*.rs; the SA types are in sa.rs) ------------------------------
//! pub enum Payload {
//!     Sa(SaPayload), Ke(KePayload), IdI(IdPayload), IdR(IdPayload), Cert(CertPayload),
//!     CertReq(CertReqPayload), Auth(AuthPayload), Nonce(NoncePayload), Notify(NotifyPayload),
//!     Delete(DeletePayload), VendorId(VendorIdPayload), TsI(TsPayload), TsR(TsPayload),
//!     Sk(SkPayload), Cp(CpPayload), Eap(EapPayload), Skf(SkfPayload), Unknown(UnknownPayload),
//! }
//! impl Payload { pub fn payload_type(&self) -> PayloadType; pub fn short_name(&self) -> String;
//!                pub fn emit_body(&self) -> Result<Vec<u8>, EmitError>; /* body without generic header */ }
//! pub struct KePayload { pub group: DhId, pub data: Vec<u8> }
//! pub struct IdPayload { pub id_type: IdType, pub data: Vec<u8> }  // ipv4()/ipv6()/fqdn()/rfc822()/key_id()/null(),
//!                                                                  // as_ipv4()/as_ipv6()/as_fqdn()/as_rfc822()
//! pub struct CertPayload { pub encoding: CertEncoding, pub data: Vec<u8> }
//! pub struct CertReqPayload { pub encoding: CertEncoding, pub authorities: Vec<u8> }   // authority_hashes()
//! pub struct AuthPayload { pub method: AuthMethod, pub data: Vec<u8> }   // digital_signature() (RFC 7427)
//! pub struct NoncePayload { pub data: Vec<u8> }                          // MIN_LEN 16, MAX_LEN 256
//! pub struct NotifyPayload { pub protocol: ProtocolId, pub spi: Vec<u8>, pub notify_type: NotifyType, pub data: Vec<u8> }
//!     // new(type, data), invalid_ke(group), unsupported_critical_payload(t), signature_hash_algorithms(list),
//!     // rekey_sa(protocol, spi); decoded() -> Result<NotifyData, WireError>, nat_detection_hash(), cookie(),
//!     // invalid_ke_group(), signature_hashes(), rekey_sa_spi()
//! pub enum NotifyData { Empty, Opaque(..), PayloadType(..), DhGroup(..), NatDetectionHash(..), Cookie(..),
//!                       WindowSize(..), Ipcomp{..}, HashAlgorithms(..), Ipv4(..), Ipv6(..), Lifetime(..), Redirect{..} }
//! pub struct DeletePayload { pub protocol: ProtocolId, pub spi_size: u8, pub spis: Vec<Vec<u8>> }  // ike(), esp(&[u32])
//! pub struct VendorIdPayload { pub data: Vec<u8> }
//! pub struct TsPayload { pub selectors: Vec<TrafficSelector> }
//! pub enum TrafficSelector { Ipv4 { ip_protocol, start_port, end_port, start: Ipv4Addr, end: Ipv4Addr },
//!                            Ipv6 { .. Ipv6Addr .. }, Other { ts_type: TsType, second_octet: u8, data: Vec<u8> } }
//! pub struct CpPayload { pub cfg_type: CfgType, pub attributes: Vec<CfgAttribute> }
//! pub struct CfgAttribute { pub attr_type: CfgAttrType, pub value: Vec<u8> }   // request(t), ipv4(t, a), as_ipv4()
//! pub struct EapPayload { pub code: EapCode, pub identifier: u8, pub data: Vec<u8> /* Type | Type-Data */ }
//! pub struct SkPayload  { pub first_payload: PayloadType, pub body: Vec<u8> }   // body = IV | ciphertext | ICV
//! pub struct SkfPayload { pub first_payload: PayloadType, pub fragment_number: u16,
//!                         pub total_fragments: u16, pub body: Vec<u8> }        // RFC 7383 §2.5
//! pub struct UnknownPayload { pub payload_type: PayloadType, pub critical: bool, pub body: Vec<u8> }
//!
//! /// A payload chain: what follows the IKE header, and what an SK payload's plaintext
//! /// holds (without its Padding and Pad Length). Strict, as `Message::parse`.
//! pub fn parse_payload_chain(bytes: &[u8], first: PayloadType) -> Result<Vec<Payload>, WireError>;
//! /// The inverse: the bytes and the first payload's type (for the SK header).
//! pub fn emit_payload_chain(payloads: &[Payload]) -> Result<(Vec<u8>, PayloadType), EmitError>;
//! /// Splits decrypted SK content (RFC 7296 §3.14) into (inner payloads, padding),
//! /// checking the Pad Length octet.
//! pub fn split_sk_plaintext(plaintext: &[u8]) -> Result<(&[u8], &[u8]), WireError>;
//!
//! // ---- errors (error.rs) -------------------------------------------------------------
//! pub struct WireError { pub offset: usize, pub field: Cow<'static, str>, pub kind: ErrorKind } // serde
//! pub enum ErrorKind {            // Display of WireError: "at byte 28, Payload Length: ..."
//!     Truncated { needed, available }, LengthTooSmall { length, minimum },
//!     LengthOverrun { length, available }, LengthMismatch { declared, actual },
//!     TrailingBytes { count }, MissingPayload { payload_type }, UnsupportedMajorVersion { major, minor },
//!     UnsupportedCriticalPayload { payload_type }, BadProposalNumber { expected, found },
//!     BadLastSubstructure { found, more, is_last }, CountMismatch { declared, found },
//!     BadValue { found: u64, expected: Cow<str> }, MustBeLast { payload_type },
//! }
//! impl WireError { pub fn notify_type(&self) -> NotifyType; } // UNSUPPORTED_CRITICAL_PAYLOAD, INVALID_MAJOR_VERSION, else INVALID_SYNTAX
//! pub struct EmitError { pub field: Cow<'static, str>, pub kind: EmitErrorKind }
//! pub enum EmitErrorKind { TooLong { length, max }, MustBeLast, Inconsistent { expected, found } }
//!
//! // ---- dissection (dissect/*.rs) -----------------------------------------------------
//! pub mod catalogue { pub const CATALOGUE_VERSION: u32; pub struct FieldId(pub u32);
//!     pub struct Entry { id, name, rfc, meaning } /* wire::CatalogueEntry */; pub struct Catalogue { version, entries }
//!     impl Catalogue { pub fn embedded() -> Self; pub fn get(&self, FieldId) -> Option<&Entry>; }
//!     pub fn lookup(FieldId) -> Option<Entry>; pub fn unknown_name(FieldId) -> String; }
//! pub struct Field {                      // serde: a compact array, ranges implied (field.rs)
//!     pub id: FieldId,                    // catalogue entry: name, RFC section, meaning
//!     pub range: Range<usize>,            // absolute offsets into the dissected buffer
//!     pub value: String,                  // "ENCR_AES_GCM_16 (20), key length 256"
//!     pub children: Vec<Field>,           // empty for a leaf
//!     pub decrypted: Option<Box<DecryptedBlock>>, // only on the SK/SKF ciphertext leaf
//! }
//! impl Field { pub fn name(&self) -> Cow<str>; pub fn rfc(&self) -> Cow<str>;
//!              pub fn meaning(&self) -> Cow<str>;   // looked up in the catalogue
//!              pub fn is_leaf(&self) -> bool; pub fn shift(&mut self, by: usize);
//!              pub fn find(&self, name: &str) -> Option<&Field>; }
//! pub struct DecryptedBlock { pub note: String, pub bytes: Vec<u8> /* hex in serde */,
//!                             pub fields: Vec<Field> /* ranges index `bytes` */, pub error: Option<WireError> }
//! pub struct Dissection { pub length: usize, pub summary: String, pub fields: Vec<Field>,
//!                         pub error: Option<WireError> }   // shift(by), find(name), ids(),
//!                                                          // explained() (names and meanings)
//! pub trait Decryptor {
//!     /// Called for each SK / SKF payload when dissecting. Return None when no keys match.
//!     fn decrypt_sk(&mut self, request: &SkDecryptRequest<'_>) -> Option<Decrypted>;
//!     /// What the dissector calls; the default wraps decrypt_sk. Override it to say why a
//!     /// payload stays encrypted: the note is appended to the encrypted leaf's value.
//!     fn open_sk(&mut self, request: &SkDecryptRequest<'_>) -> SkOutcome;
//! }
//! pub enum SkOutcome { Decrypted(Decrypted), Encrypted { note: Option<String> } }
//! pub struct SkDecryptRequest<'a> { pub header: &'a IkeHeader, pub message: &'a [u8],
//!     pub payload: Range<usize>,     // whole SK/SKF payload, generic header included (AAD ends at body.start)
//!     pub body: Range<usize>,        // IV | ciphertext | ICV
//!     pub first_payload: PayloadType, pub fragment: Option<(u16, u16)> }
//! pub struct Decrypted { pub iv_len: usize, pub icv_len: usize,
//!                        pub plaintext: Vec<u8> /* inner payloads | Padding | Pad Length */,
//!                        pub note: String /* e.g. "ENCR_AES_GCM_16 (20), 256-bit key, SK_ei" */ }
//! /// Never fails: a malformed message yields the fields read so far, a "Malformed" leaf
//! /// where it broke (inside the innermost structure) over the octets no field covers
//! /// (empty, i.e. an annotation, when the fault is in a field already read), one
//! /// top-level "Unparsed" leaf for what lies beyond that structure, and `error: Some(..)`;
//! /// so leaves still tile the message. The bytes and the decryptor have separate lifetimes.
//! pub fn dissect_message(bytes: &[u8], decryptor: Option<&mut (dyn Decryptor + '_)>) -> Dissection;
//! pub fn dissect_payload_chain(bytes: &[u8], first: PayloadType) -> Dissection;
//! /// Every byte in exactly one leaf (malformed buffers included); descends into decrypted blocks.
//! pub fn check_leaf_coverage(fields: &[Field], range: Range<usize>) -> Result<(), CoverageError>;
//! pub mod hex { pub fn encode(&[u8]) -> String; pub fn decode(&str) -> Option<Vec<u8>>; }
//! ```
//!
//! Design notes:
//! - Reserved fields and the critical bit of payload types we parse are read, shown in the
//!   dissection (flagged when not zero) and ignored (RFC 7296 §3.1, §3.2); the emitter writes
//!   them as zero. So `Message::parse(&m.emit()) == Ok(m)` for every message, and
//!   `parse(b).emit() == b` for every `b` whose reserved bits are zero (every conforming
//!   sender). The IKE header's Flags octet is kept whole, reserved bits included. The
//!   emitter does not check proposal numbering or SPI sizes, so tests can build bad
//!   messages on purpose; the parser does.
//! - SK and SKF bodies stay raw, so a message round-trips byte for byte before and after
//!   decryption; the SK's Next Payload field names its first inner payload (§3.14).
//! - Inside the crate, `cursor::Reader` is the one reader every parser uses; with a
//!   `dissect::recorder::Recorder` attached it also builds the `Field` tree (`group`,
//!   `leaf`, `u8`/`u16`/`u32`/`bytes`/`rest` with lazy value closures, `limit`, `attempt`).
//!   ESP/UDP framing can use it too.

pub(crate) mod open_enum;

pub(crate) mod cursor;
pub(crate) mod writer;

mod chain;
pub mod dissect;
mod error;
mod header;
pub mod hex;
pub mod iana;
mod message;
pub mod payload;
pub mod sa;
pub mod summary;

// ESP, UDP encapsulation (RFC 3948) and the IP/UDP framing of captures.
pub mod esp;
pub mod ip;
pub mod udp_encap;

#[cfg(test)]
mod tests;

pub use chain::{emit_payload_chain, parse_payload_chain};
pub use dissect::{
    CATALOGUE_VERSION, Catalogue, CatalogueEntry, CoverageError, Decrypted, DecryptedBlock,
    Decryptor, Dissection, ExplainedDissection, Field, FieldId, SkDecryptRequest, SkOutcome,
    check_leaf_coverage, dissect_message, dissect_payload_chain,
};
pub use error::{EmitError, EmitErrorKind, ErrorKind, WireError};
pub use header::{Flags, IkeHeader, IkeSpi, ParsedHeader};
pub use message::{Message, emit_message};
pub use payload::{
    AuthPayload, CertPayload, CertReqPayload, CfgAttribute, CpPayload, DeletePayload, EapPayload,
    GatewayIdentity, IdPayload, KePayload, NoncePayload, NotifyData, NotifyPayload, Payload,
    SkPayload, SkfPayload, TrafficSelector, TsPayload, UnknownPayload, VendorIdPayload,
    split_sk_plaintext,
};
pub use sa::{AttributeValue, Proposal, SaPayload, Transform, TransformAttribute};
