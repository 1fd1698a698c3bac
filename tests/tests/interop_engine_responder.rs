//! A strongSwan 5.9.8 road warrior (kernel-libipsec) initiates to our engine, which answers
//! over real UDP 500/4500 in a network namespace as a gateway with an address pool.
//!
//! Each successful run establishes the IKE SA and the first CHILD SA and checks that
//! `swanctl --list-sas` on charon shows the same SPIs and algorithms as our events, and
//! that charon's key log holds the same keys. Interop layer: root, strongSwan, tcpdump,
//! tshark; run with `--test-threads=1`.

use std::path::Path;
use std::time::{Duration, Instant};

use ikelab_engine::config::Role;
use ikelab_engine::event::{CookieOutcome, Decision, DownReason, Event, EventKind};
use ikelab_engine::wire::iana::ExchangeType;
use ikelab_tests::interop::engine_driver::agree::{Established, both_established};
use ikelab_tests::interop::engine_driver::{EngineSession, Initiator, RunSpec};
use ikelab_tests::interop::pair::PROTECTED_NET;
use ikelab_tests::interop::strongswan::filelog::message_lines;
use ikelab_tests::interop::tshark::{TsharkIkeMessage, ike_messages};

const ENGINE_PEER: &str = env!("CARGO_BIN_EXE_engine-peer");
/// How long `swanctl --initiate` may take.
const INITIATE_TIMEOUT: Duration = Duration::from_secs(20);
/// IKE payload type N (RFC 7296 §3.2).
const NOTIFY: u8 = 41;

fn binary() -> &'static Path {
    Path::new(ENGINE_PEER)
}

fn child_up(events: &[Event]) -> bool {
    events
        .iter()
        .any(|e| matches!(e.kind, EventKind::ChildSaUp(_)))
}

struct Run {
    events: Vec<Event>,
    established: Established,
    charon_log: String,
    pcap_messages: Vec<TsharkIkeMessage>,
}

/// charon initiates with `spec` to our engine; both sides come up and agree.
fn establish(tag: &str, spec: RunSpec) -> Run {
    let started = Instant::now();
    let mut session =
        EngineSession::start(tag, Initiator::Charon, false, spec).unwrap_or_else(|e| panic!("{e}"));
    let engine = session
        .start_engine(binary())
        .unwrap_or_else(|e| panic!("{e}"));
    let initiate = Instant::now();
    session
        .charon_initiate(INITIATE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\n{}", engine.diagnostics()));
    let handshake = initiate.elapsed();
    let events = engine
        .wait_for("our CHILD SA", Duration::from_secs(5), child_up)
        .unwrap_or_else(|e| panic!("{e}"));
    let sas = session
        .charon_established(Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("{e}"));
    let charon_log = session.charon.log().unwrap_or_else(|e| panic!("{e}"));
    let established = both_established(&events, &sas, &charon_log)
        .unwrap_or_else(|e| panic!("{e}\n{}", engine.diagnostics()));
    let artifacts = session
        .finish(Some(&engine))
        .unwrap_or_else(|e| panic!("{e}"));
    let pcap_messages = ike_messages(&artifacts.capture.pcap).unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "{tag}: swanctl --initiate {handshake:?}, set-up to teardown {:?}, with tshark {:?}",
        artifacts.total,
        started.elapsed()
    );
    Run {
        events,
        established,
        charon_log: artifacts.charon_log.clone(),
        pcap_messages,
    }
}

/// Our gateway's pool and narrowing, and the NAT-T float charon's kernel-libipsec forces.
fn check_gateway_run(run: &Run) {
    let Established {
        ike,
        child,
        charon,
        charon_child,
    } = &run.established;
    assert_eq!(ike.role, Role::Responder);
    // CP (RFC 7296 §2.19): charon asked, we assigned the pool's first host address, as a
    // charon gateway does (203.0.113.128/25 without its network address).
    assert_eq!(
        charon.local_vips,
        vec!["203.0.113.129".to_owned()],
        "{charon:#?}"
    );
    // TS narrowing (§2.9): charon proposed 0.0.0.0/0 for us; we narrowed to our local_ts.
    assert_eq!(charon_child.remote_ts, vec![PROTECTED_NET.to_owned()]);
    assert_eq!(charon_child.local_ts, vec!["203.0.113.129/32".to_owned()]);
    assert!(ike.udp_encap && child.udp_encap && charon_child.encap);
    assert_eq!(ike.local.port(), 4500);
    // The wire: IKE_SA_INIT on 500, IKE_AUTH on 4500 with the Non-ESP Marker.
    let auth: Vec<_> = run
        .pcap_messages
        .iter()
        .filter(|m| m.exchange_type == 35)
        .collect();
    assert_eq!(auth.len(), 2, "{:#?}", run.pcap_messages);
    assert!(
        auth.iter()
            .all(|m| m.sport == 4500 && m.dport == 4500 && m.udp_encapsulated)
    );
    assert!(
        run.pcap_messages
            .iter()
            .filter(|m| m.exchange_type == 34)
            .all(|m| m.sport == 500 && m.dport == 500)
    );
    // charon parsed our CP reply.
    let lines = message_lines(&run.charon_log).unwrap_or_else(|e| panic!("{e}"));
    let reply = lines
        .iter()
        .find(|l| l.exchange == "IKE_AUTH" && !l.generated && l.response)
        .expect("charon parsed our IKE_AUTH response");
    assert!(
        reply.payloads.iter().any(|p| p.starts_with("CPRP")),
        "{reply:?}"
    );
}

#[test]
fn charon_initiates_aes256gcm16_prfsha256_x25519() {
    let run = establish(
        "eresgcm",
        RunSpec::new("aes256gcm16-prfsha256-x25519", "aes256gcm16"),
    );
    check_gateway_run(&run);
    assert_eq!(run.established.charon.dh_group, "CURVE_25519");
    assert_eq!(run.established.charon_child.encr_alg, "AES_GCM_16");
}

/// Also with MOBIKE on for both (swanctl.conf `mobike = yes`): charon announces it in
/// IKE_AUTH; we do not implement RFC 4555 yet, so we must not echo it, and charon then
/// leaves MOBIKE off (no N(NO_ADD_ADDR) round follows).
#[test]
fn charon_initiates_aes128_sha256_modp2048_announcing_mobike() {
    let mut spec = RunSpec::new("aes128-sha256-modp2048", "aes128-sha256");
    spec.mobike = true;
    let run = establish("erescbc", spec);
    check_gateway_run(&run);
    assert_eq!(run.established.charon.dh_group, "MODP_2048");
    assert_eq!(run.established.charon.encr_keysize, Some(128));
    let lines = message_lines(&run.charon_log).unwrap_or_else(|e| panic!("{e}"));
    let request = lines
        .iter()
        .find(|l| l.exchange == "IKE_AUTH" && l.generated && !l.response)
        .expect("charon's IKE_AUTH request");
    assert!(
        request.payloads.iter().any(|p| p == "N(MOBIKE_SUP)"),
        "{request:?}"
    );
    let reply = lines
        .iter()
        .find(|l| l.exchange == "IKE_AUTH" && !l.generated && l.response)
        .expect("our IKE_AUTH response, as charon parsed it");
    assert!(
        !reply.payloads.iter().any(|p| p == "N(MOBIKE_SUP)"),
        "{reply:?}"
    );
}

#[test]
fn our_responder_demands_a_cookie_and_charon_retries_with_it() {
    let mut spec = RunSpec::new("aes256gcm16-prfsha256-x25519", "aes256gcm16");
    // charon.cookie_threshold semantics: 1 demands a cookie from the very first request.
    spec.engine_cookie_threshold = 1;
    let run = establish("erescook", spec);
    check_gateway_run(&run);
    // Our decisions: demanded on the first request, verified on the repeat (RFC 7296 §2.6).
    let cookies: Vec<CookieOutcome> = run
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Decision(Decision::Cookie(c)) => Some(c.outcome.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        cookies,
        vec![CookieOutcome::Demanded, CookieOutcome::Verified],
        "{:#?}",
        run.events
    );
    // charon's log: our N(COOKIE) answer, then its request repeated with the cookie first.
    let lines = message_lines(&run.charon_log).unwrap_or_else(|e| panic!("{e}"));
    let init: Vec<_> = lines
        .iter()
        .filter(|l| l.exchange == "IKE_SA_INIT")
        .collect();
    assert!(init.len() >= 4, "{init:#?}");
    assert!(init[0].generated && !init[0].response);
    assert!(!init[1].generated && init[1].response);
    assert_eq!(init[1].payloads, vec!["N(COOKIE)".to_owned()], "{init:#?}");
    assert!(init[2].generated && !init[2].response);
    assert_eq!(
        init[2].payloads.first().map(String::as_str),
        Some("N(COOKIE)")
    );
    // And the capture: two requests from charon, the second led by a Notify payload.
    let requests: Vec<&TsharkIkeMessage> = run
        .pcap_messages
        .iter()
        .filter(|m| m.exchange_type == 34 && !m.is_response())
        .collect();
    assert_eq!(requests.len(), 2, "{:#?}", run.pcap_messages);
    assert_eq!(requests[1].payload_types.first(), Some(&NOTIFY));
    assert_ne!(requests[0].payload_types.first(), Some(&NOTIFY));
    let first_answer = run
        .pcap_messages
        .iter()
        .find(|m| m.exchange_type == 34 && m.is_response())
        .expect("a response to IKE_SA_INIT");
    assert_eq!(first_answer.payload_types, vec![NOTIFY]);
}

#[test]
fn charon_with_the_wrong_psk_gets_authentication_failed_from_us() {
    let mut spec = RunSpec::new("aes256gcm16-prfsha256-x25519", "aes256gcm16");
    spec.charon_psk = "not-the-gateways-secret".to_owned();
    let started = Instant::now();
    let mut session = EngineSession::start("erespsk", Initiator::Charon, false, spec)
        .unwrap_or_else(|e| panic!("{e}"));
    let engine = session
        .start_engine(binary())
        .unwrap_or_else(|e| panic!("{e}"));
    let error = session
        .charon_initiate(INITIATE_TIMEOUT)
        .expect_err("a wrong PSK must not establish anything");
    let events = engine
        .wait_for("our IKE SA to go down", Duration::from_secs(5), |events| {
            events
                .iter()
                .any(|e| matches!(e.kind, EventKind::IkeSaDown { .. }))
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let reason = events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::IkeSaDown { reason } => Some(reason.clone()),
            _ => None,
        })
        .expect("IkeSaDown");
    assert!(
        matches!(reason, DownReason::AuthenticationFailed { .. }),
        "{reason:?}\n{}",
        engine.diagnostics()
    );
    assert!(!child_up(&events));
    let answer = events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::MessageSent(m) if m.exchange == ExchangeType::IKE_AUTH && m.response => {
                Some(m.summary.clone())
            }
            _ => None,
        })
        .expect("our IKE_AUTH response");
    assert!(answer.contains("N(AUTH_FAILED)"), "{answer}");
    let artifacts = session
        .finish(Some(&engine))
        .unwrap_or_else(|e| panic!("{e}"));
    // charon received it and says so.
    let lines = message_lines(&artifacts.charon_log).unwrap_or_else(|e| panic!("{e}"));
    let parsed = lines
        .iter()
        .find(|l| l.exchange == "IKE_AUTH" && !l.generated && l.response)
        .expect("charon parsed our IKE_AUTH response");
    assert_eq!(
        parsed.payloads,
        vec!["N(AUTH_FAILED)".to_owned()],
        "{parsed:?}"
    );
    assert!(
        artifacts
            .charon_log
            .contains("received AUTHENTICATION_FAILED notify error"),
        "charon's log does not report AUTHENTICATION_FAILED"
    );
    // swanctl --initiate relays charon's log lines and fails.
    let error = error.to_string();
    assert!(
        error.contains("received AUTHENTICATION_FAILED notify error"),
        "{error}"
    );
    eprintln!("erespsk: whole run {:?}", started.elapsed());
}
