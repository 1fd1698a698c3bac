//! The lab's shell: header, the two-lane exchange timeline, footer.

use yew::prelude::*;

use crate::components::{footer::Footer, header::Header, timeline::Timeline};

/// The root component mounted into `#app` by `index.html`.
#[function_component(App)]
pub fn app() -> Html {
    html! {
        <div class="lab">
            <Header />
            <main class="lab-main">
                <Timeline initiator="Initiator" responder="Responder" />
            </main>
            <Footer engine_version={ikelab_engine::VERSION} />
        </div>
    }
}
