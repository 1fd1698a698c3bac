//! Why: the current step's decisions and state changes in the engine's words, and at
//! the end of a failure scenario, the reason it failed.

use yew::prelude::*;

use crate::model::why::{WhyKind, why};
use crate::state::LabRef;

#[derive(Properties, PartialEq)]
pub(crate) struct WhyProps {
    pub(crate) lab: LabRef,
    pub(crate) step: usize,
}

#[function_component(Why)]
pub(crate) fn why_panel(props: &WhyProps) -> Html {
    let lab = &props.lab;
    let current = props.step.checked_sub(1);
    let items = current
        .map(|line| why(&lab.trace, &lab.lines, line))
        .unwrap_or_default();
    let at_end = props.step >= lab.steps();
    let current_record = current.and_then(|i| lab.lines.get(i)).map(|l| l.record);
    let moment = current.and_then(|i| lab.lines.get(i)).map(|l| {
        format!(
            "What {} did at {}",
            l.peer,
            crate::model::lines::format_time(l.t_us)
        )
    });
    html! {
        <section class="why" aria-label="Why">
            <h2>{ "Why" }</h2>
            <div class="failure-slot">
                if let Some(failure) = lab.failure.as_ref().filter(|_| at_end) {
                    <div class="failure" id="failure" role="status">
                        <p class="failure-title">
                            <span aria-hidden="true">{ "✖ " }</span>
                            { match &failure.notify {
                                Some(n) => format!("Failed: {n}"),
                                None => "Failed".to_owned(),
                            } }
                        </p>
                        <p class="failure-reason">{ format!("{}: {}", failure.peer, failure.reason) }</p>
                    </div>
                }
            </div>
            <h3 hidden={moment.is_none()}>{ moment.unwrap_or_default() }</h3>
            <p class="muted" hidden={!items.is_empty()}>{ if props.step == 0 { "Nothing has happened yet." } else { "Nothing to decide at this step: the network carried a datagram." } }</p>
            <ul class="why-items">
                { for items.iter().map(|item| {
                    let (class, icon) = match item.kind {
                        WhyKind::Message => ("msg", "✉"),
                        WhyKind::Decision => ("decision", "◆"),
                        WhyKind::State => ("state", "●"),
                        WhyKind::Up => ("up", "▲"),
                        WhyKind::Down => ("down", "▼"),
                    };
                    html! {
                        <li class={classes!(class, (Some(item.record) == current_record).then_some("current"))}>
                            <span class="icon" aria-hidden="true">{ icon }</span>{ " " }{ &item.text }
                        </li>
                    }
                }) }
            </ul>
        </section>
    }
}
