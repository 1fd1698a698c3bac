//! One datagram on the timeline: its arrow, its charon-style label with ports, and
//! what happened to it, each drawn as what it is (shape and words, not colour alone).

use yew::prelude::*;

use crate::model::flights::{Fate, Flight, FlightKind};
use crate::model::ladder::FlightPlace;
use crate::model::layout::{badges, end_note};
use crate::state::{Action, LabRef, LabState};

#[derive(Properties, PartialEq)]
pub(crate) struct ArrowProps {
    pub(crate) index: usize,
    pub(crate) lab: LabRef,
    /// Where the ladder put it.
    pub(crate) place: FlightPlace,
    /// The receiver's record has been played.
    pub(crate) arrived: bool,
    /// Animate its travel across the network.
    pub(crate) travelling: bool,
    pub(crate) travel_ms: f64,
    pub(crate) selected: bool,
    /// A panel lights it up (the messages a key opens, say).
    pub(crate) lit: bool,
    /// The first flight of a folded burst of this many.
    pub(crate) burst: Option<usize>,
    pub(crate) dispatch: UseReducerDispatcher<LabState>,
}

fn kind_class(flight: &Flight) -> Classes {
    classes!(
        match flight.kind {
            FlightKind::Ike => "ike",
            FlightKind::Keepalive => "keepalive",
            FlightKind::Esp | FlightKind::EspInUdp => "esp",
            FlightKind::Other => "other",
        },
        (flight.retransmission > 0).then_some("retransmit"),
        flight.duplicate.then_some("duplicate"),
        flight.replay.then_some("replay"),
        match flight.fate {
            Fate::Lost => Some("lost"),
            Fate::DroppedOut(_) | Fate::DroppedIn(_) => Some("dropped"),
            Fate::Delivered | Fate::InFlight => None,
        },
        flight.refused.is_some().then_some("refused"),
    )
}

#[function_component(Arrow)]
pub(crate) fn arrow(props: &ArrowProps) -> Html {
    let lab = &props.lab;
    let Some(flight) = lab.flights.get(props.index) else {
        return Html::default();
    };
    let lanes = &lab.lanes;
    let x0 = lanes.x(&flight.from);
    let x1 = lanes.end_x(flight);
    let place = &props.place;
    let (y0, y1) = (place.y_send, place.y_end);
    let stops_on_path = matches!(flight.fate, Fate::Lost | Fate::DroppedOut(_));
    // Labels sit in the middle of the network column, in their own row.
    let label_x = 50.0;
    let class = classes!(
        "flight",
        kind_class(flight),
        (!props.arrived && !stops_on_path).then_some("pending"),
        props.selected.then_some("selected"),
        props.lit.then_some("lit"),
        props.travelling.then_some("travelling"),
    );
    let onclick = {
        let dispatch = props.dispatch.clone();
        let record = flight.send_record;
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::SelectRecord(record)))
    };
    // The note where it ends: on the path (lost, dropped on the way out) at once, at
    // the receiver or the NAT box once it got there.
    let note = end_note(flight)
        .zip(place.note_top)
        .filter(|_| stops_on_path || props.arrived)
        .map(|(text, top)| {
            let class = match flight.fate {
                Fate::Lost => "end-mark lost",
                Fate::DroppedOut(_) | Fate::DroppedIn(_) => "end-mark dropped",
                Fate::Delivered | Fate::InFlight => "end-mark refused",
            };
            let side = if x1 > 60.0 { "right" } else if x1 < 40.0 { "left" } else { "middle" };
            html! { <div class={classes!(class, side)} style={format!("left:{x1}%;top:{top}px")}>{ text }</div> }
        });
    let nat_marks = [(&flight.nat_out, true), (&flight.nat_in, false)]
        .into_iter()
        .filter_map(|(rewrite, out)| {
            let rewrite = rewrite.as_ref()?;
            let nx = lanes.nat_x()?;
            let y = if out { place.nat_out_top } else { place.nat_in_top }?;
            let (before, after) = if out {
                (rewrite.before.0, rewrite.after.0)
            } else {
                (rewrite.before.1, rewrite.after.1)
            };
            (out || props.arrived).then(|| html! {
                <div class="nat-rewrite" style={format!("left:{nx}%;top:{y}px")} data-before={before.to_string()} data-after={after.to_string()}>
                    <span class="nat-what">{ if out { "NAT: source" } else { "NAT: destination" } }</span>
                    <span>{ before.to_string() }</span>
                    <span>{ format!("→ {after}") }</span>
                </div>
            })
        });
    let badges = badges(flight);
    let travel = props.travelling.then(|| html! {
        <div class="packet" aria-hidden="true"
            style={format!("--x0:{x0}%;--y0:{y0}px;--x1:{x1}%;--y1:{y1}px;--dur:{}ms", props.travel_ms.round())}></div>
    });
    html! {
        <div class="flight-group">
            <svg class={classes!("arrow", class.clone())} width="100%" height="100%" aria-hidden="true">
                <line x1={format!("{x0}%")} y1={y0.to_string()} x2={format!("{x1}%")} y2={y1.to_string()}
                    marker-end={if stops_on_path { "" } else { "url(#head)" }} />
            </svg>
            { travel }
            <button type="button" class={classes!("flight-label", class)} onclick={onclick}
                data-flight={props.index.to_string()} data-record={flight.send_record.to_string()}
                style={format!("left:{label_x}%;top:{}px", place.label_top)}>
                { for badges.iter().map(|b| html! { <span class="badge">{ *b }</span> }) }
                <span class="summary">{ &flight.label }</span>
                <span class="ports">{ &flight.ports }</span>
            </button>
            if let Some(count) = props.burst {
                <button type="button" class="burst" onclick={super::open_burst(&props.dispatch, props.index)}
                    style={format!("left:{label_x}%;top:{}px", place.burst_top.unwrap_or(place.label_top + place.label_height))}>
                    { format!("▸ +{} more like this from the same party — show all", count - 1) }
                </button>
            }
            { for note }
            { for nat_marks }
        </div>
    }
}
