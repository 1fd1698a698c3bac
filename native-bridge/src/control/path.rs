//! Where the control socket lives, and its directory made owner-only.

use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The socket's file name in the default directories.
const SOCKET_NAME: &str = "ikelab.sock";
/// Owner-only modes (the directory, the socket).
pub(crate) const DIR_MODE: u32 = 0o700;
pub(crate) const SOCKET_MODE: u32 = 0o600;

/// The control socket's path: `flag` if given, otherwise the default.
pub(crate) fn control_path(flag: Option<&Path>) -> PathBuf {
    flag.map_or_else(default_path, Path::to_path_buf)
}

/// `$XDG_RUNTIME_DIR/ikelab/ikelab.sock` (a per-user directory the session manager
/// makes, mode 0700); else `/run/ikelab/ikelab.sock` for root; else
/// `/tmp/ikelab-UID/ikelab.sock`.
fn default_path() -> PathBuf {
    if let Some(runtime) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(runtime).join("ikelab").join(SOCKET_NAME);
    }
    match user_id() {
        Some(0) => PathBuf::from("/run/ikelab").join(SOCKET_NAME),
        Some(uid) => std::env::temp_dir()
            .join(format!("ikelab-{uid}"))
            .join(SOCKET_NAME),
        None => std::env::temp_dir().join("ikelab").join(SOCKET_NAME),
    }
}

/// Our user id, read from the owner of `/proc/self` (no unsafe `getuid`).
fn user_id() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

/// Makes the socket's directory: created with mode 0700 when missing; an existing
/// directory is left as it is, unless it is one of ours (named `ikelab` or
/// `ikelab-UID`, the defaults), which is set to 0700.
pub(crate) fn prepare_directory(socket: &Path) -> io::Result<()> {
    let Some(dir) = socket.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(dir)?;
        return std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE));
    }
    let ours = dir
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n == "ikelab" || n.starts_with("ikelab-"));
    if ours && socket.file_name().is_some_and(|n| n == SOCKET_NAME) {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_over_the_default() {
        let flag = Path::new("/some/where.sock");
        assert_eq!(control_path(Some(flag)), flag);
        assert!(control_path(None).ends_with("ikelab.sock"));
    }

    #[test]
    fn a_missing_directory_is_made_owner_only() {
        let base = std::env::temp_dir().join(format!("ikelab-path-test-{}", std::process::id()));
        let socket = base.join("a").join("b").join("c.sock");
        prepare_directory(&socket).unwrap();
        let mode = std::fs::metadata(socket.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, DIR_MODE);
        let _ = std::fs::remove_dir_all(base);
    }
}
