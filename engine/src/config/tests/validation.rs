//! Every check of `validate` / `validate_for`, with its path and a sentence.

use super::{DESIGN_EXAMPLE, parse, problems};
use crate::config::{ConfigErrors, Role};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// A valid PSK initiator to break one key at a time.
const BASE: &str = r#"
remote_addrs = ["192.0.2.1"]
[local]
auth = "psk"
[remote]
auth = "psk"
[secrets]
psk = "s3cret"
"#;

/// `BASE` with `top` inserted before its tables and `tables` after them.
fn with(top: &str, tables: &str) -> String {
    format!("{top}\n{BASE}\n{tables}")
}

/// Asserts that validating `config` for `role` reports exactly `expected`
/// (path, a word of the message) problems.
fn expect(text: &str, role: Option<Role>, expected: &[(&str, &str)]) -> ConfigErrors {
    let errors = problems(&parse(text), role);
    assert_eq!(
        errors.len(),
        expected.len(),
        "expected {expected:?}, got:\n{errors}\n---\n{text}"
    );
    for (path, words) in expected {
        let found = errors.iter().find(|e| e.path == *path);
        let Some(found) = found else {
            panic!("no problem at {path}, got:\n{errors}");
        };
        assert!(
            found.message.contains(words),
            "{path}: {:?} lacks {words:?}",
            found.message
        );
    }
    errors
}

#[test]
fn base_is_valid() {
    expect(BASE, Some(Role::Initiator), &[]);
    expect(BASE, Some(Role::Responder), &[]);
}

#[test]
fn version() {
    expect(
        &with("version = 1", ""),
        None,
        &[("version", "IKEv1 is not implemented")],
    );
    expect(
        &with("version = 3", ""),
        None,
        &[("version", "not an IKE version")],
    );
    expect(&with("version = 2", ""), None, &[]);
}

#[test]
fn addresses() {
    expect(
        &with(
            "local_addrs = [\"vpn.example.org\", \"192.0.2.0/33\", \"%any\"]",
            "",
        ),
        None,
        &[
            ("local_addrs[0]", "is a DNS name"),
            ("local_addrs[1]", "prefix length"),
        ],
    );
    expect(
        &with("local_addrs = []", ""),
        None,
        &[("local_addrs", "is empty")],
    );
    expect(
        &with("local_port = 0", ""),
        None,
        &[("local_port", "port 0")],
    );
}

#[test]
fn initiator_needs_a_single_remote_address() {
    let text = BASE.replace(
        "remote_addrs = [\"192.0.2.1\"]",
        "remote_addrs = [\"192.0.2.0/24\", \"%any\"]",
    );
    expect(
        &text,
        Some(Role::Initiator),
        &[("remote_addrs", "an initiator needs one single address")],
    );
    expect(&text, Some(Role::Responder), &[]);
    expect(&text, None, &[]);
}

#[test]
fn proposals_are_checked_by_the_proposal_parser() {
    let errors = expect(
        &with(
            "proposals = [\"aes256gcm16-prfsha256-x25519\", \"aes256-sha265-modp2048\", \"aes128-sha256-modp2048,aes128-sha1-modp1024\"]",
            "",
        ),
        None,
        &[
            ("proposals[1]", "sha265"),
            ("proposals[2]", "several proposals"),
        ],
    );
    assert!(errors.to_string().contains("proposals[1]: "), "{errors}");
    expect(
        &with("proposals = []", ""),
        None,
        &[("proposals", "is empty")],
    );
    expect(
        &with(
            "",
            "[children.net]\nesp_proposals = [\"aes256gcm16\", \"aes128-bogus\"]\n",
        ),
        None,
        &[("children.net.esp_proposals[1]", "bogus")],
    );
}

#[test]
fn pools_must_exist_and_not_overlap() {
    let responder = r#"
pools = ["vpool", "missing", "vpool"]
[ip_pools.vpool]
addrs = "10.3.0.0/24"
[ip_pools.other]
addrs = "10.3.0.128-10.3.1.10"
nbns = ["10.1.0.9", "2001:db8::9"]
"#;
    expect(
        responder,
        Some(Role::Responder),
        &[
            (
                "pools[1]",
                "not defined as [ip_pools.missing] (defined pools: vpool, other)",
            ),
            ("pools[2]", "listed twice"),
            ("ip_pools.other.addrs", "overlaps pool \"vpool\""),
            ("ip_pools.other.nbns[1]", "INTERNAL_IP4_NBNS"),
        ],
    );
    expect(
        &with("pools = [\"p\"]", ""),
        None,
        &[("pools[0]", "no [ip_pools.*] section is defined")],
    );
}

#[test]
fn role_checks() {
    expect(
        &with("vips = [\"0.0.0.0\"]", ""),
        Some(Role::Responder),
        &[("vips", "only an initiator")],
    );
    expect(
        &with("vips = [\"0.0.0.0\", \"::\"]", ""),
        Some(Role::Initiator),
        &[],
    );
    let text = with("pools = [\"p\"]", "[ip_pools.p]\naddrs = \"10.3.0.0/24\"\n");
    expect(
        &text,
        Some(Role::Initiator),
        &[("pools", "only a responder")],
    );
    expect(&text, Some(Role::Responder), &[]);
}

#[test]
fn ike_lifetimes() {
    expect(
        &with("rekey_time = \"1h\"\nrand_time = \"1h\"", ""),
        None,
        &[("rand_time", "must be shorter than rekey_time")],
    );
    expect(
        &with(
            "rekey_time = \"0s\"\nreauth_time = \"30m\"\nrand_time = \"45m\"",
            "",
        ),
        None,
        &[("rand_time", "must be shorter than reauth_time")],
    );
    // Rekeying disabled: rand_time has nothing to shorten.
    expect(
        &with("rekey_time = \"0s\"\nrand_time = \"1h\"", ""),
        None,
        &[],
    );
}

#[test]
fn retransmit() {
    expect(
        &with(
            "",
            "[retransmit]\ntimeout = \"0s\"\nbase = 0.5\njitter = 150\n",
        ),
        None,
        &[
            ("retransmit.timeout", "longer than 0"),
            ("retransmit.base", "at least 1.0"),
            ("retransmit.jitter", "at most 100"),
        ],
    );
    expect(
        &with("", "[retransmit]\nbase = inf\n"),
        None,
        &[("retransmit.base", "at least 1.0")],
    );
}

#[test]
fn identities_we_cannot_send() {
    for (id, words) in [
        ("%any", "matches anyone"),
        ("*.example.org", "wildcard"),
        ("CN=*", "wildcard"),
        ("asn1gn:#3000", "ID_DER_ASN1_GN"),
    ] {
        let text = BASE.replace("[local]\n", &format!("[local]\nid = \"{id}\"\n"));
        expect(&text, None, &[("local.id", words)]);
    }
    let text = BASE.replace("[remote]\n", "[remote]\nid = \"*.example.org\"\n");
    expect(&text, None, &[]);
}

#[test]
fn psk_needs_a_secret() {
    let no_secret = BASE.replace("[secrets]\npsk = \"s3cret\"\n", "");
    expect(&no_secret, None, &[("secrets", "local.auth is \"psk\"")]);
    let remote_only =
        no_secret.replace("[local]\nauth = \"psk\"\n", "[local]\nauth = \"pubkey\"\n");
    expect(&remote_only, None, &[("secrets", "remote.auth is \"psk\"")]);
    let both = BASE.replace(
        "psk = \"s3cret\"",
        "psk = \"s3cret\"\npsk_file = \"/etc/psk\"",
    );
    expect(&both, None, &[("secrets", "not both")]);
    let empty = BASE.replace("psk = \"s3cret\"", "psk = \"\"");
    expect(&empty, None, &[("secrets.psk", "empty")]);
    let empty_file = BASE.replace("psk = \"s3cret\"", "psk_file = \"  \"");
    expect(&empty_file, None, &[("secrets.psk_file", "is empty")]);
    // Certificates and EAP need no PSK.
    let pubkey = no_secret.replace("auth = \"psk\"", "auth = \"pubkey\"");
    expect(&pubkey, None, &[]);
}

#[test]
fn children() {
    let text = with(
        "",
        r#"
[children.net]
local_ts = []
remote_ts = ["10.1.0.0/24", "10.2.0.0/16[any/80]", "10.3.0.0/16[gre/1-2]", "10.4.0.0/16[udp/53]"]
life_time = "30m"
rand_time = "2h"
rekey_bytes = "1M"
life_bytes = 1000
rekey_packets = 100
rand_packets = 100
"#,
    );
    expect(
        &text,
        None,
        &[
            ("children.net.local_ts", "is empty"),
            ("children.net.remote_ts[1]", "any protocol has no ports"),
            ("children.net.remote_ts[2]", "protocol 47 has no ports"),
            ("children.net.life_time", "must be more than rekey_time"),
            ("children.net.rand_time", "must be less than rekey_time"),
            ("children.net.life_bytes", "must be more than rekey_bytes"),
            (
                "children.net.rand_packets",
                "must be less than rekey_packets",
            ),
        ],
    );
    expect(
        &with("", "[children.\"\"]\n"),
        None,
        &[("children", "needs a name")],
    );
    expect(
        &with("", "[children.net]\nesp_proposals = []\n"),
        None,
        &[("children.net.esp_proposals", "is empty")],
    );
}

#[test]
fn all_problems_are_reported_at_once_in_key_order() {
    let text = r#"
version = 1
local_addrs = ["gw.example"]
proposals = ["nonsense"]
[retransmit]
base = 0.0
[local]
auth = "psk"
id = "%any"
[children.net]
remote_ts = ["10.0.0.0/8[any/80]"]
"#;
    let errors = problems(&parse(text), Some(Role::Initiator));
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "version",
            "local_addrs[0]",
            "proposals[0]",
            "retransmit.base",
            "local.id",
            "secrets",
            "children.net.remote_ts[0]",
            "remote_addrs",
        ]
    );
    // Display: one "path: sentence" per line.
    assert_eq!(errors.to_string().lines().count(), paths.len());
}

#[test]
fn design_example_has_no_problem() {
    expect(DESIGN_EXAMPLE, Some(Role::Initiator), &[]);
}
