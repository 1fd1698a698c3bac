//! Running external programs (`ip`, `iptables`, `swanctl`, `tshark`, …) with a time limit and
//! an error that carries the command line and what it printed.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::error::{InteropError, Result};

/// Directories every command's `PATH` includes, after the caller's own `PATH`: a root shell
/// may lack the `sbin` ones, where `ip`, `iptables` and `tcpdump` live on Debian.
const STANDARD_PATH: &[&str] = &[
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// The caller's `PATH` followed by whichever [`STANDARD_PATH`] directories it lacks.
pub fn search_path() -> OsString {
    let mut dirs: Vec<std::path::PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    for dir in STANDARD_PATH {
        if !dirs.iter().any(|d| d.as_os_str() == *dir) {
            dirs.push((*dir).into());
        }
    }
    std::env::join_paths(dirs).unwrap_or_else(|_| STANDARD_PATH.join(":").into())
}

/// The Debian package that provides `program`, for "install X" messages.
pub fn package_for(program: &str) -> &'static str {
    match program.rsplit('/').next().unwrap_or(program) {
        "ip" => "iproute2",
        "iptables" => "iptables",
        "tcpdump" => "tcpdump",
        "tshark" => "tshark",
        "swanctl" => "strongswan-swanctl",
        "charon" => "strongswan-charon",
        "unshare" => "util-linux",
        "mount" => "mount",
        "kill" => "procps",
        "sh" => "dash",
        "ping" => "iputils-ping",
        _ => "(unknown package)",
    }
}

/// A command to run: program, arguments and extra environment, printable for error messages.
#[derive(Debug, Clone)]
pub struct Cmd {
    program: OsString,
    args: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
}

/// What a finished command printed.
#[derive(Debug, Clone)]
pub struct CmdOutput {
    /// Exit status.
    pub status: ExitStatus,
    /// Standard output, lossily decoded as UTF-8.
    pub stdout: String,
    /// Standard error, lossily decoded as UTF-8.
    pub stderr: String,
}

impl Cmd {
    /// A command running `program` (looked up in `PATH` unless it contains a `/`).
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        Self {
            program: program.as_ref().to_owned(),
            args: Vec::new(),
            envs: Vec::new(),
        }
    }

    /// `ip netns exec <netns> <program>`: the program runs inside the network namespace.
    pub fn in_netns(netns: &str, program: impl AsRef<OsStr>) -> Self {
        Self::new("ip").args(["netns", "exec", netns]).arg(program)
    }

    /// Appends one argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Appends several arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Sets an environment variable for the command.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.envs
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// The command line as a shell would show it (for messages, not for execution).
    pub fn command_line(&self) -> String {
        let mut line = String::new();
        for (key, value) in &self.envs {
            line.push_str(&format!(
                "{}={} ",
                key.to_string_lossy(),
                value.to_string_lossy()
            ));
        }
        line.push_str(&self.program.to_string_lossy());
        for arg in &self.args {
            let arg = arg.to_string_lossy();
            if arg.is_empty() || arg.contains(|c: char| c.is_whitespace() || c == '\'') {
                line.push_str(&format!(" '{}'", arg.replace('\'', r"'\''")));
            } else {
                line.push(' ');
                line.push_str(&arg);
            }
        }
        line
    }

    /// A `std::process::Command` for this command (stdio left to the caller).
    pub fn to_command(&self) -> Command {
        let path = search_path();
        // `Command` looks the program up in the child's PATH when one is set explicitly.
        let mut command = Command::new(&self.program);
        command.env("PATH", path).args(&self.args);
        for (key, value) in &self.envs {
            command.env(key, value);
        }
        command
    }

    /// Starts the command with the given stdio, mapping "not found" to [`InteropError::MissingTool`].
    pub fn spawn_with(&self, stdout: Stdio, stderr: Stdio) -> Result<Child> {
        self.to_command()
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .map_err(|source| self.spawn_error(source))
    }

    fn spawn_error(&self, source: std::io::Error) -> InteropError {
        if source.kind() == std::io::ErrorKind::NotFound {
            let program = self.program.to_string_lossy().into_owned();
            let package = package_for(&program);
            InteropError::MissingTool {
                what: program,
                package,
            }
        } else {
            InteropError::Spawn {
                command: self.command_line(),
                source,
            }
        }
    }

    /// Runs the command to completion (killing it after `timeout`) and returns its output,
    /// whatever its exit status.
    pub fn output(&self, timeout: Duration) -> Result<CmdOutput> {
        let mut child = self.spawn_with(Stdio::piped(), Stdio::piped())?;
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let status = wait_until(&mut child, timeout).map_err(|source| InteropError::Spawn {
            command: self.command_line(),
            source,
        })?;
        let stdout = stdout.join().unwrap_or_default();
        let stderr = stderr.join().unwrap_or_default();
        match status {
            Some(status) => {
                let output = CmdOutput {
                    status,
                    stdout,
                    stderr,
                };
                self.missing_exec_target(&output)?;
                Ok(output)
            }
            None => Err(InteropError::Timeout {
                what: format!("`{}`", self.command_line()),
                waited: timeout,
                detail: format!("stdout so far:\n{stdout}\nstderr so far:\n{stderr}"),
            }),
        }
    }

    /// Runs the command like [`Self::output`] and fails unless it exited with status 0.
    pub fn run(&self, timeout: Duration) -> Result<CmdOutput> {
        let output = self.output(timeout)?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(self.failed(&output))
        }
    }

    /// The error describing `output` of this command as a failure.
    pub fn failed(&self, output: &CmdOutput) -> InteropError {
        InteropError::CommandFailed {
            command: self.command_line(),
            status: output.status.to_string(),
            stdout: output.stdout.clone(),
            stderr: output.stderr.clone(),
        }
    }

    /// `ip netns exec` reports a missing program as `exec of "X" failed: No such file or
    /// directory`; turn that into [`InteropError::MissingTool`] for X.
    fn missing_exec_target(&self, output: &CmdOutput) -> Result<()> {
        if output.status.success() {
            return Ok(());
        }
        let Some(rest) = output.stderr.split("exec of \"").nth(1) else {
            return Ok(());
        };
        if !output.stderr.contains("No such file or directory") {
            return Ok(());
        }
        let program = rest.split('"').next().unwrap_or(rest).to_owned();
        let package = package_for(&program);
        Err(InteropError::MissingTool {
            what: program,
            package,
        })
    }
}

/// Reads a pipe to the end on its own thread (so a full pipe never blocks the child).
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            // A read error leaves what was read so far, which is all a message can show.
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Waits for `child` up to `timeout`; on time-out kills it, reaps it and returns `None`.
pub fn wait_until(child: &mut Child, timeout: Duration) -> std::io::Result<Option<ExitStatus>> {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(2);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            // The child may have exited between try_wait and kill: both errors are benign.
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// Sends `signal` (a name such as `INT` or `TERM`) to process `pid` with `kill(1)`.
///
/// The harness only signals processes it started itself (it holds their `Child`).
pub fn signal(pid: u32, signal: &str) -> Result<()> {
    Cmd::new("kill")
        .args(["-s", signal, &pid.to_string()])
        .run(Duration::from_secs(5))
        .map(|_| ())
}

/// Stops a child the harness started: `signal` first, then `SIGKILL` after `grace`.
/// Returns its exit status, or `None` if it had to be killed.
pub fn stop_child(child: &mut Child, first_signal: &str, grace: Duration) -> Option<ExitStatus> {
    if let Ok(Some(status)) = child.try_wait() {
        return Some(status);
    }
    if signal(child.id(), first_signal).is_ok()
        && let Ok(Some(status)) = wait_until(child, grace)
    {
        return Some(status);
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}
