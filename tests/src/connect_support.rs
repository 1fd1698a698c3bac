//! What the tests of `ikelab connect`, `status` and `down` share: a scratch folder per
//! test, the client and gateway fixtures, and the standard error of a running
//! `ikelab` collected line by line.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ikelab_engine::config::PeerConfig;
use ikelab_engine::sim::fixtures::{self, CLIENT, GATEWAY};

use crate::loopback_gateway::LoopbackGateway;

/// Long enough for a handshake on a loaded machine, short enough to fail fast.
pub const UP_WITHIN: Duration = Duration::from_secs(10);

/// A fresh scratch folder `ikelab-{suite}-{name}-{pid}` under the temp folder.
pub fn scratch(suite: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ikelab-{suite}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the temp folder is writable");
    dir
}

/// The client fixture with `edits`, written to `dir/client.toml` (so `ikelab status`
/// names the connection "client").
pub fn client_config(dir: &Path, edits: &[(&str, &str)]) -> PathBuf {
    let config = fixtures::variant(CLIENT, edits).expect("the edits fit the fixture");
    let path = dir.join("client.toml");
    let text = toml::to_string(&config).expect("a PeerConfig writes as TOML");
    std::fs::write(&path, text).expect("the scratch folder is writable");
    path
}

/// The gateway fixture with `edits`, answering on 127.0.0.1.
pub fn gateway(edits: &[(&str, &str)]) -> LoopbackGateway {
    let config: PeerConfig = fixtures::variant(GATEWAY, edits).expect("the edits fit the fixture");
    LoopbackGateway::start(config)
}

/// [`gateway`] on the addresses an earlier gateway had (`ike`, `nat_t`).
pub fn gateway_at(edits: &[(&str, &str)], ike: SocketAddr, nat_t: SocketAddr) -> LoopbackGateway {
    let config: PeerConfig = fixtures::variant(GATEWAY, edits).expect("the edits fit the fixture");
    LoopbackGateway::start_at(config, ike, nat_t)
}

/// The standard error of a running `ikelab`, collected by a thread.
#[derive(Debug)]
pub struct StderrLog {
    text: Arc<Mutex<String>>,
    reader: Option<JoinHandle<()>>,
}

impl StderrLog {
    /// Takes `child`'s piped standard error and collects it.
    pub fn follow(child: &mut Child) -> Self {
        let text = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("stderr is piped");
        let sink = text.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut text = sink.lock().unwrap_or_else(PoisonError::into_inner);
                text.push_str(&line);
                text.push('\n');
            }
        });
        Self {
            text,
            reader: Some(reader),
        }
    }

    /// A log of nothing (what is left in place of one that was taken).
    pub fn empty() -> Self {
        Self {
            text: Arc::new(Mutex::new(String::new())),
            reader: None,
        }
    }

    /// What has arrived so far.
    pub fn text(&self) -> String {
        self.text
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Whether `needle` appears within [`UP_WITHIN`].
    pub fn wait_for(&self, needle: &str) -> bool {
        let start = Instant::now();
        while start.elapsed() < UP_WITHIN {
            if self.text().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Everything, once the process has exited (the reader has seen the end).
    pub fn finish(mut self) -> String {
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        self.text()
    }
}
