use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(crate) struct FooterProps {
    /// The version of the engine compiled into this WASM module.
    pub(crate) engine_version: AttrValue,
    /// SHA-256 of the trace on screen (`ikelab sim NAME --seed N --trace` gives the same).
    pub(crate) sha256: String,
    /// How many records the trace holds.
    pub(crate) records: usize,
}

/// Footer: which engine build the page runs, and the fingerprint of the run shown.
#[function_component(Footer)]
pub(crate) fn footer(props: &FooterProps) -> Html {
    html! {
        <footer class="lab-footer">
            { "ikelab-engine " }
            <span id="engine-version">{ props.engine_version.clone() }</span>
            { " · this run's trace SHA-256 " }
            <code id="trace-sha256" data-sha256={props.sha256.clone()} data-records={props.records.to_string()}>{ &props.sha256[..16.min(props.sha256.len())] }{ "…" }</code>
            { " (the same bytes as " }<code>{ "ikelab sim NAME --seed N --trace" }</code>{ ")" }
        </footer>
    }
}
