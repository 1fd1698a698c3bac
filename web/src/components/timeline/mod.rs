//! The timeline: Initiator lane | the network (NAT box, firewall) | Responder lane,
//! virtual time down the page, one arrow per datagram, idle stretches folded.

mod arrow;
mod marks;

use std::collections::BTreeSet;

use yew::prelude::*;

use crate::model::layout::{FIREWALL_X, bursts, ladder};
use crate::model::lines::format_time;
use crate::state::{Action, LabRef, LabState};
use arrow::Arrow;

#[derive(Properties, PartialEq)]
pub(crate) struct TimelineProps {
    pub(crate) lab: LabRef,
    pub(crate) step: usize,
    pub(crate) playing: bool,
    /// How long the newest arrow travels while playing (ms).
    pub(crate) travel_ms: f64,
    pub(crate) selected: Option<usize>,
    /// Records a panel lights up (`LabState::highlighted`).
    pub(crate) highlighted: Option<std::rc::Rc<[usize]>>,
    pub(crate) open_bursts: BTreeSet<usize>,
    pub(crate) dispatch: UseReducerDispatcher<LabState>,
}

fn lane_title(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[function_component(Timeline)]
pub(crate) fn timeline(props: &TimelineProps) -> Html {
    let lab = &props.lab;
    let lanes = &lab.lanes;
    let scale = use_memo((lab.clone(), props.open_bursts.clone()), |(lab, open)| {
        ladder(&lab.flights, &lab.lanes, &lab.marks, open)
    });
    let scroller = use_node_ref();
    let now_y = props
        .step
        .checked_sub(1)
        .and_then(|i| lab.lines.get(i))
        .map(|l| scale.y(l.t_us));
    {
        let scroller = scroller.clone();
        use_effect_with(now_y.map(|y| y as i32), move |y| {
            if let (Some(y), Some(el)) = (y, scroller.cast::<web_sys::Element>()) {
                let height = el.client_height();
                if *y < el.scroll_top() + 40 || *y > el.scroll_top() + height - 80 {
                    el.set_scroll_top((y - height / 2).max(0));
                }
            }
        });
    }
    let bursts = use_memo(lab.clone(), |lab| bursts(&lab.flights, &lab.lanes));
    let reduced = crate::effects::prefers_reduced_motion();
    let arrows = lab
        .flights
        .iter()
        .enumerate()
        .filter(|(_, f)| f.send_line < props.step)
        .filter_map(|(index, flight)| {
            let place = scale.flights.get(index).cloned().flatten()?;
            let burst = bursts
                .iter()
                .find(|b| b.first == index && !props.open_bursts.contains(&b.first))
                .map(|b| b.count);
            Some(html! {
                <Arrow
                    key={index}
                    index={index}
                    lab={lab.clone()}
                    place={place}
                    arrived={flight.end_line.is_some_and(|l| l < props.step)}
                    travelling={props.playing && !reduced && flight.send_line + 1 == props.step}
                    travel_ms={props.travel_ms}
                    selected={props.selected.is_some_and(|s| s == flight.send_record || Some(s) == flight.end_record)}
                    lit={crate::state::is_lit(props.highlighted.as_deref(), flight.send_record) || flight.end_record.is_some_and(|e| crate::state::is_lit(props.highlighted.as_deref(), e))}
                    burst={burst}
                    dispatch={props.dispatch.clone()}
                />
            })
        });
    let folds = scale.folds.iter().map(|fold| {
        html! {
            <div class="fold" style={format!("top:{}px;height:{}px", fold.y, fold.height)}>
                <span>{ format!("⋯ {} idle ⋯", format_time(fold.idle_us)) }</span>
            </div>
        }
    });
    let mut columns = vec![(lanes.left.clone(), lanes.x(&lanes.left), "lane-initiator")];
    columns.push((lanes.right.clone(), lanes.x(&lanes.right), "lane-responder"));
    for third in &lanes.third {
        columns.push((third.clone(), lanes.x(third), "lane-third"));
    }
    let heads = columns.iter().map(|(name, x, class)| html! {
        <div class={classes!("lane-head", *class)} data-lane={name.clone()} style={format!("left:{x}%")}>
            <h2>{ lane_title(name) }</h2>
        </div>
    });
    let lane_lines = columns.iter().map(|(_, x, class)| html! {
        <line class={classes!("lane-line", *class)} x1={format!("{x}%")} x2={format!("{x}%")} y1="0" y2={scale.height.to_string()} />
    });
    let nat = lanes.nat_x().map(|x| html! {
        <>
            <div class="lane-head box-head" data-box="nat" style={format!("left:{x}%")}>
                <h2>{ "NAT box" }</h2>
                <small>{ format!("in front of the {}", lanes.nat_behind.clone().unwrap_or_default()) }</small>
            </div>
        </>
    });
    let firewall = lanes.firewall.as_ref().map(|rule| html! {
        <div class="lane-head box-head" data-box="firewall" style={format!("left:{FIREWALL_X}%")}>
            <h2>{ "Firewall" }</h2>
            <small>{ rule }</small>
        </div>
    });
    let box_lines = lanes
        .nat_x()
        .into_iter()
        .map(|x| ("box-line nat-line", x))
        .chain(lanes.firewall.as_ref().map(|_| ("box-line firewall-line", FIREWALL_X)))
        .map(|(class, x)| html! {
            <line class={class} x1={format!("{x}%")} x2={format!("{x}%")} y1="0" y2={scale.height.to_string()} />
        });
    let marks =
        html! { <marks::Marks lab={lab.clone()} tops={scale.marks.clone()} step={props.step} /> };
    let empty = props.step == 0;
    html! {
        <section class="timeline" aria-label="Exchange timeline">
            <div class="lane-heads">
                { for heads }
                { for nat }
                { for firewall }
                <div class="network-head"><span>{ "network" }</span></div>
            </div>
            // Focusable, so a keyboard can scroll a long run (WCAG 2.1.1).
            <div class="ladder-scroll" ref={scroller} tabindex="0" aria-label="The exchange, message by message">
                <div class="ladder" style={format!("height:{}px", scale.height)}>
                    <svg class="ladder-lines" width="100%" height={scale.height.to_string()} aria-hidden="true">
                        <defs>
                            <marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
                                <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
                            </marker>
                        </defs>
                        { for lane_lines }
                        { for box_lines }
                    </svg>
                    <div class="folds">{ for folds }</div>
                    <div class="now" hidden={now_y.is_none()} style={format!("top:{}px", now_y.unwrap_or(0.0))} aria-hidden="true"></div>
                    <div class="marks">{ marks }</div>
                    <div class="flights">{ for arrows }</div>
                    <p class="timeline-empty" hidden={!empty}>{ "Press Play (or Space) to watch the peers talk; Step (→) moves one event at a time." }</p>
                </div>
            </div>
        </section>
    }
}

/// A click on a group folds it open.
pub(crate) fn open_burst(
    dispatch: &UseReducerDispatcher<LabState>,
    first: usize,
) -> Callback<MouseEvent> {
    let dispatch = dispatch.clone();
    Callback::from(move |_| dispatch.dispatch(Action::OpenBurst(first)))
}
