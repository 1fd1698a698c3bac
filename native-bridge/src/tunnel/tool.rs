//! Running the host's network tools (iproute2's `ip`, systemd's `resolvectl`): one
//! command, its output on success, and on failure a sentence that quotes the
//! command line and what the tool printed.

use std::process::Command;

/// Runs `program args…`; its standard output, or why it failed. `missing` is added
/// when the program cannot be started at all (which package provides it).
pub(crate) fn run<S: AsRef<str>>(
    program: &str,
    args: &[S],
    missing: &str,
) -> Result<String, String> {
    let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    let line = format!("{program} {}", args.join(" "));
    let out = Command::new(program)
        .args(&args)
        .output()
        .map_err(|e| format!("cannot run `{line}`: {e} ({missing})"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "`{line}` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_quotes_the_command_and_what_it_printed() {
        let error = run("sh", &["-c", "echo broken >&2; exit 3"], "").unwrap_err();
        assert!(
            error.starts_with("`sh -c echo broken >&2; exit 3` failed: broken"),
            "{error}"
        );
        let missing = run("ikelab-no-such-tool", &["x"], "from no package").unwrap_err();
        assert!(
            missing.contains("cannot run") && missing.contains("from no package"),
            "{missing}"
        );
        assert_eq!(run("sh", &["-c", "echo fine"], "").unwrap(), "fine\n");
    }
}
