//! The form's fields: the keys of a scenario most lessons change, each read from and
//! written to the TOML text at its key path, in the file's own layout.

use toml_edit::{Array, DocumentMut, Item, Table, Value, value};

/// How a field's text becomes a TOML value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldKind {
    /// A string (empty: the key is removed, its default applies).
    Text,
    /// A secret string: shown as a password field.
    Secret,
    /// A list of strings, written comma-separated.
    List,
    /// A duration string ("10ms", "1s", "1h").
    Duration,
    /// A whole number.
    Integer,
    /// A number such as a probability (0.1).
    Number,
    /// true or false.
    Switch,
    /// NAT in front of the initiator: the `[network.nat]` table, present or not.
    Nat,
}

/// One field of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    /// The dotted key path (`initiator.children.net.esp_proposals`).
    pub(crate) path: String,
    pub(crate) label: &'static str,
    pub(crate) kind: FieldKind,
    /// What it is, in one line (the field's description).
    pub(crate) hint: &'static str,
}

fn field(path: String, label: &'static str, kind: FieldKind, hint: &'static str) -> Field {
    Field {
        path,
        label,
        kind,
        hint,
    }
}

/// The public address the NAT box gets when the form turns NAT on (RFC 5737's
/// documentation range).
pub(crate) const NAT_PUBLIC: std::net::IpAddr =
    std::net::IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 5));

/// The form, in sections: (title, fields), for the text's current shape (the first
/// CHILD SA of each peer, its pools).
pub(crate) fn form_fields(text: &str) -> Vec<(&'static str, Vec<Field>)> {
    let document = text.parse::<DocumentMut>().ok();
    let first_child = |peer: &str| {
        document
            .as_ref()
            .and_then(|d| d.get(peer)?.get("children")?.as_table_like()?.iter().next())
            .map(|(name, _)| name.to_owned())
    };
    let mut sections = Vec::new();
    for (peer, title) in [("initiator", "Initiator"), ("responder", "Responder")] {
        use FieldKind::*;
        let p = |key: &str| format!("{peer}.{key}");
        let mut fields = vec![
            field(
                p("proposals"),
                "IKE proposals",
                List,
                "strongSwan syntax, e.g. aes256gcm16-prfsha256-x25519; comma between proposals",
            ),
            field(
                p("secrets.psk"),
                "Pre-shared key",
                Secret,
                "both sides must hold the same one (RFC 7296 §2.15)",
            ),
            field(
                p("local.id"),
                "Own identity",
                Text,
                "IDi / IDr: an FQDN, an email address or an IP address",
            ),
            field(
                p("remote.id"),
                "Peer identity it accepts",
                Text,
                "%any accepts every identity",
            ),
        ];
        if let Some(child) = first_child(peer) {
            let c = |key: &str| format!("{peer}.children.{child}.{key}");
            fields.extend([
                field(
                    c("esp_proposals"),
                    "ESP proposals",
                    List,
                    "e.g. aes256gcm16, or aes256-sha256-modp2048 for PFS on rekeys",
                ),
                field(
                    c("local_ts"),
                    "Own traffic selectors",
                    List,
                    "networks on this side (dynamic: its address or virtual IP)",
                ),
                field(
                    c("remote_ts"),
                    "Peer traffic selectors",
                    List,
                    "networks on the other side",
                ),
                field(c("rekey_time"), "CHILD SA rekey time", Duration, "e.g. 1h"),
            ]);
        }
        if peer == "initiator" {
            fields.push(field(
                p("vips"),
                "Virtual IP request",
                List,
                "0.0.0.0 asks the gateway for an address (CP, RFC 7296 §3.15)",
            ));
        } else {
            fields.push(field(
                p("pools"),
                "Address pools",
                List,
                "names of [ip_pools] to assign virtual IPs from",
            ));
        }
        fields.extend([
            field(
                p("rekey_time"),
                "IKE SA rekey time",
                Duration,
                "e.g. 4h (absent: no rekey)",
            ),
            field(
                p("retransmit.timeout"),
                "Retransmit timeout",
                Duration,
                "first wait before a request is sent again",
            ),
            field(
                p("retransmit.tries"),
                "Retransmit tries",
                Integer,
                "sends before the peer is given up",
            ),
        ]);
        sections.push((title, fields));
    }
    {
        use FieldKind::*;
        sections.push((
            "Network",
            vec![
                field(
                    "network.link.latency".into(),
                    "Latency",
                    Duration,
                    "one way, each direction",
                ),
                field(
                    "network.link.loss".into(),
                    "Loss",
                    Number,
                    "probability 0–1 that a datagram is lost",
                ),
                field(
                    "network.link.duplicate".into(),
                    "Duplication",
                    Number,
                    "probability 0–1 that a datagram arrives twice",
                ),
                field(
                    "network.link.mtu".into(),
                    "MTU",
                    Integer,
                    "largest IP packet the link carries (default 1500)",
                ),
                field(
                    "network.nat".into(),
                    "NAT in front of the initiator",
                    Nat,
                    "its datagrams leave from 203.0.113.5 (RFC 3948 UDP encapsulation follows)",
                ),
                field(
                    "network.firewall.block_udp_500".into(),
                    "Firewall blocks UDP 500",
                    Switch,
                    "IKE's port",
                ),
                field(
                    "network.firewall.block_udp_4500".into(),
                    "Firewall blocks UDP 4500",
                    Switch,
                    "NAT-T's port",
                ),
                field(
                    "network.firewall.block_esp".into(),
                    "Firewall blocks ESP",
                    Switch,
                    "IP protocol 50",
                ),
            ],
        ));
    }
    sections
}

/// The item at a dotted path (no list indexes: form fields name keys).
fn item_at<'a>(table: &'a Table, path: &str) -> Option<&'a Item> {
    let mut parts = path.split('.');
    let mut item = table.get(parts.next()?)?;
    for part in parts {
        item = item.get(part)?;
    }
    Some(item)
}

/// The field's value as the form shows it ("" when the key is absent).
pub(crate) fn read_field(document: &DocumentMut, field: &Field) -> String {
    let Some(item) = item_at(document.as_table(), &field.path) else {
        return match field.kind {
            FieldKind::Switch | FieldKind::Nat => "false".to_owned(),
            _ => String::new(),
        };
    };
    match field.kind {
        FieldKind::Nat => (!item.is_none()).to_string(),
        FieldKind::List => item
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| {
                        v.as_str()
                            .map_or_else(|| v.to_string().trim().to_owned(), str::to_owned)
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .or_else(|| item.as_str().map(str::to_owned))
            .unwrap_or_default(),
        _ => match item.as_value() {
            Some(Value::String(s)) => s.value().clone(),
            Some(v) => v.clone().decorated("", "").to_string(),
            None => String::new(),
        },
    }
}

/// Writes the form's `input` for `field` into `text`: the new text, or why the input
/// is not a value of that kind (the text is then unchanged).
pub(crate) fn write_field(text: &str, field: &Field, input: &str) -> Result<String, String> {
    let mut document = text.parse::<DocumentMut>().map_err(|e| {
        format!(
            "the TOML text does not parse, so the form cannot change it: {}",
            e.message()
        )
    })?;
    let input = input.trim();
    let new: Option<Item> = match field.kind {
        FieldKind::Text | FieldKind::Secret | FieldKind::Duration => {
            (!input.is_empty()).then(|| value(input))
        }
        FieldKind::List => (!input.is_empty()).then(|| {
            let list: Array = input
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            value(list)
        }),
        FieldKind::Integer => match input {
            "" => None,
            _ => Some(value(
                input
                    .parse::<i64>()
                    .map_err(|_| format!("{input:?} is not a whole number"))?,
            )),
        },
        FieldKind::Number => match input {
            "" => None,
            _ => Some(value(
                input
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| {
                        format!("{input:?} is not a number (write a probability as 0.1)")
                    })?,
            )),
        },
        FieldKind::Switch => match input {
            "true" => Some(value(true)),
            "false" => None,
            _ => return Err(format!("{input:?} is neither true nor false")),
        },
        FieldKind::Nat => match input {
            // Already on: its table (address, ports, timeouts) stays as written.
            "true" if item_at(document.as_table(), &field.path).is_some() => {
                return Ok(text.to_owned());
            }
            "true" => {
                let mut nat = Table::new();
                nat.insert("peer", value("initiator"));
                nat.insert("public", value(NAT_PUBLIC.to_string()));
                Some(Item::Table(nat))
            }
            "false" => None,
            _ => return Err(format!("{input:?} is neither true nor false")),
        },
    };
    set_path(document.as_table_mut(), &field.path, new);
    Ok(document.to_string())
}

/// Sets (or with `None` removes) the item at a dotted path, creating the tables on
/// the way, and keeps the old value's surrounding spaces and comment.
fn set_path(table: &mut Table, path: &str, new: Option<Item>) {
    let (parents, key) = match path.rsplit_once('.') {
        Some((parents, key)) => (Some(parents), key),
        None => (None, path),
    };
    let mut at = table;
    for part in parents.into_iter().flat_map(|p| p.split('.')) {
        if !at.get(part).is_some_and(Item::is_table_like) {
            if new.is_none() {
                return;
            }
            let mut fresh = Table::new();
            fresh.set_implicit(true);
            at.insert(part, Item::Table(fresh));
        }
        let Some(next) = at.get_mut(part).and_then(Item::as_table_mut) else {
            // An inline table ({ … }) on the way: written as a value, not edited
            // here (the raw TOML can).
            return;
        };
        at = next;
    }
    match new {
        None => {
            at.remove(key);
        }
        Some(Item::Value(mut v)) => {
            if let Some(old) = at.get(key).and_then(Item::as_value) {
                *v.decor_mut() = old.decor().clone();
            }
            at.insert(key, Item::Value(v));
        }
        Some(item) => {
            at.insert(key, item);
        }
    }
}
