//! The full handshake, IKE_SA_INIT + IKE_AUTH with the first CHILD SA, between two
//! engines over a clean link: bytes on the wire, events, and agreement of both sides.

mod ike_support;

use ike_support::*;
use ikelab_engine::event::EventKind;
use ikelab_engine::ike::SaState;

#[test]
fn handshake_establishes_ike_and_child_sa() {
    let (mut pair, id) = default_pair(1);
    pair.drive();
    let a = pair.a.ike_sa(id);
    let Some(a) = a else {
        panic!("initiator SA gone:\n{}", transcript(&pair.a_events));
    };
    assert_eq!(
        a.state,
        SaState::Established,
        "{}",
        transcript(&pair.a_events)
    );
    assert_eq!(
        sent(&pair.a_events),
        [
            "IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) N(HASH_ALG) ]",
            "IKE_AUTH request 1 [ IDi N(INIT_CONTACT) IDr AUTH CPRQ(ADDR DNS) SA TSi TSr ]",
        ]
    );
    assert_eq!(
        sent(&pair.b_events),
        [
            "IKE_SA_INIT response 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) N(HASH_ALG) ]",
            "IKE_AUTH response 1 [ IDr AUTH CPRP(ADDR DNS) SA TSi TSr ]",
        ]
    );
    let children: Vec<_> = pair.a.child_sas().collect();
    let peer: Vec<_> = pair.b.child_sas().collect();
    assert_eq!(children.len(), 1);
    assert_eq!(peer.len(), 1);
    assert_eq!(children[0].spi_in, peer[0].spi_out);
    assert_eq!(children[0].spi_out, peer[0].spi_in);
    assert_eq!(children[0].keys(), peer[0].keys());
    assert_eq!(children[0].outbound_keys(), peer[0].inbound_keys());
    assert_eq!(a.virtual_ips.len(), 1);
    assert!(count(&pair.b_events, |k| matches!(k, EventKind::IkeSaUp(_))) == 1);
    // The DNS server of the gateway's pool reaches the client (RFC 7296 §3.15.1), in
    // its IkeSaUp and its SA's status, and the gateway records what it handed out.
    let pool_dns = vec!["10.1.0.53".parse::<std::net::IpAddr>().unwrap()];
    assert_eq!(a.dns, pool_dns);
    for events in [&pair.a_events, &pair.b_events] {
        let up = events.iter().find_map(|e| match &e.kind {
            EventKind::IkeSaUp(up) => Some(up.clone()),
            _ => None,
        });
        assert_eq!(up.map(|u| u.dns), Some(pool_dns.clone()));
    }
    println!("{}", transcript(&pair.a_events));
}

use core::time::Duration;

use ikelab_engine::config::{Identity, Mode};
use ikelab_engine::event::{Decision, DownReason, Event};
use ikelab_engine::sim::LinkConfig;
use ikelab_engine::wire::iana::{EncrId, IntegId};

#[test]
fn modp2048_aes_cbc_sha256_suite() {
    let initiator = with(INITIATOR, |c| {
        c.proposals = vec!["aes128-sha256-modp2048".to_owned()];
        if let Some(child) = c.children.get_mut("net") {
            child.esp_proposals = vec!["aes128-sha256".to_owned()];
        }
    });
    let (mut pair, id) = pair_with(&initiator, config(RESPONDER), LinkConfig::default(), 2);
    pair.drive();
    assert_eq!(
        state(&pair.a, id),
        Some(SaState::Established),
        "{}",
        transcript(&pair.a_events)
    );
    assert_eq!(
        pair.a.ike_sa(id).and_then(|s| s.proposal).as_deref(),
        Some("aes128-sha256-modp2048")
    );
    let child = pair
        .a
        .child_sas()
        .next()
        .unwrap_or_else(|| panic!("no child"));
    assert_eq!(
        (child.encr, child.encr_key_bits, child.integ),
        (EncrId::AES_CBC, Some(128), Some(IntegId::HMAC_SHA2_256_128))
    );
    let peer = pair
        .b
        .child_sas()
        .next()
        .unwrap_or_else(|| panic!("no child"));
    assert_eq!(child.keys(), peer.keys());
    assert_eq!(child.outbound_keys().1.len(), 32);
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_other_spis() {
    let run = |seed| {
        let (mut pair, _) = default_pair(seed);
        pair.drive();
        pair.wire
            .iter()
            .map(|w| w.datagram.payload.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(run(7), run(7));
    let (one, other) = (run(7), run(8));
    assert_ne!(one[0][..8], other[0][..8], "SPIi");
}

#[test]
fn events_serialise_and_carry_decrypted_dissections() {
    let (mut pair, _) = default_pair(9);
    pair.drive();
    let json = serde_json::to_string(&pair.a_events).unwrap_or_else(|e| panic!("{e}"));
    let back: Vec<Event> = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    // The serialised form round-trips (the engine's in-memory payload types are no
    // part of it, so the events read back have none).
    assert_eq!(serde_json::to_string(&back).ok(), Some(json));
    // The IKE_AUTH request's dissection holds the decrypted inner payloads.
    let auth = pair.a_events.iter().find_map(|e| match &e.kind {
        EventKind::MessageSent(m) if m.encrypted => m.dissection.clone(),
        _ => None,
    });
    let Some(dissection) = auth else {
        panic!("no dissection");
    };
    assert!(dissection.error.is_none());
    let text = serde_json::to_string(&dissection.explained()).unwrap_or_default();
    assert!(
        text.contains("\"decrypted\""),
        "no decrypted block in {text:.300}"
    );
    assert!(
        text.contains("Identification"),
        "inner payloads not dissected"
    );
}

#[test]
fn identities_of_every_type_authenticate() {
    let ids = [
        ("192.0.2.2", "192.0.2.1"),
        ("2001:db8::2", "2001:db8::1"),
        ("cl.example", "gw.example"),
        ("alice@example.org", "gw@example.org"),
        ("C=CH, O=IKElab, CN=client", "C=CH, O=IKElab, CN=gateway"),
        ("@#0102030405", "@#a0a1a2a3"),
        ("keyid:client-key", "keyid:gateway-key"),
    ];
    for (n, (client, gateway)) in ids.iter().enumerate() {
        let parse = |t: &str| Identity::parse(t).unwrap_or_else(|e| panic!("{e}"));
        let initiator = with(INITIATOR, |c| {
            c.local.id = Some(parse(client));
            c.remote.id = parse(gateway);
        });
        let responder = with(RESPONDER, |c| {
            c.local.id = Some(parse(gateway));
            c.remote.id = parse(client);
        });
        let (mut pair, id) = pair_with(&initiator, responder, LinkConfig::default(), 60 + n as u64);
        pair.drive();
        assert_eq!(
            state(&pair.a, id),
            Some(SaState::Established),
            "{client} / {gateway}:\n{}",
            transcript(&pair.b_events)
        );
        let accepted = find(&pair.b_events, |k| match k {
            EventKind::Decision(Decision::Identity(i)) => Some(i.accepted),
            _ => None,
        });
        assert_eq!(accepted, Some(true));
    }
}

#[test]
fn initial_contact_replaces_the_old_ike_sa_of_the_same_peer() {
    let (mut pair, first) = default_pair(10);
    pair.drive_until(Duration::from_secs(1));
    assert_eq!(state(&pair.a, first), Some(SaState::Established));
    // The client restarts: a fresh engine, same identity, INITIAL_CONTACT again.
    let mut restarted = engine(Vec::new(), 999, true);
    let second = restarted
        .initiate(pair.now, &config(INITIATOR))
        .unwrap_or_else(|e| panic!("{e}"));
    pair.a = restarted;
    pair.drive_until(pair.now + Duration::from_secs(1));
    assert_eq!(state(&pair.a, second), Some(SaState::Established));
    assert_eq!(
        pair.b.ike_sa_ids().len(),
        1,
        "{}",
        transcript(&pair.b_events)
    );
    assert!(matches!(
        down_reason(&pair.b_events),
        Some(DownReason::ReplacedByInitialContact { .. })
    ));
    // The returning client gets its virtual IP back.
    assert_eq!(pair.b.child_sas().count(), 1);
    assert_eq!(
        pair.a.ike_sa(second).map(|s| s.virtual_ips),
        Some(vec!["10.3.0.1".parse().unwrap_or_else(|e| panic!("{e}"))])
    );
}

#[test]
fn transport_mode_is_used_when_both_want_it() {
    let transport = |c: &mut ikelab_engine::config::PeerConfig| {
        if let Some(child) = c.children.get_mut("net") {
            child.mode = Mode::Transport;
        }
    };
    let initiator = with(INITIATOR, |c| {
        transport(c);
        c.vips.clear();
        if let Some(child) = c.children.get_mut("net") {
            child.remote_ts = vec![ikelab_engine::config::TrafficSelector::DYNAMIC];
        }
    });
    let responder = with(RESPONDER, |c| {
        transport(c);
        c.pools.clear();
        if let Some(child) = c.children.get_mut("net") {
            child.local_ts = vec![ikelab_engine::config::TrafficSelector::DYNAMIC];
        }
    });
    let (mut pair, _) = pair_with(&initiator, responder, LinkConfig::default(), 11);
    pair.drive();
    assert_eq!(
        sent(&pair.b_events)[1],
        "IKE_AUTH response 1 [ IDr AUTH SA TSi TSr N(USE_TRANSP) ]"
    );
    assert!(pair.a.child_sas().all(|c| c.mode == Mode::Transport));
    assert!(pair.b.child_sas().all(|c| c.mode == Mode::Transport));
}
