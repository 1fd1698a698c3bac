//! The `engine-peer` command line, parsed by the driver and built by the test side
//! ([`DriverOptions::to_args`]), so both always agree.
//!
//! ```text
//! engine-peer --mode initiate|respond --peer PEER.toml --bind IP --records FILE
//!             [--key-log] [--run-for SECONDS] [--ike-port 500] [--nat-t-port 4500]
//!             [--ping DST [--count N] [--interval MS]] [--answer-pings] [--plain-esp]
//! ```
//!
//! `--answer-pings`: answer the ICMP echo requests that arrive through a CHILD SA,
//! as a host on the inner network would. `--plain-esp`: open a raw socket for ESP
//! in IP (protocol 50), which CHILD SAs without UDP encapsulation use.
//!
//! `--ping DST`: once the first CHILD SA is up, send `--count` ICMP echo requests
//! (default 5) from our virtual IP to `DST` through it, one every `--interval`
//! milliseconds (default 200), and open the replies (see [`super::esp`]).

use std::net::{IpAddr, Ipv4Addr};
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
    /// Pings through the first CHILD SA, if any.
    pub ping: Option<PingOptions>,
    /// Answers echo requests that arrive through a CHILD SA.
    pub answer_pings: bool,
    /// Opens a raw socket for plain ESP (IP protocol 50; needs CAP_NET_RAW).
    pub plain_esp: bool,
}

/// `--ping DST --count N --interval MS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PingOptions {
    /// The address behind the gateway the echo requests go to.
    pub dst: Ipv4Addr,
    /// How many echo requests.
    pub count: u16,
    /// Time between two requests.
    pub interval: Duration,
}

/// Default of `--count`.
pub const DEFAULT_PING_COUNT: u16 = 5;
/// Default of `--interval`.
pub const DEFAULT_PING_INTERVAL: Duration = Duration::from_millis(200);

/// Default of `--run-for`.
pub const DEFAULT_RUN_FOR: Duration = Duration::from_secs(120);

/// How to call the program.
pub const USAGE: &str = "usage: engine-peer --mode initiate|respond --peer PEER.toml --bind IP \
                         --records FILE [--key-log] [--run-for SECONDS] [--ike-port PORT] \
                         [--nat-t-port PORT] [--ping IPV4 [--count N] [--interval MS]] \
                         [--answer-pings] [--plain-esp]";

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
            ping: None,
            answer_pings: false,
            plain_esp: false,
        }
    }

    /// Parses the arguments after the program name.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut args = args.into_iter();
        let (mut mode, mut peer, mut bind, mut records) = (None, None, None, None);
        let (mut key_log, mut answer_pings, mut plain_esp) = (false, false, false);
        let mut run_for = DEFAULT_RUN_FOR;
        let (mut ike_port, mut nat_t_port) = (500, 4500);
        let (mut ping_dst, mut count, mut interval) = (None, None, None);
        while let Some(flag) = args.next() {
            let switch = match flag.as_str() {
                "--key-log" => Some(&mut key_log),
                "--answer-pings" => Some(&mut answer_pings),
                "--plain-esp" => Some(&mut plain_esp),
                _ => None,
            };
            if let Some(switch) = switch {
                *switch = true;
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
                "--ping" => {
                    ping_dst = Some(value.parse().map_err(|_| bad("not an IPv4 address"))?);
                }
                "--count" => {
                    count = Some(
                        value
                            .parse::<u16>()
                            .ok()
                            .filter(|n| *n > 0)
                            .ok_or_else(|| bad("not a count from 1 to 65535"))?,
                    );
                }
                "--interval" => {
                    interval = Some(Duration::from_millis(
                        value.parse().map_err(|_| bad("not milliseconds"))?,
                    ));
                }
                _ => return Err(format!("unknown argument {flag}\n{USAGE}")),
            }
        }
        let missing = |what: &str| format!("{what} is required\n{USAGE}");
        let ping = match ping_dst {
            Some(dst) => Some(PingOptions {
                dst,
                count: count.unwrap_or(DEFAULT_PING_COUNT),
                interval: interval.unwrap_or(DEFAULT_PING_INTERVAL),
            }),
            None if count.is_some() || interval.is_some() => {
                return Err(format!("--count and --interval need --ping\n{USAGE}"));
            }
            None => None,
        };
        Ok(Self {
            mode: mode.ok_or_else(|| missing("--mode"))?,
            peer: peer.ok_or_else(|| missing("--peer"))?,
            bind: bind.ok_or_else(|| missing("--bind"))?,
            records: records.ok_or_else(|| missing("--records"))?,
            key_log,
            run_for,
            ike_port,
            nat_t_port,
            ping,
            answer_pings,
            plain_esp,
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
        for (on, flag) in [
            (self.key_log, "--key-log"),
            (self.answer_pings, "--answer-pings"),
            (self.plain_esp, "--plain-esp"),
        ] {
            if on {
                args.push(flag.to_owned());
            }
        }
        if let Some(ping) = &self.ping {
            args.extend([
                "--ping".to_owned(),
                ping.dst.to_string(),
                "--count".to_owned(),
                ping.count.to_string(),
                "--interval".to_owned(),
                ping.interval.as_millis().to_string(),
            ]);
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
        assert_eq!(DriverOptions::parse(options.to_args()), Ok(options.clone()));
        options.answer_pings = true;
        options.plain_esp = true;
        assert_eq!(DriverOptions::parse(options.to_args()), Ok(options.clone()));
        options.ping = Some(PingOptions {
            dst: Ipv4Addr::new(203, 0, 113, 1),
            count: 12,
            interval: Duration::from_millis(50),
        });
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
        assert_eq!(parsed.ping, None);
        let err = DriverOptions::parse(strings(&["--ping", "2001:db8::1"])).unwrap_err();
        assert!(err.contains("IPv4"), "{err}");
        let err = DriverOptions::parse(strings(&["--count", "0"])).unwrap_err();
        assert!(err.contains("count from 1"), "{err}");
        let mut base = strings(&["--mode", "initiate", "--peer", "p", "--bind", "192.0.2.2"]);
        base.extend(strings(&["--records", "r", "--interval", "10"]));
        let err = DriverOptions::parse(base.clone()).unwrap_err();
        assert!(err.contains("need --ping"), "{err}");
        base.extend(strings(&["--ping", "203.0.113.1"]));
        let ping = DriverOptions::parse(base).unwrap().ping.unwrap();
        assert_eq!(ping.count, DEFAULT_PING_COUNT);
        assert_eq!(ping.interval, Duration::from_millis(10));
    }
}
