//! The plan's routes on the host, through iproute2 (`ip route`), and their removal.
//!
//! Routes into the device vanish with it; the `unreachable` blocks and the
//! gateway's host route do not, so each one added is remembered and deleted at the
//! end, in reverse order. A route that was already there is left alone, then and
//! at the end.

use std::net::IpAddr;

use super::plan::Block;
use super::tool;

/// One route we added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AddedRoute {
    /// What follows `ip [-6] route add` / `del`.
    args: Vec<String>,
    ipv6: bool,
}

impl AddedRoute {
    pub(crate) fn describe(&self) -> String {
        self.args.join(" ")
    }

    /// Whether this routes `block` (as text) into `device`.
    pub(crate) fn is_into(&self, block: &str, device: &str) -> bool {
        self.block_into(device) == Some(block)
    }

    /// The block (as text) this routes into `device`, if it is such a route.
    pub(crate) fn block_into(&self, device: &str) -> Option<&str> {
        match self.args.as_slice() {
            [block, dev, d] if dev == "dev" && d == device => Some(block),
            _ => None,
        }
    }

    /// One line of the undo list: `route4 ARGS…` or `route6 ARGS…`.
    pub(crate) fn to_line(&self) -> String {
        format!(
            "route{} {}",
            if self.ipv6 { 6 } else { 4 },
            self.args.join(" ")
        )
    }

    /// Reads [`to_line`](Self::to_line)'s form back.
    pub(crate) fn from_line(line: &str) -> Option<Self> {
        let (kind, rest) = line.split_once(' ')?;
        let ipv6 = match kind {
            "route4" => false,
            "route6" => true,
            _ => return None,
        };
        let args: Vec<String> = rest.split_whitespace().map(str::to_owned).collect();
        (!args.is_empty()).then_some(Self { args, ipv6 })
    }
}

/// Routes `block` into `device`.
pub(crate) fn via_device(block: Block, device: &str) -> Result<Option<AddedRoute>, String> {
    add(
        block.addr.is_ipv6(),
        vec![block.to_string(), "dev".into(), device.into()],
    )
}

/// Blocks `block` (`unreachable`: programs get "Network is unreachable" at once).
pub(crate) fn unreachable(block: Block) -> Result<Option<AddedRoute>, String> {
    add(
        block.addr.is_ipv6(),
        vec!["unreachable".into(), block.to_string()],
    )
}

/// Keeps `gateway` on the path it has now (`ip route get`), as a host route, so a
/// full tunnel's halves do not capture the ESP packets themselves.
pub(crate) fn pin(gateway: IpAddr) -> Result<Option<AddedRoute>, String> {
    let ipv6 = gateway.is_ipv6();
    let out = ip(ipv6, &["route", "get", &gateway.to_string()])?;
    let path = current_path(&out).ok_or_else(|| {
        format!(
            "`ip route get {gateway}` shows no path to the gateway: {}",
            out.trim()
        )
    })?;
    let host = if ipv6 { 128 } else { 32 };
    let mut args = vec![format!("{gateway}/{host}")];
    args.extend(path);
    add(ipv6, args)
}

/// The `via X dev Y` of an `ip route get` answer (`via` only when there is one).
fn current_path(answer: &str) -> Option<Vec<String>> {
    let words: Vec<&str> = answer.split_whitespace().collect();
    let after = |key: &str| {
        words
            .windows(2)
            .find(|w| w[0] == key)
            .map(|w| w[1].to_owned())
    };
    let dev = after("dev")?;
    let mut path = Vec::new();
    if let Some(via) = after("via") {
        path.extend(["via".to_owned(), via]);
    }
    path.extend(["dev".to_owned(), dev]);
    Some(path)
}

/// Deletes a route we added; the device's own routes may be gone with it already.
pub(crate) fn remove(route: &AddedRoute) -> Result<(), String> {
    let mut args: Vec<&str> = vec!["route", "del"];
    args.extend(route.args.iter().map(String::as_str));
    match ip(route.ipv6, &args) {
        Ok(_) => Ok(()),
        Err(e) if e.contains("No such process") || e.contains("Cannot find device") => Ok(()),
        Err(e) => Err(e),
    }
}

fn add(ipv6: bool, route: Vec<String>) -> Result<Option<AddedRoute>, String> {
    let mut args: Vec<&str> = vec!["route", "add"];
    args.extend(route.iter().map(String::as_str));
    match ip(ipv6, &args) {
        Ok(_) => Ok(Some(AddedRoute { args: route, ipv6 })),
        // Someone else's route: theirs to keep, and ours not to delete.
        Err(e) if e.contains("File exists") => Ok(None),
        Err(e) => Err(e),
    }
}

/// Runs `ip [-6] ARGS` and returns its output, or what it printed on failure.
fn ip(ipv6: bool, args: &[&str]) -> Result<String, String> {
    let mut all = Vec::with_capacity(args.len() + 1);
    if ipv6 {
        all.push("-6");
    }
    all.extend_from_slice(args);
    tool::run("ip", &all, "the routes are set with iproute2's `ip`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_path_of_ip_route_get() {
        let routed = "198.51.100.1 via 10.0.0.1 dev eth0 src 10.0.0.2 uid 0 \n    cache \n";
        assert_eq!(
            current_path(routed),
            Some(vec![
                "via".into(),
                "10.0.0.1".into(),
                "dev".into(),
                "eth0".into()
            ])
        );
        let on_link = "10.0.0.9 dev veth0 src 10.0.0.2 uid 0 \n    cache \n";
        assert_eq!(
            current_path(on_link),
            Some(vec!["dev".into(), "veth0".into()])
        );
        assert_eq!(
            current_path("RTNETLINK answers: Network is unreachable"),
            None
        );
    }
}
