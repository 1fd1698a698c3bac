//! The scenario editor: a form for the keys most lessons change beside the raw TOML,
//! kept in step (both edit one text: `model::edit`). Every change re-runs the
//! scenario with the run's seed; a text that does not run keeps the last good run on
//! screen and shows each problem next to its field, in the engine's words.

mod form;

use std::rc::Rc;

use ikelab_engine::sim::library;
use yew::prelude::*;

use crate::model::Origin;
use crate::model::edit::{Draft, Problem};
use crate::state::{Action, LabRef, LabState};

#[derive(Properties, PartialEq)]
pub(crate) struct EditorProps {
    pub(crate) lab: LabRef,
    pub(crate) edited: Option<Rc<str>>,
    pub(crate) draft: Option<Rc<Draft>>,
    pub(crate) link_secrets: bool,
    pub(crate) dispatch: UseReducerDispatcher<LabState>,
}

/// The text the editor shows: the draft that does not run, else the edited text
/// that does, else the bundled file.
fn current_text(props: &EditorProps) -> Option<String> {
    if let Some(draft) = &props.draft {
        return Some(draft.text.clone());
    }
    if let Some(text) = &props.edited {
        return Some(text.to_string());
    }
    match &props.lab.origin {
        Origin::Scenario { name, .. } => library::text(name).map(str::to_owned),
        Origin::File { .. } => None,
    }
}

#[function_component(Editor)]
pub(crate) fn editor(props: &EditorProps) -> Html {
    let Some(text) = current_text(props) else {
        return html! {
            <section class="editor-panel" aria-label="Edit">
                <h2>{ "Edit" }</h2>
                <p class="muted">{ "A trace file records what happened; it has no scenario to change. Pick a scenario above to edit it." }</p>
            </section>
        };
    };
    let problems: &[Problem] = props.draft.as_ref().map_or(&[], |d| &d.problems);
    let (name, seed) = match &props.lab.origin {
        Origin::Scenario { name, seed } => (name.clone(), *seed),
        Origin::File { .. } => (String::new(), 0),
    };
    let on_text = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let area: web_sys::HtmlTextAreaElement = e.target_unchecked_into();
            dispatch.dispatch(Action::Edit(area.value()));
        })
    };
    let on_revert = {
        let dispatch = props.dispatch.clone();
        let name = name.clone();
        Callback::from(move |_| {
            dispatch.dispatch(Action::Revert {
                name: name.clone(),
                seed,
            })
        })
    };
    let save_problem = use_state(|| None::<String>);
    let on_save = {
        let text = props
            .edited
            .as_ref()
            .map(|t| t.to_string())
            .or_else(|| library::text(&name).map(str::to_owned));
        let file = format!("{name}.toml");
        let save_problem = save_problem.clone();
        Callback::from(move |_| {
            let outcome = text
                .as_deref()
                .ok_or_else(|| "nothing to save".to_owned())
                .and_then(|t| {
                    crate::components::downloads::save::save(
                        &file,
                        "application/toml",
                        t.as_bytes(),
                    )
                });
            save_problem.set(outcome.err());
        })
    };
    let on_secrets = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            dispatch.dispatch(Action::LinkSecrets(input.checked()));
        })
    };
    let status = if problems.is_empty() {
        html! {
            <p class="edit-status runs" id="edit-status" aria-live="polite">
                { if props.edited.is_some() {
                    format!("Edited: the timeline shows this text's run (seed {seed}).")
                } else {
                    format!("The bundled scenario as it is. Change anything: the run follows (seed {seed}).")
                } }
            </p>
        }
    } else {
        html! {
            <p class="edit-status stale" id="edit-status" aria-live="polite">
                { format!(
                    "This text does not run ({} {}): the timeline still shows the last run that did.",
                    problems.len(),
                    if problems.len() == 1 { "problem" } else { "problems" }
                ) }
            </p>
        }
    };
    let outcome = outcome(&props.lab);
    let raw_problems = problems.iter().map(|p| {
        let at = match (&p.path, p.line) {
            (Some(path), Some(line)) => format!("line {line}, {path}: "),
            (Some(path), None) => format!("{path}: "),
            (None, Some(line)) => format!("line {line}: "),
            (None, None) => String::new(),
        };
        html! { <li>{ at }{ &p.message }</li> }
    });
    html! {
        <section class="editor-panel" aria-label="Edit">
            <div class="editor-head">
                <h2>{ "Edit the scenario" }</h2>
                { status }
                <div class="editor-actions">
                    <button type="button" id="edit-save" onclick={on_save}
                        title="ikelab sim FILE.toml --seed N plays it to the same trace">
                        { format!("Save {name}.toml") }
                    </button>
                    <button type="button" id="edit-revert" onclick={on_revert}
                        disabled={props.edited.is_none() && props.draft.is_none()}>
                        { "Back to the bundled scenario" }
                    </button>
                    <label class="check">
                        <input type="checkbox" id="edit-link-secrets" checked={props.link_secrets} onchange={on_secrets} />
                        { "Put the pre-shared keys in the page's link" }
                    </label>
                </div>
                if let Some(problem) = &*save_problem {
                    <p class="problem" role="alert">{ problem }</p>
                }
                { outcome }
            </div>
            <div class="editor-body">
                <form::Form text={text.clone()} problems={props.draft.clone()} dispatch={props.dispatch.clone()} />
                <div class="raw-toml">
                    <label for="edit-toml">{ "The scenario file (TOML)" }</label>
                    <textarea id="edit-toml" spellcheck="false" autocomplete="off" wrap="off"
                        aria-describedby="edit-toml-problems"
                        value={text} oninput={on_text} />
                    <ul id="edit-toml-problems" class="raw-problems" aria-live="polite">{ for raw_problems }</ul>
                </div>
            </div>
        </section>
    }
}

/// How the run on screen ended, in the words of the why panel: the failure with the
/// engine's reason, or what came up.
fn outcome(lab: &LabRef) -> Html {
    use ikelab_engine::event::EventKind;
    if let Some(failure) = &lab.failure {
        let refusals = proposal_refusals(lab);
        return html! {
            <div class="edit-outcome failed" id="edit-outcome" role="status">
                <p class="failure-title">
                    <span aria-hidden="true">{ "✖ " }</span>
                    { match &failure.notify {
                        Some(n) => format!("The run fails: {n}"),
                        None => "The run fails".to_owned(),
                    } }
                </p>
                <p class="failure-reason">{ format!("{}: {}", failure.peer, failure.reason) }</p>
                { for refusals.iter().map(|(peer, text)| html! {
                    <p class="refusal">{ format!("Why: {peer} found {text}") }</p>
                }) }
            </div>
        };
    }
    // What each peer set up (a rekey sets up another).
    let mut up: Vec<(String, usize, usize)> = Vec::new();
    for record in &lab.trace.records {
        let Some(event) = record.event() else {
            continue;
        };
        let (ike, child) = match event.kind {
            EventKind::IkeSaUp(_) => (1, 0),
            EventKind::ChildSaUp(_) => (0, 1),
            _ => continue,
        };
        match up.iter_mut().find(|(peer, ..)| *peer == record.peer) {
            Some(entry) => {
                entry.1 += ike;
                entry.2 += child;
            }
            None => up.push((record.peer.clone(), ike, child)),
        }
    }
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let told = if up.is_empty() {
        "no SA was set up".to_owned()
    } else {
        up.iter()
            .map(|(peer, ike, child)| {
                format!(
                    "the {peer} set up {} and {}",
                    plural(*ike, "IKE SA"),
                    plural(*child, "CHILD SA")
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    html! {
        <div class="edit-outcome" id="edit-outcome" role="status">
            <p>{ format!("✔ The run ends without a failure: {told}.") }</p>
        </div>
    }
}

/// Each proposal selection that chose nothing (NO_PROPOSAL_CHOSEN, RFC 7296
/// §3.10.1), with the engine's account of every transform it refused.
fn proposal_refusals(lab: &LabRef) -> Vec<(String, String)> {
    use ikelab_engine::event::{Decision, EventKind};
    lab.trace
        .records
        .iter()
        .filter_map(|r| {
            let event = r.event()?;
            let refused = match &event.kind {
                EventKind::Decision(Decision::IkeProposal(report)) => report.chosen.is_none(),
                EventKind::Decision(Decision::ChildProposal { report, .. }) => {
                    report.chosen.is_none()
                }
                _ => false,
            };
            refused.then(|| (r.peer.clone(), event.describe()))
        })
        .collect()
}
