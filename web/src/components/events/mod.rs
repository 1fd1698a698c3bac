//! The event list: every record as one transcript line, filterable by peer and kind,
//! in step with the timeline; a click jumps to that moment.

use std::collections::BTreeSet;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::model::lines::{LineKind, format_time};
use crate::state::{Action, LabRef, LabState};

#[derive(Properties, PartialEq)]
pub(crate) struct EventListProps {
    pub(crate) lab: LabRef,
    pub(crate) step: usize,
    pub(crate) selected: Option<usize>,
    /// Records a panel lights up (`LabState::highlighted`).
    pub(crate) highlighted: Option<std::rc::Rc<[usize]>>,
    pub(crate) hidden_peers: BTreeSet<String>,
    pub(crate) hidden_kinds: BTreeSet<&'static str>,
    pub(crate) dispatch: UseReducerDispatcher<LabState>,
}

#[function_component(EventList)]
pub(crate) fn event_list(props: &EventListProps) -> Html {
    let list_ref = use_node_ref();
    {
        let list_ref = list_ref.clone();
        use_effect_with(props.step, move |step| {
            let current = list_ref.cast::<web_sys::Element>().and_then(|list| {
                list.query_selector(&format!("[data-line=\"{}\"]", step.saturating_sub(1)))
                    .ok()
                    .flatten()
            });
            if let (Some(line), Some(list)) = (current, list_ref.cast::<web_sys::HtmlElement>())
                && let Some(line) = line.dyn_ref::<web_sys::HtmlElement>()
            {
                // The list is the line's offset parent (position: relative).
                let top = line.offset_top();
                let visible = top >= list.scroll_top()
                    && top + line.offset_height() <= list.scroll_top() + list.client_height();
                if !visible {
                    list.set_scroll_top((top - list.client_height() / 2).max(0));
                }
            }
        });
    }
    let mut peers: Vec<String> = Vec::new();
    for line in &props.lab.lines {
        if !peers.contains(&line.peer) {
            peers.push(line.peer.clone());
        }
    }
    let peer_filters = peers.iter().map(|peer| {
        let dispatch = props.dispatch.clone();
        let name = peer.clone();
        let onchange =
            Callback::from(move |_: Event| dispatch.dispatch(Action::TogglePeer(name.clone())));
        html! {
            <label class="chip">
                <input type="checkbox" checked={!props.hidden_peers.contains(peer)} {onchange} />
                { peer }
            </label>
        }
    });
    let kind_filters = LineKind::ALL.iter().map(|kind| {
        let dispatch = props.dispatch.clone();
        let kind = *kind;
        let onchange = Callback::from(move |_: Event| dispatch.dispatch(Action::ToggleKind(kind)));
        html! {
            <label class="chip">
                <input type="checkbox" checked={!props.hidden_kinds.contains(kind.label())} {onchange} />
                { kind.label() }
            </label>
        }
    });
    let lines = props.lab.lines.iter().enumerate().filter(|(_, l)| {
        !props.hidden_peers.contains(&l.peer) && !props.hidden_kinds.contains(l.kind.label())
    });
    html! {
        <section class="events" aria-label="Event list">
            <h2>{ "Events" }</h2>
            <fieldset class="filters">
                <legend class="visually-hidden">{ "Show" }</legend>
                <div class="chips"><span class="chips-label">{ "Who:" }</span>{ for peer_filters }</div>
                <div class="chips"><span class="chips-label">{ "What:" }</span>{ for kind_filters }</div>
            </fieldset>
            <ol class="event-lines" ref={list_ref} tabindex="0" aria-label="Transcript">
                { for lines.map(|(index, line)| {
                    let dispatch = props.dispatch.clone();
                    let onclick = Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::Seek(index + 1)));
                    let current = index + 1 == props.step;
                    let class = classes!(
                        "event-line",
                        format!("kind-{}", line.kind.label()),
                        format!("peer-{}", line.peer),
                        current.then_some("current"),
                        (index >= props.step).then_some("future"),
                        (props.selected == Some(line.record)).then_some("selected"),
                        crate::state::is_lit(props.highlighted.as_deref(), line.record).then_some("lit"),
                    );
                    html! {
                        <li {class} data-line={index.to_string()} data-record={line.record.to_string()}>
                            <button type="button" {onclick} aria-current={current.then_some("step")}>
                                <span class="t">{ format_time(line.t_us) }</span>
                                <span class="who">{ &line.peer }</span>
                                <span class="what">{ &line.text }</span>
                            </button>
                        </li>
                    }
                }) }
            </ol>
        </section>
    }
}
