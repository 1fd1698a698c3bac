//! The RFC's error answers, both roles: NO_PROPOSAL_CHOSEN (IKE and ESP),
//! AUTHENTICATION_FAILED (wrong key, wrong identity), TS_UNACCEPTABLE,
//! FAILED_CP_REQUIRED, INTERNAL_ADDRESS_FAILURE.

mod ike_support;

use core::time::Duration;

use ike_support::*;
use ikelab_engine::config::PskText;
use ikelab_engine::event::{ChildFailure, Decision, DownReason, EventKind, TsSide, TsVerdict};
use ikelab_engine::ike::SaState;
use ikelab_engine::proposal::RejectReason;
use ikelab_engine::sim::LinkConfig;
use ikelab_engine::wire::iana::{ExchangeType, NotifyType};

fn child_failure(events: &[ikelab_engine::event::Event]) -> Option<ChildFailure> {
    find(events, |k| match k {
        EventKind::ChildSaFailed { reason, .. } => Some(reason.clone()),
        _ => None,
    })
}

#[test]
fn unacceptable_ike_proposals_get_no_proposal_chosen_with_reasons() {
    let initiator = with(INITIATOR, |c| {
        c.proposals = vec!["aes128-sha1-ecp256".to_owned()]
    });
    let (mut pair, id) = pair_with(&initiator, config(RESPONDER), LinkConfig::default(), 11);
    pair.drive();
    assert_eq!(
        sent(&pair.b_events),
        ["IKE_SA_INIT response 0 [ N(NO_PROP) ]"]
    );
    assert_eq!(state(&pair.a, id), None);
    assert!(matches!(
        down_reason(&pair.a_events),
        Some(DownReason::PeerError {
            exchange: ExchangeType::IKE_SA_INIT,
            notify: NotifyType::NO_PROPOSAL_CHOSEN
        })
    ));
    // The responder explains, against each of its proposals, which type did not fit.
    let report = find(&pair.b_events, |k| match k {
        EventKind::Decision(Decision::IkeProposal(r)) => Some(r.clone()),
        _ => None,
    });
    let Some(report) = report else {
        panic!("no proposal decision");
    };
    assert!(report.chosen.is_none());
    let misses = report
        .rejections
        .iter()
        .filter(|r| matches!(r.reason, RejectReason::NoAcceptableTransform { .. }))
        .count();
    assert_eq!(misses, 2, "{report:?}");
    assert!(
        pair.b.ike_sa_ids().is_empty(),
        "no state for a refused IKE_SA_INIT"
    );
}

#[test]
fn unacceptable_esp_proposals_fail_the_child_but_not_the_ike_sa() {
    let initiator = with(INITIATOR, |c| {
        if let Some(child) = c.children.get_mut("net") {
            child.esp_proposals = vec!["chacha20poly1305".to_owned()];
        }
    });
    let (mut pair, id) = pair_with(&initiator, config(RESPONDER), LinkConfig::default(), 12);
    pair.drive();
    assert_eq!(state(&pair.a, id), Some(SaState::Established));
    assert_eq!(
        sent(&pair.b_events)[1],
        "IKE_AUTH response 1 [ IDr AUTH CPRP(ADDR DNS) N(NO_PROP) ]"
    );
    assert!(matches!(
        child_failure(&pair.a_events),
        Some(ChildFailure::PeerError {
            notify: NotifyType::NO_PROPOSAL_CHOSEN
        })
    ));
    assert!(matches!(
        child_failure(&pair.b_events),
        Some(ChildFailure::Refused {
            notify: NotifyType::NO_PROPOSAL_CHOSEN,
            ..
        })
    ));
    assert_eq!(pair.a.child_sas().count(), 0);
    assert_eq!(pair.b.child_sas().count(), 0);
}

#[test]
fn a_wrong_psk_ends_in_authentication_failed_on_both_sides() {
    for (side, initiator, responder) in [
        (
            "initiator",
            with(INITIATOR, |c| c.secrets.psk = Some(PskText::new("wrong"))),
            config(RESPONDER),
        ),
        (
            "responder",
            config(INITIATOR),
            with(RESPONDER, |c| c.secrets.psk = Some(PskText::new("wrong"))),
        ),
    ] {
        let (mut pair, id) = pair_with(&initiator, responder, LinkConfig::default(), 13);
        pair.drive();
        assert_eq!(
            sent(&pair.b_events)[1],
            "IKE_AUTH response 1 [ N(AUTH_FAILED) ]",
            "wrong key on the {side}:\n{}",
            transcript(&pair.b_events)
        );
        assert_eq!(state(&pair.a, id), None);
        assert!(matches!(
            down_reason(&pair.a_events),
            Some(DownReason::PeerError {
                notify: NotifyType::AUTHENTICATION_FAILED,
                ..
            })
        ));
        assert!(matches!(
            down_reason(&pair.b_events),
            Some(DownReason::AuthenticationFailed { .. })
        ));
        // The responder keeps the failed SA only to repeat its answer, then drops it.
        pair.drive_until(pair.now + Duration::from_secs(600));
        assert!(pair.b.ike_sa_ids().is_empty());
    }
}

#[test]
fn a_retransmitted_ike_auth_gets_the_same_authentication_failed_bytes() {
    let responder = with(RESPONDER, |c| c.secrets.psk = Some(PskText::new("wrong")));
    let (mut pair, _) = pair_with(&config(INITIATOR), responder, LinkConfig::default(), 14);
    pair.drive_until(Duration::from_millis(35));
    // Re-deliver the IKE_AUTH request as a retransmission would.
    let Some(auth) = pair
        .wire
        .iter()
        .filter(|w| w.from == ikelab_engine::sim::Side::A)
        .nth(1)
        .map(|w| w.datagram.clone())
    else {
        panic!("no IKE_AUTH request");
    };
    pair.drive_until(Duration::from_millis(100));
    pair.inject(ikelab_engine::sim::Side::B, auth);
    pair.drive();
    let responses: Vec<_> = pair
        .wire
        .iter()
        .filter(|w| w.from == ikelab_engine::sim::Side::B)
        .map(|w| w.datagram.payload.clone())
        .collect();
    assert_eq!(responses.len(), 3);
    assert_eq!(
        responses[1], responses[2],
        "a retransmitted request must get identical bytes"
    );
}

#[test]
fn initiator_rejects_an_unexpected_responder_identity() {
    let initiator = with(INITIATOR, |c| {
        c.remote.id = ikelab_engine::config::Identity::parse("other.example")
            .unwrap_or_else(|e| panic!("{e}"));
    });
    // The responder answers as gw.example whatever IDr asked for (its only config).
    let responder = with(RESPONDER, |c| {
        c.local.id = Some(
            ikelab_engine::config::Identity::parse("gw.example").unwrap_or_else(|e| panic!("{e}")),
        )
    });
    let (mut pair, id) = pair_with(&initiator, responder, LinkConfig::default(), 15);
    pair.drive();
    // The responder has no configuration for IDr other.example: AUTHENTICATION_FAILED.
    assert_eq!(state(&pair.a, id), None);
    assert!(
        matches!(
            down_reason(&pair.b_events),
            Some(DownReason::Refused {
                notify: NotifyType::AUTHENTICATION_FAILED,
                ..
            })
        ),
        "{}",
        transcript(&pair.b_events)
    );

    // Without IDr in the request the responder answers, and the initiator refuses
    // the identity, telling the responder in an INFORMATIONAL (RFC 7296 §2.21.2).
    let initiator = with(INITIATOR, |c| {
        c.remote.id = ikelab_engine::config::Identity::parse("*.other.example")
            .unwrap_or_else(|e| panic!("{e}"));
    });
    let (mut pair, id) = pair_with(&initiator, config(RESPONDER), LinkConfig::default(), 16);
    pair.drive();
    assert_eq!(state(&pair.a, id), None);
    assert_eq!(
        sent(&pair.a_events).last().map(String::as_str),
        Some("INFORMATIONAL request 2 [ N(AUTH_FAILED) ]")
    );
    assert!(matches!(
        down_reason(&pair.a_events),
        Some(DownReason::Rejected { .. })
    ));
    assert!(
        matches!(
            down_reason(&pair.b_events),
            Some(DownReason::PeerError {
                exchange: ExchangeType::INFORMATIONAL,
                notify: NotifyType::AUTHENTICATION_FAILED
            })
        ),
        "{}",
        transcript(&pair.b_events)
    );
}

#[test]
fn responder_picks_the_configuration_matching_the_identity() {
    let mut other = with(RESPONDER, |c| {
        c.remote.id = ikelab_engine::config::Identity::parse("someone.else")
            .unwrap_or_else(|e| panic!("{e}"));
        c.secrets.psk = Some(PskText::new("another-secret"));
    });
    other.pools.clear();
    other.ip_pools = ikelab_engine::config::Named::new();
    let ours = with(RESPONDER, |c| {
        c.remote.id =
            ikelab_engine::config::Identity::parse("cl.example").unwrap_or_else(|e| panic!("{e}"));
    });
    let mut pair = keyed_pair(vec![other, ours], (1, 2), true, LinkConfig::default(), 17);
    let id = pair
        .a
        .initiate(Duration::ZERO, &config(INITIATOR))
        .unwrap_or_else(|e| panic!("{e}"));
    pair.drive();
    assert_eq!(
        state(&pair.a, id),
        Some(SaState::Established),
        "{}",
        transcript(&pair.b_events)
    );
    assert!(
        count(&pair.b_events, |k| matches!(
            k,
            EventKind::Decision(Decision::PeerConfig { index: 1, .. })
        )) == 1
    );
}

#[test]
fn disjoint_traffic_selectors_get_ts_unacceptable() {
    let initiator = with(INITIATOR, |c| {
        if let Some(child) = c.children.get_mut("net") {
            child.remote_ts = vec![
                ikelab_engine::config::TrafficSelector::parse("192.168.0.0/24")
                    .unwrap_or_else(|e| panic!("{e}")),
            ];
        }
    });
    let (mut pair, id) = pair_with(&initiator, config(RESPONDER), LinkConfig::default(), 18);
    pair.drive();
    assert_eq!(state(&pair.a, id), Some(SaState::Established));
    assert_eq!(
        sent(&pair.b_events)[1],
        "IKE_AUTH response 1 [ IDr AUTH CPRP(ADDR DNS) N(TS_UNACCEPT) ]"
    );
    assert!(matches!(
        child_failure(&pair.a_events),
        Some(ChildFailure::PeerError {
            notify: NotifyType::TS_UNACCEPTABLE
        })
    ));
    let decision = find(&pair.b_events, |k| match k {
        EventKind::Decision(Decision::TrafficSelectors(t)) => Some(t.clone()),
        _ => None,
    });
    let Some(decision) = decision else {
        panic!("no TS decision");
    };
    assert!(!decision.accepted);
    assert_eq!(
        decision.verdict,
        TsVerdict::NoOverlap {
            side: TsSide::Responder
        }
    );
    assert!(
        decision.describe().contains("TSr does not overlap"),
        "{}",
        decision.describe()
    );
}

#[test]
fn traffic_selectors_are_narrowed_to_the_responders_policy() {
    let initiator = with(INITIATOR, |c| {
        if let Some(child) = c.children.get_mut("net") {
            child.remote_ts = vec![
                ikelab_engine::config::TrafficSelector::parse("10.0.0.0/8")
                    .unwrap_or_else(|e| panic!("{e}")),
            ];
        }
    });
    let (mut pair, _) = pair_with(&initiator, config(RESPONDER), LinkConfig::default(), 19);
    pair.drive();
    let Some(child) = pair.a.child_sas().next() else {
        panic!("no child:\n{}", transcript(&pair.a_events));
    };
    assert_eq!(
        ikelab_engine::ike::ts::describe(&child.remote_ts[0]),
        "10.1.0.0/24"
    );
    // dynamic + virtual IP: the initiator proposed 0.0.0.0/0 and got its address.
    assert_eq!(
        ikelab_engine::ike::ts::describe(&child.local_ts[0]),
        "10.3.0.1/32"
    );
}

#[test]
fn no_configuration_request_gets_failed_cp_required_and_ts_unacceptable() {
    let initiator = with(INITIATOR, |c| c.vips.clear());
    let (mut pair, id) = pair_with(&initiator, config(RESPONDER), LinkConfig::default(), 20);
    pair.drive();
    assert_eq!(state(&pair.a, id), Some(SaState::Established));
    assert_eq!(
        sent(&pair.a_events)[1],
        "IKE_AUTH request 1 [ IDi N(INIT_CONTACT) IDr AUTH SA TSi TSr ]"
    );
    assert_eq!(
        sent(&pair.b_events)[1],
        "IKE_AUTH response 1 [ IDr AUTH N(FAIL_CP_REQ) N(TS_UNACCEPT) ]"
    );
    assert!(matches!(
        child_failure(&pair.a_events),
        Some(ChildFailure::PeerError {
            notify: NotifyType::FAILED_CP_REQUIRED
        })
    ));
    assert!(matches!(
        child_failure(&pair.b_events),
        Some(ChildFailure::Refused {
            notify: NotifyType::FAILED_CP_REQUIRED,
            ..
        })
    ));
}

#[test]
fn an_exhausted_pool_gets_internal_address_failure() {
    let responder = with(RESPONDER, |c| {
        if let Some(pool) = c.ip_pools.get_mut("vpool") {
            pool.addrs = ikelab_engine::config::PoolAddrs(
                ikelab_engine::config::IpRange::parse("10.3.0.7-10.3.0.7")
                    .unwrap_or_else(|e| panic!("{e}")),
            );
        }
    });
    let (mut pair, first) = pair_with(&config(INITIATOR), responder, LinkConfig::default(), 21);
    pair.drive();
    assert_eq!(
        pair.a.ike_sa(first).map(|s| s.virtual_ips),
        Some(vec!["10.3.0.7".parse().unwrap_or_else(|e| panic!("{e}"))])
    );
    let second_client = with(INITIATOR, |c| {
        c.local.id = Some(
            ikelab_engine::config::Identity::parse("other.example")
                .unwrap_or_else(|e| panic!("{e}")),
        );
    });
    let second = pair
        .a
        .initiate(pair.now, &second_client)
        .unwrap_or_else(|e| panic!("{e}"));
    pair.drive();
    assert_eq!(state(&pair.a, second), Some(SaState::Established));
    assert!(
        sent(&pair.b_events)
            .iter()
            .any(|s| s == "IKE_AUTH response 1 [ IDr AUTH N(INT_ADDR_FAIL) ]"),
        "{:?}",
        sent(&pair.b_events)
    );
    assert_eq!(pair.a.ike_sa(second).map(|s| s.children.len()), Some(0));
}
