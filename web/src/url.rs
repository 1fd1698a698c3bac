//! The URL fragment that reproduces a moment: `#s=nat-t-esp&seed=7&step=12`.

/// A moment of a bundled scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Moment {
    pub(crate) scenario: String,
    pub(crate) seed: Option<u64>,
    pub(crate) step: usize,
}

/// Reads a fragment (with or without its `#`); `None` when it names no scenario.
pub(crate) fn parse(fragment: &str) -> Option<Moment> {
    let mut moment = Moment {
        scenario: String::new(),
        seed: None,
        step: 0,
    };
    for pair in fragment.trim_start_matches('#').split('&') {
        let (key, value) = pair.split_once('=')?;
        match key {
            "s" => moment.scenario = value.to_owned(),
            "seed" => moment.seed = value.parse().ok(),
            "step" => moment.step = value.parse().unwrap_or(0),
            _ => {}
        }
    }
    (!moment.scenario.is_empty()).then_some(moment)
}

/// The fragment of a moment.
pub(crate) fn format(scenario: &str, seed: u64, step: usize) -> String {
    format!("#s={scenario}&seed={seed}&step={step}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fragment_round_trips() {
        let text = format("nat-t-esp", 7, 12);
        assert_eq!(
            parse(&text),
            Some(Moment {
                scenario: "nat-t-esp".to_owned(),
                seed: Some(7),
                step: 12
            })
        );
    }

    #[test]
    fn a_fragment_without_a_scenario_is_none() {
        assert_eq!(parse(""), None);
        assert_eq!(parse("#seed=3"), None);
        assert_eq!(parse("#garbage"), None);
    }
}
