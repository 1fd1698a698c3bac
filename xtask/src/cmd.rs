//! Running external commands, echoing them first so a log reads like a script.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Prints the command line, then runs it with inherited stdio.
pub(crate) fn run(cmd: &mut Command) -> Result<(), String> {
    echo(cmd);
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start {}: {e}", program(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(cmd)))
    }
}

/// Runs the command, teeing its stdout and stderr to ours, and returns the captured
/// text of both (interleaved per stream) with the success flag. Used where the test
/// summary has to read a runner's closing lines.
pub(crate) fn run_tee(cmd: &mut Command) -> Result<(bool, String), String> {
    use std::io::{BufRead, BufReader, Write};
    use std::sync::mpsc;

    echo(cmd);
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program(cmd)))?;
    let (tx, rx) = mpsc::channel::<String>();
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        let tx = tx.clone();
        readers.push(std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                println!("{line}");
                let _ = tx.send(line);
            }
        }));
    }
    if let Some(err) = child.stderr.take() {
        let tx = tx.clone();
        readers.push(std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                eprintln!("{line}");
                let _ = tx.send(line);
            }
        }));
    }
    drop(tx);
    let status = child
        .wait()
        .map_err(|e| format!("waiting for {}: {e}", program(cmd)))?;
    for reader in readers {
        let _ = reader.join();
    }
    let _ = std::io::stdout().flush();
    let text: Vec<String> = rx.into_iter().collect();
    Ok((status.success(), text.join("\n")))
}

/// Runs the command quietly and returns its output (for probes such as `--version`).
pub(crate) fn output(cmd: &mut Command) -> Option<Output> {
    cmd.stdin(Stdio::null()).output().ok()
}

/// Whether an executable exists at `path` or, for a bare name, on PATH.
pub(crate) fn exists(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

fn program(cmd: &Command) -> String {
    cmd.get_program().to_string_lossy().into_owned()
}

fn describe(cmd: &Command) -> String {
    let mut text = program(cmd);
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

fn echo(cmd: &Command) {
    println!("$ {}", describe(cmd));
}
