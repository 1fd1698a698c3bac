//! Memory per established, idle IKE SA in a responder holding 10,000 of them,
//! measured with a counting global allocator (stats_alloc; no unsafe code here).
//!
//! Each client is a fresh initiator engine that is dropped after its handshake, so
//! the heap that stays is the responder's: its IKE SAs (keys, SK protection, the
//! cached IKE_AUTH response, identities), CHILD SAs, indexes and pool leases.
//!
//! `cargo bench -p ikelab-engine --bench ike_memory`

use core::time::Duration;
use std::alloc::System;
use std::time::Instant;

use ikelab_engine::config::PeerConfig;
use ikelab_engine::ike::SaState;
use ikelab_engine::sim::fixtures;
use ikelab_engine::{Engine, EngineConfig};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const SAS: usize = 10_000;

fn variant(base: &str, edits: &[(&str, &str)]) -> PeerConfig {
    fixtures::variant(base, edits).expect("configuration")
}

fn main() {
    // The shared gateway with a /16 on each side: 10 000 clients need that many
    // virtual IPs.
    let responder = variant(
        fixtures::GATEWAY,
        &[
            ("children.net.local_ts", r#"["10.1.0.0/16"]"#),
            ("ip_pools.vpool.addrs", r#""10.3.0.0/16""#),
        ],
    );
    let mut gateway = Engine::new(
        EngineConfig {
            responder: vec![responder],
            dissect: false,
            ..EngineConfig::default()
        },
        Box::new(ChaCha20Rng::seed_from_u64(1)),
    )
    .expect("engine");
    let region = Region::new(GLOBAL);
    let started = Instant::now();
    let now = Duration::ZERO;
    for i in 0..SAS {
        let octets = (i as u32 + (10 << 24) + (4 << 16)).to_be_bytes();
        // The shared client, each from its own address with its own identity.
        let address = format!(
            "[\"{}.{}.{}.{}\"]",
            octets[0], octets[1], octets[2], octets[3]
        );
        let id = format!("\"client{i}.example\"");
        let client = variant(
            fixtures::CLIENT,
            &[
                ("local_addrs", &address),
                ("local.id", &id),
                ("children.net.remote_ts", r#"["10.1.0.0/16"]"#),
            ],
        );
        let mut initiator = Engine::new(
            EngineConfig {
                dissect: false,
                ..EngineConfig::default()
            },
            Box::new(ChaCha20Rng::seed_from_u64(100 + i as u64)),
        )
        .expect("engine");
        let id = initiator.initiate(now, &client).expect("initiate");
        loop {
            let mut moved = false;
            while let Some(d) = initiator.poll_transmit() {
                gateway.handle_datagram(now, d);
                moved = true;
            }
            while let Some(d) = gateway.poll_transmit() {
                initiator.handle_datagram(now, d);
                moved = true;
            }
            if !moved {
                break;
            }
        }
        assert_eq!(
            initiator.ike_sa(id).map(|s| s.state),
            Some(SaState::Established)
        );
        while gateway.poll_event().is_some() {}
    }
    let elapsed = started.elapsed();
    let stats = region.change();
    let net = stats.bytes_allocated as i64 - stats.bytes_deallocated as i64;
    let established = gateway
        .ike_sa_ids()
        .into_iter()
        .filter(|id| {
            gateway
                .ike_sa(*id)
                .is_some_and(|s| s.state == SaState::Established)
        })
        .count();
    assert_eq!(established, SAS);
    assert_eq!(gateway.child_sas().count(), SAS);
    println!(
        "responder holds {established} established IKE SAs and {} CHILD SAs",
        gateway.child_sas().count()
    );
    println!(
        "heap retained: {net} bytes = {:.0} bytes per IKE SA (with its CHILD SA)",
        net as f64 / SAS as f64
    );
    println!(
        "allocations during the run: {} ({} bytes), {:.0} handshakes/s including client set-up",
        stats.allocations,
        stats.bytes_allocated,
        SAS as f64 / elapsed.as_secs_f64()
    );
}
