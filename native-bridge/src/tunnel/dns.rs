//! The gateway's DNS servers (RFC 7296 §3.15.1) on the host while the tunnel is up,
//! and the host's own back afterwards.
//!
//! - Where systemd-resolved runs, the servers go on the TUN link (`resolvectl dns`);
//!   a full tunnel also takes every domain (`resolvectl domain LINK ~.`), so no
//!   query leaves beside it. `resolvectl revert` undoes it (and the link's removal
//!   would as well).
//! - Elsewhere `/etc/resolv.conf` is rewritten in place (it may be a bind mount, as
//!   `ip netns exec` makes it) with the gateway's `nameserver` lines and the host's
//!   other lines (`search`, `options`). The original is kept in memory and in a
//!   backup file beside the control socket, in case ikelab is killed; it is written
//!   back at the end unless someone else changed the file meanwhile.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use super::tool;

/// systemd-resolved's varlink socket: present while it runs.
const RESOLVED_SOCKET: &str = "/run/systemd/resolve/io.systemd.Resolve";
const RESOLV_CONF: &str = "/etc/resolv.conf";

/// What was changed, to undo.
#[derive(Debug)]
pub(crate) enum DnsApplied {
    /// Set on the link through systemd-resolved.
    Resolved { link: String },
    /// `/etc/resolv.conf` rewritten.
    ResolvConf {
        path: PathBuf,
        original: Vec<u8>,
        written: Vec<u8>,
        backup: PathBuf,
    },
}

impl DnsApplied {
    /// `/etc/resolv.conf`'s path, its backup and what we wrote there, if that is
    /// how the servers were applied.
    pub(crate) fn resolv_conf(&self) -> Option<(&Path, &Path, &[u8])> {
        match self {
            Self::ResolvConf {
                path,
                written,
                backup,
                ..
            } => Some((path, backup, written)),
            Self::Resolved { .. } => None,
        }
    }

    /// One line for the log.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Resolved { link } => format!("systemd-resolved, on link {link}"),
            Self::ResolvConf { path, backup, .. } => {
                format!(
                    "{} (the original kept in {})",
                    path.display(),
                    backup.display()
                )
            }
        }
    }
}

/// Puts `servers` in use for `link`; `all_domains` for a full tunnel. Nothing to do
/// without servers.
pub(crate) fn apply(
    servers: &[IpAddr],
    link: &str,
    all_domains: bool,
    state_dir: &Path,
) -> Result<Option<DnsApplied>, String> {
    if servers.is_empty() {
        return Ok(None);
    }
    if Path::new(RESOLVED_SOCKET).exists() {
        let mut args = vec!["dns".to_owned(), link.to_owned()];
        args.extend(servers.iter().map(ToString::to_string));
        resolvectl(&args)?;
        if all_domains {
            resolvectl(&["domain".into(), link.into(), "~.".into()])?;
        }
        return Ok(Some(DnsApplied::Resolved {
            link: link.to_owned(),
        }));
    }
    let path = PathBuf::from(RESOLV_CONF);
    let original = std::fs::read(&path).unwrap_or_default();
    let written = resolv_conf_with(&original, servers);
    let backup = state_dir.join("resolv.conf.before-ikelab");
    std::fs::write(&backup, &original).map_err(|e| {
        format!(
            "cannot keep a copy of {RESOLV_CONF} in {}: {e}",
            backup.display()
        )
    })?;
    std::fs::write(&path, &written).map_err(|e| format!("cannot write {RESOLV_CONF}: {e}"))?;
    Ok(Some(DnsApplied::ResolvConf {
        path,
        original,
        written,
        backup,
    }))
}

/// A killed instance's `/etc/resolv.conf` change: restores `backup` into `path`
/// if `path` still holds what was `written`.
pub(crate) fn restore_leftover(path: &Path, backup: &Path, written: &[u8]) -> Result<(), String> {
    let original = std::fs::read(backup)
        .map_err(|e| format!("cannot read the backup {}: {e}", backup.display()))?;
    restore(DnsApplied::ResolvConf {
        path: path.to_path_buf(),
        original,
        written: written.to_vec(),
        backup: backup.to_path_buf(),
    })
}

/// Gives the host its own DNS settings back.
pub(crate) fn restore(applied: DnsApplied) -> Result<(), String> {
    match applied {
        DnsApplied::Resolved { link } => match resolvectl(&["revert".into(), link.clone()]) {
            Ok(()) => Ok(()),
            // The link is gone already: so are its settings.
            Err(e) if e.contains(&link) && e.contains("not found") => Ok(()),
            Err(e) => Err(e),
        },
        DnsApplied::ResolvConf {
            path,
            original,
            written,
            backup,
        } => {
            let now = std::fs::read(&path).unwrap_or_default();
            if now != written {
                return Err(format!(
                    "{} was changed by another program while the tunnel was up: left as \
                     it is; the version from before the tunnel is in {}",
                    path.display(),
                    backup.display()
                ));
            }
            std::fs::write(&path, &original)
                .map_err(|e| format!("cannot restore {}: {e}", path.display()))?;
            std::fs::remove_file(&backup)
                .map_err(|e| format!("cannot remove {}: {e}", backup.display()))
        }
    }
}

/// `original` with its `nameserver` lines replaced by `servers`.
fn resolv_conf_with(original: &[u8], servers: &[IpAddr]) -> Vec<u8> {
    let mut out = String::from("# Written by ikelab connect: the VPN gateway's DNS servers.\n");
    out.push_str("# The previous contents come back when the tunnel closes.\n");
    for server in servers {
        out.push_str(&format!("nameserver {server}\n"));
    }
    for line in String::from_utf8_lossy(original).lines() {
        let word = line.split_whitespace().next().unwrap_or("");
        if word != "nameserver" && !line.trim().is_empty() && !line.starts_with('#') {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.into_bytes()
}

fn resolvectl(args: &[String]) -> Result<(), String> {
    tool::run("resolvectl", args, "systemd-resolved's client").map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_search_and_options_and_replaces_the_servers() {
        let original = b"# from DHCP\nnameserver 192.0.2.53\nsearch corp.example\noptions edns0\n";
        let written = resolv_conf_with(original, &["10.1.0.53".parse().unwrap()]);
        let text = String::from_utf8(written).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            lines,
            [
                "nameserver 10.1.0.53",
                "search corp.example",
                "options edns0"
            ]
        );
    }

    #[test]
    fn restores_the_original_unless_someone_else_changed_it() {
        let dir = std::env::temp_dir().join(format!("ikelab-dns-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("resolv.conf");
        let backup = dir.join("backup");
        let written = b"nameserver 10.1.0.53\n".to_vec();
        std::fs::write(&path, &written).unwrap();
        std::fs::write(&backup, b"nameserver 192.0.2.53\n").unwrap();
        let applied = |written: Vec<u8>| DnsApplied::ResolvConf {
            path: path.clone(),
            original: b"nameserver 192.0.2.53\n".to_vec(),
            written,
            backup: backup.clone(),
        };
        restore(applied(written)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"nameserver 192.0.2.53\n");
        assert!(!backup.exists());

        std::fs::write(&backup, b"x").unwrap();
        let error = restore(applied(b"nameserver 10.9.9.9\n".to_vec())).unwrap_err();
        assert!(error.contains("changed by another program"), "{error}");
        assert_eq!(std::fs::read(&path).unwrap(), b"nameserver 192.0.2.53\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
