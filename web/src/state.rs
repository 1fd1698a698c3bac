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
    /// Whether the last step change came from the reader (it gets a history entry).
    pub(crate) by_reader: bool,
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
            by_reader: false,
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
                    match Lab::simulate(&name, seed) {
                        Ok(lab) => {
                            let mut fresh = Self::new(lab, step);
                            fresh.speed = self.speed;
                            fresh.by_reader = true;
                            return Rc::new(fresh);
                        }
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
        }
        Rc::new(next)
    }
}
