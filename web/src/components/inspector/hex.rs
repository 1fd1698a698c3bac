//! The hex view: 16 octets a row with an offset gutter and ASCII, one block per
//! buffer (the message, then each decrypted SK block); the active field's octets are
//! highlighted and a click on an octet selects the innermost field covering it.

use yew::prelude::*;

use crate::model::dissection::{Buffer, FieldView, innermost};

#[derive(Properties, PartialEq)]
pub(crate) struct HexProps {
    pub(crate) buffers: Vec<Buffer>,
    pub(crate) fields: Vec<FieldView>,
    pub(crate) active: Option<usize>,
    pub(crate) select: Callback<Option<usize>>,
}

const ROW: usize = 16;

#[function_component(Hex)]
pub(crate) fn hex(props: &HexProps) -> Html {
    let active = props.active.and_then(|f| props.fields.get(f));
    let blocks = props.buffers.iter().enumerate().map(|(buffer, b)| {
        let lit = |offset: usize| active.is_some_and(|f| f.buffer == buffer && f.range.contains(&offset));
        let rows = b.bytes.chunks(ROW).enumerate().map(|(row, chunk)| {
            let base = row * ROW;
            let cells = chunk.iter().enumerate().map(|(i, byte)| {
                let offset = base + i;
                html! {
                    <span class={classes!("byte", lit(offset).then_some("hl"))} data-buffer={buffer.to_string()} data-offset={offset.to_string()}>
                        { format!("{byte:02x}") }
                    </span>
                }
            });
            let ascii: Html = chunk.iter().enumerate().map(|(i, byte)| {
                let c = if byte.is_ascii_graphic() { *byte as char } else { '.' };
                html! { <span class={classes!(lit(base + i).then_some("hl"))}>{ c }</span> }
            }).collect();
            html! {
                <div class="hex-row">
                    <span class="gutter">{ format!("{base:04x}") }</span>
                    <span class="octets">{ for cells }</span>
                    <span class="ascii" aria-hidden="true">{ ascii }</span>
                </div>
            }
        });
        html! {
            <div class="hex-block" data-buffer={buffer.to_string()}>
                <h3>{ &b.label }</h3>
                <div class="hex-rows">{ for rows }</div>
            </div>
        }
    });
    // One listener for every octet: the clicked octet says where it is.
    let onclick = {
        let select = props.select.clone();
        let fields = props.fields.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(target) = e.target_dyn_into::<web_sys::Element>() else {
                return;
            };
            let number = |name: &str| {
                target
                    .get_attribute(name)
                    .and_then(|v| v.parse::<usize>().ok())
            };
            let (Some(buffer), Some(offset)) = (number("data-buffer"), number("data-offset"))
            else {
                return;
            };
            select.emit(innermost(&fields, buffer, offset));
        })
    };
    html! {
        <div class="hex" aria-label="Bytes" tabindex="0" {onclick}>
            if props.buffers.is_empty() {
                <p class="muted">{ "This trace does not record this packet's octets." }</p>
            }
            { for blocks }
        </div>
    }
}
