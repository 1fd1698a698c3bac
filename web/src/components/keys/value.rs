//! A key's value in hex, in groups of four octets that wrap with the panel, an
//! AEAD's salt set apart (RFC 5282 §7.1, RFC 4106 §8.1: the salt is the value's
//! last octets).

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct HexValueProps {
    /// Lowercase hex.
    pub(super) hex: String,
    /// Octets at the end that are the salt (0: none).
    pub(super) salt: usize,
}

/// Hex digits per group: four octets.
const GROUP: usize = 8;

#[function_component(HexValue)]
pub(super) fn hex_value(props: &HexValueProps) -> Html {
    let hex = props.hex.as_str();
    // Both halves on character boundaries whatever the input (hex is ASCII).
    let split = hex.len().saturating_sub(props.salt * 2).min(hex.len());
    let (key, salt) = match (hex.get(..split), hex.get(split..)) {
        (Some(key), Some(salt)) => (key, salt),
        _ => (hex, ""),
    };
    html! {
        <code class="hex-value" aria-label={format!("{} octets in hex", hex.len() / 2)}>
            { for groups(key).map(|g| html! { <span class="hex-group">{ g }</span> }) }
            if !salt.is_empty() {
                <span class="hex-group salt" title="the salt">
                    { salt }<span class="salt-label">{ " salt" }</span>
                </span>
            }
        </code>
    }
}

/// `text` cut into groups of [`GROUP`] characters (the last may be shorter).
fn groups(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let cut = rest
            .char_indices()
            .nth(GROUP)
            .map_or(rest.len(), |(at, _)| at);
        let (group, tail) = rest.split_at(cut);
        rest = tail;
        Some(group)
    })
}

#[cfg(test)]
mod tests {
    use super::groups;

    #[test]
    fn keys_hex_is_cut_into_groups_of_four_octets() {
        let all: Vec<&str> = groups("00112233445566778899").collect();
        assert_eq!(all, ["00112233", "44556677", "8899"]);
        assert_eq!(groups("").count(), 0);
    }
}
