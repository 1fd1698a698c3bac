use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(crate) struct FooterProps {
    /// The version of the engine compiled into this WASM module.
    pub(crate) engine_version: AttrValue,
}

/// Footer: which engine build the page runs.
#[function_component(Footer)]
pub(crate) fn footer(props: &FooterProps) -> Html {
    html! {
        <footer class="lab-footer">
            { "ikelab-engine " }
            <span id="engine-version">{ props.engine_version.clone() }</span>
        </footer>
    }
}
