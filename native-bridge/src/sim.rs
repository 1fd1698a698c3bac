//! `ikelab sim SCENARIO`: play a scenario in the engine's deterministic simulator
//! and print what happened, in the style of charon's log.
//!
//! SCENARIO is a file (anything that names an existing file, usually `*.toml`) or
//! the name of a bundled scenario (`ikelab sim --list`). The run is the same bytes
//! for the same scenario and seed on every machine, natively and in the browser.
//! With `--trace FILE` the whole trace (schema `ikelab-trace/2`, see the engine's
//! `trace` module) is written as JSON; with `--pcap FILE` a pcap of every datagram
//! on the virtual links; with `--keys DIR` a Wireshark profile folder
//! (`ikev2_decryption_table`, `esp_sa`, `preferences`) that decrypts that pcap:
//! `WIRESHARK_CONFIG_DIR=DIR tshark -r FILE`, written by a key log the engines hand
//! their keys to as the run goes (`key_folder`).
//!
//! Exit codes: 0 when the run met the scenario's `[expect]`, 4 when it did not
//! (each difference is printed), 3 when the scenario cannot be read or loaded
//! (including actions this engine does not support yet), 1 when an output file
//! cannot be written.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use ikelab_engine::keylog::KeyLog;
use ikelab_engine::sim::{self, Scenario, SimOptions, library};

use crate::cli::SimArgs;
use crate::exit::Exit;
use crate::key_folder::ProfileFolder;

/// Runs `ikelab sim`.
pub(crate) fn run(args: &SimArgs) -> Exit {
    let mut out = String::new();
    if args.list {
        for name in library::names() {
            match library::load(name) {
                Ok(s) => out.push_str(&format!("{name:<24} {}\n", s.title)),
                Err(e) => out.push_str(&format!("{name:<24} (cannot be loaded: {e})\n")),
            }
        }
        print(&out);
        return Exit::Success;
    }
    let Some(which) = &args.scenario else {
        eprintln!("ikelab sim: name a scenario (a file or a bundled name), or use --list");
        return Exit::Usage;
    };
    let scenario = match load(which) {
        Ok(s) => s,
        Err(message) => {
            eprintln!("ikelab sim: {which}: {message}");
            return Exit::Input;
        }
    };
    let seed = args.seed.unwrap_or(scenario.seed);
    out.push_str(&format!(
        "scenario {}: {} (seed {seed})\n",
        scenario.name, scenario.title
    ));
    for line in scenario.teaching.trim().lines() {
        out.push_str(&format!("  | {line}\n"));
    }
    let key_folder = match args.keys.as_deref().map(ProfileFolder::create).transpose() {
        Ok(folder) => folder.map(Arc::new),
        Err(message) => {
            eprintln!("ikelab sim: {message}");
            return Exit::Failure;
        }
    };
    let options = SimOptions {
        key_log: key_folder.clone().map(|f| f as Arc<dyn KeyLog>),
        ..SimOptions::default()
    };
    let run = sim::run_with(&scenario, seed, options);
    for line in sim::transcript::transcript(&run.trace, args.verbose) {
        out.push_str(&line);
        out.push('\n');
    }
    let problems = run.check(&scenario);
    if problems.is_empty() {
        out.push_str("outcome as expected\n");
    } else {
        out.push_str("outcome differs from [expect]:\n");
        for p in &problems {
            out.push_str(&format!("  {p}\n"));
        }
    }
    print(&out);
    let written = write_outputs(args, &scenario, &run).and_then(|()| {
        let Some(folder) = &key_folder else {
            return Ok(());
        };
        for note in folder.finish()? {
            eprintln!("ikelab sim: key table: {note}");
        }
        Ok(())
    });
    if let Err(message) = written {
        eprintln!("ikelab sim: {message}");
        return Exit::Failure;
    }
    if problems.is_empty() {
        Exit::Success
    } else {
        Exit::Unexpected
    }
}

/// Writes to stdout; a reader that went away (`| head`) is not an error.
fn print(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn load(which: &str) -> Result<Scenario, String> {
    let path = Path::new(which);
    if path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        return Scenario::from_toml(&text).map_err(|e| e.to_string());
    }
    if which.ends_with(".toml") || which.contains('/') {
        return Err("no such file".to_owned());
    }
    library::load(which).map_err(|e| {
        let names: Vec<&str> = library::names().collect();
        format!("{e} (bundled: {})", names.join(", "))
    })
}

fn write_outputs(args: &SimArgs, scenario: &Scenario, run: &sim::SimRun) -> Result<(), String> {
    if let Some(path) = &args.trace {
        let json = run
            .trace
            .to_json()
            .map_err(|e| format!("cannot write the trace: {e}"))?;
        std::fs::write(path, json + "\n")
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if let Some(path) = &args.pcap {
        let bytes = sim::export::pcap(&run.trace, scenario.calendar_time)
            .map_err(|e| format!("cannot build the pcap: {e}"))?;
        std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}
