//! `ikelab listen` in the gateway's namespace and `ikelab connect` in a client's,
//! each with its standard error in a log file of the work directory and a control
//! socket next to it.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use super::config::{ConnectConfig, ListenConfig};
use super::status::{StatusIkeSa, parse_status};
use super::{ClientHost, Diagnose, GatewayLab, tail};
use crate::ikelab_bin;
use crate::interop::cmd::{CmdOutput, stop_child};
use crate::interop::error::{InteropError, Result};
use crate::interop::netns::Netns;

/// How long `ikelab` gets to write an expected log line.
pub const LOG_TIMEOUT: Duration = Duration::from_secs(20);
/// Time limit of one `ikelab status|down|reload`.
const CONTROL_TIMEOUT: Duration = Duration::from_secs(30);

/// The line `ikelab listen` writes once its sockets are bound.
pub const READY_LINE: &str = "listening: IKE on UDP";

/// One `ikelab` process the harness started, stopped with SIGTERM when dropped.
#[derive(Debug)]
struct Process {
    what: String,
    netns: Netns,
    child: Mutex<Option<Child>>,
    pid: u32,
    log: PathBuf,
    control: PathBuf,
}

impl Process {
    fn spawn(
        netns: &Netns,
        what: &str,
        args: &[String],
        log: &Path,
        control: &Path,
    ) -> Result<Self> {
        let out = File::create(log).map_err(|e| InteropError::io(log, e))?;
        let err = out.try_clone().map_err(|e| InteropError::io(log, e))?;
        let child = netns
            .cmd(ikelab_bin().to_string_lossy().as_ref())
            .args(args)
            .spawn_with(Stdio::from(out), Stdio::from(err))?;
        Ok(Self {
            what: format!("{what} in {}", netns.name()),
            netns: netns.clone(),
            pid: child.id(),
            child: Mutex::new(Some(child)),
            log: log.to_owned(),
            control: control.to_owned(),
        })
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn child(&self) -> MutexGuard<'_, Option<Child>> {
        self.child
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether the process is still running (not yet reaped and not a zombie).
    fn running(&self) -> bool {
        self.child()
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    /// Waits until the log holds `needle` `count` times; fails with the log if the
    /// process ends first or `timeout` passes.
    fn wait_for_count(&self, needle: &str, count: usize, timeout: Duration) -> Result<String> {
        let started = Instant::now();
        loop {
            let text = self.log_text();
            if text.matches(needle).count() >= count {
                return Ok(text);
            }
            if !self.running() {
                return Err(InteropError::ExitedEarly {
                    what: self.what.clone(),
                    status: self.exit_status().map_or("?".to_owned(), |s| s.to_string()),
                    detail: format!("waiting for `{needle}` ×{count}; its log:\n{text}"),
                });
            }
            if started.elapsed() >= timeout {
                return Err(InteropError::Timeout {
                    what: format!("`{needle}` ×{count} in the log of {}", self.what),
                    waited: timeout,
                    detail: text,
                });
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn exit_status(&self) -> Option<ExitStatus> {
        self.child()
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }

    /// Waits up to `timeout` for the process to exit; its status, or `None`.
    fn wait_exit(&self, timeout: Duration) -> Option<ExitStatus> {
        let mut child = self.child();
        wait_until_exit(child.as_mut()?, timeout)
    }

    /// `ikelab ARGS… --control SOCKET` in the process's namespace, whatever its exit
    /// status.
    fn control(&self, args: &[&str]) -> Result<CmdOutput> {
        self.netns
            .cmd(ikelab_bin().to_string_lossy().as_ref())
            .args(args)
            .arg("--control")
            .arg(&self.control)
            .output(CONTROL_TIMEOUT)
    }

    fn diagnostics(&self) -> String {
        format!(
            "--- {} (pid {}), log {} ---\n{}",
            self.what,
            self.pid,
            self.log.display(),
            tail(&self.log_text(), 60)
        )
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Some(mut child) = self.child().take()
            && stop_child(&mut child, "TERM", Duration::from_secs(5)).is_none()
        {
            eprintln!("interop: {} ignored SIGTERM and was killed", self.what);
        }
    }
}

/// Waits for `child` up to `timeout` without killing it on time-out.
fn wait_until_exit(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if started.elapsed() >= timeout {
            return None;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// A running `ikelab listen`.
#[derive(Debug)]
pub struct Listen {
    process: Process,
    /// Its configuration file (rewrite it, then [`Listen::reload`]).
    pub config: PathBuf,
}

impl GatewayLab {
    /// Writes `config` as `listen.toml` in the work directory; returns its path.
    pub fn write_listen_config(&self, config: &ListenConfig) -> Result<PathBuf> {
        self.dir().write("listen.toml", config.render())
    }

    /// Writes `config`, starts `ikelab listen listen.toml --control listen.sock -v
    /// EXTRA…` in the gateway's namespace (standard error to `listen.log`) and waits
    /// for its [`READY_LINE`].
    pub fn start_listen(&self, config: &ListenConfig, extra: &[&str]) -> Result<Listen> {
        let path = self.write_listen_config(config)?;
        let (log, control) = (
            self.dir().join("listen.log"),
            self.dir().join("listen.sock"),
        );
        let mut args = vec![
            "listen".to_owned(),
            path.to_string_lossy().into_owned(),
            "--control".to_owned(),
            control.to_string_lossy().into_owned(),
            "-v".to_owned(),
        ];
        args.extend(extra.iter().map(ToString::to_string));
        let process = Process::spawn(&self.gateway, "ikelab listen", &args, &log, &control)?;
        process.wait_for_count(READY_LINE, 1, LOG_TIMEOUT)?;
        Ok(Listen {
            process,
            config: path,
        })
    }

    /// Starts `ikelab connect` as `config` says in `host`'s namespace (TUN mode,
    /// `--tun-name ikelab%d`, no DNS change, `-v`) with standard error in
    /// `connect-NAME.log`; does not wait.
    pub fn start_connect(
        &self,
        host: &ClientHost,
        config: &ConnectConfig,
        extra: &[&str],
    ) -> Result<ConnectClient> {
        let name = config.client.name;
        let path = self
            .dir()
            .write(format!("connect-{name}.toml"), config.render())?;
        let log = self.dir().join(format!("connect-{name}.log"));
        let control = self.dir().join(format!("connect-{name}.sock"));
        let mut args = vec![
            "connect".to_owned(),
            path.to_string_lossy().into_owned(),
            "--control".to_owned(),
            control.to_string_lossy().into_owned(),
            "--tun-name".to_owned(),
            "ikelab%d".to_owned(),
            "--no-dns".to_owned(),
            "-v".to_owned(),
        ];
        args.extend(extra.iter().map(ToString::to_string));
        let process = Process::spawn(&host.netns, "ikelab connect", &args, &log, &control)?;
        Ok(ConnectClient { process })
    }
}

impl Listen {
    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.process.pid
    }

    /// Its log file.
    pub fn log_path(&self) -> &Path {
        &self.process.log
    }

    /// Its control socket.
    pub fn control_path(&self) -> &Path {
        &self.process.control
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        self.process.log_text()
    }

    /// Waits until the log holds `needle` (at most [`LOG_TIMEOUT`]); the log.
    pub fn wait_for_log(&self, needle: &str) -> Result<String> {
        self.process.wait_for_count(needle, 1, LOG_TIMEOUT)
    }

    /// Waits until the log holds `needle` `count` times; the log.
    pub fn wait_for_count(&self, needle: &str, count: usize) -> Result<String> {
        self.process.wait_for_count(needle, count, LOG_TIMEOUT)
    }

    /// `ikelab status --control …`: its exit status and everything it printed.
    pub fn status(&self) -> Result<CmdOutput> {
        self.process.control(&["status"])
    }

    /// `ikelab status`'s standard output; fails unless it exits 0.
    pub fn status_text(&self) -> Result<String> {
        let out = self.status()?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            Err(InteropError::CommandFailed {
                command: "ikelab status".to_owned(),
                status: out.status.to_string(),
                stdout: out.stdout,
                stderr: format!("{}\n{}", out.stderr, self.diagnostics()),
            })
        }
    }

    /// `ikelab status`, read back.
    pub fn sas(&self) -> Result<Vec<StatusIkeSa>> {
        self.status_text().map(|text| parse_status(&text))
    }

    /// Polls `ikelab status` (at most 10 s) until `done` holds for its SAs; the
    /// last status text.
    pub fn wait_for_sas(
        &self,
        what: &str,
        done: impl Fn(&[StatusIkeSa]) -> bool,
    ) -> Result<String> {
        let started = Instant::now();
        loop {
            let text = self.status_text()?;
            if done(&parse_status(&text)) {
                return Ok(text);
            }
            if started.elapsed() >= Duration::from_secs(10) {
                return Err(InteropError::Timeout {
                    what: format!("{what} in ikelab status"),
                    waited: Duration::from_secs(10),
                    detail: format!("{text}\n{}", self.diagnostics()),
                });
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// `ikelab reload --control …`, whatever its exit status.
    pub fn reload(&self) -> Result<CmdOutput> {
        self.process.control(&["reload"])
    }

    /// Writes `config` over the file `ikelab listen` was started with (text, so a
    /// test can also write an invalid one).
    pub fn rewrite_config(&self, text: &str) -> Result<()> {
        std::fs::write(&self.config, text).map_err(|e| InteropError::io(&self.config, e))
    }

    /// `ikelab down --control …`, then waits (at most 10 s) for `ikelab listen` to
    /// exit: `down`'s output and listen's exit status (`None`: still running).
    pub fn down(&self) -> Result<(CmdOutput, Option<ExitStatus>)> {
        let out = self.process.control(&["down"])?;
        let status = self.process.wait_exit(Duration::from_secs(10));
        Ok((out, status))
    }

    /// Whether `ikelab listen` still runs.
    pub fn running(&self) -> bool {
        self.process.running()
    }
}

impl Listen {
    /// Its diagnostics, then `others`'.
    pub fn diagnostics_with(&self, others: &[&dyn Diagnose]) -> String {
        let mut parts: Vec<&dyn Diagnose> = vec![self];
        parts.extend_from_slice(others);
        super::report(&parts)
    }
}

impl Diagnose for Listen {
    fn diagnostics(&self) -> String {
        self.process.diagnostics()
    }
}

/// A running `ikelab connect`.
#[derive(Debug)]
pub struct ConnectClient {
    process: Process,
}

impl ConnectClient {
    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.process.pid
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        self.process.log_text()
    }

    /// Waits until the log holds `needle` (at most [`LOG_TIMEOUT`]); the log.
    pub fn wait_for_log(&self, needle: &str) -> Result<String> {
        self.process.wait_for_count(needle, 1, LOG_TIMEOUT)
    }

    /// `ikelab status --control …`'s standard output; fails unless it exits 0.
    pub fn status_text(&self) -> Result<String> {
        let out = self.process.control(&["status"])?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            Err(InteropError::CommandFailed {
                command: "ikelab status (connect)".to_owned(),
                status: out.status.to_string(),
                stdout: out.stdout,
                stderr: format!("{}\n{}", out.stderr, self.diagnostics()),
            })
        }
    }

    /// `ikelab down --control …` and its exit (at most 10 s).
    pub fn down(&self) -> Result<(CmdOutput, Option<ExitStatus>)> {
        let out = self.process.control(&["down"])?;
        let status = self.process.wait_exit(Duration::from_secs(10));
        Ok((out, status))
    }
}

impl Diagnose for ConnectClient {
    fn diagnostics(&self) -> String {
        self.process.diagnostics()
    }
}
