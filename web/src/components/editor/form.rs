//! The editor's form: each field reads its value from the text and writes it back
//! (`model::edit::fields`); a field's problems, in the engine's words, sit under it.

use std::rc::Rc;

use toml_edit::DocumentMut;
use yew::prelude::*;

use crate::model::edit::{Draft, Field, FieldKind, form_fields, read_field, write_field};
use crate::state::{Action, LabState};

#[derive(Properties, PartialEq)]
pub(crate) struct FormProps {
    pub(crate) text: String,
    pub(crate) problems: Option<Rc<Draft>>,
    pub(crate) dispatch: UseReducerDispatcher<LabState>,
}

/// An element id for a field (`edit-initiator-secrets-psk`).
pub(crate) fn field_id(path: &str) -> String {
    format!("edit-{}", path.replace(['.', '_'], "-"))
}

#[function_component(Form)]
pub(crate) fn form(props: &FormProps) -> Html {
    // Input that is not a value of the field's kind ("a lot" for a probability): the
    // text is not changed, the message stays under the field until the next edit.
    let refused = use_state(|| None::<(String, String)>);
    let sections = use_memo(props.text.clone(), |text| form_fields(text));
    let document = use_memo(props.text.clone(), |text| text.parse::<DocumentMut>().ok());
    let sections = sections.iter().map(|(title, fields)| {
        let items = fields.iter().map(|field| {
            let value = document
                .as_ref()
                .as_ref()
                .map(|d| read_field(d, field))
                .unwrap_or_default();
            let mut messages: Vec<String> = props
                .problems
                .iter()
                .flat_map(|d| d.problems.iter())
                .filter(|p| p.is_about(&field.path))
                .map(|p| p.message.clone())
                .collect();
            if let Some((path, message)) = &*refused
                && *path == field.path
            {
                messages.push(message.clone());
            }
            field_row(
                field,
                &value,
                &messages,
                &props.text,
                &props.dispatch,
                &refused,
            )
        });
        html! {
            <fieldset class="edit-section">
                <legend>{ *title }</legend>
                { for items }
            </fieldset>
        }
    });
    html! {
        <div class="edit-form">
            { for sections }
            { script_section(&props.text, props.problems.as_deref(), &props.dispatch, &refused) }
        </div>
    }
}

/// The script: each action with its time and peer (editable) and its other keys,
/// a button to remove it, and a row to add one.
fn script_section(
    text: &str,
    draft: Option<&Draft>,
    dispatch: &UseReducerDispatcher<LabState>,
    refused: &UseStateHandle<Option<(String, String)>>,
) -> Html {
    use crate::model::edit::script::{ADDABLE, add_step, remove_step, script_rows, set_step_value};
    let apply = {
        let dispatch = dispatch.clone();
        let refused = refused.clone();
        move |path: String, outcome: Result<String, String>| match outcome {
            Ok(new) => {
                refused.set(None);
                dispatch.dispatch(Action::Edit(new));
            }
            Err(message) => refused.set(Some((path, message))),
        }
    };
    let rows = script_rows(text).into_iter().map(|row| {
        let path = format!("script[{}]", row.index + 1);
        let mut messages: Vec<String> = draft
            .iter()
            .flat_map(|d| d.problems.iter())
            .filter(|p| p.is_about(&path))
            .map(|p| p.message.clone())
            .collect();
        if let Some((at, message)) = &**refused
            && *at == path
        {
            messages.push(message.clone());
        }
        let id = format!("edit-script-{}", row.index + 1);
        let on_at = {
            let (apply, text, path) = (apply.clone(), text.to_owned(), path.clone());
            Callback::from(move |e: Event| {
                let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                apply(path.clone(), set_step_value(&text, row.index, "at", &input.value()));
            })
        };
        let on_peer = {
            let (apply, text, path) = (apply.clone(), text.to_owned(), path.clone());
            Callback::from(move |e: Event| {
                let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
                apply(path.clone(), set_step_value(&text, row.index, "peer", &select.value()));
            })
        };
        let on_remove = {
            let (apply, text, path) = (apply.clone(), text.to_owned(), path.clone());
            Callback::from(move |_| apply(path.clone(), remove_step(&text, row.index)))
        };
        let invalid = !messages.is_empty();
        html! {
            <li class={classes!("script-step", invalid.then_some("invalid"))} data-path={path.clone()}>
                <label for={format!("{id}-at")} class="visually-hidden">{ format!("Time of action {}", row.index + 1) }</label>
                <input type="text" id={format!("{id}-at")} class="script-at" value={row.at.clone()}
                    spellcheck="false" aria-invalid={invalid.to_string()} onchange={on_at} />
                <span class="script-action">{ &row.action }</span>
                if let Some(peer) = &row.peer {
                    <label for={format!("{id}-peer")} class="visually-hidden">{ format!("Peer of action {}", row.index + 1) }</label>
                    <select id={format!("{id}-peer")} onchange={on_peer}>
                        { for ["initiator", "responder"].iter().map(|p| html! {
                            <option value={*p} selected={peer == p}>{ *p }</option>
                        }) }
                    </select>
                }
                <span class="script-rest">{ &row.rest }</span>
                <button type="button" class="script-remove" onclick={on_remove}
                    aria-label={format!("Remove action {} ({})", row.index + 1, row.action)}>{ "Remove" }</button>
                if invalid {
                    <p class="field-problem" role="alert">{ messages.join(" ") }</p>
                }
            </li>
        }
    });
    let on_add = {
        let (apply, text) = (apply.clone(), text.to_owned());
        Callback::from(move |_| {
            let document = gloo::utils::document();
            let value = |id: &str| {
                document
                    .get_element_by_id(id)
                    .and_then(|e| {
                        wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(e).ok()
                    })
                    .map(|e| e.value())
                    .or_else(|| {
                        document
                            .get_element_by_id(id)
                            .and_then(|e| {
                                wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlSelectElement>(e).ok()
                            })
                            .map(|e| e.value())
                    })
                    .unwrap_or_default()
            };
            let outcome = add_step(
                &text,
                &value("edit-add-action"),
                &value("edit-add-at"),
                &value("edit-add-peer"),
            );
            apply("script".to_owned(), outcome);
        })
    };
    let add_problem = refused
        .as_ref()
        .filter(|(path, _)| path == "script")
        .map(|(_, message)| message.clone());
    html! {
        <fieldset class="edit-section edit-script">
            <legend>{ "Script: actions over time" }</legend>
            <ol class="script-steps">{ for rows }</ol>
            <div class="script-add">
                <label for="edit-add-action">{ "Add" }</label>
                <select id="edit-add-action">
                    { for ADDABLE.iter().map(|(name, _)| html! { <option value={*name}>{ *name }</option> }) }
                </select>
                <label for="edit-add-at">{ "at" }</label>
                <input type="text" id="edit-add-at" class="script-at" value="5s" spellcheck="false" />
                <label for="edit-add-peer">{ "by" }</label>
                <select id="edit-add-peer">
                    <option value="initiator">{ "initiator" }</option>
                    <option value="responder">{ "responder" }</option>
                </select>
                <button type="button" id="edit-add" onclick={on_add}>{ "Add the action" }</button>
            </div>
            if let Some(problem) = add_problem {
                <p class="field-problem" role="alert">{ problem }</p>
            }
            <p class="field-hint">{ "Times count from the start of the run. Actions that need more values (move, flood, stream, firewall …) are added in the TOML." }</p>
        </fieldset>
    }
}

fn field_row(
    field: &Field,
    value: &str,
    messages: &[String],
    text: &str,
    dispatch: &UseReducerDispatcher<LabState>,
    refused: &UseStateHandle<Option<(String, String)>>,
) -> Html {
    let id = field_id(&field.path);
    let error_id = format!("{id}-problem");
    let commit = {
        let field = field.clone();
        let text = text.to_owned();
        let dispatch = dispatch.clone();
        let refused = refused.clone();
        move |input: String| match write_field(&text, &field, &input) {
            Ok(new) => {
                refused.set(None);
                if new != text {
                    dispatch.dispatch(Action::Edit(new));
                }
            }
            Err(message) => refused.set(Some((field.path.clone(), message))),
        }
    };
    let invalid = !messages.is_empty();
    let problem = invalid.then(|| {
        html! {
            <p class="field-problem" id={error_id.clone()} role="alert">
                { messages.join(" ") }
            </p>
        }
    });
    let described = if invalid {
        error_id.clone()
    } else {
        format!("{id}-hint")
    };
    let input = match field.kind {
        FieldKind::Switch | FieldKind::Nat => {
            let onchange = Callback::from(move |e: Event| {
                let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                commit(input.checked().to_string());
            });
            html! {
                <input type="checkbox" id={id.clone()} checked={value == "true"}
                    aria-describedby={described} {onchange} />
            }
        }
        kind => {
            // Changes apply on Enter or on leaving the field (`change`), so a list
            // or a number is not rewritten under the caret while it is typed.
            let onchange = Callback::from(move |e: Event| {
                let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                commit(input.value());
            });
            let input_type = if kind == FieldKind::Secret {
                "password"
            } else {
                "text"
            };
            html! {
                <input type={input_type} id={id.clone()} value={value.to_owned()}
                    spellcheck="false" autocomplete="off"
                    aria-invalid={invalid.to_string()} aria-describedby={described}
                    {onchange} />
            }
        }
    };
    html! {
        <div class={classes!("edit-field", invalid.then_some("invalid"))} data-path={field.path.clone()}>
            <label for={id.clone()}>{ field.label }</label>
            { input }
            <p class="field-hint" id={format!("{id}-hint")}>{ field.hint }</p>
            { for problem }
        </div>
    }
}
