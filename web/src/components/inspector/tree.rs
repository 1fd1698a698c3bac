//! The dissection tree: every field with its value, indented by depth, the decrypted
//! SK contents under their own heading.

use yew::prelude::*;

use crate::model::dissection::FieldView;

#[derive(Properties, PartialEq)]
pub(crate) struct TreeProps {
    pub(crate) fields: Vec<FieldView>,
    pub(crate) selected: Option<usize>,
    pub(crate) active: Option<usize>,
    pub(crate) select: Callback<Option<usize>>,
    pub(crate) hover: Callback<Option<usize>>,
}

#[function_component(Tree)]
pub(crate) fn tree(props: &TreeProps) -> Html {
    let leave = {
        let hover = props.hover.clone();
        Callback::from(move |_: MouseEvent| hover.emit(None))
    };
    let rows = props.fields.iter().enumerate().map(|(index, field)| {
        let select = props.select.clone();
        let onclick = Callback::from(move |_: MouseEvent| select.emit(Some(index)));
        let hover = props.hover.clone();
        let onmouseenter = Callback::from(move |_: MouseEvent| hover.emit(Some(index)));
        let selected = props.selected == Some(index);
        let class = classes!(
            "field-row",
            field.has_children.then_some("node"),
            selected.then_some("selected"),
            (props.active == Some(index)).then_some("active"),
        );
        html! {
            <li key={index} style={format!("--depth:{}", field.depth)}>
                    { for field.starts_block.as_ref().map(|heading| html! {
                        <div class="block-heading">{ heading }</div>
                    }) }
                    <button type="button" {class} {onclick} {onmouseenter}
                        data-field={index.to_string()} data-name={field.name.clone()}
                        data-buffer={field.buffer.to_string()} data-depth={field.depth.to_string()}
                        data-start={field.range.start.to_string()} data-end={field.range.end.to_string()}
                        aria-pressed={if selected { "true" } else { "false" }}>
                        <span class="name">{ &field.name }</span>
                        <span class="value">{ &field.value }</span>
                    </button>
            </li>
        }
    });
    html! {
        <ul class="tree" aria-label="Dissection" onmouseleave={leave}>
            { for rows }
        </ul>
    }
}
