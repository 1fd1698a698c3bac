//! Reasons are typed: every reason, problem, failure, outcome, verdict and cause in a
//! trace is a tagged value (`{"kind": "missing_payloads", ...}` or a unit variant's
//! token), never a sentence a caller formatted; and each type's `describe()` gives
//! the transcript's sentence.

use ikelab_engine::config::Role;
use ikelab_engine::event::{
    Cause, ChildDownReason, ChildFailure, DownReason, LifetimeLimit, Outcome, Problem, TsSide,
};
use ikelab_engine::ike::{CommandError, IkeSaId};
use ikelab_engine::sim::{self, library};
use ikelab_engine::trace::ActionFailure;
use ikelab_engine::wire::iana::{DhId, ExchangeType, NotifyType, PayloadType, ProtocolId};
use serde_json::Value;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// The keys whose values say why or what came of something.
const REASON_KEYS: [&str; 6] = [
    "reason", "problem", "failure", "outcome", "verdict", "cause",
];

/// A variant's serde name: lowercase words joined by `_` (a sentence has spaces,
/// capitals or punctuation).
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// What is wrong with the value at `key`, if anything.
fn untyped(key: &str, value: &Value) -> Option<String> {
    match value {
        Value::String(text) if is_token(text) => None,
        Value::Object(fields) => match fields.get("kind") {
            Some(Value::String(kind)) if is_token(kind) => None,
            other => Some(format!(
                "{key}: a tagged object needs a \"kind\" token, has {other:?}"
            )),
        },
        other => Some(format!(
            "{key}: {other} is neither a tagged object nor a token"
        )),
    }
}

/// Walks `value`, checking every reason-like key, and counts the tagged objects
/// seen (so the walk is known to have met some).
fn walk(value: &Value, path: &str, problems: &mut Vec<String>, tagged: &mut usize) {
    match value {
        Value::Object(fields) => {
            for (key, inner) in fields {
                let here = format!("{path}.{key}");
                assert_ne!(key, "detail", "{here}: `detail` was the free-string field");
                if REASON_KEYS.contains(&key.as_str()) {
                    match untyped(key, inner) {
                        Some(problem) => problems.push(format!("{here}: {problem}")),
                        None => *tagged += usize::from(inner.is_object()),
                    }
                }
                walk(inner, &here, problems, tagged);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{i}]"), problems, tagged);
            }
        }
        _ => {}
    }
}

#[test]
fn every_reason_in_every_scenario_trace_is_tagged() {
    let mut tagged = 0;
    let mut problems = Vec::new();
    let mut seen_problem = false;
    for name in library::names() {
        let scenario = library::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let json = sim::run(&scenario, scenario.seed)
            .trace
            .to_json()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        seen_problem |= json.contains("\"problem\":{\"kind\"");
        let value: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
        walk(&value, name, &mut problems, &mut tagged);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        tagged > 0,
        "no tagged reason in any scenario: the walk saw nothing"
    );
    assert!(
        seen_problem,
        "no scenario reports a Problem: the failure scenarios no longer fail?"
    );
}

#[test]
fn the_walk_refuses_a_sentence() {
    let sentence: Value =
        serde_json::json!({"reason": {"kind": "refused", "problem": "the request has no IDi"}});
    let mut problems = Vec::new();
    let mut tagged = 0;
    walk(&sentence, "t", &mut problems, &mut tagged);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(untyped("outcome", &serde_json::json!({"kind": "Peer answered"})).is_some());
    assert!(untyped("cause", &serde_json::json!("command")).is_none());
}

#[test]
fn a_reason_serializes_tagged_with_typed_data() {
    let reason = DownReason::Refused {
        exchange: ExchangeType::IKE_AUTH,
        notify: NotifyType::INVALID_SYNTAX,
        problem: Problem::MissingPayloads {
            response: false,
            required: vec![PayloadType::IDI, PayloadType::AUTH],
        },
    };
    let json = serde_json::to_value(&reason).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        json,
        serde_json::json!({
            "kind": "refused",
            "exchange": 35,
            "notify": 7,
            "problem": {"kind": "missing_payloads", "response": false, "required": [35, 39]},
        })
    );
    let back: DownReason = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, reason);
    assert_eq!(
        reason.describe(),
        "sent INVAL_SYN in IKE_AUTH: the request has no IDi or AUTH payload"
    );
}

#[test]
fn problems_read_as_the_transcript_did() {
    let cases = [
        (
            Problem::IncompletePayloads {
                together: vec![PayloadType::SA, PayloadType::TSI, PayloadType::TSR],
            },
            "SA, TSi and TSr must come together",
        ),
        (
            Problem::ProposalNotOffered {
                protocol: ProtocolId::ESP,
            },
            "the responder's ESP proposal is not one we offered",
        ),
        (
            Problem::BadSpi {
                sender: Role::Initiator,
                protocol: ProtocolId::ESP,
            },
            "the initiator's ESP SPI is not 4 non-zero octets",
        ),
        (
            Problem::KeGroupMismatch {
                sent: DhId::CURVE25519,
                chosen: None,
                received: DhId::MODP_2048,
            },
            "key exchange mismatch: we sent CURVE_25519 (31), the responder chose no group and \
             sent MODP_2048 (14)",
        ),
        (
            Problem::NoSelectorOverlap {
                side: TsSide::Responder,
            },
            "TSr does not overlap the configured local_ts",
        ),
        (
            Problem::IkeSaReplaced { new_sa: IkeSaId(2) },
            "the IKE SA was replaced by IKE SA #2",
        ),
    ];
    for (problem, sentence) in cases {
        assert_eq!(problem.describe(), sentence, "{problem:?}");
    }
}

#[test]
fn outer_reasons_keep_their_sentences() {
    let retry = Outcome::RetryAt {
        at_us: 12_000_000,
        failure: Box::new(Outcome::PeerError {
            notify: NotifyType::TEMPORARY_FAILURE,
        }),
    };
    assert!(
        retry
            .describe()
            .starts_with("peer answered TEMP_FAIL, retrying at t="),
        "{}",
        retry.describe()
    );
    let child = ChildFailure::Refused {
        notify: NotifyType::TS_UNACCEPTABLE,
        problem: Problem::NoChildConfigured,
    };
    assert_eq!(
        child.describe(),
        "sent TS_UNACCEPT: no CHILD SA is configured"
    );
    let down = ChildDownReason::Deleted {
        cause: Cause::Lifetime {
            limit: LifetimeLimit::Bytes,
            hard: true,
        },
    };
    assert_eq!(down.describe(), "lifetime (bytes)");
    assert_eq!(
        serde_json::to_value(LifetimeLimit::RekeyTime).ok(),
        Some(Value::from("rekey_time"))
    );
    let refused = ActionFailure::CommandRefused {
        error: CommandError::NotEstablished(IkeSaId(1)),
    };
    assert_eq!(
        refused.to_string(),
        "the engine refused: IKE SA #1 is not established"
    );
}
