//! Our key schedule, SK protection, wire parser and PSK AUTH against strongSwan 5.9.8.
//!
//! For each suite the issues name, a strongSwan ↔ strongSwan exchange runs in network
//! namespaces and charon's own key log is the oracle. Then, with IKElab's code only:
//!
//! 1. the captured IKE_SA_INIT messages are parsed by our wire parser: the SPIs and nonces
//!    are the oracle's, and the proposal the responder chose is exactly what our proposal
//!    parser makes of the strongSwan string;
//! 2. `derive_ike_keys` fed charon's g^ir, Ni, Nr and the SPIs gives byte-identical SKEYSEED
//!    and SK_* (RFC 7296 §2.14; no SK_ai/SK_ar with AES-GCM, RFC 5282 §7);
//! 3. `derive_child_keys` gives charon's CHILD_SA keys (§2.17), and the captured ESP packets
//!    of the pings open with them in the direction §2.17 says (initiator-to-responder keys
//!    first), and not with the other direction's keys;
//! 4. every captured SK payload opens with our `SkProtection` and those keys, its inner
//!    chain parses with our parser, re-emits byte for byte, and lists the payloads charon
//!    logged;
//! 5. our PSK AUTH (§2.15) over the captured IKE_SA_INIT octets, the peer's nonce and the
//!    decrypted ID payload reproduces the AUTH payload charon sent, for both sides, and the
//!    signed octets equal the ones charon logged.
//!
//! Interop layer: root, strongSwan, tcpdump and tshark; run one test at a time.

use std::net::Ipv4Addr;
use std::time::Instant;

use ikelab_engine::crypto::auth::{shared_key_auth, signed_octets, verify_shared_key_auth};
use ikelab_engine::crypto::keys::{
    ChildKeys, ChildSuite, IkeKeys, IkeSuite, derive_child_keys, derive_ike_keys,
};
use ikelab_engine::crypto::sk::SkProtection;
use ikelab_engine::crypto::{Secret, to_hex};
use ikelab_engine::wire::iana::{AuthMethod, ExchangeType, ProtocolId, TransformType};
use ikelab_engine::wire::{IdPayload, Payload, Proposal, emit_payload_chain};
use ikelab_tests::interop::engine_crypto::{
    CapturedIke, CapturedTraffic, OpenedMessage, child_suite, ike_suite, open_esp, open_message,
    read_capture,
};
use ikelab_tests::interop::pair::{
    INITIATOR_ID, KeyDerivationOracle, PROTECTED_HOST, PairRun, RESPONDER_ID,
    strongswan_pair_exchange,
};
use ikelab_tests::interop::strongswan::filelog::{hex_dumps, message_lines};

/// charon's label for the signed octets of §2.15 (`ike = 4`).
const OCTETS_LABEL: &str = "octets = message + nonce + prf(Sk_px, IDx')";
/// charon's label for RestOfIDPayload.
const ID_LABEL: &str = "IDx'";
/// charon's label for the AUTH value of a PSK.
const AUTH_LABEL: &str = "AUTH = prf(prf(secret, keypad), octets)";

#[test]
fn key_schedule_aes256gcm16_prfsha256_x25519() {
    check_suite("ksgcm", "aes256gcm16-prfsha256-x25519", "aes256gcm16");
}

#[test]
fn key_schedule_aes128_sha256_modp2048() {
    check_suite("kscbc", "aes128-sha256-modp2048", "aes128-sha256");
}

fn check_suite(tag: &str, ike_text: &str, esp_text: &str) {
    let started = Instant::now();
    let run = strongswan_pair_exchange(tag, ike_text, esp_text).unwrap_or_else(|e| panic!("{e}"));
    let exchange = started.elapsed();
    let oracle = run.key_oracle().unwrap_or_else(|e| panic!("{e}"));
    let traffic = read_capture(&run.pcap).unwrap_or_else(|e| panic!("{e}"));
    let (ike_proposal, suite) = ike_suite(ike_text).unwrap_or_else(|e| panic!("{e}"));
    let (esp_proposal, child) = child_suite(esp_text).unwrap_or_else(|e| panic!("{e}"));

    let checks = Instant::now();
    let init = check_ike_sa_init(&traffic, &oracle, &ike_proposal);
    let t = Instant::now();
    let keys = derive_ike_keys(
        &suite,
        &oracle.ike.shared_secret,
        &init.ni,
        &init.nr,
        &init.spi_i,
        &init.spi_r,
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let ike_derivation = t.elapsed();
    check_ike_keys(&keys, &suite, &oracle);

    let t = Instant::now();
    let child_keys = derive_child_keys(
        suite.prf,
        keys.sk_d(),
        &child,
        None,
        &init.ni,
        &init.nr,
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let child_derivation = t.elapsed();
    check_child_keys(&child_keys, &oracle, &init);

    let opened = check_sk_payloads(&run, &traffic, &suite, &keys);
    check_child_proposal(&opened, &esp_proposal);
    check_esp_directions(&run, &traffic, &child, &child_keys);
    check_auth(&run, &init, &opened, &suite, &keys);
    eprintln!(
        "{ike_text} / {esp_text}: strongSwan exchange {exchange:?} (setup {:?}, initiate {:?}); \
         our checks {:?}; derive_ike_keys {ike_derivation:?}, derive_child_keys \
         {child_derivation:?} (debug build); {} IKE messages and {} ESP packets captured",
        run.timings.setup,
        run.timings.initiate,
        checks.elapsed(),
        traffic.ike.len(),
        traffic.esp.len(),
    );
}

/// What the captured IKE_SA_INIT pair gives the key schedule and AUTH.
struct IkeSaInit {
    spi_i: [u8; 8],
    spi_r: [u8; 8],
    ni: Vec<u8>,
    nr: Vec<u8>,
    /// RealMessage1: the request's octets as sent.
    request: Vec<u8>,
    /// RealMessage2: the response's octets as sent.
    response: Vec<u8>,
}

/// The single captured message of `exchange` with `message_id` in one direction.
fn only(
    traffic: &CapturedTraffic,
    exchange: ExchangeType,
    message_id: u32,
    response: bool,
) -> &CapturedIke {
    let found: Vec<&CapturedIke> = traffic
        .ike
        .iter()
        .filter(|m| {
            let h = &m.message.header;
            h.exchange_type == exchange && h.message_id == message_id && h.is_response() == response
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{exchange} {message_id} response={response}: {:#?}",
        traffic
            .ike
            .iter()
            .map(|m| m.message.summary())
            .collect::<Vec<_>>()
    );
    found[0]
}

fn nonce_of(message: &CapturedIke) -> Vec<u8> {
    let nonces: Vec<&Vec<u8>> = message
        .message
        .payloads
        .iter()
        .filter_map(|p| match p {
            Payload::Nonce(n) => Some(&n.data),
            _ => None,
        })
        .collect();
    assert_eq!(nonces.len(), 1, "{}", message.message.summary());
    nonces[0].clone()
}

/// Our parse of the captured IKE_SA_INIT: SPIs and nonces equal the oracle's (swanctl and
/// tshark), the KE payloads use the proposal's group, and the responder's chosen proposal
/// is the one our parser makes of the strongSwan string (RFC 7296 §3.3).
fn check_ike_sa_init(
    traffic: &CapturedTraffic,
    oracle: &KeyDerivationOracle,
    ours: &Proposal,
) -> IkeSaInit {
    let request = only(traffic, ExchangeType::IKE_SA_INIT, 0, false);
    let response = only(traffic, ExchangeType::IKE_SA_INIT, 0, true);
    for m in [request, response] {
        assert_eq!(m.message.emit(), m.bytes, "frame {} re-emits", m.frame);
        assert_eq!((m.src_port, m.dst_port), (500, 500));
    }
    let init = IkeSaInit {
        spi_i: response.message.header.spi_i.0,
        spi_r: response.message.header.spi_r.0,
        ni: nonce_of(request),
        nr: nonce_of(response),
        request: request.bytes.clone(),
        response: response.bytes.clone(),
    };
    assert_eq!(request.message.header.spi_i.0, init.spi_i);
    assert!(request.message.header.spi_r.is_zero());
    assert_eq!((init.spi_i, init.spi_r), (oracle.spi_i, oracle.spi_r));
    assert_eq!(init.ni, oracle.ni, "Ni: our parser vs tshark");
    assert_eq!(init.nr, oracle.nr, "Nr: our parser vs tshark");

    let chosen: Vec<&Proposal> = response
        .message
        .payloads
        .iter()
        .filter_map(|p| match p {
            Payload::Sa(sa) => Some(&sa.proposals),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(chosen, vec![ours], "charon's chosen IKE proposal vs ours");
    let group = ours
        .transforms
        .iter()
        .find(|t| t.kind == TransformType::DH)
        .map(|t| t.id)
        .expect("an IKE proposal has a D-H group");
    for m in [request, response] {
        let ke = m
            .message
            .payloads
            .iter()
            .find_map(|p| match p {
                Payload::Ke(ke) => Some(ke),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no KE in {}", m.message.summary()));
        assert_eq!(ke.group.0, group, "{}", m.message.summary());
        assert_eq!(ke.data.len(), oracle.ike.shared_secret.len());
    }
    init
}

fn hex(bytes: &[u8]) -> String {
    to_hex(bytes)
}

/// SKEYSEED and every SK_* equal charon's, byte for byte (compared as hex for readable
/// failures), with the lengths §2.14 and RFC 5282 §7.1 give.
fn check_ike_keys(keys: &IkeKeys, suite: &IkeSuite, oracle: &KeyDerivationOracle) {
    let theirs = &oracle.ike;
    let pairs: [(&str, &Secret, &[u8]); 7] = [
        ("SKEYSEED", keys.skeyseed(), &theirs.skeyseed),
        ("SK_d", keys.sk_d(), &theirs.sk_d),
        ("SK_ei", keys.sk_ei(), &theirs.sk_ei),
        ("SK_er", keys.sk_er(), &theirs.sk_er),
        ("SK_pi", keys.sk_pi(), &theirs.sk_pi),
        ("SK_pr", keys.sk_pr(), &theirs.sk_pr),
        (
            "SK_ai",
            keys.sk_ai(),
            theirs.sk_ai.as_deref().unwrap_or_default(),
        ),
    ];
    for (name, ours, charon) in pairs {
        assert_eq!(ours.to_hex(), hex(charon), "{name}: ours vs charon");
    }
    assert_eq!(
        keys.sk_ar().to_hex(),
        hex(theirs.sk_ar.as_deref().unwrap_or_default()),
        "SK_ar: ours vs charon"
    );
    // With an AEAD charon prints no SK_a at all, and ours are empty (RFC 5282 §7).
    assert_eq!(theirs.sk_ai.is_none(), suite.cipher.is_aead());
    assert_eq!(theirs.sk_ar.is_none(), suite.cipher.is_aead());
    assert_eq!(keys.sk_ai().is_empty(), suite.cipher.is_aead());
    assert_eq!(keys.sk_ei().len(), suite.encr_key_len());
    assert_eq!(keys.sk_pi().len(), suite.prf_key_len());
}

/// KEYMAT = prf+(SK_d, Ni | Nr) split as charon split it: its "initiator" keys are our
/// initiator-to-responder keys (§2.17).
fn check_child_keys(keys: &ChildKeys, oracle: &KeyDerivationOracle, init: &IkeSaInit) {
    let theirs = &oracle.child;
    assert_eq!(theirs.seed, [&init.ni[..], &init.nr[..]].concat());
    assert_eq!(keys.encr_i().to_hex(), hex(&theirs.encr_i), "ESP encr i→r");
    assert_eq!(keys.encr_r().to_hex(), hex(&theirs.encr_r), "ESP encr r→i");
    assert_eq!(
        keys.integ_i().to_hex(),
        hex(theirs.integ_i.as_deref().unwrap_or_default()),
        "ESP integ i→r"
    );
    assert_eq!(
        keys.integ_r().to_hex(),
        hex(theirs.integ_r.as_deref().unwrap_or_default()),
        "ESP integ r→i"
    );
    assert_ne!(keys.encr_i(), keys.encr_r());
}

fn protection(suite: &IkeSuite, keys: &IkeKeys, from_initiator: bool) -> SkProtection {
    let protection = if from_initiator {
        SkProtection::initiator_to_responder(suite, keys)
    } else {
        SkProtection::responder_to_initiator(suite, keys)
    };
    protection.unwrap_or_else(|e| panic!("{e}"))
}

/// Every encrypted message of the capture opens with our keys (the direction is the I flag,
/// §3.1: SK_ei/SK_ai protect what the original initiator sends, §2.14), the inner chain
/// parses and re-emits byte for byte, and charon logged the same inner payloads. The
/// other direction's keys fail on every one (the check is real).
fn check_sk_payloads(
    run: &PairRun,
    traffic: &CapturedTraffic,
    suite: &IkeSuite,
    keys: &IkeKeys,
) -> Vec<(CapturedIke, OpenedMessage)> {
    let lines = message_lines(&run.initiator_log).unwrap_or_else(|e| panic!("{e}"));
    let mut opened = Vec::new();
    for m in &traffic.ike {
        let header = &m.message.header;
        if header.exchange_type == ExchangeType::IKE_SA_INIT {
            continue;
        }
        assert_eq!((m.src_port, m.dst_port), (4500, 4500));
        let from_initiator = header.is_initiator();
        let message = open_message(&m.bytes, &protection(suite, keys, from_initiator))
            .unwrap_or_else(|e| panic!("frame {}: {e}", m.frame));
        assert!(
            open_message(&m.bytes, &protection(suite, keys, !from_initiator)).is_err(),
            "frame {} also opens with the other direction's keys",
            m.frame
        );
        let (reemitted, first) =
            emit_payload_chain(&message.payloads).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            hex(&reemitted),
            hex(&message.plaintext),
            "frame {}",
            m.frame
        );
        if !message.payloads.is_empty() {
            assert_eq!(first, message.first_payload, "frame {}", m.frame);
        }
        let line = lines
            .iter()
            .find(|l| {
                l.exchange_type() == Some(header.exchange_type.0)
                    && l.message_id == header.message_id
                    && l.response == header.is_response()
            })
            .unwrap_or_else(|| panic!("charon did not log frame {}", m.frame));
        let types: Vec<u8> = message
            .payloads
            .iter()
            .map(|p| p.payload_type().0)
            .collect();
        assert_eq!(
            types,
            line.payload_types().unwrap_or_else(|e| panic!("{e}")),
            "frame {}: {line:?}",
            m.frame
        );
        opened.push((m.clone(), message));
    }
    // IKE_AUTH and the Delete, request and response each.
    assert!(opened.len() >= 4, "{} encrypted messages", opened.len());
    opened
}

fn opened_message(
    opened: &[(CapturedIke, OpenedMessage)],
    exchange: ExchangeType,
    response: bool,
) -> &OpenedMessage {
    let found: Vec<&OpenedMessage> = opened
        .iter()
        .map(|(_, o)| o)
        .filter(|o| o.header.exchange_type == exchange && o.header.is_response() == response)
        .collect();
    assert_eq!(found.len(), 1, "{exchange} response={response}");
    found[0]
}

/// The ESP proposal charon chose (in the decrypted IKE_AUTH response) is what our parser
/// makes of the ESP string, with the responder's inbound SPI (§3.3.1).
fn check_child_proposal(opened: &[(CapturedIke, OpenedMessage)], ours: &Proposal) {
    let response = opened_message(opened, ExchangeType::IKE_AUTH, true);
    let chosen: Vec<&Proposal> = response
        .payloads
        .iter()
        .filter_map(|p| match p {
            Payload::Sa(sa) => Some(&sa.proposals),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(chosen.len(), 1, "{:#?}", response.payloads);
    assert_eq!(chosen[0].protocol, ProtocolId::ESP);
    assert_eq!(chosen[0].spi.len(), 4);
    let expected = Proposal {
        spi: chosen[0].spi.clone(),
        ..ours.clone()
    };
    assert_eq!(chosen[0], &expected, "charon's chosen ESP proposal vs ours");
}

/// An IPv4 ICMP echo (type 8 request, 0 reply) between `src` and `dst`, read by hand from
/// the inner packet (RFC 791 header, RFC 792 type octet).
fn assert_icmp_echo(inner: &[u8], icmp_type: u8, src: [u8; 4], dst: [u8; 4], frame: u64) {
    assert!(inner.len() >= 28, "frame {frame}: inner packet too short");
    assert_eq!(inner[0] >> 4, 4, "frame {frame}: not IPv4");
    let header_len = usize::from(inner[0] & 0x0f) * 4;
    assert_eq!(inner[9], 1, "frame {frame}: not ICMP");
    assert_eq!(&inner[12..16], &src, "frame {frame}: inner source");
    assert_eq!(&inner[16..20], &dst, "frame {frame}: inner destination");
    assert_eq!(inner[header_len], icmp_type, "frame {frame}: ICMP type");
}

/// The pings' ESP packets: what the initiator sent (to the responder's inbound SPI, the
/// initiator's outbound one) opens with the first KEYMAT keys and holds an echo request
/// from the virtual IP; what the responder sent opens with the second pair and holds the
/// reply. Swapped keys fail.
fn check_esp_directions(
    run: &PairRun,
    traffic: &CapturedTraffic,
    child: &ChildSuite,
    keys: &ChildKeys,
) {
    let sa = &run.initiator_sas[0].children[0];
    let vip: Ipv4Addr = run.initiator_sas[0].local_vips[0].parse().unwrap();
    let host: Ipv4Addr = PROTECTED_HOST.parse().unwrap();
    let initiator_keys = (keys.encr_i(), keys.integ_i());
    let responder_keys = (keys.encr_r(), keys.integ_r());
    let cipher = child
        .cipher
        .cipher()
        .expect("the interop suites encrypt (no ENCR_NULL)");
    let open = |packet: &[u8], (encr, integ): (&Secret, &Secret)| {
        open_esp(
            packet,
            cipher,
            encr.as_bytes(),
            child.integ.map(|i| (i, integ.as_bytes())),
        )
    };
    let (mut requests, mut replies) = (0, 0);
    for packet in &traffic.esp {
        let from_initiator = packet.src == run.initiator_addr;
        assert!(from_initiator || packet.src == run.responder_addr);
        let (own, other) = if from_initiator {
            (initiator_keys, responder_keys)
        } else {
            (responder_keys, initiator_keys)
        };
        let opened =
            open(&packet.packet, own).unwrap_or_else(|e| panic!("frame {}: {e}", packet.frame));
        assert!(
            open(&packet.packet, other).is_err(),
            "frame {}",
            packet.frame
        );
        assert_eq!(opened.next_header, 4, "tunnel mode carries IPv4");
        if from_initiator {
            assert_eq!(opened.spi, sa.spi_out);
            assert_icmp_echo(
                &opened.payload,
                8,
                vip.octets(),
                host.octets(),
                packet.frame,
            );
            requests += 1;
        } else {
            assert_eq!(opened.spi, sa.spi_in);
            assert_icmp_echo(
                &opened.payload,
                0,
                host.octets(),
                vip.octets(),
                packet.frame,
            );
            replies += 1;
        }
    }
    assert!(
        requests >= 3 && replies >= 3,
        "{requests} requests, {replies} replies"
    );
}

fn id_and_auth(message: &OpenedMessage) -> (&IdPayload, &[u8]) {
    let id = message
        .payloads
        .iter()
        .find_map(|p| match p {
            Payload::IdI(id) | Payload::IdR(id) => Some(id),
            _ => None,
        })
        .expect("an ID payload");
    let auth = message
        .payloads
        .iter()
        .find_map(|p| match p {
            Payload::Auth(auth) => Some(auth),
            _ => None,
        })
        .expect("an AUTH payload");
    assert_eq!(auth.method, AuthMethod::SHARED_KEY_MIC);
    (id, &auth.data)
}

/// The dumps of `label` in a charon log, in order.
fn dumps(log: &str, label: &str) -> Vec<Vec<u8>> {
    hex_dumps(log)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .filter(|d| d.subsystem == "IKE" && d.label == label)
        .map(|d| d.bytes)
        .collect()
}

/// §2.15 for both sides: AUTH = prf(prf(PSK, "Key Pad for IKEv2"), RealMessage | peer's
/// Nonce | prf(SK_p, RestOfIDPayload)) computed by our code from captured and decrypted
/// octets equals the AUTH payload charon sent; the intermediate values equal charon's
/// dumps (each log holds the initiator's first, then the responder's); a wrong PSK fails.
fn check_auth(
    run: &PairRun,
    init: &IkeSaInit,
    opened: &[(CapturedIke, OpenedMessage)],
    suite: &IkeSuite,
    keys: &IkeKeys,
) {
    let psk = run.options.psk.as_bytes();
    let request = opened_message(opened, ExchangeType::IKE_AUTH, false);
    let response = opened_message(opened, ExchangeType::IKE_AUTH, true);
    let sides = [
        (request, INITIATOR_ID, &init.request, &init.nr, keys.sk_pi()),
        (
            response,
            RESPONDER_ID,
            &init.response,
            &init.ni,
            keys.sk_pr(),
        ),
    ];
    for (index, (message, identity, real_message, peer_nonce, sk_p)) in
        sides.into_iter().enumerate()
    {
        let (id, sent_auth) = id_and_auth(message);
        assert_eq!(id.as_fqdn(), Some(identity));
        // RestOfInitIDPayload / RestOfRespIDPayload: the ID payload body after the generic
        // header (IDi and IDr bodies have the same layout, RFC 7296 §3.5).
        let rest_of_id = Payload::IdI(id.clone())
            .emit_body()
            .unwrap_or_else(|e| panic!("{e}"));
        let octets = signed_octets(suite.prf, real_message, peer_nonce, sk_p, &rest_of_id);
        let auth = shared_key_auth(suite.prf, psk, &octets);
        assert_eq!(
            auth.to_hex(),
            hex(sent_auth),
            "{identity}: our AUTH vs the wire"
        );
        assert!(verify_shared_key_auth(suite.prf, psk, &octets, sent_auth));
        assert!(!verify_shared_key_auth(
            suite.prf,
            b"another secret",
            &octets,
            sent_auth
        ));
        for log in [&run.initiator_log, &run.responder_log] {
            let ids = dumps(log, ID_LABEL);
            let logged_octets = dumps(log, OCTETS_LABEL);
            let logged_auth = dumps(log, AUTH_LABEL);
            assert_eq!(ids.len(), 2, "IDx' dumps");
            assert_eq!(logged_octets.len(), 2, "signed octets dumps");
            assert_eq!(logged_auth.len(), 2, "AUTH dumps");
            assert_eq!(hex(&ids[index]), hex(&rest_of_id), "{identity}: IDx'");
            assert_eq!(
                hex(&logged_octets[index]),
                hex(&octets),
                "{identity}: octets"
            );
            assert_eq!(hex(&logged_auth[index]), auth.to_hex(), "{identity}: AUTH");
        }
    }
    // The two AUTH values sign different octets, so they differ.
    assert_ne!(id_and_auth(request).1, id_and_auth(response).1);
}
