//! IKElab's browser lab (Yew, client-side rendering).
//!
//! Both peers run inside the page: the engine's simulator plays a bundled scenario
//! and the page shows its trace. All reading of the trace is in [`model`]; the UI is
//! a reducer over actions ([`state`]) and never re-derives protocol facts. This crate
//! is compiled to `wasm32-unknown-unknown`, passed through wasm-bindgen (`--target
//! web`) and loaded by the plain `index.html` at the repository root (see `cargo
//! xtask serve`).

mod app;
mod components;
mod effects;
pub(crate) mod model;
mod state;
mod url;

pub use app::App;

/// Entry point called by the generated JS module once the WASM is instantiated.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    let root = app_root();
    yew::Renderer::<App>::with_root(root).render();
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
