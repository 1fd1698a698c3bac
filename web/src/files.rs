//! Where the text of a trace file goes: a run replayed from it, or the reason not.
//!
//! The engine's trace reader (JSON → `Trace`) is serde code for every record, event
//! and dissection type: about 190 KB of the gzipped WASM, a third of it. A student
//! who plays the bundled scenarios never needs it, so the page the browser loads
//! first is built without it (the `files` feature off, `cargo xtask` builds both):
//!
//! - **full build** (`files` on, the default): the text is read here, with
//!   `Lab::from_file`.
//! - **first build** (`files` off): the text goes to `index.html`'s
//!   `ikelabOpenInFullLab(name, text)`, which loads the full build, stops this one
//!   ([`crate::stop`]) and starts the full one with the file
//!   ([`crate::run_with_file`]). The full build then serves the rest of the visit:
//!   it opens the moment the URL names, then the file, as if it had been chosen
//!   there. If the full build cannot be loaded, this one stays and shows why
//!   ([`crate::full_lab_failed`]).

#[cfg(feature = "files")]
use std::rc::Rc;

use yew::prelude::*;

use crate::state::{Action, LabState};

/// Opens `text` (the file `name`) as a run, or reports why it cannot be.
#[cfg(feature = "files")]
pub(crate) fn open_text(name: &str, text: &str, dispatch: &UseReducerDispatcher<LabState>) {
    let outcome = crate::model::Lab::from_file(name, text).map(Rc::new);
    dispatch.dispatch(Action::OpenFile(outcome));
}

/// Hands `text` (the file `name`) to the full build (see the module).
#[cfg(not(feature = "files"))]
pub(crate) fn open_text(name: &str, text: &str, dispatch: &UseReducerDispatcher<LabState>) {
    wait_for_full_build(dispatch);
    if let Err(e) = handoff::open_in_full_lab(name, text) {
        report_failure(&format!("{e:?}"));
    }
}

/// Shows in the page that the full build could not take over (its reason), for a
/// trace file or a tool (`crate::tools`): back to the message view.
#[cfg(not(feature = "files"))]
pub(crate) fn report_failure(reason: &str) {
    if let Some(dispatch) = PENDING.with(|pending| pending.borrow_mut().take()) {
        dispatch.dispatch(crate::state::Action::ShowTab(crate::state::Tab::Message));
        dispatch.dispatch(Action::OpenFile(Err(format!(
            "The part of the lab that reads trace files and holds the tools could not be \
             loaded ({reason}). Reload the page and try again."
        ))));
    }
}

/// Remembers the page waiting for the full build, to report a failed hand-over.
#[cfg(not(feature = "files"))]
pub(crate) fn wait_for_full_build(dispatch: &UseReducerDispatcher<LabState>) {
    PENDING.with(|pending| *pending.borrow_mut() = Some(dispatch.clone()));
}

#[cfg(not(feature = "files"))]
thread_local! {
    /// The dispatcher of the page that asked for a file, to report a failed hand-over.
    static PENDING: std::cell::RefCell<Option<UseReducerDispatcher<LabState>>> =
        const { std::cell::RefCell::new(None) };
}

#[cfg(not(feature = "files"))]
mod handoff {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        /// `index.html`: loads the full build and hands it the file.
        #[wasm_bindgen(catch, js_namespace = globalThis, js_name = ikelabOpenInFullLab)]
        pub(super) fn open_in_full_lab(name: &str, text: &str) -> Result<(), JsValue>;
    }
}
