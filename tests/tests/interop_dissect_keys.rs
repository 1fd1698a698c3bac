//! `ikelab dissect --keys DIR --json` on real strongSwan ↔ strongSwan captures, for both
//! suites the issues name (`aes256gcm16-prfsha256-x25519`, `aes128-sha256-modp2048`).
//! `DIR` is the Wireshark profile the harness writes from charon's own key log; with the
//! same profile tshark decrypts the same capture. Every SK payload tshark decrypts (ICV
//! correct) we decrypt too, with the same inner payload types; the IKE_AUTH request shows
//! IDi and IDr with the configured identities, AUTH, CPRQ (CP(CFG_REQUEST)), SA, TSi and TSr; the
//! response IDr, AUTH, CPRP (CP(CFG_REPLY)) with the virtual IP swanctl reports, SA, TSi and TSr;
//! every dissection keeps one leaf per octet, plaintexts included. With one key octet
//! changed, the initiator's messages stay encrypted with the ICV note and exit code 0.
//!
//! Interop layer: root, strongSwan, tcpdump and tshark; one test at a time. Build the
//! binary first (`cargo build -p ikelab-bridge`; cargo xtask test does).

use std::path::Path;

use ikelab_engine::wire::{Dissection, check_leaf_coverage};
use ikelab_tests::interop::pair::{INITIATOR_ID, PairRun, RESPONDER_ID, strongswan_pair_exchange};
use ikelab_tests::interop::tshark::{Tshark, TsharkIkeMessage};
use ikelab_tests::run_ikelab;
use serde_json::Value;

/// Payload types (RFC 7296 §3.2).
const SK: u8 = 46;
const IKE_AUTH: u8 = 35;

#[test]
fn aes256gcm16_prfsha256_x25519() {
    check_suite("dkgcm", "aes256gcm16-prfsha256-x25519", "aes256gcm16");
}

#[test]
fn aes128_sha256_modp2048() {
    check_suite("dkcbc", "aes128-sha256-modp2048", "aes128-sha256");
}

fn dissect_json(pcap: &Path, keys: &Path) -> Value {
    let out = run_ikelab([
        "dissect".as_ref(),
        pcap.as_os_str(),
        "--keys".as_ref(),
        keys.as_os_str(),
        "--json".as_ref(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "ikelab dissect --keys failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The IKE frames of the document, by frame number.
fn ike_frames(doc: &Value) -> Vec<(u64, &Value)> {
    doc["frames"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "ike")
        .map(|f| (f["frame"].as_u64().unwrap(), &f["ike"]))
        .collect()
}

/// Values of every field named `name`, in the message and inside decrypted blocks.
fn values_of(dissection: &Value, name: &str) -> Vec<String> {
    fn walk(fields: &Value, name: &str, out: &mut Vec<String>) {
        for field in fields.as_array().into_iter().flatten() {
            if field["name"] == name {
                out.push(field["value"].as_str().unwrap_or_default().to_owned());
            }
            walk(&field["children"], name, out);
            walk(&field["decrypted"]["fields"], name, out);
        }
    }
    let mut out = Vec::new();
    walk(&dissection["fields"], name, &mut out);
    out
}

fn u8s(value: &Value) -> Vec<u8> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|v| u8::try_from(v.as_u64().unwrap()).unwrap())
        .collect()
}

fn names(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

fn check_suite(tag: &str, ike: &str, esp: &str) {
    let run = strongswan_pair_exchange(tag, ike, esp).unwrap_or_else(|e| panic!("{e}"));
    let profile = run.wireshark_profile().unwrap_or_else(|e| panic!("{e}"));
    let keys = run.workdir.join("keys");
    profile.write(&keys).unwrap_or_else(|e| panic!("{e}"));
    let doc = dissect_json(&run.pcap, &keys);
    assert_eq!(doc["error"], Value::Null);
    let ours = ike_frames(&doc);
    let theirs = Tshark::with_profile(&keys)
        .ike_messages(&run.pcap)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ours.len(), theirs.len(), "{ike}: IKE message count");

    let mut decrypted = 0;
    for ((frame, m), t) in ours.iter().zip(&theirs) {
        assert_eq!(*frame, u64::from(t.frame));
        let dissection: Dissection = serde_json::from_value(m["dissection"].clone()).unwrap();
        assert_eq!(
            check_leaf_coverage(&dissection.fields, 0..dissection.length),
            Ok(()),
            "{ike}: frame {frame}"
        );
        if t.payload_types != [SK] {
            assert!(m.get("decryption").is_none(), "frame {frame}: {m}");
            continue;
        }
        assert_eq!(t.icv_correct, Some(true), "tshark: {t:#?}");
        let d = &m["decryption"];
        assert_eq!(d["decrypted"], true, "{ike}: frame {frame}: {d}");
        assert_eq!(d["error"], Value::Null, "{ike}: frame {frame}: {d}");
        assert_eq!(
            Some(u8s(&d["payloads"])),
            t.decrypted_payload_types,
            "{ike}: frame {frame}: ours vs tshark's inner payloads"
        );
        decrypted += 1;
    }
    // IKE_AUTH and the Delete, request and response each.
    assert!(decrypted >= 4, "{ike}: {decrypted} decrypted messages");

    check_ike_auth(&run, &ours, &theirs, ike);
    check_wrong_key(&run, &keys, ike);
}

/// The decrypted IKE_AUTH exchange: identities as configured, AUTH, SA, TS, and CP with
/// the virtual IP the gateway assigned (as swanctl lists it).
fn check_ike_auth(run: &PairRun, ours: &[(u64, &Value)], theirs: &[TsharkIkeMessage], ike: &str) {
    let vip = run.initiator_sas[0]
        .local_vips
        .first()
        .unwrap_or_else(|| panic!("{ike}: no virtual IP in {:#?}", run.initiator_sas))
        .clone();
    let auth = |response: bool| {
        let index = theirs
            .iter()
            .position(|t| t.exchange_type == IKE_AUTH && t.is_response() == response)
            .unwrap_or_else(|| panic!("{ike}: no IKE_AUTH response={response}"));
        ours[index].1
    };
    let request = auth(false);
    let response = auth(true);
    let request_names = names(&request["decryption"]["payload_names"]);
    for expected in ["IDi", "IDr", "AUTH", "CPRQ", "SA", "TSi", "TSr"] {
        assert!(
            request_names.iter().any(|n| names_payload(n, expected)),
            "{ike}: {expected} not in the request's {request_names:?}"
        );
    }
    let response_names = names(&response["decryption"]["payload_names"]);
    for expected in ["IDr", "AUTH", "CPRP", "SA", "TSi", "TSr"] {
        assert!(
            response_names.iter().any(|n| names_payload(n, expected)),
            "{ike}: {expected} not in the response's {response_names:?}"
        );
    }
    let quoted = |id: &str| format!("\"{id}\"");
    assert_eq!(
        values_of(&request["dissection"], "Identification Data"),
        [quoted(INITIATOR_ID), quoted(RESPONDER_ID)],
        "{ike}: IDi and IDr of the request"
    );
    assert_eq!(
        values_of(&response["dissection"], "Identification Data"),
        [quoted(RESPONDER_ID)],
        "{ike}: IDr of the response"
    );
    for m in [request, response] {
        let methods = values_of(&m["dissection"], "Auth Method");
        assert_eq!(methods.len(), 1, "{ike}: {methods:?}");
        assert!(methods[0].contains("(2)"), "{ike}: PSK MIC: {methods:?}");
        assert_eq!(values_of(&m["dissection"], "Authentication Data").len(), 1);
        assert!(!values_of(&m["dissection"], "Proposal").is_empty());
        assert!(!values_of(&m["dissection"], "Starting Address").is_empty());
    }
    let assigned = values_of(&response["dissection"], "Value");
    assert!(
        assigned.iter().any(|v| v.contains(&vip)),
        "{ike}: virtual IP {vip} not in CP values {assigned:?}"
    );
    // The response's TSi is the virtual IP alone.
    let starts = values_of(&response["dissection"], "Starting Address");
    assert!(starts.contains(&vip), "{ike}: {starts:?}");
}

/// One octet of the key that protects what the initiator sends (SK_ai with CBC + HMAC,
/// SK_ei with AEAD, as the interop pair test does for tshark): those messages stay
/// encrypted with the ICV note; the responder's still open. Exit code 0.
fn check_wrong_key(run: &PairRun, keys: &Path, ike: &str) {
    let mut broken = run.wireshark_profile().unwrap_or_else(|e| panic!("{e}"));
    match broken.ikev2[0].sk_ai.first_mut() {
        Some(first) => *first ^= 0x01,
        None => broken.ikev2[0].sk_ei[0] ^= 0x01,
    }
    let broken_dir = keys.with_file_name("broken-keys");
    broken.write(&broken_dir).unwrap_or_else(|e| panic!("{e}"));
    let doc = dissect_json(&run.pcap, &broken_dir);
    let (mut failed, mut opened) = (0, 0);
    for (frame, m) in ike_frames(&doc) {
        let Some(d) = m.get("decryption") else {
            continue;
        };
        if m["initiator"] == true {
            assert_eq!(d["decrypted"], false, "{ike}: frame {frame}: {d}");
            let note = d["note"].as_str().unwrap();
            assert!(
                note.starts_with("ICV check failed with the key table entry for SPIs 0x"),
                "{ike}: frame {frame}: {note}"
            );
            failed += 1;
        } else {
            assert_eq!(d["decrypted"], true, "{ike}: frame {frame}: {d}");
            opened += 1;
        }
    }
    assert!(
        failed >= 2 && opened >= 2,
        "{ike}: {failed} failed, {opened} opened"
    );
}

/// Whether a charon-style payload name (`SA`, `CPRQ(ADDR DNS)`) is the payload `short`.
fn names_payload(name: &str, short: &str) -> bool {
    name == short
        || name
            .strip_prefix(short)
            .is_some_and(|rest| rest.starts_with('('))
}
