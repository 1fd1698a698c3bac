//! A private temporary directory per scenario, removed on drop.
//!
//! Set `IKELAB_KEEP_ARTIFACTS=1` to keep it (the path is printed) for a post-mortem with
//! Wireshark or the charon logs.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use super::error::{InteropError, Result};

/// Environment variable that keeps work directories after a run.
pub const KEEP_ARTIFACTS_ENV: &str = "IKELAB_KEEP_ARTIFACTS";

static NEXT_WORKDIR: AtomicU32 = AtomicU32::new(0);

/// A directory under the system temp dir, `ikl-<tag>-<pid>-<n>`, deleted on drop.
#[derive(Debug)]
pub struct WorkDir {
    path: PathBuf,
    keep: bool,
}

impl WorkDir {
    /// Creates a fresh, empty directory (replacing a leftover of the same name).
    pub fn new(tag: &str) -> Result<Self> {
        let n = NEXT_WORKDIR.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("ikl-{tag}-{}-{n}", std::process::id()));
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(|e| InteropError::io(&path, e))?;
        }
        std::fs::create_dir_all(&path).map_err(|e| InteropError::io(&path, e))?;
        let keep = std::env::var_os(KEEP_ARTIFACTS_ENV).is_some_and(|v| v != "0" && !v.is_empty());
        Ok(Self { path, keep })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `path/relative`.
    pub fn join(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.path.join(relative)
    }

    /// Creates `path/relative` (and parents) and returns it.
    pub fn subdir(&self, relative: impl AsRef<Path>) -> Result<PathBuf> {
        let dir = self.path.join(relative);
        std::fs::create_dir_all(&dir).map_err(|e| InteropError::io(&dir, e))?;
        Ok(dir)
    }

    /// Writes `contents` to `path/relative`.
    pub fn write(&self, relative: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> Result<PathBuf> {
        let file = self.path.join(relative);
        std::fs::write(&file, contents).map_err(|e| InteropError::io(&file, e))?;
        Ok(file)
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if self.keep {
            eprintln!("interop: keeping artifacts in {}", self.path.display());
        } else if let Err(e) = std::fs::remove_dir_all(&self.path) {
            eprintln!("interop: could not remove {}: {e}", self.path.display());
        }
    }
}
