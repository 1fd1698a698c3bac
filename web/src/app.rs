//! The lab: a scenario picker, playback controls, the timeline beside the event list,
//! and the inspector beside the why panel, over one reducer.

use std::rc::Rc;

use yew::prelude::*;

use crate::components::controls::Controls;
use crate::components::detail::use_detail;
use crate::components::events::EventList;
use crate::components::picker::Picker;
use crate::components::timeline::Timeline;
use crate::components::{footer::Footer, header::Header};
use crate::effects;
use crate::model::Lab;
use crate::state::{LabState, SPEEDS, STEP_MS, Tab};
use crate::url;

/// The scenario the page opens with when its URL names none.
const FIRST_SCENARIO: &str = "happy-path";

fn initial_state() -> LabState {
    let moment = effects::location_hash().and_then(|h| url::parse(&h));
    // The tab the URL names (the first build has only the message view: a link to a
    // tool starts the full build, see index.html).
    let tab = moment
        .as_ref()
        .and_then(|m| m.tab.as_deref())
        .and_then(Tab::from_id)
        .filter(|_| cfg!(feature = "tools"))
        .unwrap_or(Tab::Message);
    let opened = moment.map_or_else(|| open_moment(None), |m| open_moment(Some(m)));
    let mut state = match opened {
        Ok(state) => state,
        Err(problem) => {
            let lab = Lab::simulate(FIRST_SCENARIO, 1).unwrap_or_else(|e| panic!("{e}"));
            let mut state = LabState::new(lab, 0);
            state.problem = Some(problem);
            state
        }
    };
    state.tab = tab;
    state
}

/// The run a URL names (the first scenario when it names none).
fn open_moment(moment: Option<url::Moment>) -> Result<LabState, String> {
    let Some(moment) = moment else {
        let seed = crate::model::run::seed_or_default(None, FIRST_SCENARIO);
        return Lab::simulate(FIRST_SCENARIO, seed).map(|lab| LabState::new(lab, 0));
    };
    match moment.source {
        url::Source::Bundled(name) => {
            let seed = crate::model::run::seed_or_default(moment.seed, &name);
            Lab::simulate(&name, seed).map(|lab| LabState::new(lab, moment.step))
        }
        url::Source::Edited(payload) => open_edited(&payload, moment.seed, moment.step),
    }
}

/// An edited scenario from a link.
#[cfg(feature = "tools")]
fn open_edited(payload: &str, seed: Option<u64>, step: usize) -> Result<LabState, String> {
    use crate::model::edit::{check, link};
    let decoded = link::decode(payload)?;
    let scenario = check(&decoded.text).map_err(|problems| {
        let first = problems
            .first()
            .map_or_else(String::new, |p| p.message.clone());
        format!("The link's scenario does not run: {first}")
    })?;
    let seed = seed.unwrap_or(scenario.seed);
    let lab = Lab::from_scenario(scenario, seed)?;
    let mut state = LabState::new(lab, step);
    state.edited = Some(std::rc::Rc::from(decoded.text.as_str()));
    if let Some(name) = decoded.secrets_from {
        state.problem = Some(format!(
            "This link leaves its secrets out, so the pre-shared keys are those of the bundled scenario '{name}'; the person who shared it may have used others (Edit shows them)."
        ));
    }
    Ok(state)
}

/// The first build has no editor: `index.html` loads the full build for such links.
#[cfg(not(feature = "tools"))]
fn open_edited(_payload: &str, _seed: Option<u64>, _step: usize) -> Result<LabState, String> {
    Err("The editor could not be loaded for this link. Reload the page.".to_owned())
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
    let detail = use_detail(&state);
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
                        highlighted={state.highlighted.clone()}
                        open_bursts={state.open_bursts.clone()}
                        dispatch={state.dispatcher()}
                    />
                    <EventList
                        lab={lab.clone()}
                        step={state.step}
                        selected={state.selected}
                        highlighted={state.highlighted.clone()}
                        hidden_peers={state.hidden_peers.clone()}
                        hidden_kinds={state.hidden_kinds.clone()}
                        dispatch={state.dispatcher()}
                    />
                </div>
                { detail }
            </main>
            <Footer engine_version={ikelab_engine::VERSION} sha256={lab.sha256.clone()} records={lab.trace.records.len()} />
        </div>
    }
}
