//! The URL fragment that reproduces a moment: `#s=nat-t-esp&seed=7&step=12`, with
//! `&tab=keys` when a tool of the detail area is open, and `#e=…` instead of `s=`
//! for an edited scenario (its TOML deflated and base64url-encoded: see
//! `model::edit::link`).

/// What a fragment names to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// A bundled scenario, by name.
    Bundled(String),
    /// An edited scenario: the encoded TOML text as the fragment carries it.
    Edited(String),
}

/// A moment of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Moment {
    pub(crate) source: Source,
    pub(crate) seed: Option<u64>,
    pub(crate) step: usize,
    /// The open tab of the detail area (`None`: the message view).
    pub(crate) tab: Option<String>,
}

/// Reads a fragment (with or without its `#`); `None` when it names no scenario.
pub(crate) fn parse(fragment: &str) -> Option<Moment> {
    let mut source = None;
    let mut moment = Moment {
        source: Source::Bundled(String::new()),
        seed: None,
        step: 0,
        tab: None,
    };
    for pair in fragment.trim_start_matches('#').split('&') {
        let (key, value) = pair.split_once('=')?;
        match key {
            "s" if !value.is_empty() => source = Some(Source::Bundled(value.to_owned())),
            "e" if !value.is_empty() => source = Some(Source::Edited(value.to_owned())),
            "seed" => moment.seed = value.parse().ok(),
            "step" => moment.step = value.parse().unwrap_or(0),
            "tab" if !value.is_empty() => moment.tab = Some(value.to_owned()),
            _ => {}
        }
    }
    moment.source = source?;
    Some(moment)
}

/// The fragment of a moment.
pub(crate) fn format(moment: &Moment) -> String {
    let (key, value) = match &moment.source {
        Source::Bundled(name) => ("s", name),
        Source::Edited(payload) => ("e", payload),
    };
    let mut text = format!("#{key}={value}");
    if let Some(seed) = moment.seed {
        text.push_str(&format!("&seed={seed}"));
    }
    text.push_str(&format!("&step={}", moment.step));
    if let Some(tab) = &moment.tab {
        text.push_str(&format!("&tab={tab}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled(name: &str, seed: u64, step: usize, tab: Option<&str>) -> Moment {
        Moment {
            source: Source::Bundled(name.to_owned()),
            seed: Some(seed),
            step,
            tab: tab.map(str::to_owned),
        }
    }

    #[test]
    fn a_fragment_round_trips() {
        let moment = bundled("nat-t-esp", 7, 12, None);
        let text = format(&moment);
        assert_eq!(text, "#s=nat-t-esp&seed=7&step=12");
        assert_eq!(parse(&text), Some(moment));
    }

    #[test]
    fn a_tab_and_an_edited_scenario_round_trip() {
        let moment = bundled("happy-path", 3, 0, Some("keys"));
        assert_eq!(parse(&format(&moment)), Some(moment));
        let edited = Moment {
            source: Source::Edited("eJzLSM3JyQcABiwCFQ".to_owned()),
            seed: Some(9),
            step: 4,
            tab: Some("edit".to_owned()),
        };
        let text = format(&edited);
        assert_eq!(text, "#e=eJzLSM3JyQcABiwCFQ&seed=9&step=4&tab=edit");
        assert_eq!(parse(&text), Some(edited));
    }

    #[test]
    fn a_fragment_without_a_scenario_is_none() {
        assert_eq!(parse(""), None);
        assert_eq!(parse("#seed=3"), None);
        assert_eq!(parse("#garbage"), None);
        assert_eq!(parse("#s=&seed=3"), None);
    }
}
