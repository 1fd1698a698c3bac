//! The tools of the detail area (edit, keys, peers, compare, downloads) live in the
//! full build only (the `tools` feature): with the editor's TOML reader and writer
//! they would take the first build past its size target. The first build shows
//! their tabs; opening one puts the tab in the URL and asks `index.html`
//! (`ikelabOpenFullLab`) to load the full build, which takes over the page at the
//! moment the URL names (`crate::run`). A link to a tool or to an edited scenario
//! loads the full build at once (`index.html`).

#[cfg(not(feature = "tools"))]
pub(crate) use first_build::hand_over;
#[cfg(all(target_arch = "wasm32", not(feature = "tools")))]
pub(crate) use first_build::report_failure;

#[cfg(not(feature = "tools"))]
mod first_build {
    use wasm_bindgen::prelude::*;
    use yew::prelude::*;

    use crate::state::{Action, LabState, Tab};

    #[wasm_bindgen]
    extern "C" {
        /// `index.html`: loads the full build, which takes over at the URL's moment.
        #[wasm_bindgen(catch, js_namespace = globalThis, js_name = ikelabOpenFullLab)]
        fn open_full_lab() -> Result<(), JsValue>;
    }

    thread_local! {
        /// The page waiting for the full build, to report a failed hand-over.
        static PENDING: std::cell::RefCell<Option<UseReducerDispatcher<LabState>>> =
            const { std::cell::RefCell::new(None) };
    }

    /// Loads the full build for a tool tab (the URL already names it).
    pub(crate) fn hand_over(dispatch: &UseReducerDispatcher<LabState>) {
        PENDING.with(|p| *p.borrow_mut() = Some(dispatch.clone()));
        if let Err(e) = open_full_lab() {
            report_failure(&format!("{e:?}"));
        }
    }

    /// The full build could not be loaded: back to the message view, saying why.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn report_failure(reason: &str) {
        if let Some(dispatch) = PENDING.with(|p| p.borrow_mut().take()) {
            dispatch.dispatch(Action::ShowTab(Tab::Message));
            dispatch.dispatch(Action::OpenFile(Err(format!(
                "The lab's tools could not be loaded ({reason}). Reload the page and try again."
            ))));
        }
    }
}
