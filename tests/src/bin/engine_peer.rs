//! `engine-peer`: IKElab's sans-IO engine over real UDP 500/4500, for interop tests.
//!
//! Run inside a network namespace (`ip netns exec NS engine-peer …`); see
//! `ikelab_tests::interop::engine_driver` for the arguments and the record file.

use std::process::ExitCode;

use ikelab_tests::interop::engine_driver::{DriverOptions, run};

fn main() -> ExitCode {
    let options = match DriverOptions::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("engine-peer: {message}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(reason) => {
            eprintln!("engine-peer: {reason}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("engine-peer: {message}");
            ExitCode::FAILURE
        }
    }
}
