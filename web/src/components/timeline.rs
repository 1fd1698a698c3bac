use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(crate) struct TimelineProps {
    /// Label of the left lane (the peer that sends the first IKE_SA_INIT).
    pub(crate) initiator: AttrValue,
    /// Label of the right lane.
    pub(crate) responder: AttrValue,
}

/// The exchange timeline: one lane per peer, messages drawn between them as the
/// trace is played. Until a scenario runs, the lanes are empty and say so.
#[function_component(Timeline)]
pub(crate) fn timeline(props: &TimelineProps) -> Html {
    html! {
        <section class="timeline" aria-label="Exchange timeline">
            <div class="lane lane-initiator" data-lane="initiator">
                <h2>{ props.initiator.clone() }</h2>
            </div>
            <div class="lane-gap">
                <p class="timeline-empty">{ "No exchange yet: messages between the peers appear here." }</p>
            </div>
            <div class="lane lane-responder" data-lane="responder">
                <h2>{ props.responder.clone() }</h2>
            </div>
        </section>
    }
}
