//! The command line, declared with clap's derive API.

use clap::Parser;

const ABOUT: &str = "IKElab's native bridge: the IKElab IKEv2/ESP engine over real sockets.";

const AFTER_HELP: &str = "\
Exit codes:
  0  success
  1  the command ran but its outcome was a failure
  2  usage error (bad command line)
  3  an input file could not be read or parsed";

/// `ikelab` — top-level arguments.
#[derive(Debug, Parser)]
#[command(
    name = "ikelab",
    version = ikelab_engine::VERSION,
    about = ABOUT,
    after_help = AFTER_HELP,
    arg_required_else_help = true
)]
pub(crate) struct Cli {}
