//! How a failed connection ends: its exit code and one message a person can act on,
//! from the reason the engine reported (`DownReason`, `ChildFailure`). The protocol
//! facts are the engine's; this file only chooses the words and the code.

use std::net::SocketAddr;

use ikelab_engine::event::{ChildFailure, DownReason};
use ikelab_engine::wire::iana::{ExchangeType, NotifyType};
use ikelab_engine::wire::summary::{exchange_name, notify_name};

use crate::exit::Exit;

/// A connection that ended badly.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub(crate) exit: Exit,
    pub(crate) message: String,
}

/// What the messages quote besides the engine's reason.
#[derive(Debug, Default, Clone)]
pub(crate) struct Context {
    pub(crate) remote: Option<SocketAddr>,
    /// Our IKE proposals (`proposals`).
    pub(crate) ike_proposals: Vec<String>,
    /// Our ESP proposals per child (`children.NAME.esp_proposals`).
    pub(crate) esp_proposals: Vec<(String, Vec<String>)>,
    /// The engine's last proposal decision (what the gateway chose and why we
    /// refused it), if one was made.
    pub(crate) proposal_decision: Option<String>,
}

/// The exit code an error notification stands for (RFC 7296 §3.10.1).
fn exit_of_notify(notify: NotifyType) -> Option<Exit> {
    match notify {
        NotifyType::AUTHENTICATION_FAILED => Some(Exit::AuthenticationFailed),
        NotifyType::NO_PROPOSAL_CHOSEN => Some(Exit::NoProposalChosen),
        NotifyType::TS_UNACCEPTABLE => Some(Exit::TsUnacceptable),
        NotifyType::FAILED_CP_REQUIRED => Some(Exit::CpRequired),
        _ => None,
    }
}

/// Whether the IKE SA went down because the gateway went away (no answer, a failed
/// liveness check, its DELETE, the SA's end of life) rather than because it or we
/// refused something: what `--reconnect` answers by connecting again.
pub(crate) fn gateway_lost(reason: &DownReason) -> bool {
    matches!(
        reason,
        DownReason::Timeout { .. }
            | DownReason::DeadPeer { .. }
            | DownReason::DeletedByPeer
            | DownReason::Expired
            | DownReason::HalfOpenExpired
    )
}

/// The IKE SA went down (or never came up) before we asked it to.
pub(crate) fn of_ike_down(reason: &DownReason, cx: &Context) -> Failure {
    let what = reason.describe();
    match reason {
        DownReason::DeadPeer { .. } => Failure {
            exit: Exit::Unreachable,
            message: format!(
                "the gateway {} stopped answering: {what} (RFC 7296 §2.4). `--reconnect` \
                 connects again when this happens.",
                remote_text(cx)
            ),
        },
        DownReason::Timeout { .. } => Failure {
            exit: Exit::Unreachable,
            message: format!(
                "the gateway {} did not answer: {what} (RFC 7296 §2.4). Check its address \
                 and port, that it runs, and that no firewall drops UDP to it.",
                remote_text(cx)
            ),
        },
        DownReason::AuthenticationFailed { .. } => Failure {
            exit: Exit::AuthenticationFailed,
            message: format!(
                "authentication failed: {what}. Check [secrets] and [remote] id against \
                 the gateway's configuration."
            ),
        },
        DownReason::PeerError { exchange, notify }
        | DownReason::Refused {
            exchange, notify, ..
        } => of_notify(*notify, *exchange, None, &what, cx),
        DownReason::Rejected { .. } if cx.proposal_decision.is_some() => Failure {
            exit: Exit::NoProposalChosen,
            message: format!(
                "{what}. {}",
                cx.proposal_decision.as_deref().unwrap_or_default()
            ),
        },
        _ => Failure {
            exit: Exit::Failure,
            message: format!("the IKE SA is down: {what}"),
        },
    }
}

/// The CHILD SA `name` was not created.
pub(crate) fn of_child_failed(name: &str, reason: &ChildFailure, cx: &Context) -> Failure {
    let what = reason.describe();
    match reason {
        ChildFailure::PeerError { notify } | ChildFailure::Refused { notify, .. } => {
            of_notify(*notify, ExchangeType::IKE_AUTH, Some(name), &what, cx)
        }
        _ => Failure {
            exit: Exit::Failure,
            message: format!("CHILD SA '{name}' not created: {what}"),
        },
    }
}

fn of_notify(
    notify: NotifyType,
    exchange: ExchangeType,
    child: Option<&str>,
    what: &str,
    cx: &Context,
) -> Failure {
    let Some(exit) = exit_of_notify(notify) else {
        let message = match child {
            Some(name) => format!("CHILD SA '{name}' not created: {what}"),
            None => format!("the IKE SA is down: {what}"),
        };
        return Failure {
            exit: Exit::Failure,
            message,
        };
    };
    let at = format!("{} in {}", iana_name(notify), exchange_name(exchange));
    let advice = match exit {
        Exit::AuthenticationFailed => {
            "the gateway did not accept our AUTH payload (RFC 7296 §2.15): check \
             [secrets] psk and [local] id against the gateway's configuration."
                .to_owned()
        }
        Exit::NoProposalChosen => proposals_advice(child, cx),
        Exit::TsUnacceptable => {
            "the gateway accepts none of the traffic selectors we proposed (RFC 7296 \
             §2.9): compare local_ts and remote_ts with its configuration."
                .to_owned()
        }
        _ => "the gateway requires a configuration payload (RFC 7296 §2.19): ask for a \
              virtual IP with vips = [\"0.0.0.0\"]."
            .to_owned(),
    };
    let subject = match child {
        Some(name) => format!("CHILD SA '{name}' not created"),
        None => "the IKE SA was not established".to_owned(),
    };
    Failure {
        exit,
        message: format!("{subject}: the gateway answered {at}; {advice}"),
    }
}

/// What each side offered, as far as this side knows it: the gateway's list never
/// crosses the wire (RFC 7296 §2.7: it answers with one choice or NO_PROPOSAL_CHOSEN).
fn proposals_advice(child: Option<&str>, cx: &Context) -> String {
    let ours = match child {
        Some(name) => cx
            .esp_proposals
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| format!("ESP proposals [{}]", p.join(", ")))
            .unwrap_or_else(|| "ESP proposals (none configured)".to_owned()),
        None => format!("IKE proposals [{}]", cx.ike_proposals.join(", ")),
    };
    let theirs = match &cx.proposal_decision {
        Some(decision) => format!("the gateway's answer: {decision}"),
        None => "the gateway accepts none of them and does not say what it would \
                 accept (RFC 7296 §2.7): compare with its proposals"
            .to_owned(),
    };
    format!("we offered {ours}; {theirs}.")
}

/// The notify's IANA name (RFC 7296 §3.10.1), as people search for it; the log
/// lines keep charon's short forms.
pub(crate) fn iana_name(notify: NotifyType) -> String {
    notify
        .name()
        .map_or_else(|| notify_name(notify), str::to_owned)
}

fn remote_text(cx: &Context) -> String {
    cx.remote
        .map_or_else(|| "(no address)".to_owned(), |r| r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_documented_notify_has_its_exit_code() {
        let cases = [
            (
                NotifyType::AUTHENTICATION_FAILED,
                Exit::AuthenticationFailed,
            ),
            (NotifyType::NO_PROPOSAL_CHOSEN, Exit::NoProposalChosen),
            (NotifyType::TS_UNACCEPTABLE, Exit::TsUnacceptable),
            (NotifyType::FAILED_CP_REQUIRED, Exit::CpRequired),
        ];
        for (notify, exit) in cases {
            let reason = DownReason::PeerError {
                exchange: ExchangeType::IKE_AUTH,
                notify,
            };
            let failure = of_ike_down(&reason, &Context::default());
            assert_eq!(failure.exit, exit, "{}", failure.message);
            assert!(
                failure.message.contains(&iana_name(notify)),
                "{}",
                failure.message
            );
        }
    }

    #[test]
    fn a_timeout_is_an_unreachable_gateway_naming_its_address() {
        let reason = DownReason::Timeout {
            exchange: ExchangeType::IKE_SA_INIT,
            message_id: 0,
            transmissions: 6,
        };
        let cx = Context {
            remote: Some("192.0.2.1:500".parse().unwrap()),
            ..Context::default()
        };
        let failure = of_ike_down(&reason, &cx);
        assert_eq!(failure.exit, Exit::Unreachable);
        assert!(
            failure.message.contains("192.0.2.1:500 did not answer"),
            "{}",
            failure.message
        );
    }

    #[test]
    fn other_reasons_are_a_plain_failure() {
        let failure = of_ike_down(&DownReason::DeletedByPeer, &Context::default());
        assert_eq!(failure.exit, Exit::Failure);
        assert!(
            failure.message.contains("deleted by the peer"),
            "{}",
            failure.message
        );
    }
}
