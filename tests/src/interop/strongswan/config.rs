//! strongswan.conf and swanctl.conf, generated from small Rust structs.
//!
//! Both files use strongSwan's settings syntax: nested `name { … }` sections holding
//! `key = value` settings, one per line (TOOLCHAIN.md: swanctl.conf wants one per line).

use std::path::PathBuf;

use crate::interop::error::{InteropError, Result};

/// One section of strongSwan's settings syntax.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    /// The section's name (`connections`, `gw`, `local`, …).
    pub name: String,
    /// `key = value` lines, in order.
    pub settings: Vec<Setting>,
    /// Nested sections, after the settings.
    pub sections: Vec<Self>,
}

/// One `key = value` line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Setting {
    /// The key.
    pub key: String,
    /// The value, unescaped.
    pub value: String,
    /// Always write the value in double quotes (secrets: a bare `0x…`/`0s…` value would mean
    /// hex or base64 to strongSwan).
    pub quoted: bool,
}

impl Section {
    /// An empty section called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Adds `key = value`.
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.settings.push(Setting {
            key: key.into(),
            value: value.into(),
            quoted: false,
        });
        self
    }

    /// Adds `key = "value"`, quoted whatever the value.
    pub fn set_quoted(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.settings.push(Setting {
            key: key.into(),
            value: value.into(),
            quoted: true,
        });
        self
    }

    /// Adds `key = a,b,c` unless `values` is empty.
    pub fn set_list(self, key: &str, values: &[String]) -> Self {
        if values.is_empty() {
            self
        } else {
            self.set(key, values.join(","))
        }
    }

    /// Adds every pair of `settings`.
    pub fn set_all(mut self, settings: &[(String, String)]) -> Self {
        for (key, value) in settings {
            self = self.set(key.clone(), value.clone());
        }
        self
    }

    /// Adds a nested section.
    pub fn push(mut self, section: Self) -> Self {
        self.sections.push(section);
        self
    }

    /// Renders the section (and its children) at `depth` levels of indentation.
    pub fn render_into(&self, out: &mut String, depth: usize) -> Result<()> {
        check_name(&self.name)?;
        let indent = "  ".repeat(depth);
        out.push_str(&format!("{indent}{} {{\n", self.name));
        for setting in &self.settings {
            check_name(&setting.key)?;
            out.push_str(&format!(
                "{indent}  {} = {}\n",
                setting.key,
                render_value(&setting.value, setting.quoted)?
            ));
        }
        for section in &self.sections {
            section.render_into(out, depth + 1)?;
        }
        out.push_str(&format!("{indent}}}\n"));
        Ok(())
    }

    /// The section as text.
    pub fn render(&self) -> Result<String> {
        let mut out = String::new();
        self.render_into(&mut out, 0)?;
        Ok(out)
    }
}

/// Section names and keys: letters, digits, `-`, `_`, `.`.
fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(InteropError::InvalidInput {
            detail: format!("{name:?} is not a valid strongSwan section or key name"),
        })
    }
}

/// A value as it must appear after `=`: bare when it is made of safe characters and no quotes
/// are forced, otherwise double-quoted with `"` and `\` escaped. Control characters (a newline
/// would end the setting) are rejected.
fn render_value(value: &str, force_quotes: bool) -> Result<String> {
    if value.chars().any(char::is_control) {
        return Err(InteropError::InvalidInput {
            detail: format!("strongSwan setting value {value:?} contains a control character"),
        });
    }
    let bare = !force_quotes
        && !value.is_empty()
        && value.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'.' | b'-' | b'_' | b':' | b'/' | b',' | b'@' | b'+' | b'%' | b'*'
                )
        });
    if bare {
        Ok(value.to_owned())
    } else {
        Ok(format!(
            "\"{}\"",
            value.replace('\\', r"\\").replace('"', "\\\"")
        ))
    }
}

/// Plugins loaded by default, in this order. `kernel-libipsec` comes before `kernel-netlink`:
/// the kernel here has XFRM but no ESP, so SAs must go to the userspace ESP of libipsec
/// (TOOLCHAIN.md; otherwise installing SAs fails with "Function not implemented").
pub const DEFAULT_PLUGINS: &[&str] = &[
    "random",
    "nonce",
    "openssl",
    "aes",
    "sha1",
    "sha2",
    "hmac",
    "gcm",
    "chapoly",
    "curve25519",
    "gmp",
    "kdf",
    "pem",
    "pkcs1",
    "pkcs8",
    "x509",
    "pubkey",
    "revocation",
    "constraints",
    "kernel-libipsec",
    "kernel-netlink",
    "socket-default",
    "vici",
];

/// Log levels of the file logger by default: `ike = 4` and `chd = 4` make charon print the DH
/// secret, SKEYSEED, every SK_* and the CHILD_SA keys in hex (the key-derivation oracle).
pub const DEFAULT_LOG_LEVELS: &[(&str, i8)] = &[
    ("default", 1),
    ("ike", 4),
    ("chd", 4),
    ("cfg", 2),
    ("net", 2),
    ("enc", 1),
    ("knl", 1),
    ("lib", 1),
];

/// strongswan.conf for one charon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrongswanConf {
    /// Plugins for `charon.load`, in load order.
    pub plugins: Vec<String>,
    /// Where the vici plugin listens (a private directory per charon).
    pub vici_socket: PathBuf,
    /// The file logger's path.
    pub log_path: PathBuf,
    /// File logger levels per subsystem (`default`, `ike`, `chd`, `cfg`, `net`, …), -1..=4.
    pub log_levels: Vec<(String, i8)>,
    /// IKE port (`charon.port`).
    pub port: u16,
    /// NAT-T port (`charon.port_nat_t`).
    pub port_nat_t: u16,
    /// Extra `charon { key = value }` settings (e.g. `retransmit_timeout`, `threads`).
    pub charon_settings: Vec<(String, String)>,
}

impl StrongswanConf {
    /// Defaults: [`DEFAULT_PLUGINS`], [`DEFAULT_LOG_LEVELS`], ports 500 and 4500.
    pub fn new(vici_socket: impl Into<PathBuf>, log_path: impl Into<PathBuf>) -> Self {
        Self {
            plugins: DEFAULT_PLUGINS.iter().map(|p| (*p).to_owned()).collect(),
            vici_socket: vici_socket.into(),
            log_path: log_path.into(),
            log_levels: DEFAULT_LOG_LEVELS
                .iter()
                .map(|(s, l)| ((*s).to_owned(), *l))
                .collect(),
            port: 500,
            port_nat_t: 4500,
            charon_settings: Vec::new(),
        }
    }

    /// Sets the level of one log subsystem (adding it if absent).
    pub fn log_level(mut self, subsystem: &str, level: i8) -> Self {
        match self.log_levels.iter_mut().find(|(s, _)| s == subsystem) {
            Some(entry) => entry.1 = level,
            None => self.log_levels.push((subsystem.to_owned(), level)),
        }
        self
    }

    /// The vici URI swanctl needs (`unix://<socket>`).
    pub fn vici_uri(&self) -> String {
        format!("unix://{}", self.vici_socket.display())
    }

    /// The file's text.
    pub fn render(&self) -> Result<String> {
        let path = |p: &PathBuf| {
            p.to_str()
                .map(str::to_owned)
                .ok_or_else(|| InteropError::InvalidInput {
                    detail: format!("{} is not UTF-8", p.display()),
                })
        };
        let mut log = Section::new("main")
            .set("path", path(&self.log_path)?)
            .set("append", "no")
            .set("flush_line", "yes");
        for (subsystem, level) in &self.log_levels {
            if !(-1..=4).contains(level) {
                return Err(InteropError::InvalidInput {
                    detail: format!("log level {level} for {subsystem} is outside -1..=4"),
                });
            }
            log = log.set(subsystem.clone(), level.to_string());
        }
        let charon = Section::new("charon")
            .set("load", self.plugins.join(" "))
            .set("port", self.port.to_string())
            .set("port_nat_t", self.port_nat_t.to_string())
            .set_all(&self.charon_settings)
            .push(Section::new("plugins").push(Section::new("vici").set("socket", self.vici_uri())))
            .push(Section::new("filelog").push(log));
        let mut text = String::from("# Generated by the IKElab interop harness.\n");
        charon.render_into(&mut text, 0)?;
        Ok(text)
    }
}

/// One authentication round (`local` or `remote` section of a connection).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthRound {
    /// `auth` (`psk`, `pubkey`, `eap-mschapv2`, …).
    pub auth: String,
    /// `id`.
    pub id: String,
    /// Other settings of the round (`certs`, `eap_id`, …).
    pub settings: Vec<(String, String)>,
}

impl AuthRound {
    /// PSK authentication with identity `id`.
    pub fn psk(id: &str) -> Self {
        Self {
            auth: "psk".to_owned(),
            id: id.to_owned(),
            settings: Vec::new(),
        }
    }

    fn section(&self, name: &str) -> Section {
        Section::new(name)
            .set("auth", self.auth.clone())
            .set("id", self.id.clone())
            .set_all(&self.settings)
    }
}

/// A CHILD_SA configuration (`children.<name>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildConfig {
    /// The child's name.
    pub name: String,
    /// `local_ts` (empty: strongSwan's `dynamic`).
    pub local_ts: Vec<String>,
    /// `remote_ts` (empty: `dynamic`).
    pub remote_ts: Vec<String>,
    /// `esp_proposals`, strongSwan syntax (`aes256gcm16`, `aes128-sha256`).
    pub esp_proposals: Vec<String>,
    /// Other settings (`mode`, `rekey_time`, `start_action`, `updown`, …).
    pub settings: Vec<(String, String)>,
}

impl ChildConfig {
    fn section(&self) -> Section {
        Section::new(self.name.clone())
            .set_list("local_ts", &self.local_ts)
            .set_list("remote_ts", &self.remote_ts)
            .set_list("esp_proposals", &self.esp_proposals)
            .set_all(&self.settings)
    }
}

/// An IKE connection (`connections.<name>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Connection {
    /// The connection's name (what `swanctl --initiate --ike` takes).
    pub name: String,
    /// IKE version; 2 unless a test says otherwise.
    pub version: u8,
    /// `local_addrs`.
    pub local_addrs: Vec<String>,
    /// `remote_addrs` (empty on a gateway: anyone).
    pub remote_addrs: Vec<String>,
    /// `proposals`, strongSwan syntax (`aes256gcm16-prfsha256-x25519`).
    pub proposals: Vec<String>,
    /// `vips`: `0.0.0.0` asks the peer for a virtual IPv4 address (a CP request).
    pub vips: Vec<String>,
    /// `pools` the responder assigns virtual addresses from (CP reply).
    pub pools: Vec<String>,
    /// `local` authentication round.
    pub local: AuthRound,
    /// `remote` authentication round.
    pub remote: AuthRound,
    /// CHILD_SA configurations.
    pub children: Vec<ChildConfig>,
    /// Other settings (`encap`, `mobike`, `fragmentation`, `dpd_delay`, `rekey_time`, …).
    pub settings: Vec<(String, String)>,
}

impl Connection {
    fn section(&self) -> Section {
        let mut section = Section::new(self.name.clone())
            .set("version", self.version.to_string())
            .set_list("local_addrs", &self.local_addrs)
            .set_list("remote_addrs", &self.remote_addrs)
            .set_list("proposals", &self.proposals)
            .set_list("vips", &self.vips)
            .set_list("pools", &self.pools)
            .set_all(&self.settings)
            .push(self.local.section("local"))
            .push(self.remote.section("remote"));
        let mut children = Section::new("children");
        for child in &self.children {
            children = children.push(child.section());
        }
        if !self.children.is_empty() {
            section = section.push(children);
        }
        section
    }
}

/// A virtual address pool (`pools.<name>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pool {
    /// The pool's name.
    pub name: String,
    /// `addrs`: a prefix or range.
    pub addrs: String,
    /// `dns` servers handed out with the address.
    pub dns: Vec<String>,
}

/// A shared IKE secret (`secrets.ike-<suffix>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IkeSecret {
    /// The section name; must start with `ike`.
    pub name: String,
    /// Identities the secret is for (`id-1`, `id-2`, …).
    pub ids: Vec<String>,
    /// The secret itself (always written quoted).
    pub secret: String,
}

/// A whole swanctl.conf.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SwanctlConf {
    /// `connections`.
    pub connections: Vec<Connection>,
    /// `pools`.
    pub pools: Vec<Pool>,
    /// `secrets`.
    pub secrets: Vec<IkeSecret>,
}

impl SwanctlConf {
    /// The file's text.
    pub fn render(&self) -> Result<String> {
        let mut text = String::from("# Generated by the IKElab interop harness.\n");
        let mut connections = Section::new("connections");
        for connection in &self.connections {
            connections = connections.push(connection.section());
        }
        connections.render_into(&mut text, 0)?;
        let mut pools = Section::new("pools");
        for pool in &self.pools {
            pools = pools.push(
                Section::new(pool.name.clone())
                    .set("addrs", pool.addrs.clone())
                    .set_list("dns", &pool.dns),
            );
        }
        pools.render_into(&mut text, 0)?;
        let mut secrets = Section::new("secrets");
        for secret in &self.secrets {
            if !secret.name.starts_with("ike") {
                return Err(InteropError::InvalidInput {
                    detail: format!("IKE secret section {:?} must start with `ike`", secret.name),
                });
            }
            let mut section = Section::new(secret.name.clone());
            for (n, id) in secret.ids.iter().enumerate() {
                section = section.set(format!("id-{}", n + 1), id.clone());
            }
            secrets = secrets.push(section.set_quoted("secret", secret.secret.clone()));
        }
        secrets.render_into(&mut text, 0)?;
        Ok(text)
    }
}
