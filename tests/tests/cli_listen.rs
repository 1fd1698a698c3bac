//! `ikelab listen CONFIG --no-tun`: the real gateway binary on 127.0.0.1 with real
//! `ikelab connect --no-tun` clients, IKE only. Loopback only, no root; timers short
//! (the client fixture retransmits in 100 ms steps). The tunnel side (TUN device,
//! routes, plain ESP, strongSwan clients) is tested in namespaces
//! (`interop_listen*`).
//!
//! Each test runs its own gateway on ephemeral ports with its own control socket,
//! so the tests run in parallel.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use ikelab_engine::capture::CaptureReader;
use ikelab_engine::event::EventKind;
use ikelab_engine::sim::fixtures::{CLIENT, variant};
use ikelab_engine::trace::{NetworkEvent, Trace, TraceSource};
use ikelab_tests::connect_support::{self, StderrLog, UP_WITHIN};
use ikelab_tests::ikelab_bin;

/// The gateway's file: connection `rw` for any `*.example` identity, with a pool;
/// `secrets` are `(identity, key)` pairs; `extra` is appended as it is.
fn gateway_file(secrets: &[(&str, &str)], extra: &str) -> String {
    let mut text = String::from(
        r#"
[connections.rw]
local_addrs = ["127.0.0.1"]
proposals = ["aes256gcm16-prfsha256-x25519"]
pools = ["vpool"]
[connections.rw.retransmit]
timeout = "100ms"
[connections.rw.local]
auth = "psk"
id = "gw.example"
[connections.rw.remote]
auth = "psk"
id = "*.example"
[connections.rw.children.net]
esp_proposals = ["aes256gcm16"]
local_ts = ["10.1.0.0/24"]

[pools.vpool]
addrs = "10.3.0.0/24"
dns = ["10.1.0.53"]
"#,
    );
    for (id, key) in secrets {
        text.push_str(&format!(
            "\n[secrets.ike-{}]\nid = \"{id}\"\nsecret = \"{key}\"\n",
            id.split('.').next().unwrap_or(id)
        ));
    }
    text.push_str(extra);
    text
}

/// A running `ikelab listen`, killed on drop.
struct Gateway {
    child: Option<Child>,
    log: StderrLog,
    dir: PathBuf,
    port: u16,
}

impl Gateway {
    /// Writes `text` as `dir/gateway.toml` and starts the gateway on it.
    fn start(dir: &Path, text: &str) -> Self {
        Self::start_with(dir, text, &[])
    }

    /// [`start`](Self::start) with `extra` arguments.
    fn start_with(dir: &Path, text: &str, extra: &[&str]) -> Self {
        let config = dir.join("gateway.toml");
        std::fs::write(&config, text).unwrap();
        let mut child = Command::new(ikelab_bin())
            .arg("listen")
            .arg(&config)
            .args(["--no-tun", "--local", "127.0.0.1", "--control"])
            .arg(dir.join("gateway.sock"))
            .args(extra)
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = StderrLog::follow(&mut child);
        if !log.wait_for("listening: ") {
            let _ = child.kill();
            panic!("the gateway did not start:\n{}", log.text());
        }
        let text = log.text();
        let port = text
            .split("IKE on UDP 127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in:\n{text}"));
        Self {
            child: Some(child),
            log,
            dir: dir.to_path_buf(),
            port,
        }
    }

    /// Rewrites the gateway's file.
    fn rewrite(&self, text: &str) {
        std::fs::write(self.dir.join("gateway.toml"), text).unwrap();
    }

    /// `ikelab COMMAND --control` for this gateway.
    fn control(&self, command: &str) -> Output {
        Command::new(ikelab_bin())
            .arg(command)
            .arg("--control")
            .arg(self.dir.join("gateway.sock"))
            .output()
            .unwrap()
    }

    fn status(&self) -> String {
        let out = self.control("status");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the gateway's status satisfies `done`.
    fn status_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let status = self.status();
            if done(&status) {
                return status;
            }
            assert!(
                start.elapsed() < UP_WITHIN,
                "{what}: not so within {UP_WITHIN:?}:\n{status}\n--- gateway log ---\n{}",
                self.log.text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `ikelab down`, then the exit status and the whole log.
    fn down(mut self) -> (ExitStatus, String) {
        let out = self.control("down");
        assert!(out.status.success(), "{out:?}");
        let mut child = self.child.take().unwrap();
        let status = wait_exit(&mut child);
        let log = std::mem::replace(&mut self.log, StderrLog::empty());
        (status, log.finish())
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn wait_exit(child: &mut Child) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(start.elapsed() < UP_WITHIN, "did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A client: the client fixture as `id` with `key`, written to `dir/NAME.toml`.
fn client_config(dir: &Path, name: &str, id: &str, key: &str) -> PathBuf {
    client_config_with(dir, name, id, key, &[])
}

/// [`client_config`] with more `edits` (dotted key, TOML value).
fn client_config_with(
    dir: &Path,
    name: &str,
    id: &str,
    key: &str,
    edits: &[(&str, &str)],
) -> PathBuf {
    let (id, key) = (format!("{id:?}"), format!("{key:?}"));
    let mut all = vec![("local.id", id.as_str()), ("secrets.psk", key.as_str())];
    all.extend_from_slice(edits);
    let config = variant(CLIENT, &all).unwrap();
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, toml::to_string(&config).unwrap()).unwrap();
    path
}

/// `ikelab connect CONFIG --no-tun` to the gateway, its standard error followed.
fn connect(gateway: &Gateway, config: &Path) -> (Child, StderrLog) {
    let mut child = Command::new(ikelab_bin())
        .arg("connect")
        .arg(config)
        .args(["--no-tun", "--local", "127.0.0.1", "--remote"])
        .arg(format!("127.0.0.1:{}", gateway.port))
        .arg("--control")
        .arg(config.with_extension("sock"))
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = StderrLog::follow(&mut child);
    (child, log)
}

/// [`connect`], once its CHILD SA is up.
fn connect_up(gateway: &Gateway, config: &Path) -> (Child, StderrLog) {
    let (mut child, log) = connect(gateway, config);
    if !log.wait_for("CHILD_SA net{") {
        let _ = child.kill();
        panic!(
            "not established:\n{}\n--- gateway log ---\n{}",
            log.text(),
            gateway.log.text()
        );
    }
    (child, log)
}

/// [`connect`] that is expected to end by itself: its exit code and log.
fn connect_refused(gateway: &Gateway, config: &Path) -> (Option<i32>, String) {
    let (mut child, log) = connect(gateway, config);
    let status = wait_exit(&mut child);
    (status.code(), log.finish())
}

/// The virtual IP on the status line of `id`'s IKE SA (`remote 'ID' @ … [VIP]`).
fn virtual_ip_of(status: &str, id: &str) -> Option<String> {
    status
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("remote '{id}'")))
        .and_then(|l| {
            l.rsplit_once('[')
                .map(|(_, v)| v.trim_end_matches(']').to_owned())
        })
}

fn scratch(name: &str) -> PathBuf {
    connect_support::scratch("listen", name)
}

/// Two clients with a key each: each gets its own address from the pool, `status`
/// names the connection, the identity and the address, and `down` deletes both IKE
/// SAs (each client hears the DELETE) and exits 0.
#[test]
fn two_clients_with_their_own_keys_get_their_own_addresses() {
    let dir = scratch("two");
    let gateway = Gateway::start(
        &dir,
        &gateway_file(
            &[
                ("alice.example", "alice's key"),
                ("bob.example", "bob's key"),
            ],
            "",
        ),
    );
    let (mut alice, alice_log) = connect_up(
        &gateway,
        &client_config(&dir, "alice", "alice.example", "alice's key"),
    );
    let (mut bob, bob_log) = connect_up(
        &gateway,
        &client_config(&dir, "bob", "bob.example", "bob's key"),
    );
    let status = gateway.status_until("both up", |s| s.matches("ESTABLISHED").count() == 2);
    assert!(status.starts_with("rw: #"), "{status}");
    let (a, b) = (
        virtual_ip_of(&status, "alice.example"),
        virtual_ip_of(&status, "bob.example"),
    );
    assert!(a.is_some() && b.is_some() && a != b, "{status}");
    assert!(
        a.as_deref().is_some_and(|a| a.starts_with("10.3.0.")),
        "{status}"
    );
    let (exit, log) = gateway.down();
    assert!(exit.success(), "{log}");
    assert!(
        log.contains("client 'alice.example' up on 'rw' from 127.0.0.1:"),
        "{log}"
    );
    for (child, client_log) in [(&mut alice, alice_log), (&mut bob, bob_log)] {
        wait_exit(child);
        let text = client_log.finish();
        assert!(text.contains("deleted by the peer"), "{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A client whose key is not the one its identity has on the gateway is refused
/// (AUTHENTICATION_FAILED, exit code 8), and one with an identity that has no key is
/// too; the gateway's log says why.
#[test]
fn a_wrong_key_or_an_unknown_identity_is_refused() {
    let dir = scratch("refused");
    let gateway = Gateway::start(&dir, &gateway_file(&[("alice.example", "alice's key")], ""));
    let (code, log) = connect_refused(
        &gateway,
        &client_config(&dir, "mallory", "alice.example", "a guess"),
    );
    assert_eq!(code, Some(8), "{log}");
    let (code, log) = connect_refused(
        &gateway,
        &client_config(&dir, "carol", "carol.example", "carol's key"),
    );
    assert_eq!(code, Some(8), "{log}");
    let status = gateway.status();
    assert!(!status.contains("ESTABLISHED"), "{status}");
    let (exit, log) = gateway.down();
    assert!(exit.success(), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `reload`: an invalid file is refused whole (exit 5, the key named) and nothing
/// changes; a valid one adds a connection that a new client then uses, and removes
/// one, which then refuses new clients while its established client stays up.
/// SIGHUP reloads too.
#[test]
fn reload_adds_and_removes_connections_and_refuses_an_invalid_file() {
    let dir = scratch("reload");
    let first = gateway_file(&[("alice.example", "alice's key")], "");
    let gateway = Gateway::start(&dir, &first);
    let (_alice, _alice_log) = connect_up(
        &gateway,
        &client_config(&dir, "alice", "alice.example", "alice's key"),
    );
    let site = client_config(&dir, "site", "site.test", "the site's key");

    gateway.rewrite(&format!("{first}\n[connections.rw.children.net.extra]\n"));
    let out = gateway.control("reload");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("extra"), "{stderr}");
    assert!(
        stderr.contains("the running configuration stays"),
        "{stderr}"
    );
    let (code, log) = connect_refused(&gateway, &site);
    assert_eq!(code, Some(8), "{log}");

    // `site` added (with its own key), `rw` removed.
    let second = r#"
[connections.site]
local_addrs = ["127.0.0.1"]
proposals = ["aes256gcm16-prfsha256-x25519"]
pools = ["vpool"]
[connections.site.local]
auth = "psk"
id = "gw.example"
[connections.site.remote]
auth = "psk"
id = "site.test"
[connections.site.children.net]
esp_proposals = ["aes256gcm16"]
local_ts = ["10.1.0.0/24"]
[connections.site.secrets]
psk = "the site's key"
[pools.vpool]
addrs = "10.3.0.0/24"
"#;
    gateway.rewrite(second);
    let out = gateway.control("reload");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stdout,
        "reloaded: added 'site', removed 'rw', 0 unchanged\n"
    );
    let (_site, _site_log) = connect_up(&gateway, &site);
    let status = gateway.status_until("site up", |s| s.matches("ESTABLISHED").count() == 2);
    // Alice's SA stays, still named by the connection it was made with.
    assert!(status.contains("rw: #"), "{status}");
    assert!(status.contains("site: #"), "{status}");
    let (code, log) = connect_refused(
        &gateway,
        &client_config(&dir, "alice2", "alice.example", "alice's key"),
    );
    assert_eq!(
        code,
        Some(8),
        "a removed connection refuses new clients:\n{log}"
    );

    // SIGHUP: the file as it is now, nothing to change.
    let pid = gateway.child.as_ref().unwrap().id();
    let hup = Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    assert!(
        gateway.log.wait_for("reload: 1 unchanged"),
        "{}",
        gateway.log.text()
    );
    let status = gateway.status();
    assert_eq!(status.matches("ESTABLISHED").count(), 2, "{status}");
    let (exit, log) = gateway.down();
    assert!(exit.success(), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A client that vanished (SIGKILL: no DELETE) and connects again sends
/// INITIAL_CONTACT (RFC 7296 §2.4): its old IKE SA is dropped, one remains, and it
/// gets its virtual IP back (the pool keeps its lease for the identity).
#[test]
fn a_client_back_with_initial_contact_replaces_its_old_sa_and_keeps_its_address() {
    let dir = scratch("again");
    let gateway = Gateway::start(&dir, &gateway_file(&[("alice.example", "alice's key")], ""));
    let config = client_config(&dir, "alice", "alice.example", "alice's key");
    let (mut first, _log) = connect_up(&gateway, &config);
    let before = gateway.status_until("up", |s| s.contains("ESTABLISHED"));
    let address = virtual_ip_of(&before, "alice.example").unwrap();
    first.kill().unwrap();
    let _ = first.wait();
    let (_second, _log) = connect_up(&gateway, &config);
    assert!(
        gateway.log.wait_for("(INITIAL_CONTACT)"),
        "{}",
        gateway.log.text()
    );
    // The replaced SA is gone from `status` at once, as from swanctl's list (the
    // engine keeps it a while only to answer retransmissions).
    let after = gateway.status_until("one SA", |s| s.matches("rw: #").count() == 1);
    assert!(after.contains("ESTABLISHED"), "{after}");
    assert_eq!(
        virtual_ip_of(&after, "alice.example"),
        Some(address),
        "{after}"
    );
    assert_ne!(
        before.lines().next(),
        after.lines().next(),
        "a new IKE SA:\n{after}"
    );
    let (exit, log) = gateway.down();
    assert!(exit.success(), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Under load a gateway demands a cookie before it keeps state (RFC 7296 §2.6):
/// with `cookie_threshold = 1` the first IKE_SA_INIT is answered with a COOKIE, the
/// client sends it back and the IKE SA comes up.
#[test]
fn a_gateway_under_load_asks_for_a_cookie_first() {
    let dir = scratch("cookie");
    let text = gateway_file(&[("alice.example", "alice's key")], "").replace(
        "pools = [\"vpool\"]\n",
        "pools = [\"vpool\"]\ncookie_threshold = 1\n",
    );
    let gateway = Gateway::start(&dir, &text);
    let (_alice, log) = connect_up(
        &gateway,
        &client_config(&dir, "alice", "alice.example", "alice's key"),
    );
    let text = log.text();
    assert!(text.contains("COOKIE"), "{text}");
    let (exit, log) = gateway.down();
    assert!(exit.success(), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A file the gateway cannot use ends the start with the documented exit code and
/// the reason: 5 and the key for an invalid file, 3 for a missing one, 5 when no
/// address to answer on is given.
#[test]
fn a_bad_file_ends_the_start_with_its_reason() {
    let dir = scratch("bad");
    let run = |text: Option<&str>, extra: &[&str]| {
        let config = dir.join("bad.toml");
        match text {
            Some(text) => std::fs::write(&config, text).unwrap(),
            None => {
                let _ = std::fs::remove_file(&config);
            }
        }
        let out = Command::new(ikelab_bin())
            .arg("listen")
            .arg(&config)
            .arg("--no-tun")
            .args(extra)
            .arg("--control")
            .arg(dir.join("bad.sock"))
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let good = gateway_file(&[("alice.example", "alice's key")], "");
    let (code, stderr) = run(Some(&good.replace("[pools.vpool]", "[pools.other]")), &[]);
    assert_eq!(code, Some(5), "{stderr}");
    assert!(
        stderr.contains("connections.rw.pools: no [pools.vpool] in the file"),
        "{stderr}"
    );
    let (code, stderr) = run(None, &[]);
    assert_eq!(code, Some(3), "{stderr}");
    let (code, stderr) = run(
        Some(&good.replace("local_addrs = [\"127.0.0.1\"]\n", "")),
        &[],
    );
    assert_eq!(code, Some(5), "{stderr}");
    assert!(stderr.contains("no address to answer on"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The README's gateway example is a working gateway (moved to 127.0.0.1): alice
/// connects with her key and gets the first address of the pool.
#[test]
fn the_readme_gateway_works() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let section = readme
        .split("### A gateway: `ikelab listen`")
        .nth(1)
        .expect("the README has the gateway section");
    let example = section
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the section has a TOML example");
    let dir = scratch("readme");
    let gateway = Gateway::start(&dir, &example.replace("192.0.2.1", "127.0.0.1"));
    let alice = variant(
        CLIENT,
        &[
            ("local.id", r#""alice.example""#),
            ("secrets.psk", r#""alice's key""#),
            ("children.net.remote_ts", r#"["203.0.113.0/25"]"#),
        ],
    )
    .unwrap();
    let config = dir.join("alice.toml");
    std::fs::write(&config, toml::to_string(&alice).unwrap()).unwrap();
    let (_alice, _log) = connect_up(&gateway, &config);
    let status = gateway.status_until("up", |s| s.contains("ESTABLISHED"));
    assert_eq!(
        virtual_ip_of(&status, "alice.example").as_deref(),
        Some("203.0.113.129"),
        "{status}"
    );
    let (exit, log) = gateway.down();
    assert!(exit.success(), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `unique` on the gateway, for a second client of one identity that sends no
/// INITIAL_CONTACT (`unique = "never"` on the client side) from another port:
/// `keep` refuses it with AUTHENTICATION_FAILED (exit code 8) and the first stays;
/// `replace` deletes the first client's IKE SA once the second is up.
#[test]
fn unique_keep_refuses_and_replace_deletes_a_second_connection_of_one_identity() {
    for unique in ["keep", "replace"] {
        let dir = scratch(&format!("unique-{unique}"));
        let text = gateway_file(&[("alice.example", "alice's key")], "").replace(
            "pools = [\"vpool\"]\n",
            &format!("pools = [\"vpool\"]\nunique = \"{unique}\"\n"),
        );
        let gateway = Gateway::start(&dir, &text);
        let quiet = [("unique", r#""never""#)];
        let first = client_config_with(&dir, "first", "alice.example", "alice's key", &quiet);
        let second = client_config_with(&dir, "second", "alice.example", "alice's key", &quiet);
        let (mut first, first_log) = connect_up(&gateway, &first);
        gateway.status_until("the first up", |s| s.contains("ESTABLISHED"));
        if unique == "keep" {
            let (code, log) = connect_refused(&gateway, &second);
            assert_eq!(code, Some(8), "{log}");
            assert!(first.try_wait().unwrap().is_none(), "{}", first_log.text());
            let status = gateway.status();
            assert_eq!(status.matches("ESTABLISHED").count(), 1, "{status}");
            assert!(
                gateway.log.wait_for("unique = keep"),
                "{}",
                gateway.log.text()
            );
        } else {
            let (_second, _log) = connect_up(&gateway, &second);
            wait_exit(&mut first);
            let text = first_log.finish();
            assert!(text.contains("deleted by the peer"), "{text}");
            let status =
                gateway.status_until("one left", |s| s.matches("ESTABLISHED").count() == 1);
            assert!(status.contains("alice.example"), "{status}");
        }
        let (exit, log) = gateway.down();
        assert!(exit.success(), "{log}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// `--trace`, `--keys` and `--pcap` cover every client: after two clients and
/// `down`, the trace (a bridge trace, the other lane `clients`) holds both IKE SAs
/// coming up and what crossed the sockets, the key folder one IKE SA line and two
/// ESP SA lines per client, and the capture every datagram, each to or from the
/// gateway's IKE port.
#[test]
fn trace_keys_and_capture_cover_every_client() {
    let dir = scratch("outputs");
    let (trace, keys, pcap) = (
        dir.join("gateway.trace.json"),
        dir.join("keys"),
        dir.join("gateway.pcap"),
    );
    let gateway = Gateway::start_with(
        &dir,
        &gateway_file(
            &[
                ("alice.example", "alice's key"),
                ("bob.example", "bob's key"),
            ],
            "",
        ),
        &[
            "--trace",
            trace.to_str().unwrap(),
            "--keys",
            keys.to_str().unwrap(),
            "--pcap",
            pcap.to_str().unwrap(),
        ],
    );
    let port = gateway.port;
    let slow = [("retransmit.timeout", r#""2s""#)];
    let (mut alice, _a) = connect_up(
        &gateway,
        &client_config_with(&dir, "alice", "alice.example", "alice's key", &slow),
    );
    let (mut bob, _b) = connect_up(
        &gateway,
        &client_config_with(&dir, "bob", "bob.example", "bob's key", &slow),
    );
    gateway.status_until("both up", |s| s.matches("ESTABLISHED").count() == 2);
    let (exit, log) = gateway.down();
    assert!(exit.success(), "{log}");
    wait_exit(&mut alice);
    wait_exit(&mut bob);

    let trace = Trace::from_json(&std::fs::read_to_string(&trace).unwrap()).unwrap();
    assert_eq!(trace.source, TraceSource::Bridge);
    let lanes: Vec<&str> = trace.peers.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(lanes, ["ikelab", "clients"]);
    let ups = trace
        .events_of("ikelab")
        .filter(|e| matches!(e.kind, EventKind::IkeSaUp(_)))
        .count();
    assert_eq!(ups, 2);
    let transmits = trace
        .network_events()
        .filter(|(_, n)| matches!(n, NetworkEvent::Transmit { .. }))
        .count();
    // IKE_SA_INIT, IKE_AUTH and INFORMATIONAL, both ways, for each client.
    assert_eq!(transmits, 12, "{transmits}");

    let ike_table = std::fs::read_to_string(keys.join("ikev2_decryption_table")).unwrap();
    let esp_table = std::fs::read_to_string(keys.join("esp_sa")).unwrap();
    assert_eq!(ike_table.lines().count(), 2, "{ike_table}");
    assert_eq!(esp_table.lines().count(), 4, "{esp_table}");

    let bytes = std::fs::read(&pcap).unwrap();
    let ports: Vec<(Option<u16>, Option<u16>)> = CaptureReader::new(&bytes)
        .unwrap()
        .map(|r| {
            let d = r.unwrap().datagram().unwrap();
            (d.src_port, d.dst_port)
        })
        .collect();
    assert_eq!(ports.len(), 12, "{ports:?}");
    assert!(
        ports
            .iter()
            .all(|(s, d)| *s == Some(port) || *d == Some(port)),
        "{ports:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
