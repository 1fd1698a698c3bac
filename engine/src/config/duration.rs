//! Durations as swanctl.conf writes them: `"30s"`, `"90m"`, `"4h"`, `"1d"`, or a plain
//! number of seconds.
//!
//! swanctl.conf(5), TIME FORMATS: "the time is specified in seconds. The s, m, h and d
//! suffixes explicitly define the units for seconds, minutes, hours and days". charon
//! reads an integer, optional spaces and one suffix letter, in either case. IKElab
//! reads the same and adds two things the simulator needs for sub-second lessons:
//!
//! - a decimal fraction (`"0.5s"`, `"1.5h"`, or the TOML float `0.5`), as
//!   strongswan.conf(5) already does for `charon.retransmit_timeout` (`4.0`);
//! - the unit `ms` (`"250ms"`).
//!
//! Anything else (a negative number, an unknown unit, two numbers, an empty string) is
//! rejected with a sentence that says what was expected.
//!
//! [`format_duration`] writes the shortest exact form (`"4h"`, `"90m"`, `"250ms"`), so a
//! configuration serialised and parsed again has the same value.

use core::fmt;
use core::time::Duration;

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// Why a duration could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError {
    /// The text as written.
    pub text: String,
    /// One sentence saying what is wrong.
    pub reason: &'static str,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid duration {:?}: {} (write e.g. \"30s\", \"90m\", \"4h\", \"1d\", \"250ms\" or a number of seconds)",
            self.text, self.reason
        )
    }
}

impl std::error::Error for DurationError {}

/// Reads a duration in swanctl's syntax (see the module documentation).
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let fail = |reason| DurationError {
        text: text.to_owned(),
        reason,
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(fail("it is empty"));
    }
    if trimmed.starts_with('-') {
        return Err(fail("a duration cannot be negative"));
    }
    let number_len = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(number_len);
    if number.is_empty() {
        return Err(fail("it does not start with a number"));
    }
    let unit = unit.trim_start();
    let unit_nanos: u128 = match unit.to_ascii_lowercase().as_str() {
        "" | "s" => NANOS_PER_SEC,
        "ms" => 1_000_000,
        "m" => 60 * NANOS_PER_SEC,
        "h" => 3_600 * NANOS_PER_SEC,
        "d" => 86_400 * NANOS_PER_SEC,
        _ => return Err(fail("the unit must be s, m, h, d or ms")),
    };
    let (whole, fraction) = match number.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (number, ""),
    };
    if whole.is_empty() || number.ends_with('.') || fraction.contains('.') {
        return Err(fail("the number is malformed"));
    }
    if whole.len() + fraction.len() > 30 {
        return Err(fail("the number is too long"));
    }
    // Exact decimal arithmetic: (whole.fraction) * unit, in nanoseconds.
    let digits: u128 = format!("{whole}{fraction}")
        .parse()
        .map_err(|_| fail("the number is malformed"))?;
    let scale = 10u128.pow(fraction.len() as u32);
    let scaled = digits
        .checked_mul(unit_nanos)
        .ok_or_else(|| fail("it is too long"))?;
    if !scaled.is_multiple_of(scale) {
        return Err(fail("it is finer than one nanosecond"));
    }
    let nanos = scaled / scale;
    let secs = u64::try_from(nanos / NANOS_PER_SEC).map_err(|_| fail("it is too long"))?;
    // The remainder is below 10^9, so it fits.
    let subsec = (nanos % NANOS_PER_SEC) as u32;
    Ok(Duration::new(secs, subsec))
}

/// Writes a duration in the shortest exact swanctl form: `"0s"`, `"30s"`, `"90m"`,
/// `"4h"`, `"1d"`, `"250ms"`, or `"1.000000500s"` when nothing shorter is exact.
pub fn format_duration(duration: Duration) -> String {
    let secs = duration.as_secs();
    let nanos = duration.subsec_nanos();
    if nanos == 0 {
        return match secs {
            0 => "0s".to_owned(),
            s if s.is_multiple_of(86_400) => format!("{}d", s / 86_400),
            s if s.is_multiple_of(3_600) => format!("{}h", s / 3_600),
            s if s.is_multiple_of(60) => format!("{}m", s / 60),
            s => format!("{s}s"),
        };
    }
    if nanos.is_multiple_of(1_000_000) {
        let millis = u128::from(secs) * 1_000 + u128::from(nanos / 1_000_000);
        return format!("{millis}ms");
    }
    let fraction = format!("{nanos:09}");
    format!("{secs}.{}s", fraction.trim_end_matches('0'))
}

/// A TOML/JSON value read as a duration: a string in swanctl syntax, a non-negative
/// integer (seconds) or a non-negative finite float (seconds).
pub(crate) fn duration_from_float(value: f64) -> Result<Duration, String> {
    if !value.is_finite() || value < 0.0 {
        return Err(format!(
            "invalid duration {value}: a number of seconds must be finite and not negative"
        ));
    }
    Duration::try_from_secs_f64(value).map_err(|e| format!("invalid duration {value}: {e}"))
}

struct DurationVisitor;

impl serde::de::Visitor<'_> for DurationVisitor {
    type Value = Duration;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration such as \"30s\", \"90m\", \"4h\", \"1d\", or a number of seconds")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Duration, E> {
        parse_duration(v).map_err(E::custom)
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Duration, E> {
        Ok(Duration::from_secs(v))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Duration, E> {
        u64::try_from(v).map(Duration::from_secs).map_err(|_| {
            E::custom(format!(
                "invalid duration {v}: a duration cannot be negative"
            ))
        })
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Duration, E> {
        duration_from_float(v).map_err(E::custom)
    }
}

/// `#[serde(with = "duration::serde_duration")]` for a `Duration` field.
pub(crate) mod serde_duration {
    use core::time::Duration;

    use serde::{Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        value: &Duration,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::format_duration(*value))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Duration, D::Error> {
        deserializer.deserialize_any(super::DurationVisitor)
    }
}

/// `#[serde(with = "duration::serde_opt_duration")]` for an `Option<Duration>` field
/// whose absence means "strongSwan's derived default". Pair it with
/// `default` and `skip_serializing_if = "Option::is_none"`.
pub(crate) mod serde_opt_duration {
    use core::time::Duration;

    use serde::{Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(duration) => serializer.serialize_str(&super::format_duration(*duration)),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        deserializer
            .deserialize_any(super::DurationVisitor)
            .map(Some)
    }
}
