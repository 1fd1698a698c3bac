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
