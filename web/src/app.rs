//! The lab: a scenario picker, playback controls, the timeline beside the event list,
//! and the inspector beside the why panel, over one reducer.

use std::rc::Rc;

use yew::prelude::*;

use crate::components::controls::Controls;
use crate::components::events::EventList;
use crate::components::inspector::Inspector;
use crate::components::picker::Picker;
use crate::components::timeline::Timeline;
use crate::components::why::Why;
use crate::components::{footer::Footer, header::Header};
use crate::effects;
use crate::model::Lab;
use crate::state::{LabState, SPEEDS, STEP_MS};
use crate::url;

/// The scenario the page opens with when its URL names none.
const FIRST_SCENARIO: &str = "happy-path";

fn initial_state() -> LabState {
    let moment = effects::location_hash().and_then(|h| url::parse(&h));
    let (name, seed, step) = match moment {
        Some(m) => {
            let seed = m
                .seed
                .or_else(|| crate::model::run::default_seed(&m.scenario));
            (m.scenario, seed, m.step)
        }
        None => (FIRST_SCENARIO.to_owned(), None, 0),
    };
    let seed = seed
        .or_else(|| crate::model::run::default_seed(&name))
        .unwrap_or(1);
    match Lab::simulate(&name, seed) {
        Ok(lab) => LabState::new(lab, step),
        Err(problem) => {
            let lab = Lab::simulate(FIRST_SCENARIO, 1).unwrap_or_else(|e| panic!("{e}"));
            let mut state = LabState::new(lab, 0);
            state.problem = Some(problem);
            state
        }
    }
}

/// What the lab starts with besides the URL.
#[derive(Properties, PartialEq, Default, Debug)]
pub struct AppProps {
    /// A trace file to open at once (name, text): the full build taking over.
    #[prop_or_default]
    pub file: Option<Rc<(String, String)>>,
}

/// The root component mounted into `#app` by `index.html`.
#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let state = use_reducer(initial_state);
    {
        let dispatch = state.dispatcher();
        use_effect_with(props.file.clone(), move |file| {
            if let Some(file) = file {
                crate::files::open_text(&file.0, &file.1, &dispatch);
            }
        });
    }
    effects::use_url_sync(&state);
    effects::use_keyboard(state.dispatcher());
    effects::use_playback(&state);
    let interval = STEP_MS / SPEEDS[state.speed];
    let lab = state.lab.clone();
    html! {
        <div class="lab">
            <Header />
            <Picker lab={lab.clone()} problem={state.problem.clone()} dispatch={state.dispatcher()} />
            <Controls
                lab={lab.clone()}
                step={state.step}
                playing={state.playing}
                speed={state.speed}
                dispatch={state.dispatcher()}
            />
            <main class="lab-main">
                <div class="stage">
                    <Timeline
                        lab={lab.clone()}
                        step={state.step}
                        playing={state.playing}
                        travel_ms={interval * 0.85}
                        selected={state.selected}
                        open_bursts={state.open_bursts.clone()}
                        dispatch={state.dispatcher()}
                    />
                    <EventList
                        lab={lab.clone()}
                        step={state.step}
                        selected={state.selected}
                        hidden_peers={state.hidden_peers.clone()}
                        hidden_kinds={state.hidden_kinds.clone()}
                        dispatch={state.dispatcher()}
                    />
                </div>
                <div class="detail">
                    <Inspector
                        lab={lab.clone()}
                        selected={state.selected}
                        field={state.field}
                        dispatch={state.dispatcher()}
                    />
                    <Why lab={lab.clone()} step={state.step} />
                </div>
            </main>
            <Footer engine_version={ikelab_engine::VERSION} sha256={lab.sha256.clone()} records={lab.trace.records.len()} />
        </div>
    }
}
