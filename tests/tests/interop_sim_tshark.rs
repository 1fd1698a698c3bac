//! Every bundled scenario's exports, read by tshark: the pcap of the run (`ikelab sim
//! --pcap`) opened with its key tables (`--keys`) has no malformed frame, holds every
//! IKE message the simulated links carried, and tshark decrypts every SK payload with
//! the ICV `[correct]`. No bundled scenario uses ChaCha20-Poly1305 (tshark 4.0 lacks
//! it); ESP packets come with the ESP data plane.
//!
//! Interop layer (tshark must be installed; no root, no strongSwan).

use std::time::Instant;

use ikelab_engine::sim::{self, NetworkEvent, library};
use ikelab_tests::interop::tshark::Tshark;
use ikelab_tests::interop::workdir::WorkDir;

/// The IKE message inside a transmitted datagram (without the Non-ESP Marker on
/// port 4500), or `None` for a NAT keep-alive.
fn ike_message(datagram: &ikelab_engine::Datagram) -> Option<&[u8]> {
    let payload = datagram.payload.as_slice();
    let nat_t = datagram.src.port() == 4500 || datagram.dst.port() == 4500;
    match (nat_t, payload) {
        (true, [0xff]) => None,
        (true, [0, 0, 0, 0, rest @ ..]) => Some(rest),
        (false, message) => Some(message),
        (true, other) => panic!("unexpected datagram on 4500: {other:02x?}"),
    }
}

#[test]
fn tshark_decrypts_every_sk_payload_of_every_scenario() {
    let dir = WorkDir::new("simtshark").unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let mut total_encrypted = 0;
    for name in library::names() {
        let scenario = library::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let run = sim::run(&scenario, scenario.seed);
        let pcap = dir.join(format!("{name}.pcap"));
        std::fs::write(
            &pcap,
            sim::export::pcap(&run.trace, scenario.calendar_time).unwrap(),
        )
        .unwrap();
        let tables = sim::export::key_tables(&run.trace);
        assert!(tables.skipped.is_empty(), "{name}: {:?}", tables.skipped);
        let profile = dir.subdir(format!("{name}-keys")).unwrap();
        for (file, text) in tables.files() {
            std::fs::write(profile.join(file), text).unwrap();
        }

        let messages: Vec<&[u8]> = run
            .trace
            .network_events()
            .filter_map(|(_, e)| match e {
                NetworkEvent::Transmit { datagram, .. } => ike_message(datagram),
                _ => None,
            })
            .collect();
        // Next Payload of the IKE header is octet 16 (RFC 7296 §3.1); 46 is SK.
        let encrypted = messages.iter().filter(|m| m.get(16) == Some(&46)).count();

        let tshark = Tshark::with_profile(&profile);
        let seen = tshark
            .ike_messages(&pcap)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(seen.len(), messages.len(), "{name}: {seen:#?}");
        let mut decrypted = 0;
        for (theirs, ours) in seen.iter().zip(&messages) {
            assert_eq!(theirs.length as usize, ours.len(), "{name}: {theirs:#?}");
            if theirs.encrypted_next_payload.is_none() {
                continue;
            }
            assert_eq!(theirs.icv_correct, Some(true), "{name}: {theirs:#?}");
            assert!(
                theirs.decrypted_payload_types.is_some(),
                "{name}: {theirs:#?}"
            );
            decrypted += 1;
        }
        assert_eq!(decrypted, encrypted, "{name}");
        total_encrypted += encrypted;
        assert_eq!(
            tshark.malformed_frames(&pcap).unwrap(),
            Vec::<u32>::new(),
            "{name} with keys"
        );
        assert_eq!(
            Tshark::new().malformed_frames(&pcap).unwrap(),
            Vec::<u32>::new(),
            "{name} without keys"
        );
        eprintln!(
            "{name}: {} IKE messages, {encrypted} SK payloads decrypted",
            messages.len()
        );
    }
    assert!(total_encrypted > 20, "{total_encrypted}");
    eprintln!("all scenarios checked in {:?}", started.elapsed());
}
