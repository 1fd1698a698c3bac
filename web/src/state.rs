//! The page's state: a reducer over actions. Every view reads it and sends actions.

use std::collections::BTreeSet;
use std::rc::Rc;

use yew::Reducible;

use crate::model::lines::LineKind;
use crate::model::{Lab, Origin};

/// The speeds the control offers (× real teaching pace).
pub(crate) const SPEEDS: [f64; 5] = [0.25, 0.5, 1.0, 2.0, 4.0];
/// Milliseconds a step that puts a datagram on the wire stays at 1×: the time its
/// arrow travels across the network.
pub(crate) const STEP_MS: f64 = 900.0;
/// Milliseconds any other step (a decision, keys, a state change) stays at 1×: the
/// story moves on to the next datagram; Pause or Step to read at leisure.
pub(crate) const QUICK_STEP_MS: f64 = 300.0;

/// The views of the detail area: the message (inspector and why) in every build,
/// the tools of the full build (the first build hands over when one is opened:
/// `crate::tools`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tab {
    Message,
    Edit,
    Keys,
    Peers,
    Compare,
    Traffic,
    Downloads,
}

impl Tab {
    pub(crate) const ALL: [Self; 7] = [
        Self::Message,
        Self::Edit,
        Self::Traffic,
        Self::Keys,
        Self::Peers,
        Self::Compare,
        Self::Downloads,
    ];

    /// The name in the URL (`&tab=keys`) and in element ids.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::Edit => "edit",
            Self::Keys => "keys",
            Self::Peers => "peers",
            Self::Compare => "compare",
            Self::Traffic => "traffic",
            Self::Downloads => "downloads",
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Message => "Message",
            Self::Edit => "Edit",
            Self::Keys => "Keys",
            Self::Peers => "Peers",
            Self::Compare => "Compare",
            Self::Traffic => "Traffic",
            Self::Downloads => "Downloads",
        }
    }

    pub(crate) fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.id() == id)
    }
}

/// Whether a panel lights up `record` (`LabState::highlighted`). Only the full
/// build's tools light records up; the first build leaves the check out.
pub(crate) fn is_lit(highlighted: Option<&[usize]>, record: usize) -> bool {
    cfg!(feature = "tools") && highlighted.is_some_and(|h| h.contains(&record))
}

/// A run, compared by identity (a run is never changed in place).
#[derive(Debug, Clone)]
pub(crate) struct LabRef(pub(crate) Rc<Lab>);

impl PartialEq for LabRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for LabRef {
    type Target = Lab;
    fn deref(&self) -> &Lab {
        &self.0
    }
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LabState {
    pub(crate) lab: LabRef,
    /// Lines played so far (0: nothing yet; `lab.steps()`: the end).
    pub(crate) step: usize,
    pub(crate) playing: bool,
    /// Index into [`SPEEDS`].
    pub(crate) speed: usize,
    /// The selected record (the inspector shows the message at or before it).
    pub(crate) selected: Option<usize>,
    /// The selected field of the inspected message.
    pub(crate) field: Option<usize>,
    pub(crate) hidden_peers: BTreeSet<String>,
    pub(crate) hidden_kinds: BTreeSet<&'static str>,
    /// Bursts (by their first flight) the reader opened.
    pub(crate) open_bursts: BTreeSet<usize>,
    /// Why the last file or scenario could not be opened.
    pub(crate) problem: Option<String>,
    /// Records a panel lights up in the timeline and the event list (the messages a
    /// key opens, say); cleared with the run.
    pub(crate) highlighted: Option<Rc<[usize]>>,
    /// Whether the last step change came from the reader (it gets a history entry).
    pub(crate) by_reader: bool,
    /// The open view of the detail area.
    pub(crate) tab: Tab,
    /// The TOML text of the run on screen when the reader edited it (`None`: the
    /// bundled scenario as it is, or a file). It goes in the URL.
    #[cfg(feature = "tools")]
    pub(crate) edited: Option<Rc<str>>,
    /// The editor's text when it differs from `edited` because it does not run, with
    /// its problems (the last good run stays on screen).
    #[cfg(feature = "tools")]
    pub(crate) draft: Option<Rc<crate::model::edit::Draft>>,
    /// Whether the URL of an edited scenario carries its secrets (the reader asked).
    #[cfg(feature = "tools")]
    pub(crate) link_secrets: bool,
}

/// What the reader (or a timer, or the URL) does.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// Run a bundled scenario with a seed and go to a step.
    Open {
        name: String,
        seed: u64,
        step: usize,
    },
    /// Replace the run with one from a file (or say why not, changing nothing else).
    OpenFile(Result<Rc<Lab>, String>),
    Play,
    Pause,
    TogglePlay,
    /// The next step (the timer's tick, or the reader).
    Forward {
        by_timer: bool,
    },
    Back,
    Restart,
    Seek(usize),
    Speed(usize),
    SelectRecord(usize),
    SelectField(Option<usize>),
    TogglePeer(String),
    ToggleKind(LineKind),
    OpenBurst(usize),
    Dismiss,
    /// Light up these records (`None`: none).
    #[cfg(feature = "tools")]
    Highlight(Option<Rc<[usize]>>),
    ShowTab(Tab),
    /// The editor's new text: run it, or keep the last good run and say why not.
    #[cfg(feature = "tools")]
    Edit(String),
    /// Put the secrets in the URL of an edited scenario, or leave them out.
    #[cfg(feature = "tools")]
    LinkSecrets(bool),
    /// Add traffic from `peer` just after the current step to the scenario, run it and
    /// go to the first ESP packet it makes.
    #[cfg(feature = "tools")]
    SendTraffic {
        traffic: crate::model::edit::script::Traffic,
        peer: String,
    },
    /// Drop the edits: the bundled scenario `name` with `seed`.
    #[cfg(feature = "tools")]
    Revert {
        name: String,
        seed: u64,
    },
}

impl LabState {
    pub(crate) fn new(lab: Lab, step: usize) -> Self {
        let mut state = Self {
            lab: LabRef(Rc::new(lab)),
            step: 0,
            playing: false,
            speed: 2,
            selected: None,
            field: None,
            hidden_peers: BTreeSet::new(),
            hidden_kinds: BTreeSet::new(),
            open_bursts: BTreeSet::new(),
            problem: None,
            highlighted: None,
            by_reader: false,
            tab: Tab::Message,
            #[cfg(feature = "tools")]
            edited: None,
            #[cfg(feature = "tools")]
            draft: None,
            #[cfg(feature = "tools")]
            link_secrets: false,
        };
        state.go(step);
        state
    }

    /// Moves to `step`, selecting its record (and, at the end of a failure, the
    /// message and notify that carry it).
    fn go(&mut self, step: usize) {
        let lab = &self.lab;
        self.step = step.min(lab.steps());
        self.field = None;
        self.selected = self
            .step
            .checked_sub(1)
            .and_then(|i| lab.lines.get(i))
            .map(|l| l.record);
        if self.step == lab.steps() {
            self.playing = false;
            if let Some(failure) = &lab.failure {
                self.selected = failure.record.or(self.selected);
                self.field = failure.field;
            }
        }
    }

    /// The state for a new run of the same kind (bundled, or `edited` text kept),
    /// keeping the reader's view settings.
    #[cfg_attr(not(feature = "tools"), allow(unused_variables))]
    fn fresh(&self, lab: Lab, step: usize, edited: bool) -> Self {
        let mut fresh = Self::new(lab, step);
        fresh.speed = self.speed;
        fresh.tab = self.tab;
        fresh.by_reader = true;
        #[cfg(feature = "tools")]
        {
            fresh.link_secrets = self.link_secrets;
            if edited {
                fresh.edited = self.edited.clone();
            }
        }
        fresh
    }

    /// Runs the editor's `text`, or keeps the run on screen and records why not.
    #[cfg(feature = "tools")]
    fn edit(&self, text: String) -> Self {
        use crate::model::edit::{Draft, check};
        let seed = self.scenario().map_or(1, |(_, seed)| seed);
        let problems = match check(&text) {
            Ok(scenario) => match Lab::from_scenario(scenario, seed) {
                Ok(lab) => {
                    let mut fresh = self.fresh(lab, usize::MAX, false);
                    fresh.by_reader = false;
                    fresh.edited = Some(Rc::from(text.as_str()));
                    return fresh;
                }
                Err(problem) => vec![crate::model::edit::Problem {
                    path: None,
                    line: None,
                    message: problem,
                }],
            },
            Err(problems) => problems,
        };
        let mut next = self.clone();
        next.by_reader = false;
        next.draft = Some(Rc::new(Draft { text, problems }));
        next
    }

    /// The scenario text the run on screen played: the edited one, or the bundled file.
    #[cfg(feature = "tools")]
    pub(crate) fn scenario_text(&self) -> Option<String> {
        if let Some(text) = &self.edited {
            return Some(text.to_string());
        }
        let (name, _) = self.scenario()?;
        ikelab_engine::sim::library::text(name).map(str::to_owned)
    }

    /// [`Action::SendTraffic`]: the edit, then the step of the first ESP packet it
    /// made (sealed by `peer`; for a replay, the copy `peer` refused).
    #[cfg(feature = "tools")]
    fn send_traffic(
        &self,
        traffic: crate::model::edit::script::Traffic,
        peer: &str,
    ) -> Result<Self, String> {
        use ikelab_engine::event::EventKind;

        use crate::model::edit::script::{Traffic, add_traffic};
        let text = self
            .scenario_text()
            .ok_or("a trace file has no scenario to send traffic in")?;
        // Just after the step on screen (a millisecond later).
        let now = self
            .step
            .checked_sub(1)
            .and_then(|i| self.lab.lines.get(i))
            .map_or(0, |l| l.t_us);
        let at = now + 1000;
        let text = add_traffic(&text, traffic, peer, at)?;
        let next = self.edit(text);
        if next.draft.is_some() {
            let first = next
                .draft
                .as_ref()
                .and_then(|d| d.problems.first())
                .map_or_else(String::new, |p| p.message.clone());
            return Err(format!("the traffic cannot be added: {first}"));
        }
        let mut next = next;
        let lab = next.lab.clone();
        // The record to show: the first packet the peer seals; for a replay, the copy
        // the peer refuses; for a changed ping, the other side's refusal of it.
        let (wanted_peer, wanted_drop) = match traffic {
            Traffic::Ping | Traffic::Stream => (peer, false),
            Traffic::Replay => (peer, true),
            Traffic::TamperedPing => (crate::model::edit::script::other_peer(peer), true),
        };
        let found = lab.lines.iter().enumerate().find(|(_, line)| {
            line.t_us >= at
                && lab
                    .trace
                    .records
                    .get(line.record)
                    .filter(|r| r.peer == wanted_peer)
                    .and_then(|r| r.event())
                    .is_some_and(|e| {
                        if wanted_drop {
                            matches!(e.kind, EventKind::EspDropped(_))
                        } else {
                            matches!(e.kind, EventKind::EspSealed(_))
                        }
                    })
        });
        match found {
            Some((line, found)) => {
                next.go(line + 1);
                next.selected = Some(found.record);
                next.field = None;
            }
            None => {
                // The simulator says why nothing was sent (no CHILD SA yet, nothing to
                // replay): its line after the new action.
                let why = lab
                    .lines
                    .iter()
                    .find(|l| {
                        l.t_us >= at
                            && matches!(
                                lab.trace.records.get(l.record).map(|r| &r.entry),
                                Some(ikelab_engine::trace::Entry::Network(
                                    ikelab_engine::trace::NetworkEvent::ScriptFailed { .. }
                                        | ikelab_engine::trace::NetworkEvent::EspNotSent { .. }
                                ))
                            )
                    })
                    .map_or_else(
                        || "its CHILD SA may not be up at this step".to_owned(),
                        |l| l.text.clone(),
                    );
                next.problem = Some(format!(
                    "No ESP packet after {}: {why}. Step to where the CHILD SA is up and try again.",
                    crate::model::lines::format_time(now)
                ));
            }
        }
        next.by_reader = true;
        Ok(next)
    }

    /// The name and seed of the run, when it is a bundled scenario.
    pub(crate) fn scenario(&self) -> Option<(&str, u64)> {
        match &self.lab.origin {
            Origin::Scenario { name, seed } => Some((name, *seed)),
            Origin::File { .. } => None,
        }
    }
}

impl Reducible for LabState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.by_reader = true;
        match action {
            Action::Open { name, seed, step } => {
                if self.scenario() == Some((name.as_str(), seed)) {
                    next.go(step);
                } else {
                    // Another seed for an edited scenario runs the edited text.
                    #[cfg(feature = "tools")]
                    let edited = self.scenario().is_some_and(|(current, _)| current == name)
                        && self.edited.is_some();
                    #[cfg(not(feature = "tools"))]
                    let edited = false;
                    #[cfg(feature = "tools")]
                    let run = match (&self.lab.scenario, edited) {
                        (Some(scenario), true) => {
                            Lab::from_scenario(scenario.as_ref().clone(), seed)
                        }
                        _ => Lab::simulate(&name, seed),
                    };
                    // The first build runs bundled scenarios only.
                    #[cfg(not(feature = "tools"))]
                    let run = Lab::simulate(&name, seed);
                    match run {
                        Ok(lab) => return Rc::new(self.fresh(lab, step, edited)),
                        Err(problem) => next.problem = Some(problem),
                    }
                }
            }
            Action::OpenFile(Ok(lab)) => {
                let mut fresh = Self {
                    lab: LabRef(lab),
                    ..Self::clone(&self)
                };
                fresh.open_bursts.clear();
                fresh.problem = None;
                fresh.highlighted = None;
                fresh.playing = false;
                fresh.go(0);
                return Rc::new(fresh);
            }
            Action::OpenFile(Err(problem)) => next.problem = Some(problem),
            Action::Play => {
                if next.step >= next.lab.steps() {
                    next.go(0);
                }
                next.playing = true;
            }
            Action::Pause => next.playing = false,
            Action::TogglePlay => {
                return self.reduce(if next.playing {
                    Action::Pause
                } else {
                    Action::Play
                });
            }
            Action::Forward { by_timer } => {
                next.by_reader = !by_timer;
                if !by_timer {
                    next.playing = false;
                }
                next.go(next.step + 1);
            }
            Action::Back => {
                next.playing = false;
                next.go(next.step.saturating_sub(1));
            }
            Action::Restart => {
                next.playing = false;
                next.go(0);
            }
            Action::Seek(step) => {
                next.playing = false;
                next.go(step);
            }
            Action::Speed(index) => next.speed = index.min(SPEEDS.len() - 1),
            Action::SelectRecord(record) => {
                next.selected = Some(record);
                next.field = None;
            }
            Action::SelectField(field) => next.field = field,
            Action::TogglePeer(peer) => {
                if !next.hidden_peers.remove(&peer) {
                    next.hidden_peers.insert(peer);
                }
            }
            Action::ToggleKind(kind) => {
                if !next.hidden_kinds.remove(kind.label()) {
                    next.hidden_kinds.insert(kind.label());
                }
            }
            Action::OpenBurst(first) => {
                next.open_bursts.insert(first);
            }
            Action::Dismiss => next.problem = None,
            #[cfg(feature = "tools")]
            Action::Highlight(records) => {
                next.by_reader = false;
                next.highlighted = records;
            }
            Action::ShowTab(tab) => next.tab = tab,
            #[cfg(feature = "tools")]
            Action::Edit(text) => return Rc::new(self.edit(text)),
            #[cfg(feature = "tools")]
            Action::SendTraffic { traffic, peer } => match self.send_traffic(traffic, &peer) {
                Ok(state) => return Rc::new(state),
                Err(problem) => next.problem = Some(problem),
            },
            #[cfg(feature = "tools")]
            Action::LinkSecrets(on) => {
                next.by_reader = false;
                next.link_secrets = on;
            }
            #[cfg(feature = "tools")]
            Action::Revert { name, seed } => match Lab::simulate(&name, seed) {
                Ok(lab) => return Rc::new(self.fresh(lab, 0, false)),
                Err(problem) => next.problem = Some(problem),
            },
        }
        Rc::new(next)
    }
}
