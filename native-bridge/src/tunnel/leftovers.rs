//! What a killed `ikelab connect` leaves behind, and its removal by the next one.
//!
//! A TUN device vanishes with its process, and the routes into it with the device;
//! the `unreachable` blocks, the gateway's host route and a rewritten
//! `/etc/resolv.conf` do not. So each change is written down, as it is made, in an
//! undo list in the instance's state folder (beside its control socket); a clean
//! exit removes the list. The next `connect` on the same control socket finds a list
//! only if the previous instance did not end cleanly, and undoes it first.
//!
//! The routes belong to a network namespace, so the list names the one it was
//! written in (`netns` and the inode of `/proc/self/ns/net`); a list from another
//! namespace is left alone, with a sentence that says where to run `ikelab down`.
//!
//! The list is text, a line per change:
//! - `route4 ARGS…` / `route6 ARGS…`: what followed `ip [-6] route add`;
//! - `resolv PATH` with the backup and our written copy beside the list.

use std::path::{Path, PathBuf};

use super::dns::{self, DnsApplied};
use super::routes::{self, AddedRoute};

const LIST: &str = "tunnel.undo";
/// Our `/etc/resolv.conf` as written, to check it is still ours before restoring.
const WRITTEN: &str = "resolv.conf.written-by-ikelab";

/// The undo list of one state folder.
#[derive(Debug, Clone)]
pub(crate) struct UndoList {
    dir: PathBuf,
}

impl UndoList {
    pub(crate) fn at(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }

    /// Writes the list for `routes` and `dns` (replacing the previous one).
    pub(crate) fn write(
        &self,
        routes: &[AddedRoute],
        dns: Option<&DnsApplied>,
    ) -> Result<(), String> {
        let mut text = String::new();
        if let Some(netns) = this_netns() {
            text.push_str(&format!("netns {netns}\n"));
        }
        for route in routes {
            text.push_str(&route.to_line());
            text.push('\n');
        }
        if let Some((path, backup, written)) = dns.and_then(DnsApplied::resolv_conf) {
            let copy = self.dir.join(WRITTEN);
            std::fs::write(&copy, written)
                .map_err(|e| format!("cannot write {}: {e}", copy.display()))?;
            text.push_str(&format!(
                "resolv {}\t{}\n",
                path.display(),
                backup.display()
            ));
        }
        let list = self.dir.join(LIST);
        std::fs::write(&list, text).map_err(|e| format!("cannot write {}: {e}", list.display()))
    }

    /// Forgets the list (a clean exit).
    pub(crate) fn remove(&self) {
        for name in [LIST, WRITTEN] {
            let _ = std::fs::remove_file(self.dir.join(name));
        }
    }
}

/// The network namespace this process runs in (the inode of its
/// `/proc/self/ns/net`), where Linux tells.
fn this_netns() -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self/ns/net").ok().map(|m| m.ino())
}

/// What [`undo`] did.
#[derive(Debug, Default)]
pub(crate) struct Undone {
    /// What it did and what it could not, a line each (empty: nothing was left).
    pub(crate) lines: Vec<String>,
    /// Everything was undone (and the list forgotten).
    pub(crate) complete: bool,
}

/// Undoes the list a killed instance left in `dir`, if any.
pub(crate) fn undo(dir: &Path) -> Undone {
    let list = dir.join(LIST);
    let Ok(text) = std::fs::read_to_string(&list) else {
        return Undone {
            lines: Vec::new(),
            complete: true,
        };
    };
    let written_in = text
        .lines()
        .find_map(|l| l.strip_prefix("netns ")?.trim().parse::<u64>().ok());
    if written_in.is_some() && written_in != this_netns() {
        return Undone {
            lines: vec![format!(
                "{} was written by an instance in another network namespace: run `ikelab \
                 down` there (nothing was changed here)",
                list.display()
            )],
            complete: false,
        };
    }
    let mut lines = vec![format!(
        "a previous instance ended without closing its tunnel: undoing what it left ({})",
        list.display()
    )];
    let mut clean = true;
    for line in text.lines().rev() {
        if let Some(route) = AddedRoute::from_line(line) {
            match routes::remove(&route) {
                Ok(()) => lines.push(format!("removed the route {}", route.describe())),
                Err(e) => {
                    clean = false;
                    lines.push(format!("cannot remove the route {}: {e}", route.describe()));
                }
            }
        } else if let Some(rest) = line.strip_prefix("resolv ") {
            let Some((path, backup)) = rest.split_once('\t') else {
                continue;
            };
            let written = std::fs::read(dir.join(WRITTEN)).unwrap_or_default();
            match dns::restore_leftover(Path::new(path), Path::new(backup), &written) {
                Ok(()) => lines.push(format!("restored {path} from {backup}")),
                Err(e) => {
                    clean = false;
                    lines.push(e);
                }
            }
        }
    }
    if clean {
        UndoList::at(dir).remove();
    }
    Undone {
        lines,
        complete: clean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_line_reads_back() {
        for line in [
            "route4 192.0.2.1/32 via 10.0.0.1 dev eth0",
            "route6 unreachable ::/1",
        ] {
            let route = AddedRoute::from_line(line).unwrap();
            assert_eq!(route.to_line(), line);
        }
        assert!(AddedRoute::from_line("route5 x").is_none());
        assert!(AddedRoute::from_line("route4 ").is_none());
    }

    #[test]
    fn a_leftover_resolv_conf_is_restored_and_the_list_removed() {
        let dir = std::env::temp_dir().join(format!("ikelab-undo-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let resolv = dir.join("resolv.conf");
        let backup = dir.join("backup");
        let written = b"nameserver 10.1.0.53\n";
        std::fs::write(&resolv, written).unwrap();
        std::fs::write(&backup, b"nameserver 192.0.2.53\n").unwrap();
        let applied = DnsApplied::ResolvConf {
            path: resolv.clone(),
            original: b"nameserver 192.0.2.53\n".to_vec(),
            written: written.to_vec(),
            backup: backup.clone(),
        };
        UndoList::at(&dir).write(&[], Some(&applied)).unwrap();
        // The instance is killed here: only the list on disk is left.
        drop(applied);
        let undone = undo(&dir);
        assert!(undone.complete, "{undone:?}");
        assert!(
            undone.lines.iter().any(|l| l.starts_with("restored")),
            "{undone:?}"
        );
        assert_eq!(std::fs::read(&resolv).unwrap(), b"nameserver 192.0.2.53\n");
        assert!(!dir.join(LIST).exists() && !dir.join(WRITTEN).exists());
        assert!(undo(&dir).lines.is_empty(), "a second look finds nothing");

        // A list from another network namespace is left alone.
        std::fs::write(dir.join(LIST), "netns 1\nroute6 unreachable ::/1\n").unwrap();
        let undone = undo(&dir);
        assert!(!undone.complete && undone.lines[0].contains("another network namespace"));
        assert!(dir.join(LIST).exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
