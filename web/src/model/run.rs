//! One run as the page shows it: a bundled scenario played by the engine's simulator
//! in the page, or a trace file, with everything derived from its trace.

#[cfg(feature = "tools")]
use std::rc::Rc;

use ikelab_engine::sim::{self, Scenario, library};
use ikelab_engine::trace::{Trace, TraceSource};

use super::failure::{self, Failure};
use super::flights::{self, Flight};
use super::lanes::{self, LaneMark, Lanes};
use super::lines::{self, Line};

/// Where the trace came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A bundled scenario run in the page (`ikelab sim NAME --seed N`).
    Scenario { name: String, seed: u64 },
    /// A trace file the reader opened.
    // Made only by the full build, which reads files (`crate::files`).
    #[cfg_attr(not(feature = "files"), allow(dead_code))]
    File { name: String, source: TraceSource },
}

/// A run and every view model derived from its trace.
#[derive(Debug, PartialEq)]
pub(crate) struct Lab {
    pub(crate) origin: Origin,
    pub(crate) trace: Trace,
    /// SHA-256 of the trace's JSON text: the same as `ikelab sim NAME --seed N --trace`.
    pub(crate) sha256: String,
    /// The scenario's title and teaching text, when it is a bundled one.
    pub(crate) title: Option<String>,
    pub(crate) teaching: Option<String>,
    /// The scenario the run played (`None` for a trace file): what the tools re-run
    /// with a change. Only the full build keeps it: holding it costs the first build
    /// the code to clone and drop the whole configuration tree.
    #[cfg(feature = "tools")]
    pub(crate) scenario: Option<Rc<Scenario>>,
    pub(crate) lines: Vec<Line>,
    pub(crate) flights: Vec<Flight>,
    pub(crate) lanes: Lanes,
    pub(crate) marks: Vec<LaneMark>,
    pub(crate) failure: Option<Failure>,
}

/// Every bundled scenario: (name, title), in `ikelab sim --list` order.
pub(crate) fn scenario_list() -> Vec<(String, String)> {
    library::names()
        .map(|name| {
            let title = library::load(name).map_or_else(|e| format!("({e})"), |s| s.title);
            (name.to_owned(), title)
        })
        .collect()
}

/// The default seed of a bundled scenario.
pub(crate) fn default_seed(name: &str) -> Option<u64> {
    library::load(name).ok().map(|s| s.seed)
}

/// The seed a URL or a choice gives, else the bundled scenario's own (else 1).
pub(crate) fn seed_or_default(seed: Option<u64>, name: &str) -> u64 {
    seed.or_else(|| default_seed(name)).unwrap_or(1)
}

impl Lab {
    /// Runs a bundled scenario with a seed in the engine's simulator.
    pub(crate) fn simulate(name: &str, seed: u64) -> Result<Self, String> {
        let scenario = library::load(name).map_err(|e| format!("scenario {name}: {e}"))?;
        Self::from_scenario(scenario, seed)
    }

    /// Runs a scenario (bundled or edited) with a seed in the engine's simulator.
    pub(crate) fn from_scenario(scenario: Scenario, seed: u64) -> Result<Self, String> {
        let run = sim::run(&scenario, seed);
        let mut lab = Self::from_trace(
            Origin::Scenario {
                name: scenario.name.clone(),
                seed,
            },
            run.trace,
        )?;
        lab.title = Some(scenario.title.clone());
        lab.teaching = Some(reflow(&scenario.teaching));
        lab.lanes.nat_behind = scenario.network.nat.as_ref().map(|n| n.peer.clone());
        let fw = &scenario.network.firewall;
        let mut rules = Vec::new();
        if fw.block_udp_500 {
            rules.push("blocks UDP 500");
        }
        if fw.block_udp_4500 {
            rules.push("blocks UDP 4500");
        }
        if fw.block_esp {
            rules.push("blocks ESP");
        }
        lab.lanes.firewall = (!rules.is_empty()).then(|| rules.join(", "));
        #[cfg(feature = "tools")]
        {
            lab.scenario = Some(Rc::new(scenario));
        }
        Ok(lab)
    }

    /// Reads a trace file (`ikelab sim --trace`, or a bridge session). The error is a
    /// sentence for the page. Only the full build reads files (`crate::files`).
    #[cfg(feature = "files")]
    pub(crate) fn from_file(file_name: &str, text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Err(format!("{file_name} is empty: it is not an IKElab trace."));
        }
        let trace = Trace::from_json(text).map_err(|e| {
            format!("{file_name} cannot be replayed: {e}. Open a file written by `ikelab sim --trace` or the bridge.")
        })?;
        let source = trace.source;
        Self::from_trace(
            Origin::File {
                name: file_name.to_owned(),
                source,
            },
            trace,
        )
    }

    fn from_trace(origin: Origin, trace: Trace) -> Result<Self, String> {
        let sha256 = trace
            .sha256_hex()
            .map_err(|e| format!("the trace cannot be hashed: {e}"))?;
        let lines = lines::lines(&trace);
        let flights = flights::flights(&trace, &lines);
        let lanes = lanes::lanes(&trace, &flights);
        let marks = lanes::marks(&trace, &lines);
        let failure = failure::failure(&trace, &lines);
        Ok(Self {
            origin,
            trace,
            sha256,
            title: None,
            teaching: None,
            #[cfg(feature = "tools")]
            scenario: None,
            lines,
            flights,
            lanes,
            marks,
            failure,
        })
    }

    /// The number of steps: one per event-list line.
    pub(crate) fn steps(&self) -> usize {
        self.lines.len()
    }

    /// How long playback stays on `step` (lines played) at 1×, in milliseconds: the
    /// travel time when its last line put a datagram on the wire, a short beat for
    /// any other line, and nothing before the first datagram (the initiator's set-up
    /// lines, at the run's first instant, stay readable in the event list), so Play
    /// shows the first message travelling at once.
    pub(crate) fn dwell_ms(&self, step: usize) -> f64 {
        let Some(line) = step.checked_sub(1) else {
            return 0.0;
        };
        let first_send = self.flights.iter().map(|f| f.send_line).min();
        if first_send.is_some_and(|first| line < first) {
            return 0.0;
        }
        if self.flights.iter().any(|f| f.send_line == line) {
            crate::state::STEP_MS
        } else {
            crate::state::QUICK_STEP_MS
        }
    }
}

/// The teaching text as prose: the scenario file wraps its lines at a fixed width,
/// the page wraps them to its own; a blank line still starts a new paragraph.
fn reflow(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .map(|paragraph| paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|paragraph| !paragraph.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}
