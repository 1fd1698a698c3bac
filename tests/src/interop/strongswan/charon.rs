//! One charon daemon inside a test network namespace, driven with swanctl over vici.
//!
//! charon's pid file is fixed at `/var/run/charon.pid`, so each daemon gets its own mount
//! namespace with a private directory bind-mounted over `/run` (TOOLCHAIN.md):
//!
//! ```text
//! ip netns exec NS unshare -m sh -c 'mount --bind "$1" /run && exec "$2"' sh DIR/run /usr/lib/ipsec/charon
//! ```
//!
//! Every `exec` keeps the pid, so the `Child` the harness holds *is* charon. The vici socket
//! and the file log live in the daemon's own directory outside `/run`, where swanctl (run in
//! the host namespaces; a path-named Unix socket does not depend on the network namespace)
//! and the test can reach them.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::config::{StrongswanConf, SwanctlConf};
use super::vici::{IkeSaStatus, parse_list_sas};
use crate::interop::cmd::{Cmd, CmdOutput, stop_child};
use crate::interop::error::{InteropError, Result};
use crate::interop::netns::Netns;

/// charon on Debian.
pub const CHARON_PATH: &str = "/usr/lib/ipsec/charon";

/// How long charon may take to open its vici socket.
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// Time limit of one swanctl call that does not wait for the network.
const SWANCTL_TIMEOUT: Duration = Duration::from_secs(15);
/// Directories swanctl looks for credentials in, next to swanctl.conf (created empty so
/// `--load-all` stays quiet; certificate tests put files in them).
const SWANCTL_DIRS: &[&str] = &[
    "x509", "x509ca", "x509ocsp", "x509aa", "x509ac", "x509crl", "pubkey", "private", "rsa",
    "ecdsa", "bliss", "pkcs8", "pkcs12",
];
/// Longest path a Unix socket address can hold (`sun_path` is 108 bytes with its NUL).
const MAX_SOCKET_PATH: usize = 107;

/// A running charon. Dropping it stops the daemon (SIGTERM, then SIGKILL after 5 s).
#[derive(Debug)]
pub struct Charon {
    netns: Netns,
    dir: PathBuf,
    conf: StrongswanConf,
    child: Option<Child>,
}

impl Charon {
    /// Writes `DIR/strongswan.conf` from a default [`StrongswanConf`] (vici socket
    /// `DIR/charon.vici`, log `DIR/charon.log`), lets `adjust` change it, starts charon in
    /// `netns` and waits until vici answers.
    pub fn start(
        netns: &Netns,
        dir: &Path,
        adjust: impl FnOnce(StrongswanConf) -> StrongswanConf,
    ) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| InteropError::io(dir, e))?;
        let conf = adjust(StrongswanConf::new(
            dir.join("charon.vici"),
            dir.join("charon.log"),
        ));
        Self::start_with(netns, dir, conf)
    }

    /// Starts charon in `netns` with exactly `conf`, its files in `dir`.
    pub fn start_with(netns: &Netns, dir: &Path, conf: StrongswanConf) -> Result<Self> {
        let socket = conf.vici_socket.to_string_lossy().into_owned();
        if socket.len() > MAX_SOCKET_PATH {
            return Err(InteropError::InvalidInput {
                detail: format!("vici socket path {socket} is longer than {MAX_SOCKET_PATH} bytes"),
            });
        }
        let run_dir = dir.join("run");
        std::fs::create_dir_all(&run_dir).map_err(|e| InteropError::io(&run_dir, e))?;
        let conf_path = dir.join("strongswan.conf");
        std::fs::write(&conf_path, conf.render()?).map_err(|e| InteropError::io(&conf_path, e))?;
        let output_path = dir.join("charon.out");
        let out = File::create(&output_path).map_err(|e| InteropError::io(&output_path, e))?;
        let err = out
            .try_clone()
            .map_err(|e| InteropError::io(&output_path, e))?;
        let cmd = netns
            .cmd("unshare")
            .args(["-m", "--propagation", "private", "sh", "-c"])
            .arg(r#"mount --bind "$1" /run && exec "$2""#)
            .arg("sh")
            .arg(&run_dir)
            .arg(CHARON_PATH)
            .env("STRONGSWAN_CONF", &conf_path);
        let child = cmd.spawn_with(Stdio::from(out), Stdio::from(err))?;
        let mut charon = Self {
            netns: netns.clone(),
            dir: dir.to_owned(),
            conf,
            child: Some(child),
        };
        charon.wait_for_vici()?;
        Ok(charon)
    }

    fn wait_for_vici(&mut self) -> Result<()> {
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(InteropError::ExitedEarly {
                    what: format!("charon in {}", self.netns.name()),
                    status: status.to_string(),
                    detail: self.diagnostics(),
                });
            }
            if self.conf.vici_socket.exists()
                && self
                    .swanctl(&["--stats"])
                    .output(Duration::from_secs(3))
                    .is_ok_and(|o| o.status.success())
            {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(20));
        }
        Err(InteropError::Timeout {
            what: format!("charon's vici socket in {}", self.netns.name()),
            waited: START_TIMEOUT,
            detail: self.diagnostics(),
        })
    }

    /// The namespace charon runs in.
    pub fn netns(&self) -> &Netns {
        &self.netns
    }

    /// charon's process id (while running).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The directory holding strongswan.conf, the log, the socket and swanctl.conf.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The configuration charon was started with.
    pub fn conf(&self) -> &StrongswanConf {
        &self.conf
    }

    /// The file log's path.
    pub fn log_path(&self) -> &Path {
        &self.conf.log_path
    }

    /// The file log as written so far (`flush_line = yes`: complete up to the last line).
    pub fn log(&self) -> Result<String> {
        std::fs::read_to_string(&self.conf.log_path)
            .map_err(|e| InteropError::io(&self.conf.log_path, e))
    }

    /// The last lines of the log and charon's own output, for error messages.
    pub fn diagnostics(&self) -> String {
        let tail = |path: &Path| {
            std::fs::read_to_string(path).map_or_else(
                |e| format!("({}: {e})", path.display()),
                |text| {
                    let lines: Vec<&str> = text.lines().collect();
                    lines[lines.len().saturating_sub(40)..].join("\n")
                },
            )
        };
        format!(
            "--- charon output ({}) ---\n{}\n--- charon log tail ({}) ---\n{}",
            self.netns.name(),
            tail(&self.dir.join("charon.out")),
            self.conf.log_path.display(),
            tail(&self.conf.log_path)
        )
    }

    /// `swanctl <args> --uri <this charon's vici socket>`.
    pub fn swanctl(&self, args: &[&str]) -> Cmd {
        Cmd::new("swanctl")
            .args(args)
            .args(["--uri", &self.conf.vici_uri()])
    }

    /// Runs `swanctl <args> --uri <this charon>`; fails on a non-zero exit, with the charon
    /// log tail in the error.
    pub fn swanctl_run(&self, args: &[&str], timeout: Duration) -> Result<CmdOutput> {
        let cmd = self.swanctl(args);
        let output = cmd.output(timeout)?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(InteropError::CommandFailed {
                command: cmd.command_line(),
                status: output.status.to_string(),
                stdout: output.stdout,
                stderr: format!("{}\n{}", output.stderr, self.diagnostics()),
            })
        }
    }

    /// Writes `DIR/swanctl/swanctl.conf` and loads it (`swanctl --load-all --file`).
    pub fn load_all(&self, conf: &SwanctlConf) -> Result<CmdOutput> {
        let swanctl_dir = self.dir.join("swanctl");
        for sub in SWANCTL_DIRS {
            let d = swanctl_dir.join(sub);
            std::fs::create_dir_all(&d).map_err(|e| InteropError::io(&d, e))?;
        }
        let file = swanctl_dir.join("swanctl.conf");
        std::fs::write(&file, conf.render()?).map_err(|e| InteropError::io(&file, e))?;
        let file = file.to_string_lossy().into_owned();
        self.swanctl_run(&["--load-all", "--file", &file], SWANCTL_TIMEOUT)
    }

    /// `swanctl --initiate --ike <ike> --child <child>`: returns once the CHILD_SA is up,
    /// fails if charon reports failure or `timeout` passes.
    pub fn initiate(&self, ike: &str, child: &str, timeout: Duration) -> Result<CmdOutput> {
        let secs = timeout.as_secs().max(1).to_string();
        self.swanctl_run(
            &[
                "--initiate",
                "--ike",
                ike,
                "--child",
                child,
                "--timeout",
                &secs,
            ],
            timeout + Duration::from_secs(5),
        )
    }

    /// `swanctl --terminate --ike <ike>`: sends the INFORMATIONAL Delete and waits for its
    /// response (or charon's retransmission budget, bounded by `timeout`).
    pub fn terminate_ike(&self, ike: &str, timeout: Duration) -> Result<CmdOutput> {
        let secs = timeout.as_secs().max(1).to_string();
        self.swanctl_run(
            &["--terminate", "--ike", ike, "--timeout", &secs],
            timeout + Duration::from_secs(5),
        )
    }

    /// `swanctl --list-sas --pretty`, parsed.
    pub fn list_sas(&self) -> Result<Vec<IkeSaStatus>> {
        let output = self.swanctl_run(&["--list-sas", "--pretty"], SWANCTL_TIMEOUT)?;
        parse_list_sas(&output.stdout)
    }

    /// Polls [`Self::list_sas`] until `done` holds or `timeout` passes.
    pub fn wait_for_sas(
        &self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&[IkeSaStatus]) -> bool,
    ) -> Result<Vec<IkeSaStatus>> {
        let started = Instant::now();
        loop {
            let sas = self.list_sas()?;
            if done(&sas) {
                return Ok(sas);
            }
            if started.elapsed() >= timeout {
                return Err(InteropError::Timeout {
                    what: what.to_owned(),
                    waited: timeout,
                    detail: format!("last list-sas: {sas:#?}\n{}", self.diagnostics()),
                });
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills charon with SIGKILL (no DELETE leaves it: a crash, as its peers see
    /// it) and starts it again with the same strongswan.conf; its connections must
    /// be loaded again.
    pub fn kill_and_restart(&mut self) -> Result<()> {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let mut fresh = Self::start_with(&self.netns, &self.dir, self.conf.clone())?;
        self.child = fresh.child.take();
        Ok(())
    }

    /// Stops charon (SIGTERM; SIGKILL after 5 s) and returns its complete log.
    pub fn stop(mut self) -> Result<String> {
        self.halt();
        self.log()
    }

    fn halt(&mut self) {
        if let Some(mut child) = self.child.take()
            && stop_child(&mut child, "TERM", Duration::from_secs(5)).is_none()
        {
            eprintln!(
                "interop: charon in {} ignored SIGTERM and was killed",
                self.netns.name()
            );
        }
    }
}

impl Drop for Charon {
    fn drop(&mut self) {
        self.halt();
    }
}
