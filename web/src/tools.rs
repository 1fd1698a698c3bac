//! The tools of the detail area (edit, keys, peers, compare, downloads) live in the
//! full build only (the `tools` feature): with the editor's TOML reader and writer
//! they would take the first build past its size target. The first build shows
//! their tabs; opening one puts the tab in the URL and asks `index.html`
//! (`ikelabOpenFullLab`) to load the full build, which takes over the page at the
//! moment the URL names (`crate::run`). A link to a tool or to an edited scenario
//! loads the full build at once (`index.html`).

#[cfg(not(feature = "tools"))]
pub(crate) use first_build::hand_over;

#[cfg(not(feature = "tools"))]
mod first_build {
    use wasm_bindgen::prelude::*;
    use yew::prelude::*;

    use crate::state::{LabState, Tab};

    #[wasm_bindgen]
    extern "C" {
        /// `index.html`: loads the full build, which takes over at the URL's moment.
        #[wasm_bindgen(catch, js_namespace = globalThis, js_name = ikelabOpenFullLab)]
        fn open_full_lab() -> Result<(), JsValue>;
    }

    /// Loads the full build for a tool's tab: the tab goes in the URL (which the
    /// full build opens), then `index.html` loads it. A failure comes back through
    /// `crate::files::report_failure`, as for a trace file.
    pub(crate) fn hand_over(tab: Tab, dispatch: &UseReducerDispatcher<LabState>) {
        if let Some(mut moment) =
            crate::effects::location_hash().and_then(|h| crate::url::parse(&h))
            && let Some(history) = web_sys::window().and_then(|w| w.history().ok())
        {
            moment.tab = Some(tab.id().to_owned());
            drop(history.replace_state_with_url(
                &JsValue::NULL,
                "",
                Some(&crate::url::format(&moment)),
            ));
        }
        crate::files::wait_for_full_build(dispatch);
        if let Err(e) = open_full_lab() {
            crate::files::report_failure(&format!("{e:?}"));
        }
    }
}
