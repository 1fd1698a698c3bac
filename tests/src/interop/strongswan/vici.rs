//! `swanctl --list-sas --pretty` parsed into IKE_SA and CHILD_SA facts.
//!
//! The pretty form is used rather than `--raw` because it is line based: one `key = value`
//! per line, lists as `key = [` … `]`, sections as `name {` … `}`. Values keep their spaces
//! (a distinguished-name identity contains some), which the one-line raw form cannot show
//! unambiguously.

use crate::interop::error::{InteropError, Result};

/// A value of a vici message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViciValue {
    /// `key = value`.
    Str(String),
    /// `key = [ … ]`.
    List(Vec<String>),
    /// `name { … }`.
    Section(ViciSection),
}

/// A vici section: its entries in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViciSection {
    /// `(key, value)` pairs, in the order swanctl printed them.
    pub entries: Vec<(String, ViciValue)>,
}

impl ViciSection {
    /// The first value stored under `key`.
    pub fn get(&self, key: &str) -> Option<&ViciValue> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The string stored under `key`.
    pub fn str(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(ViciValue::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// The list stored under `key`; an absent key is an empty list.
    pub fn list(&self, key: &str) -> Vec<String> {
        match self.get(key) {
            Some(ViciValue::List(items)) => items.clone(),
            _ => Vec::new(),
        }
    }

    /// The sub-sections, with their names.
    pub fn sections(&self) -> impl Iterator<Item = (&str, &Self)> {
        self.entries.iter().filter_map(|(k, v)| match v {
            ViciValue::Section(s) => Some((k.as_str(), s)),
            _ => None,
        })
    }

    /// The section stored under `key`.
    pub fn section(&self, key: &str) -> Option<&Self> {
        match self.get(key) {
            Some(ViciValue::Section(s)) => Some(s),
            _ => None,
        }
    }
}

/// One message of swanctl's pretty output, e.g. `list-sa event { … }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViciMessage {
    /// The header before `{` (`list-sa event`, `list-sas reply`).
    pub name: String,
    /// The body.
    pub body: ViciSection,
}

/// Parses swanctl's `--pretty` output into its messages.
pub fn parse_pretty(text: &str) -> Result<Vec<ViciMessage>> {
    let err = |line_no: usize, detail: &str| {
        InteropError::parse(
            "swanctl --pretty output",
            format!("line {line_no}: {detail}"),
        )
    };
    let mut messages = Vec::new();
    // Stack of open sections: (name, section); the bottom one is the message.
    let mut stack: Vec<(String, ViciSection)> = Vec::new();
    let mut open_list: Option<(String, Vec<String>)> = None;
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some((key, items)) = open_list.as_mut() {
            if line == "]" {
                let key = std::mem::take(key);
                let items = std::mem::take(items);
                open_list = None;
                let (_, top) = stack
                    .last_mut()
                    .ok_or_else(|| err(line_no, "list outside a section"))?;
                top.entries.push((key, ViciValue::List(items)));
            } else {
                items.push(line.to_owned());
            }
            continue;
        }
        if line == "}" {
            let (name, section) = stack.pop().ok_or_else(|| err(line_no, "unbalanced `}`"))?;
            match stack.last_mut() {
                Some((_, parent)) => parent.entries.push((name, ViciValue::Section(section))),
                None => messages.push(ViciMessage {
                    name,
                    body: section,
                }),
            }
        } else if let Some((key, value)) = line.split_once(" = ") {
            if stack.is_empty() {
                return Err(err(line_no, "setting outside a message"));
            }
            if value == "[" {
                open_list = Some((key.to_owned(), Vec::new()));
            } else {
                let (_, top) = stack.last_mut().ok_or_else(|| err(line_no, "no section"))?;
                top.entries
                    .push((key.to_owned(), ViciValue::Str(value.to_owned())));
            }
        } else if let Some(key) = line
            .strip_suffix(" = [")
            .or_else(|| line.strip_suffix(" =["))
        {
            open_list = Some((key.to_owned(), Vec::new()));
        } else if let Some(key) = line.strip_suffix(" =") {
            // An empty value prints as `key = ` and trims to `key =`.
            let (_, top) = stack
                .last_mut()
                .ok_or_else(|| err(line_no, "setting outside a message"))?;
            top.entries
                .push((key.to_owned(), ViciValue::Str(String::new())));
        } else if let Some(name) = line.strip_suffix('{') {
            stack.push((name.trim_end().to_owned(), ViciSection::default()));
        } else {
            return Err(err(line_no, &format!("unexpected line {raw:?}")));
        }
    }
    if !stack.is_empty() || open_list.is_some() {
        return Err(err(text.lines().count(), "output ends inside a section"));
    }
    Ok(messages)
}

/// An IKE_SA as `swanctl --list-sas` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IkeSaStatus {
    /// The connection name.
    pub name: String,
    /// `state` (`ESTABLISHED`, `CONNECTING`, …).
    pub state: String,
    /// `local-host`.
    pub local_host: String,
    /// `local-port`.
    pub local_port: u16,
    /// `remote-host`.
    pub remote_host: String,
    /// `remote-port`.
    pub remote_port: u16,
    /// `local-id`.
    pub local_id: String,
    /// `remote-id`.
    pub remote_id: String,
    /// `initiator = yes`: this side initiated the IKE_SA.
    pub initiator: bool,
    /// `initiator-spi`, in wire order.
    pub spi_i: [u8; 8],
    /// `responder-spi`, in wire order.
    pub spi_r: [u8; 8],
    /// `encr-alg` (`AES_GCM_16`, `AES_CBC`).
    pub encr_alg: String,
    /// `encr-keysize` in bits.
    pub encr_keysize: Option<u16>,
    /// `integ-alg`; absent for AEAD.
    pub integ_alg: Option<String>,
    /// `prf-alg`.
    pub prf_alg: String,
    /// `dh-group` (`CURVE_25519`, `MODP_2048`).
    pub dh_group: String,
    /// `nat-remote = yes` (or `nat-fake`, `nat-any`): charon believes there is a NAT.
    pub nat_any: bool,
    /// `local-vips`.
    pub local_vips: Vec<String>,
    /// `remote-vips`.
    pub remote_vips: Vec<String>,
    /// `child-sas`.
    pub children: Vec<ChildSaStatus>,
    /// Everything swanctl printed for this SA.
    pub raw: ViciSection,
}

/// A CHILD_SA as `swanctl --list-sas` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildSaStatus {
    /// `name` (the child config's name).
    pub name: String,
    /// `state` (`INSTALLED`, …).
    pub state: String,
    /// `mode` (`TUNNEL`, `TRANSPORT`).
    pub mode: String,
    /// `protocol` (`ESP`).
    pub protocol: String,
    /// `encap = yes`: ESP in UDP (RFC 3948).
    pub encap: bool,
    /// `spi-in`: the SPI this side receives with.
    pub spi_in: u32,
    /// `spi-out`: the SPI this side sends with.
    pub spi_out: u32,
    /// `encr-alg`.
    pub encr_alg: String,
    /// `encr-keysize` in bits.
    pub encr_keysize: Option<u16>,
    /// `integ-alg`; absent for AEAD.
    pub integ_alg: Option<String>,
    /// `local-ts`.
    pub local_ts: Vec<String>,
    /// `remote-ts`.
    pub remote_ts: Vec<String>,
    /// Everything swanctl printed for this CHILD_SA.
    pub raw: ViciSection,
}

/// Parses `swanctl --list-sas --pretty` into one [`IkeSaStatus`] per `list-sa event`.
pub fn parse_list_sas(text: &str) -> Result<Vec<IkeSaStatus>> {
    let mut sas = Vec::new();
    for message in parse_pretty(text)? {
        if message.name != "list-sa event" {
            continue;
        }
        for (name, section) in message.body.sections() {
            sas.push(ike_sa_status(name, section)?);
        }
    }
    Ok(sas)
}

fn required<'a>(section: &'a ViciSection, what: &str, key: &str) -> Result<&'a str> {
    section
        .str(key)
        .ok_or_else(|| InteropError::parse("swanctl --list-sas", format!("{what} has no `{key}`")))
}

fn number<T: std::str::FromStr>(section: &ViciSection, what: &str, key: &str) -> Result<T> {
    let text = required(section, what, key)?;
    text.parse().map_err(|_| {
        InteropError::parse(
            "swanctl --list-sas",
            format!("{what}: `{key} = {text}` is not a number"),
        )
    })
}

fn optional_number(section: &ViciSection, key: &str) -> Option<u16> {
    section.str(key).and_then(|s| s.parse().ok())
}

fn ike_sa_status(name: &str, section: &ViciSection) -> Result<IkeSaStatus> {
    let what = format!("IKE_SA {name}");
    let spi = |key: &str| -> Result<[u8; 8]> {
        let text = required(section, &what, key)?;
        let bytes = decode_hex(text).ok_or_else(|| {
            InteropError::parse("swanctl --list-sas", format!("{what}: bad {key} {text:?}"))
        })?;
        bytes.try_into().map_err(|_| {
            InteropError::parse(
                "swanctl --list-sas",
                format!("{what}: {key} is not 8 bytes"),
            )
        })
    };
    let yes = |key: &str| section.str(key) == Some("yes");
    let mut children = Vec::new();
    if let Some(child_sas) = section.section("child-sas") {
        for (child_name, child) in child_sas.sections() {
            children.push(child_sa_status(child_name, child)?);
        }
    }
    Ok(IkeSaStatus {
        name: name.to_owned(),
        state: required(section, &what, "state")?.to_owned(),
        local_host: required(section, &what, "local-host")?.to_owned(),
        local_port: number(section, &what, "local-port")?,
        remote_host: required(section, &what, "remote-host")?.to_owned(),
        remote_port: number(section, &what, "remote-port")?,
        local_id: required(section, &what, "local-id")?.to_owned(),
        remote_id: required(section, &what, "remote-id")?.to_owned(),
        initiator: yes("initiator"),
        spi_i: spi("initiator-spi")?,
        spi_r: spi("responder-spi")?,
        encr_alg: required(section, &what, "encr-alg")?.to_owned(),
        encr_keysize: optional_number(section, "encr-keysize"),
        integ_alg: section.str("integ-alg").map(str::to_owned),
        prf_alg: required(section, &what, "prf-alg")?.to_owned(),
        dh_group: required(section, &what, "dh-group")?.to_owned(),
        nat_any: yes("nat-any") || yes("nat-remote") || yes("nat-local") || yes("nat-fake"),
        local_vips: section.list("local-vips"),
        remote_vips: section.list("remote-vips"),
        children,
        raw: section.clone(),
    })
}

fn child_sa_status(key: &str, section: &ViciSection) -> Result<ChildSaStatus> {
    let what = format!("CHILD_SA {key}");
    let spi = |k: &str| -> Result<u32> {
        let text = required(section, &what, k)?;
        u32::from_str_radix(text, 16).map_err(|_| {
            InteropError::parse("swanctl --list-sas", format!("{what}: bad {k} {text:?}"))
        })
    };
    Ok(ChildSaStatus {
        name: section.str("name").unwrap_or(key).to_owned(),
        state: required(section, &what, "state")?.to_owned(),
        mode: required(section, &what, "mode")?.to_owned(),
        protocol: required(section, &what, "protocol")?.to_owned(),
        encap: section.str("encap") == Some("yes"),
        spi_in: spi("spi-in")?,
        spi_out: spi("spi-out")?,
        encr_alg: required(section, &what, "encr-alg")?.to_owned(),
        encr_keysize: optional_number(section, "encr-keysize"),
        integ_alg: section.str("integ-alg").map(str::to_owned),
        local_ts: section.list("local-ts"),
        remote_ts: section.list("remote-ts"),
        raw: section.clone(),
    })
}

/// Decodes an even-length hex string (no separators).
pub fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shape of swanctl 5.9.8's output for an established gateway SA (captured on this
    /// machine; SPIs shortened to made-up values).
    const GATEWAY: &str = "list-sa event {
  gw {
    uniqueid = 1
    version = 2
    state = ESTABLISHED
    local-host = 192.0.2.1
    local-port = 4500
    local-id = gw.example
    remote-host = 192.0.2.2
    remote-port = 4500
    remote-id = cl.example
    initiator-spi = cfac239cb068ac6d
    responder-spi = a28f01bdbf196082
    nat-remote = yes
    nat-any = yes
    encr-alg = AES_CBC
    encr-keysize = 128
    integ-alg = HMAC_SHA2_256_128
    prf-alg = PRF_HMAC_SHA2_256
    dh-group = MODP_2048
    remote-vips = [
      203.0.113.129
    ]
    child-sas {
      net-1 {
        name = net
        uniqueid = 1
        reqid = 1
        state = INSTALLED
        mode = TUNNEL
        protocol = ESP
        encap = yes
        spi-in = 68b6e5b2
        spi-out = 4c86ef2a
        encr-alg = AES_CBC
        encr-keysize = 128
        integ-alg = HMAC_SHA2_256_128
        local-ts = [
          203.0.113.0/25
        ]
        remote-ts = [
          203.0.113.129/32
        ]
      }
    }
  }
}
list-sas reply {
}
";

    #[test]
    fn gateway_sa_is_parsed_with_spis_algorithms_and_child() {
        let sas = parse_list_sas(GATEWAY).unwrap();
        assert_eq!(sas.len(), 1);
        let sa = &sas[0];
        assert_eq!(sa.name, "gw");
        assert_eq!(sa.state, "ESTABLISHED");
        assert!(!sa.initiator);
        assert_eq!(sa.spi_i, [0xcf, 0xac, 0x23, 0x9c, 0xb0, 0x68, 0xac, 0x6d]);
        assert_eq!(sa.spi_r, [0xa2, 0x8f, 0x01, 0xbd, 0xbf, 0x19, 0x60, 0x82]);
        assert_eq!(sa.encr_keysize, Some(128));
        assert_eq!(sa.integ_alg.as_deref(), Some("HMAC_SHA2_256_128"));
        assert_eq!(sa.dh_group, "MODP_2048");
        assert!(sa.nat_any);
        assert_eq!(sa.remote_vips, vec!["203.0.113.129".to_owned()]);
        let child = &sa.children[0];
        assert_eq!(child.name, "net");
        assert!(child.encap);
        assert_eq!(child.spi_in, 0x68b6_e5b2);
        assert_eq!(child.spi_out, 0x4c86_ef2a);
        assert_eq!(child.local_ts, vec!["203.0.113.0/25".to_owned()]);
    }

    #[test]
    fn empty_reply_has_no_sas() {
        assert!(parse_list_sas("list-sas reply {\n}\n").unwrap().is_empty());
    }

    #[test]
    fn truncated_output_is_an_error() {
        assert!(parse_list_sas("list-sa event {\n  gw {\n").is_err());
        assert!(parse_list_sas("}\n").is_err());
        assert!(parse_list_sas("list-sa event {\n  gw {\n    state = X\n  }\n}\n").is_err());
    }

    #[test]
    fn hex_decoding_rejects_odd_and_non_hex() {
        assert_eq!(decode_hex("0aff"), Some(vec![0x0a, 0xff]));
        assert_eq!(decode_hex("0af"), None);
        assert_eq!(decode_hex("zz"), None);
    }
}
