//! A message for an existing IKE SA: parse, check the Message ID window (RFC 7296
//! §2.3), verify and decrypt (§3.14), then hand it to the state. Every check that
//! fails drops the message with a typed reason before any state is touched; only an
//! authenticated request in the window, or the response to our outstanding request,
//! reaches a state handler.

use std::net::SocketAddr;
use std::sync::Arc;

use super::context::Cx;
use super::protect::{OpenError, Opened, SkPlaintext};
use super::sa::{IkeSa, Sent, dissect, message_event};
use super::state::{self, Received, State};
use super::summary::message_summary;
use crate::event::{DownReason, DropEvent, DropReason, EventKind, Problem};
use crate::wire::ErrorKind;
use crate::wire::iana::{ExchangeType, NotifyType};
use crate::wire::{IkeHeader, Message, NotifyPayload, Payload, WireError};

/// Where a datagram came from and went to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Path {
    pub(crate) src: SocketAddr,
    pub(crate) dst: SocketAddr,
}

impl Path {
    /// The message as a state handler sees it.
    fn received<'a>(
        self,
        raw: &'a [u8],
        header: &'a IkeHeader,
        payloads: &'a [Payload],
    ) -> Received<'a> {
        Received {
            src: self.src,
            dst: self.dst,
            raw,
            header,
            payloads,
        }
    }
}

/// Reports an accepted message (its bytes, dissection and inner payloads); the
/// dissection is built from `plaintext`, the SK plaintext as `Protection::open`
/// decrypted it. `retransmission` counts the copies of this request seen before.
#[allow(clippy::too_many_arguments)]
pub(super) fn report_received(
    sa: &IkeSa,
    cx: &mut Cx<'_>,
    path: Path,
    header: &IkeHeader,
    raw: &[u8],
    payloads: &Arc<[Payload]>,
    plaintext: Option<SkPlaintext>,
    retransmission: u32,
) {
    let over_nat_t = path.dst.port() == cx.config.nat_t_port;
    let received = Sent {
        header,
        bytes: raw,
        payloads: Arc::clone(payloads),
        encrypted: plaintext.is_some(),
        dissection: dissect(cx, raw, plaintext),
    };
    let event = message_event((path.src, path.dst, over_nat_t), received, retransmission);
    cx.emit(Some(sa.core.id), EventKind::MessageReceived(event));
}

fn drop_message(
    sa: &IkeSa,
    cx: &mut Cx<'_>,
    path: Path,
    raw: &[u8],
    summary: Option<String>,
    reason: DropReason,
) {
    cx.emit(
        Some(sa.core.id),
        EventKind::MessageDropped(DropEvent {
            src: path.src,
            dst: path.dst,
            length: raw.len(),
            summary,
            reason,
        }),
    );
}

/// Handles one IKE message addressed to this SA.
pub(crate) fn on_message(
    sa: &mut IkeSa,
    cx: &mut Cx<'_>,
    path: Path,
    raw: &[u8],
    header: &IkeHeader,
) {
    let message = match Message::parse(raw) {
        Ok(m) => m,
        Err(error) => {
            drop_message(sa, cx, path, raw, None, DropReason::Malformed { error });
            return;
        }
    };
    if header.is_response() {
        on_response(sa, cx, path, raw, &message);
    } else {
        on_request(sa, cx, path, raw, &message);
    }
}

fn unexpected(sa: &IkeSa, header: &IkeHeader) -> DropReason {
    DropReason::UnexpectedMessage {
        state: sa.state.name(),
        exchange: header.exchange_type,
        response: header.is_response(),
    }
}

fn on_response(sa: &mut IkeSa, cx: &mut Cx<'_>, path: Path, raw: &[u8], message: &Message) {
    let header = &message.header;
    // The outer summary, for a drop event only (an accepted message is reported
    // with its inner payloads).
    let outline = || Some(message_summary(header, &message.payloads));
    if !sa.state.accepts(header.exchange_type, true) {
        let reason = unexpected(sa, header);
        drop_message(sa, cx, path, raw, outline(), reason);
        return;
    }
    let expected =
        sa.core.window.outstanding.as_ref().is_some_and(|o| {
            o.message_id == header.message_id && o.exchange == header.exchange_type
        });
    if !expected {
        let reason = DropReason::UnexpectedResponse {
            message_id: header.message_id,
        };
        drop_message(sa, cx, path, raw, outline(), reason);
        return;
    }
    let (payloads, plaintext) = if header.exchange_type == ExchangeType::IKE_SA_INIT {
        (Arc::from(message.payloads.as_slice()), None)
    } else {
        let Some(protection) = sa.core.protection.as_ref() else {
            drop_message(sa, cx, path, raw, outline(), DropReason::Unprotected);
            return;
        };
        match protection.open(raw, message) {
            Ok(Opened {
                payloads,
                plaintext,
            }) => (payloads.into(), Some(plaintext)),
            Err(OpenError::Syntax(error)) => {
                // Authenticated but malformed: the exchange cannot complete.
                let notify = error_notify(&error);
                drop_message(
                    sa,
                    cx,
                    path,
                    raw,
                    outline(),
                    DropReason::Malformed {
                        error: error.clone(),
                    },
                );
                sa.core.complete_request();
                if matches!(sa.state, State::InitiatorAuth(_)) {
                    let _ = sa.core.send_request_once(
                        cx,
                        ExchangeType::INFORMATIONAL,
                        vec![Payload::Notify(notify)],
                    );
                    sa.core.go_down(
                        cx,
                        DownReason::Rejected {
                            exchange: header.exchange_type,
                            problem: Problem::MalformedEncryptedPayloads { error },
                        },
                        false,
                    );
                    sa.state = State::Closing;
                }
                return;
            }
            Err(e) => {
                drop_message(sa, cx, path, raw, outline(), open_error(e));
                return;
            }
        }
    };
    report_received(sa, cx, path, header, raw, &payloads, plaintext, 0);
    state::on_response(sa, cx, &path.received(raw, header, &payloads));
}

fn open_error(e: OpenError) -> DropReason {
    match e {
        OpenError::NotProtected => DropReason::Unprotected,
        OpenError::Crypto(error) => DropReason::Unauthenticated { error },
        OpenError::Syntax(error) => DropReason::Malformed { error },
    }
}

fn on_request(sa: &mut IkeSa, cx: &mut Cx<'_>, path: Path, raw: &[u8], message: &Message) {
    let header = &message.header;
    // The outer summary, for a drop event only (an accepted message is reported
    // with its inner payloads).
    let outline = || Some(message_summary(header, &message.payloads));
    if header.exchange_type == ExchangeType::IKE_SA_INIT {
        let reason = unexpected(sa, header);
        drop_message(sa, cx, path, raw, outline(), reason);
        return;
    }
    let Some(protection) = sa.core.protection.as_ref() else {
        drop_message(sa, cx, path, raw, outline(), DropReason::Unprotected);
        return;
    };
    let opened = protection.open(raw, message);
    let mid = header.message_id;
    let expected = sa.core.window.expected_request_id;
    let cached = sa
        .core
        .window
        .last_response
        .as_ref()
        .is_some_and(|c| c.message_id == mid);
    match opened {
        Err(OpenError::Syntax(error))
            if mid == expected && sa.state.accepts(header.exchange_type, false) =>
        {
            // Authenticated, but the inner payloads are malformed (§2.21.2).
            drop_message(
                sa,
                cx,
                path,
                raw,
                outline(),
                DropReason::Malformed {
                    error: error.clone(),
                },
            );
            sa.core.window.expected_request_id = mid.wrapping_add(1);
            follow(sa, cx, path);
            let notify = error_notify(&error);
            let notify_type = notify.notify_type;
            let _ =
                sa.core
                    .send_response(cx, header.exchange_type, mid, vec![Payload::Notify(notify)]);
            if matches!(sa.state, State::ResponderAuth(_)) {
                sa.core.go_down(
                    cx,
                    DownReason::Refused {
                        exchange: header.exchange_type,
                        notify: notify_type,
                        problem: Problem::MalformedEncryptedPayloads { error },
                    },
                    true,
                );
                sa.state = State::Closing;
            }
        }
        Err(e) => drop_message(sa, cx, path, raw, outline(), open_error(e)),
        Ok(Opened {
            payloads,
            plaintext,
        }) => {
            let payloads: Arc<[Payload]> = payloads.into();
            let plaintext = Some(plaintext);
            if mid == expected && sa.state.accepts(header.exchange_type, false) {
                sa.core.window.expected_request_id = mid.wrapping_add(1);
                follow(sa, cx, path);
                report_received(sa, cx, path, header, raw, &payloads, plaintext, 0);
                state::on_request(sa, cx, &path.received(raw, header, &payloads));
            } else if cached {
                // §2.1: a retransmitted request gets the same response again.
                let resent = sa
                    .core
                    .window
                    .last_response
                    .as_ref()
                    .map_or(0, |c| c.resent);
                report_received(sa, cx, path, header, raw, &payloads, plaintext, resent + 1);
                follow(sa, cx, path);
                sa.core.resend_response(cx);
            } else {
                let reason = if mid == expected {
                    unexpected(sa, header)
                } else {
                    DropReason::InvalidMessageId {
                        message_id: mid,
                        expected,
                    }
                };
                drop_message(sa, cx, path, raw, outline(), reason);
                if mid != expected {
                    notify_invalid_message_id(sa, cx, mid);
                }
            }
        }
    }
}

/// The notify that answers an authenticated but malformed request (§2.21.2):
/// UNSUPPORTED_CRITICAL_PAYLOAD with the payload type, or INVALID_SYNTAX.
fn error_notify(error: &WireError) -> NotifyPayload {
    match error.kind {
        ErrorKind::UnsupportedCriticalPayload { payload_type } => {
            NotifyPayload::unsupported_critical_payload(crate::wire::iana::PayloadType(
                payload_type,
            ))
        }
        _ => NotifyPayload::new(NotifyType::INVALID_SYNTAX, Vec::new()),
    }
}

/// Answers to where an authenticated request came from (RFC 7296 §2.11, §2.23:
/// after the NAT-T float, and when a NAT mapping changes).
fn follow(sa: &mut IkeSa, cx: &mut Cx<'_>, path: Path) {
    let established = matches!(sa.state, State::Established(_));
    super::address::follow(&mut sa.core, cx, established, path.src, path.dst);
}

/// RFC 7296 §3.10.1: INVALID_MESSAGE_ID "MUST NOT be sent in a response ... inform
/// the other side by initiating an INFORMATIONAL exchange with Notification data
/// containing the four-octet invalid Message ID", rate limited: at most one per
/// retransmission timeout, only on an established SA with no request outstanding.
fn notify_invalid_message_id(sa: &mut IkeSa, cx: &mut Cx<'_>, mid: u32) {
    let interval = sa.core.policy.config.retransmit.timeout;
    let quiet = sa
        .core
        .last_invalid_mid_notice
        .is_none_or(|t| cx.now >= t.saturating_add(interval));
    if !matches!(sa.state, State::Established(_)) || sa.core.window.outstanding.is_some() || !quiet
    {
        return;
    }
    sa.core.last_invalid_mid_notice = Some(cx.now);
    let _ = sa.core.send_request(
        cx,
        ExchangeType::INFORMATIONAL,
        vec![Payload::Notify(NotifyPayload::new(
            NotifyType::INVALID_MESSAGE_ID,
            mid.to_be_bytes().to_vec(),
        ))],
    );
}
