//! Opening a trace file: a file picker, or a file dropped anywhere on the page.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::events::EventListener;
use gloo::file::callbacks::{FileReader, read_as_text};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::files::open_text;
use crate::state::{Action, LabState};

#[derive(Properties, PartialEq)]
pub(crate) struct TraceFileProps {
    pub(crate) dispatch: UseReducerDispatcher<LabState>,
}

/// Reads `file` and opens it as a trace (or reports why it cannot be).
fn open(
    file: web_sys::File,
    dispatch: UseReducerDispatcher<LabState>,
    reader: Rc<RefCell<Option<FileReader>>>,
) {
    let name = file.name();
    let file = gloo::file::File::from(file);
    let task = read_as_text(&file, move |result| match result {
        Ok(text) => open_text(&name, &text, &dispatch),
        Err(e) => dispatch.dispatch(Action::OpenFile(Err(format!(
            "{name} could not be read: {e}"
        )))),
    });
    *reader.borrow_mut() = Some(task);
}

#[function_component(TraceFile)]
pub(crate) fn trace_file(props: &TraceFileProps) -> Html {
    let reader = use_mut_ref(|| None::<FileReader>);
    let onchange = {
        let dispatch = props.dispatch.clone();
        let reader = reader.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                open(file, dispatch.clone(), reader.clone());
            }
            input.set_value("");
        })
    };
    {
        let dispatch = props.dispatch.clone();
        use_effect_with((), move |()| {
            let listeners = web_sys::window()
                .and_then(|w| w.document())
                .map(|document| {
                    let over = EventListener::new_with_options(
                        &document,
                        "dragover",
                        gloo::events::EventListenerOptions::enable_prevent_default(),
                        |e| e.prevent_default(),
                    );
                    let drop = EventListener::new_with_options(
                        &document,
                        "drop",
                        gloo::events::EventListenerOptions::enable_prevent_default(),
                        move |e| {
                            e.prevent_default();
                            let file = e
                                .dyn_ref::<web_sys::DragEvent>()
                                .and_then(web_sys::DragEvent::data_transfer)
                                .and_then(|d| d.files())
                                .and_then(|f| f.get(0));
                            if let Some(file) = file {
                                open(file, dispatch.clone(), reader.clone());
                            }
                        },
                    );
                    (over, drop)
                });
            move || drop(listeners)
        });
    }
    html! {
        <label class="field file">
            <span>{ "Replay a trace file" }</span>
            <input id="trace-file" type="file" accept=".json,application/json" {onchange} />
            <small>{ "or drop one on the page" }</small>
        </label>
    }
}
