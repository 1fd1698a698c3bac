//! A strongSwan road warrior in a client namespace (charon with kernel-libipsec:
//! its virtual IP and its routes into the tunnel are charon's own), and pings.
//!
//! charon's `resolve` plugin writes the DNS servers the gateway hands out into
//! `/etc/resolv.conf`: the namespace gets its own first (`/etc/netns/NAME/resolv.conf`,
//! which `ip netns exec` mounts there), and charon is started only once the namespace
//! is seen to read it. (strongswan.conf's `plugins.resolve.file` would need a nested
//! section the harness's `StrongswanConf` cannot write.)

use std::fs::File;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::Duration;

use super::config::{CHILD, Client, ROADWARRIOR_CONN, roadwarrior_conf};
use super::{ClientHost, Diagnose, GatewayLab};
use crate::interop::cmd::{CmdOutput, stop_child, wait_until};
use crate::interop::connect_tunnel::NetnsResolvConf;
use crate::interop::error::{InteropError, Result};
use crate::interop::netns::Netns;
use crate::interop::strongswan::{Charon, IkeSaStatus, SwanctlConf};

/// How long IKE_SA_INIT + IKE_AUTH may take.
pub const INITIATE_TIMEOUT: Duration = Duration::from_secs(30);
/// The client's resolv.conf before the tunnel.
const RESOLV_BEFORE: &str = "nameserver 192.0.2.99\n";

/// A strongSwan client of the gateway.
#[derive(Debug)]
pub struct Roadwarrior {
    /// Its identity and key.
    pub client: Client,
    /// Where it runs.
    pub host: ClientHost,
    /// Its daemon.
    pub charon: Charon,
    conf: SwanctlConf,
    resolv: NetnsResolvConf,
}

impl GatewayLab {
    /// Starts charon for `client` in `host`'s namespace (files in the work
    /// directory's `NAME/`) and loads connection `home`: the gateway at
    /// 192.0.2.1, a virtual IP asked for, `remote_ts` through the tunnel.
    pub fn start_roadwarrior(
        &self,
        host: &ClientHost,
        client: Client,
        remote_ts: &[&str],
    ) -> Result<Roadwarrior> {
        let dir = self.dir().subdir(client.name)?;
        let resolv = NetnsResolvConf::create(host.netns.name(), RESOLV_BEFORE);
        let seen = host
            .netns
            .cmd("cat")
            .arg("/etc/resolv.conf")
            .run(Duration::from_secs(10))?;
        if seen.stdout != RESOLV_BEFORE {
            return Err(InteropError::InvalidInput {
                detail: format!(
                    "{} does not read its own resolv.conf (charon would write the host's): {:?}",
                    host.netns.name(),
                    seen.stdout
                ),
            });
        }
        let charon = Charon::start(&host.netns, &dir, |mut conf| {
            conf.plugins.push("resolve".to_owned());
            conf
        })?;
        let remote_ts: Vec<String> = remote_ts.iter().map(ToString::to_string).collect();
        let conf = roadwarrior_conf(client, host.addr, &remote_ts);
        charon.load_all(&conf)?;
        Ok(Roadwarrior {
            client,
            host: host.clone(),
            charon,
            conf,
            resolv,
        })
    }
}

impl Roadwarrior {
    /// `swanctl --initiate`: returns once the CHILD SA is up; fails with both the
    /// client's log tail and swanctl's answer otherwise.
    pub fn initiate(&self) -> Result<CmdOutput> {
        self.charon
            .initiate(ROADWARRIOR_CONN, CHILD, INITIATE_TIMEOUT)
    }

    /// `swanctl --initiate` with a time limit of `timeout`, whatever its outcome
    /// (for a client the gateway must refuse).
    pub fn try_initiate(&self, timeout: Duration) -> Result<CmdOutput> {
        let secs = timeout.as_secs().max(1).to_string();
        self.charon
            .swanctl(&[
                "--initiate",
                "--ike",
                ROADWARRIOR_CONN,
                "--child",
                CHILD,
                "--timeout",
                &secs,
            ])
            .output(timeout + Duration::from_secs(5))
    }

    /// `swanctl --terminate` of its IKE SA.
    pub fn terminate(&self) -> Result<CmdOutput> {
        self.charon
            .terminate_ike(ROADWARRIOR_CONN, Duration::from_secs(10))
    }

    /// Its IKE SA once ESTABLISHED with an INSTALLED CHILD SA (at most 5 s).
    pub fn established(&self) -> Result<IkeSaStatus> {
        let sas = self.charon.wait_for_sas(
            &format!("{}'s IKE and CHILD SA", self.client.name),
            Duration::from_secs(5),
            |sas| {
                sas.iter().any(|sa| {
                    sa.state == "ESTABLISHED" && sa.children.iter().any(|c| c.state == "INSTALLED")
                })
            },
        )?;
        sas.into_iter()
            .find(|sa| sa.state == "ESTABLISHED")
            .ok_or_else(|| InteropError::parse("swanctl --list-sas", "no ESTABLISHED IKE SA"))
    }

    /// The virtual IP the gateway assigned (`local-vips` of its IKE SA).
    pub fn virtual_ip(&self) -> Result<IpAddr> {
        let sa = self.established()?;
        sa.local_vips
            .first()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| {
                InteropError::parse(
                    "swanctl --list-sas",
                    format!("no virtual IP in {:?}", sa.local_vips),
                )
            })
    }

    /// The namespace's resolv.conf, which charon's `resolve` plugin changes.
    pub fn resolv_conf(&self) -> String {
        self.resolv.text()
    }

    /// `count` pings from its virtual IP to `destination`, every 0.2 s.
    pub fn ping(&self, destination: &str, count: u32) -> Result<Ping> {
        let vip = self.virtual_ip()?;
        ping(&self.host.netns, Some(vip), destination, count, "0.2")
    }

    /// Kills charon with SIGKILL (no DELETE: a crash as the gateway sees it),
    /// starts it again and loads its connection; it must then be initiated.
    pub fn crash_and_restart(&mut self) -> Result<()> {
        self.charon.kill_and_restart()?;
        self.charon.load_all(&self.conf).map(|_| ())
    }

    /// Its IKE SAs now.
    pub fn list_sas(&self) -> Result<Vec<IkeSaStatus>> {
        self.charon.list_sas()
    }
}

impl Diagnose for Roadwarrior {
    fn diagnostics(&self) -> String {
        format!("[{}] {}", self.client.name, self.charon.diagnostics())
    }
}

/// What `ping` reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ping {
    /// Echo requests sent.
    pub transmitted: u32,
    /// Echo replies received.
    pub received: u32,
    /// Everything it printed.
    pub output: String,
}

impl Ping {
    /// Reads `N packets transmitted, M received` from ping's summary.
    pub fn parse(output: &str) -> Self {
        let line = output
            .lines()
            .find(|l| l.contains("packets transmitted"))
            .unwrap_or("");
        let number_before = |word: &str| -> u32 {
            line.split(',')
                .map(str::trim)
                .find(|part| part.ends_with(word))
                .and_then(|part| part.split_whitespace().next()?.parse().ok())
                .unwrap_or(0)
        };
        Self {
            transmitted: number_before("packets transmitted"),
            received: number_before("received"),
            output: output.to_owned(),
        }
    }

    /// At least one sent and every one answered.
    pub fn all_answered(&self) -> bool {
        self.transmitted > 0 && self.received == self.transmitted
    }
}

/// `ping -n -c COUNT -i INTERVAL -W 2 [-I SOURCE] DESTINATION` in `netns`, whatever
/// its exit status.
pub fn ping(
    netns: &Netns,
    source: Option<IpAddr>,
    destination: &str,
    count: u32,
    interval: &str,
) -> Result<Ping> {
    let cmd = netns
        .cmd("ping")
        .args(ping_args(source, destination, count, interval));
    let seconds = interval.parse::<f64>().unwrap_or(1.0) * f64::from(count);
    let timeout = Duration::from_secs_f64(seconds) + Duration::from_secs(10);
    let out = cmd.output(timeout)?;
    Ok(Ping::parse(&format!("{}{}", out.stdout, out.stderr)))
}

fn ping_args(source: Option<IpAddr>, destination: &str, count: u32, interval: &str) -> Vec<String> {
    let mut args: Vec<String> = ["-n", "-c", &count.to_string(), "-i", interval, "-W", "2"]
        .map(str::to_owned)
        .to_vec();
    if let Some(source) = source {
        args.extend(["-I".to_owned(), source.to_string()]);
    }
    args.push(destination.to_owned());
    args
}

/// A `ping` running in the background, its output in a file.
#[derive(Debug)]
pub struct BackgroundPing {
    child: Option<Child>,
    output: PathBuf,
    count: u32,
    interval: f64,
}

impl BackgroundPing {
    /// Starts `count` pings every `interval` seconds (like [`ping`]), printing to
    /// `output`.
    pub fn start(
        netns: &Netns,
        source: Option<IpAddr>,
        destination: &str,
        count: u32,
        interval: &str,
        output: PathBuf,
    ) -> Result<Self> {
        let out = File::create(&output).map_err(|e| InteropError::io(&output, e))?;
        let err = out.try_clone().map_err(|e| InteropError::io(&output, e))?;
        let child = netns
            .cmd("ping")
            .args(ping_args(source, destination, count, interval))
            .spawn_with(Stdio::from(out), Stdio::from(err))?;
        Ok(Self {
            child: Some(child),
            output,
            count,
            interval: interval.parse().unwrap_or(1.0),
        })
    }

    /// Whether it still runs.
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// What it printed so far.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.output).unwrap_or_default()
    }

    /// Waits for it to end (its whole run at most, plus 10 s) and reads its summary.
    pub fn finish(mut self) -> Result<Ping> {
        let timeout = Duration::from_secs_f64(self.interval * f64::from(self.count))
            + Duration::from_secs(10);
        if let Some(mut child) = self.child.take() {
            let status =
                wait_until(&mut child, timeout).map_err(|e| InteropError::io(&self.output, e))?;
            if status.is_none() {
                return Err(InteropError::Timeout {
                    what: "the background ping".to_owned(),
                    waited: timeout,
                    detail: self.output(),
                });
            }
        }
        Ok(Ping::parse(&self.output()))
    }
}

impl Drop for BackgroundPing {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = stop_child(&mut child, "INT", Duration::from_secs(2));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_summaries_are_read() {
        let all = Ping::parse(
            "--- 203.0.113.1 ping statistics ---\n\
             10 packets transmitted, 10 received, 0% packet loss, time 1804ms\n",
        );
        assert_eq!((all.transmitted, all.received), (10, 10));
        assert!(all.all_answered());
        let none =
            Ping::parse("5 packets transmitted, 0 received, 100% packet loss, time 4090ms\n");
        assert_eq!((none.transmitted, none.received), (5, 0));
        assert!(!none.all_answered());
        let errors = Ping::parse("3 packets transmitted, 1 received, +2 errors, 66% packet loss\n");
        assert_eq!((errors.transmitted, errors.received), (3, 1));
        assert!(!Ping::parse("ping: connect: Network is unreachable\n").all_answered());
    }
}
