//! IKElab's native bridge: the sans-IO engine over real UDP 500/4500, raw ESP and a
//! TUN device, and the `ikelab` command line ([`run_cli`]).
//!
//! The engine is sans-IO; this crate owns the sockets, the clock and the OS random
//! source. Exit codes are listed in one table (`exit.rs`, README "Exit codes").
//!
//! [`runtime::node`] is public: it is the one way to run the engine over sockets,
//! shared by `ikelab connect` and the interop tests' `engine-peer`.

mod cli;
mod connect;
mod control;
mod dissect;
mod exit;
mod key_folder;
mod listen;
pub mod runtime;
mod sim;
mod tunnel;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Command;
use crate::exit::Exit;

/// Runs `ikelab` with the process's arguments; the exit code to end with.
pub fn run_cli() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version are "errors" to clap that print to stdout and succeed.
            let exit = if err.use_stderr() {
                Exit::Usage
            } else {
                Exit::Success
            };
            let _ = err.print();
            return exit.into();
        }
    };
    let exit = match cli.command {
        Command::Dissect(args) => dissect::run(&args),
        Command::Sim(args) => sim::run(&args),
        Command::Connect(args) => connect::run(&args),
        Command::Listen(args) => listen::run(&args),
        Command::Reload(args) => control::client::reload(&args),
        Command::Status(args) => control::client::status(&args),
        Command::Down(args) => control::client::down(&args),
    };
    exit.into()
}
