//! The detail area: tabs over the message view (inspector and why) and the tools
//! (edit, keys, peers, compare, downloads; the full build's: `crate::tools`).

use yew::prelude::*;

use crate::components::inspector::Inspector;
use crate::components::why::Why;
use crate::state::{Action, LabState, Tab};

#[derive(Properties, PartialEq)]
pub(crate) struct DetailProps {
    pub(crate) state: UseReducerHandle<LabState>,
}

#[function_component(Detail)]
pub(crate) fn detail(props: &DetailProps) -> Html {
    let state = &props.state;
    let dispatch = state.dispatcher();
    #[cfg(not(feature = "tools"))]
    {
        // The first build: a tool tab loads the full build once the URL names it.
        let dispatch = dispatch.clone();
        use_effect_with(state.tab, move |tab| {
            if *tab != Tab::Message {
                crate::tools::hand_over(&dispatch);
            }
        });
    }
    let tabs = Tab::ALL.iter().map(|&tab| {
        let selected = state.tab == tab;
        let onclick = {
            let dispatch = dispatch.clone();
            Callback::from(move |_| dispatch.dispatch(Action::ShowTab(tab)))
        };
        html! {
            <button type="button" role="tab" id={format!("tab-{}", tab.id())}
                aria-selected={selected.to_string()} aria-controls="detail-panel"
                class={classes!("tab", selected.then_some("selected"))}
                tabindex={if selected { "0" } else { "-1" }}
                {onclick}>
                { tab.label() }
            </button>
        }
    });
    // The arrow keys move along the tabs (WAI-ARIA tabs pattern).
    let onkeydown = {
        let dispatch = dispatch.clone();
        let current = state.tab;
        Callback::from(move |e: KeyboardEvent| {
            let at = Tab::ALL.iter().position(|t| *t == current).unwrap_or(0);
            let next = match e.key().as_str() {
                "ArrowRight" => (at + 1) % Tab::ALL.len(),
                "ArrowLeft" => (at + Tab::ALL.len() - 1) % Tab::ALL.len(),
                _ => return,
            };
            e.prevent_default();
            e.stop_propagation();
            dispatch.dispatch(Action::ShowTab(Tab::ALL[next]));
            if let Some(button) = gloo::utils::document()
                .get_element_by_id(&format!("tab-{}", Tab::ALL[next].id()))
                .and_then(|b| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(b).ok())
            {
                drop(button.focus());
            }
        })
    };
    html! {
        <div class={classes!("detail", (state.tab != Tab::Message).then_some("tool"))}>
            <div class="tabs" role="tablist" aria-label="What to look at" {onkeydown}>
                { for tabs }
            </div>
            <div id="detail-panel" role="tabpanel" aria-labelledby={format!("tab-{}", state.tab.id())}
                class={classes!("detail-panel", format!("panel-{}", state.tab.id()))}>
                { panel(state) }
            </div>
        </div>
    }
}

fn panel(state: &UseReducerHandle<LabState>) -> Html {
    let lab = state.lab.clone();
    if state.tab == Tab::Message {
        return html! {
            <div class="message-view">
                <Inspector
                    lab={lab.clone()}
                    selected={state.selected}
                    field={state.field}
                    dispatch={state.dispatcher()}
                />
                <Why lab={lab} step={state.step} />
            </div>
        };
    }
    tool(state)
}

#[cfg(feature = "tools")]
fn tool(state: &UseReducerHandle<LabState>) -> Html {
    use crate::components::downloads::Downloads;
    use crate::components::editor::Editor;
    let panel = crate::components::PanelProps {
        lab: state.lab.clone(),
        step: state.step,
        selected: state.selected,
        dispatch: state.dispatcher(),
    };
    match state.tab {
        Tab::Message => Html::default(),
        Tab::Edit => html! {
            <Editor lab={state.lab.clone()} edited={state.edited.clone()} draft={state.draft.clone()}
                link_secrets={state.link_secrets} dispatch={state.dispatcher()} />
        },
        Tab::Keys => html! { <crate::components::keys::Keys ..panel /> },
        Tab::Peers => html! { <crate::components::peers::Peers ..panel /> },
        Tab::Compare => html! { <crate::components::compare::Compare ..panel /> },
        Tab::Traffic => html! {
            <crate::components::traffic::TrafficPanel lab={state.lab.clone()} step={state.step}
                selected={state.selected} field={state.field} dispatch={state.dispatcher()} />
        },
        Tab::Downloads => {
            html! { <Downloads lab={state.lab.clone()} edited={state.edited.clone()} /> }
        }
    }
}

/// The first build: the full one is on its way (see the effect above).
#[cfg(not(feature = "tools"))]
fn tool(state: &UseReducerHandle<LabState>) -> Html {
    html! {
        <section class="loading-tools" aria-live="polite">
            <p>{ format!("Loading the {} view…", state.tab.label().to_lowercase()) }</p>
        </section>
    }
}
