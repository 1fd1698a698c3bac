//! Counting test cases from the runners' closing lines.

/// Passed and failed test cases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) passed: u64,
    pub(crate) failed: u64,
}

impl Counts {
    pub(crate) fn add(&mut self, other: Self) {
        self.passed += other.passed;
        self.failed += other.failed;
    }

    pub(crate) fn one(ok: bool) -> Self {
        if ok {
            Self {
                passed: 1,
                failed: 0,
            }
        } else {
            Self {
                passed: 0,
                failed: 1,
            }
        }
    }

    pub(crate) fn is_empty(self) -> bool {
        self.passed == 0 && self.failed == 0
    }
}

/// Sums every `test result: ok. N passed; M failed; …` line (libtest, and
/// wasm-bindgen-test-runner, which prints the same line).
pub(crate) fn libtest(output: &str) -> Counts {
    let mut counts = Counts::default();
    for line in output.lines() {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            continue;
        };
        counts.passed += number_before(rest, " passed").unwrap_or(0);
        counts.failed += number_before(rest, " failed").unwrap_or(0);
    }
    counts
}

/// Reads node's TAP reporter totals (`# pass N`, `# fail N`).
pub(crate) fn node_tap(output: &str) -> Counts {
    let mut counts = Counts::default();
    for line in output.lines() {
        let line = line.trim();
        if let Some(n) = line.strip_prefix("# pass ") {
            counts.passed += n.trim().parse().unwrap_or(0);
        } else if let Some(n) = line.strip_prefix("# fail ") {
            counts.failed += n.trim().parse().unwrap_or(0);
        }
    }
    counts
}

/// The names of libtest's failed cases (`test NAME ... FAILED`), so the summary at
/// the end of a long log says which ones.
pub(crate) fn libtest_failures(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("test ")?
                .strip_suffix(" ... FAILED")
                .map(str::to_owned)
        })
        .collect()
}

/// The names of node's failed top-level tests (`not ok N - NAME` at column 0).
pub(crate) fn node_tap_failures(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("not ok ")?;
            let (_, name) = rest.split_once(" - ")?;
            Some(name.trim().to_owned())
        })
        .collect()
}

/// "what: a; b" when some failed, "what" otherwise.
pub(crate) fn naming(what: &str, failures: &[String]) -> String {
    if failures.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {}", failures.join("; "))
    }
}

/// The integer just before `suffix` in `text` ("3 passed" → 3).
fn number_before(text: &str, suffix: &str) -> Option<u64> {
    let end = text.find(suffix)?;
    let digits: String = text[..end]
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_libtest_result_lines() {
        let out = "running 2 tests\n\
                   test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s\n\
                   test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out\n";
        assert_eq!(
            libtest(out),
            Counts {
                passed: 15,
                failed: 2
            }
        );
    }

    #[test]
    fn reads_node_tap_totals() {
        let out = "TAP version 13\nok 1 - page loads\n1..4\n# tests 4\n# pass 3\n# fail 1\n";
        assert_eq!(
            node_tap(out),
            Counts {
                passed: 3,
                failed: 1
            }
        );
    }

    #[test]
    fn no_result_line_counts_nothing() {
        assert!(libtest("error[E0308]: mismatched types").is_empty());
    }

    #[test]
    fn names_the_failed_cases() {
        let out = "test a::passes ... ok\ntest b::breaks ... FAILED\n";
        assert_eq!(libtest_failures(out), vec!["b::breaks".to_owned()]);
        let tap = "ok 1 - loads\nnot ok 2 - the packet travels\n    not ok 1 - inner\n";
        assert_eq!(
            node_tap_failures(tap),
            vec!["the packet travels".to_owned()]
        );
        assert_eq!(
            naming("browser tests failed", &node_tap_failures(tap)),
            "browser tests failed: the packet travels"
        );
        assert_eq!(naming("x", &[]), "x");
    }
}
