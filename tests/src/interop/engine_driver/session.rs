//! One engine ↔ strongSwan run: namespaces, a capture, charon configured, our engine
//! started, and a tidy end that hands back the artifacts.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::options::{DriverMode, DriverOptions};
use super::peer::EnginePeer;
use super::scenario::{Initiator, RunSpec, Topology, build_topology, charon_conf, engine_config};
use crate::interop::capture::{Capture, CaptureSummary};
use crate::interop::cmd::CmdOutput;
use crate::interop::error::Result;
use crate::interop::netns::Lab;
use crate::interop::pair::CHILD_NAME;
use crate::interop::preflight::require_interop_environment;
use crate::interop::strongswan::{Charon, IkeSaStatus};
use crate::interop::workdir::WorkDir;

use super::scenario::CHARON_CONN;

/// A run in progress. Dropping it removes everything (the [`Lab`] guard and the
/// [`WorkDir`]); [`Self::finish`] does it in order and keeps the artifacts.
#[derive(Debug)]
pub struct EngineSession {
    started: Instant,
    /// What both sides negotiate.
    pub spec: RunSpec,
    /// Namespaces and addresses.
    pub topology: Topology,
    /// charon, configured and running.
    pub charon: Charon,
    capture: Option<Capture>,
    pcap: PathBuf,
    lab: Lab,
    workdir: WorkDir,
}

/// What a finished run leaves behind (namespaces and processes are gone by then).
#[derive(Debug)]
pub struct SessionArtifacts {
    /// charon's complete file log.
    pub charon_log: String,
    /// The capture of UDP 500/4500 in our engine's namespace.
    pub capture: CaptureSummary,
    /// From [`EngineSession::start`] to the end of the clean-up.
    pub total: Duration,
    /// The directory holding the pcap, logs, configurations and records (removed on drop,
    /// kept with `IKELAB_KEEP_ARTIFACTS=1`).
    pub workdir: WorkDir,
}

impl EngineSession {
    /// Checks the environment, creates the namespaces (`tag`: lowercase letters and
    /// digits, at most 12), starts a capture of UDP 500/4500 in our engine's namespace and
    /// charon with its swanctl.conf for `spec` loaded.
    pub fn start(
        tag: &str,
        initiator: Initiator,
        through_nat: bool,
        spec: RunSpec,
    ) -> Result<Self> {
        let started = Instant::now();
        require_interop_environment()?;
        let workdir = WorkDir::new(tag)?;
        let mut lab = Lab::new(tag)?;
        let topology = build_topology(&mut lab, initiator, through_nat)?;
        let pcap = workdir.join("engine.pcap");
        let capture = Capture::start(
            &topology.engine,
            "any",
            &pcap,
            Some("udp port 500 or udp port 4500"),
        )?;
        let charon = Charon::start(&topology.charon, &workdir.join("charon"), |c| c)?;
        charon.load_all(&charon_conf(&spec, &topology.addressing))?;
        Ok(Self {
            started,
            spec,
            topology,
            charon,
            capture: Some(capture),
            pcap,
            lab,
            workdir,
        })
    }

    /// Starts `engine-peer` (`binary`) with our configuration for the spec: it initiates
    /// at once when the topology says our engine initiates, else it waits for charon.
    pub fn start_engine(&mut self, binary: &Path) -> Result<EnginePeer> {
        self.start_engine_with(binary, |_| {})
    }

    /// [`Self::start_engine`], with the driver's options (key log on, records in the
    /// work directory) adjusted by `adjust` first (`--ping`, …).
    pub fn start_engine_with(
        &mut self,
        binary: &Path,
        adjust: impl FnOnce(&mut DriverOptions),
    ) -> Result<EnginePeer> {
        let addressing = self.topology.addressing;
        let config = engine_config(&self.spec, &addressing)?;
        let mode = match addressing.initiator {
            Initiator::Engine => DriverMode::Initiate,
            Initiator::Charon => DriverMode::Respond,
        };
        let dir = self.workdir.subdir("engine")?;
        let mut options = EnginePeer::default_options(&dir, mode, addressing.engine_addr());
        adjust(&mut options);
        EnginePeer::start_with(
            &mut self.lab,
            &self.topology.engine,
            binary,
            &config,
            options,
        )
    }

    /// Starts `program args…` in our engine's namespace (its output to `log`); the
    /// session stops it at the end. Returns its pid.
    pub fn spawn_in_engine_netns(
        &mut self,
        program: &Path,
        args: &[String],
        log: &Path,
    ) -> Result<u32> {
        let program = program.to_string_lossy().into_owned();
        self.lab
            .spawn_in(&self.topology.engine, &program, args, log)
    }

    /// The session's work directory (pcap, logs, configurations).
    pub fn workdir(&self) -> &Path {
        self.workdir.path()
    }

    /// `swanctl --initiate` of charon's connection and child (charon as the client);
    /// fails with charon's answer if the CHILD SA does not come up within `timeout`.
    pub fn charon_initiate(&self, timeout: Duration) -> Result<CmdOutput> {
        self.charon.initiate(CHARON_CONN, CHILD_NAME, timeout)
    }

    /// charon's SAs once one IKE SA is ESTABLISHED with an INSTALLED CHILD SA.
    pub fn charon_established(&self, timeout: Duration) -> Result<Vec<IkeSaStatus>> {
        self.charon
            .wait_for_sas("charon's IKE and CHILD SA", timeout, |sas| {
                sas.iter().any(|sa| {
                    sa.state == "ESTABLISHED" && sa.children.iter().any(|c| c.state == "INSTALLED")
                })
            })
    }

    /// Kills charon (SIGKILL: its peers get no DELETE), starts it again and loads the
    /// same connections: a gateway that crashed and came back.
    pub fn restart_charon(&mut self) -> Result<()> {
        self.charon.kill_and_restart()?;
        self.charon
            .load_all(&charon_conf(&self.spec, &self.topology.addressing))
            .map(drop)
    }

    /// The capture file (complete only after [`Self::finish`]).
    pub fn pcap(&self) -> &Path {
        &self.pcap
    }

    /// Stops our engine (if given), the capture and charon, deletes the namespaces and
    /// returns what is left to inspect.
    pub fn finish(mut self, engine: Option<&EnginePeer>) -> Result<SessionArtifacts> {
        if let Some(engine) = engine {
            engine.stop()?;
        }
        let capture = match self.capture.take() {
            Some(capture) => capture.stop()?,
            None => CaptureSummary {
                pcap: self.pcap.clone(),
                packets_in_file: 0,
                packets_captured: None,
                dropped_by_kernel: None,
            },
        };
        let charon_log = self.charon.stop()?;
        self.lab.close()?;
        Ok(SessionArtifacts {
            charon_log,
            capture,
            total: self.started.elapsed(),
            workdir: self.workdir,
        })
    }
}
