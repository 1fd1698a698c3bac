//! The first difference in sentences: what each run does there and, when that is not
//! a message, the next message the peer sends in each run (what the other side gets
//! to see).

use super::signature::Signature;

/// "Run A: the responder decides: ...; run B: the responder decides: .... Then, in
/// run A, ...; in run B, ...."
pub(super) fn explain(
    peer: &str,
    a: Option<&Signature>,
    b: Option<&Signature>,
    then_a: &Option<Signature>,
    then_b: &Option<Signature>,
) -> String {
    let ended = |run: &str| {
        if peer == ikelab_engine::trace::NETWORK_PEER {
            format!("in run {run}, the network reports nothing more: it delivers the rest")
        } else {
            format!("in run {run}, the {peer} does nothing more: its part of the run ends here")
        }
    };
    let mut text = match (a, b) {
        (Some(a), Some(b)) => format!("Run A: {}; run B: {}.", a.sentence(), b.sentence()),
        (Some(a), None) => format!("Run A: {}; {}.", a.sentence(), ended("B")),
        (None, Some(b)) => format!("Run B: {}; {}.", b.sentence(), ended("A")),
        (None, None) => String::new(),
    };
    // The peer's next message, unless the difference is itself one.
    if then_a != then_b && then_a.as_ref() != a && then_b.as_ref() != b {
        let part = |then: &Option<Signature>| {
            then.as_ref().map_or_else(
                || format!("the {peer} sends nothing more"),
                Signature::sentence,
            )
        };
        text.push_str(&format!(
            " What the other side sees: in run A {}; in run B {}.",
            part(then_a),
            part(then_b)
        ));
    }
    text
}
