//! `cargo xtask`: IKElab's only build glue.
//!
//! - `cargo xtask serve` builds the browser lab and serves it on http://127.0.0.1:8080.
//! - `cargo xtask test` runs every test layer, installing what each layer needs.
//! - `cargo xtask bench` runs the criterion benchmarks and the browser lab's benchmark
//!   (`--web`: only the latter).
//! - `cargo xtask fuzz` runs the fuzz targets for as long as you like.
//!
//! Every tool a layer needs is installed here, idempotently, from the package
//! registries only (crates.io, Debian, npm): a fresh machine needs nothing else.

mod cmd;
mod layers;
mod serve;
mod summary;
mod tools;
mod web;
mod web_bench;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "IKElab build, serve and test glue")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the browser lab and serve it (installs the wasm32 target and wasm-bindgen if missing).
    Serve {
        /// TCP port on 127.0.0.1.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Debug build: faster to compile, slower and larger in the browser.
        #[arg(long)]
        dev: bool,
    },
    /// Run every test layer in order, or only the ones named with --layer.
    Test {
        /// Run only this layer (repeatable): fmt clippy unit wasm web browser fuzz interop.
        #[arg(long = "layer", value_name = "NAME")]
        layers: Vec<String>,
        /// Seconds each fuzz target runs in the fuzz layer.
        #[arg(long, default_value_t = 60)]
        fuzz_seconds: u64,
    },
    /// Run the criterion benchmarks (release builds), the scenario library in WASM and
    /// the browser lab's benchmark.
    Bench {
        /// Only the browser lab's benchmark (wasm sizes, first message, frame interval,
        /// edit to repaint).
        #[arg(long)]
        web: bool,
        /// Extra arguments passed to criterion (after `--`).
        #[arg(trailing_var_arg = true)]
        args: Vec<String>,
    },
    /// Run the fuzz targets (cargo-fuzz on nightly), each for --seconds.
    Fuzz {
        /// Only this target (default: every target in engine/fuzz).
        target: Option<String>,
        /// Seconds per target.
        #[arg(long, default_value_t = 600)]
        seconds: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve { port, dev } => serve_command(port, dev),
        Command::Test {
            layers,
            fuzz_seconds,
        } => layers::run(&layers, fuzz_seconds),
        Command::Bench { web: true, .. } => web_bench::bench(),
        Command::Bench { args, .. } => layers::bench(&args).and_then(|()| web_bench::bench()),
        Command::Fuzz { target, seconds } => layers::fuzz_long(target.as_deref(), seconds),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err}");
            ExitCode::FAILURE
        }
    }
}

fn serve_command(port: u16, dev: bool) -> Result<(), String> {
    let profile = if dev {
        web::Profile::Dev
    } else {
        web::Profile::Release
    };
    let dist = web::build(profile)?;
    serve::serve_forever(&dist, port)
}

/// The workspace root (xtask lives one level below it).
pub(crate) fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// The cargo target directory (honours CARGO_TARGET_DIR).
pub(crate) fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                root().join(dir)
            }
        }
        None => root().join("target"),
    }
}
