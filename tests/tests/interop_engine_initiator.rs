//! Our engine initiates, over real UDP 500/4500 in a network namespace, to a strongSwan
//! 5.9.8 gateway (kernel-libipsec) that assigns virtual IPs from a pool.
//!
//! Each run establishes the IKE SA and the first CHILD SA and checks that
//! `swanctl --list-sas` shows the same SPIs and algorithms as our events, and that
//! charon's key log holds the same keys. Interop layer: root, strongSwan, tcpdump,
//! tshark; run with `--test-threads=1`.

use std::path::Path;
use std::time::{Duration, Instant};

use ikelab_engine::config::Role;
use ikelab_engine::event::{
    Decision, Direction, DownReason, Event, EventKind, KeOutcome, MessageEvent,
};
use ikelab_engine::wire::iana::{DhId, ExchangeType, NotifyType};
use ikelab_tests::interop::engine_driver::agree::{Established, both_established};
use ikelab_tests::interop::engine_driver::{EngineSession, Initiator, RunSpec};
use ikelab_tests::interop::pair::PROTECTED_NET;
use ikelab_tests::interop::strongswan::filelog::{CharonMessageLine, message_lines};
use ikelab_tests::interop::tshark::ike_messages;

const ENGINE_PEER: &str = env!("CARGO_BIN_EXE_engine-peer");
/// IKE_SA_INIT + IKE_AUTH, with at most one extra IKE_SA_INIT round trip.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);

fn binary() -> &'static Path {
    Path::new(ENGINE_PEER)
}

fn up_or_down(events: &[Event]) -> bool {
    events.iter().any(|e| {
        matches!(
            e.kind,
            EventKind::ChildSaUp(_) | EventKind::IkeSaDown { .. } | EventKind::ChildSaFailed { .. }
        )
    })
}

fn child_up(events: &[Event]) -> bool {
    events
        .iter()
        .any(|e| matches!(e.kind, EventKind::ChildSaUp(_)))
}

/// What one successful run leaves for the checks.
struct Run {
    events: Vec<Event>,
    established: Established,
    charon_log: String,
    pcap_messages: Vec<ikelab_tests::interop::tshark::TsharkIkeMessage>,
    _artifacts: ikelab_tests::interop::engine_driver::SessionArtifacts,
}

/// Our engine initiates with `spec`, both sides come up, and agree.
fn establish(tag: &str, spec: RunSpec, through_nat: bool) -> Run {
    establish_then(tag, spec, through_nat, |_| true)
}

/// [`establish`], then wait (up to 5 s) until our events also satisfy `then`.
fn establish_then(
    tag: &str,
    spec: RunSpec,
    through_nat: bool,
    then: impl Fn(&[Event]) -> bool,
) -> Run {
    let started = Instant::now();
    let mut session = EngineSession::start(tag, Initiator::Engine, through_nat, spec)
        .unwrap_or_else(|e| panic!("{e}"));
    let engine = session
        .start_engine(binary())
        .unwrap_or_else(|e| panic!("{e}"));
    let events = engine
        .wait_for("our IKE and CHILD SA", HANDSHAKE_TIMEOUT, up_or_down)
        .unwrap_or_else(|e| panic!("{e}\n{}", session.charon.diagnostics()));
    assert!(
        child_up(&events),
        "no CHILD SA:\n{}\n{}",
        engine.diagnostics(),
        session.charon.diagnostics()
    );
    let handshake = started.elapsed();
    let sas = session
        .charon_established(Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("{e}"));
    let charon_log = session.charon.log().unwrap_or_else(|e| panic!("{e}"));
    let established = both_established(&events, &sas, &charon_log)
        .unwrap_or_else(|e| panic!("{e}\n{}", engine.diagnostics()));
    let events = engine
        .wait_for("what the test waits for next", Duration::from_secs(5), then)
        .unwrap_or_else(|e| panic!("{e}"));
    let artifacts = session
        .finish(Some(&engine))
        .unwrap_or_else(|e| panic!("{e}"));
    let pcap_messages = ike_messages(&artifacts.capture.pcap).unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "{tag}: set-up + handshake {handshake:?}, set-up to teardown {:?}",
        artifacts.total
    );
    Run {
        events,
        established,
        charon_log: artifacts.charon_log.clone(),
        pcap_messages,
        _artifacts: artifacts,
    }
}

/// The gateway's pool, narrowing and kernel-libipsec's NAT-T float, as both sides and
/// the capture show them.
fn check_gateway_run(run: &Run) {
    let Established {
        ike, child, charon, ..
    } = &run.established;
    assert_eq!(ike.role, Role::Initiator);
    // CP (RFC 7296 §2.19): one address from 203.0.113.128/25.
    let [vip] = ike.virtual_ips.as_slice() else {
        panic!("expected one virtual IP: {ike:#?}");
    };
    let vip_text = vip.to_string();
    assert!(vip_text.starts_with("203.0.113."), "{vip_text}");
    assert!(
        vip.to_string()
            .rsplit('.')
            .next()
            .and_then(|o| o.parse::<u8>().ok())
            >= Some(128)
    );
    // TS narrowing (§2.9): we proposed dynamic (0.0.0.0/0 before the CP reply) and
    // 0.0.0.0/0; the gateway narrowed to our VIP and to its own local_ts.
    let local: Vec<String> = child
        .local_ts
        .iter()
        .map(ikelab_engine::ike::ts::describe)
        .collect();
    let remote: Vec<String> = child
        .remote_ts
        .iter()
        .map(ikelab_engine::ike::ts::describe)
        .collect();
    assert_eq!(local, vec![format!("{vip}/32")]);
    assert_eq!(remote, vec![PROTECTED_NET.to_owned()]);
    // NAT-T (RFC 3948): kernel-libipsec fakes NAT, so IKE_AUTH on runs on 4500.
    assert!(ike.udp_encap && child.udp_encap, "{ike:#?}");
    assert_eq!(ike.local.port(), 4500);
    assert!(charon.nat_any, "{charon:#?}");
    let nat = run
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Decision(Decision::Nat(nat)) => Some(nat.clone()),
            _ => None,
        })
        .expect("a NAT decision");
    assert!(nat.udp_encap, "{nat:#?}");
    // The capture: IKE_SA_INIT on 500 without marker, everything after on 4500 with it.
    let init: Vec<_> = run
        .pcap_messages
        .iter()
        .filter(|m| m.exchange_type == 34)
        .collect();
    assert!(init.len() >= 2, "{:#?}", run.pcap_messages);
    assert!(
        init.iter()
            .all(|m| m.sport == 500 && m.dport == 500 && !m.udp_encapsulated)
    );
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
    // Our IKE_AUTH request asked for an address (CPRQ), as charon logged it.
    let request = charon_line(&run.charon_log, "IKE_AUTH", false, false);
    assert!(
        request.payloads.iter().any(|p| p.starts_with("CPRQ")),
        "{request:?}"
    );
}

/// charon's `parsed`/`generating` line of the first message of `exchange` with this
/// direction (`generated`: charon sent it) and kind.
fn charon_line(log: &str, exchange: &str, generated: bool, response: bool) -> CharonMessageLine {
    message_lines(log)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .find(|l| l.exchange == exchange && l.generated == generated && l.response == response)
        .unwrap_or_else(|| panic!("charon logged no such {exchange} message"))
}

#[test]
fn engine_initiates_aes256gcm16_prfsha256_x25519() {
    let run = establish(
        "einigcm",
        RunSpec::new("aes256gcm16-prfsha256-x25519", "aes256gcm16"),
        false,
    );
    check_gateway_run(&run);
    assert_eq!(run.established.charon.dh_group, "CURVE_25519");
    assert_eq!(run.established.charon_child.encr_alg, "AES_GCM_16");
}

#[test]
fn engine_initiates_aes128_sha256_modp2048() {
    let run = establish(
        "einicbc",
        RunSpec::new("aes128-sha256-modp2048", "aes128-sha256"),
        false,
    );
    check_gateway_run(&run);
    assert_eq!(run.established.charon.dh_group, "MODP_2048");
    assert_eq!(
        run.established.charon_child.integ_alg.as_deref(),
        Some("HMAC_SHA2_256_128")
    );
}

#[test]
fn engine_initiates_through_masquerade_nat() {
    let mut spec = RunSpec::new("aes256gcm16-prfsha256-x25519", "aes256gcm16");
    spec.engine_keep_alive = "300ms".to_owned();
    let run = establish_then("eininat", spec, true, |events| {
        events.iter().any(|e| {
            matches!(
                e.kind,
                EventKind::NatKeepalive {
                    direction: Direction::Sent,
                    ..
                }
            )
        })
    });
    check_gateway_run(&run);
    // The gateway sees the router's outside address: a real NAT, which our NAT-D
    // comparison (RFC 7296 §2.23) must find on our side, so we send keep-alives.
    assert_eq!(run.established.charon.remote_host, "198.51.100.2");
    let nat = run
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Decision(Decision::Nat(nat)) => Some(nat.clone()),
            _ => None,
        })
        .expect("a NAT decision");
    assert!(nat.keepalives, "we are behind a NAT: {nat:#?}");
    // RFC 3948 §2.3: one 0xFF octet to the gateway's NAT-T port, through the NAT.
    let keepalive = run.events.iter().find_map(|e| match &e.kind {
        EventKind::NatKeepalive {
            direction: Direction::Sent,
            src,
            dst,
        } => Some((*src, *dst)),
        _ => None,
    });
    assert_eq!(
        keepalive,
        Some((
            "192.0.2.2:4500".parse().unwrap(),
            "198.51.100.1:4500".parse().unwrap()
        )),
        "no keep-alive sent"
    );
}

#[test]
fn engine_retries_with_the_group_named_in_invalid_ke_payload() {
    let mut spec = RunSpec::new("aes256gcm16-prfsha256-x25519", "aes256gcm16");
    // Our first proposal's group (ECP-256) goes into the KE payload; the gateway only
    // takes x25519, selects our second proposal and names CURVE_25519 (RFC 7296 §1.2).
    spec.engine_ike = vec![
        "aes256gcm16-prfsha256-ecp256".to_owned(),
        "aes256gcm16-prfsha256-x25519".to_owned(),
    ];
    let run = establish("einike", spec, false);
    check_gateway_run(&run);
    assert_eq!(run.established.charon.dh_group, "CURVE_25519");
    let retry = run
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Decision(Decision::KeyExchange(ke)) => Some(ke.clone()),
            _ => None,
        })
        .expect("a key exchange decision");
    assert_eq!(retry.ke_group, DhId::ECP_256, "{retry:#?}");
    assert_eq!(retry.proposal_group, DhId::CURVE25519, "{retry:#?}");
    assert_eq!(retry.outcome, KeOutcome::Retrying, "{retry:#?}");
    let answer = charon_line(&run.charon_log, "IKE_SA_INIT", true, true);
    assert_eq!(
        answer.payloads,
        vec!["N(INVAL_KE)".to_owned()],
        "{answer:?}"
    );
    // Two IKE_SA_INIT requests from us on the wire, then the exchange completes.
    let requests = run
        .pcap_messages
        .iter()
        .filter(|m| m.exchange_type == 34 && !m.is_response())
        .count();
    assert_eq!(requests, 2, "{:#?}", run.pcap_messages);
}

#[test]
fn engine_initiator_with_the_wrong_psk_gets_authentication_failed() {
    let mut spec = RunSpec::new("aes256gcm16-prfsha256-x25519", "aes256gcm16");
    spec.engine_psk = "not-the-gateways-secret".to_owned();
    let started = Instant::now();
    let mut session = EngineSession::start("einipsk", Initiator::Engine, false, spec)
        .unwrap_or_else(|e| panic!("{e}"));
    let engine = session
        .start_engine(binary())
        .unwrap_or_else(|e| panic!("{e}"));
    let events = engine
        .wait_for("our IKE SA to fail", HANDSHAKE_TIMEOUT, up_or_down)
        .unwrap_or_else(|e| panic!("{e}\n{}", session.charon.diagnostics()));
    let reason = events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::IkeSaDown { reason } => Some(reason.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no IkeSaDown:\n{}", engine.diagnostics()));
    assert_eq!(
        reason,
        DownReason::PeerError {
            exchange: ExchangeType::IKE_AUTH,
            notify: NotifyType::AUTHENTICATION_FAILED,
        },
        "{}",
        engine.diagnostics()
    );
    assert!(!child_up(&events));
    let artifacts = session
        .finish(Some(&engine))
        .unwrap_or_else(|e| panic!("{e}"));
    // charon could not verify our AUTH and said so (RFC 7296 §2.21.2).
    let answer = charon_line(&artifacts.charon_log, "IKE_AUTH", true, true);
    assert_eq!(
        answer.payloads,
        vec!["N(AUTH_FAILED)".to_owned()],
        "{answer:?}"
    );
    assert!(
        artifacts
            .charon_log
            .contains("tried 1 shared key for 'gw.example' - 'cl.example', but MAC mismatched"),
        "charon's log does not say why"
    );
    eprintln!("einipsk: whole run {:?}", started.elapsed());
}

/// MOBIKE enabled on both sides (swanctl.conf `mobike = yes`, our `mobike = true`) and a
/// gateway that checks liveness every second: every INFORMATIONAL request charon sends
/// after IKE_AUTH (N(NO_ADD_ADDR) if MOBIKE were negotiated, the empty DPD request in
/// any case) gets our response on the NAT-T port.
#[test]
fn engine_answers_the_gateways_informational_requests_with_mobike_enabled() {
    let mut spec = RunSpec::new("aes256gcm16-prfsha256-x25519", "aes256gcm16");
    spec.mobike = true;
    spec.charon_settings = vec![("dpd_delay".to_owned(), "1s".to_owned())];
    let mut session = EngineSession::start("einimob", Initiator::Engine, false, spec)
        .unwrap_or_else(|e| panic!("{e}"));
    let engine = session
        .start_engine(binary())
        .unwrap_or_else(|e| panic!("{e}"));
    let informational = |m: &MessageEvent, response: bool| {
        m.exchange == ExchangeType::INFORMATIONAL && m.response == response
    };
    let events = engine
        .wait_for(
            "an INFORMATIONAL request from the gateway and our response",
            HANDSHAKE_TIMEOUT,
            |events| {
                events.iter().any(|e| match &e.kind {
                    EventKind::MessageSent(m) => informational(m, true),
                    _ => false,
                })
            },
        )
        .unwrap_or_else(|e| panic!("{e}\n{}", session.charon.diagnostics()));
    let sas = session
        .charon_established(Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("{e}"));
    let charon_log = session.charon.log().unwrap_or_else(|e| panic!("{e}"));
    both_established(&events, &sas, &charon_log)
        .unwrap_or_else(|e| panic!("{e}\n{}", engine.diagnostics()));
    // Wait until charon has parsed our response before stopping everything.
    session
        .charon
        .wait_for_sas(
            "charon to parse our INFORMATIONAL response",
            Duration::from_secs(5),
            |_| {
                session.charon.log().is_ok_and(|log| {
                    message_lines(&log).is_ok_and(|lines| {
                        lines
                            .iter()
                            .any(|l| l.exchange == "INFORMATIONAL" && !l.generated && l.response)
                    })
                })
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let artifacts = session
        .finish(Some(&engine))
        .unwrap_or_else(|e| panic!("{e}"));
    let lines = message_lines(&artifacts.charon_log).unwrap_or_else(|e| panic!("{e}"));
    let charon_requests: Vec<&CharonMessageLine> = lines
        .iter()
        .filter(|l| l.exchange == "INFORMATIONAL" && l.generated && !l.response)
        .collect();
    assert!(!charon_requests.is_empty(), "charon sent no INFORMATIONAL");
    let mut answered_both = 0;
    for request in &charon_requests {
        let answered = lines.iter().any(|l| {
            l.exchange == "INFORMATIONAL"
                && !l.generated
                && l.response
                && l.message_id == request.message_id
        });
        let ours = events.iter().any(|e| match &e.kind {
            EventKind::MessageSent(m) => {
                informational(m, true) && m.message_id == request.message_id
            }
            _ => false,
        });
        // charon's last request may still be in flight when we stop; every earlier one
        // must have its answer on both sides.
        if answered && ours {
            answered_both += 1;
        } else {
            assert_eq!(
                Some(request.message_id),
                charon_requests.last().map(|l| l.message_id),
                "request {request:?} unanswered"
            );
        }
    }
    assert!(answered_both >= 1, "{charon_requests:?}");
    assert!(
        events.iter().any(|e| match &e.kind {
            EventKind::MessageReceived(m) => informational(m, false),
            _ => false,
        }),
        "our events show no INFORMATIONAL request"
    );
    // We do not announce MOBIKE (RFC 4555) yet, so charon must not treat it as on.
    let our_auth = charon_line(&artifacts.charon_log, "IKE_AUTH", false, false);
    assert!(
        !our_auth.payloads.iter().any(|p| p == "N(MOBIKE_SUP)"),
        "{our_auth:?}"
    );
}
