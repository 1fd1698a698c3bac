//! A small static file server for the built site (`target/dist/`).
//!
//! It serves files only below `dist`, for GET and HEAD, under a mount prefix (`/` for
//! `cargo xtask serve`; the browser layer mounts the site under a sub-path to prove
//! that every URL in the page is relative).

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::thread;

/// Serves `dist` at http://127.0.0.1:port/ until the process is stopped.
pub(crate) fn serve_forever(dist: &Path, port: u16) -> Result<(), String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    println!("Serving the IKElab browser lab at http://127.0.0.1:{port}/ (Ctrl-C to stop)");
    accept_loop(listener, dist.to_path_buf(), "/".to_owned());
    Ok(())
}

/// Serves `dist` under `mount` on an ephemeral port in a background thread and
/// returns the address. The thread lives as long as the process.
pub(crate) fn serve_in_background(dist: &Path, mount: &str) -> Result<SocketAddr, String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let dist = dist.to_path_buf();
    let mount = mount.to_owned();
    thread::spawn(move || accept_loop(listener, dist, mount));
    Ok(addr)
}

fn accept_loop(listener: TcpListener, dist: PathBuf, mount: String) {
    for stream in listener.incoming().flatten() {
        let dist = dist.clone();
        let mount = mount.clone();
        thread::spawn(move || {
            let _ = handle(stream, &dist, &mount);
        });
    }
}

fn handle(mut stream: TcpStream, dist: &Path, mount: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Drain the headers; nothing in them changes the answer.
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        header.clear();
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("");
    if method != "GET" && method != "HEAD" {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain",
            b"GET or HEAD only\n",
            true,
        );
    }
    let path = target.split(['?', '#']).next().unwrap_or("");
    let Some(file) = resolve(dist, mount, path) else {
        return respond(
            &mut stream,
            "404 Not Found",
            "text/plain",
            b"not found\n",
            method == "GET",
        );
    };
    match std::fs::read(&file) {
        Ok(body) => respond(
            &mut stream,
            "200 OK",
            content_type(&file),
            &body,
            method == "GET",
        ),
        Err(_) => respond(
            &mut stream,
            "404 Not Found",
            "text/plain",
            b"not found\n",
            method == "GET",
        ),
    }
}

/// Maps a request path to a file below `dist`, or None if it is outside the mount,
/// escapes `dist`, or does not exist. A folder maps to its index.html.
fn resolve(dist: &Path, mount: &str, path: &str) -> Option<PathBuf> {
    let rest = path
        .strip_prefix(mount)
        .or_else(|| (path == mount.trim_end_matches('/')).then_some(""))?;
    let decoded = percent_decode(rest)?;
    let relative = Path::new(&decoded);
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let mut file = dist.join(relative);
    if file.is_dir() {
        file = file.join("index.html");
    }
    file.is_file().then_some(file)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("toml" | "txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &[u8],
    with_body: bool,
) -> std::io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if with_body {
        stream.write_all(body)?;
    }
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-serve-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        std::fs::write(dir.join("index.html"), "<html></html>").unwrap();
        std::fs::write(dir.join("pkg").join("a b.js"), "x").unwrap();
        dir
    }

    #[test]
    fn resolves_files_below_the_mount_only() {
        let dist = site();
        assert_eq!(resolve(&dist, "/", "/"), Some(dist.join("index.html")));
        assert_eq!(
            resolve(&dist, "/sub/lab/", "/sub/lab/"),
            Some(dist.join("index.html"))
        );
        assert_eq!(
            resolve(&dist, "/sub/lab/", "/sub/lab"),
            Some(dist.join("index.html"))
        );
        assert_eq!(
            resolve(&dist, "/sub/lab/", "/sub/lab/pkg/a%20b.js"),
            Some(dist.join("pkg/a b.js"))
        );
        assert_eq!(
            resolve(&dist, "/sub/lab/", "/pkg/a%20b.js"),
            None,
            "outside the mount"
        );
        assert_eq!(resolve(&dist, "/", "/../etc/passwd"), None, "escapes dist");
        assert_eq!(
            resolve(&dist, "/", "/pkg/%2e%2e/%2e%2e/x"),
            None,
            "escapes dist, encoded"
        );
        assert_eq!(resolve(&dist, "/", "/missing.js"), None);
        assert_eq!(resolve(&dist, "/", "/%zz"), None, "bad escape");
        std::fs::remove_dir_all(dist).unwrap();
    }

    #[test]
    fn wasm_is_served_with_its_mime_type() {
        // Browsers refuse WebAssembly.instantiateStreaming without application/wasm.
        assert_eq!(content_type(Path::new("pkg/x_bg.wasm")), "application/wasm");
        assert_eq!(
            content_type(Path::new("pkg/x.js")),
            "text/javascript; charset=utf-8"
        );
    }
}
