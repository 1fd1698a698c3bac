//! The inspector: the selected message's dissection tree beside its hex view.
//! Hovering or selecting a field highlights its bytes; clicking a byte selects the
//! innermost field that covers it.

mod hex;
mod tree;

use yew::prelude::*;

use crate::model::dissection::{MessageView, message_view};
use crate::state::{Action, LabRef, LabState};

#[derive(Properties, PartialEq)]
pub(crate) struct InspectorProps {
    pub(crate) lab: LabRef,
    pub(crate) selected: Option<usize>,
    pub(crate) field: Option<usize>,
    pub(crate) dispatch: UseReducerDispatcher<LabState>,
}

/// The message at or before `record` (the inspector follows the story).
fn inspected(lab: &LabRef, record: Option<usize>) -> Option<MessageView> {
    let record = record?;
    (0..=record).rev().find_map(|i| message_view(&lab.trace, i))
}

#[function_component(Inspector)]
pub(crate) fn inspector(props: &InspectorProps) -> Html {
    let view = use_memo((props.lab.clone(), props.selected), |(lab, selected)| {
        inspected(lab, *selected)
    });
    let hovered = use_state(|| None::<usize>);
    let Some(view) = view.as_ref() else {
        return html! {
            <section class="inspector" aria-label="Inspector">
                <h2>{ "Inspector" }</h2>
                <p class="muted">{ "Step forward or click a message: its bytes and every field appear here." }</p>
            </section>
        };
    };
    let field = props.field.filter(|f| *f < view.fields.len());
    let active = (*hovered).or(field);
    let select = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |f: Option<usize>| dispatch.dispatch(Action::SelectField(f)))
    };
    let hover = {
        let hovered = hovered.clone();
        Callback::from(move |f: Option<usize>| hovered.set(f))
    };
    let detail = active.and_then(|f| view.fields.get(f)).map_or_else(|| html! {
        <div class="field-detail empty">
            <p>{ "Hover or click a field (or a byte) to see its value, what it means and where the RFC defines it." }</p>
        </div>
    }, |f| html! {
        <div class="field-detail" id="field-detail" aria-live="polite">
            <p class="field-name">{ &f.name }{ ": " }<span class="field-value">{ &f.value }</span></p>
            <p class="field-meaning">{ &f.meaning }</p>
            <p class="field-rfc">{ &f.rfc }{ format!(" · octets {}–{}", f.range.start, f.range.end.saturating_sub(1)) }</p>
        </div>
    });
    html! {
        <section class="inspector" aria-label="Inspector" data-record={view.record.to_string()}>
            <h2 id="inspector-title">{ &view.title }</h2>
            <div class="detail-slot">
                { for view.error.as_ref().map(|error| html! {
                    <p class="problem">{ format!("The message does not parse: {error}") }</p>
                }) }
                { detail }
            </div>
            <div class="inspector-body">
                <tree::Tree fields={view.fields.clone()} selected={field} active={active} select={select.clone()} hover={hover.clone()} />
                <hex::Hex buffers={view.buffers.clone()} fields={view.fields.clone()} active={active} {select} />
            </div>
        </section>
    }
}
