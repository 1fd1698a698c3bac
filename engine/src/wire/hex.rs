//! Lowercase hex, for rendering values and for the serde form of byte strings.

/// `[0x0a, 0xff]` → `"0aff"`.
pub fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// `"0aff"` (any case, ASCII whitespace ignored) → `[0x0a, 0xff]`; `None` if malformed.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| {
            char::from(b)
                .to_digit(16)
                .and_then(|d| u8::try_from(d).ok())
        })
        .collect::<Option<_>>()?;
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    Some(digits.chunks_exact(2).map(|p| (p[0] << 4) | p[1]).collect())
}

/// Hex for a value column: the whole string when short, else the first and last
/// octets with the length ("0a1b2c…e9f0 (256 octets)").
pub(crate) fn preview(bytes: &[u8]) -> String {
    const SHOWN: usize = 16;
    match bytes.len() {
        0 => "(empty)".to_owned(),
        n if n <= SHOWN * 2 => format!("{} ({n} octets)", encode(bytes)),
        n => {
            let head = bytes.get(..SHOWN).unwrap_or(bytes);
            let tail = bytes.get(n - 4..).unwrap_or(bytes);
            format!("{}…{} ({n} octets)", encode(head), encode(tail))
        }
    }
}

/// Serde helper: `#[serde(with = "crate::wire::hex::serde_hex")]` stores bytes as hex.
pub(crate) mod serde_hex {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(crate) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::encode(bytes))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        super::decode(&text).ok_or_else(|| D::Error::custom("invalid hex string"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn round_trip() {
        assert_eq!(encode(&[0x0a, 0xff, 0x00]), "0aff00");
        assert_eq!(decode("0A ff\n00"), Some(vec![0x0a, 0xff, 0x00]));
        assert_eq!(decode("abc"), None);
        assert_eq!(decode("zz"), None);
    }

    #[test]
    fn preview_shortens_long_values() {
        assert_eq!(preview(&[]), "(empty)");
        assert_eq!(preview(&[1, 2]), "0102 (2 octets)");
        let long: Vec<u8> = (0..40).collect();
        assert_eq!(
            preview(&long),
            "000102030405060708090a0b0c0d0e0f…24252627 (40 octets)"
        );
    }
}
