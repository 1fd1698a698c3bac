//! `ikelab`: the IKElab engine over real UDP and a TUN device (see the library,
//! `ikelab_bridge`, for the commands).

use std::process::ExitCode;

fn main() -> ExitCode {
    ikelab_bridge::run_cli()
}
