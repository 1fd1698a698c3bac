//! Messages on the wire: sent, received, dropped.

use std::net::SocketAddr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Problem, SaState};
use crate::crypto::CryptoError;
use crate::wire::iana::ExchangeType;
use crate::wire::udp_encap::UdpEncapError;
use crate::wire::{Dissection, IkeSpi, Payload, WireError};

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Sent,
    Received,
}

/// One IKE message as it crossed the wire, with what was inside.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageEvent {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    /// The UDP payload began with the Non-ESP Marker (NAT-T port, RFC 3948 §2.2).
    pub non_esp_marker: bool,
    pub exchange: ExchangeType,
    pub message_id: u32,
    pub response: bool,
    pub spi_i: IkeSpi,
    pub spi_r: IkeSpi,
    /// charon-style: "IKE_AUTH request 1 [ IDi N(INIT_CONTACT) IDr AUTH SA TSi TSr ]"
    /// (inner payloads for a protected message).
    pub summary: String,
    /// 0 for the first transmission, n for the n-th retransmission (or, for a
    /// response, the n-th time it is sent again for a retransmitted request).
    pub retransmission: u32,
    /// The IKE message (without the Non-ESP Marker).
    #[serde(with = "crate::wire::hex::serde_hex")]
    pub bytes: Vec<u8>,
    /// Whether the payloads travelled inside an SK payload.
    pub encrypted: bool,
    /// The payloads: the decrypted inner payloads of a protected message. Shared
    /// with the engine's retransmission state rather than copied. In memory only (the
    /// engine's own types are no part of the trace: `summary` and `dissection` say
    /// what is inside); empty in an event read back from a trace.
    #[serde(skip)]
    pub payloads: Arc<[Payload]>,
    /// Every field with its byte range and catalogue id, SK contents as the engine
    /// encrypted or decrypted them (when the engine was created with `dissect: true`).
    /// Built once per message: every retransmission of it shares this one (and a
    /// trace writes it once, see `wire::dissect::sharing`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::dissect::sharing::shared"
    )]
    pub dissection: Option<Arc<Dissection>>,
}

impl MessageEvent {
    /// charon's wording: "sending IKE_SA_INIT request 0 [ ... ]", "parsed IKE_AUTH
    /// response 1 [ ... ]", "retransmit 2 of request with message ID 1".
    pub fn log_line(&self, direction: Direction) -> String {
        match (direction, self.retransmission, self.response) {
            (Direction::Sent, 0, _) => format!(
                "sending {} ({} bytes) from {} to {}",
                self.summary,
                self.bytes.len(),
                self.src,
                self.dst
            ),
            (Direction::Sent, n, false) => format!(
                "retransmit {n} of request with message ID {} ({})",
                self.message_id, self.summary
            ),
            (Direction::Sent, n, true) => format!(
                "received retransmit of request with ID {}, retransmitting response ({n}): {}",
                self.message_id, self.summary
            ),
            (Direction::Received, _, _) => format!(
                "parsed {} ({} bytes) from {}",
                self.summary,
                self.bytes.len(),
                self.src
            ),
        }
    }
}

/// A datagram that was not processed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DropEvent {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    /// Length of the UDP payload.
    pub length: usize,
    /// charon-style summary when the message could be parsed that far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub reason: DropReason,
}

/// Why a datagram was dropped. None of these changes any SA's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DropReason {
    /// The bytes are not a well-formed IKE message (or NAT-T framing).
    Malformed { error: WireError },
    /// The NAT-T payload is neither IKE, ESP nor a keep-alive (RFC 3948 §2).
    BadEncapsulation { error: UdpEncapError },
    /// An ESP packet: the data plane is not part of the IKE state machine.
    Esp { spi: u32 },
    /// No IKE SA has the SPI the message is addressed to (RFC 7296 §2.21.4).
    UnknownSpi { spi_i: IkeSpi, spi_r: IkeSpi },
    /// The ICV or AEAD tag did not verify, or the decryption failed: not from the
    /// peer, or damaged (RFC 7296 §2.21.2: such messages are dropped silently).
    Unauthenticated { error: CryptoError },
    /// A message that must be protected arrived without an SK payload.
    Unprotected,
    /// A response to no outstanding request (a late duplicate, or a forgery).
    UnexpectedResponse { message_id: u32 },
    /// A request whose Message ID is outside the window (RFC 7296 §2.3).
    InvalidMessageId { message_id: u32, expected: u32 },
    /// A message this state does not accept.
    UnexpectedMessage {
        state: SaState,
        exchange: ExchangeType,
        response: bool,
    },
    /// Too many half-open IKE SAs from this address (strongSwan's block_threshold).
    Blocked { half_open_from_ip: u32 },
    /// No responder configuration accepts the addresses.
    NoConfiguration,
    /// An IKE_SA_INIT response that the initiator cannot use (missing payloads, a
    /// broken notify): ignored so a forged one cannot end the exchange (§2.4).
    UnusableResponse { problem: Problem },
}

impl DropEvent {
    pub fn describe(&self) -> String {
        let what = self.summary.as_deref().unwrap_or("datagram");
        format!(
            "dropping {what} from {}: {}",
            self.src,
            self.reason.describe()
        )
    }
}

impl DropReason {
    pub fn describe(&self) -> String {
        match self {
            Self::Malformed { error } => format!("malformed: {error}"),
            Self::BadEncapsulation { error } => format!("bad UDP encapsulation: {error}"),
            Self::Esp { spi } => format!("ESP packet with SPI {spi:08x} (no data plane here)"),
            Self::UnknownSpi { spi_i, spi_r } => {
                format!("no IKE SA with SPIs {spi_i}_i {spi_r}_r")
            }
            Self::Unauthenticated { error } => format!("integrity check failed: {error}"),
            Self::Unprotected => "message must be encrypted but has no SK payload".to_owned(),
            Self::UnexpectedResponse { message_id } => {
                format!("response {message_id} answers no outstanding request")
            }
            Self::InvalidMessageId {
                message_id,
                expected,
            } => format!("message ID {message_id} out of window (expected {expected})"),
            Self::UnexpectedMessage {
                state,
                exchange,
                response,
            } => format!(
                "{} {} not expected in state {state:?}",
                crate::wire::summary::exchange_name(*exchange),
                if *response { "response" } else { "request" }
            ),
            Self::Blocked { half_open_from_ip } => format!(
                "{half_open_from_ip} half-open IKE SAs from this address reach the block threshold"
            ),
            Self::NoConfiguration => {
                "no configuration matches the addresses: answered NO_PROPOSAL_CHOSEN, no state kept"
                    .to_owned()
            }
            Self::UnusableResponse { problem } => format!("unusable response: {problem}"),
        }
    }
}
