//! State changes and SAs up and down, on their peer's lane at their time.

use yew::prelude::*;

use crate::model::lanes::MarkKind;
use crate::state::LabRef;

#[derive(Properties, PartialEq)]
pub(crate) struct MarksProps {
    pub(crate) lab: LabRef,
    pub(crate) step: usize,
}

#[function_component(Marks)]
pub(crate) fn marks(props: &MarksProps) -> Html {
    let lab = &props.lab;
    let mut stacked: Vec<(String, u64, usize)> = Vec::new();
    let shown = lab.marks.iter().filter(|m| m.line < props.step).map(|mark| {
        let depth = match stacked.iter_mut().find(|(p, t, _)| *p == mark.peer && *t == mark.t_us) {
            Some((_, _, n)) => {
                *n += 1;
                *n
            }
            None => {
                stacked.push((mark.peer.clone(), mark.t_us, 0));
                0
            }
        };
        let x = lab.lanes.x(&mark.peer);
        let y = lab.scale.y(mark.t_us) + 8.0 + depth as f64 * 22.0;
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
