//! State changes and SAs up and down, on their peer's lane at their time.

use yew::prelude::*;

use crate::model::lanes::MarkKind;
use crate::state::LabRef;

#[derive(Properties, PartialEq)]
pub(crate) struct MarksProps {
    pub(crate) lab: LabRef,
    /// Each mark's top, from the ladder.
    pub(crate) tops: Vec<f64>,
    pub(crate) step: usize,
}

#[function_component(Marks)]
pub(crate) fn marks(props: &MarksProps) -> Html {
    let lab = &props.lab;
    let shown = lab.marks.iter().zip(&props.tops).filter(|(m, _)| m.line < props.step).map(|(mark, &y)| {
        let x = lab.lanes.x(&mark.peer);
        let (class, icon) = match mark.kind {
            MarkKind::State => ("mark state", "●"),
            MarkKind::Up => ("mark up", "▲"),
            MarkKind::Down => ("mark down", "▼"),
        };
        let side = if x > 50.0 { "right" } else { "left" };
        html! {
            <div class={classes!(class, side)} style={format!("left:{x}%;top:{y}px")} data-peer={mark.peer.clone()}>
                <span aria-hidden="true">{ icon }</span>{ " " }{ &mark.text }
            </div>
        }
    });
    html! { <div class="mark-list">{ for shown }</div> }
}
