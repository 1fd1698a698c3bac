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

    use crate::state::LabState;

    #[wasm_bindgen]
    extern "C" {
        /// `index.html`: loads the full build, which takes over at the URL's moment.
        #[wasm_bindgen(catch, js_namespace = globalThis, js_name = ikelabOpenFullLab)]
        fn open_full_lab() -> Result<(), JsValue>;
    }

    /// Loads the full build for a tool tab (the URL already names it). A failure
    /// comes back through `crate::files::report_failure`, as for a trace file.
    pub(crate) fn hand_over(dispatch: &UseReducerDispatcher<LabState>) {
        crate::files::wait_for_full_build(dispatch);
        if let Err(e) = open_full_lab() {
            crate::files::report_failure(&format!("{e:?}"));
        }
    }
}
