//! The Keys panel: every key each peer derived up to the current step, grouped by
//! peer, IKE SA and CHILD SA, each with its formula and RFC section (RFC 7296
//! §2.14, §2.17, §2.18), this run's inputs and its value; a key that protects
//! traffic lights up the SK payloads or ESP packets it opens
//! (`Action::Highlight`), and each of those selects its message.
//!
//! Hooks for browser tests: `section.keys-panel`; per peer `section.keys-peer
//! [data-peer]`; per IKE SA `article.keys-sa[data-spi-i][data-spi-r]`; per CHILD SA
//! `div.keys-child[data-spi-to-responder][data-spi-to-initiator]`; per step
//! `div.key-step[data-step][data-record]`; per key `li.key[data-key][data-value]
//! [data-peer]` (`data-key`: `g^ir`, `SKEYSEED`, `SK_d`, `SK_ai` … `SK_pr`, `KEYMAT`,
//! `ESP_ei`, `ESP_ai`, `ESP_er`, `ESP_ar`; `data-value`: lowercase hex, the whole
//! value), its `button.key-show[aria-pressed]` and its `button.key-link[data-record]`
//! links; `p.key-table[data-file][data-column][data-cell]` says where it is in
//! the downloaded Wireshark tables.

mod value;

use std::rc::Rc;

use yew::prelude::*;

use crate::components::PanelProps;
use crate::model::Lab;
use crate::model::keys::{
    ChildSchedule, IkeSaSchedule, Key, KeyKind, KeysModel, Link, LinkRole, Side, Step,
};
use crate::model::lines::format_time;
use crate::state::{Action, LabState};

use value::HexValue;

/// What every part of the panel needs to render and to act.
#[derive(Clone)]
struct Ctx {
    lab: Rc<Lab>,
    /// The last record played (`None` before the first step).
    played: Option<usize>,
    selected: Option<usize>,
    /// The DOM id of the key whose records are lit.
    active: UseStateHandle<Option<String>>,
    dispatch: UseReducerDispatcher<LabState>,
}

impl Ctx {
    fn is_played(&self, record: usize) -> bool {
        self.played.is_some_and(|p| record <= p)
    }

    /// Selects `record`; one not played yet is played up to first.
    fn go_to(&self, record: usize) -> Callback<MouseEvent> {
        let dispatch = self.dispatch.clone();
        let played = self.is_played(record);
        // Lines played once `record` is: every line up to and including it.
        let step = self.lab.lines.partition_point(|l| l.record <= record);
        Callback::from(move |_| {
            if !played {
                dispatch.dispatch(Action::Seek(step));
            }
            dispatch.dispatch(Action::SelectRecord(record));
        })
    }
}

#[function_component(Keys)]
pub(crate) fn keys(props: &PanelProps) -> Html {
    let model = use_memo(props.lab.clone(), |lab| KeysModel::from_trace(&lab.trace));
    let active = use_state_eq(|| None::<String>);
    // One peer's keys at a time (both peers derive the same values): the first
    // peer's until the reader picks the other.
    let chosen = use_state_eq(|| None::<String>);
    {
        // A new run lights nothing of ours.
        let active = active.clone();
        use_effect_with(props.lab.clone(), move |_| active.set(None));
    }
    let lab = &props.lab;
    let played = props
        .step
        .checked_sub(1)
        .and_then(|i| lab.lines.get(i))
        .map(|l| l.record);
    let ctx = Ctx {
        lab: lab.0.clone(),
        played,
        selected: props.selected,
        active: active.clone(),
        dispatch: props.dispatch.clone(),
    };
    let clear = {
        let active = active.clone();
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            active.set(None);
            dispatch.dispatch(Action::Highlight(None));
        })
    };
    let shown = model.peers.iter().any(|p| {
        p.ike_sas
            .iter()
            .any(|sa| sa.first_record().is_some_and(|r| ctx.is_played(r)))
    });
    let later = model
        .peers
        .iter()
        .flat_map(|p| &p.ike_sas)
        .flat_map(|sa| sa.steps.iter().chain(sa.children.iter().map(|c| &c.step)))
        .filter(|s| !ctx.is_played(s.record))
        .count();
    html! {
        <section class="keys-panel" aria-labelledby="keys-title">
            <div class="keys-head">
                <h2 id="keys-title">{ "Keys" }</h2>
                if active.is_some() {
                    <button type="button" class="keys-clear" onclick={clear}>{ "Clear the highlight" }</button>
                }
            </div>
            <p class="keys-intro">
                { "Both peers compute the same keys without ever sending them: a Diffie-Hellman \
                   shared secret, then SKEYSEED, then one key per job (RFC 7296 §2.14). SK_ei \
                   encrypts what the initiator sends, SK_er what the responder sends; each CHILD \
                   SA gets its own ESP keys from SK_d (§2.17). “Show what it opens” lights up \
                   the messages or packets a key protects." }
            </p>
            if model.is_empty() {
                <p class="keys-none muted">
                    { "This trace has no key records: the peers ran without a key log (a bridge \
                       session records keys only with --keys)." }
                </p>
            } else if !shown {
                <p class="keys-none muted">
                    { "No key yet: the first ones are derived when IKE_SA_INIT is done. Step forward." }
                </p>
            }
            { peer_choice(&model, &ctx, &chosen) }
            { for model.peers.iter().filter(|p| p.ike_sas.iter().any(|sa| sa.first_record().is_some_and(|r| ctx.is_played(r)))).filter(|p| shows(&model, &chosen, &p.peer)).map(|p| {
                let heading = format!("keys-peer-{}", slug(&p.peer));
                html! {
                    <section class="keys-peer" data-peer={p.peer.clone()} aria-labelledby={heading.clone()}>
                        <h3 id={heading} class={classes!("keys-peer-name", peer_class(&p.peer))}>{ format!("Keys of {}", p.peer) }</h3>
                        { for p.ike_sas.iter().enumerate()
                            .filter(|(_, sa)| sa.first_record().is_some_and(|r| ctx.is_played(r)))
                            .map(|(index, sa)| ike_sa(&ctx, &p.peer, index, sa)) }
                    </section>
                }
            }) }
            if later > 0 && !model.is_empty() {
                <p class="keys-later muted">
                    { format!("{later} more key derivation step{} later in this run.", if later == 1 { "" } else { "s" }) }
                </p>
            }
        </section>
    }
}

/// Whether `peer`'s keys are the ones on show.
fn shows(model: &KeysModel, chosen: &UseStateHandle<Option<String>>, peer: &str) -> bool {
    match &**chosen {
        Some(name) if model.peers.iter().any(|p| p.peer == *name) => name == peer,
        // The initiator's first: the exchange is told from its side.
        _ => {
            let default = model
                .peers
                .iter()
                .find(|p| p.peer == "initiator")
                .or_else(|| model.peers.first());
            default.is_some_and(|p| p.peer == peer)
        }
    }
}

/// The choice of whose keys to show, when more than one peer logged keys.
fn peer_choice(model: &KeysModel, ctx: &Ctx, chosen: &UseStateHandle<Option<String>>) -> Html {
    let peers: Vec<&str> = model
        .peers
        .iter()
        .filter(|p| {
            p.ike_sas
                .iter()
                .any(|sa| sa.first_record().is_some_and(|r| ctx.is_played(r)))
        })
        .map(|p| p.peer.as_str())
        .collect();
    let mut peers = peers;
    peers.sort_by_key(|p| *p != "initiator");
    if peers.len() < 2 {
        return Html::default();
    }
    html! {
        <fieldset class="keys-choice">
            <legend>{ "Whose keys (both compute the same values; each uses them the other way round)" }</legend>
            { for peers.into_iter().map(|peer| {
                let onchange = {
                    let chosen = chosen.clone();
                    let peer = peer.to_owned();
                    Callback::from(move |_: Event| chosen.set(Some(peer.clone())))
                };
                html! {
                    <label class={classes!("keys-choice-peer", peer_class(peer))}>
                        <input type="radio" name="keys-peer" id={format!("keys-of-{}", slug(peer))}
                            checked={shows(model, chosen, peer)} {onchange} />
                        { format!("the {peer}'s") }
                    </label>
                }
            }) }
        </fieldset>
    }
}

fn ike_sa(ctx: &Ctx, peer: &str, index: usize, sa: &IkeSaSchedule) -> Html {
    let id = format!("keys-{}-{index}", slug(peer));
    let role = sa.local.map(|side| {
        format!(
            "{peer} is this IKE SA's {}: it sends with SK_e{} and SK_a{}, and opens what it receives with SK_e{} and SK_a{}.",
            side.word(),
            letter(side),
            letter(side),
            letter(side.other()),
            letter(side.other()),
        )
    });
    html! {
        <article class="keys-sa" id={id.clone()} aria-labelledby={format!("{id}-title")}
            data-spi-i={sa.spi_i.clone().unwrap_or_default()} data-spi-r={sa.spi_r.clone().unwrap_or_default()}>
            <h4 id={format!("{id}-title")}>{ sa.title() }</h4>
            <p class="keys-sa-about">
                if sa.rekey {
                    <span class="keys-rekey">{ "A rekey of an earlier IKE SA (RFC 7296 §2.18). " }</span>
                }
                if let Some(algorithms) = &sa.algorithms {
                    { format!("Algorithms: {algorithms}. ") }
                }
                if let Some(role) = role {
                    { role }
                }
            </p>
            if let Some(problem) = &sa.table_problem {
                <p class="keys-table-problem">{ format!("Not in the downloaded ikev2_decryption_table: {problem}.") }</p>
            }
            { for sa.steps.iter().filter(|s| ctx.is_played(s.record)).map(|s| step(ctx, peer, &id, s)) }
            { for sa.children.iter().enumerate()
                .filter(|(_, c)| ctx.is_played(c.step.record))
                .map(|(n, c)| child(ctx, peer, &format!("{id}-c{n}"), c)) }
        </article>
    }
}

fn child(ctx: &Ctx, peer: &str, id: &str, c: &ChildSchedule) -> Html {
    let title = match &c.sa {
        Some(info) => format!(
            "CHILD SA #{}: SPI 0x{:08x} to the responder, 0x{:08x} to the initiator",
            info.child, info.spi_to_responder, info.spi_to_initiator
        ),
        None => "CHILD SA (its SPIs are not in the trace)".to_owned(),
    };
    let about = c.sa.as_ref().map(|info| {
        format!(
            "Algorithms: {}. {peer} was the {} of the exchange that created it, so its “initiator to responder” keys are the ones {}.",
            info.algorithms,
            info.local.word(),
            match info.local {
                Side::Initiator => "it sends with",
                Side::Responder => "it opens received packets with",
            }
        )
    });
    html! {
        <div class="keys-child" role="group" id={id.to_owned()} aria-labelledby={format!("{id}-title")}
            data-spi-to-responder={c.sa.as_ref().map(|i| format!("{:08x}", i.spi_to_responder)).unwrap_or_default()}
            data-spi-to-initiator={c.sa.as_ref().map(|i| format!("{:08x}", i.spi_to_initiator)).unwrap_or_default()}>
            <h5 id={format!("{id}-title")}>{ title }</h5>
            if let Some(about) = about {
                <p class="keys-sa-about">{ about }</p>
            }
            if let Some(problem) = c.sa.as_ref().and_then(|i| i.table_problem.as_ref()) {
                <p class="keys-table-problem">{ format!("Not in the downloaded esp_sa: {problem}.") }</p>
            }
            { step(ctx, peer, id, &c.step) }
        </div>
    }
}

fn step(ctx: &Ctx, peer: &str, id: &str, s: &Step) -> Html {
    let derived = format!("{} at {}", peer, format_time(s.t_us));
    html! {
        <div class="key-step" data-step={s.name.clone()} data-record={s.record.to_string()}>
            <div class="key-step-head">
                <span class="key-step-name">{ &s.name }</span>
                <span class="key-rfc">{ &s.rfc }</span>
                <button type="button" class="key-derived" onclick={ctx.go_to(s.record)}
                    title={format!("Select the record where {} was derived", s.name)}>
                    { format!("derived by {derived}") }
                </button>
            </div>
            <p class="key-formula"><code>{ &s.formula }</code>
                if !s.prf.is_empty() {
                    <span class="key-prf">{ format!(" with prf = {}", s.prf) }</span>
                }
            </p>
            if !s.inputs.is_empty() {
                <dl class="key-inputs" aria-label={format!("Inputs of {}", s.name)}>
                    { for s.inputs.iter().map(|input| html! {
                        <div class="key-input" data-input={input.name.clone()} data-value={input.hex.clone()}>
                            <dt>{ &input.name }
                                if !input.meaning.is_empty() {
                                    <span class="key-input-meaning">{ format!(" — {}", input.meaning) }</span>
                                }
                            </dt>
                            <dd><HexValue hex={input.hex.clone()} salt={0} /></dd>
                        </div>
                    }) }
                </dl>
            }
            <ul class="key-outputs" aria-label={format!("Computed by {}", s.name)}>
                { for s.outputs.iter().map(|k| key(ctx, peer, id, k)) }
            </ul>
        </div>
    }
}

fn key(ctx: &Ctx, peer: &str, id: &str, k: &Key) -> Html {
    let key_id = format!("{id}-{}", slug(k.code()));
    let pressed = ctx.active.as_deref() == Some(key_id.as_str());
    let what = match k.kind {
        KeyKind::EspEncr(_) | KeyKind::EspInteg(_) => "ESP packets",
        _ => "messages",
    };
    let show = {
        let active = ctx.active.clone();
        let dispatch = ctx.dispatch.clone();
        let records = k.records.clone();
        let key_id = key_id.clone();
        Callback::from(move |_: MouseEvent| {
            if pressed {
                active.set(None);
                dispatch.dispatch(Action::Highlight(None));
            } else {
                active.set(Some(key_id.clone()));
                dispatch.dispatch(Action::Highlight(Some(records.clone())));
            }
        })
    };
    let name = if k.kind.code().is_some_and(|c| c != k.name) {
        format!("{} ({})", k.code(), k.name)
    } else {
        k.name.clone()
    };
    let size = match (k.octets(), k.salt_octets) {
        (0, _) => "empty".to_owned(),
        (n, 0) => format!("{n} octets"),
        (n, salt) => format!("{n} octets: {}-octet key + {salt}-octet salt", n - salt),
    };
    html! {
        <li class={classes!("key", pressed.then_some("active"))} id={key_id.clone()}
            data-key={k.code().to_owned()} data-value={k.hex.clone()} data-peer={peer.to_owned()}
            aria-labelledby={format!("{key_id}-name")}>
            <div class="key-head">
                <span class="key-name" id={format!("{key_id}-name")}>{ name }</span>
                <span class="key-size">{ size }</span>
            </div>
            if !k.meaning.is_empty() {
                <p class="key-meaning">{ &k.meaning }</p>
            }
            if !k.hex.is_empty() {
                <HexValue hex={k.hex.clone()} salt={k.salt_octets} />
            }
            { table_note(k) }
            if k.kind.protects_traffic() && !k.hex.is_empty() {
                if k.opens.is_empty() {
                    <p class="key-opens-none muted">{ format!("No {what} under this key are in the trace.") }</p>
                } else {
                    <div class="key-opens">
                        <button type="button" class="key-show" aria-pressed={pressed.to_string()} onclick={show}
                            aria-describedby={format!("{key_id}-name")}>
                            { if pressed { "Showing what it opens" } else { "Show what it opens" } }
                            { format!(" ({} records)", k.opens.len()) }
                        </button>
                        <details open={k.opens.len() <= 4}>
                            <summary>{ format!("The {} records of the {what} it protects", k.opens.len()) }</summary>
                            <ol class="key-links">
                                { for k.opens.iter().map(|l| link(ctx, l)) }
                            </ol>
                        </details>
                    </div>
                }
            }
        </li>
    }
}

/// How the value reads in the downloaded Wireshark tables.
fn table_note(k: &Key) -> Html {
    let Some(cell) = &k.table else {
        return Html::default();
    };
    let text = if cell.cell.is_empty() {
        format!(
            "In the downloaded {}: the {} column is empty.",
            cell.file, cell.column
        )
    } else {
        let prefix = if cell.cell.starts_with("0x") {
            "“0x” followed by "
        } else {
            ""
        };
        let salt = if k.salt_octets > 0 {
            format!(
                ", key and {}-octet salt together: the table's key includes the salt",
                k.salt_octets
            )
        } else {
            String::new()
        };
        format!(
            "In the downloaded {}: the {} column of this SA's line holds {prefix}these {} octets{salt}.",
            cell.file,
            cell.column,
            k.octets()
        )
    };
    html! {
        <details class="key-table-wrap">
            <summary>
                <span class="key-table" data-file={cell.file} data-column={cell.column} data-cell={cell.cell.clone()}>{ text }</span>
            </summary>
            <code class="key-table-line">{ &cell.line }</code>
        </details>
    }
}

fn link(ctx: &Ctx, l: &Link) -> Html {
    let played = ctx.is_played(l.record);
    let class = classes!(
        "key-link",
        (!played).then_some("future"),
        (ctx.selected == Some(l.record)).then_some("selected"),
        match l.role {
            LinkRole::Sealed => "sealed",
            LinkRole::Opened => "opened",
            LinkRole::Refused => "refused",
            LinkRole::OnTheWire => "wire",
        },
    );
    let when = ctx
        .lab
        .trace
        .records
        .get(l.record)
        .map(|r| format_time(r.t_us))
        .unwrap_or_default();
    html! {
        <li>
            <button type="button" class={class} data-record={l.record.to_string()} onclick={ctx.go_to(l.record)}
                aria-current={(ctx.selected == Some(l.record)).then_some("true")}>
                <span class="key-link-who">{ format!("{} {}", l.role.verb(), l.peer) }</span>
                <span class="key-link-when">{ format!(" at {when}{}", if played { "" } else { " (later)" }) }</span>
                <span class="key-link-what">{ &l.label }</span>
            </button>
        </li>
    }
}

/// `i` or `r`, as in SK_ei.
fn letter(side: Side) -> char {
    match side {
        Side::Initiator => 'i',
        Side::Responder => 'r',
    }
}

/// The style class of a peer's name (its lane colour).
fn peer_class(peer: &str) -> String {
    format!("peer-{}", slug(peer))
}

/// A name as an id fragment: letters, digits, `-` and `_`.
fn slug(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}
