//! A peer's event in words for its signature: messages by exchange, Message ID,
//! retransmission and payload types; decisions, SAs, exchanges and drops by their
//! outcome and reason, with any random value in those words masked.

use ikelab_engine::config::Role;
use ikelab_engine::event::{
    Action, Direction, DropReason, Event, EventKind, MessageEvent, Outcome,
};
use ikelab_engine::wire::summary::payload_name;
use ikelab_engine::wire::{Payload, summary::exchange_name};

use super::signature::mask_random;

/// "IKE_AUTH response 1".
pub(super) fn message_name(m: &MessageEvent) -> String {
    format!(
        "{} {} {}",
        exchange_name(m.exchange),
        if m.response { "response" } else { "request" },
        m.message_id
    )
}

/// The payload types of a message in order, notifies by their registry name
/// ("IDr AUTH N(AUTHENTICATION_FAILED)"): from the payloads the engine kept in
/// memory, or, for a message read back from a trace file, from its summary.
fn payload_types(m: &MessageEvent) -> String {
    if m.payloads.is_empty() {
        // "IKE_AUTH response 1 [ IDr AUTH ]": the part between the brackets.
        return m
            .summary
            .split_once('[')
            .and_then(|(_, rest)| rest.rsplit_once(']'))
            .map(|(inside, _)| inside.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
    }
    m.payloads
        .iter()
        .map(|payload| match payload {
            Payload::Notify(n) => match n.notify_type.name() {
                Some(name) => format!("N({name})"),
                None => format!("N({})", n.notify_type.0),
            },
            other => payload_name(other),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// "sends IKE_AUTH response 1 with IDr AUTH", "retransmits IKE_SA_INIT request 0
/// (transmission 3) with SA KE No ...".
fn message_words(verb: &str, m: &MessageEvent) -> String {
    let payloads = payload_types(m);
    let with = if payloads.is_empty() {
        " (empty)".to_owned()
    } else {
        format!(" with {payloads}")
    };
    let again = if m.retransmission > 0 {
        format!(" (transmission {})", m.retransmission.saturating_add(1))
    } else {
        String::new()
    };
    format!("{verb} {}{again}{with}", message_name(m))
}

pub(super) fn event_words(event: &Event) -> Option<String> {
    let words = match &event.kind {
        EventKind::IkeSaCreated { role, .. } => match role {
            Role::Initiator => "creates an IKE SA as its initiator".to_owned(),
            Role::Responder => "creates an IKE SA as its responder".to_owned(),
        },
        EventKind::MessageSent(m) if m.retransmission == 0 => message_words("sends", m),
        // A response sent again answers a retransmitted request (RFC 7296 §2.1).
        EventKind::MessageSent(m) if m.response => message_words("sends again", m),
        EventKind::MessageSent(m) => message_words("retransmits", m),
        EventKind::MessageReceived(m) => message_words("receives", m),
        EventKind::MessageDropped(d) => {
            let what = d
                .summary
                .as_deref()
                .and_then(|s| s.split_once(" ["))
                .map_or("a datagram", |(name, _)| name);
            format!("drops {what}: {}", drop_reason_words(&d.reason))
        }
        EventKind::NatKeepalive { direction, .. } => match direction {
            Direction::Sent => "sends a NAT keep-alive".to_owned(),
            Direction::Received => "receives a NAT keep-alive".to_owned(),
        },
        // Timer bookkeeping is no line (`transcript::shown`).
        EventKind::Timer { .. } => return None,
        EventKind::StateChanged { from, to } => {
            format!("moves its IKE SA from {from:?} to {to:?}")
        }
        EventKind::Decision(d) => format!("decides: {}", mask_random(&d.describe())),
        EventKind::KeysDerived { steps } => {
            let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
            format!("derives keys: {}", names.join(", "))
        }
        EventKind::IkeSaKeys(_) => "logs the IKE SA's keys".to_owned(),
        EventKind::ChildSaKeys(_) => "logs a CHILD SA's keys".to_owned(),
        EventKind::IkeSaUp(up) => format!(
            "has its IKE SA up: {}, {} with {}{}",
            up.proposal,
            up.local_id,
            up.remote_id,
            if up.udp_encap {
                ", in UDP (NAT traversal)"
            } else {
                ""
            }
        ),
        EventKind::IkeSaDown { reason } => {
            format!("loses its IKE SA: {}", mask_random(&reason.describe()))
        }
        EventKind::ChildSaUp(c) => format!(
            "has CHILD SA {} up: {}, {:?} mode{}",
            c.name,
            c.proposal,
            c.mode,
            if c.udp_encap { ", ESP in UDP" } else { "" }
        ),
        EventKind::ChildSaFailed { name, reason } => format!(
            "fails to set up CHILD SA {name}: {}",
            mask_random(&reason.describe())
        ),
        EventKind::ChildSaDown { child, reason } => {
            format!("closes {child}: {}", mask_random(&reason.describe()))
        }
        EventKind::ExchangeStarted {
            action, exchange, ..
        } => format!(
            "starts {} with a {} request",
            action_words(action),
            exchange_name(*exchange)
        ),
        EventKind::ExchangeDone {
            action, outcome, ..
        } => format!(
            "ends {}: {}",
            action_words(action),
            mask_random(&outcome_words(outcome))
        ),
        EventKind::ChildSaRekeyed { old, new, .. } => format!("replaces {old} by {new}"),
        EventKind::IkeSaRekeyed {
            proposal,
            initiator,
            ..
        } => format!(
            "rekeys its IKE SA ({proposal}){}",
            if *initiator {
                ", as the rekey's initiator"
            } else {
                ""
            }
        ),
        EventKind::ChildSasInherited { children, .. } => {
            format!(
                "takes over {} CHILD SA(s) from the old IKE SA",
                children.len()
            )
        }
        // The nonces decide which SA goes (RFC 7296 §2.8.1): compared by what
        // they decided, not by their values.
        EventKind::RekeyCollision(c) => format!("resolves a rekey collision: {}", c.outcome()),
        EventKind::PeerAddressChanged { .. } => "follows the peer to a new address".to_owned(),
        EventKind::PeerDead {
            exchange,
            transmissions,
        } => format!(
            "declares the peer dead after {transmissions} transmissions of {}",
            exchange_name(*exchange)
        ),
        EventKind::ChildSaVolumeLimit {
            child,
            limit,
            reason,
        } => format!("sees {child} reach its {limit:?} limit of {reason:?}"),
        EventKind::EspSealed(e) => format!(
            "seals an ESP packet ({:?}){}",
            e.kind,
            if e.udp_encap { " in UDP" } else { "" }
        ),
        EventKind::EspOpened(e) => format!(
            "opens an ESP packet ({:?}){}",
            e.kind,
            if e.udp_encap { " in UDP" } else { "" }
        ),
        EventKind::EspDropped(e) => {
            format!("refuses an ESP packet: {:?}", e.reason.kind)
        }
        _ => "reports an event this page does not know".to_owned(),
    };
    Some(words)
}

fn action_words(action: &Action) -> String {
    match action {
        Action::CreateChild { name } => format!("creating CHILD SA {name}"),
        Action::RekeyChild { child } => format!("rekeying {child}"),
        Action::RekeyIke => "rekeying the IKE SA".to_owned(),
        Action::DeleteChild { child } => format!("deleting {child}"),
        Action::DeleteIke => "deleting the IKE SA".to_owned(),
        Action::Liveness => "a liveness check".to_owned(),
        _ => "an exchange".to_owned(),
    }
}

/// An outcome without the time of a retry (a timer's, which jitter may move).
fn outcome_words(outcome: &Outcome) -> String {
    match outcome {
        Outcome::RetryAt { failure, .. } => {
            format!("{}, to be tried again", outcome_words(failure))
        }
        other => other.describe(),
    }
}

fn drop_reason_words(reason: &DropReason) -> String {
    match reason {
        DropReason::Malformed { .. } => "malformed",
        DropReason::BadEncapsulation { .. } => "bad UDP encapsulation",
        DropReason::Esp { .. } => "an ESP packet where IKE was expected",
        DropReason::UnknownSpi { .. } => "no IKE SA has its SPIs",
        DropReason::Unauthenticated { .. } => "its integrity check failed",
        DropReason::Unprotected => "it must be encrypted and is not",
        DropReason::UnexpectedResponse { .. } => "it answers no outstanding request",
        DropReason::InvalidMessageId { .. } => "its message ID is out of the window",
        DropReason::UnexpectedMessage { .. } => "not expected in this state",
        DropReason::Blocked { .. } => "too many half-open IKE SAs from that address",
        DropReason::NoConfiguration => "no configuration matches the addresses",
        DropReason::UnusableResponse { problem } => {
            return format!("unusable response: {}", mask_random(&problem.describe()));
        }
        _ => "another reason",
    }
    .to_owned()
}
