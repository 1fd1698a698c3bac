//! Durations in swanctl's syntax, as values and inside a configuration.

use core::time::Duration;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::{parse, parse_error};
use crate::config::{format_duration, parse_duration};

#[test]
fn swanctl_units() {
    let cases = [
        ("30s", Duration::from_secs(30)),
        ("30", Duration::from_secs(30)),
        ("90m", Duration::from_secs(5_400)),
        ("4h", Duration::from_secs(14_400)),
        ("1d", Duration::from_secs(86_400)),
        ("0s", Duration::ZERO),
        ("0", Duration::ZERO),
        // charon takes either case and spaces before the unit.
        ("30S", Duration::from_secs(30)),
        ("2 H", Duration::from_secs(7_200)),
        (" 10m ", Duration::from_secs(600)),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_duration(text), Ok(expected), "{text:?}");
    }
}

#[test]
fn ikelab_extensions_fraction_and_milliseconds() {
    assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
    assert_eq!(parse_duration("0.5s"), Ok(Duration::from_millis(500)));
    assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5_400)));
    assert_eq!(parse_duration("4.0"), Ok(Duration::from_secs(4)));
    assert_eq!(parse_duration("0.000000001"), Ok(Duration::from_nanos(1)));
    assert_eq!(parse_duration("1.25ms"), Ok(Duration::from_micros(1_250)));
}

#[test]
fn garbage_is_rejected_with_a_reason() {
    let cases = [
        ("", "it is empty"),
        ("   ", "it is empty"),
        ("s", "it does not start with a number"),
        ("-5s", "cannot be negative"),
        ("30x", "the unit must be s, m, h, d or ms"),
        ("1h30m", "the unit must be s, m, h, d or ms"),
        ("4 hours", "the unit must be s, m, h, d or ms"),
        ("1.2.3s", "malformed"),
        ("1.s", "malformed"),
        (".5s", "malformed"),
        ("0.0000000001s", "finer than one nanosecond"),
        ("99999999999999999999d", "too long"),
        ("1e3", "the unit must be"),
    ];
    for (text, reason) in cases {
        let error = parse_duration(text).expect_err(text);
        let message = error.to_string();
        assert!(message.contains(reason), "{text:?}: {message}");
        assert!(
            message.contains("\"30s\""),
            "the message shows the expected form: {message}"
        );
    }
}

#[test]
fn format_is_the_shortest_exact_form_and_parses_back() {
    let cases = [
        (Duration::ZERO, "0s"),
        (Duration::from_secs(30), "30s"),
        (Duration::from_secs(5_400), "90m"),
        (Duration::from_secs(14_400), "4h"),
        (Duration::from_secs(86_400), "1d"),
        (Duration::from_secs(90_000), "25h"),
        (Duration::from_millis(250), "250ms"),
        (Duration::from_millis(1_500), "1500ms"),
        (Duration::new(1, 500), "1.0000005s"),
    ];
    for (duration, text) in cases {
        assert_eq!(format_duration(duration), text);
        assert_eq!(parse_duration(text), Ok(duration), "{text}");
    }
}

#[test]
fn toml_values_may_be_strings_integers_or_floats() {
    let c = parse(
        "dpd_delay = \"30s\"\nkeep_alive = 15\nhalf_open_timeout = 0.5\n[retransmit]\ntimeout = 4.0\n",
    );
    assert_eq!(c.dpd_delay, Duration::from_secs(30));
    assert_eq!(c.keep_alive, Duration::from_secs(15));
    assert_eq!(c.half_open_timeout, Duration::from_millis(500));
    assert_eq!(c.retransmit.timeout, Duration::from_secs(4));
}

#[test]
fn bad_durations_in_toml_name_key_and_reason() {
    let message = parse_error("dpd_delay = \"30 seconds\"\n");
    assert!(
        message.contains("dpd_delay") && message.contains("the unit must be"),
        "{message}"
    );
    let message = parse_error("keep_alive = -20\n");
    assert!(
        message.contains("keep_alive") && message.contains("cannot be negative"),
        "{message}"
    );
    let message = parse_error("[children.net]\nrekey_time = \"soon\"\n");
    assert!(
        message.contains("rekey_time") && message.contains("\"soon\""),
        "{message}"
    );
    let message = parse_error("[retransmit]\ntimeout = nan\n");
    assert!(message.contains("finite"), "{message}");
    let message = parse_error("dpd_delay = true\n");
    assert!(message.contains("a duration such as"), "{message}");
}

#[test]
fn byte_volumes_take_k_m_g() {
    let c = parse(
        "[children.a]\nrekey_bytes = \"512K\"\nlife_bytes = \"1G\"\n[children.b]\nrekey_bytes = 1000\n",
    );
    let a = c.children.get("a").unwrap();
    assert_eq!((a.rekey_bytes, a.life_bytes), (512 * 1024, Some(1 << 30)));
    assert_eq!(c.children.get("b").unwrap().rekey_bytes, 1000);
    let message = parse_error("[children.a]\nrekey_bytes = \"5T\"\n");
    assert!(
        message.contains("the suffix must be K, M or G"),
        "{message}"
    );
}
