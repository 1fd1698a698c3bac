//! Downloads: the run's pcap, its Wireshark key folder (`ikev2_decryption_table`,
//! `esp_sa`, `preferences`), the trace JSON and the scenario TOML, all built in the
//! page from the run on screen, as `ikelab sim NAME --seed N --pcap --keys --trace`
//! writes them.

pub(crate) mod save;

use ikelab_engine::sim::{export, library};
use yew::prelude::*;

use crate::model::Origin;
use crate::state::LabRef;

#[derive(Properties, PartialEq)]
pub(crate) struct DownloadsProps {
    pub(crate) lab: LabRef,
    pub(crate) edited: Option<std::rc::Rc<str>>,
}

/// One file the panel offers.
struct Offer {
    id: &'static str,
    file: String,
    mime: &'static str,
    what: &'static str,
    build: Box<dyn Fn() -> Result<Vec<u8>, String>>,
}

/// The file names' stem: `happy-path-seed7`, or the trace file's name.
fn stem(lab: &LabRef) -> String {
    match &lab.origin {
        Origin::Scenario { name, seed } => format!("{name}-seed{seed}"),
        Origin::File { name, .. } => name
            .rsplit_once('.')
            .map_or(name.as_str(), |(stem, _)| stem)
            .to_owned(),
    }
}

fn offers(lab: &LabRef, edited: Option<&std::rc::Rc<str>>) -> Vec<Offer> {
    let stem = stem(lab);
    let mut offers = Vec::new();
    {
        let lab = lab.clone();
        offers.push(Offer {
            id: "download-pcap",
            file: format!("{stem}.pcap"),
            mime: "application/vnd.tcpdump.pcap",
            what: "Every datagram on the links, as a capture there would see it. Open it in Wireshark with the key folder below to read inside the SK payloads and ESP.",
            build: Box::new(move || {
                // A scenario's calendar time stamps the packets; a trace file has
                // none, so its packets start at the Unix epoch.
                let epoch = lab.scenario.as_ref().map_or(std::time::Duration::ZERO, |s| s.calendar_time.into());
                export::pcap(&lab.trace, epoch).map_err(|e| format!("the pcap cannot be built: {e}"))
            }),
        });
    }
    for (id, name, what) in [
        (
            "download-ikev2-table",
            "ikev2_decryption_table",
            "Wireshark's IKEv2 table: each IKE SA's SPIs and SK_ei, SK_er, SK_ai, SK_ar.",
        ),
        (
            "download-esp-sa",
            "esp_sa",
            "Wireshark's ESP table: each CHILD SA's addresses, SPI and keys, one line per direction.",
        ),
        (
            "download-preferences",
            "preferences",
            "Turns on ESP decryption with that table. Put the three files in one folder and run WIRESHARK_CONFIG_DIR=folder wireshark.",
        ),
    ] {
        let lab = lab.clone();
        offers.push(Offer {
            id,
            file: name.to_owned(),
            // Not text/plain: the browser would name the file `esp_sa.txt`, and
            // Wireshark reads its profile files by their exact names.
            mime: "application/octet-stream",
            what,
            build: Box::new(move || {
                let tables = export::key_tables(&lab.trace);
                tables
                    .files()
                    .into_iter()
                    .find(|(file, _)| *file == name)
                    .map(|(_, text)| text.into_bytes())
                    .ok_or_else(|| format!("no {name} in the key folder"))
            }),
        });
    }
    {
        let lab = lab.clone();
        offers.push(Offer {
            id: "download-trace",
            file: format!("{stem}.trace.json"),
            mime: "application/json",
            what: "Every event and datagram of the run (trace/2): the page replays it, and so does anyone you send it to.",
            build: Box::new(move || {
                lab.trace
                    .to_json()
                    .map(|json| (json + "\n").into_bytes())
                    .map_err(|e| format!("the trace cannot be written: {e}"))
            }),
        });
    }
    let scenario_text = match (&lab.origin, edited) {
        (_, Some(text)) => Some(text.to_string()),
        (Origin::Scenario { name, .. }, None) => library::text(name).map(str::to_owned),
        (Origin::File { .. }, None) => None,
    };
    if let (Some(text), Origin::Scenario { name, .. }) = (scenario_text, &lab.origin) {
        offers.push(Offer {
            id: "download-scenario",
            file: format!("{name}.toml"),
            mime: "application/toml",
            what: "The scenario, with your edits: `ikelab sim FILE.toml --seed N` plays it to this same trace.",
            build: Box::new(move || Ok(text.clone().into_bytes())),
        });
    }
    offers
}

#[function_component(Downloads)]
pub(crate) fn downloads(props: &DownloadsProps) -> Html {
    let problem = use_state(|| None::<String>);
    let offers = offers(&props.lab, props.edited.as_ref());
    let seed = match &props.lab.origin {
        Origin::Scenario { seed, .. } => Some(*seed),
        Origin::File { .. } => None,
    };
    let items = offers.into_iter().map(|offer| {
        let Offer {
            id,
            file,
            mime,
            what,
            build,
        } = offer;
        let onclick = {
            let problem = problem.clone();
            let file = file.clone();
            Callback::from(move |_| {
                let outcome = build().and_then(|bytes| save::save(&file, mime, &bytes));
                problem.set(outcome.err());
            })
        };
        html! {
            <li>
                <button type="button" id={id} class="download" {onclick}>{ &file }</button>
                <span class="download-what">{ what }</span>
            </li>
        }
    });
    html! {
        <section class="downloads-panel" aria-label="Downloads">
            <h2>{ "Take the run away" }</h2>
            <p class="muted">{ match seed {
                Some(seed) => format!("Built in this page from the run on screen (seed {seed}). The same files as ikelab sim with --pcap, --keys and --trace."),
                None => "Built in this page from the trace file on screen.".to_owned(),
            } }</p>
            <ul class="download-list">{ for items }</ul>
            if let Some(problem) = &*problem {
                <p class="problem" role="alert">{ problem }</p>
            }
        </section>
    }
}
