//! Playback: restart, step back, play/pause, step forward, speed and a scrubber.

use yew::prelude::*;

use crate::model::lines::format_time;
use crate::state::{Action, LabRef, LabState, SPEEDS};

#[derive(Properties, PartialEq)]
pub(crate) struct ControlsProps {
    pub(crate) lab: LabRef,
    pub(crate) step: usize,
    pub(crate) playing: bool,
    pub(crate) speed: usize,
    pub(crate) dispatch: UseReducerDispatcher<LabState>,
}

#[function_component(Controls)]
pub(crate) fn controls(props: &ControlsProps) -> Html {
    let steps = props.lab.steps();
    let send = |action: Action| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(action.clone()))
    };
    let on_speed = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Ok(index) = select.value().parse() {
                dispatch.dispatch(Action::Speed(index));
            }
        })
    };
    let on_scrub = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            if let Ok(step) = input.value().parse() {
                dispatch.dispatch(Action::Seek(step));
            }
        })
    };
    let now = props
        .step
        .checked_sub(1)
        .and_then(|i| props.lab.lines.get(i))
        .map_or_else(
            || "before the first event".to_owned(),
            |l| format!("t = {}", format_time(l.t_us)),
        );
    let at_end = props.step >= steps;
    html! {
        <section class="controls" aria-label="Playback">
            <button type="button" id="restart" onclick={send(Action::Restart)} title="Restart (Home)">
                <span aria-hidden="true">{ "↺ " }</span>{ "Restart" }
            </button>
            <button type="button" id="step-back" onclick={send(Action::Back)} disabled={props.step == 0} title="Step back (←)">
                <span aria-hidden="true">{ "◀ " }</span>{ "Back" }
            </button>
            <button type="button" id="play" class="primary" onclick={send(Action::TogglePlay)} title="Play or pause (Space)"
                aria-pressed={if props.playing { "true" } else { "false" }}>
                <span aria-hidden="true">{ if props.playing { "❚❚ " } else { "▶ " } }</span>
                { if props.playing { "Pause" } else if at_end { "Replay" } else { "Play" } }
            </button>
            <button type="button" id="step-forward" onclick={send(Action::Forward { by_timer: false })} disabled={at_end} title="Step forward (→)">
                { "Step" }<span aria-hidden="true">{ " ▶" }</span>
            </button>
            <label class="speed">
                <span>{ "Speed" }</span>
                <select id="speed" onchange={on_speed}>
                    { for SPEEDS.iter().enumerate().map(|(i, s)| html! {
                        <option value={i.to_string()} selected={i == props.speed}>{ format!("{s}×") }</option>
                    }) }
                </select>
            </label>
            <label class="scrubber">
                <span class="visually-hidden">{ "Position in the run" }</span>
                <input id="scrubber" type="range" min="0" max={steps.to_string()} value={props.step.to_string()} oninput={on_scrub} />
            </label>
            <output id="step-counter" data-step={props.step.to_string()} data-steps={steps.to_string()} aria-live="polite">
                { format!("Step {} of {steps} · {now}", props.step) }
            </output>
        </section>
    }
}
