//! Helpers shared by IKElab's end-to-end tests (`tests/tests/*.rs`).

pub mod connect_support;
pub mod interop;
pub mod loopback_gateway;

use std::path::PathBuf;
use std::process::{Command, Output};

/// Path of the `ikelab` binary built by this same cargo invocation.
///
/// Integration tests of another package cannot use `CARGO_BIN_EXE_*`, so the binary is
/// found next to the test executable (`target/<profile>/deps/..`). `cargo xtask test`
/// builds every workspace binary before running the tests; run
/// `cargo build -p ikelab-bridge` first when calling `cargo test` by hand.
pub fn ikelab_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test executables live in target/<profile>/deps");
    let bin = profile_dir.join(format!("ikelab{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "{} is missing: build it with `cargo build -p ikelab-bridge` (cargo xtask test does)",
        bin.display()
    );
    bin
}

/// Runs `ikelab` with `args` and returns what it printed and its exit status.
pub fn run_ikelab<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(ikelab_bin())
        .args(args)
        .output()
        .expect("ikelab starts")
}
