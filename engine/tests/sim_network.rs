//! The simulator's network on its own: MTU, firewall, a killed peer, a moved peer,
//! NAT rebinding, duplication and reordering, and the exports (pcap, key tables).
//! Each case edits a bundled scenario's text and checks the trace's network records.

use ikelab_engine::capture::CaptureReader;
use ikelab_engine::sim::{self, NetworkEvent, Scenario, library};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn edited(name: &str, edit: impl FnOnce(&mut Scenario)) -> Scenario {
    let mut scenario = library::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    edit(&mut scenario);
    scenario.check().unwrap_or_else(|e| panic!("{e}"));
    scenario
}

fn with_script(name: &str, script: &str) -> Scenario {
    let text = format!("{}\n{script}", library::text(name).unwrap());
    // [[script]] tables appended after [expect.*] still belong to the top level.
    Scenario::from_toml(&text).unwrap_or_else(|e| panic!("{e}"))
}

fn network_names(run: &sim::SimRun) -> Vec<String> {
    run.network_names()
}

fn established(run: &sim::SimRun, peer: &str) -> usize {
    run.outcomes
        .iter()
        .find(|(n, _)| n == peer)
        .map_or(0, |(_, o)| o.established)
}

#[test]
fn datagrams_larger_than_the_mtu_are_dropped_and_reported() {
    // The IKE_SA_INIT request is 214 octets of UDP data: 242 octets of IPv4 packet.
    let scenario = edited("happy-path", |s| {
        s.network.link.mtu = Some(241);
        // 1 + 1.8 + ... + 1.8^5 s of retransmission timeouts: about 41 s.
        s.duration = core::time::Duration::from_secs(60);
    });
    let run = sim::run(&scenario, 1);
    let mtu_drops: Vec<_> = run
        .trace
        .network_events()
        .filter_map(|(_, e)| match e {
            NetworkEvent::Dropped {
                cause: sim::DropCause::Mtu { packet_len, mtu },
                ..
            } => Some((*packet_len, *mtu)),
            _ => None,
        })
        .collect();
    assert_eq!(mtu_drops.first(), Some(&(242, 241)));
    // The first transmission and its 5 retransmissions (tries = 5) are all dropped,
    // and the initiator gives up.
    assert_eq!(mtu_drops.len(), 6);
    assert_eq!(established(&run, "initiator"), 0);
    let names: Vec<_> = run
        .trace
        .events_of("initiator")
        .flat_map(sim::expect::event_names)
        .collect();
    assert!(
        names.iter().any(|n| n == "ike_sa_down:timeout"),
        "{names:?}"
    );

    // At exactly 242 the request passes; the larger IKE_AUTH request does not.
    let scenario = edited("happy-path", |s| s.network.link.mtu = Some(242));
    let run = sim::run(&scenario, 1);
    let first_drop = run.trace.network_events().find_map(|(_, e)| match e {
        NetworkEvent::Dropped {
            cause: sim::DropCause::Mtu { packet_len, .. },
            ..
        } => Some(*packet_len),
        _ => None,
    });
    assert!(first_drop.is_some_and(|len| len > 242), "{first_drop:?}");
    assert!(
        run.trace
            .events_of("responder")
            .any(|e| e.describe().starts_with("parsed IKE_SA_INIT request 0"))
    );
}

#[test]
fn a_firewall_blocking_udp_4500_stops_ike_after_the_nat_t_float() {
    let scenario = edited("nat-t-keepalive", |s| {
        s.network.firewall.block_udp_4500 = true
    });
    let run = sim::run(&scenario, 1);
    let names = network_names(&run);
    assert!(names.iter().any(|n| n == "dropped:firewall"), "{names:?}");
    // IKE_SA_INIT on 500 got through; IKE_AUTH on 4500 never does.
    assert_eq!(established(&run, "initiator"), 0);
    assert_eq!(established(&run, "responder"), 0);
    let sent_init = run
        .trace
        .events_of("responder")
        .any(|e| e.describe().starts_with("sending IKE_SA_INIT response 0"));
    assert!(sent_init);
}

#[test]
fn the_script_can_change_the_firewall_in_the_middle_of_a_run() {
    let scenario = with_script(
        "happy-path",
        "[[script]]\nat = \"0s\"\naction = \"firewall\"\nblock_udp_500 = true\n\n\
         [[script]]\nat = \"2500ms\"\naction = \"firewall\"\nblock_udp_500 = false\n",
    );
    let run = sim::run(&scenario, 1);
    let names = network_names(&run);
    // Sent at 0 s and 1 s: blocked; the retransmission at 2.8 s passes.
    assert_eq!(names.iter().filter(|n| *n == "dropped:firewall").count(), 2);
    assert_eq!(established(&run, "initiator"), 1);
}

#[test]
fn a_killed_peer_gets_nothing_and_a_restarted_one_draws_new_spis() {
    let scenario = with_script(
        "happy-path",
        "[[script]]\nat = \"0s\"\naction = \"kill\"\npeer = \"responder\"\n\n\
         [[script]]\nat = \"1500ms\"\naction = \"restart\"\npeer = \"responder\"\n",
    );
    let run = sim::run(&scenario, 1);
    let names = network_names(&run);
    assert!(names.iter().any(|n| n == "dropped:peer_down"), "{names:?}");
    assert!(names.iter().any(|n| n == "peer_restarted"));
    // The retransmission after the restart reaches a fresh responder.
    assert_eq!(established(&run, "initiator"), 1);
    assert_eq!(established(&run, "responder"), 1);
}

#[test]
fn a_peer_that_moves_can_no_longer_send_from_its_old_address() {
    let scenario = with_script(
        "nat-t-keepalive",
        "[[script]]\nat = \"5s\"\naction = \"move\"\npeer = \"initiator\"\nto = \"10.0.0.9\"\n",
    );
    let run = sim::run(&scenario, 1);
    let names = network_names(&run);
    assert!(names.iter().any(|n| n == "peer_moved"));
    // The engine does not know (no MOBIKE yet): its keep-alives still come from
    // 10.0.0.2 and go nowhere.
    assert!(
        names.iter().any(|n| n == "dropped:source_not_assigned"),
        "{names:?}"
    );
}

#[test]
fn a_nat_rebinding_gives_the_next_datagram_a_new_public_port() {
    let scenario = with_script(
        "nat-t-keepalive",
        "[[script]]\nat = \"15s\"\naction = \"nat_rebind\"\n",
    );
    let run = sim::run(&scenario, 1);
    let ports: Vec<u16> = run
        .trace
        .network_events()
        .filter_map(|(_, e)| match e {
            NetworkEvent::NatMapping { public, .. } => Some(public.port()),
            _ => None,
        })
        .collect();
    assert_eq!(ports, [40000, 40001, 40002]);
    let seen_by_responder: Vec<String> = run
        .trace
        .events_of("responder")
        .map(|e| e.describe())
        .filter(|l| l.starts_with("received keep-alive"))
        .collect();
    assert_eq!(
        seen_by_responder.last().map(String::as_str),
        Some("received keep-alive from 203.0.113.7:40002")
    );
}

#[test]
fn duplication_and_reordering_are_reported_and_survived() {
    let scenario = edited("happy-path", |s| {
        s.network.link.duplicate = Some(1.0);
        s.network.link.reorder = Some(0.5);
        s.network.link.reorder_delay = Some(core::time::Duration::from_millis(30));
        s.network.link.jitter = Some(core::time::Duration::from_millis(5));
    });
    let run = sim::run(&scenario, 3);
    let names = network_names(&run);
    assert!(names.iter().any(|n| n == "duplicated"));
    assert!(names.iter().any(|n| n == "reordered"));
    assert_eq!(established(&run, "initiator"), 1);
    assert_eq!(established(&run, "responder"), 1);
    // The responder answered the duplicate from its response cache (RFC 7296 §2.1).
    assert!(
        run.trace
            .events_of("responder")
            .any(|e| e.describe().contains("retransmitting response"))
    );
}

#[test]
fn the_pcap_holds_every_transmitted_datagram_with_virtual_timestamps() {
    let scenario = library::load("nat-t-keepalive").unwrap();
    let run = sim::run(&scenario, 1);
    let pcap = sim::export::pcap(&run.trace, scenario.calendar_time).unwrap();
    let transmitted: Vec<(u64, &ikelab_engine::Datagram)> = run
        .trace
        .network_events()
        .filter_map(|(t, e)| match e {
            NetworkEvent::Transmit { datagram, .. } => Some((t, datagram)),
            _ => None,
        })
        .collect();
    let reader = CaptureReader::new(&pcap).unwrap();
    let records: Vec<_> = reader.map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), transmitted.len());
    for (record, (t_us, datagram)) in records.iter().zip(&transmitted) {
        let seen = record.datagram().unwrap();
        assert_eq!(seen.src, datagram.src.ip());
        assert_eq!(seen.dst, datagram.dst.ip());
        assert_eq!(seen.src_port, Some(datagram.src.port()));
        assert_eq!(seen.dst_port, Some(datagram.dst.port()));
        // The UDP data is the engine's datagram exactly (Non-ESP Marker included).
        assert!(seen.ip_packet.ends_with(&datagram.payload));
        assert_eq!(seen.ip_packet.len(), datagram.payload.len() + 28);
        let expected =
            scenario.calendar_time.as_duration() + core::time::Duration::from_micros(*t_us);
        assert_eq!(record.time, expected);
    }
}

#[test]
fn key_tables_hold_one_ike_line_and_two_esp_lines_per_sa() {
    let scenario = library::load("happy-path").unwrap();
    let run = sim::run(&scenario, 1);
    let tables = sim::export::key_tables(&run.trace);
    assert_eq!(tables.ikev2.len(), 1, "{tables:?}");
    assert_eq!(tables.esp.len(), 2, "{tables:?}");
    assert!(tables.skipped.is_empty());
    let files = tables.files();
    assert_eq!(files[0].0, "ikev2_decryption_table");
    assert!(files[0].1.contains("AES-GCM-256 with 16 octet ICV"));
}

/// Every `(protocol, src port, dst port)` of the ESP packets the links carried: the
/// first transmission after each `esp_sealed` event.
fn esp_transmissions(run: &sim::SimRun) -> Vec<(sim::WireProtocol, u16, u16)> {
    let mut sent_esp = 0;
    let mut out = Vec::new();
    for record in &run.trace.records {
        if record
            .event()
            .is_some_and(|e| matches!(e.kind, ikelab_engine::event::EventKind::EspSealed(_)))
        {
            sent_esp += 1;
        }
        match record.network() {
            Some(NetworkEvent::Transmit {
                datagram, protocol, ..
            }) if sent_esp > out.len() => {
                out.push((*protocol, datagram.src.port(), datagram.dst.port()));
            }
            _ => {}
        }
    }
    out
}

#[test]
fn plain_esp_is_ip_protocol_50_and_a_firewall_rule_for_esp_blocks_it() {
    let run = sim::run(&library::load("esp-replay").unwrap(), 1);
    let carried = esp_transmissions(&run);
    assert_eq!(carried.len(), 6);
    assert!(carried.iter().all(|c| *c == (sim::WireProtocol::Esp, 0, 0)));

    let blocked = edited("esp-replay", |s| s.network.firewall.block_esp = true);
    let run = sim::run(&blocked, 1);
    let names = network_names(&run);
    // IKE still passes; the three echo requests are blocked, nothing is opened.
    assert_eq!(established(&run, "initiator"), 1);
    assert_eq!(
        names.iter().filter(|n| *n == "dropped:firewall").count(),
        3,
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.starts_with("esp_opened")));
    // A UDP 4500 rule does not touch plain ESP.
    let other_rule = edited("esp-replay", |s| s.network.firewall.block_udp_4500 = true);
    let names = network_names(&sim::run(&other_rule, 1));
    assert_eq!(
        names
            .iter()
            .filter(|n| *n == "esp_opened:echo_reply")
            .count(),
        3
    );
}

#[test]
fn behind_a_nat_esp_travels_in_udp_4500_and_a_udp_4500_rule_blocks_it() {
    let run = sim::run(&library::load("nat-t-esp").unwrap(), 1);
    let carried = esp_transmissions(&run);
    assert_eq!(carried.len(), 16);
    assert!(
        carried
            .iter()
            .all(|(p, _, dst)| *p == sim::WireProtocol::Udp && (*dst == 4500 || *dst >= 40000)),
        "{carried:?}"
    );
    // The firewall closes UDP 4500 once IKE is up: ESP in UDP stops.
    let scenario = with_script(
        "nat-t-esp",
        "[[script]]\nat = \"500ms\"\naction = \"firewall\"\nblock_udp_4500 = true\n",
    );
    let names = network_names(&sim::run(&scenario, 1));
    assert!(
        !names.iter().any(|n| n.starts_with("esp_opened")),
        "{names:?}"
    );
    assert_eq!(
        names.iter().filter(|n| *n == "dropped:firewall").count(),
        2 + 10 + 1,
        "{names:?}"
    );
}

#[test]
fn the_pcap_carries_esp_as_protocol_50_or_in_udp() {
    for (name, protocol) in [("esp-replay", 50u8), ("nat-t-esp", 17)] {
        let scenario = library::load(name).unwrap();
        let run = sim::run(&scenario, scenario.seed);
        let pcap = sim::export::pcap(&run.trace, scenario.calendar_time).unwrap();
        let packets: Vec<Vec<u8>> = CaptureReader::new(&pcap[..])
            .unwrap()
            .map(|p| p.unwrap().data.to_vec())
            .collect();
        let transmits = run
            .trace
            .network_events()
            .filter(|(_, e)| matches!(e, NetworkEvent::Transmit { .. }))
            .count();
        assert_eq!(packets.len(), transmits, "{name}");
        // IPv4 Protocol is octet 9 (RFC 791 §3.1).
        let esp_frames = packets
            .iter()
            .filter(|p| p.get(9) == Some(&protocol))
            .count();
        assert!(esp_frames >= esp_transmissions(&run).len(), "{name}");
    }
}

#[test]
fn each_engine_reads_the_scenarios_calendar_time() {
    let scenario = ikelab_engine::sim::library::load("happy-path").unwrap();
    let sim = ikelab_engine::sim::Simulator::new(&scenario, scenario.seed);
    let epoch = scenario.calendar_time.0;
    for peer in ["initiator", "responder"] {
        let at = |secs| sim.unix_time_of(peer, core::time::Duration::from_secs(secs));
        assert_eq!(at(0).map(|t| t.0), Some(epoch), "{peer}");
        assert_eq!(at(90).map(|t| t.0), Some(epoch + 90), "{peer}");
    }
}
