//! Network namespaces for interop tests, and the guard that removes them.
//!
//! Everything goes through `ip` and `iptables`. A [`Lab`] names its namespaces
//! `ikl-<tag>-<pid>-<role>`, so parallel test binaries and leftovers from a crashed run never
//! collide, and on drop (also while unwinding from a panic) it kills every process still
//! inside them, deletes them and reports anything that would not go away.
//!
//! Addresses: only the documentation ranges (RFC 5737: 192.0.2.0/24, 198.51.100.0/24,
//! 203.0.113.0/24; RFC 3849: 2001:db8::/32), and only inside the namespaces.

use std::fs::File;
use std::net::IpAddr;
use std::process::{Child, Stdio};
use std::time::Duration;

use super::cmd::{Cmd, CmdOutput, stop_child};
use super::error::{InteropError, Result};

/// Time limit for one `ip`/`iptables` call.
const IP_TIMEOUT: Duration = Duration::from_secs(10);

/// One network namespace created by a [`Lab`]. Cloning it does not transfer ownership: the
/// namespace lives until its `Lab` is dropped or closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// The namespace's name as `ip netns list` shows it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A command that runs `program` inside this namespace (`ip netns exec`).
    pub fn cmd(&self, program: &str) -> Cmd {
        Cmd::in_netns(&self.name, program)
    }

    /// Runs `program args…` inside the namespace; fails on a non-zero exit.
    pub fn exec_in<I, S>(&self, program: &str, args: I) -> Result<CmdOutput>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd(program).args(args).run(IP_TIMEOUT)
    }

    /// `ip -n <ns> <args…>`; fails on a non-zero exit.
    pub fn ip<I, S>(&self, args: I) -> Result<CmdOutput>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        Cmd::new("ip")
            .args(["-n", &self.name])
            .args(args)
            .run(IP_TIMEOUT)
    }

    /// Brings interface `ifname` up.
    pub fn link_up(&self, ifname: &str) -> Result<()> {
        self.ip(["link", "set", "dev", ifname, "up"]).map(|_| ())
    }

    /// Adds `cidr` (e.g. `192.0.2.1/24`, `2001:db8::1/64`) to `ifname`. IPv6 addresses get
    /// `nodad` so they are usable at once instead of after duplicate address detection.
    pub fn addr_add(&self, ifname: &str, cidr: &str) -> Result<()> {
        let mut args = vec!["addr", "add", cidr, "dev", ifname];
        if cidr.contains(':') {
            args.push("nodad");
        }
        self.ip(args).map(|_| ())
    }

    /// Adds a route to `destination` (`default` or a prefix) via the next hop `via`.
    pub fn route_add(&self, destination: &str, via: IpAddr) -> Result<()> {
        let via = via.to_string();
        let family = if via.contains(':') { "-6" } else { "-4" };
        Cmd::new("ip")
            .args([
                family,
                "-n",
                &self.name,
                "route",
                "add",
                destination,
                "via",
                &via,
            ])
            .run(IP_TIMEOUT)
            .map(|_| ())
    }

    /// Turns on IPv4 and IPv6 forwarding in this namespace (a router).
    pub fn enable_forwarding(&self) -> Result<()> {
        for knob in [
            "/proc/sys/net/ipv4/ip_forward",
            "/proc/sys/net/ipv6/conf/all/forwarding",
        ] {
            self.exec_in("sh", ["-c", "echo 1 > \"$1\"", "sh", knob])?;
        }
        Ok(())
    }

    /// Source NAT: `iptables -t nat -A POSTROUTING -o <out_ifname> -j MASQUERADE`.
    pub fn masquerade(&self, out_ifname: &str) -> Result<()> {
        self.exec_in(
            "iptables",
            [
                "-t",
                "nat",
                "-A",
                "POSTROUTING",
                "-o",
                out_ifname,
                "-j",
                "MASQUERADE",
            ],
        )
        .map(|_| ())
    }

    /// Process ids of everything running in this namespace (`ip netns pids`).
    pub fn pids(&self) -> Result<Vec<u32>> {
        let out = Cmd::new("ip")
            .args(["netns", "pids", &self.name])
            .run(IP_TIMEOUT)?;
        Ok(out
            .stdout
            .split_whitespace()
            .filter_map(|pid| pid.parse().ok())
            .collect())
    }
}

/// Names of all network namespaces on the host (`ip netns list`).
pub fn list_netns() -> Result<Vec<String>> {
    let out = Cmd::new("ip").args(["netns", "list"]).run(IP_TIMEOUT)?;
    // Lines look like `name` or `name (id: 3)`.
    Ok(out
        .stdout
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect())
}

/// The guard owning every namespace and background process of one test.
///
/// Drop order matters only for readability: on drop the `Lab` first stops the processes it
/// spawned, then kills whatever else still runs inside its namespaces (for example a charon
/// whose owner leaked it), then deletes the namespaces.
#[derive(Debug)]
pub struct Lab {
    tag: String,
    namespaces: Vec<Netns>,
    processes: Vec<(String, Child)>,
    torn_down: bool,
}

impl Lab {
    /// A lab for the test tagged `tag` (lowercase letters and digits, at most 12).
    pub fn new(tag: &str) -> Result<Self> {
        validate_label("tag", tag, 12)?;
        Ok(Self {
            tag: tag.to_owned(),
            namespaces: Vec::new(),
            processes: Vec::new(),
            torn_down: false,
        })
    }

    /// The namespace name for `role` in this lab: `ikl-<tag>-<pid>-<role>`.
    pub fn netns_name(&self, role: &str) -> String {
        format!("ikl-{}-{}-{role}", self.tag, std::process::id())
    }

    /// Creates the namespace for `role` (letters and digits, at most 8) with `lo` up.
    pub fn add_netns(&mut self, role: &str) -> Result<Netns> {
        validate_label("role", role, 8)?;
        let name = self.netns_name(role);
        if list_netns()?.contains(&name) {
            return Err(InteropError::InvalidInput {
                detail: format!("network namespace {name} already exists (role used twice?)"),
            });
        }
        Cmd::new("ip")
            .args(["netns", "add", &name])
            .run(IP_TIMEOUT)?;
        let netns = Netns { name };
        // Owned from here on: even if bringing `lo` up fails, drop deletes it.
        self.namespaces.push(netns.clone());
        netns.link_up("lo")?;
        Ok(netns)
    }

    /// Names of the namespaces this lab created (still present until drop or [`Self::close`]).
    pub fn netns_names(&self) -> Vec<String> {
        self.namespaces.iter().map(|n| n.name.clone()).collect()
    }

    /// A veth pair: `a_if` in `a`, `b_if` in `b`, created directly inside the namespaces (the
    /// host's interface list is never touched), both ends left down.
    pub fn veth(&self, a: &Netns, a_if: &str, b: &Netns, b_if: &str) -> Result<()> {
        self.check_owned(a)?;
        self.check_owned(b)?;
        a.ip([
            "link", "add", "name", a_if, "type", "veth", "peer", "name", b_if, "netns", &b.name,
        ])
        .map(|_| ())
    }

    /// A veth link with one address on each end, both ends up.
    pub fn link(
        &self,
        (a, a_if, a_cidr): (&Netns, &str, &str),
        (b, b_if, b_cidr): (&Netns, &str, &str),
    ) -> Result<()> {
        self.veth(a, a_if, b, b_if)?;
        a.addr_add(a_if, a_cidr)?;
        b.addr_add(b_if, b_cidr)?;
        a.link_up(a_if)?;
        b.link_up(b_if)
    }

    /// Starts `program args…` inside `netns` in the background, its output going to
    /// `log` (standard output and error). The lab stops it on drop; returns its pid.
    pub fn spawn_in<I, S>(
        &mut self,
        netns: &Netns,
        program: &str,
        args: I,
        log: &std::path::Path,
    ) -> Result<u32>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.check_owned(netns)?;
        let cmd = netns.cmd(program).args(args);
        let out = File::create(log).map_err(|e| InteropError::io(log, e))?;
        let err = out.try_clone().map_err(|e| InteropError::io(log, e))?;
        let child = cmd.spawn_with(Stdio::from(out), Stdio::from(err))?;
        let pid = child.id();
        self.processes.push((cmd.command_line(), child));
        Ok(pid)
    }

    fn check_owned(&self, netns: &Netns) -> Result<()> {
        if self.namespaces.contains(netns) {
            Ok(())
        } else {
            Err(InteropError::InvalidInput {
                detail: format!("{} does not belong to lab {}", netns.name, self.tag),
            })
        }
    }

    /// Tears everything down now and reports leftovers as an error (drop does the same but
    /// can only print).
    pub fn close(mut self) -> Result<()> {
        let leftovers = self.teardown();
        if leftovers.is_empty() {
            Ok(())
        } else {
            Err(InteropError::Cleanup { leftovers })
        }
    }

    /// Stops processes, kills stragglers, deletes namespaces; returns what is left behind.
    fn teardown(&mut self) -> Vec<String> {
        if self.torn_down {
            return Vec::new();
        }
        self.torn_down = true;
        if self.namespaces.is_empty() && self.processes.is_empty() {
            return Vec::new();
        }
        let mut leftovers = Vec::new();
        for (command, mut child) in self.processes.drain(..).rev() {
            if stop_child(&mut child, "TERM", Duration::from_secs(3)).is_none() {
                eprintln!("interop: `{command}` ignored SIGTERM and was killed");
            }
        }
        for netns in self.namespaces.iter().rev() {
            // Anything else in our namespace was started by this test (a leaked charon, a
            // tcpdump); kill it by pid, and wait until it is gone (SIGKILL is asynchronous)
            // so nothing of the test outlives the namespace.
            if let Err(left) = kill_everything_in(netns) {
                leftovers.push(left);
            }
        }
        for netns in self.namespaces.iter().rev() {
            let deleted = Cmd::new("ip")
                .args(["netns", "del", &netns.name])
                .run(IP_TIMEOUT);
            if let Err(e) = deleted {
                leftovers.push(format!("namespace {}: {e}", netns.name));
            }
        }
        match list_netns() {
            Ok(present) => {
                for netns in &self.namespaces {
                    if present.contains(&netns.name) {
                        leftovers.push(format!("namespace {} still listed", netns.name));
                    }
                }
            }
            Err(e) => leftovers.push(format!("cannot list namespaces: {e}")),
        }
        leftovers
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let leftovers = self.teardown();
        if !leftovers.is_empty() {
            eprintln!(
                "interop: lab {} left behind: {}",
                self.tag,
                leftovers.join("; ")
            );
        }
    }
}

/// Sends SIGKILL to every process in `netns` and waits (up to 5 s) until `ip netns pids` lists
/// none (a dead child that nobody has reaped yet no longer counts: it has left the namespace).
fn kill_everything_in(netns: &Netns) -> std::result::Result<(), String> {
    let started = std::time::Instant::now();
    loop {
        let pids = netns.pids().map_err(|e| format!("{}: {e}", netns.name))?;
        if pids.is_empty() {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(5) {
            return Err(format!(
                "processes {pids:?} in {} would not die",
                netns.name
            ));
        }
        for pid in pids {
            let _ = super::cmd::signal(pid, "KILL");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Accepts `value` if it is 1..=`max` ASCII lowercase letters or digits.
fn validate_label(what: &str, value: &str, max: usize) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= max
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(InteropError::InvalidInput {
            detail: format!("{what} {value:?} must be 1..={max} lowercase letters or digits"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_short_lowercase_alphanumerics() {
        assert!(validate_label("tag", "pair1", 12).is_ok());
        assert!(validate_label("tag", "", 12).is_err());
        assert!(validate_label("tag", "Pair", 12).is_err());
        assert!(validate_label("tag", "a-b", 12).is_err());
        assert!(validate_label("tag", "abcdefghijklm", 12).is_err());
    }

    #[test]
    fn netns_names_carry_tag_pid_and_role() {
        let lab = Lab::new("unit").unwrap();
        let name = lab.netns_name("gw");
        assert_eq!(name, format!("ikl-unit-{}-gw", std::process::id()));
    }
}
