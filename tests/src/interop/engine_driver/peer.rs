//! The test side of the driver: start `engine-peer` in a namespace, read its records.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use ikelab_engine::config::PeerConfig;
use ikelab_engine::event::Event;

use super::options::{DriverMode, DriverOptions};
use super::record::{DriverRecord, parse_records};
use crate::interop::error::{InteropError, Result};
use crate::interop::netns::{Lab, Netns};

/// How long the driver may take to bind its sockets.
const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// A running `engine-peer`. The [`Lab`] that started it stops it (SIGTERM) on close or
/// drop; [`Self::stop`] does it earlier.
#[derive(Debug)]
pub struct EnginePeer {
    pid: u32,
    netns: String,
    options: DriverOptions,
    log: PathBuf,
}

impl EnginePeer {
    /// Writes `config` to `dir/peer.toml` (the engine's TOML configuration format), starts
    /// `binary` (the `engine-peer` executable, `env!("CARGO_BIN_EXE_engine-peer")` in a test
    /// of this package) in `netns` with its sockets bound to `bind`, and waits until they are.
    /// The key log is on (keys in the events, to compare with charon's); records go to
    /// `dir/engine-records.jsonl`, the driver's own output to `dir/engine-records.log`.
    pub fn start(
        lab: &mut Lab,
        netns: &Netns,
        binary: &Path,
        dir: &Path,
        mode: DriverMode,
        bind: IpAddr,
        config: &PeerConfig,
    ) -> Result<Self> {
        let options = Self::default_options(dir, mode, bind);
        Self::start_with(lab, netns, binary, config, options)
    }

    /// The options [`Self::start`] uses: key log on, files in `dir`.
    pub fn default_options(dir: &Path, mode: DriverMode, bind: IpAddr) -> DriverOptions {
        let mut options = DriverOptions::new(
            mode,
            dir.join("peer.toml"),
            bind,
            dir.join("engine-records.jsonl"),
        );
        options.key_log = true;
        options
    }

    /// [`Self::start`] with every option given.
    pub fn start_with(
        lab: &mut Lab,
        netns: &Netns,
        binary: &Path,
        config: &PeerConfig,
        options: DriverOptions,
    ) -> Result<Self> {
        let toml = toml::to_string(config).map_err(|e| InteropError::InvalidInput {
            detail: format!("PeerConfig does not serialise to TOML: {e}"),
        })?;
        std::fs::write(&options.peer, toml).map_err(|e| InteropError::io(&options.peer, e))?;
        let log = options.records.with_extension("log");
        let program = binary.to_string_lossy().into_owned();
        let pid = lab.spawn_in(netns, &program, options.to_args(), &log)?;
        let peer = Self {
            pid,
            netns: netns.name().to_owned(),
            options,
            log,
        };
        peer.wait_ready()?;
        Ok(peer)
    }

    fn wait_ready(&self) -> Result<()> {
        let started = Instant::now();
        loop {
            let ready = self
                .records()?
                .iter()
                .any(|r| matches!(r, DriverRecord::Ready { .. }));
            if ready {
                return Ok(());
            }
            if self.has_exited() {
                return Err(InteropError::ExitedEarly {
                    what: format!("engine-peer in {}", self.netns),
                    status: "see its output".to_owned(),
                    detail: self.diagnostics(),
                });
            }
            if started.elapsed() >= READY_TIMEOUT {
                return Err(InteropError::Timeout {
                    what: format!("engine-peer to bind its sockets in {}", self.netns),
                    waited: READY_TIMEOUT,
                    detail: self.diagnostics(),
                });
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// The driver's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The options it runs with.
    pub fn options(&self) -> &DriverOptions {
        &self.options
    }

    /// Whether the process has ended (it stays a zombie until the lab reaps it).
    pub fn has_exited(&self) -> bool {
        match std::fs::read_to_string(format!("/proc/{}/stat", self.pid)) {
            // `pid (comm) S …`: the state follows the last `)`.
            Ok(stat) => stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_none_or(|state| state == "Z" || state == "X"),
            Err(_) => true,
        }
    }

    /// Every complete record written so far.
    pub fn records(&self) -> Result<Vec<DriverRecord>> {
        match std::fs::read_to_string(&self.options.records) {
            Ok(text) => parse_records(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(InteropError::io(&self.options.records, e)),
        }
    }

    /// Every engine event written so far.
    pub fn events(&self) -> Result<Vec<Event>> {
        Ok(self
            .records()?
            .iter()
            .filter_map(|r| r.event().cloned())
            .collect())
    }

    /// Polls the events until `done` holds, failing after `timeout` with the transcript.
    pub fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&[Event]) -> bool,
    ) -> Result<Vec<Event>> {
        let started = Instant::now();
        loop {
            let events = self.events()?;
            if done(&events) {
                return Ok(events);
            }
            if started.elapsed() >= timeout || self.has_exited() {
                return Err(InteropError::Timeout {
                    what: what.to_owned(),
                    waited: started.elapsed(),
                    detail: self.diagnostics(),
                });
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// The records as charon-style lines plus the driver's own output, for messages.
    pub fn diagnostics(&self) -> String {
        let transcript = match self.records() {
            Ok(records) => records
                .iter()
                .map(|r| match r {
                    DriverRecord::Event { line, event } => {
                        format!("{:>10} {line}", event.time_us)
                    }
                    other => format!("{:>10} {}", "", other.to_line()),
                })
                .collect::<Vec<_>>()
                .join("\n"),
            Err(e) => format!("(records unreadable: {e})"),
        };
        let output = std::fs::read_to_string(&self.log)
            .unwrap_or_else(|e| format!("({}: {e})", self.log.display()));
        format!(
            "--- engine-peer records ({}) ---\n{transcript}\n--- engine-peer output ---\n{output}",
            self.options.records.display()
        )
    }

    /// Sends SIGTERM (the driver keeps no state worth a clean exit: every record is
    /// already on disk). The lab reaps the process.
    pub fn stop(&self) -> Result<()> {
        if self.has_exited() {
            return Ok(());
        }
        crate::interop::cmd::signal(self.pid, "TERM")
    }
}
