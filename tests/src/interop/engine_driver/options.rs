//! The `engine-peer` command line, parsed by the driver and built by the test side
//! ([`DriverOptions::to_args`]), so both always agree.
//!
//! ```text
//! engine-peer --mode initiate|respond --peer PEER.toml --bind IP --records FILE
//!             [--key-log] [--run-for SECONDS] [--ike-port 500] [--nat-t-port 4500]
//! ```

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// What the driver does with its `PeerConfig`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriverMode {
    /// `Engine::initiate_from` once the sockets are bound.
    Initiate,
    /// The configuration is the engine's only responder configuration; wait for peers.
    Respond,
}

/// Everything the driver needs to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverOptions {
    /// Initiate or respond.
    pub mode: DriverMode,
    /// A `PeerConfig` in TOML (the engine's configuration format).
    pub peer: PathBuf,
    /// The address both sockets bind to (a specific address, so that every datagram's
    /// destination is known: RFC 7296 §2.11 wants responses from where requests went).
    pub bind: IpAddr,
    /// Where the JSON lines go (see [`super::record`]).
    pub records: PathBuf,
    /// Engine key log: keys in the events (`EngineConfig::key_log`).
    pub key_log: bool,
    /// The driver stops by itself after this long (a safety net; tests stop it earlier).
    pub run_for: Duration,
    /// The IKE port (RFC 7296 §2: 500).
    pub ike_port: u16,
    /// The NAT-T port (RFC 3948: 4500).
    pub nat_t_port: u16,
}

/// Default of `--run-for`.
pub const DEFAULT_RUN_FOR: Duration = Duration::from_secs(120);

/// How to call the program.
pub const USAGE: &str = "usage: engine-peer --mode initiate|respond --peer PEER.toml --bind IP \
                         --records FILE [--key-log] [--run-for SECONDS] [--ike-port PORT] \
                         [--nat-t-port PORT]";

impl DriverOptions {
    /// Options with the defaults for everything optional.
    pub fn new(mode: DriverMode, peer: PathBuf, bind: IpAddr, records: PathBuf) -> Self {
        Self {
            mode,
            peer,
            bind,
            records,
            key_log: false,
            run_for: DEFAULT_RUN_FOR,
            ike_port: 500,
            nat_t_port: 4500,
        }
    }

    /// Parses the arguments after the program name.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut args = args.into_iter();
        let (mut mode, mut peer, mut bind, mut records) = (None, None, None, None);
        let mut key_log = false;
        let mut run_for = DEFAULT_RUN_FOR;
        let (mut ike_port, mut nat_t_port) = (500, 4500);
        while let Some(flag) = args.next() {
            if flag == "--key-log" {
                key_log = true;
                continue;
            }
            let value = args
                .next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
            let bad = |what: &str| format!("{flag} {value:?}: {what}\n{USAGE}");
            match flag.as_str() {
                "--mode" => {
                    mode = Some(match value.as_str() {
                        "initiate" => DriverMode::Initiate,
                        "respond" => DriverMode::Respond,
                        _ => return Err(bad("expected initiate or respond")),
                    });
                }
                "--peer" => peer = Some(PathBuf::from(&value)),
                "--bind" => bind = Some(value.parse().map_err(|_| bad("not an IP address"))?),
                "--records" => records = Some(PathBuf::from(&value)),
                "--run-for" => {
                    let secs: f64 = value.parse().map_err(|_| bad("not a number of seconds"))?;
                    run_for = Duration::try_from_secs_f64(secs)
                        .map_err(|_| bad("not a duration in seconds"))?;
                }
                "--ike-port" => ike_port = value.parse().map_err(|_| bad("not a port"))?,
                "--nat-t-port" => nat_t_port = value.parse().map_err(|_| bad("not a port"))?,
                _ => return Err(format!("unknown argument {flag}\n{USAGE}")),
            }
        }
        let missing = |what: &str| format!("{what} is required\n{USAGE}");
        Ok(Self {
            mode: mode.ok_or_else(|| missing("--mode"))?,
            peer: peer.ok_or_else(|| missing("--peer"))?,
            bind: bind.ok_or_else(|| missing("--bind"))?,
            records: records.ok_or_else(|| missing("--records"))?,
            key_log,
            run_for,
            ike_port,
            nat_t_port,
        })
    }

    /// The arguments that [`Self::parse`] turns back into these options.
    pub fn to_args(&self) -> Vec<String> {
        let mode = match self.mode {
            DriverMode::Initiate => "initiate",
            DriverMode::Respond => "respond",
        };
        let mut args = vec![
            "--mode".to_owned(),
            mode.to_owned(),
            "--peer".to_owned(),
            self.peer.to_string_lossy().into_owned(),
            "--bind".to_owned(),
            self.bind.to_string(),
            "--records".to_owned(),
            self.records.to_string_lossy().into_owned(),
            "--run-for".to_owned(),
            self.run_for.as_secs_f64().to_string(),
            "--ike-port".to_owned(),
            self.ike_port.to_string(),
            "--nat-t-port".to_owned(),
            self.nat_t_port.to_string(),
        ];
        if self.key_log {
            args.push("--key-log".to_owned());
        }
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn arguments_round_trip() {
        let mut options = DriverOptions::new(
            DriverMode::Respond,
            "/tmp/p.toml".into(),
            "192.0.2.1".parse().unwrap(),
            "/tmp/r.jsonl".into(),
        );
        options.key_log = true;
        options.run_for = Duration::from_millis(2500);
        options.nat_t_port = 4501;
        assert_eq!(DriverOptions::parse(options.to_args()), Ok(options));
    }

    #[test]
    fn defaults_apply_and_mistakes_are_named() {
        let parsed = DriverOptions::parse(strings(&[
            "--mode",
            "initiate",
            "--peer",
            "p.toml",
            "--bind",
            "2001:db8::2",
            "--records",
            "r",
        ]))
        .unwrap();
        assert_eq!(parsed.run_for, DEFAULT_RUN_FOR);
        assert_eq!((parsed.ike_port, parsed.nat_t_port), (500, 4500));
        assert!(!parsed.key_log);

        let err = DriverOptions::parse(strings(&["--mode", "listen"])).unwrap_err();
        assert!(err.contains("initiate or respond"), "{err}");
        let err = DriverOptions::parse(strings(&["--mode", "respond"])).unwrap_err();
        assert!(err.contains("--peer is required"), "{err}");
        let err = DriverOptions::parse(strings(&["--bind"])).unwrap_err();
        assert!(err.contains("needs a value"), "{err}");
        let err = DriverOptions::parse(strings(&["--bogus", "x"])).unwrap_err();
        assert!(err.contains("unknown argument"), "{err}");
        let err = DriverOptions::parse(strings(&["--run-for", "-1"])).unwrap_err();
        assert!(err.contains("duration"), "{err}");
    }
}
