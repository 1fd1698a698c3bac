//! The IKE SA state machine (RFC 7296), sans-IO: establishing IKE and CHILD SAs in
//! both roles. No sockets, no clock, no OS randomness: bytes, time and a random
//! number generator in; bytes, deadlines and events out.
//!
//! # API
//!
//! ```text
//! pub type Time = core::time::Duration;          // since an epoch the driver picks
//! pub struct Datagram { pub src: SocketAddr, pub dst: SocketAddr, pub payload: Vec<u8> }
//! pub struct IkeSaId(pub u64);  pub struct ChildSaId(pub u64);   // handles, in creation order
//!
//! pub struct EngineConfig {
//!     pub responder: Vec<PeerConfig>,   // answer IKE_SA_INIT with these (empty: initiator only)
//!     pub key_log: Option<Arc<dyn KeyLog>>, // the sink keys leave through (crate::keylog); default None
//!     pub dissect: bool,                // field-by-field dissections in message events; default true
//!     pub ike_port: u16,                // 500: our IKE port as bound by the driver
//!     pub nat_t_port: u16,              // 4500: datagrams from/to it carry the Non-ESP Marker
//!     pub provider: &'static CryptoProvider,   // RUST_CRYPTO
//! }                                     // Default::default() as noted
//!
//! impl Engine {
//!     pub fn new(config: EngineConfig, rng: Box<dyn rand_core::CryptoRng + Send>) -> Result<Engine, EngineError>;
//!     /// From the first single address of local_addrs/remote_addrs, ports local_port/remote_port.
//!     pub fn initiate(&mut self, now: Time, config: &PeerConfig) -> Result<IkeSaId, EngineError>;
//!     pub fn initiate_from(&mut self, now: Time, config: &PeerConfig,
//!                          local: SocketAddr, remote: SocketAddr) -> Result<IkeSaId, EngineError>;
//!     pub fn handle_datagram(&mut self, now: Time, datagram: Datagram);  // UDP 500/4500 in (4500: with marker)
//!     pub fn handle_timeout(&mut self, now: Time);                       // call at poll_timeout()
//!     pub fn poll_transmit(&mut self) -> Option<Datagram>;  // send payload from src to dst (4500: marker included)
//!     pub fn poll_timeout(&self) -> Option<Time>;
//!     pub fn poll_event(&mut self) -> Option<Event>;       // crate::event, serde, the trace's records
//!     pub fn ike_sa(&self, id: IkeSaId) -> Option<IkeSaInfo>;   // role, state, SPIs, addresses, ids, vips, children
//!     pub fn ike_sa_ids(&self) -> Vec<IkeSaId>;
//!     pub fn child_sa(&self, id: ChildSaId) -> Option<&ChildSa>;
//!     pub fn child_sas(&self) -> impl Iterator<Item = &ChildSa>;
//!     pub fn half_open_count(&self) -> usize;
//! }
//!
//! pub struct ChildSa {                  // one pair of ESP SAs, for the data plane
//!     pub id, ike_sa, name, initiator: bool, spi_in: u32, spi_out: u32,
//!     pub encr: EncrId, encr_key_bits: Option<u16>, integ: Option<IntegId>, esn: bool,
//!     pub mode: Mode, proposal: String, local_ts, remote_ts: Vec<wire::TrafficSelector>,
//!     pub local: SocketAddr, remote: SocketAddr, udp_encap: bool, replay_window: u32,
//! }
//! impl ChildSa { pub fn outbound_keys(&self) -> (&Secret, &Secret);   // (encr incl. salt, integ)
//!                pub fn inbound_keys(&self) -> (&Secret, &Secret);
//!                pub fn keys(&self) -> &ChildKeys;
//!                pub fn suite(&self, &CryptoProvider) -> Result<ChildSuite, CryptoError>; }
//! ```
//!
//! Driving it (quinn-proto's loop): after every `handle_*` and `initiate*` call, send
//! everything `poll_transmit` returns, read `poll_event` until `None`, and arm a timer
//! for `poll_timeout`. A driver over real sockets binds UDP 500 and 4500 (or sets
//! `ike_port` / `nat_t_port` to what it bound) and passes datagrams with the addresses
//! its socket saw; the engine adds and strips the Non-ESP Marker on the NAT-T port and
//! answers from the address a request came to. NAT keep-alives are datagrams too (one
//! 0xFF octet on the NAT-T port). ESP packets arriving on the NAT-T port are not the
//! state machine's: they are reported as dropped until the data plane takes them.
//!
//! # What happens
//!
//! - IKE_SA_INIT (§1.2), both roles: SA, KE, Nonce, NAT detection (§2.23) and
//!   SIGNATURE_HASH_ALGORITHMS (RFC 7427) in charon's order; the responder demands a
//!   COOKIE (§2.6) above the configured half-open thresholds and the initiator repeats
//!   its request with it; INVALID_KE_PAYLOAD (§1.3) names the responder's group and the
//!   initiator retries once with it (a responder uses the KE payload's group when the
//!   chosen proposal contains it); NO_PROPOSAL_CHOSEN with every rejection explained;
//!   FRAGMENTATION_SUPPORTED is not announced (no reassembly yet).
//! - IKE_AUTH (§1.2, §2.15) with pre-shared keys behind a pluggable authenticator;
//!   identities of every ID type; INITIAL_CONTACT and the uniqueness policy (§2.4,
//!   swanctl.conf(5) `unique`, `uniqueness`); CP (§2.19): virtual IPs and DNS from
//!   pools, FAILED_CP_REQUIRED / INTERNAL_ADDRESS_FAILURE as charon answers;
//!   traffic selector narrowing (§2.9) and TS_UNACCEPTABLE; the first CHILD SA with
//!   its KEYMAT (§2.17).
//! - Message IDs with windows of 1 (§2.3), retransmission with exponential back-off
//!   (strongSwan's timeout/base/tries), a response cache (§2.1), INVALID_MESSAGE_ID by
//!   INFORMATIONAL (§3.10.1), half-open expiry.
//! - NAT-T (RFC 3948): the float to the NAT-T port after IKE_SA_INIT when either side
//!   is behind NAT (or fakes it, as a kernel-libipsec strongSwan does, or `encap`), and
//!   keep-alives when we are behind NAT.
//! - Errors answer as the RFC says (INVALID_SYNTAX, UNSUPPORTED_CRITICAL_PAYLOAD,
//!   INVALID_MAJOR_VERSION, AUTHENTICATION_FAILED, ...); bytes that fail to parse or
//!   to authenticate are dropped with a reason and change no state.
//!
//! After IKE_AUTH (part 2, [`ops`]): CREATE_CHILD_SA for new CHILD SAs with or
//! without PFS, CHILD SA and IKE SA rekeying (§1.3, §2.8, §2.18) with simultaneous
//! rekeys resolved by the lowest nonce (§2.8.1, §2.8.2), deletes in both directions
//! (§1.4.1), liveness checks and the dead-peer verdict (§2.4), soft and hard
//! lifetimes with random jitter, following the peer's address (§2.23), and the
//! commands
//!
//! ```text
//! impl Engine {
//!     pub fn create_child(&mut self, now: Time, ike: IkeSaId, child_name: &str) -> Result<(), CommandError>;
//!     pub fn rekey_child(&mut self, now: Time, child: ChildSaId) -> Result<(), CommandError>;
//!     pub fn rekey_ike(&mut self, now: Time, ike: IkeSaId) -> Result<(), CommandError>;
//!     pub fn delete_child(&mut self, now: Time, child: ChildSaId) -> Result<(), CommandError>;
//!     pub fn delete_ike(&mut self, now: Time, ike: IkeSaId) -> Result<(), CommandError>;
//!     pub fn check_liveness(&mut self, now: Time, ike: IkeSaId) -> Result<(), CommandError>;
//! }
//! ```
//!
//! A command is queued behind the window and reported with `ExchangeStarted` /
//! `ExchangeDone` events; its result is never a return value.

mod address;
pub mod auth;
mod child;
mod child_answer;
mod child_choice;
mod child_setup;
mod child_table;
mod commands;
pub(crate) mod context;
pub mod cookie;
pub mod cp;
mod data_plane;
#[cfg(test)]
mod data_plane_tests;
mod datagram;
mod deadlines;
mod engine;
mod error;
mod esp_inbound;
mod esp_report;
mod ids;
mod info;
mod init;
mod key_queue;
pub mod nat;
mod negotiate;
mod ops;
mod options;
mod payloads;
mod policy;
mod policy_cache;
mod protect;
mod receive;
mod responders;
mod retransmit;
mod sa;
mod state;
/// Message summaries moved to [`crate::wire::summary`]; kept here for old paths.
pub use crate::wire::summary;
mod timer_purpose;
mod timers;
pub mod ts;
mod uniqueness;
#[cfg(test)]
mod work_once_tests;

pub use child::ChildSa;
pub use data_plane::{EspDatagram, OpenedPacket, SealedPacket};
pub use datagram::{Datagram, Time, UnixTime};
pub use deadlines::{Deadlines, SaDeadlines};
pub use engine::Engine;
pub use error::{AddressList, EngineError};
pub use esp_inbound::InboundPacket;
pub use ids::{ChildSaId, IkeSaId};
pub use info::IkeSaInfo;
pub use ops::CommandError;
pub use options::EngineConfig;
pub use payloads::id_text;
pub use responders::ResponderId;
pub use state::SaState;
pub use timers::Timer;
