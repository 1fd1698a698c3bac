//! Round trips for every transform, both modes and families, and everything a
//! receiver must refuse.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::net::{IpAddr, Ipv4Addr};

use super::{A4, A6, B4, B6, SUITES, Suite, any_ts, pair, ping};
use crate::child::open::open_packet;
use crate::child::seal::seal_packet;
use crate::child::transform::EspTransform;
use crate::child::{
    ChildEsp, EspError, InboundContext, LimitLevel, LimitReason, NEXT_HEADER_DUMMY,
    SEAL_OVERHEAD_MAX, SEQUENCE_SOFT_MARGIN, VolumeLimit, VolumeLimits, open_ip_packet,
    seal_ip_packet,
};
use crate::config::Mode;
use crate::crypto::providers;
use crate::crypto::test_rng::seeded;
use crate::wire::TrafficSelector;

const HEADROOM: usize = 40;

fn context(mode: Mode, src: IpAddr, dst: IpAddr) -> InboundContext<'static> {
    static ANY: std::sync::OnceLock<Vec<TrafficSelector>> = std::sync::OnceLock::new();
    let any = ANY.get_or_init(any_ts);
    InboundContext {
        mode,
        local_ts: any,
        remote_ts: any,
        outer_src: src,
        outer_dst: dst,
    }
}

/// Seals `packet` on `a`, returns the ESP bytes after `HEADROOM` free octets.
fn seal(a: &mut ChildEsp, mode: Mode, packet: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; packet.len() + SEAL_OVERHEAD_MAX];
    let sealed = seal_ip_packet(a, mode, &mut seeded(1), packet, &mut out).expect("seal");
    assert!(sealed.len <= packet.len() + SEAL_OVERHEAD_MAX);
    let mut buf = vec![0u8; HEADROOM];
    buf.extend_from_slice(&out[..sealed.len]);
    buf
}

#[test]
fn every_suite_both_modes_both_families() {
    for provider in providers() {
        for suite in SUITES {
            for esn in [false, true] {
                for (src, dst) in [
                    (IpAddr::V4(A4), IpAddr::V4(B4)),
                    (IpAddr::V6(A6), IpAddr::V6(B6)),
                ] {
                    for mode in [Mode::Tunnel, Mode::Transport] {
                        let (mut a, mut b) =
                            pair(provider, suite, esn, 128, VolumeLimits::default());
                        for (n, len) in [0usize, 1, 15, 16, 17, 100, 1400].into_iter().enumerate() {
                            let packet = ping(src, dst, len);
                            let mut buf = seal(&mut a, mode, &packet);
                            let opened = open_ip_packet(
                                &mut b,
                                &context(mode, src, dst),
                                &mut buf,
                                HEADROOM,
                            )
                            .unwrap_or_else(|e| {
                                panic!("{} {suite:?} esn {esn} {mode:?} {len}: {e}", provider.name)
                            });
                            assert_eq!(opened.sequence, n as u64 + 1);
                            let inner = &buf[opened.packet];
                            match mode {
                                Mode::Tunnel => assert_eq!(inner, &packet[..]),
                                // The rebuilt header differs (Identification, checksum);
                                // the protected payload and addresses do not.
                                Mode::Transport => {
                                    let h = if src.is_ipv4() { 20 } else { 40 };
                                    assert_eq!(&inner[h..], &packet[h..]);
                                }
                            }
                        }
                        let counters = b.counters();
                        assert_eq!(counters.inbound.packets, 7);
                        assert_eq!(a.counters().outbound.packets, 7);
                        assert_eq!(counters.inbound.dropped, 0);
                    }
                }
            }
        }
    }
}

#[test]
fn providers_interoperate() {
    let all = providers();
    for suite in SUITES {
        for sender in all {
            for receiver in all {
                let (mut a, _) = pair(sender, suite, false, 32, VolumeLimits::default());
                let (_, mut b) = pair(receiver, suite, false, 32, VolumeLimits::default());
                let packet = ping(IpAddr::V4(A4), IpAddr::V4(B4), 64);
                let mut buf = seal(&mut a, Mode::Tunnel, &packet);
                let ctx = context(Mode::Tunnel, IpAddr::V4(A4), IpAddr::V4(B4));
                let opened = open_ip_packet(&mut b, &ctx, &mut buf, HEADROOM).expect("open");
                assert_eq!(&buf[opened.packet], &packet[..]);
            }
        }
    }
}

#[test]
fn any_changed_octet_is_refused() {
    for provider in providers() {
        for suite in SUITES {
            let (mut a, _) = pair(provider, suite, true, 64, VolumeLimits::default());
            let packet = ping(IpAddr::V4(A4), IpAddr::V4(B4), 20);
            let clean = seal(&mut a, Mode::Tunnel, &packet);
            for index in HEADROOM..clean.len() {
                for flip in [0x01u8, 0x80] {
                    let (_, mut b) = pair(provider, suite, true, 64, VolumeLimits::default());
                    let mut buf = clean.clone();
                    buf[index] ^= flip;
                    let ctx = context(Mode::Tunnel, IpAddr::V4(A4), IpAddr::V4(B4));
                    let result = open_ip_packet(&mut b, &ctx, &mut buf, HEADROOM);
                    assert!(
                        result.is_err(),
                        "{suite:?} octet {index} ^ {flip:#x} accepted"
                    );
                }
            }
        }
    }
}

#[test]
fn replayed_packet_is_refused() {
    let (mut a, mut b) = pair(
        providers()[0],
        SUITES[0],
        false,
        32,
        VolumeLimits::default(),
    );
    let packet = ping(IpAddr::V4(A4), IpAddr::V4(B4), 20);
    let clean = seal(&mut a, Mode::Tunnel, &packet);
    let ctx = context(Mode::Tunnel, IpAddr::V4(A4), IpAddr::V4(B4));
    open_ip_packet(&mut b, &ctx, &mut clean.clone(), HEADROOM).expect("first");
    assert!(matches!(
        open_ip_packet(&mut b, &ctx, &mut clean.clone(), HEADROOM),
        Err(EspError::Replay(_))
    ));
    assert_eq!(b.counters().inbound.dropped, 1);
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    for provider in providers() {
        for suite in SUITES {
            let (mut a, _) = pair(provider, suite, false, 32, VolumeLimits::default());
            let packet = ping(IpAddr::V6(A6), IpAddr::V6(B6), 30);
            let clean = seal(&mut a, Mode::Transport, &packet);
            for len in 0..clean.len() {
                let (_, mut b) = pair(provider, suite, false, 32, VolumeLimits::default());
                let mut buf = clean[..len].to_vec();
                let ctx = context(Mode::Transport, IpAddr::V6(A6), IpAddr::V6(B6));
                let start = HEADROOM.min(len);
                assert!(
                    open_ip_packet(&mut b, &ctx, &mut buf, start).is_err(),
                    "{len}"
                );
            }
        }
    }
}

#[test]
fn selector_violation_is_dropped() {
    let provider = providers()[0];
    let (mut a, mut b) = pair(provider, SUITES[1], false, 32, VolumeLimits::default());
    // B accepts only 10.2.0.0/24 as its local side and 10.1.0.0/24 as the peer's.
    let local = vec![TrafficSelector::ipv4_range(
        Ipv4Addr::new(10, 2, 0, 0),
        Ipv4Addr::new(10, 2, 0, 255),
    )];
    let remote = vec![TrafficSelector::ipv4_range(
        Ipv4Addr::new(10, 1, 0, 0),
        Ipv4Addr::new(10, 1, 0, 255),
    )];
    let ctx = InboundContext {
        mode: Mode::Tunnel,
        local_ts: &local,
        remote_ts: &remote,
        outer_src: IpAddr::V4(A4),
        outer_dst: IpAddr::V4(B4),
    };
    let good = ping(IpAddr::V4(A4), IpAddr::V4(B4), 8);
    let mut buf = seal(&mut a, Mode::Tunnel, &good);
    assert!(open_ip_packet(&mut b, &ctx, &mut buf, HEADROOM).is_ok());
    let spoofed = ping(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 9)), IpAddr::V4(B4), 8);
    let mut buf = seal(&mut a, Mode::Tunnel, &spoofed);
    assert!(matches!(
        open_ip_packet(&mut b, &ctx, &mut buf, HEADROOM),
        Err(EspError::SelectorViolation { .. })
    ));
    let wrong_dst = ping(IpAddr::V4(A4), IpAddr::V4(Ipv4Addr::new(10, 9, 0, 1)), 8);
    let mut buf = seal(&mut a, Mode::Tunnel, &wrong_dst);
    assert!(matches!(
        open_ip_packet(&mut b, &ctx, &mut buf, HEADROOM),
        Err(EspError::SelectorViolation { .. })
    ));
    // A port-restricted selector: ICMP type/code outside the range is refused.
    let icmp_only_reply = vec![TrafficSelector::Ipv4 {
        ip_protocol: 1,
        start_port: 0,
        end_port: 0,
        start: Ipv4Addr::new(10, 1, 0, 0),
        end: Ipv4Addr::new(10, 1, 0, 255),
    }];
    let ctx = InboundContext {
        remote_ts: &icmp_only_reply,
        ..ctx
    };
    let mut buf = seal(&mut a, Mode::Tunnel, &good);
    assert!(matches!(
        open_ip_packet(&mut b, &ctx, &mut buf, HEADROOM),
        Err(EspError::SelectorViolation { .. })
    ));
    assert_eq!(b.counters().inbound.dropped, 3);
}

#[test]
fn dummy_packets_are_recognised_and_dropped() {
    for suite in SUITES {
        let (a, mut b) = pair(providers()[0], suite, false, 32, VolumeLimits::default());
        let mut out = vec![0u8; 200];
        let len = seal_packet(
            &a.outbound,
            1,
            &mut seeded(2),
            NEXT_HEADER_DUMMY,
            &[0u8; 24],
            &mut out,
        )
        .expect("dummy");
        let mut buf = vec![0u8; HEADROOM];
        buf.extend_from_slice(&out[..len]);
        let ctx = context(Mode::Tunnel, IpAddr::V4(A4), IpAddr::V4(B4));
        assert_eq!(
            open_ip_packet(&mut b, &ctx, &mut buf, HEADROOM),
            Err(EspError::DummyPacket)
        );
        // It was authentic: the window recorded it.
        assert_eq!(b.replay_window().highest(), 1);
    }
}

#[test]
fn tunnel_mode_refuses_another_next_header() {
    let (a, mut b) = pair(
        providers()[0],
        SUITES[0],
        false,
        32,
        VolumeLimits::default(),
    );
    let mut out = vec![0u8; 200];
    let len = seal_packet(&a.outbound, 1, &mut seeded(2), 6, &[0u8; 24], &mut out).unwrap();
    let mut buf = vec![0u8; HEADROOM];
    buf.extend_from_slice(&out[..len]);
    let ctx = context(Mode::Tunnel, IpAddr::V4(A4), IpAddr::V4(B4));
    assert_eq!(
        open_ip_packet(&mut b, &ctx, &mut buf, HEADROOM),
        Err(EspError::UnexpectedNextHeader { next_header: 6 })
    );
}

/// NULL encryption lets a test write any plaintext and a valid ICV.
fn null_packet_with_trailer(esp: &ChildEsp, body: &[u8]) -> Vec<u8> {
    let EspTransform::NullHmac { integ, icv_len } = &esp.outbound.transform else {
        panic!("NULL suite expected");
    };
    let mut packet = esp.outbound.spi.to_be_bytes().to_vec();
    packet.extend(1u32.to_be_bytes());
    packet.extend_from_slice(body);
    let mut icv = vec![0u8; *icv_len];
    integ.compute_into(&[&packet], &mut icv).unwrap();
    packet.extend(icv);
    packet
}

#[test]
fn padding_errors() {
    let null: Suite = SUITES[6];
    let (a, b) = pair(providers()[0], null, false, 32, VolumeLimits::default());
    // Not 1, 2, 3: refused.
    let body = [0xAAu8, 0xBB, 0x01, 0x07, 2, 4];
    let mut packet = null_packet_with_trailer(&a, &body);
    let mut window = crate::child::ReplayWindow::new(32, false);
    assert_eq!(
        open_packet(&b.inbound, Some(&mut window), &mut packet),
        Err(EspError::BadPadding)
    );
    // Pad Length beyond the plaintext.
    let body = [0x01u8, 0x02, 9, 4];
    let mut packet = null_packet_with_trailer(&a, &body);
    let mut window = crate::child::ReplayWindow::new(32, false);
    assert_eq!(
        open_packet(&b.inbound, Some(&mut window), &mut packet),
        Err(EspError::BadPadLength { pad_length: 9 })
    );
    // Default padding is accepted.
    let body = [0xAAu8, 0xBB, 0x01, 0x02, 2, 4];
    let mut packet = null_packet_with_trailer(&a, &body);
    let mut window = crate::child::ReplayWindow::new(32, false);
    let opened = open_packet(&b.inbound, Some(&mut window), &mut packet).unwrap();
    assert_eq!(&packet[opened.payload], &[0xAA, 0xBB]);
}

#[test]
fn cbc_ciphertext_must_be_whole_blocks() {
    let (mut a, mut b) = pair(
        providers()[0],
        SUITES[3],
        false,
        32,
        VolumeLimits::default(),
    );
    let packet = ping(IpAddr::V4(A4), IpAddr::V4(B4), 40);
    let clean = seal(&mut a, Mode::Tunnel, &packet);
    // Remove one octet from the ciphertext (ICV still at the end).
    let mut buf = clean.clone();
    buf.remove(HEADROOM + 8 + 16 + 3);
    let ctx = context(Mode::Tunnel, IpAddr::V4(A4), IpAddr::V4(B4));
    assert!(matches!(
        open_ip_packet(&mut b, &ctx, &mut buf, HEADROOM),
        Err(EspError::NotBlockAligned { .. })
    ));
}

#[test]
fn sequence_exhaustion_signals_then_refuses() {
    for esn in [false, true] {
        let (mut a, _) = pair(providers()[0], SUITES[0], esn, 32, VolumeLimits::default());
        let max = if esn { u64::MAX } else { u64::from(u32::MAX) };
        let packet = ping(IpAddr::V4(A4), IpAddr::V4(B4), 8);
        let mut out = vec![0u8; 200];
        a.set_last_sequence_out(max - SEQUENCE_SOFT_MARGIN - 1);
        let s = seal_ip_packet(&mut a, Mode::Tunnel, &mut seeded(3), &packet, &mut out).unwrap();
        assert_eq!(
            s.crossed[1],
            Some(VolumeLimit {
                level: LimitLevel::Soft,
                reason: LimitReason::Sequence
            })
        );
        let s = seal_ip_packet(&mut a, Mode::Tunnel, &mut seeded(3), &packet, &mut out).unwrap();
        assert_eq!(s.crossed, [None, None], "reported once");
        a.set_last_sequence_out(max - 1);
        let s = seal_ip_packet(&mut a, Mode::Tunnel, &mut seeded(3), &packet, &mut out).unwrap();
        assert_eq!(s.sequence, max);
        assert_eq!(s.crossed[1].map(|l| l.level), Some(LimitLevel::Hard));
        assert_eq!(
            seal_ip_packet(&mut a, Mode::Tunnel, &mut seeded(3), &packet, &mut out),
            Err(EspError::SequenceExhausted)
        );
    }
}

#[test]
fn volume_limits_cross_once() {
    let limits = VolumeLimits {
        soft_bytes: 0,
        hard_bytes: 0,
        soft_packets: 3,
        hard_packets: 5,
    };
    let (mut a, mut b) = pair(providers()[0], SUITES[2], false, 32, limits);
    let packet = ping(IpAddr::V4(A4), IpAddr::V4(B4), 8);
    let ctx = context(Mode::Tunnel, IpAddr::V4(A4), IpAddr::V4(B4));
    let mut seen_out = Vec::new();
    let mut seen_in = Vec::new();
    for _ in 0..7 {
        let mut out = vec![0u8; 200];
        let s = seal_ip_packet(&mut a, Mode::Tunnel, &mut seeded(3), &packet, &mut out).unwrap();
        seen_out.push(s.crossed[0]);
        let mut buf = out[..s.len].to_vec();
        let o = open_ip_packet(&mut b, &ctx, &mut buf, 0).unwrap();
        seen_in.push(o.crossed);
    }
    let soft = Some(VolumeLimit {
        level: LimitLevel::Soft,
        reason: LimitReason::Packets,
    });
    let hard = Some(VolumeLimit {
        level: LimitLevel::Hard,
        reason: LimitReason::Packets,
    });
    assert_eq!(seen_out, vec![None, None, soft, None, hard, None, None]);
    assert_eq!(seen_in, seen_out);
    // Bytes: the inner packet's length.
    assert_eq!(b.counters().inbound.bytes, 7 * packet.len() as u64);
}

#[test]
fn output_buffer_too_small() {
    let (mut a, _) = pair(
        providers()[0],
        SUITES[0],
        false,
        32,
        VolumeLimits::default(),
    );
    let packet = ping(IpAddr::V4(A4), IpAddr::V4(B4), 100);
    let mut out = vec![0u8; packet.len()];
    assert!(matches!(
        seal_ip_packet(&mut a, Mode::Tunnel, &mut seeded(3), &packet, &mut out),
        Err(EspError::BufferTooSmall { .. })
    ));
    // Nothing was consumed: the next packet still carries 1.
    let mut out = vec![0u8; packet.len() + SEAL_OVERHEAD_MAX];
    let s = seal_ip_packet(&mut a, Mode::Tunnel, &mut seeded(3), &packet, &mut out).unwrap();
    assert_eq!(s.sequence, 1);
}

#[test]
fn transport_open_needs_headroom() {
    let (mut a, mut b) = pair(
        providers()[0],
        SUITES[0],
        false,
        32,
        VolumeLimits::default(),
    );
    let packet = ping(IpAddr::V6(A6), IpAddr::V6(B6), 10);
    let sealed = seal(&mut a, Mode::Transport, &packet);
    let mut buf = sealed[HEADROOM..].to_vec();
    let ctx = context(Mode::Transport, IpAddr::V6(A6), IpAddr::V6(B6));
    assert!(matches!(
        open_ip_packet(&mut b, &ctx, &mut buf, 0),
        Err(EspError::BufferTooSmall { .. })
    ));
}

#[test]
fn not_an_ip_packet_is_refused_on_seal() {
    let (mut a, _) = pair(
        providers()[0],
        SUITES[0],
        false,
        32,
        VolumeLimits::default(),
    );
    let mut out = vec![0u8; 200];
    for junk in [&[][..], &[0x45][..], &[0x70, 0, 0, 0][..], &[0x45; 30][..]] {
        assert_eq!(
            seal_ip_packet(&mut a, Mode::Tunnel, &mut seeded(3), junk, &mut out),
            Err(EspError::BadInnerPacket)
        );
    }
}

#[test]
fn sealing_in_place_gives_the_same_bytes_and_opens_back_in_place() {
    use crate::child::{SEAL_HEADROOM, seal_ip_packet_in_place};
    for provider in providers() {
        for suite in SUITES {
            for (src, dst) in [
                (IpAddr::V4(A4), IpAddr::V4(B4)),
                (IpAddr::V6(A6), IpAddr::V6(B6)),
            ] {
                for mode in [Mode::Tunnel, Mode::Transport] {
                    let packet = ping(src, dst, 77);
                    let (mut a1, _) = pair(provider, suite, false, 32, VolumeLimits::default());
                    let (mut a2, mut b) = pair(provider, suite, false, 32, VolumeLimits::default());
                    let mut copied = vec![0u8; packet.len() + SEAL_OVERHEAD_MAX];
                    let by_copy =
                        seal_ip_packet(&mut a1, mode, &mut seeded(9), &packet, &mut copied)
                            .unwrap();
                    let mut buf = vec![0u8; SEAL_HEADROOM];
                    buf.extend_from_slice(&packet);
                    buf.resize(SEAL_HEADROOM + packet.len() + SEAL_OVERHEAD_MAX, 0);
                    let range = SEAL_HEADROOM..SEAL_HEADROOM + packet.len();
                    let in_place =
                        seal_ip_packet_in_place(&mut a2, mode, &mut seeded(9), &mut buf, range)
                            .unwrap();
                    assert_eq!(
                        &buf[in_place.start..in_place.start + in_place.len],
                        &copied[..by_copy.len],
                        "{suite:?} {mode:?}"
                    );
                    let end = in_place.start + in_place.len;
                    let opened = open_ip_packet(
                        &mut b,
                        &context(mode, src, dst),
                        &mut buf[..end],
                        in_place.start,
                    )
                    .unwrap();
                    match mode {
                        Mode::Tunnel => {
                            assert_eq!(opened.packet.start, SEAL_HEADROOM);
                            assert_eq!(&buf[opened.packet], &packet[..]);
                        }
                        Mode::Transport => {
                            let h = if src.is_ipv4() { 20 } else { 40 };
                            assert_eq!(&buf[opened.packet][h..], &packet[h..]);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn sealing_in_place_needs_headroom() {
    use crate::child::seal_ip_packet_in_place;
    let (mut a, _) = pair(
        providers()[0],
        SUITES[0],
        false,
        32,
        VolumeLimits::default(),
    );
    let packet = ping(IpAddr::V4(A4), IpAddr::V4(B4), 10);
    let mut buf = packet.clone();
    buf.resize(packet.len() + SEAL_OVERHEAD_MAX, 0);
    assert!(matches!(
        seal_ip_packet_in_place(
            &mut a,
            Mode::Tunnel,
            &mut seeded(1),
            &mut buf,
            0..packet.len()
        ),
        Err(EspError::BufferTooSmall { .. })
    ));
    // An out-of-range packet is refused, not a panic.
    assert!(
        seal_ip_packet_in_place(&mut a, Mode::Tunnel, &mut seeded(1), &mut buf, 50..9000).is_err()
    );
}

/// RFC 4303 §2.4: payload, padding, Pad Length and Next Header end on a multiple of
/// the alignment (4 for AEADs and NULL, the block size for CBC), with the fewest
/// padding octets. Checked against the arithmetic definition for every length up to
/// a jumbo frame, and for a few fixed cases by hand.
#[test]
fn padding_is_the_least_that_aligns_the_trailer() {
    use crate::child::padding::padding_len;
    for alignment in [4usize, 8, 16] {
        for payload in 0..=9_000usize {
            let pad = padding_len(payload, alignment);
            assert!(pad < alignment, "{payload} {alignment}");
            assert_eq!((payload + pad + 2) % alignment, 0, "{payload} {alignment}");
        }
    }
    // A 1400-octet ping with GCM: 1402 → 2 octets of padding; with AES-CBC: 1402 → 6.
    assert_eq!(padding_len(1400, 4), 2);
    assert_eq!(padding_len(1400, 16), 6);
    assert_eq!(padding_len(14, 16), 0);
    assert_eq!(padding_len(15, 8), 7);
}
