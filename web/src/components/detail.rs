//! The detail area: tabs over the message view (inspector and why) and the tools
//! (edit, keys, peers, compare, downloads; the full build's: `crate::tools`).

use yew::prelude::*;

use crate::components::inspector::Inspector;
use crate::components::why::Why;
use crate::state::{Action, LabState, Tab};

/// The detail area, as a hook of the app rather than a component of its own: it
/// reads most of the state, and a component type costs the first build's WASM
/// about 1 KB gzipped of lifecycle code.
#[hook]
pub(crate) fn use_detail(state: &UseReducerHandle<LabState>) -> Html {
    let dispatch = state.dispatcher();
    // A tool opened (by a click or a link) comes into view: on a projector the tabs
    // sit at the bottom of the first screen.
    let tabs_ref = use_node_ref();
    #[cfg(feature = "tools")]
    {
        let tabs_ref = tabs_ref.clone();
        use_effect_with(state.tab, move |tab| {
            if *tab != Tab::Message
                && let Some(tabs) = tabs_ref.cast::<web_sys::Element>()
            {
                let below = gloo::utils::window()
                    .inner_height()
                    .ok()
                    .and_then(|h| h.as_f64())
                    .is_some_and(|h| tabs.get_bounding_client_rect().top() > h * 0.5);
                if below {
                    let options = web_sys::ScrollIntoViewOptions::new();
                    options.set_block(web_sys::ScrollLogicalPosition::Start);
                    tabs.scroll_into_view_with_scroll_into_view_options(&options);
                }
            }
        });
    }
    let tabs = Tab::ALL.iter().map(|&tab| {
        let selected = state.tab == tab;
        let onclick = {
            let dispatch = dispatch.clone();
            // The first build has no tools: a tool's tab hands the page over to the
            // full build (`crate::tools`).
            Callback::from(move |_| {
                #[cfg(not(feature = "tools"))]
                if tab != Tab::Message {
                    crate::tools::hand_over(tab, &dispatch);
                    return;
                }
                dispatch.dispatch(Action::ShowTab(tab));
            })
        };
        html! {
            <button type="button" role="tab" id={format!("tab-{}", tab.id())}
                aria-selected={selected.to_string()} aria-controls="detail-panel"
                class={if selected { "tab selected" } else { "tab" }}
                tabindex={tab_stop(selected)}
                {onclick}>
                { tab.label() }
            </button>
        }
    });
    // The arrow keys move along the tabs (WAI-ARIA tabs pattern). The first build,
    // which hands over at the first tool, keeps every tab in the Tab order instead.
    #[cfg(feature = "tools")]
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
    #[cfg(not(feature = "tools"))]
    let onkeydown = Callback::<KeyboardEvent>::noop();
    html! {
        <div class="detail">
            <div class="tabs" role="tablist" aria-label="What to look at" ref={tabs_ref} {onkeydown}>
                { for tabs }
            </div>
            <div id="detail-panel" role="tabpanel" aria-labelledby={format!("tab-{}", state.tab.id())}
                class={format!("detail-panel panel-{}", state.tab.id())}>
                { panel(state) }
            </div>
        </div>
    }
}

/// The tab's place in the Tab order: only the selected one when the arrow keys move
/// along the tabs (the full build), every one otherwise.
fn tab_stop(selected: bool) -> &'static str {
    if selected || cfg!(not(feature = "tools")) {
        "0"
    } else {
        "-1"
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
            <p>{ format!("Loading the {} view…", state.tab.id()) }</p>
        </section>
    }
}
