//! The `ikelab` command line: help, version, and the exit-code table.

use ikelab_tests::run_ikelab;

#[test]
fn version_prints_the_engine_version() {
    let out = run_ikelab(["--version"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.trim(), format!("ikelab {}", ikelab_engine::VERSION));
}

#[test]
fn help_lists_the_exit_codes() {
    let out = run_ikelab(["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("Exit codes:"), "{stdout}");
    for code in ["0  success", "2  usage error"] {
        assert!(stdout.contains(code), "missing {code:?} in:\n{stdout}");
    }
}

#[test]
fn unknown_option_is_a_usage_error() {
    let out = run_ikelab(["--no-such-option"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("--no-such-option"), "{stderr}");
}

#[test]
fn no_arguments_prints_usage_and_fails() {
    let out = run_ikelab(std::iter::empty::<&str>());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("Usage: ikelab"), "{stderr}");
}

/// The README's exit-code table and `ikelab --help` list the same codes and meanings.
#[test]
fn readme_exit_code_table_matches_the_cli() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let readme_rows: Vec<(String, String)> = readme
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line
                .trim()
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect();
            match cells.as_slice() {
                [code, meaning] if code.parse::<u8>().is_ok() => {
                    Some((code.to_string(), meaning.to_string()))
                }
                _ => None,
            }
        })
        .collect();
    let help = String::from_utf8(run_ikelab(["--help"]).stdout).unwrap();
    let help_rows: Vec<(String, String)> = help
        .lines()
        .skip_while(|l| !l.starts_with("Exit codes:"))
        .skip(1)
        .filter_map(|line| {
            let (code, meaning) = line.trim().split_once("  ")?;
            code.parse::<u8>().ok()?;
            Some((code.to_string(), meaning.trim().to_string()))
        })
        .collect();
    assert!(!help_rows.is_empty(), "no exit codes in --help:\n{help}");
    assert_eq!(readme_rows, help_rows);
}
