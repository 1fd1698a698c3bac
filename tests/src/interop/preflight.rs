//! Checks made before an interop test touches anything: root, and every program and charon
//! plugin the harness uses. A missing piece fails the test with the package to install; it is
//! never a silent skip.

use std::path::{Path, PathBuf};

use super::cmd::search_path;
use super::error::{InteropError, Result};
use super::strongswan::CHARON_PATH;

/// Programs looked up in `PATH`, with the Debian package providing each.
const PROGRAMS: &[(&str, &str)] = &[
    ("ip", "iproute2"),
    ("iptables", "iptables"),
    ("tcpdump", "tcpdump"),
    ("tshark", "tshark"),
    ("swanctl", "strongswan-swanctl"),
    ("unshare", "util-linux"),
    ("mount", "mount"),
    ("kill", "procps"),
    ("sh", "dash"),
    ("ping", "iputils-ping"),
];

/// Directory of charon's plugins on Debian.
pub const PLUGIN_DIR: &str = "/usr/lib/ipsec/plugins";

/// Charon plugins the harness loads that are not in `libstrongswan`/`strongswan-libcharon`,
/// with the package providing each (TOOLCHAIN.md: kernel-libipsec is mandatory here).
const PLUGINS: &[(&str, &str)] = &[
    ("kernel-libipsec", "libcharon-extra-plugins"),
    ("curve25519", "libstrongswan-extra-plugins"),
    ("gcm", "libstrongswan-standard-plugins"),
    ("openssl", "libstrongswan-standard-plugins"),
    ("vici", "strongswan-swanctl"),
];

/// Fails unless the effective user is root.
pub fn require_root() -> Result<()> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| InteropError::io("/proc/self/status", e))?;
    let euid = effective_uid(&status).ok_or_else(|| {
        InteropError::parse("/proc/self/status", "no `Uid:` line with an effective uid")
    })?;
    if euid == 0 {
        Ok(())
    } else {
        Err(InteropError::NotRoot { euid })
    }
}

/// The effective uid from `/proc/self/status` (`Uid: real effective saved fs`).
fn effective_uid(status: &str) -> Option<u32> {
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// Finds `program` in the `PATH` the harness gives its commands ([`search_path`]).
pub fn find_in_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&search_path())
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Fails with the package to install if any program or charon plugin is missing.
pub fn require_tools() -> Result<()> {
    for &(program, package) in PROGRAMS {
        if find_in_path(program).is_none() {
            return Err(InteropError::MissingTool {
                what: format!("`{program}` (not in PATH or the standard sbin/bin directories)"),
                package,
            });
        }
    }
    if !Path::new(CHARON_PATH).is_file() {
        return Err(InteropError::MissingTool {
            what: CHARON_PATH.to_owned(),
            package: "strongswan-charon",
        });
    }
    for &(plugin, package) in PLUGINS {
        let file = Path::new(PLUGIN_DIR).join(format!("libstrongswan-{plugin}.so"));
        if !file.is_file() {
            return Err(InteropError::MissingTool {
                what: format!("charon plugin {plugin} ({})", file.display()),
                package,
            });
        }
    }
    if !Path::new("/dev/net/tun").exists() {
        return Err(InteropError::MissingTool {
            what: "/dev/net/tun (kernel-libipsec needs a TUN device)".to_owned(),
            package: "(kernel: CONFIG_TUN)",
        });
    }
    Ok(())
}

/// [`require_root`] then [`require_tools`]: the first call of every interop test.
pub fn require_interop_environment() -> Result<()> {
    require_root()?;
    require_tools()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effective_uid_is_the_second_number_of_the_uid_line() {
        let status = "Name:\tx\nUid:\t1000\t0\t0\t0\nGid:\t1\t1\t1\t1\n";
        assert_eq!(effective_uid(status), Some(0));
        assert_eq!(effective_uid("Uid:\t5\t7\t7\t7\n"), Some(7));
        assert_eq!(effective_uid("Name:\tx\n"), None);
    }
}
