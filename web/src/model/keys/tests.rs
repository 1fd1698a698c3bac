//! The Keys panel's model against real runs of the bundled scenarios, the bridge
//! session and traces with pieces missing.

use ikelab_engine::event::EventKind;
use ikelab_engine::sim::export::{KeyTables, key_tables};
use ikelab_engine::sim::{SimOptions, library, run_with};
use ikelab_engine::trace::{Entry, NetworkEvent, Trace};
use ikelab_engine::wire::IkeHeader;

use super::{IkeSaSchedule, Key, KeyKind, KeysModel, LinkRole, PeerKeys, Side};
use crate::model::Lab;

fn run(name: &str, seed: u64) -> Lab {
    Lab::simulate(name, seed).unwrap_or_else(|e| panic!("{e}"))
}

/// The cells of a downloaded table line (no cell of ours holds a comma; quotes off).
fn cells(line: &str) -> Vec<&str> {
    line.split(',').map(|c| c.trim_matches('"')).collect()
}

/// The `ikev2_decryption_table` line of an IKE SA, from the download's own tables.
fn ikev2_line<'a>(tables: &'a KeyTables, sa: &IkeSaSchedule) -> &'a str {
    let (spi_i, spi_r) = (sa.spi_i.as_deref(), sa.spi_r.as_deref());
    tables
        .ikev2
        .iter()
        .find(|line| {
            let c = cells(line);
            Some(c[0]) == spi_i && Some(c[1]) == spi_r
        })
        .unwrap_or_else(|| panic!("no line for {}: {tables:#?}", sa.title()))
}

/// The `esp_sa` line of packets carrying `spi`.
fn esp_line(tables: &KeyTables, spi: u32) -> &str {
    let spi = format!("0x{spi:08x}");
    tables
        .esp
        .iter()
        .find(|line| cells(line)[3] == spi)
        .unwrap_or_else(|| panic!("no esp_sa line for {spi}: {tables:#?}"))
}

fn find(sa: &IkeSaSchedule, kind: KeyKind) -> &Key {
    sa.steps
        .iter()
        .flat_map(|s| &s.outputs)
        .find(|k| k.kind == kind)
        .unwrap_or_else(|| panic!("{} has no {kind:?}: {sa:#?}", sa.title()))
}

fn peer<'a>(model: &'a KeysModel, name: &str) -> &'a PeerKeys {
    model
        .peers
        .iter()
        .find(|p| p.peer == name)
        .unwrap_or_else(|| panic!("no keys of {name}: {model:#?}"))
}

/// Every key agrees with the downloaded tables, and every link is a record of its
/// SA and direction; no SK message or ESP packet of an SA is left out.
fn check(trace: &Trace, model: &KeysModel) {
    let tables = key_tables(trace);
    for (p, sa, key) in model.keys() {
        assert_eq!(
            key.records.as_ref(),
            key.opens.iter().map(|l| l.record).collect::<Vec<_>>(),
            "{}: {}",
            p.peer,
            key.name
        );
        assert!(key.opens.is_empty() || key.kind.protects_traffic());
        assert!(key.salt_octets < key.octets().max(1), "{key:#?}");
        match key.kind {
            KeyKind::SkE(side) | KeyKind::SkA(side) => {
                let line = ikev2_line(&tables, sa);
                let column = match key.kind {
                    KeyKind::SkE(Side::Initiator) => 2,
                    KeyKind::SkE(Side::Responder) => 3,
                    KeyKind::SkA(Side::Initiator) => 5,
                    _ => 6,
                };
                assert_eq!(cells(line)[column], key.hex, "{}: {}", p.peer, key.name);
                let cell = key.table.as_ref().expect("a table cell");
                assert_eq!(
                    (cell.line.as_str(), cell.cell.as_str()),
                    (line, key.hex.as_str())
                );
                for link in &key.opens {
                    let record = &trace.records[link.record];
                    assert_eq!(record.peer, link.peer);
                    let (m, sent) = match record.event().map(|e| &e.kind) {
                        Some(EventKind::MessageSent(m)) => (m, true),
                        Some(EventKind::MessageReceived(m)) => (m, false),
                        other => panic!("{} links {other:?}", key.name),
                    };
                    assert!(m.encrypted, "{}", m.summary);
                    let header = IkeHeader::parse(&m.bytes).expect("a header").header;
                    assert_eq!(Side::of(header.is_initiator()), side, "{}", m.summary);
                    assert_eq!(sa.spi_i.as_deref(), Some(hex(&m.spi_i.0).as_str()));
                    assert_eq!(sa.spi_r.as_deref(), Some(hex(&m.spi_r.0).as_str()));
                    assert_eq!(link.role == LinkRole::Sealed, sent);
                    if sent {
                        // The sender is that end of the SA.
                        let sender = peer(model, &link.peer)
                            .ike_sas
                            .iter()
                            .find(|s| s.spi_i == sa.spi_i && s.spi_r == sa.spi_r)
                            .expect("the sender logged the SA's keys");
                        assert_eq!(sender.local, Some(side));
                    }
                }
            }
            KeyKind::EspEncr(side) | KeyKind::EspInteg(side) => {
                let child = sa
                    .children
                    .iter()
                    .find(|c| c.step.outputs.contains(key))
                    .and_then(|c| c.sa.as_ref())
                    .expect("a CHILD SA's key");
                let spi = match side {
                    Side::Initiator => child.spi_to_responder,
                    Side::Responder => child.spi_to_initiator,
                };
                if child.table_problem.is_none() {
                    let line = esp_line(&tables, spi);
                    let column = if matches!(key.kind, KeyKind::EspEncr(_)) {
                        5
                    } else {
                        7
                    };
                    let cell = key.table.as_ref().expect("a table cell");
                    assert_eq!(cells(line)[column], cell.cell);
                    assert_eq!(cell.line, line);
                    let expected = if key.hex.is_empty() {
                        String::new()
                    } else {
                        format!("0x{}", key.hex)
                    };
                    assert_eq!(cell.cell, expected);
                }
                for link in &key.opens {
                    let record = &trace.records[link.record];
                    let (on_packet, role) = match &record.entry {
                        Entry::Event(e) => match &e.kind {
                            EventKind::EspSealed(p) => (p.spi, LinkRole::Sealed),
                            EventKind::EspOpened(p) => (p.spi, LinkRole::Opened),
                            EventKind::EspDropped(d) => (d.spi, LinkRole::Refused),
                            other => panic!("{} links {other:?}", key.name),
                        },
                        Entry::Network(NetworkEvent::Transmit { datagram, .. }) => {
                            let payload = &datagram.payload;
                            let spi = u32::from_be_bytes(payload[..4].try_into().expect("an SPI"));
                            (spi, LinkRole::OnTheWire)
                        }
                        other => panic!("{} links {other:?}", key.name),
                    };
                    assert_eq!((on_packet, role), (spi, link.role), "{}", link.label);
                    if role == LinkRole::Sealed {
                        let sender = peer(model, &link.peer)
                            .ike_sas
                            .iter()
                            .flat_map(|s| &s.children)
                            .filter_map(|c| c.sa.as_ref())
                            .find(|c| c.spi_to_responder == child.spi_to_responder)
                            .expect("the sender logged the CHILD SA's keys");
                        assert_eq!(sender.local, side);
                    }
                }
            }
            _ => assert!(key.opens.is_empty(), "{key:#?}"),
        }
    }
    // Nothing left out: every SK message of a logged IKE SA is linked by its side's
    // SK_e (or, with ENCR keys empty, never the case for IKE, SK_a).
    for (index, record) in trace.records.iter().enumerate() {
        let m = match record.event().map(|e| &e.kind) {
            Some(EventKind::MessageSent(m) | EventKind::MessageReceived(m)) if m.encrypted => m,
            _ => continue,
        };
        let (spi_i, spi_r) = (hex(&m.spi_i.0), hex(&m.spi_r.0));
        let Some(header) = IkeHeader::parse(&m.bytes).ok() else {
            continue;
        };
        let side = Side::of(header.header.is_initiator());
        for (p, sa, key) in model.keys() {
            if sa.spi_i.as_deref() == Some(spi_i.as_str())
                && sa.spi_r.as_deref() == Some(spi_r.as_str())
                && key.kind == KeyKind::SkE(side)
            {
                assert!(
                    key.records.contains(&index),
                    "{}'s {} misses {} (record {index})",
                    p.peer,
                    key.name,
                    m.summary
                );
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    ikelab_engine::crypto::to_hex(bytes)
}

#[test]
fn happy_path_keys_follow_the_schedule_and_match_the_downloaded_table() {
    let lab = run("happy-path", 7);
    let model = KeysModel::from_trace(&lab.trace);
    check(&lab.trace, &model);
    let names: Vec<&str> = model.peers.iter().map(|p| p.peer.as_str()).collect();
    assert_eq!(
        names,
        ["responder", "initiator"],
        "the responder derives first"
    );
    let tables = key_tables(&lab.trace);
    let mut sk_ei = Vec::new();
    for p in &model.peers {
        let [sa] = p.ike_sas.as_slice() else {
            panic!("one IKE SA: {p:#?}")
        };
        let steps: Vec<&str> = sa.steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            steps,
            ["Diffie-Hellman shared secret", "SKEYSEED", "IKE SA keys"]
        );
        assert_eq!(sa.steps[1].rfc, "RFC 7296 §2.14");
        assert!(!sa.rekey);
        assert_eq!(
            sa.local,
            Some(if p.peer == "initiator" {
                Side::Initiator
            } else {
                Side::Responder
            })
        );
        // g^ir is SKEYSEED's input; SKEYSEED is the split's.
        let g = find(sa, KeyKind::SharedSecret);
        let skeyseed_inputs = &sa.steps[1].inputs;
        assert_eq!(
            skeyseed_inputs
                .iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>(),
            ["Ni", "Nr", "g^ir"]
        );
        assert_eq!(skeyseed_inputs[2].hex, g.hex);
        assert_eq!(g.octets(), 32, "X25519");
        let seed = find(sa, KeyKind::Skeyseed);
        assert_eq!(sa.steps[2].inputs[0].hex, seed.hex);
        // aes256gcm16: SK_ei is the 32-octet key and the 4-octet salt, as in the table.
        let ei = find(sa, KeyKind::SkE(Side::Initiator));
        assert_eq!((ei.octets(), ei.salt_octets), (36, 4));
        assert_eq!(cells(ikev2_line(&tables, sa))[2], ei.hex);
        assert!(ei.meaning.contains("4-octet salt"), "{}", ei.meaning);
        let ai = find(sa, KeyKind::SkA(Side::Initiator));
        assert!(ai.hex.is_empty() && ai.opens.is_empty());
        assert_eq!(ai.table.as_ref().map(|c| c.cell.as_str()), Some(""));
        // IKE_AUTH: the request under SK_ei, the response under SK_er, each seen
        // sealed by its sender and opened by its receiver.
        let roles = |key: &Key| -> Vec<(String, LinkRole)> {
            key.opens.iter().map(|l| (l.peer.clone(), l.role)).collect()
        };
        assert_eq!(
            roles(ei),
            [
                ("initiator".to_owned(), LinkRole::Sealed),
                ("responder".to_owned(), LinkRole::Opened)
            ]
        );
        assert!(ei.opens[0].label.starts_with("IKE_AUTH request 1"));
        let er = find(sa, KeyKind::SkE(Side::Responder));
        assert_eq!(
            roles(er),
            [
                ("responder".to_owned(), LinkRole::Sealed),
                ("initiator".to_owned(), LinkRole::Opened)
            ]
        );
        assert!(find(sa, KeyKind::SkP(Side::Initiator)).opens.is_empty());
        // The first CHILD SA's KEYMAT, from this SA's SK_d, named by its keys record.
        let [child] = sa.children.as_slice() else {
            panic!("one CHILD SA: {sa:#?}")
        };
        assert_eq!(child.step.rfc, "RFC 7296 §2.17");
        assert_eq!(child.step.inputs[0].hex, find(sa, KeyKind::SkD).hex);
        let info = child.sa.as_ref().expect("the CHILD SA's keys record");
        assert_ne!(info.spi_to_responder, info.spi_to_initiator);
        let codes: Vec<&str> = child.step.outputs.iter().map(Key::code).collect();
        assert_eq!(codes, ["KEYMAT", "ESP_ei", "ESP_ai", "ESP_er", "ESP_ar"]);
        sk_ei.push(ei.hex.clone());
        assert!(sa.steps.iter().all(|s| s.record < child.step.record));
    }
    assert_eq!(sk_ei[0], sk_ei[1], "both ends derive the same SK_ei");
}

#[test]
fn legacy_cbc_keys_have_no_salt_and_an_integrity_key_in_the_table() {
    let lab = run("legacy-modp2048", 1);
    let model = KeysModel::from_trace(&lab.trace);
    check(&lab.trace, &model);
    let sa = &peer(&model, "initiator").ike_sas[0];
    let ei = find(sa, KeyKind::SkE(Side::Initiator));
    assert_eq!((ei.octets(), ei.salt_octets), (32, 0), "AES-256-CBC");
    let ai = find(sa, KeyKind::SkA(Side::Initiator));
    assert_eq!(ai.octets(), 32, "HMAC-SHA2-256-128 takes a 32-octet key");
    assert_eq!(
        ai.records, ei.records,
        "both protect the initiator's SK payloads"
    );
    assert!(!ai.opens.is_empty());
    assert_eq!(find(sa, KeyKind::SharedSecret).octets(), 256, "MODP-2048");
}

#[test]
fn an_ike_rekey_derives_a_new_skeyseed_from_the_old_sk_d() {
    let lab = run("ike-rekey", 1);
    let model = KeysModel::from_trace(&lab.trace);
    check(&lab.trace, &model);
    for p in &model.peers {
        let [old, new] = p.ike_sas.as_slice() else {
            panic!("two IKE SAs: {p:#?}")
        };
        assert!(!old.rekey && new.rekey);
        assert_ne!(old.spi_i, new.spi_i);
        let seed = new
            .steps
            .iter()
            .find(|s| s.rfc == "RFC 7296 §2.18")
            .expect("the rekey's SKEYSEED");
        let sk_d_old = seed
            .inputs
            .iter()
            .find(|i| i.name == "SK_d (old)")
            .expect("SK_d (old)");
        assert_eq!(sk_d_old.hex, find(old, KeyKind::SkD).hex);
        assert_eq!(
            new.steps[0].outputs[0].kind,
            KeyKind::SharedSecret,
            "the new g^ir comes first"
        );
        let old_links = &find(old, KeyKind::SkE(Side::Initiator)).records;
        let new_links = &find(new, KeyKind::SkE(Side::Initiator)).records;
        // The run ends before the new SA carries a message: its keys open nothing.
        assert!(!old_links.is_empty());
        assert!(new_links.is_empty(), "{new_links:?}");
        // The CREATE_CHILD_SA that rekeys travels under the old SA's keys.
        assert!(
            find(old, KeyKind::SkE(Side::Initiator))
                .opens
                .iter()
                .any(|l| l.label.starts_with("CREATE_CHILD_SA request"))
        );
    }
}

#[test]
fn nat_t_esp_keys_open_the_esp_packets_of_their_direction() {
    let lab = run("nat-t-esp", 1);
    let model = KeysModel::from_trace(&lab.trace);
    check(&lab.trace, &model);
    let tables = key_tables(&lab.trace);
    for p in &model.peers {
        let child = &p.ike_sas[0].children[0];
        let info = child.sa.as_ref().expect("a CHILD SA");
        for kind in [
            KeyKind::EspEncr(Side::Initiator),
            KeyKind::EspEncr(Side::Responder),
        ] {
            let key = child
                .step
                .outputs
                .iter()
                .find(|k| k.kind == kind)
                .expect("an ESP key");
            assert_eq!((key.octets(), key.salt_octets), (36, 4));
            let sealed = key
                .opens
                .iter()
                .filter(|l| l.role == LinkRole::Sealed)
                .count();
            let opened = key
                .opens
                .iter()
                .filter(|l| l.role == LinkRole::Opened)
                .count();
            assert!(sealed > 0 && opened > 0, "{}: {:#?}", key.name, key.opens);
            let spi = if kind == KeyKind::EspEncr(Side::Initiator) {
                info.spi_to_responder
            } else {
                info.spi_to_initiator
            };
            assert_eq!(cells(esp_line(&tables, spi))[5], format!("0x{}", key.hex));
        }
    }
}

#[test]
fn integrity_only_esp_has_an_empty_encryption_key_and_a_working_integrity_key() {
    let lab = run("esp-null-integrity-only", 1);
    let model = KeysModel::from_trace(&lab.trace);
    check(&lab.trace, &model);
    let child = &peer(&model, "initiator").ike_sas[0].children[0];
    let key = |kind| {
        child
            .step
            .outputs
            .iter()
            .find(|k| k.kind == kind)
            .expect("a key")
    };
    let encr = key(KeyKind::EspEncr(Side::Initiator));
    assert!(encr.hex.is_empty() && encr.opens.is_empty());
    assert!(encr.meaning.contains("ENCR_NULL"), "{}", encr.meaning);
    assert_eq!(encr.table.as_ref().map(|c| c.cell.as_str()), Some(""));
    let integ = key(KeyKind::EspInteg(Side::Initiator));
    assert_eq!(integ.octets(), 32);
    assert!(!integ.opens.is_empty());
}

#[test]
fn a_replayed_packet_is_linked_as_refused() {
    let lab = run("esp-replay", 1);
    let model = KeysModel::from_trace(&lab.trace);
    check(&lab.trace, &model);
    assert!(
        model
            .keys()
            .any(|(_, _, k)| k.opens.iter().any(|l| l.role == LinkRole::Refused)),
        "the replayed copy is refused"
    );
}

#[test]
fn a_failed_authentication_still_shows_the_keys_that_protected_it() {
    let lab = run("wrong-psk", 1);
    let model = KeysModel::from_trace(&lab.trace);
    check(&lab.trace, &model);
    let sa = &peer(&model, "responder").ike_sas[0];
    assert!(sa.children.is_empty(), "no CHILD SA came up");
    let er = find(sa, KeyKind::SkE(Side::Responder));
    assert!(
        er.opens.iter().any(
            |l| l.label.contains("N(AUTH_FAILED)") || l.label.contains("AUTHENTICATION_FAILED")
        ),
        "{:#?}",
        er.opens
    );
}

#[test]
fn every_bundled_scenario_reads_without_a_gap() {
    for name in library::names() {
        let lab = run(name, 1);
        let model = KeysModel::from_trace(&lab.trace);
        check(&lab.trace, &model);
    }
}

#[test]
fn a_run_without_keys_has_an_empty_model() {
    let scenario = library::load("happy-path").expect("bundled");
    let options = SimOptions {
        keys_in_trace: false,
        ..SimOptions::default()
    };
    let trace = run_with(&scenario, 7, options).trace;
    assert!(KeysModel::from_trace(&trace).is_empty());
}

/// Records taken out of a trace: what is left still reads, each key placed.
#[test]
fn a_trace_with_key_records_missing_reads_what_it_has() {
    let lab = run("happy-path", 7);
    let without = |drop: fn(&EventKind) -> bool| {
        let mut trace = lab.trace.clone();
        trace
            .records
            .retain(|r| !r.event().is_some_and(|e| drop(&e.kind)));
        trace
    };
    // Only the tables' records: the keys as logged, linked and in the table.
    let tables_only = without(|k| matches!(k, EventKind::KeysDerived { .. }));
    let model = KeysModel::from_trace(&tables_only);
    check(&tables_only, &model);
    let sa = &peer(&model, "initiator").ike_sas[0];
    assert!(!find(sa, KeyKind::SkE(Side::Initiator)).opens.is_empty());
    assert!(sa.children[0].sa.is_some());
    // Only the schedule's steps: no table, no SPIs of a CHILD SA, nothing linked
    // there, and no panic.
    let steps_only = without(|k| matches!(k, EventKind::IkeSaKeys(_) | EventKind::ChildSaKeys(_)));
    let model = KeysModel::from_trace(&steps_only);
    let sa = &peer(&model, "initiator").ike_sas[0];
    assert!(sa.algorithms.is_none());
    assert!(find(sa, KeyKind::SkE(Side::Initiator)).table.is_none());
    assert!(
        !find(sa, KeyKind::SkE(Side::Initiator)).opens.is_empty(),
        "SPIs are in the split's inputs"
    );
    assert!(sa.children[0].sa.is_none());
    assert!(
        sa.children[0]
            .step
            .outputs
            .iter()
            .all(|k| k.opens.is_empty())
    );
}

/// The bridge session (`ikelab connect --keys`): the gateway's ESP is only on the
/// wire, and still linked to its key.
#[cfg(feature = "files")]
#[test]
fn a_bridge_session_links_the_gateways_esp_on_the_wire() {
    let text = include_str!("../../../../assets/traces/bridge/strongswan-full-tunnel.json");
    let lab = Lab::from_file("strongswan-full-tunnel.json", text).unwrap_or_else(|e| panic!("{e}"));
    let model = KeysModel::from_trace(&lab.trace);
    check(&lab.trace, &model);
    let [p] = model.peers.as_slice() else {
        panic!("one peer: {model:#?}")
    };
    let sa = &p.ike_sas[0];
    assert_eq!(sa.local, Some(Side::Initiator));
    assert!(!find(sa, KeyKind::SkE(Side::Responder)).opens.is_empty());
    let child = &sa.children[0];
    for key in child
        .step
        .outputs
        .iter()
        .filter(|k| matches!(k.kind, KeyKind::EspEncr(_)))
    {
        assert!(
            key.opens.iter().any(|l| l.role == LinkRole::OnTheWire),
            "{}: {:#?}",
            key.name,
            key.opens
        );
    }
}
