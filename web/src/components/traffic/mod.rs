//! The traffic tab: send a ping, a short stream or a replayed packet through the
//! tunnel from either side at the step on screen, and follow one ESP packet from
//! the inner IP packet to the other peer (`model::traffic`), its bytes in the
//! inspector beside.

use yew::prelude::*;

use crate::components::inspector::Inspector;
use crate::model::Origin;
use crate::model::edit::script::Traffic;
use crate::model::lines::format_time;
use crate::model::traffic::journey;
use crate::state::{Action, LabRef, LabState};

#[derive(Properties, PartialEq)]
pub(crate) struct TrafficProps {
    pub(crate) lab: LabRef,
    pub(crate) step: usize,
    pub(crate) selected: Option<usize>,
    pub(crate) field: Option<usize>,
    pub(crate) dispatch: UseReducerDispatcher<LabState>,
}

#[function_component(TrafficPanel)]
pub(crate) fn traffic(props: &TrafficProps) -> Html {
    let lab = &props.lab;
    if matches!(lab.origin, Origin::File { .. }) {
        return html! {
            <section class="traffic-panel" aria-label="Traffic">
                <h2>{ "Traffic" }</h2>
                <p class="muted">{ "A trace file records what happened; pick a scenario to send traffic of your own." }</p>
            </section>
        };
    }
    let now = props
        .step
        .checked_sub(1)
        .and_then(|i| lab.lines.get(i))
        .map_or(0, |l| l.t_us);
    let send = |traffic: Traffic, peer: &'static str| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_| {
            dispatch.dispatch(Action::SendTraffic {
                traffic,
                peer: peer.to_owned(),
            });
        })
    };
    let buttons = ["initiator", "responder"].map(|peer| {
        html! {
            <div class="traffic-side" data-peer={peer}>
                <h3>{ format!("From the {peer}'s side") }</h3>
                <button type="button" id={format!("send-ping-{peer}")} onclick={send(Traffic::Ping, peer)}>
                    { "Send a ping" }
                </button>
                <button type="button" id={format!("send-stream-{peer}")} onclick={send(Traffic::Stream, peer)}>
                    { "Send 5 UDP packets" }
                </button>
                <button type="button" id={format!("tamper-ping-{peer}")} onclick={send(Traffic::TamperedPing, peer)}
                    title="An attacker on the path changes one bit of the echo request">
                    { "Send a ping, changed on the way" }
                </button>
                <button type="button" id={format!("replay-to-{peer}")} onclick={send(Traffic::Replay, peer)}
                    title="The network delivers the last ESP packet it carried to this peer once more">
                    { format!("Replay the last packet to the {peer}") }
                </button>
            </div>
        }
    });
    let stages = props
        .selected
        .and_then(|record| journey(&lab.trace, record))
        .unwrap_or_default();
    let journey_view = if stages.is_empty() {
        html! {
            <p class="muted" id="traffic-hint">
                { "Send something, or click an ESP packet in the timeline: its journey appears here, each stage with its bytes." }
            </p>
        }
    } else {
        let items = stages.iter().map(|stage| {
            let onclick = {
                let dispatch = props.dispatch.clone();
                let record = stage.record;
                Callback::from(move |_| dispatch.dispatch(Action::SelectRecord(record)))
            };
            html! {
                <li class={classes!("stage", stage.bad.then_some("bad"), (Some(stage.record) == props.selected).then_some("current"))}
                    data-record={stage.record.to_string()}>
                    <button type="button" {onclick}>
                        <span class="stage-title">{ &stage.title }</span>
                        <span class="stage-detail">{ &stage.detail }</span>
                    </button>
                </li>
            }
        });
        html! { <ol class="journey" id="journey" aria-label="The packet's journey">{ for items }</ol> }
    };
    html! {
        <section class="traffic-panel" aria-label="Traffic">
            <h2>{ format!("Send traffic through the tunnel at {}", format_time(now)) }</h2>
            <p class="muted">
                { "Each button adds the action to the scenario a millisecond after this step (see Edit), runs it again and goes to the first ESP packet it makes." }
            </p>
            <div class="traffic-buttons">{ for buttons }</div>
            { journey_view }
            <Inspector lab={lab.clone()} selected={props.selected} field={props.field} dispatch={props.dispatch.clone()} />
        </section>
    }
}
