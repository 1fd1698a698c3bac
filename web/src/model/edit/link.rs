//! An edited scenario in the URL: its TOML text deflated (RFC 1951) and written in
//! base64url without padding (RFC 4648 §5), so a link reproduces the run. Secrets
//! (each peer's `[secrets]`: PSKs, EAP passwords) stay out unless the person asks;
//! a link without them gets the bundled scenario's of the same name, and says so.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ikelab_engine::sim::library;
use toml_edit::DocumentMut;

use ikelab_engine::sim::scenario::PEERS;

/// The largest text a link may inflate to: a scenario file is a few KB.
const MAX_TEXT: usize = 256 * 1024;

/// The URL payload for `text`.
pub(crate) fn encode(text: &str, with_secrets: bool) -> String {
    let text = if with_secrets {
        text.to_owned()
    } else {
        without_secrets(text)
    };
    let deflated = miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 9);
    URL_SAFE_NO_PAD.encode(deflated)
}

/// A link's scenario text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub(crate) text: String,
    /// The bundled scenario whose secrets filled in those the link left out.
    pub(crate) secrets_from: Option<String>,
}

/// Reads a URL payload back into TOML text (a sentence for the page if it cannot).
pub(crate) fn decode(payload: &str) -> Result<Decoded, String> {
    let broken =
        |why: &str| format!("The link's scenario cannot be read ({why}). Was the link cut short?");
    let deflated = URL_SAFE_NO_PAD
        .decode(payload.trim())
        .map_err(|_| broken("it is not base64url"))?;
    let bytes = miniz_oxide::inflate::decompress_to_vec_with_limit(&deflated, MAX_TEXT)
        .map_err(|_| broken("it does not inflate"))?;
    let text = String::from_utf8(bytes).map_err(|_| broken("it is not UTF-8 text"))?;
    Ok(fill_secrets(text))
}

/// The text without any peer's `[secrets]` table.
fn without_secrets(text: &str) -> String {
    let Ok(mut document) = text.parse::<DocumentMut>() else {
        // Not TOML: nothing can be told apart; leave nothing out of a text that
        // cannot run anyway, but never a secret either.
        return String::new();
    };
    for peer in PEERS {
        if let Some(table) = document.get_mut(peer).and_then(|t| t.as_table_like_mut()) {
            table.remove("secrets");
        }
    }
    document.to_string()
}

/// Gives peers without `[secrets]` those of the bundled scenario named in the text.
fn fill_secrets(text: String) -> Decoded {
    let unchanged = |text| Decoded {
        text,
        secrets_from: None,
    };
    let Ok(mut document) = text.parse::<DocumentMut>() else {
        return unchanged(text);
    };
    let Some(name) = document
        .get("name")
        .and_then(|n| n.as_str())
        .map(str::to_owned)
    else {
        return unchanged(text);
    };
    let Some(bundled) = library::text(&name).and_then(|t| t.parse::<DocumentMut>().ok()) else {
        return unchanged(text);
    };
    let mut filled = false;
    for peer in PEERS {
        let secrets = bundled.get(peer).and_then(|p| p.get("secrets")).cloned();
        if let (Some(table), Some(secrets)) = (
            document.get_mut(peer).and_then(|t| t.as_table_mut()),
            secrets,
        ) && !table.contains_key("secrets")
        {
            table.insert("secrets", secrets);
            filled = true;
        }
    }
    if filled {
        Decoded {
            text: document.to_string(),
            secrets_from: Some(name),
        }
    } else {
        unchanged(text)
    }
}
