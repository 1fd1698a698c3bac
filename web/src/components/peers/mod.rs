//! Peers: what each peer holds at the step played, side by side: its IKE SAs and
//! CHILD SAs (SPIs, algorithms, lifetimes left, ESP counters, the anti-replay
//! window), and the decisions it took so far with their reasons. A click on a
//! decision, an SA's end or a refused packet selects its record.
//!
//! Everything comes from `model::peers`, built once per run (`use_memo`) and
//! folded to the step on each repaint.

use yew::prelude::*;

use super::PanelProps;
use crate::model::lines::format_time;
use crate::model::peers::{
    ChildSaState, Deadline, DeadlineSource, DecisionItem, Ending, FailedChild, IkeSaState,
    PeerState, PeersModel, Phase, REPLAY_CELLS_SHOWN, ReplayView, Traffic, Verdict, WindowSize,
};
use crate::state::{Action, LabState};

/// Selects a record (the inspector, timeline and event list follow).
type Select = Callback<usize>;

#[function_component(Peers)]
pub(crate) fn peers(props: &PanelProps) -> Html {
    let model = use_memo(props.lab.clone(), |lab| PeersModel::new(lab));
    let only_refusals = use_state(|| false);
    let states = model.at(props.step);
    let lab = &props.lab;
    let select: Select = {
        let dispatch: UseReducerDispatcher<LabState> = props.dispatch.clone();
        Callback::from(move |record: usize| dispatch.dispatch(Action::SelectRecord(record)))
    };
    let toggle_refusals = {
        let only_refusals = only_refusals.clone();
        Callback::from(move |_: Event| only_refusals.set(!*only_refusals))
    };
    let now = states.first().map_or(0, |p| p.now_us);
    let view = View {
        select,
        selected: props.selected,
        current: props
            .step
            .checked_sub(1)
            .and_then(|i| lab.lines.get(i))
            .map(|l| l.record),
        only_refusals: *only_refusals,
    };
    html! {
        <section class="peers-panel" id="peers-panel" aria-labelledby="peers-title" data-step={props.step.to_string()}>
            <div class="peers-head">
                <h2 id="peers-title">{ "Peers" }</h2>
                <p class="peers-now muted">
                    if props.step == 0 {
                        { "Before the first step: no peer holds anything yet." }
                    } else {
                        { format!("What each peer holds at t = {} (step {} of {}).", format_time(now), props.step, lab.steps()) }
                    }
                </p>
                <label class="decision-filter">
                    <input type="checkbox" checked={*only_refusals} onchange={toggle_refusals} />
                    { " Only refused decisions" }
                </label>
            </div>
            if states.is_empty() {
                <p class="muted">{ "This trace records no peer's events." }</p>
            }
            <div class="peer-columns">
                { for states.iter().map(|peer| {
                    let lane = if peer.name == lab.lanes.left {
                        "lane-left"
                    } else if peer.name == lab.lanes.right {
                        "lane-right"
                    } else {
                        "lane-third"
                    };
                    view.peer(peer, lane)
                }) }
            </div>
        </section>
    }
}

/// What every part of the panel needs to draw itself.
struct View {
    select: Select,
    selected: Option<usize>,
    /// The record of the line just played.
    current: Option<usize>,
    only_refusals: bool,
}

impl View {
    fn peer(&self, peer: &PeerState, lane: &'static str) -> Html {
        let title_id = format!("peer-{}-title", peer.name);
        let (live, ended): (Vec<&IkeSaState>, Vec<&IkeSaState>) =
            peer.ike_sas.iter().partition(|s| s.phase != Phase::Ended);
        let refusals = peer
            .decisions
            .iter()
            .filter(|d| d.verdict == Verdict::Refused)
            .count();
        let decisions: Vec<&DecisionItem> = peer
            .decisions
            .iter()
            .filter(|d| !self.only_refusals || d.verdict == Verdict::Refused)
            .collect();
        html! {
            <article class={classes!("peer-column", lane)} data-peer={peer.name.clone()} aria-labelledby={title_id.clone()}>
                <h3 id={title_id} class="peer-name">{ &peer.name }</h3>
                <section class="peer-sas" aria-label={format!("{}'s security associations", peer.name)}>
                    <h4>{ "Security associations" }</h4>
                    if peer.ike_sas.is_empty() && peer.loose_children.is_empty() {
                        <p class="muted empty-sas">{ "No IKE SA yet." }</p>
                    }
                    { for live.iter().map(|sa| self.ike_sa(sa, peer.now_us)) }
                    { for peer.loose_children.iter().map(|c| self.child_sa(c, peer.now_us)) }
                    if !ended.is_empty() {
                        <details class="ended-sas">
                            <summary>{ format!("Ended IKE SAs ({})", ended.len()) }</summary>
                            { for ended.iter().map(|sa| self.ike_sa(sa, peer.now_us)) }
                        </details>
                    }
                    if !peer.failed_children.is_empty() {
                        <ul class="failed-children" aria-label="CHILD SAs not created">
                            { for peer.failed_children.iter().map(|f| self.failed_child(f)) }
                        </ul>
                    }
                </section>
                <section class="peer-decisions" aria-label={format!("{}'s decisions", peer.name)}>
                    <h4>
                        { format!("Decisions ({})", peer.decisions.len()) }
                        if refusals > 0 {
                            <span class="refusal-count">{ format!(" · {refusals} refused") }</span>
                        }
                    </h4>
                    if decisions.is_empty() {
                        <p class="muted">{
                            if peer.decisions.is_empty() { "No decision yet." } else { "No refusal so far." }
                        }</p>
                    } else {
                        <ol class="decision-list">
                            { for decisions.iter().map(|d| self.decision(d)) }
                        </ol>
                    }
                </section>
            </article>
        }
    }

    fn ike_sa(&self, sa: &IkeSaState, now: u64) -> Html {
        let (live_children, ended_children): (Vec<&ChildSaState>, Vec<&ChildSaState>) = sa
            .children
            .iter()
            .partition(|c| c.phase() != Phase::Ended || sa.phase == Phase::Ended);
        let role = match sa.initiator {
            Some(true) => "we initiated it",
            Some(false) => "the peer initiated it",
            None => "",
        };
        let title_id = format!("ike-sa-{}-{}", sa.id, sa.record);
        html! {
            <div class={classes!("sa-card", "ike-sa", format!("phase-{}", sa.phase.name()))}
                 data-sa="ike" data-ike-sa={sa.id.to_string()} data-spi={sa.spi_i.clone()}
                 data-spi-r={sa.spi_r.clone()} data-phase={sa.phase.name()}
                 role="group" aria-labelledby={title_id.clone()}>
                <div class="sa-head">
                    <h5 id={title_id}>{ format!("IKE SA #{}", sa.id) }</h5>
                    { phase_badge(sa.phase) }
                    <span class="muted sa-role">{ role }</span>
                </div>
                <dl class="sa-facts">
                    <dt>{ "SPIs" }</dt>
                    <dd>
                        <code class="spi" title="the initiator's SPI">{ &sa.spi_i }</code>{ " i · " }
                        <code class="spi" title="the responder's SPI">{ &sa.spi_r }</code>{ " r" }
                    </dd>
                    <dt>{ "State" }</dt>
                    <dd class="sa-state">{ &sa.state }</dd>
                    if let Some(proposal) = &sa.proposal {
                        <dt>{ "Algorithms" }</dt>
                        <dd><code class="proposal">{ proposal }</code></dd>
                    }
                    if let (Some(local), Some(remote)) = (&sa.local, &sa.remote) {
                        <dt>{ "Addresses" }</dt>
                        <dd><code>{ local }</code>{ " ↔ " }<code>{ remote }</code>
                            if sa.udp_encap { { " (in UDP 4500)" } }
                        </dd>
                    }
                    if let (Some(local), Some(remote)) = (&sa.local_id, &sa.remote_id) {
                        <dt>{ "Identities" }</dt>
                        <dd>{ format!("we are '{local}', the peer is '{remote}'") }</dd>
                    }
                    if !sa.virtual_ips.is_empty() {
                        <dt>{ "Virtual IP" }</dt>
                        <dd><code>{ sa.virtual_ips.join(", ") }</code></dd>
                    }
                    if sa.next_request_id.is_some() || sa.peer_next_request_id.is_some() {
                        <dt title="RFC 7296 §2.2: each side numbers its own requests">{ "Message IDs" }</dt>
                        <dd class="message-ids">{ message_ids(sa) }</dd>
                    }
                    if let Some(up) = sa.up_us {
                        <dt>{ "Up since" }</dt>
                        <dd>{ format!("t = {}", format_time(up)) }
                            if let Some(old) = sa.replaces { { format!(", replacing IKE SA #{old}") } }
                        </dd>
                    }
                    if let Some(exchange) = &sa.exchange {
                        <dt>{ "Waiting for" }</dt>
                        <dd class="exchange">{ exchange }</dd>
                    }
                </dl>
                { lifetime("Rekey", "rekey", sa.rekey, now) }
                { lifetime(if sa.phase == Phase::Opening { "Dropped" } else { "Expires" }, "expire", sa.expire, now) }
                { for sa.replaced_by.as_ref().map(|e| self.ending("replaced", e)) }
                { for sa.ended.as_ref().map(|e| self.ending("ended", e)) }
                if !sa.children.is_empty() {
                    <div class="child-sas">
                        { for live_children.iter().map(|c| self.child_sa(c, now)) }
                        if !ended_children.is_empty() {
                            <details class="ended-sas">
                                <summary>{ format!("Ended CHILD SAs ({})", ended_children.len()) }</summary>
                                { for ended_children.iter().map(|c| self.child_sa(c, now)) }
                            </details>
                        }
                    </div>
                }
            </div>
        }
    }

    fn child_sa(&self, child: &ChildSaState, now: u64) -> Html {
        let phase = child.phase();
        let title_id = format!("child-sa-{}-{}", child.id, child.record);
        let mut transport = format!("ESP in {} mode", child.mode);
        if child.udp_encap {
            transport.push_str(", in UDP 4500");
        }
        if child.esn {
            transport.push_str(", 64-bit sequence numbers (ESN)");
        }
        html! {
            <div class={classes!("sa-card", "child-sa", format!("phase-{}", phase.name()))}
                 data-sa="child" data-child-sa={child.id.to_string()}
                 data-spi={format!("0x{:08x}", child.spi_in)} data-spi-out={format!("0x{:08x}", child.spi_out)}
                 data-phase={phase.name()} role="group" aria-labelledby={title_id.clone()}>
                <div class="sa-head">
                    <h6 id={title_id}>{ format!("CHILD SA {} #{}", child.name, child.id) }</h6>
                    { phase_badge(phase) }
                </div>
                <dl class="sa-facts">
                    <dt>{ "SPIs" }</dt>
                    <dd>
                        <code class="spi" title="on the packets the peer sends us">{ format!("0x{:08x}", child.spi_in) }</code>{ " in · " }
                        <code class="spi" title="on the packets we send">{ format!("0x{:08x}", child.spi_out) }</code>{ " out" }
                    </dd>
                    <dt>{ "Protocol" }</dt>
                    <dd>{ transport }</dd>
                    <dt>{ "Algorithms" }</dt>
                    <dd><code class="proposal">{ &child.proposal }</code></dd>
                    <dt>{ "Traffic" }</dt>
                    <dd><code>{ child.local_ts.join(" ") }</code>{ " ⇄ " }<code>{ child.remote_ts.join(" ") }</code></dd>
                    <dt>{ "Up since" }</dt>
                    <dd>{ format!("t = {}", format_time(child.up_us)) }
                        if let Some(old) = child.replaces { { format!(", replacing CHILD SA #{old}") } }
                    </dd>
                </dl>
                { lifetime("Rekey", "rekey", child.rekey, now) }
                { lifetime("Expires", "expire", child.expire, now) }
                { counters(child) }
                { replay_window(&child.replay) }
                if !child.refused.is_empty() {
                    <ul class="refused-packets" aria-label="Packets refused">
                        { for child.refused.iter().map(|p| {
                            let select = self.select.clone();
                            let record = p.record;
                            html! {
                                <li data-kind={p.kind} data-record={record.to_string()}>
                                    <button type="button" class="link" onclick={Callback::from(move |_: MouseEvent| select.emit(record))}>
                                        { format!("✖ refused seq {}: {}", p.sequence, p.reason) }
                                    </button>
                                </li>
                            }
                        }) }
                    </ul>
                }
                { for child.limits.iter().map(|l| html! { <p class="sa-note limit">{ format!("⚠ {l}") }</p> }) }
                { for child.replaced_by.as_ref().map(|e| self.ending("replaced", e)) }
                { for child.ended.as_ref().map(|e| self.ending("ended", e)) }
            </div>
        }
    }

    /// Why an SA ended or was replaced; a click selects the record that says so.
    fn ending(&self, kind: &'static str, ending: &Ending) -> Html {
        let select = self.select.clone();
        let record = ending.record;
        let label = if kind == "ended" { "Ended" } else { "Replaced" };
        html! {
            <p class={classes!("sa-note", kind)} data-record={record.to_string()}>
                <button type="button" class="link" onclick={Callback::from(move |_: MouseEvent| select.emit(record))}>
                    { format!("{label} at t = {}: {}", format_time(ending.t_us), ending.text) }
                </button>
            </p>
        }
    }

    fn failed_child(&self, failed: &FailedChild) -> Html {
        let select = self.select.clone();
        let record = failed.record;
        html! {
            <li class="failed-child" data-record={record.to_string()}>
                <button type="button" class="link" onclick={Callback::from(move |_: MouseEvent| select.emit(record))}>
                    { format!("✖ CHILD SA {} not created{} at t = {}: {}", failed.name,
                              failed.ike_sa.map(|id| format!(" in IKE SA #{id}")).unwrap_or_default(),
                              format_time(failed.t_us), failed.reason) }
                </button>
            </li>
        }
    }

    fn decision(&self, decision: &DecisionItem) -> Html {
        let select = self.select.clone();
        let record = decision.record;
        let (icon, word) = match decision.verdict {
            Verdict::Accepted => ("✓", "accepted"),
            Verdict::Refused => ("✖", "refused"),
            Verdict::Noted => ("•", "noted"),
        };
        let selected = self.selected == Some(record);
        html! {
            <li class={classes!("decision", format!("verdict-{}", decision.verdict.name()),
                                selected.then_some("selected"), (self.current == Some(record)).then_some("current"))}
                data-record={record.to_string()} data-verdict={decision.verdict.name()} data-topic={decision.topic.label()}>
                <button type="button" class="decision-row" aria-current={selected.then_some("true")}
                        onclick={Callback::from(move |_: MouseEvent| select.emit(record))}>
                    <span class="verdict"><span aria-hidden="true">{ icon }</span>{ format!(" {word}") }</span>
                    <span class="topic">{ decision.topic.label() }</span>
                    <span class="t">{ format!("t = {}", format_time(decision.t_us)) }</span>
                    <span class="reason">{ &decision.text }</span>
                </button>
                if !decision.details.is_empty() {
                    <details class="decision-details">
                        <summary>{ format!("What was checked and not taken ({})", decision.details.len()) }</summary>
                        <ul>{ for decision.details.iter().map(|d| html! { <li>{ d }</li> }) }</ul>
                    </details>
                }
            </li>
        }
    }
}

fn phase_badge(phase: Phase) -> Html {
    let words = match phase {
        Phase::Opening => "being set up",
        Phase::Up => "up",
        Phase::Replaced => "replaced, being deleted",
        Phase::Ended => "ended",
    };
    html! { <span class={classes!("phase-badge", phase.name())}>{ words }</span> }
}

fn message_ids(sa: &IkeSaState) -> String {
    let ours = sa
        .next_request_id
        .map(|id| format!("our next request is {id}"));
    let theirs = sa
        .peer_next_request_id
        .map(|id| format!("the peer's next request should be {id}"));
    [ours, theirs]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("; ")
}

/// A lifetime as a bar of what is left and a sentence saying when it runs out and
/// how that is known.
fn lifetime(label: &str, kind: &'static str, deadline: Option<Deadline>, now: u64) -> Html {
    let Some(deadline) = deadline else {
        return Html::default();
    };
    let left = deadline.fraction_left(now);
    let how = match (deadline.source, deadline.is_exact()) {
        (DeadlineSource::Timer, _) => {
            format!(
                "the engine's timer is set for t = {}",
                format_time(deadline.latest_us)
            )
        }
        (DeadlineSource::Configuration, true) => {
            format!(
                "from the configuration: t = {}",
                format_time(deadline.latest_us)
            )
        }
        (DeadlineSource::Configuration, false) => format!(
            "from the configuration: between t = {} and {} (a random part of up to rand_time is taken off)",
            format_time(deadline.earliest_us),
            format_time(deadline.latest_us)
        ),
    };
    let source = match deadline.source {
        DeadlineSource::Timer => "timer",
        DeadlineSource::Configuration => "configuration",
    };
    html! {
        <div class={classes!("lifetime", deadline.passed(now).then_some("passed"))} data-lifetime={kind} data-source={source}>
            <span class="lifetime-label">{ label }</span>
            <span class="lifetime-bar" aria-hidden="true">
                <span class="lifetime-left-bar" style={format!("width: {:.1}%", left * 100.0)}></span>
            </span>
            <span class="lifetime-left">{ deadline.left_text(now) }</span>
            <span class="lifetime-how muted">{ how }</span>
        </div>
    }
}

fn counters(child: &ChildSaState) -> Html {
    let row = |direction: &'static str, words: &'static str, traffic: &Traffic| {
        html! {
            <tr data-direction={direction}>
                <th scope="row">{ words }</th>
                <td class="packets">{ traffic.packets }</td>
                <td class="bytes">{ traffic.esp_bytes }</td>
                <td class="highest">{ traffic.highest_sequence }</td>
            </tr>
        }
    };
    html! {
        <table class="counters">
            <caption class="visually-hidden">{ "ESP packets sealed and opened" }</caption>
            <thead>
                <tr>
                    <td></td>
                    <th scope="col">{ "packets" }</th>
                    <th scope="col" title="octets of the ESP packets, SPI to ICV">{ "ESP bytes" }</th>
                    <th scope="col">{ "highest seq" }</th>
                </tr>
            </thead>
            <tbody>
                { row("sent", "sent (sealed)", &child.sealed) }
                { row("received", "received (opened)", &child.opened) }
            </tbody>
        </table>
    }
}

/// RFC 4303 §3.4.3: the receiver remembers which of the last N sequence numbers up
/// to the highest one (the right edge) it has received; a duplicate or a number
/// left of the window is dropped before decryption.
fn replay_window(window: &ReplayView) -> Html {
    if window.size == 0 {
        return html! {
            <div class="replay-window disabled" data-size="0" data-right-edge={window.right_edge.to_string()}>
                <p class="muted">{ "Replay check disabled (replay_window = 0): every sequence number is accepted." }</p>
            </div>
        };
    }
    let received: Vec<String> = window
        .cells
        .iter()
        .filter(|c| c.received)
        .filter_map(|c| c.sequence.map(|s| s.to_string()))
        .collect();
    let refused: Vec<String> = window
        .cells
        .iter()
        .filter(|c| c.refused)
        .filter_map(|c| c.sequence.map(|s| s.to_string()))
        .collect();
    let mut summary = format!(
        "Anti-replay window of {} packets, right edge {}. Received: {}.",
        window.size,
        window.right_edge,
        if received.is_empty() {
            "none yet".to_owned()
        } else {
            received.join(", ")
        }
    );
    if !refused.is_empty() {
        summary.push_str(&format!(" Refused as replays: {}.", refused.join(", ")));
    }
    let last = window.cells.len().saturating_sub(1);
    html! {
        <div class="replay-window" data-size={window.size.to_string()} data-right-edge={window.right_edge.to_string()}>
            <p class="replay-caption">
                { format!("Anti-replay window: {} packets, right edge ", window.size) }
                <code class="right-edge">{ window.right_edge }</code>
                if window.size > REPLAY_CELLS_SHOWN {
                    { format!(" (the last {REPLAY_CELLS_SHOWN} shown)") }
                }
                if window.size_from == WindowSize::Default {
                    <span class="muted">{ " · size not in the trace: swanctl's default" }</span>
                }
            </p>
            <p class="visually-hidden">{ summary }</p>
            <ol class="replay-cells" aria-hidden="true">
                { for window.cells.iter().enumerate().map(|(index, cell)| {
                    let state = match (cell.sequence, cell.received) {
                        (None, _) => "before",
                        (Some(_), true) => "received",
                        (Some(_), false) => "missing",
                    };
                    let title = cell.sequence.map_or_else(
                        || "no packet can have a number below 1".to_owned(),
                        |s| format!("{s}: {}{}", if cell.received { "received" } else { "not received" },
                                    if cell.refused { ", a replay of it refused" } else { "" }),
                    );
                    html! {
                        <li class={classes!("replay-cell", state, cell.refused.then_some("refused"), (index == last).then_some("right-edge"))}
                            data-seq={cell.sequence.map(|s| s.to_string())} {title}>
                            { if cell.refused { "×" } else { "" } }
                        </li>
                    }
                }) }
            </ol>
            <p class="replay-legend muted" aria-hidden="true">
                <span class="key received"></span>{ " received " }
                <span class="key missing"></span>{ " not received " }
                <span class="key refused">{ "×" }</span>{ " replay refused · the right end is the highest number received" }
            </p>
        </div>
    }
}
