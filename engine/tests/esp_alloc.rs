//! The ESP hot path does not touch the heap: 10,000 seal + open pairs through the
//! Engine API after a real handshake, counted by a global allocator private to
//! this test binary. It runs without libtest (`harness = false`): the global
//! counter sees every thread, and the harness's own threads allocate.

#[cfg(not(target_arch = "wasm32"))]
mod ike_support;

fn main() {
    #[cfg(not(target_arch = "wasm32"))]
    {
        native::ten_thousand_seal_open_pairs_allocate_nothing();
        println!(
            "esp_alloc: 0 allocations over 10,000 seal+open pairs, copy and in place, 3 suites"
        );
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::alloc::System;
    use std::net::{IpAddr, Ipv4Addr};

    use super::ike_support::*;
    use ikelab_engine::child::{SEAL_HEADROOM, SEAL_OVERHEAD_MAX};
    use ikelab_engine::ike::EspDatagram;
    use ikelab_engine::wire::ip::{IpProtocol, emit_ip_packet};
    use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

    #[global_allocator]
    static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

    pub(crate) fn ten_thousand_seal_open_pairs_allocate_nothing() {
        for esp_proposal in ["aes256gcm16", "chacha20poly1305", "aes128-sha256"] {
            let initiator = with(INITIATOR, |c| {
                if let Some(child) = c.children.get_mut("net") {
                    child.esp_proposals = vec![esp_proposal.to_owned()];
                    child.replay_window = 1024;
                }
            });
            let responder = with(RESPONDER, |c| {
                if let Some(child) = c.children.get_mut("net") {
                    child.esp_proposals = vec![esp_proposal.to_owned()];
                }
            });
            let (mut pair, id) = pair_with(
                &initiator,
                responder,
                ikelab_engine::sim::LinkConfig::default(),
                3,
            );
            pair.drive();
            let vip = pair.a.ike_sa(id).expect("IKE SA").virtual_ips[0];
            let a_child = pair.a.child_sas().next().expect("CHILD SA").id;
            let mut icmp = vec![8u8, 0, 0, 0, 0, 1, 0, 1];
            icmp.resize(1372, 0x5a);
            let mut packet = Vec::new();
            emit_ip_packet(
                vip,
                IpAddr::V4(Ipv4Addr::new(10, 1, 0, 5)),
                IpProtocol(1),
                0,
                &icmp,
                &mut packet,
            )
            .unwrap();
            assert_eq!(packet.len(), 1392);
            let mut out = vec![0u8; packet.len() + SEAL_OVERHEAD_MAX];
            let mut inbound = vec![0u8; packet.len() + SEAL_OVERHEAD_MAX];
            // Drain what the handshake left, so nothing is pending.
            while pair.a.poll_event().is_some() {}
            while pair.b.poll_event().is_some() {}
            let now = pair.now;

            let region = Region::new(GLOBAL);
            let mut opened_bytes = 0usize;
            for _ in 0..10_000 {
                let sealed = pair.a.seal(now, a_child, &packet, &mut out).expect("seal");
                let esp = &mut inbound[..sealed.len];
                esp.copy_from_slice(&out[..sealed.len]);
                let opened = pair
                    .b
                    .open(
                        now,
                        EspDatagram {
                            src: sealed.src,
                            dst: sealed.dst,
                            buf: esp,
                            esp_offset: 0,
                        },
                    )
                    .expect("open");
                opened_bytes += opened.packet.len();
            }
            let stats = region.change();
            assert_eq!(opened_bytes, 10_000 * packet.len());
            assert_eq!(
                (stats.allocations, stats.reallocations),
                (0, 0),
                "{esp_proposal}: {stats:?}"
            );

            // Zero copy: one buffer sealed in place, opened in place, again and again.
            let mut buf = vec![0u8; SEAL_HEADROOM + packet.len() + SEAL_OVERHEAD_MAX];
            let range = SEAL_HEADROOM..SEAL_HEADROOM + packet.len();
            buf[range.clone()].copy_from_slice(&packet);
            let region = Region::new(GLOBAL);
            for _ in 0..10_000 {
                let sealed = pair
                    .a
                    .seal_in_place(now, a_child, &mut buf, range.clone())
                    .expect("seal in place");
                let opened = pair
                    .b
                    .open(
                        now,
                        EspDatagram {
                            src: sealed.src,
                            dst: sealed.dst,
                            buf: &mut buf[..sealed.offset + sealed.len],
                            esp_offset: sealed.offset,
                        },
                    )
                    .expect("open");
                assert_eq!(opened.packet.len(), packet.len());
            }
            let stats = region.change();
            assert_eq!(
                &buf[range],
                &packet[..],
                "{esp_proposal}: the packet is back"
            );
            assert_eq!(
                (stats.allocations, stats.reallocations),
                (0, 0),
                "{esp_proposal} in place: {stats:?}"
            );
        }
    }
}
