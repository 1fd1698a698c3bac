//! `ikelab status` and `ikelab down`: the real binary's control socket, against a
//! `connect --no-tun` to a gateway on 127.0.0.1 (our engine as a responder in a
//! thread of the test, `ikelab_tests::loopback_gateway`). Each test has its own
//! `--control` path in its own scratch directory. Loopback only, no root.

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use ikelab_engine::event::{Event, EventKind};
use ikelab_tests::connect_support::{self, StderrLog, UP_WITHIN};
use ikelab_tests::ikelab_bin;
use ikelab_tests::loopback_gateway::LoopbackGateway;

fn scratch(name: &str) -> PathBuf {
    connect_support::scratch("status", name)
}

/// The control socket of a test: in a directory `connect` has to create.
fn control_path(dir: &Path) -> PathBuf {
    dir.join("control").join("ikelab.sock")
}

/// A running `ikelab connect` and its standard error, collected by a thread.
struct Instance {
    child: Child,
    log: Option<StderrLog>,
}

impl Instance {
    fn start(config: &Path, gateway: &LoopbackGateway, control: &Path) -> Self {
        let mut child = Command::new(ikelab_bin())
            .arg("connect")
            .arg(config)
            .args(["--no-tun", "--local", "127.0.0.1", "--remote"])
            .arg(gateway.ike.to_string())
            .arg("--control")
            .arg(control)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Some(StderrLog::follow(&mut child));
        Self { child, log }
    }

    /// Starts one and waits until its CHILD SA is up.
    fn up(config: &Path, gateway: &LoopbackGateway, control: &Path) -> Self {
        let mut instance = Self::start(config, gateway, control);
        if instance
            .log
            .as_ref()
            .is_some_and(|log| log.wait_for("CHILD_SA net{"))
        {
            return instance;
        }
        let _ = instance.child.kill();
        panic!("not established:\n{}", instance.text());
    }

    fn text(&self) -> String {
        self.log.as_ref().map(StderrLog::text).unwrap_or_default()
    }

    /// Waits for the process to exit by itself; its status and whole log.
    fn wait(mut self, within: Duration) -> (ExitStatus, String) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let text = self.log.take().map(StderrLog::finish).unwrap_or_default();
                return (status, text);
            }
            if start.elapsed() > within {
                let _ = self.child.kill();
                panic!(
                    "ikelab connect did not end within {within:?}:\n{}",
                    self.text()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `ikelab status|down --control PATH`.
fn control(command: &str, path: &Path) -> Output {
    Command::new(ikelab_bin())
        .arg(command)
        .arg("--control")
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

/// The gateway's IKE SPIs and its CHILD SA's (inbound, outbound) SPIs, as its
/// engine reported them.
fn gateway_sas(gateway: &LoopbackGateway) -> (u64, u64, u32, u32) {
    let up = gateway.wait_for(UP_WITHIN, |e| matches!(e.kind, EventKind::ChildSaUp(_)));
    assert!(up, "the gateway has no CHILD SA:\n{:#?}", gateway.lines());
    let events = gateway.events();
    let ike = events.iter().find_map(|e: &Event| match &e.kind {
        EventKind::IkeSaUp(up) => Some((u64::from(up.spi_i), u64::from(up.spi_r))),
        _ => None,
    });
    let child = events.iter().find_map(|e| match &e.kind {
        EventKind::ChildSaUp(up) => Some((up.spi_in, up.spi_out)),
        _ => None,
    });
    let ((spi_i, spi_r), (spi_in, spi_out)) = (ike.unwrap(), child.unwrap());
    (spi_i, spi_r, spi_in, spi_out)
}

/// While connected, `status` shows the IKE SA and the CHILD SA with the SPIs the
/// gateway's engine agreed on (its inbound SPI is our outbound one), the
/// identities, the algorithms in swanctl's names, lifetimes and zero counters; the
/// socket is 0600 in a 0700 directory.
#[test]
fn status_shows_the_sas_the_gateway_agreed_on() {
    let dir = scratch("shows");
    let gateway = connect_support::gateway(&[]);
    let control_socket = control_path(&dir);
    let instance = Instance::up(
        &connect_support::client_config(&dir, &[]),
        &gateway,
        &control_socket,
    );

    assert!(
        std::fs::symlink_metadata(&control_socket)
            .unwrap()
            .file_type()
            .is_socket()
    );
    assert_eq!(mode(&control_socket), 0o600);
    assert_eq!(mode(control_socket.parent().unwrap()), 0o700);

    let out = control("status", &control_socket);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let (spi_i, spi_r, gw_in, gw_out) = gateway_sas(&gateway);
    let expected = [
        format!("client: #1, ESTABLISHED, IKEv2, {spi_i:016x}_i* {spi_r:016x}_r"),
        "  local  'cl.example' @ 127.0.0.1[".to_owned(),
        format!(
            "  remote 'gw.example' @ {}[{}]",
            gateway.ike.ip(),
            gateway.ike.port()
        ),
        "  AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519".to_owned(),
        "  established ".to_owned(),
        "  net: #1, INSTALLED, TUNNEL, ESP:AES_GCM_16-256".to_owned(),
        format!("    in  {gw_out:08x},      0 bytes,     0 packets"),
        format!("    out {gw_in:08x},      0 bytes,     0 packets"),
        "    remote 10.1.0.0/24".to_owned(),
    ];
    for line in &expected {
        assert!(
            stdout.contains(line.as_str()),
            "missing {line:?} in:\n{stdout}"
        );
    }
    let lifetimes = stdout
        .lines()
        .find(|l| l.starts_with("    installed "))
        .unwrap_or_else(|| panic!("no CHILD SA lifetimes in:\n{stdout}"));
    assert!(
        lifetimes.contains("rekeying in ") && lifetimes.contains("expires in "),
        "{lifetimes}"
    );
    drop(instance);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `down` ends the instance as SIGTERM does: DELETE seen by the gateway, the
/// instance exits 0, `down` exits 0 once it has gone, the socket is removed.
#[test]
fn down_ends_the_instance_and_the_gateway_sees_the_delete() {
    let dir = scratch("down");
    let gateway = connect_support::gateway(&[]);
    let control_socket = control_path(&dir);
    let instance = Instance::up(
        &connect_support::client_config(&dir, &[]),
        &gateway,
        &control_socket,
    );

    let out = control("down", &control_socket);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("deleting the IKE SA"), "{stdout}");
    assert!(stdout.contains("the instance has ended"), "{stdout}");
    let (status, log) = instance.wait(Duration::from_secs(5));
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(
        log.contains("down requested on the control socket"),
        "{log}"
    );
    assert!(
        gateway.saw_delete(Duration::from_secs(2)),
        "the gateway saw no DELETE:
{:#?}",
        gateway.lines()
    );
    assert!(
        !control_socket.exists(),
        "the control socket is left behind"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// With nobody on the socket: the documented code 13 and how to start an instance.
#[test]
fn status_and_down_without_an_instance_exit_13() {
    let dir = scratch("none");
    let control_socket = control_path(&dir);
    for command in ["status", "down"] {
        let out = control(command, &control_socket);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(13), "{command}: {stderr}");
        assert!(stderr.contains("no ikelab instance is running"), "{stderr}");
        assert!(stderr.contains("ikelab connect"), "{stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A socket left by a killed instance (SIGKILL): `status` says stale (13), and the
/// next `connect` on the same path replaces it and answers.
#[test]
fn a_stale_socket_is_replaced_by_the_next_connect() {
    let dir = scratch("stale");
    let gateway = connect_support::gateway(&[]);
    let control_socket = control_path(&dir);
    let config = connect_support::client_config(&dir, &[]);
    let first = Instance::up(&config, &gateway, &control_socket);
    let killed = Command::new("kill")
        .args(["-KILL", &first.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let (status, _) = first.wait(Duration::from_secs(5));
    assert_eq!(status.code(), None, "killed by a signal");
    assert!(control_socket.exists(), "SIGKILL leaves the socket behind");

    let out = control("status", &control_socket);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(13), "{stderr}");
    assert!(stderr.contains("stale"), "{stderr}");

    let second = Instance::up(&config, &gateway, &control_socket);
    assert!(
        second.text().contains("removing the stale control socket"),
        "{}",
        second.text()
    );
    let out = control("status", &control_socket);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("ESTABLISHED"),
        "{}",
        text(&out.stdout)
    );
    drop(second);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A second `connect` on a control path where one runs: refused with code 14,
/// before it binds anything; the first keeps answering.
#[test]
fn a_second_connect_on_the_same_control_path_is_refused() {
    let dir = scratch("second");
    let gateway = connect_support::gateway(&[]);
    let control_socket = control_path(&dir);
    let config = connect_support::client_config(&dir, &[]);
    let first = Instance::up(&config, &gateway, &control_socket);

    let second = Instance::start(&config, &gateway, &control_socket);
    let (status, log) = second.wait(Duration::from_secs(5));
    assert_eq!(status.code(), Some(14), "{log}");
    assert!(log.contains("another ikelab instance is running"), "{log}");
    assert!(
        !log.contains("IKE_SA_INIT"),
        "the second one started IKE:\n{log}"
    );

    let out = control("status", &control_socket);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    drop(first);
    let _ = std::fs::remove_dir_all(&dir);
}
