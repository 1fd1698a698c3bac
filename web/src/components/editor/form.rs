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
        <div class="edit-form">{ for sections }</div>
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
