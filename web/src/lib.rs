//! IKElab's browser lab (Yew, client-side rendering).
//!
//! Both peers run inside the page: the engine's simulator plays a bundled scenario
//! and the page shows its trace. All reading of the trace is in [`model`]; the UI is
//! a reducer over actions ([`state`]) and never re-derives protocol facts. This crate
//! is compiled to `wasm32-unknown-unknown`, passed through wasm-bindgen (`--target
//! web`) and loaded by the plain `index.html` at the repository root (see `cargo
//! xtask serve`).
//!
//! It is built twice (`cargo xtask`): the page loads the build without the trace
//! reader first, and the full build only when a trace file is opened ([`files`]).
//! `index.html` starts either with [`run`]; the first hands over with [`stop`] and
//! the full one's [`run_with_file`].

mod app;
mod components;
mod effects;
mod files;
pub(crate) mod model;
mod state;
mod tools;
mod url;

pub use app::{App, AppProps};

#[cfg(target_arch = "wasm32")]
thread_local! {
    /// The mounted lab, until [`stop`].
    static MOUNTED: std::cell::RefCell<Option<yew::AppHandle<App>>> =
        const { std::cell::RefCell::new(None) };
}

/// Mounts the lab into `#app`: the moment the URL names, or the first scenario.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn run() {
    mount(AppProps::default());
}

/// Mounts the lab and opens `text` as the trace file `name` (the full build taking
/// over from the first one: see [`files`]).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn run_with_file(name: String, text: String) {
    mount(AppProps {
        file: Some(std::rc::Rc::new((name, text))),
    });
}

/// Unmounts the lab (its listeners and timers go with it), for the build that
/// takes over.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn stop() {
    if let Some(app) = MOUNTED.with(|m| m.borrow_mut().take()) {
        app.destroy();
    }
}

/// `index.html` could not load the full build: the lab stays and says why.
#[cfg(all(target_arch = "wasm32", not(feature = "files")))]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn full_lab_failed(reason: String) {
    files::report_failure(&reason);
}

#[cfg(target_arch = "wasm32")]
fn mount(props: AppProps) {
    let handle = yew::Renderer::<App>::with_root_and_props(app_root(), props).render();
    MOUNTED.with(|m| *m.borrow_mut() = Some(handle));
}

#[cfg(target_arch = "wasm32")]
fn app_root() -> web_sys::Element {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("the lab runs in a page with a document");
    document
        .get_element_by_id("app")
        .expect("index.html has an element with id=\"app\"")
}
