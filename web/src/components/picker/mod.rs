//! The scenario picker: every bundled scenario with its title and teaching text, a
//! seed, and a trace file to replay (picker or drop).

mod file;

use yew::prelude::*;

use crate::model::Origin;
use crate::model::run::scenario_list;
use crate::state::{Action, LabRef, LabState};

#[derive(Properties, PartialEq)]
pub(crate) struct PickerProps {
    pub(crate) lab: LabRef,
    pub(crate) problem: Option<String>,
    pub(crate) dispatch: UseReducerDispatcher<LabState>,
}

#[function_component(Picker)]
pub(crate) fn picker(props: &PickerProps) -> Html {
    let list = use_memo((), |()| scenario_list());
    let (current, seed) = match &props.lab.origin {
        Origin::Scenario { name, seed } => (name.clone(), Some(*seed)),
        Origin::File { .. } => (String::new(), None),
    };
    let on_scenario = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            let name = select.value();
            let seed = crate::model::run::seed_or_default(None, &name);
            dispatch.dispatch(Action::Open {
                name,
                seed,
                step: 0,
            });
        })
    };
    let on_seed = {
        let dispatch = props.dispatch.clone();
        let current = current.clone();
        let list = list.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let name = if current.is_empty() {
                list.first().map(|(n, _)| n.clone()).unwrap_or_default()
            } else {
                current.clone()
            };
            match input.value().trim().parse::<u64>() {
                Ok(seed) => dispatch.dispatch(Action::Open {
                    name,
                    seed,
                    step: 0,
                }),
                Err(_) => dispatch.dispatch(Action::OpenFile(Err(format!(
                    "The seed must be a whole number from 0 to {}.",
                    u64::MAX
                )))),
            }
        })
    };
    let about = match &props.lab.origin {
        Origin::Scenario { .. } => html! {
            <div class="about-run" tabindex="0">
                <p class="scenario-title">{ props.lab.title.clone().unwrap_or_default() }</p>
                <p class="teaching">{ props.lab.teaching.clone().unwrap_or_default() }</p>
            </div>
        },
        Origin::File { name, source } => html! {
            <div class="about-run" tabindex="0">
                <p class="scenario-title">{ format!("Replaying {name}") }</p>
                <p class="teaching">{ format!("A trace written by {}: {} records.", match source {
                    ikelab_engine::trace::TraceSource::Sim => "the simulator (ikelab sim --trace)",
                    ikelab_engine::trace::TraceSource::Bridge => "the bridge (one real peer and what crossed its sockets)",
                }, props.lab.trace.records.len()) }</p>
            </div>
        },
    };
    let dismiss = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_| dispatch.dispatch(Action::Dismiss))
    };
    html! {
        <section class="picker" aria-label="Scenario">
            <div class="picker-row">
                <label class="field">
                    <span>{ "Scenario" }</span>
                    <select id="scenario" onchange={on_scenario}>
                        <option value="" hidden={!current.is_empty()} disabled={!current.is_empty()} selected={current.is_empty()}>{ "(a trace file)" }</option>
                        { for list.iter().map(|(name, title)| html! {
                            <option value={name.clone()} selected={*name == current}>
                                { format!("{name} — {title}") }
                            </option>
                        }) }
                    </select>
                </label>
                <label class="field seed">
                    <span>{ "Seed" }</span>
                    <input id="seed" type="number" min="0" inputmode="numeric"
                        value={seed.map(|s| s.to_string()).unwrap_or_default()}
                        onchange={on_seed} />
                </label>
                <file::TraceFile dispatch={props.dispatch.clone()} />
            </div>
            { about }
            <div class="problem-slot">
                if let Some(problem) = &props.problem {
                    <div class="problem" role="alert" id="problem">
                        <p>{ problem }</p>
                        <button type="button" onclick={dismiss}>{ "Dismiss" }</button>
                    </div>
                }
            </div>
        </section>
    }
}
