//! `ikelab`: the IKElab engine over real UDP and a TUN device.
//!
//! The engine is sans-IO; this binary owns the sockets, the clock and the OS random
//! source. Exit codes are listed in one table (`exit.rs`, README "Exit codes").

mod cli;
mod connect;
mod control;
mod dissect;
mod exit;
mod key_folder;
mod runtime;
mod sim;
mod tunnel;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Command;
use crate::exit::Exit;

fn main() -> ExitCode {
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
        Command::Status(args) => control::client::status(&args),
        Command::Down(args) => control::client::down(&args),
    };
    exit.into()
}
