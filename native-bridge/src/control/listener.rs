//! The instance's side of the control socket: bind it (owner-only, a stale file
//! replaced, a live one refused), accept connections and read their request line on
//! tasks of their own, and hand each request to the driver through a channel.

use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::Request;
use super::path::{SOCKET_MODE, prepare_directory};
use crate::exit::Exit;

/// The longest request line read.
const MAX_REQUEST: usize = 64;
/// How long a client may take to send its request line.
const REQUEST_WAIT: Duration = Duration::from_secs(2);
/// Requests waiting for the driver.
const QUEUE: usize = 8;

/// Why the control socket could not be bound.
#[derive(Debug)]
pub(crate) enum ControlBindError {
    /// Another instance answers on this path.
    Running(PathBuf),
    /// Anything else (the message says what).
    Io(String),
}

/// A request read from a client, with the connection to answer on.
#[derive(Debug)]
pub(crate) struct Incoming {
    /// The request, or the line that is none.
    pub(crate) request: Result<Request, String>,
    pub(crate) stream: UnixStream,
}

/// The bound control socket; removed when dropped.
#[derive(Debug)]
pub(crate) struct ControlListener {
    path: PathBuf,
    requests: mpsc::Receiver<Incoming>,
    accept: JoinHandle<()>,
}

impl ControlListener {
    /// Binds `path` (in a tokio runtime): makes its directory owner-only, replaces a
    /// stale socket, refuses when an instance answers there, sets the socket to 0600.
    pub(crate) fn bind(path: &Path) -> Result<Self, ControlBindError> {
        let io_error = |what: &str, e: io::Error| {
            ControlBindError::Io(format!("cannot {what} {}: {e}", path.display()))
        };
        prepare_directory(path).map_err(|e| io_error("prepare the directory of", e))?;
        remove_if_stale(path)?;
        let listener = UnixListener::bind(path).map_err(|e| io_error("bind", e))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(SOCKET_MODE))
            .map_err(|e| io_error("set the mode of", e))?;
        let (sender, requests) = mpsc::channel(QUEUE);
        let accept = tokio::spawn(accept_loop(listener, sender));
        Ok(Self {
            path: path.to_path_buf(),
            requests,
            accept,
        })
    }

    /// [`bind`](Self::bind), its failure as the exit code and the sentence to print
    /// (another instance there: exit code 14, with how to end it).
    pub(crate) fn bind_or_explain(path: &Path) -> Result<Self, (Exit, String)> {
        Self::bind(path).map_err(|e| match e {
            ControlBindError::Running(path) => (
                Exit::AlreadyRunning,
                format!(
                    "another ikelab instance is running on the control socket {} (end it with \
                     `ikelab down --control {}`, or give this one its own --control PATH)",
                    path.display(),
                    path.display()
                ),
            ),
            ControlBindError::Io(message) => (Exit::Failure, message),
        })
    }

    /// The socket's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The next request (cancel-safe: an mpsc receive is). Never ends while the
    /// accepting task runs.
    pub(crate) async fn next(&mut self) -> Incoming {
        match self.requests.recv().await {
            Some(incoming) => incoming,
            None => std::future::pending().await,
        }
    }
}

impl Drop for ControlListener {
    fn drop(&mut self) {
        self.accept.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A socket file nobody listens on is left by a killed instance: connecting to it
/// is refused, and then it is removed. One that accepts belongs to a running
/// instance. A file that is no socket is not ours to remove.
fn remove_if_stale(path: &Path) -> Result<(), ControlBindError> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if !meta.file_type().is_socket() {
        return Err(ControlBindError::Io(format!(
            "{} exists and is not a socket (remove it, or choose another --control path)",
            path.display()
        )));
    }
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Err(ControlBindError::Running(path.to_path_buf())),
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            tracing::info!("removing the stale control socket {}", path.display());
            std::fs::remove_file(path)
                .map_err(|e| ControlBindError::Io(format!("cannot remove {}: {e}", path.display())))
        }
        Err(e) => Err(ControlBindError::Io(format!(
            "cannot tell whether {} is in use: {e}",
            path.display()
        ))),
    }
}

async fn accept_loop(listener: UnixListener, sender: mpsc::Sender<Incoming>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let sender = sender.clone();
                tokio::spawn(async move {
                    if let Some(incoming) = read_request(stream).await {
                        let _ = sender.send(incoming).await;
                    }
                });
            }
            Err(e) => {
                tracing::debug!("control socket: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Reads one line (up to `MAX_REQUEST` octets, within `REQUEST_WAIT`); `None` when
/// the client sent nothing usable in time.
async fn read_request(stream: UnixStream) -> Option<Incoming> {
    let mut line = Vec::new();
    let read = tokio::time::timeout(REQUEST_WAIT, async {
        let mut buf = [0_u8; MAX_REQUEST];
        while !line.contains(&b'\n') && line.len() < MAX_REQUEST {
            stream.readable().await.ok()?;
            match stream.try_read(&mut buf) {
                Ok(0) => break,
                Ok(n) => line.extend_from_slice(buf.get(..n).unwrap_or_default()),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => return None,
            }
        }
        Some(())
    })
    .await;
    if !matches!(read, Ok(Some(()))) {
        return None;
    }
    let text = String::from_utf8_lossy(&line);
    let first = text.lines().next().unwrap_or_default().to_owned();
    let request = Request::parse(&first).ok_or(first);
    Some(Incoming { request, stream })
}

/// Writes `text` to the client on a task of its own, then closes the connection.
pub(crate) fn answer(stream: UnixStream, text: String) {
    tokio::spawn(async move {
        let _ = write_all(&stream, text.as_bytes()).await;
    });
}

/// Answers a request line that is none of the requests (shown without control
/// characters, at most 64 of them).
pub(crate) fn answer_unknown(stream: UnixStream, line: &str) {
    let line: String = line.chars().filter(|c| !c.is_control()).take(64).collect();
    answer(
        stream,
        format!("error: unknown request '{line}' (the requests are: status, down, reload)\n"),
    );
}

/// Writes `text` to the client and keeps the connection open until the process
/// ends (the runtime drops the task): its end-of-file tells the client we are gone.
pub(crate) fn answer_and_hold(stream: UnixStream, text: String) {
    tokio::spawn(async move {
        let _ = write_all(&stream, text.as_bytes()).await;
        std::future::pending::<()>().await;
        drop(stream);
    });
}

async fn write_all(stream: &UnixStream, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        stream.writable().await?;
        match stream.try_write(bytes) {
            Ok(n) => bytes = bytes.get(n..).unwrap_or_default(),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
