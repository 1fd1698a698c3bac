//! `ikelab status` and `ikelab down`: one request to the running instance over its
//! control socket (the protocol is in the module above), the answer printed.

use std::io::{self, Read, Write};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use super::path::control_path;
use super::{RELOAD_REFUSED, Request};
use crate::cli::ControlArgs;
use crate::exit::Exit;

/// How long we wait for the whole answer: a `down` takes up to 2 s for the DELETE
/// answer, then the trace is written.
const ANSWER_WAIT: Duration = Duration::from_secs(15);

/// Runs `ikelab status`: prints the instance's SAs.
pub(crate) fn status(args: &ControlArgs) -> Exit {
    run("status", Request::Status, args)
}

/// Runs `ikelab down`: ends the instance, returns once it has gone.
pub(crate) fn down(args: &ControlArgs) -> Exit {
    run("down", Request::Down, args)
}

/// Runs `ikelab reload`: the gateway re-reads its file; exit code 5 when it
/// refuses it.
pub(crate) fn reload(args: &ControlArgs) -> Exit {
    run("reload", Request::Reload, args)
}

fn run(command: &str, request: Request, args: &ControlArgs) -> Exit {
    let path = control_path(args.control.as_deref());
    let mut stream = match UnixStream::connect(&path) {
        Ok(s) => s,
        Err(e) if is_nobody_there(&e) => {
            // `down` after a crash or SIGKILL: what that instance's tunnel left on
            // the host (routes, /etc/resolv.conf) is undone here.
            if request == Request::Down
                && let Some(dir) = path.parent()
            {
                let undone = crate::tunnel::leftovers::undo(dir);
                if !undone.lines.is_empty() {
                    for line in &undone.lines {
                        println!("{line}");
                    }
                    if undone.complete {
                        println!("no instance was running; what the last one left is undone");
                        return Exit::Success;
                    }
                    eprintln!("ikelab down: not everything the last instance left could be undone");
                    return Exit::Failure;
                }
            }
            eprintln!("ikelab {command}: {}", no_instance(&path, &e));
            return Exit::NoInstance;
        }
        Err(e) => {
            eprintln!(
                "ikelab {command}: cannot connect to {}: {e}",
                path.display()
            );
            return Exit::Failure;
        }
    };
    match exchange(&mut stream, request) {
        Ok(answer) if answer.starts_with(RELOAD_REFUSED) => {
            eprint!("ikelab {command}: {answer}");
            Exit::Config
        }
        Ok(answer) if answer.starts_with("error:") => {
            eprint!("ikelab {command}: {answer}");
            Exit::Failure
        }
        Ok(answer) => {
            print!("{answer}");
            if request == Request::Down {
                println!("the instance has ended");
            }
            Exit::Success
        }
        Err(e) => {
            eprintln!("ikelab {command}: {}: {e}", path.display());
            Exit::Failure
        }
    }
}

/// Sends the request line and reads the answer until the instance closes.
fn exchange(stream: &mut UnixStream, request: Request) -> io::Result<String> {
    stream.set_read_timeout(Some(ANSWER_WAIT))?;
    stream.write_all(format!("{}\n", request.line()).as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

/// No socket file, or one nobody listens on (left by a killed instance).
fn is_nobody_there(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
    )
}

fn no_instance(path: &Path, e: &io::Error) -> String {
    let is_socket = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket());
    let why = if e.kind() == io::ErrorKind::NotFound {
        "no control socket"
    } else if is_socket {
        "a stale control socket nobody listens on"
    } else {
        "the file there is no socket"
    };
    format!(
        "no ikelab instance is running on {} ({why}); start one with \
         `ikelab connect` or `ikelab listen` (with the same --control path, if any)",
        path.display()
    )
}
