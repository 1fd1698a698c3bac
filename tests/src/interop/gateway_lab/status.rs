//! `ikelab status` read back: the IKE SAs in `swanctl --list-sas`'s shape and the
//! tunnel's counters.
//!
//! ```text
//! rw: #1, ESTABLISHED, IKEv2, 8c2f0e6a1b3d5f70_i 41d2c6e8a0b9f315_r*
//!   local  'gw.example' @ 192.0.2.1[4500]
//!   remote 'alice.example' @ 192.0.2.11[4500] [203.0.113.129]
//!   AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519
//!   net: #1, INSTALLED, TUNNEL, ESP-in-UDP:AES_GCM_16-256
//!     in  c1a2b3c4,    840 bytes,    10 packets
//!     out ca5b6c7d,    840 bytes,    10 packets
//! tunnel ikelab0:
//!   3 dropped between clients (…)
//! ```

/// One IKE SA of `ikelab status`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusIkeSa {
    /// The connection it was made with (the line's first word).
    pub connection: String,
    /// `ESTABLISHED`, `CONNECTING`, …
    pub state: String,
    /// The peer's identity.
    pub remote_id: String,
    /// The peer's address and port as `ADDR[PORT]`.
    pub remote_endpoint: String,
    /// The peer's virtual IPs.
    pub remote_vips: Vec<String>,
    /// Its CHILD SAs.
    pub children: Vec<StatusChildSa>,
}

/// One CHILD SA of `ikelab status`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusChildSa {
    /// Its configuration's name.
    pub name: String,
    /// `ESP-in-UDP` (RFC 3948) rather than plain `ESP`.
    pub udp_encap: bool,
    /// Packets received.
    pub packets_in: u64,
    /// Packets sent.
    pub packets_out: u64,
}

impl StatusIkeSa {
    /// The peer's address (the endpoint without its port).
    pub fn remote_addr(&self) -> &str {
        self.remote_endpoint
            .split('[')
            .next()
            .unwrap_or(&self.remote_endpoint)
    }
}

/// The IKE SAs `text` lists, in order.
pub fn parse_status(text: &str) -> Vec<StatusIkeSa> {
    let mut sas: Vec<StatusIkeSa> = Vec::new();
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        if indent == 0 && trimmed.contains(", IKEv2, ") {
            let (connection, rest) = trimmed.split_once(": #").unwrap_or((trimmed, ""));
            sas.push(StatusIkeSa {
                connection: connection.to_owned(),
                state: rest.split(", ").nth(1).unwrap_or("").to_owned(),
                ..StatusIkeSa::default()
            });
            continue;
        }
        if indent == 0 && !sas.is_empty() {
            // `tunnel …:` and what follows belong to no SA.
            break;
        }
        let Some(sa) = sas.last_mut() else { continue };
        if let Some(rest) = trimmed.strip_prefix("remote '") {
            let (id, rest) = rest.split_once("' @ ").unwrap_or((rest, ""));
            sa.remote_id = id.to_owned();
            let mut words = rest.split_whitespace();
            sa.remote_endpoint = words.next().unwrap_or("").to_owned();
            sa.remote_vips = words
                .map(|w| w.trim_matches(|c| c == '[' || c == ']').to_owned())
                .filter(|w| !w.is_empty())
                .collect();
        } else if indent == 2 && trimmed.contains(", INSTALLED, ") {
            let (name, rest) = trimmed.split_once(": #").unwrap_or((trimmed, ""));
            sa.children.push(StatusChildSa {
                name: name.to_owned(),
                udp_encap: rest.contains("ESP-in-UDP:"),
                ..StatusChildSa::default()
            });
        } else if let Some(child) = sa.children.last_mut() {
            if let Some(counts) = trimmed.strip_prefix("in ") {
                child.packets_in = packets(counts);
            } else if let Some(counts) = trimmed.strip_prefix("out ") {
                child.packets_out = packets(counts);
            }
        }
    }
    sas
}

/// `N packets` of a counter line's rest (`c1a2b3c4,    840 bytes,    10 packets`).
fn packets(counts: &str) -> u64 {
    counts
        .split(',')
        .find_map(|part| part.trim().strip_suffix(" packets")?.trim().parse().ok())
        .unwrap_or(0)
}

/// The tunnel's `N dropped between clients` count, if the status has the line.
pub fn dropped_between_clients(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.trim().split_once(" dropped between clients"))
        .and_then(|(count, _)| count.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "\
rw: #1, ESTABLISHED, IKEv2, 8c2f0e6a1b3d5f70_i 41d2c6e8a0b9f315_r*
  local  'gw.example' @ 192.0.2.1[4500]
  remote 'alice.example' @ 192.0.2.11[4500] [203.0.113.129]
  AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519
  established 3s ago, rekeying in 13950s
  net: #1, INSTALLED, TUNNEL, ESP-in-UDP:AES_GCM_16-256
    installed 3s ago, rekeying in 3130s, expires in 3588s
    in  c1a2b3c4,    840 bytes,    10 packets
    out ca5b6c7d,    840 bytes,    12 packets
    local  203.0.113.0/25
    remote 203.0.113.129/32
c: #2, ESTABLISHED, IKEv2, 1111111111111111_i 2222222222222222_r*
  local  'gw.example' @ 192.0.2.1[500]
  remote 'carol.example' @ 192.0.2.13[500] [203.0.113.130]
  net: #2, INSTALLED, TUNNEL, ESP:AES_GCM_16-256
    in  c1a2b3c5,      0 bytes,     0 packets
    out ca5b6c7e,      0 bytes,     0 packets
tunnel ikelab0:
  route 203.0.113.129/32 dev ikelab0
  packets: 10 sent, 12 received, 0 dropped as covered by no CHILD SA, 0 device or socket errors
  3 dropped between clients (each client reaches the gateway's networks, not the other clients)
";

    #[test]
    fn sas_children_and_counters_are_read() {
        let sas = parse_status(STATUS);
        assert_eq!(sas.len(), 2);
        let rw = &sas[0];
        assert_eq!(
            (rw.connection.as_str(), rw.state.as_str()),
            ("rw", "ESTABLISHED")
        );
        assert_eq!(rw.remote_id, "alice.example");
        assert_eq!(rw.remote_addr(), "192.0.2.11");
        assert_eq!(rw.remote_vips, ["203.0.113.129"]);
        assert_eq!(rw.children.len(), 1);
        assert!(rw.children[0].udp_encap);
        assert_eq!(
            (rw.children[0].packets_in, rw.children[0].packets_out),
            (10, 12)
        );
        assert_eq!(sas[1].connection, "c");
        assert!(!sas[1].children[0].udp_encap);
        assert_eq!(dropped_between_clients(STATUS), Some(3));
    }

    #[test]
    fn no_sa_is_an_empty_list() {
        assert!(parse_status("no IKE SA\ntunnel ikelab0:\n").is_empty());
        assert_eq!(dropped_between_clients("no IKE SA\n"), None);
    }
}
