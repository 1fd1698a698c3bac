//! The event list: one line per record the transcript shows (`ikelab sim` prints the
//! same words), with what the filters need.

use ikelab_engine::event::EventKind;
use ikelab_engine::sim::transcript;
use ikelab_engine::trace::NetworkEvent;
use ikelab_engine::trace::{Entry, Trace};

/// What a line is about, for the event list's filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineKind {
    /// An IKE message, a keep-alive or an ESP packet sent, received or dropped by a peer.
    Message,
    /// A decision with its reason.
    Decision,
    /// Keys derived or logged (the simulator's engines log keys: it is a lab).
    Key,
    /// A state change, an SA up or down, an exchange started or done.
    State,
    /// What the network did, and the script's actions.
    Network,
}

impl LineKind {
    pub(crate) const ALL: [Self; 5] = [
        Self::Message,
        Self::Decision,
        Self::Key,
        Self::State,
        Self::Network,
    ];

    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Message => "messages",
            Self::Decision => "decisions",
            Self::Key => "keys",
            Self::State => "states",
            Self::Network => "network",
        }
    }
}

/// One line of the event list, and one step of playback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    /// Index of the record in the trace.
    pub(crate) record: usize,
    pub(crate) t_us: u64,
    pub(crate) peer: String,
    pub(crate) kind: LineKind,
    /// The transcript's words for it (without time and peer).
    pub(crate) text: String,
}

/// The lines of a trace, in record order.
pub(crate) fn lines(trace: &Trace) -> Vec<Line> {
    trace
        .records
        .iter()
        .enumerate()
        .filter(|(_, r)| transcript::shown(r, false))
        .map(|(index, r)| {
            let (kind, text) = match &r.entry {
                Entry::Event(e) => (event_kind(&e.kind), e.describe()),
                Entry::Network(n) => (network_kind(n), n.describe()),
                // A record kind newer than this page.
                _ => (
                    LineKind::Network,
                    "(a record this page does not know)".to_owned(),
                ),
            };
            Line {
                record: index,
                t_us: r.t_us,
                peer: r.peer.clone(),
                kind,
                text,
            }
        })
        .collect()
}

fn event_kind(kind: &EventKind) -> LineKind {
    match kind {
        EventKind::MessageSent(_)
        | EventKind::MessageReceived(_)
        | EventKind::MessageDropped(_)
        | EventKind::NatKeepalive { .. } => LineKind::Message,
        kind if kind.is_esp() => LineKind::Message,
        EventKind::Decision(_) | EventKind::RekeyCollision(_) => LineKind::Decision,
        EventKind::KeysDerived { .. } | EventKind::IkeSaKeys(_) | EventKind::ChildSaKeys(_) => {
            LineKind::Key
        }
        _ => LineKind::State,
    }
}

fn network_kind(_event: &NetworkEvent) -> LineKind {
    LineKind::Network
}

/// "1.25 s", "10 ms", "0 s": a virtual time for people, to the microsecond below a
/// second and to the millisecond (rounded half up) from one second on. Integer
/// arithmetic only: no float formatting code in the page for it.
pub(crate) fn format_time(t_us: u64) -> String {
    if t_us == 0 {
        return "0 s".to_owned();
    }
    if t_us < 1_000_000 {
        return format!("{} ms", thousandths(t_us));
    }
    format!("{} s", thousandths(t_us.saturating_add(500) / 1_000))
}

/// `value / 1000` with up to three decimals, trailing zeros left out.
fn thousandths(value: u64) -> String {
    let (whole, fraction) = (value / 1_000, value % 1_000);
    if fraction == 0 {
        return whole.to_string();
    }
    let digits = format!("{fraction:03}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}
