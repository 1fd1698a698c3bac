use yew::prelude::*;

/// Title bar: what the page is.
#[function_component(Header)]
pub(crate) fn header() -> Html {
    html! {
        <header class="lab-header">
            <h1>{ "IKElab" }</h1>
            <p class="tagline">{ "IKEv2 and ESP between two real engines, in your browser: every byte explained" }</p>
        </header>
    }
}
