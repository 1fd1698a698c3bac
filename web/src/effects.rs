//! The page's side effects as hooks: the URL fragment and browser history, the
//! keyboard, and the playback timer.

use gloo::events::{EventListener, EventListenerOptions};
use gloo::timers::callback::Timeout;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::state::{Action, LabState, SPEEDS, Tab};
use crate::url;

/// The page's fragment (`#s=...`), if it has one.
pub(crate) fn location_hash() -> Option<String> {
    web_sys::window()?.location().hash().ok()
}

/// Whether the reader asked for reduced motion (`prefers-reduced-motion`).
pub(crate) fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches())
}

/// Keeps the fragment in step with the moment shown (a history entry per step the
/// reader takes, so back and forward move between visited steps), and opens the
/// moment of a fragment the browser goes back or forward to.
#[hook]
pub(crate) fn use_url_sync(state: &UseReducerHandle<LabState>) {
    // An edited scenario's payload is deflated once per edit, not at every step.
    #[cfg(feature = "tools")]
    let edited = use_memo(
        (state.edited.clone(), state.link_secrets),
        |(text, secrets)| {
            text.as_ref()
                .map(|t| crate::model::edit::link::encode(t, *secrets))
        },
    );
    #[cfg(not(feature = "tools"))]
    let edited = std::rc::Rc::new(None::<String>);
    let moment = state.scenario().map(|(name, seed)| {
        url::format(&url::Moment {
            source: match edited.as_ref() {
                Some(payload) => url::Source::Edited(payload.clone()),
                None => url::Source::Bundled(name.to_owned()),
            },
            seed: Some(seed),
            step: state.step,
            tab: (state.tab != Tab::Message).then(|| state.tab.id().to_owned()),
        })
    });
    let by_reader = state.by_reader && !state.playing;
    use_effect_with(moment, move |moment| {
        if let (Some(fragment), Some(window)) = (moment, web_sys::window())
            && location_hash().as_deref() != Some(fragment.as_str())
            && let Ok(history) = window.history()
        {
            let result = if by_reader {
                history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(fragment))
            } else {
                history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(fragment))
            };
            drop(result);
        }
    });
    let dispatch = state.dispatcher();
    use_effect_with((), move |()| {
        let listener = web_sys::window().map(|window| {
            EventListener::new(&window, "popstate", move |_| {
                if let Some(m) = location_hash().and_then(|h| url::parse(&h)) {
                    open_moment(&dispatch, m);
                }
            })
        });
        move || drop(listener)
    });
}

/// Opens a moment the browser went back or forward to.
fn open_moment(dispatch: &UseReducerDispatcher<LabState>, m: url::Moment) {
    // The first build has only the message view (a tool hands over).
    dispatch.dispatch(Action::ShowTab(
        m.tab
            .as_deref()
            .and_then(Tab::from_id)
            .filter(|_| cfg!(feature = "tools"))
            .unwrap_or(Tab::Message),
    ));
    match m.source {
        url::Source::Bundled(name) => {
            let seed = crate::model::run::seed_or_default(m.seed, &name);
            dispatch.dispatch(Action::Open {
                name,
                seed,
                step: m.step,
            });
        }
        #[cfg(feature = "tools")]
        url::Source::Edited(payload) => {
            if let Ok(decoded) = crate::model::edit::link::decode(&payload) {
                dispatch.dispatch(Action::Edit(decoded.text));
            }
        }
        #[cfg(not(feature = "tools"))]
        url::Source::Edited(_) => {}
    }
}

/// Space plays and pauses, the arrow keys step, Home restarts (not while typing in a
/// field, and a focused button keeps its own Space and Enter).
#[hook]
pub(crate) fn use_keyboard(dispatch: UseReducerDispatcher<LabState>) {
    use_effect_with((), move |()| {
        let listener = web_sys::window()
            .and_then(|w| w.document())
            .map(|document| {
                // Not passive: the keys it handles must not also scroll the page.
                EventListener::new_with_options(
                    &document,
                    "keydown",
                    EventListenerOptions::enable_prevent_default(),
                    move |event| {
                        let Some(event) = event.dyn_ref::<web_sys::KeyboardEvent>() else {
                            return;
                        };
                        if event.ctrl_key() || event.meta_key() || event.alt_key() {
                            return;
                        }
                        let tag = event
                            .target()
                            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                            .map(|e| e.tag_name().to_ascii_lowercase())
                            .unwrap_or_default();
                        if matches!(tag.as_str(), "input" | "select" | "textarea") {
                            return;
                        }
                        let action = match event.key().as_str() {
                            " " if tag != "button" && tag != "summary" => Action::TogglePlay,
                            "ArrowRight" | "ArrowDown" => Action::Forward { by_timer: false },
                            "ArrowLeft" | "ArrowUp" => Action::Back,
                            "Home" => Action::Restart,
                            _ => return,
                        };
                        event.prevent_default();
                        dispatch.dispatch(action);
                    },
                )
            });
        move || drop(listener)
    });
}

/// While playing, the next step once the current one has had its time (at the chosen
/// speed): a datagram's step as long as its arrow travels, any other step briefly,
/// and nothing before the first step, so Play starts at once.
#[hook]
pub(crate) fn use_playback(state: &UseReducerHandle<LabState>) {
    let dispatch = state.dispatcher();
    let interval = state.lab.dwell_ms(state.step) / SPEEDS[state.speed];
    use_effect_with(
        (state.playing, state.step, state.speed),
        move |(playing, ..)| {
            let timer = playing.then(|| {
                Timeout::new(interval as u32, move || {
                    dispatch.dispatch(Action::Forward { by_timer: true });
                })
            });
            move || drop(timer)
        },
    );
}
