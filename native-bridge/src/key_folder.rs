//! `--keys DIR`: a [`KeyLog`] that writes a Wireshark profile folder
//! (`ikev2_decryption_table`, `esp_sa`, `preferences`; `WIRESHARK_CONFIG_DIR=DIR
//! tshark` decrypts with it) as the engines log their keys.
//!
//! The folder is written when the sink is made (empty tables) and the tables again
//! whenever a record adds a line, so it is complete at every moment of a run. The
//! engine's `KeyTables` renders the lines (each SA once, whichever peer logged it).
//! A write that fails is remembered and reported by [`ProfileFolder::finish`]: a key
//! log cannot return an error to the engine.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use ikelab_engine::capture::keys::KeyTables;
use ikelab_engine::keylog::{KeyLog, KeyLogRecord};

/// The sink. Whoever installs it writes the run's secrets to disk, on purpose.
#[derive(Debug)]
pub(crate) struct ProfileFolder {
    dir: PathBuf,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    tables: KeyTables,
    /// The first write that failed.
    error: Option<String>,
}

impl ProfileFolder {
    /// Creates `dir` (and its parents) and writes the folder with empty tables.
    pub(crate) fn create(dir: &Path) -> Result<Self, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let folder = Self {
            dir: dir.to_owned(),
            state: Mutex::new(State::default()),
        };
        folder.write(&KeyTables::default())?;
        Ok(folder)
    }

    fn write(&self, tables: &KeyTables) -> Result<(), String> {
        for (name, text) in tables.files() {
            let path = self.dir.join(name);
            std::fs::write(&path, text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        Ok(())
    }

    /// After the run: the notes on SAs Wireshark cannot decrypt, or the first write
    /// that failed.
    pub(crate) fn finish(&self) -> Result<Vec<String>, String> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match &state.error {
            Some(error) => Err(error.clone()),
            None => Ok(state.tables.skipped.clone()),
        }
    }
}

impl KeyLog for ProfileFolder {
    fn log(&self, record: &KeyLogRecord) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.tables.add(record)
            && state.error.is_none()
            && let Err(error) = self.write(&state.tables)
        {
            state.error = Some(error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_that_cannot_be_made_is_an_error_naming_it() {
        let file = std::env::temp_dir().join(format!("ikelab-key-folder-{}", std::process::id()));
        std::fs::write(&file, "not a directory").unwrap();
        let error = ProfileFolder::create(&file.join("keys")).unwrap_err();
        assert!(error.contains("cannot create"), "{error}");
        std::fs::remove_file(&file).unwrap();
    }
}
