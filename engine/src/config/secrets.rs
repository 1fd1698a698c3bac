//! `[secrets]`: the pre-shared key (RFC 7296 §2.15).
//!
//! swanctl keeps secrets in `secrets.ike<suffix>` sections with the identities they
//! belong to; a `PeerConfig` is one connection, so its PSK sits next to it. The value
//! is written as swanctl.conf(5) writes `secrets.ike<suffix>.secret`: "either an ASCII
//! string, a hex encoded string if it has a 0x prefix or a Base64 encoded string if it
//! has a 0s prefix".
//!
//! `psk_file` names a file holding the key. The engine reads no files: the caller
//! (`ikelab --config`) reads it and calls [`Secrets::resolve_psk_file`].
//!
//! The key text is wiped from memory when dropped and never shown by `Debug`.
//! Serialising a configuration writes it, as the configuration file holds it: that is
//! an explicit act of the caller, never a side effect of logging.

use core::fmt;

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::crypto::Secret;

/// The PSK as written in the configuration (ASCII, `0x` hex or `0s` Base64).
#[derive(Clone, Default, Zeroize, ZeroizeOnDrop, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PskText(String);

impl PskText {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The text as written. Handle with care: it is the secret.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The key octets: hex after `0x`, Base64 after `0s`, else the text's bytes.
    /// The error never contains the key.
    pub fn decode(&self) -> Result<Secret, String> {
        let text = self.0.as_str();
        let bytes = if let Some(hex) = text.strip_prefix("0x") {
            decode_hex(hex).ok_or(
                "the 0x prefix announces hex, but the rest is not an even number of hex digits",
            )?
        } else if let Some(b64) = text.strip_prefix("0s") {
            decode_base64(b64)
                .ok_or("the 0s prefix announces Base64, but the rest is not valid Base64")?
        } else {
            text.as_bytes().to_vec()
        };
        if bytes.is_empty() {
            return Err("the key is empty".to_owned());
        }
        Ok(Secret::new(bytes))
    }
}

impl fmt::Debug for PskText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl PartialEq for PskText {
    /// Constant-time in the contents.
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for PskText {}

/// `[secrets]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Secrets {
    /// The pre-shared key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psk: Option<PskText>,
    /// A file holding the pre-shared key, for the caller to read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psk_file: Option<String>,
}

impl Secrets {
    /// Replaces `psk_file` by the key the caller read from it (one trailing line end
    /// is dropped, as editors add one).
    pub fn resolve_psk_file(&mut self, contents: &str) {
        let text = contents
            .strip_suffix("\r\n")
            .or_else(|| contents.strip_suffix('\n'))
            .unwrap_or(contents);
        self.psk = Some(PskText::new(text));
        self.psk_file = None;
    }
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.is_empty() || !hex.len().is_multiple_of(2) {
        return None;
    }
    hex.as_bytes()
        .chunks(2)
        .map(|pair| {
            let text = core::str::from_utf8(pair).ok()?;
            u8::from_str_radix(text, 16).ok()
        })
        .collect()
}

/// Standard Base64 (RFC 4648 §4), padding optional, no whitespace.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let body = text.trim_end_matches('=');
    let padding = text.len() - body.len();
    if body.is_empty()
        || padding > 2
        || (padding > 0 && !text.len().is_multiple_of(4))
        || body.len() % 4 == 1
    {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.as_bytes().chunks(4) {
        let mut acc = 0u32;
        for &c in chunk {
            acc = (acc << 6) | value(c)?;
        }
        // A chunk of k characters carries 6k bits: 3 octets for 4, 2 for 3, 1 for 2.
        let octets = chunk.len() * 6 / 8;
        acc <<= 6 * (4 - chunk.len() as u32);
        let bytes = acc.to_be_bytes();
        // Unused low bits must be zero (RFC 4648 §3.5, canonical encoding).
        if bytes[1 + octets..].iter().any(|b| *b != 0) {
            return None;
        }
        out.extend_from_slice(&bytes[1..1 + octets]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// RFC 4648 §10 test vectors.
    #[test]
    fn base64_rfc4648_vectors() {
        for (encoded, decoded) in [
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
        ] {
            assert_eq!(
                decode_base64(encoded).as_deref(),
                Some(decoded.as_bytes()),
                "{encoded}"
            );
        }
        for bad in ["", "Z", "Zg=", "Zh==", "Zm9v!", "Zg===", "Z==="] {
            assert_eq!(decode_base64(bad), None, "{bad}");
        }
    }
}
