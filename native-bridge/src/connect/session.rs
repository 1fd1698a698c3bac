//! One connection's life on the runtime: initiate, watch the engine's events until
//! the IKE SA and its CHILD SA are up (or fail), stay up until SIGINT or SIGTERM,
//! then delete the IKE SA (RFC 7296 §1.4.1) and wait a little for the answer.

use std::time::Duration;

use std::net::IpAddr;

use ikelab_engine::event::{ChildSaUp, Decision, Event, EventKind};
use ikelab_engine::wire::Payload;
use ikelab_engine::wire::iana::ExchangeType;
use ikelab_engine::{IkeSaId, Time};

use super::outcome::{self, Context, Failure};
use crate::control::listener::{Incoming, answer, answer_and_hold, answer_unknown};
use crate::control::{DOWN_ACCEPTED, Request};
use crate::exit::Exit;
use crate::runtime::driver::{Driver, Wake};
use crate::tunnel::TunnelOptions;
use crate::tunnel::plan::TunnelPlan;

/// How long we wait for the gateway's answer to our DELETE before leaving anyway.
const DELETE_WAIT: Duration = Duration::from_secs(2);

/// Where the session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// IKE_SA_INIT and IKE_AUTH under way.
    Connecting,
    /// The IKE SA is up.
    Up,
    /// We sent DELETE (or there was nothing to delete); leaving by this time.
    Closing { until: Time },
}

/// How the session ended.
#[derive(Debug)]
pub(crate) enum End {
    /// Closed on request (SIGINT or SIGTERM).
    Closed,
    /// The connection failed.
    Failed(Failure),
    /// The gateway went away (`outcome::gateway_lost`); `was_up` when the IKE SA
    /// had been established.
    Lost { failure: Failure, was_up: bool },
}

/// Runs the session on `driver` until it ends; `name` names the connection in
/// `ikelab status`. With `tunnel`, the first CHILD SA opens the tunnel (device,
/// routes, DNS) from what the gateway assigned and agreed.
pub(crate) async fn run(
    driver: &mut Driver,
    mut ike: IkeSaId,
    mut cx: Context,
    name: &str,
    tunnel: Option<&TunnelOptions>,
) -> End {
    let mut phase = Phase::Connecting;
    let mut failure: Option<Failure> = None;
    // What IKE_AUTH's configuration reply assigned (RFC 7296 §3.15.1).
    let mut assigned = (Vec::new(), Vec::new());
    // The first CHILD SA of this IKE SA opened the tunnel, or found it as it must be.
    let mut tunnel_checked = false;
    loop {
        for event in driver.flush().await {
            match &event.kind {
                EventKind::IkeSaUp(up) if event.ike_sa == Some(ike) => {
                    phase = Phase::Up;
                    assigned = (up.virtual_ips.clone(), up.dns.clone());
                }
                EventKind::ChildSaUp(up) => {
                    if let Some(options) = tunnel
                        && !std::mem::replace(&mut tunnel_checked, true)
                        && !matches!(phase, Phase::Closing { .. })
                        && let Err(message) = open_tunnel(driver, up, &assigned, &cx, options)
                    {
                        failure.get_or_insert(Failure {
                            exit: Exit::Tunnel,
                            message,
                        });
                        phase = close(driver, ike);
                    }
                }
                // A rekey replaced the IKE SA (RFC 7296 §2.18): the new one is ours now.
                EventKind::IkeSaRekeyed { new_sa, .. } if event.ike_sa == Some(ike) => {
                    ike = *new_sa;
                }
                EventKind::Decision(
                    d @ (Decision::IkeProposal(_) | Decision::ChildProposal { .. }),
                ) => cx.proposal_decision = Some(d.describe()),
                EventKind::MessageReceived(_) => warn_unauthenticated_error(&event),
                EventKind::ChildSaFailed { name, reason } if failure.is_none() => {
                    // A CHILD SA that failed in IKE_AUTH leaves the IKE SA up (RFC 7296
                    // §1.2); a client without its tunnel has no use for it.
                    failure = Some(outcome::of_child_failed(name, reason, &cx));
                    phase = close(driver, ike);
                }
                EventKind::IkeSaDown { reason } if event.ike_sa == Some(ike) => {
                    return match failure {
                        Some(failure) => End::Failed(failure),
                        None if matches!(phase, Phase::Closing { .. }) => End::Closed,
                        None if outcome::gateway_lost(reason) => End::Lost {
                            failure: outcome::of_ike_down(reason, &cx),
                            was_up: phase == Phase::Up,
                        },
                        None => End::Failed(outcome::of_ike_down(reason, &cx)),
                    };
                }
                _ => {}
            }
        }
        let until = match phase {
            Phase::Closing { until } => {
                if driver.now() >= until {
                    tracing::warn!(
                        "no answer to DELETE within {} s: leaving anyway",
                        DELETE_WAIT.as_secs()
                    );
                    return failure.map_or(End::Closed, End::Failed);
                }
                Some(until)
            }
            _ => None,
        };
        match driver.wait(until).await {
            Wake::Signal(name) => match phase {
                Phase::Closing { .. } => {
                    tracing::warn!("{name} again: leaving without waiting for the DELETE answer");
                    return failure.map_or(End::Closed, End::Failed);
                }
                Phase::Connecting | Phase::Up => {
                    tracing::info!("{name}: deleting the IKE SA");
                    phase = close(driver, ike);
                }
            },
            Wake::Control(incoming) => {
                if on_control(driver, incoming, name) && !matches!(phase, Phase::Closing { .. }) {
                    phase = close(driver, ike);
                }
            }
            Wake::SocketError(detail) => tracing::debug!("{detail}"),
            Wake::DeviceError(detail) => {
                if !matches!(phase, Phase::Closing { .. }) {
                    failure.get_or_insert(Failure {
                        exit: Exit::Tunnel,
                        message: format!("the TUN device failed: {detail}"),
                    });
                    phase = close(driver, ike);
                }
            }
            Wake::Datagram | Wake::Time | Wake::Packet | Wake::Reload => {}
        }
    }
}

/// Opens the tunnel for the CHILD SA `up`, with the virtual IPs and DNS servers
/// `assigned`, and logs what it did.
fn open_tunnel(
    driver: &mut Driver,
    up: &ChildSaUp,
    assigned: &(Vec<IpAddr>, Vec<IpAddr>),
    cx: &Context,
    options: &TunnelOptions,
) -> Result<(), String> {
    let gateway = cx
        .remote
        .map(|r| r.ip())
        .ok_or_else(|| "no gateway address to route around".to_owned())?;
    let plan = TunnelPlan::new(&assigned.0, &assigned.1, &up.remote_ts, gateway);
    if driver.tunnel_plan() == Some(&plan) {
        // A reconnection that got the same address and selectors: the device, its
        // routes and DNS stay as they are (and nothing leaked in between: packets
        // no CHILD SA covered were dropped).
        tracing::info!("tunnel: kept as it was");
        return Ok(());
    }
    if let Some((_, problems)) = driver.close_tunnel() {
        tracing::info!("tunnel: the new SAs differ (address or selectors): rebuilding it");
        for problem in problems {
            tracing::warn!("{problem}");
        }
    }
    for line in driver.open_tunnel(plan, options)? {
        tracing::info!("tunnel: {line}");
    }
    Ok(())
}

/// Waits until `until` between two connection attempts, answering `status` and
/// ending on SIGINT, SIGTERM or `down` (there is no IKE SA to delete then).
pub(crate) async fn pause(driver: &mut Driver, until: Time, name: &str) -> Option<End> {
    loop {
        driver.flush().await;
        if driver.now() >= until {
            return None;
        }
        let ending = match driver.wait(Some(until)).await {
            Wake::Signal(signal) => {
                tracing::info!("{signal}: not connecting again");
                true
            }
            Wake::Control(incoming) => on_control(driver, incoming, name),
            _ => false,
        };
        if ending {
            return Some(End::Closed);
        }
    }
}

/// Answers a control request (`crate::control`); true when it asks the session to
/// end (`down`: as on SIGTERM).
fn on_control(driver: &Driver, incoming: Incoming, name: &str) -> bool {
    let Incoming { request, stream } = incoming;
    match request {
        Ok(Request::Status) => {
            answer(stream, driver.status_text(&|_| name.to_owned()));
            false
        }
        Ok(Request::Down) => {
            tracing::info!("down requested on the control socket: deleting the IKE SA");
            answer_and_hold(stream, format!("{DOWN_ACCEPTED}\n"));
            true
        }
        Ok(Request::Reload) => {
            answer(
                stream,
                "error: this instance is `ikelab connect`, which has no configuration to \
                 reload (only `ikelab listen` reloads)\n"
                    .to_owned(),
            );
            false
        }
        Err(line) => {
            answer_unknown(stream, &line);
            false
        }
    }
}

/// Sends DELETE for the IKE SA (RFC 7296 §1.4.1), which closes its CHILD SAs too.
/// An IKE SA not yet established has nothing to delete on the gateway's side: then
/// the session just ends.
fn close(driver: &mut Driver, ike: IkeSaId) -> Phase {
    let now = driver.now();
    match driver.engine().delete_ike(now, ike) {
        Ok(()) => Phase::Closing {
            until: now + DELETE_WAIT,
        },
        Err(e) => {
            tracing::info!("nothing to delete: {e}");
            Phase::Closing { until: now }
        }
    }
}

/// An error notification in an IKE_SA_INIT response is not authenticated: anyone on
/// the path can send one, so the engine keeps waiting for a genuine answer until the
/// next retransmission (RFC 7296 §2.21.1, §2.4). Says so at once.
fn warn_unauthenticated_error(event: &Event) {
    let EventKind::MessageReceived(message) = &event.kind else {
        return;
    };
    if message.exchange != ExchangeType::IKE_SA_INIT || !message.response || message.encrypted {
        return;
    }
    for payload in message.payloads.iter() {
        if let Payload::Notify(n) = payload
            && n.notify_type.is_error()
        {
            tracing::warn!(
                "the gateway answered IKE_SA_INIT with the error {}, which is not \
                 authenticated (anyone on the path could send it): waiting for a \
                 genuine answer until the next retransmission (RFC 7296 §2.21.1)",
                outcome::iana_name(n.notify_type)
            );
        }
    }
}
