//! The Compare panel: the scenario on screen (run A) played again with one change
//! (run B), the two runs' event lines side by side, and the first point where they
//! differ marked and explained (`crate::model::compare` finds it).
//!
//! Run B lives in this panel's own state: it is made on a click (a run takes tens of
//! milliseconds) and forgotten when another run is opened. Clicking a line of run A
//! selects it in the main view.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::PanelProps;
use crate::model::Origin;
use crate::model::compare::{
    Change, ChangedRun, Comparison, NAT_PUBLIC_ADDRESS, RowState, Side, compare, run_changed,
};
use crate::model::lines::{Line, format_time};
use crate::state::{Action, LabRef};

/// The changes the panel offers: the `<select id="compare-change">` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChangeKind {
    Seed,
    Nat,
    PskInitiator,
    PskResponder,
    Proposals,
}

impl ChangeKind {
    const ALL: [Self; 5] = [
        Self::Seed,
        Self::Nat,
        Self::PskInitiator,
        Self::PskResponder,
        Self::Proposals,
    ];

    /// The option's value (stable: browser tests select by it).
    fn id(self) -> &'static str {
        match self {
            Self::Seed => "seed",
            Self::Nat => "nat",
            Self::PskInitiator => "psk-initiator",
            Self::PskResponder => "psk-responder",
            Self::Proposals => "proposal",
        }
    }

    fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.id() == id)
    }

    fn label(self) -> &'static str {
        match self {
            Self::Seed => "Another seed",
            Self::Nat => "NAT in front of the initiator",
            Self::PskInitiator => "The initiator's pre-shared key",
            Self::PskResponder => "The responder's pre-shared key",
            Self::Proposals => "The initiator's IKE proposal",
        }
    }

    /// The value field's label.
    fn value_label(self) -> &'static str {
        match self {
            Self::Seed => "Seed of run B",
            Self::Nat => "NAT in run B",
            Self::PskInitiator | Self::PskResponder => "Pre-shared key in run B",
            Self::Proposals => "Proposal(s) in run B, comma-separated",
        }
    }

    /// A sentence under the field: what the change does.
    fn hint(self) -> String {
        match self {
            Self::Seed => "Another seed draws other SPIs, nonces and keys (and, on a lossy link, \
                           other losses). Random values alone are not a difference."
                .to_owned(),
            Self::Nat => format!(
                "On: the initiator's datagrams leave through a NAT with the public address \
                 {NAT_PUBLIC_ADDRESS} (RFC 7296 §2.23)."
            ),
            Self::PskInitiator | Self::PskResponder => {
                "Both sides must hold the same key, or AUTH does not verify (RFC 7296 §2.15)."
                    .to_owned()
            }
            Self::Proposals => {
                "strongSwan syntax, e.g. aes128-sha256-modp2048 (RFC 7296 §2.7).".to_owned()
            }
        }
    }

    /// The value the field starts with: something that differs from run A where
    /// that is obvious, run A's value where the reader should choose.
    fn initial_value(self, lab: &LabRef) -> String {
        let scenario = lab.scenario.as_deref();
        match self {
            Self::Seed => seed_of(lab).wrapping_add(1).to_string(),
            Self::Nat => {
                let nat_in_a = scenario.is_some_and(|s| s.network.nat.is_some());
                if nat_in_a { "off" } else { "on" }.to_owned()
            }
            Self::PskInitiator | Self::PskResponder => "a-different-secret".to_owned(),
            Self::Proposals => scenario
                .map(|s| s.initiator.proposals.join(", "))
                .unwrap_or_default(),
        }
    }

    /// The change the field's text asks for, or why it cannot be read.
    fn change(self, value: &str) -> Result<Change, String> {
        match self {
            Self::Seed => value.trim().parse::<u64>().map(Change::Seed).map_err(|_| {
                format!(
                    "“{}” is not a seed: type a whole number from 0 to {}.",
                    value.trim(),
                    u64::MAX
                )
            }),
            Self::Nat => Ok(Change::Nat(value == "on")),
            Self::PskInitiator => Ok(Change::Psk {
                side: Side::Initiator,
                psk: value.to_owned(),
            }),
            Self::PskResponder => Ok(Change::Psk {
                side: Side::Responder,
                psk: value.to_owned(),
            }),
            Self::Proposals => Ok(Change::Proposals(value.to_owned())),
        }
    }
}

/// Run A's seed.
fn seed_of(lab: &LabRef) -> u64 {
    match &lab.origin {
        Origin::Scenario { seed, .. } => *seed,
        Origin::File { .. } => lab.trace.seed.unwrap_or_default(),
    }
}

/// What the last press of "Compare" gave, for the run it was made from.
#[derive(Debug)]
struct Outcome {
    /// Run A (a newly opened run makes this outcome stale).
    lab: LabRef,
    result: Result<(ChangedRun, Comparison), String>,
}

#[function_component(Compare)]
pub(crate) fn compare_panel(props: &PanelProps) -> Html {
    let kind = use_state(|| ChangeKind::Seed);
    let value = {
        let lab = props.lab.clone();
        use_state(move || ChangeKind::Seed.initial_value(&lab))
    };
    let outcome = use_state(|| None::<Rc<Outcome>>);
    let rows_ref = use_node_ref();

    // A newly opened run: start again from its values.
    {
        let (kind, value, outcome) = (kind.clone(), value.clone(), outcome.clone());
        use_effect_with(props.lab.clone(), move |lab| {
            if (*outcome).as_ref().is_some_and(|o| o.lab != *lab) {
                outcome.set(None);
            }
            value.set(kind.initial_value(lab));
        });
    }
    // A new comparison: bring its first difference into view within the columns.
    {
        let rows_ref = rows_ref.clone();
        let shown = (*outcome).clone();
        use_effect_with(shown.map(|o| Rc::as_ptr(&o) as usize), move |_| {
            scroll_to_first_difference(&rows_ref);
        });
    }

    let Some(scenario) = props.lab.scenario.clone() else {
        return html! {
            <section class="compare-panel" id="compare" aria-labelledby="compare-title">
                <h2 id="compare-title">{ "Compare two runs" }</h2>
                <p class="compare-needs-scenario">
                    { "Compare plays the scenario again with one change, and this run comes from a \
                       trace file, which has no scenario to play. Open a bundled scenario to compare \
                       two runs." }
                </p>
            </section>
        };
    };

    let on_kind = {
        let (kind, value, lab) = (kind.clone(), value.clone(), props.lab.clone());
        Callback::from(move |e: Event| {
            let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() else {
                return;
            };
            if let Some(chosen) = ChangeKind::from_id(&select.value()) {
                kind.set(chosen);
                value.set(chosen.initial_value(&lab));
            }
        })
    };
    let on_text = {
        let value = value.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                value.set(input.value());
            }
        })
    };
    let on_choice = {
        let value = value.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                value.set(select.value());
            }
        })
    };
    let on_submit = {
        let (kind, value, outcome, lab) = (
            kind.clone(),
            value.clone(),
            outcome.clone(),
            props.lab.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let result = kind.change(&value).and_then(|change| {
                let run = run_changed(&scenario, seed_of(&lab), &change)?;
                let comparison = compare(&lab.trace, &lab.lines, &run.trace, &run.lines);
                Ok((run, comparison))
            });
            outcome.set(Some(Rc::new(Outcome {
                lab: lab.clone(),
                result,
            })));
        })
    };

    let value_field = match *kind {
        ChangeKind::Nat => html! {
            <select id="compare-value" onchange={on_choice} aria-describedby="compare-hint">
                <option value="on" selected={*value == "on"}>{ "on: a NAT in front of the initiator" }</option>
                <option value="off" selected={*value == "off"}>{ "off: no NAT" }</option>
            </select>
        },
        ChangeKind::Seed => html! {
            <input id="compare-value" type="number" min="0" step="1" inputmode="numeric"
                value={(*value).clone()} oninput={on_text} aria-describedby="compare-hint" />
        },
        ChangeKind::PskInitiator | ChangeKind::PskResponder | ChangeKind::Proposals => html! {
            <input id="compare-value" type="text" spellcheck="false" autocomplete="off"
                value={(*value).clone()} oninput={on_text} aria-describedby="compare-hint" />
        },
    };

    let current = outcome.as_ref().filter(|o| o.lab == props.lab);
    // The verdict goes in a live region of its own (read out when it changes); the
    // columns stay out of it, or a screen reader would read every line.
    let (status, columns) = match current.map(|o| &o.result) {
        None => (
            html! {
                <p class="compare-empty muted">
                    { "Choose a change and press Compare: run B appears beside run A." }
                </p>
            },
            Html::default(),
        ),
        Some(Err(problem)) => (
            html! {
                <div class="problem compare-error" id="compare-error">
                    <p>{ problem }</p>
                </div>
            },
            Html::default(),
        ),
        Some(Ok((run, comparison))) => (
            summary_view(props, comparison),
            columns_view(props, &props.lab.lines, run, comparison, &rows_ref),
        ),
    };

    html! {
        <section class="compare-panel" id="compare" aria-labelledby="compare-title">
            <h2 id="compare-title">{ "Compare two runs" }</h2>
            <p class="compare-intro muted">
                { "Play this scenario again with one change and see where the two runs part. \
                   What counts is what the peers and the network do (messages, payloads, \
                   decisions, outcomes), not the random values: SPIs, nonces and keys differ \
                   in every run." }
            </p>
            <form class="compare-form" onsubmit={on_submit}>
                <div class="field">
                    <label for="compare-change">{ "Change" }</label>
                    <select id="compare-change" onchange={on_kind}>
                        { for ChangeKind::ALL.iter().map(|k| html! {
                            <option value={k.id()} selected={*k == *kind}>{ k.label() }</option>
                        }) }
                    </select>
                </div>
                <div class="field compare-value-field">
                    <label for="compare-value">{ kind.value_label() }</label>
                    { value_field }
                </div>
                <button type="submit" id="compare-run" class="primary">{ "Compare" }</button>
                <p class="compare-hint muted" id="compare-hint">{ kind.hint() }</p>
            </form>
            <div class="compare-result">
                <div class="compare-status" role="status" aria-live="polite">{ status }</div>
                { columns }
            </div>
        </section>
    }
}

/// The verdict: where the runs first differ, explained, or that they do not.
fn summary_view(props: &PanelProps, comparison: &Comparison) -> Html {
    match &comparison.first_difference {
        Some(difference) => {
            // Run A's side of it, selectable in the main view (the same as clicking
            // its line in the columns).
            let show = difference.record_a.map(|record| {
                let dispatch = props.dispatch.clone();
                let onclick = Callback::from(move |_: MouseEvent| {
                    dispatch.dispatch(Action::SelectRecord(record))
                });
                html! {
                    <button type="button" id="compare-select-first" {onclick}>
                        { "Select run A's line in the main view" }
                    </button>
                }
            });
            html! {
                <div class="compare-summary compare-differs" id="compare-summary"
                    data-record-a={difference.record_a.map(|r| r.to_string())}
                    data-record-b={difference.record_b.map(|r| r.to_string())}>
                    <p class="compare-verdict">
                        <span class="compare-badge">{ "First difference" }</span>
                        { format!(" in the {}'s events", peer_words(&difference.peer)) }
                    </p>
                    <p class="compare-explanation" id="compare-explanation">{ &difference.explanation }</p>
                    { for show }
                </div>
            }
        }
        None => html! {
            <div class="compare-summary compare-same-runs" id="compare-summary">
                <p class="compare-verdict">
                    <span class="compare-badge compare-badge-same">{ "No difference" }</span>
                </p>
                <p class="compare-explanation" id="compare-explanation">
                    { format!(
                        "Both runs do the same things in the same order ({} events each). \
                         What differs, if anything, are random values (SPIs, nonces, keys) and \
                         times, which do not count.",
                        comparison.compared_a
                    ) }
                </p>
            </div>
        },
    }
}

/// The two runs' lines side by side, aligned.
fn columns_view(
    props: &PanelProps,
    lines_a: &[Line],
    run: &ChangedRun,
    comparison: &Comparison,
    rows_ref: &NodeRef,
) -> Html {
    let seed_a = seed_of(&props.lab);
    let rows = comparison.rows.iter().enumerate().map(|(index, row)| {
        let state = match row.state {
            RowState::Same => "compare-same",
            RowState::NotCompared => "compare-not-compared",
            RowState::FirstDifference => "compare-first-difference",
            RowState::AfterEqual => "compare-after-equal",
            RowState::AfterDiffering => "compare-after-differs",
        };
        let title = match row.state {
            RowState::Same => Some("same in both runs"),
            RowState::NotCompared => Some("not compared: how the network carried a datagram"),
            RowState::FirstDifference => Some("the first difference"),
            RowState::AfterEqual | RowState::AfterDiffering => None,
        };
        let cell_a = row
            .a
            .and_then(|l| lines_a.get(l))
            .map_or_else(gap, |line| {
                let dispatch = props.dispatch.clone();
                let record = line.record;
                let onclick =
                    Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::SelectRecord(record)));
                let selected = props.selected == Some(record);
                html! {
                    <button type="button" class={classes!("compare-cell", "compare-a", selected.then_some("selected"), format!("peer-{}", line.peer))}
                        data-record-a={record.to_string()} {onclick} aria-pressed={selected.to_string()}
                        title="Select this line in the main view">
                        { line_content(line) }
                    </button>
                }
            });
        let cell_b = row.b.and_then(|l| run.lines.get(l)).map_or_else(gap, |line| {
            html! {
                <div class={classes!("compare-cell", "compare-b", format!("peer-{}", line.peer))}
                    data-record-b={line.record.to_string()}>
                    { line_content(line) }
                </div>
            }
        });
        html! {
            <li class={classes!("compare-row", state)} data-row={index.to_string()} title={title}>
                { for (row.state == RowState::FirstDifference).then(|| html! {
                    <span class="compare-row-badge">{ "First difference" }</span>
                }) }
                { cell_a }
                { cell_b }
            </li>
        }
    });
    html! {
        <>
            <div class="compare-columns" role="group" aria-label="Run A and run B, side by side">
                <div class="compare-heads">
                    <p class="compare-head compare-head-a">
                        <strong>{ "Run A" }</strong>
                        { format!(" · on screen · seed {seed_a} · {} events compared", comparison.compared_a) }
                    </p>
                    <p class="compare-head compare-head-b">
                        <strong>{ "Run B" }</strong>
                        { format!(
                            " · {} · seed {} · {} events compared",
                            run.change.describe(),
                            run.seed,
                            comparison.compared_b
                        ) }
                    </p>
                </div>
                <p class="compare-legend muted">
                    { "Dimmed lines are the same in both runs. Click a line of run A to select it in the main view." }
                </p>
                <ol class="compare-rows" ref={rows_ref.clone()} tabindex="0"
                    aria-label="The two runs' events, aligned (run A left, run B right)">
                    { for rows }
                </ol>
            </div>
        </>
    }
}

/// "responder's", "network's".
fn peer_words(peer: &str) -> String {
    if peer == ikelab_engine::trace::NETWORK_PEER {
        "network".to_owned()
    } else {
        peer.to_owned()
    }
}

fn line_content(line: &Line) -> Html {
    html! {
        <>
            <span class="t">{ format_time(line.t_us) }</span>
            <span class="who">{ &line.peer }</span>
            <span class="what">{ &line.text }</span>
        </>
    }
}

/// The empty side of a row: the other run has a line here, this one has none.
fn gap() -> Html {
    html! {
        <div class="compare-cell compare-gap">
            <span class="visually-hidden">{ "nothing in this run" }</span>
        </div>
    }
}

/// Scrolls the columns (their own scroll box, `position: relative`) so that the
/// first difference sits in the middle.
fn scroll_to_first_difference(rows_ref: &NodeRef) {
    let Some(list) = rows_ref.cast::<web_sys::HtmlElement>() else {
        return;
    };
    let Some(row) = list
        .query_selector(".compare-first-difference")
        .ok()
        .flatten()
        .and_then(|row| row.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    let top = row.offset_top();
    list.set_scroll_top((top - list.client_height() / 2).max(0));
}
