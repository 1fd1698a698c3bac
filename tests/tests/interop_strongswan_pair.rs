//! strongSwan ↔ strongSwan in network namespaces: the harness's own proof that a captured
//! exchange, `swanctl --list-sas`, tshark's dissection and charon's key log agree with each
//! other, for both suites the issues name (and once through a MASQUERADE NAT).
//!
//! Interop layer: root, strongSwan and tshark installed; run one test at a time.

use std::collections::HashSet;

use ikelab_tests::interop::netns::list_netns;
use ikelab_tests::interop::pair::{
    INITIATOR_CONN, PairOptions, PairRun, RESPONDER_CONN, run_pair, strongswan_pair_exchange,
};
use ikelab_tests::interop::strongswan::IkeSaStatus;
use ikelab_tests::interop::strongswan::filelog::message_lines;
use ikelab_tests::interop::tshark::{Tshark, TsharkIkeMessage, ike_messages};

/// What a suite implies for list-sas and key lengths.
struct Expect {
    ike_encr: &'static str,
    ike_encr_bits: u16,
    ike_integ: Option<&'static str>,
    prf: &'static str,
    group: &'static str,
    esp_encr: &'static str,
    esp_integ: Option<&'static str>,
    /// Length of g^ir: 32 for X25519 (RFC 7748 §6.1), 256 for MODP-2048 (RFC 3526 §3).
    shared_secret_len: usize,
    /// PRF output / SK_d, SK_pi, SK_pr length (HMAC-SHA2-256: 32, RFC 4868 §2.1.2).
    prf_len: usize,
    /// SK_ai/SK_ar length; `None` for AEAD (RFC 5282 §7: no integrity transform).
    integ_key_len: Option<usize>,
    /// SK_ei/SK_er length: AES-256-GCM 32 + 4 salt (RFC 5282 §7.1), AES-128-CBC 16.
    encr_key_len: usize,
    /// ESP encryption key length (RFC 4106 §8.1: key + 4-byte salt for GCM).
    esp_encr_key_len: usize,
    /// ESP integrity key length (HMAC-SHA2-256-128: 32, RFC 4868 §2.1.2).
    esp_integ_key_len: Option<usize>,
}

const GCM_X25519: Expect = Expect {
    ike_encr: "AES_GCM_16",
    ike_encr_bits: 256,
    ike_integ: None,
    prf: "PRF_HMAC_SHA2_256",
    group: "CURVE_25519",
    esp_encr: "AES_GCM_16",
    esp_integ: None,
    shared_secret_len: 32,
    prf_len: 32,
    integ_key_len: None,
    encr_key_len: 36,
    esp_encr_key_len: 36,
    esp_integ_key_len: None,
};

const CBC_MODP2048: Expect = Expect {
    ike_encr: "AES_CBC",
    ike_encr_bits: 128,
    ike_integ: Some("HMAC_SHA2_256_128"),
    prf: "PRF_HMAC_SHA2_256",
    group: "MODP_2048",
    esp_encr: "AES_CBC",
    esp_integ: Some("HMAC_SHA2_256_128"),
    shared_secret_len: 256,
    prf_len: 32,
    integ_key_len: Some(32),
    encr_key_len: 16,
    esp_encr_key_len: 16,
    esp_integ_key_len: Some(32),
};

const IKE_SA_INIT: u8 = 34;
const IKE_AUTH: u8 = 35;
const INFORMATIONAL: u8 = 37;

#[test]
fn pair_aes256gcm16_prfsha256_x25519() {
    let run = strongswan_pair_exchange("gcm", "aes256gcm16-prfsha256-x25519", "aes256gcm16")
        .unwrap_or_else(|e| panic!("{e}"));
    check_run(&run, &GCM_X25519);
}

#[test]
fn pair_aes128_sha256_modp2048() {
    let run = strongswan_pair_exchange("cbc", "aes128-sha256-modp2048", "aes128-sha256")
        .unwrap_or_else(|e| panic!("{e}"));
    check_run(&run, &CBC_MODP2048);
}

#[test]
fn pair_through_masquerade_nat() {
    let mut options = PairOptions::new("nat", "aes256gcm16-prfsha256-x25519", "aes256gcm16");
    options.through_nat = true;
    let run = run_pair(&options).unwrap_or_else(|e| panic!("{e}"));
    check_run(&run, &GCM_X25519);
    // The gateway saw the router's outside address, not the client's: MASQUERADE worked.
    let gateway = only_sa(&run.responder_sas, "responder");
    assert_eq!(gateway.remote_host, "198.51.100.2", "{gateway:#?}");
    assert!(
        run.namespaces.iter().any(|n| n.ends_with("-nat")),
        "{:?}",
        run.namespaces
    );
}

#[test]
fn wrong_psk_fails_with_the_reason_and_still_cleans_up() {
    let mut options = PairOptions::new("badpsk", "aes256gcm16-prfsha256-x25519", "aes256gcm16");
    options.responder_psk = Some("a-different-secret".to_owned());
    let error = run_pair(&options).expect_err("a PSK mismatch must not establish an SA");
    let message = error.to_string();
    assert!(message.contains("AUTHENTICATION_FAILED"), "{message}");
    let prefix = format!("ikl-badpsk-{}-", std::process::id());
    let left: Vec<String> = list_netns()
        .unwrap()
        .into_iter()
        .filter(|n| n.starts_with(&prefix))
        .collect();
    assert!(
        left.is_empty(),
        "namespaces left after a failed run: {left:?}"
    );
}

fn only_sa<'a>(sas: &'a [IkeSaStatus], side: &str) -> &'a IkeSaStatus {
    assert_eq!(sas.len(), 1, "{side} list-sas: {sas:#?}");
    &sas[0]
}

fn check_run(run: &PairRun, expect: &Expect) {
    eprintln!(
        "{}: setup {:?}, initiate {:?}, terminate {:?}, teardown {:?}, total {:?}",
        run.options.ike_proposal,
        run.timings.setup,
        run.timings.initiate,
        run.timings.terminate,
        run.timings.teardown,
        run.timings.total
    );
    check_cleanup(run);
    let (ini, res) = check_list_sas(run, expect);
    let messages = ike_messages(&run.pcap).unwrap_or_else(|e| panic!("{e}"));
    check_exchanges(&messages, ini);
    check_against_charon_log(&messages, &run.initiator_log, true);
    check_against_charon_log(&messages, &run.responder_log, false);
    check_key_oracle(run, expect, ini, res, &messages);
    check_decryption(run, ini);
}

/// With a profile built from the oracle's keys, tshark decrypts every SK payload (ICV
/// correct, inner payloads as charon logged them) and every ESP packet of the pings (ICV
/// good, ICMP inside); with one key byte changed the checks fail, so they are real.
fn check_decryption(run: &PairRun, ini: &IkeSaStatus) {
    assert!(
        run.ping_output.contains("3 received"),
        "{}",
        run.ping_output
    );
    let plain = Tshark::new()
        .esp_packets(&run.pcap)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(plain.len() >= 6, "3 pings and 3 replies as ESP: {plain:#?}");
    assert!(
        plain
            .iter()
            .all(|p| p.icv_good.is_none() && p.inner_protocols.is_empty())
    );

    let profile = run.wireshark_profile().unwrap_or_else(|e| panic!("{e}"));
    let keys = run.workdir.join("keys");
    profile.write(&keys).unwrap_or_else(|e| panic!("{e}"));
    let tshark = Tshark::with_profile(&keys);
    let charon_lines = message_lines(&run.initiator_log).unwrap_or_else(|e| panic!("{e}"));
    let decrypted = tshark
        .ike_messages(&run.pcap)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut encrypted = 0;
    for m in decrypted.iter().filter(|m| m.payload_types == [46]) {
        encrypted += 1;
        assert_eq!(m.icv_correct, Some(true), "{m:#?}");
        let line = charon_lines
            .iter()
            .find(|l| {
                l.exchange_type() == Some(m.exchange_type)
                    && l.message_id == m.message_id
                    && l.response == m.is_response()
            })
            .unwrap_or_else(|| panic!("no charon line for {m:#?}"));
        let inner = line.payload_types().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            m.decrypted_payload_types.as_ref(),
            Some(&inner),
            "{line:?} vs {m:#?}"
        );
    }
    assert!(
        encrypted >= 4,
        "IKE_AUTH and INFORMATIONAL pairs: {decrypted:#?}"
    );

    let esp = tshark
        .esp_packets(&run.pcap)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(esp.len(), plain.len());
    let child = &ini.children[0];
    let spis: HashSet<u32> = esp.iter().map(|p| p.spi).collect();
    assert_eq!(
        spis,
        HashSet::from([child.spi_in, child.spi_out]),
        "{esp:#?}"
    );
    for packet in &esp {
        assert_eq!(packet.icv_good, Some(true), "{packet:#?}");
        assert!(
            packet
                .inner_protocols
                .starts_with(&["ip".to_owned(), "icmp".to_owned()]),
            "{packet:#?}"
        );
    }

    // One wrong key byte where the ICV depends on it (SK_ai for CBC + HMAC, SK_ei for AEAD;
    // the same for ESP): tshark must notice.
    let mut broken = profile.clone();
    match broken.ikev2[0].sk_ai.first_mut() {
        Some(first) => *first ^= 0x01,
        None => broken.ikev2[0].sk_ei[0] ^= 0x01,
    }
    broken.esp[0].encryption_key[0] ^= 0x01;
    if let Some(first) = broken.esp[0].authentication_key.first_mut() {
        *first ^= 0x01;
    }
    let broken_dir = run.workdir.join("broken-keys");
    broken.write(&broken_dir).unwrap_or_else(|e| panic!("{e}"));
    let tshark = Tshark::with_profile(&broken_dir);
    let from_initiator = tshark
        .ike_messages(&run.pcap)
        .unwrap_or_else(|e| panic!("{e}"));
    for m in from_initiator
        .iter()
        .filter(|m| m.payload_types == [46] && !m.is_response())
    {
        assert_eq!(m.icv_correct, Some(false), "wrong SK_ei accepted: {m:#?}");
    }
    let esp = tshark
        .esp_packets(&run.pcap)
        .unwrap_or_else(|e| panic!("{e}"));
    for packet in esp.iter().filter(|p| p.spi == child.spi_out) {
        assert_ne!(
            packet.icv_good,
            Some(true),
            "wrong ESP key accepted: {packet:#?}"
        );
    }
}

/// Every namespace and process the run created is gone.
fn check_cleanup(run: &PairRun) {
    let present: HashSet<String> = list_netns().unwrap().into_iter().collect();
    for name in &run.namespaces {
        assert!(!present.contains(name), "namespace {name} survived the run");
    }
    assert!(run.namespaces.len() >= 2);
    for pid in &run.pids {
        // Reaped children leave no /proc entry (a reused pid would not be charon/tcpdump).
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        assert!(
            !matches!(comm.trim(), "charon" | "tcpdump"),
            "process {pid} ({}) survived the run",
            comm.trim()
        );
    }
    assert!(run.capture.packets_in_file >= 8, "{:?}", run.capture);
    assert_eq!(run.capture.dropped_by_kernel, Some(0), "{:?}", run.capture);
}

/// Both sides list one ESTABLISHED IKE_SA with the same SPIs and the suite's algorithms, and
/// one INSTALLED CHILD_SA whose inbound SPI is the peer's outbound one; the initiator got a
/// virtual IP from the pool (CP exchange) and ESP is UDP-encapsulated (kernel-libipsec).
fn check_list_sas<'a>(run: &'a PairRun, expect: &Expect) -> (&'a IkeSaStatus, &'a IkeSaStatus) {
    let ini = only_sa(&run.initiator_sas, "initiator");
    let res = only_sa(&run.responder_sas, "responder");
    assert_eq!(ini.name, INITIATOR_CONN);
    assert_eq!(res.name, RESPONDER_CONN);
    for sa in [ini, res] {
        assert_eq!(sa.state, "ESTABLISHED", "{sa:#?}");
        assert_eq!(sa.encr_alg, expect.ike_encr, "{sa:#?}");
        assert_eq!(sa.encr_keysize, Some(expect.ike_encr_bits), "{sa:#?}");
        assert_eq!(sa.integ_alg.as_deref(), expect.ike_integ, "{sa:#?}");
        assert_eq!(sa.prf_alg, expect.prf, "{sa:#?}");
        assert_eq!(sa.dh_group, expect.group, "{sa:#?}");
        assert_eq!((sa.local_port, sa.remote_port), (4500, 4500), "{sa:#?}");
        assert_eq!(sa.children.len(), 1, "{sa:#?}");
        let child = &sa.children[0];
        assert_eq!(child.state, "INSTALLED", "{child:#?}");
        assert_eq!(child.protocol, "ESP");
        assert_eq!(child.mode, "TUNNEL");
        assert!(child.encap, "kernel-libipsec forces ESP in UDP: {child:#?}");
        assert_eq!(child.encr_alg, expect.esp_encr, "{child:#?}");
        assert_eq!(child.integ_alg.as_deref(), expect.esp_integ, "{child:#?}");
    }
    assert!(ini.initiator && !res.initiator);
    assert_eq!((ini.spi_i, ini.spi_r), (res.spi_i, res.spi_r));
    assert_ne!(ini.spi_r, [0; 8]);
    assert_eq!(ini.children[0].spi_in, res.children[0].spi_out);
    assert_eq!(ini.children[0].spi_out, res.children[0].spi_in);
    assert_eq!(ini.local_vips, vec!["203.0.113.129".to_owned()], "{ini:#?}");
    assert_eq!(res.remote_vips, ini.local_vips);
    assert_eq!(
        ini.children[0].local_ts,
        vec!["203.0.113.129/32".to_owned()]
    );
    assert_eq!(ini.children[0].remote_ts, vec!["203.0.113.0/25".to_owned()]);
    (ini, res)
}

fn find(
    messages: &[TsharkIkeMessage],
    exchange: u8,
    message_id: u32,
    response: bool,
) -> Vec<&TsharkIkeMessage> {
    messages
        .iter()
        .filter(|m| {
            m.exchange_type == exchange && m.message_id == message_id && m.is_response() == response
        })
        .collect()
}

/// tshark sees IKE_SA_INIT, IKE_AUTH and the INFORMATIONAL Delete, request and response
/// each, with the SPIs swanctl reported, IKE_SA_INIT on 500 and the rest on 4500 behind the
/// non-ESP marker.
fn check_exchanges(messages: &[TsharkIkeMessage], ini: &IkeSaStatus) {
    let dump = || format!("{messages:#?}");
    let init_request = find(messages, IKE_SA_INIT, 0, false);
    let init_response = find(messages, IKE_SA_INIT, 0, true);
    let auth_request = find(messages, IKE_AUTH, 1, false);
    let auth_response = find(messages, IKE_AUTH, 1, true);
    assert_eq!(init_request.len(), 1, "IKE_SA_INIT request: {}", dump());
    assert_eq!(init_response.len(), 1, "IKE_SA_INIT response: {}", dump());
    assert_eq!(auth_request.len(), 1, "IKE_AUTH request: {}", dump());
    assert_eq!(auth_response.len(), 1, "IKE_AUTH response: {}", dump());
    let informational: Vec<_> = messages
        .iter()
        .filter(|m| m.exchange_type == INFORMATIONAL)
        .collect();
    assert!(informational.len() >= 2, "INFORMATIONAL: {}", dump());
    // The Delete is the last exchange: a request from the initiator and its response.
    let (delete_request, delete_response) = (
        informational[informational.len() - 2],
        informational[informational.len() - 1],
    );
    assert!(
        !delete_request.is_response() && delete_request.from_initiator(),
        "{delete_request:#?}"
    );
    assert!(delete_response.is_response(), "{delete_response:#?}");
    assert_eq!(delete_request.message_id, delete_response.message_id);
    assert_eq!(
        delete_request.encrypted_next_payload,
        Some(42),
        "Delete payload first: {delete_request:#?}"
    );

    for m in messages {
        assert_eq!(m.ispi, ini.spi_i, "frame {}", m.frame);
        let first_request = m.exchange_type == IKE_SA_INIT && !m.is_response();
        let expected_rspi = if first_request { [0; 8] } else { ini.spi_r };
        assert_eq!(m.rspi, expected_rspi, "frame {}", m.frame);
        assert_eq!(
            m.payload_types.first().copied(),
            Some(m.next_payload),
            "frame {}",
            m.frame
        );
        if m.exchange_type == IKE_SA_INIT {
            assert_eq!((m.sport, m.dport), (500, 500), "frame {}", m.frame);
            assert!(!m.udp_encapsulated);
            assert!(m.encrypted_next_payload.is_none());
            for payload in [33, 34, 40] {
                assert!(
                    m.payload_types.contains(&payload),
                    "SA, KE, Nonce in frame {}: {m:#?}",
                    m.frame
                );
            }
        } else {
            assert_eq!((m.sport, m.dport), (4500, 4500), "frame {}", m.frame);
            assert!(m.udp_encapsulated, "frame {}", m.frame);
            assert_eq!(m.payload_types, vec![46], "frame {}", m.frame);
        }
    }
    assert_eq!(init_request[0].src, init_response[0].dst);
}

/// Each message charon logged as generated or parsed appears in the capture with the same
/// exchange, message ID and direction, and its payload list agrees with tshark's: the whole
/// chain for plaintext messages, the SK payload's first inner payload for encrypted ones.
fn check_against_charon_log(messages: &[TsharkIkeMessage], log: &str, initiator: bool) {
    let lines = message_lines(log).unwrap_or_else(|e| panic!("{e}"));
    assert!(lines.len() >= 6, "too few message lines: {lines:#?}");
    for line in &lines {
        let exchange = line
            .exchange_type()
            .unwrap_or_else(|| panic!("unknown exchange {line:?}"));
        let matching = find(messages, exchange, line.message_id, line.response);
        assert!(
            !matching.is_empty(),
            "charon line {line:?} has no captured message"
        );
        let types = line.payload_types().unwrap_or_else(|e| panic!("{e}"));
        for m in matching {
            // In these runs every request comes from the IKE initiator and every response
            // from the responder, so a side generated exactly the messages it sent.
            let sent_by_initiator = !m.is_response();
            assert_eq!(
                line.generated,
                sent_by_initiator == initiator,
                "{line:?} vs {m:#?}"
            );
            match m.encrypted_next_payload {
                None => assert_eq!(m.payload_types, types, "{line:?} vs {m:#?}"),
                Some(first_inner) => {
                    assert_eq!(
                        first_inner,
                        types.first().copied().unwrap_or(0),
                        "{line:?} vs {m:#?}"
                    )
                }
            }
        }
    }
    // And every captured message is one charon logged.
    for m in messages {
        assert!(
            lines
                .iter()
                .any(|l| l.exchange_type() == Some(m.exchange_type)
                    && l.message_id == m.message_id
                    && l.response == m.is_response()),
            "captured frame {} is not in charon's log",
            m.frame
        );
    }
}

/// The key oracle: both charons printed the same non-empty keys of the lengths the suite
/// implies; the CHILD_SA seed is Ni | Nr from the capture (RFC 7296 §2.17, no PFS); the
/// capture's SPIs are swanctl's.
fn check_key_oracle(
    run: &PairRun,
    expect: &Expect,
    ini: &IkeSaStatus,
    res: &IkeSaStatus,
    messages: &[TsharkIkeMessage],
) {
    let oracle = run.key_oracle().unwrap_or_else(|e| panic!("{e}"));
    let ike = &oracle.ike;
    assert_eq!(ike.shared_secret.len(), expect.shared_secret_len);
    assert_eq!(ike.skeyseed.len(), expect.prf_len);
    assert_eq!(ike.sk_d.len(), expect.prf_len);
    assert_eq!(ike.sk_ai.as_ref().map(Vec::len), expect.integ_key_len);
    assert_eq!(ike.sk_ar.as_ref().map(Vec::len), expect.integ_key_len);
    assert_eq!(ike.sk_ei.len(), expect.encr_key_len);
    assert_eq!(ike.sk_er.len(), expect.encr_key_len);
    assert_eq!(ike.sk_pi.len(), expect.prf_len);
    assert_eq!(ike.sk_pr.len(), expect.prf_len);
    let mut keys = vec![
        &ike.skeyseed,
        &ike.sk_d,
        &ike.sk_ei,
        &ike.sk_er,
        &ike.sk_pi,
        &ike.sk_pr,
    ];
    keys.extend(ike.sk_ai.iter().chain(ike.sk_ar.iter()));
    for key in &keys {
        assert!(key.iter().any(|b| *b != 0), "an all-zero key: {ike:#?}");
    }
    let distinct: HashSet<&Vec<u8>> = keys.iter().copied().collect();
    assert_eq!(distinct.len(), keys.len(), "two SK_* are equal: {ike:#?}");

    assert_eq!((oracle.spi_i, oracle.spi_r), (ini.spi_i, ini.spi_r));
    assert_eq!((oracle.spi_i, oracle.spi_r), (res.spi_i, res.spi_r));
    assert_eq!(oracle.spi_i, messages[0].ispi);
    // RFC 7296 §2.10: nonces are at least 128 bits and at least half the PRF key size.
    assert!(
        oracle.ni.len() >= 16 && oracle.nr.len() >= 16,
        "{oracle:#?}"
    );
    assert_ne!(oracle.ni, oracle.nr);
    let ni_nr: Vec<u8> = oracle.ni.iter().chain(&oracle.nr).copied().collect();
    assert_eq!(oracle.child.seed, ni_nr, "CHILD_SA seed is not Ni | Nr");
    assert_eq!(oracle.child.encr_i.len(), expect.esp_encr_key_len);
    assert_eq!(oracle.child.encr_r.len(), expect.esp_encr_key_len);
    assert_eq!(
        oracle.child.integ_i.as_ref().map(Vec::len),
        expect.esp_integ_key_len
    );
    assert_eq!(
        oracle.child.integ_r.as_ref().map(Vec::len),
        expect.esp_integ_key_len
    );
    assert_ne!(oracle.child.encr_i, oracle.child.encr_r);
}
