//! Byte volumes as swanctl.conf writes them (`rekey_bytes`, `life_bytes`,
//! `rand_bytes`): a number of bytes, optionally followed by `K`, `M` or `G`
//! (binary multiples: 1024, 1024², 1024³, as charon's vici parser reads them).

use core::fmt;

/// Reads `"500000"`, `"512K"`, `"100M"`, `"1G"` (either case, optional spaces before
/// the suffix).
pub fn parse_volume(text: &str) -> Result<u64, String> {
    let fail = |reason: &str| {
        format!(
            "invalid byte volume {text:?}: {reason} (write e.g. 1000000, \"512K\", \"100M\" or \"1G\")"
        )
    };
    let trimmed = text.trim();
    let digits_len = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (digits, suffix) = trimmed.split_at(digits_len);
    if digits.is_empty() {
        return Err(fail("it does not start with a number"));
    }
    let multiplier: u64 = match suffix.trim_start().to_ascii_lowercase().as_str() {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        _ => return Err(fail("the suffix must be K, M or G")),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .ok_or_else(|| fail("it is too large"))
}

struct VolumeVisitor;

impl serde::de::Visitor<'_> for VolumeVisitor {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number of bytes, or a string such as \"512K\", \"100M\", \"1G\"")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<u64, E> {
        parse_volume(v).map_err(E::custom)
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v)
            .map_err(|_| E::custom(format!("invalid byte volume {v}: it cannot be negative")))
    }
}

/// Serialises as an integer when TOML can hold it (≤ i64::MAX), else as a string.
fn serialize_count<S: serde::Serializer>(value: u64, serializer: S) -> Result<S::Ok, S::Error> {
    match i64::try_from(value) {
        Ok(v) => serializer.serialize_i64(v),
        Err(_) => serializer.serialize_str(&value.to_string()),
    }
}

/// `#[serde(with = "volume::serde_volume")]` for a `u64` byte or packet count.
pub(crate) mod serde_volume {
    use serde::{Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        super::serialize_count(*value, serializer)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        deserializer.deserialize_any(super::VolumeVisitor)
    }
}

/// The same for an `Option<u64>` whose absence means strongSwan's derived default.
pub(crate) mod serde_opt_volume {
    use serde::{Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<u64>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => super::serialize_count(*v, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<u64>, D::Error> {
        deserializer.deserialize_any(super::VolumeVisitor).map(Some)
    }
}
