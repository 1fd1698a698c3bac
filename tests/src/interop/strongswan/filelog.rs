//! charon's file log, read as an oracle.
//!
//! With `ike = 4` and `chd = 4` charon 5.9.8 prints every secret it derives as a labelled hex
//! dump (format seen on this machine, no `time_format` set):
//!
//! ```text
//! 13[IKE] shared Diffie Hellman secret => 32 bytes @ 0x7ff7c4005d60
//! 13[IKE]    0: DA 8E D0 5E FB 8D 5F FD 2E B6 68 F9 8F 37 A4 85  ...^.._...h..7..
//! 13[IKE]   16: 19 31 C9 4B F9 87 B0 BC A7 B0 F2 DD 42 8D 93 0C  .1.K........B...
//! 13[IKE] SKEYSEED => 32 bytes @ 0x7ff7c400aa20
//! 13[IKE] Sk_d secret => 32 bytes @ …
//! ```
//!
//! followed by `Sk_ai`/`Sk_ar` (absent for AEAD ciphers, RFC 5282 §7), `Sk_ei`, `Sk_er`
//! (with the 4-byte salt for AES-GCM), `Sk_pi`, `Sk_pr`; for each CHILD_SA `seed` (Ni | Nr
//! without PFS, RFC 7296 §2.17), `encryption initiator key`, `encryption responder key` and,
//! for non-AEAD ESP, `integrity initiator key`, `integrity responder key`. charon does not
//! print Ni, Nr or the SPIs as such: take them from the capture (`tshark::ike_sa_init_nonces`)
//! or `swanctl --list-sas`.
//!
//! At `enc >= 1` charon also logs each message it builds or parses:
//! `11[ENC] generating IKE_AUTH request 1 [ IDi N(INIT_CONTACT) IDr AUTH CPRQ(ADDR) SA TSi TSr ]`
//! (for encrypted messages the list is the inner payloads).

use crate::interop::error::{InteropError, Result};

/// The thread, subsystem and text of a log line `13[IKE] text`.
fn split_line(line: &str) -> Option<(&str, &str, &str)> {
    let (prefix, text) = line.split_once("] ")?;
    let (thread, subsystem) = prefix.split_once('[')?;
    if thread.is_empty() || !thread.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((thread, subsystem, text))
}

/// One labelled hex dump (`label => N bytes @ 0x…` and its dump lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HexDump {
    /// 1-based line number of the header line.
    pub line: usize,
    /// charon's thread number.
    pub thread: String,
    /// Subsystem (`IKE`, `CHD`, `ENC`, `NET`, …).
    pub subsystem: String,
    /// The text before ` => `.
    pub label: String,
    /// The dumped bytes.
    pub bytes: Vec<u8>,
}

/// Every labelled hex dump in a charon file log, in order.
pub fn hex_dumps(log: &str) -> Result<Vec<HexDump>> {
    let err = |line: usize, detail: String| {
        InteropError::parse("charon log", format!("line {line}: {detail}"))
    };
    let mut dumps = Vec::new();
    let mut lines = log.lines().enumerate().peekable();
    while let Some((index, line)) = lines.next() {
        let Some((thread, subsystem, text)) = split_line(line) else {
            continue;
        };
        let Some((label, size)) = text.rsplit_once(" => ") else {
            continue;
        };
        let Some((count, _address)) = size.split_once(" bytes @ ") else {
            continue;
        };
        let Ok(count) = count.parse::<usize>() else {
            continue;
        };
        let mut bytes = Vec::with_capacity(count);
        while bytes.len() < count {
            let Some((dump_index, dump_line)) = lines.next() else {
                return Err(err(
                    index + 1,
                    format!("log ends inside the dump of {label:?}"),
                ));
            };
            let row = split_line(dump_line)
                .filter(|(t, s, _)| *t == thread && *s == subsystem)
                .map(|(_, _, row)| row)
                .ok_or_else(|| err(dump_index + 1, format!("expected a dump line of {label:?}")))?;
            let (offset, rest) = row
                .trim_start()
                .split_once(": ")
                .ok_or_else(|| err(dump_index + 1, format!("no offset in dump line {row:?}")))?;
            if offset.parse::<usize>().ok() != Some(bytes.len()) {
                return Err(err(
                    dump_index + 1,
                    format!("dump offset {offset} where {} was expected", bytes.len()),
                ));
            }
            let wanted = (count - bytes.len()).min(16);
            let before = bytes.len();
            for token in rest.split_whitespace().take(wanted) {
                let byte = (token.len() == 2)
                    .then(|| u8::from_str_radix(token, 16).ok())
                    .flatten()
                    .ok_or_else(|| err(dump_index + 1, format!("{token:?} is not a hex byte")))?;
                bytes.push(byte);
            }
            if bytes.len() - before != wanted {
                return Err(err(dump_index + 1, "short dump line".to_owned()));
            }
        }
        dumps.push(HexDump {
            line: index + 1,
            thread: thread.to_owned(),
            subsystem: subsystem.to_owned(),
            label: label.to_owned(),
            bytes,
        });
    }
    Ok(dumps)
}

/// The secrets charon printed for one IKE_SA key derivation (RFC 7296 §2.14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IkeKeyLog {
    /// 1-based log line of the `shared Diffie Hellman secret` dump.
    pub line: usize,
    /// g^ir, the shared Diffie-Hellman secret.
    pub shared_secret: Vec<u8>,
    /// SKEYSEED = prf(Ni | Nr, g^ir).
    pub skeyseed: Vec<u8>,
    /// SK_d.
    pub sk_d: Vec<u8>,
    /// SK_ai; `None` when charon printed none (AEAD: no integrity key, RFC 5282 §7).
    pub sk_ai: Option<Vec<u8>>,
    /// SK_ar; `None` for AEAD.
    pub sk_ar: Option<Vec<u8>>,
    /// SK_ei (key plus salt for AEAD, RFC 5282 §7.1).
    pub sk_ei: Vec<u8>,
    /// SK_er.
    pub sk_er: Vec<u8>,
    /// SK_pi.
    pub sk_pi: Vec<u8>,
    /// SK_pr.
    pub sk_pr: Vec<u8>,
}

impl IkeKeyLog {
    /// Same secrets, wherever in which log they were printed (`line` is ignored).
    pub fn same_secrets(&self, other: &Self) -> bool {
        Self {
            line: 0,
            ..self.clone()
        } == Self {
            line: 0,
            ..other.clone()
        }
    }
}

/// Every IKE key derivation in the log (the initial one first, then rekeys), each one read
/// from the dumps of a single charon thread between `shared Diffie Hellman secret` and
/// `Sk_pr secret`.
pub fn ike_key_logs(log: &str) -> Result<Vec<IkeKeyLog>> {
    let dumps = hex_dumps(log)?;
    let mut found = Vec::new();
    for (start, first) in dumps.iter().enumerate() {
        if first.subsystem != "IKE" || first.label != "shared Diffie Hellman secret" {
            continue;
        }
        let mut labelled = std::collections::HashMap::new();
        for dump in dumps[start + 1..]
            .iter()
            .filter(|d| d.thread == first.thread && d.subsystem == "IKE")
        {
            if dump.label == "shared Diffie Hellman secret" {
                break;
            }
            labelled.entry(dump.label.as_str()).or_insert(&dump.bytes);
            if dump.label == "Sk_pr secret" {
                break;
            }
        }
        let take = |label: &str| -> Result<Vec<u8>> {
            labelled.get(label).map(|b| (*b).clone()).ok_or_else(|| {
                InteropError::parse(
                    "charon log",
                    format!(
                        "key derivation at line {} has no `{label}` dump (is ike = 4?)",
                        first.line
                    ),
                )
            })
        };
        found.push(IkeKeyLog {
            line: first.line,
            shared_secret: first.bytes.clone(),
            skeyseed: take("SKEYSEED")?,
            sk_d: take("Sk_d secret")?,
            sk_ai: labelled.get("Sk_ai secret").map(|b| (*b).clone()),
            sk_ar: labelled.get("Sk_ar secret").map(|b| (*b).clone()),
            sk_ei: take("Sk_ei secret")?,
            sk_er: take("Sk_er secret")?,
            sk_pi: take("Sk_pi secret")?,
            sk_pr: take("Sk_pr secret")?,
        });
    }
    Ok(found)
}

/// The key material charon printed for one CHILD_SA (RFC 7296 §2.17).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildKeyLog {
    /// 1-based log line of the `seed` dump.
    pub line: usize,
    /// The prf+ seed: Ni | Nr (with PFS, g^ir (new) | Ni | Nr).
    pub seed: Vec<u8>,
    /// Encryption key (plus salt for AEAD) of the initiator-to-responder SA.
    pub encr_i: Vec<u8>,
    /// Encryption key of the responder-to-initiator SA.
    pub encr_r: Vec<u8>,
    /// Integrity key, initiator to responder; `None` for AEAD.
    pub integ_i: Option<Vec<u8>>,
    /// Integrity key, responder to initiator; `None` for AEAD.
    pub integ_r: Option<Vec<u8>>,
}

impl ChildKeyLog {
    /// Same seed and keys, wherever in which log they were printed (`line` is ignored).
    pub fn same_secrets(&self, other: &Self) -> bool {
        Self {
            line: 0,
            ..self.clone()
        } == Self {
            line: 0,
            ..other.clone()
        }
    }
}

/// Every CHILD_SA key derivation in the log, in order.
pub fn child_key_logs(log: &str) -> Result<Vec<ChildKeyLog>> {
    let dumps = hex_dumps(log)?;
    let mut found = Vec::new();
    for (start, first) in dumps.iter().enumerate() {
        if first.subsystem != "CHD" || first.label != "seed" {
            continue;
        }
        let mut labelled = std::collections::HashMap::new();
        for dump in dumps[start + 1..]
            .iter()
            .filter(|d| d.thread == first.thread && d.subsystem == "CHD")
        {
            if dump.label == "seed" {
                break;
            }
            labelled.entry(dump.label.as_str()).or_insert(&dump.bytes);
        }
        let take = |label: &str| -> Result<Vec<u8>> {
            labelled.get(label).map(|b| (*b).clone()).ok_or_else(|| {
                InteropError::parse(
                    "charon log",
                    format!(
                        "CHILD_SA keys at line {} have no `{label}` dump",
                        first.line
                    ),
                )
            })
        };
        found.push(ChildKeyLog {
            line: first.line,
            seed: first.bytes.clone(),
            encr_i: take("encryption initiator key")?,
            encr_r: take("encryption responder key")?,
            integ_i: labelled
                .get("integrity initiator key")
                .map(|b| (*b).clone()),
            integ_r: labelled
                .get("integrity responder key")
                .map(|b| (*b).clone()),
        });
    }
    Ok(found)
}

/// One `generating …`/`parsed …` line: a message charon built or received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharonMessageLine {
    /// 1-based log line.
    pub line: usize,
    /// `true` for `generating` (sent), `false` for `parsed` (received).
    pub generated: bool,
    /// Exchange name as charon prints it (`IKE_SA_INIT`, `IKE_AUTH`, `INFORMATIONAL`, …).
    pub exchange: String,
    /// `true` for a response.
    pub response: bool,
    /// Message ID.
    pub message_id: u32,
    /// charon's short payload names, inner payloads for encrypted messages
    /// (`SA`, `KE`, `No`, `N(NATD_S_IP)`, `CPRQ(ADDR)`, `EF(1/2)`, …).
    pub payloads: Vec<String>,
}

impl CharonMessageLine {
    /// The exchange type number (RFC 7296 §3.1 and the IANA registry), if charon's name is known.
    pub fn exchange_type(&self) -> Option<u8> {
        exchange_type_of(&self.exchange)
    }

    /// The payload type numbers of [`Self::payloads`] (RFC 7296 §3.2), failing on a name this
    /// table does not know.
    pub fn payload_types(&self) -> Result<Vec<u8>> {
        self.payloads
            .iter()
            .map(|name| {
                payload_type_of(name).ok_or_else(|| {
                    InteropError::parse(
                        "charon log",
                        format!("line {}: unknown payload name {name:?}", self.line),
                    )
                })
            })
            .collect()
    }
}

/// Exchange type number of charon's exchange name.
pub fn exchange_type_of(name: &str) -> Option<u8> {
    Some(match name {
        "IKE_SA_INIT" => 34,
        "IKE_AUTH" => 35,
        "CREATE_CHILD_SA" => 36,
        "INFORMATIONAL" => 37,
        "IKE_SESSION_RESUME" => 38,
        "IKE_INTERMEDIATE" => 43,
        "IKE_FOLLOWUP_KE" => 44,
        _ => return None,
    })
}

/// IKEv2 payload type number of one of charon's short payload names (strongSwan's
/// `payload_type_short_names`, plus the `CPRQ`/`CPRP`/`CPS`/`CPA` forms its message summary uses
/// for Configuration payloads).
pub fn payload_type_of(name: &str) -> Option<u8> {
    let base = name.split(['(', '/']).next().unwrap_or(name);
    Some(match base {
        "SA" => 33,
        "KE" => 34,
        "IDi" => 35,
        "IDr" => 36,
        "CERT" => 37,
        "CERTREQ" => 38,
        "AUTH" => 39,
        "No" => 40,
        "N" => 41,
        "D" => 42,
        "V" => 43,
        "TSi" => 44,
        "TSr" => 45,
        "E" => 46,
        "CP" | "CPRQ" | "CPRP" | "CPS" | "CPA" => 47,
        "EAP" => 48,
        "GSPM" => 49,
        "EF" => 53,
        _ => return None,
    })
}

/// Every `generating`/`parsed` message line in the log, in order.
pub fn message_lines(log: &str) -> Result<Vec<CharonMessageLine>> {
    let mut found = Vec::new();
    for (index, line) in log.lines().enumerate() {
        let Some((_, "ENC", text)) = split_line(line) else {
            continue;
        };
        let (generated, rest) = if let Some(rest) = text.strip_prefix("generating ") {
            (true, rest)
        } else if let Some(rest) = text.strip_prefix("parsed ") {
            (false, rest)
        } else {
            continue;
        };
        let err = |detail: &str| {
            InteropError::parse(
                "charon log",
                format!("line {}: {detail}: {text:?}", index + 1),
            )
        };
        let (head, list) = rest
            .split_once(" [")
            .ok_or_else(|| err("no payload list"))?;
        let mut words = head.split_whitespace();
        let exchange = words.next().ok_or_else(|| err("no exchange"))?;
        let response = match words.next() {
            Some("request") => false,
            Some("response") => true,
            _ => return Err(err("neither request nor response")),
        };
        let message_id = words
            .next()
            .and_then(|m| m.parse().ok())
            .ok_or_else(|| err("no message ID"))?;
        let list = list
            .strip_suffix(']')
            .ok_or_else(|| err("payload list not closed"))?;
        found.push(CharonMessageLine {
            line: index + 1,
            generated,
            exchange: exchange.to_owned(),
            response,
            message_id,
            payloads: split_payload_list(list),
        });
    }
    Ok(found)
}

/// Splits `SA KE N(A B) CPRQ(ADDR DNS)` at spaces outside parentheses.
fn split_payload_list(list: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    for c in list.chars() {
        match c {
            '(' => {
                depth += 1;
                current.push(c);
            }
            ')' => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            ' ' if depth == 0 => {
                if !current.is_empty() {
                    items.push(std::mem::take(&mut current));
                }
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        items.push(current);
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines in the shape charon 5.9.8 writes at `ike = 4` (byte values are arbitrary).
    const LOG: &str = "\
13[IKE] remote host is behind NAT
13[IKE] shared Diffie Hellman secret => 20 bytes @ 0x7ff7c4005d60
13[IKE]    0: DA 8E D0 5E FB 8D 5F FD 2E B6 68 F9 8F 37 A4 85  ...^.._...h..7..
13[IKE]   16: 19 31 C9 4B                                      .1.K
11[NET] sending packet: from 192.0.2.2[500] to 192.0.2.1[500]
13[IKE] SKEYSEED => 2 bytes @ 0x1
13[IKE]    0: 12 59                                            .Y
13[IKE] Sk_d secret => 2 bytes @ 0x2
13[IKE]    0: 20 5F                                             _
13[IKE] Sk_ei secret => 3 bytes @ 0x3
13[IKE]    0: 94 F7 2F                                         ../
13[IKE] Sk_er secret => 1 bytes @ 0x4
13[IKE]    0: 0F                                               .
13[IKE] Sk_pi secret => 1 bytes @ 0x5
13[IKE]    0: 8B                                               .
13[IKE] Sk_pr secret => 1 bytes @ 0x6
13[IKE]    0: A1                                               .
13[ENC] generating IKE_AUTH request 1 [ IDi N(INIT_CONTACT) IDr AUTH CPRQ(ADDR DNS) SA TSi TSr ]
11[CHD] seed => 2 bytes @ 0x7
11[CHD]    0: 25 3F                                            %?
11[CHD] encryption initiator key => 1 bytes @ 0x8
11[CHD]    0: 4D                                               M
11[CHD] encryption responder key => 1 bytes @ 0x9
11[CHD]    0: FD                                               .
04[ENC] parsed INFORMATIONAL response 2 [ ]
";

    #[test]
    fn hex_dumps_span_lines_and_ignore_the_ascii_column() {
        let dumps = hex_dumps(LOG).unwrap();
        assert_eq!(dumps[0].label, "shared Diffie Hellman secret");
        assert_eq!(dumps[0].line, 2);
        assert_eq!(dumps[0].bytes.len(), 20);
        assert_eq!(dumps[0].bytes[..2], [0xda, 0x8e]);
        assert_eq!(dumps[0].bytes[16..], [0x19, 0x31, 0xc9, 0x4b]);
    }

    #[test]
    fn ike_keys_are_collected_and_aead_has_no_integrity_keys() {
        let keys = ike_key_logs(LOG).unwrap();
        assert_eq!(keys.len(), 1);
        let k = &keys[0];
        assert_eq!(k.skeyseed, vec![0x12, 0x59]);
        assert_eq!(k.sk_d, vec![0x20, 0x5f]);
        assert_eq!(k.sk_ai, None);
        assert_eq!(k.sk_ar, None);
        assert_eq!(k.sk_ei, vec![0x94, 0xf7, 0x2f]);
        assert_eq!(k.sk_pr, vec![0xa1]);
    }

    #[test]
    fn child_keys_are_collected() {
        let keys = child_key_logs(LOG).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].seed, vec![0x25, 0x3f]);
        assert_eq!(keys[0].encr_i, vec![0x4d]);
        assert_eq!(keys[0].encr_r, vec![0xfd]);
        assert_eq!(keys[0].integ_i, None);
    }

    #[test]
    fn a_missing_key_is_an_error_not_an_empty_value() {
        let without_skeyseed = LOG.replace("SKEYSEED", "SOMETHING");
        assert!(ike_key_logs(&without_skeyseed).is_err());
    }

    #[test]
    fn a_truncated_dump_is_an_error() {
        let truncated = "13[IKE] SKEYSEED => 20 bytes @ 0x1\n13[IKE]    0: 12 59\n";
        assert!(hex_dumps(truncated).is_err());
    }

    #[test]
    fn message_lines_give_exchange_direction_id_and_payload_numbers() {
        let lines = message_lines(LOG).unwrap();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].generated);
        assert_eq!(lines[0].exchange_type(), Some(35));
        assert!(!lines[0].response);
        assert_eq!(lines[0].message_id, 1);
        assert_eq!(lines[0].payloads[4], "CPRQ(ADDR DNS)");
        assert_eq!(
            lines[0].payload_types().unwrap(),
            vec![35, 41, 36, 39, 47, 33, 44, 45]
        );
        assert!(!lines[1].generated && lines[1].response);
        assert!(lines[1].payloads.is_empty());
    }
}
