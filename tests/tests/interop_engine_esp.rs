//! Live ESP through our engine: it initiates to a strongSwan 5.9.8 gateway
//! (kernel-libipsec, so ESP in UDP 4500, RFC 3948), takes a virtual IP from the
//! gateway's pool, and `engine-peer --ping` sends ICMP echo requests (RFC 792) from that
//! address to 203.0.113.1 (on the gateway's `lo`, inside its protected net) sealed with
//! `Engine::seal`; the gateway's kernel answers through kernel-libipsec's TUN route, and
//! we open the encrypted replies with `Engine::open`.
//!
//! For `aes256gcm16` (RFC 4106) and `aes128-sha256` (RFC 3602 + RFC 4868) it checks:
//! every request gets its reply (same ICMP identifier and sequence, inner addresses
//! swapped), a re-injected copy of a reply is refused by our anti-replay window
//! (RFC 4303 §3.4.3), our counters and `swanctl --list-sas` on the gateway count at
//! least the pings in each direction; then, on the capture of our namespace, tshark
//! decrypts every ESP packet of both directions with the `esp_sa` table written from
//! our own key-log events (ICV `[correct]`, ICMP inside), and `ikelab dissect --keys`
//! shows the decrypted requests and replies.
//!
//! Interop layer: root, strongSwan, tcpdump, tshark; one test at a time
//! (`--test-threads=1`). Build `ikelab` first (`cargo build -p ikelab-bridge`).

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use ikelab_engine::event::{Event, EventKind};
use ikelab_tests::interop::engine_driver::icmp::{ECHO_REPLY, IcmpEcho};
use ikelab_tests::interop::engine_driver::keys::EventKeyTables;
use ikelab_tests::interop::engine_driver::{
    DriverRecord, EnginePeer, EngineSession, Initiator, PingOptions, RunSpec,
};
use ikelab_tests::interop::pair::{CHILD_NAME, PROTECTED_HOST};
use ikelab_tests::interop::strongswan::{ChildSaStatus, IkeSaStatus};
use ikelab_tests::interop::tshark::Tshark;
use ikelab_tests::run_ikelab;
use serde_json::Value;

const ENGINE_PEER: &str = env!("CARGO_BIN_EXE_engine-peer");
/// Echo requests per run.
const PINGS: u16 = 8;
/// Between two requests.
const PING_INTERVAL: Duration = Duration::from_millis(100);
/// Handshake, pings and the wait for late replies.
const RUN_TIMEOUT: Duration = Duration::from_secs(40);

#[test]
fn esp_aes256gcm16_pings_through_the_gateway() {
    check_esp("espgcm", "aes256gcm16-prfsha256-x25519", "aes256gcm16");
}

#[test]
fn esp_aes128_sha256_pings_through_the_gateway() {
    check_esp("espcbc", "aes128-sha256-modp2048", "aes128-sha256");
}

/// Polls our driver's records until `pings_done`.
fn wait_for_pings(engine: &EnginePeer) -> Vec<DriverRecord> {
    let started = Instant::now();
    loop {
        let records = engine.records().unwrap_or_else(|e| panic!("{e}"));
        if records
            .iter()
            .any(|r| matches!(r, DriverRecord::PingsDone { .. }))
        {
            return records;
        }
        assert!(
            started.elapsed() < RUN_TIMEOUT && !engine.has_exited(),
            "no pings_done after {:?}:\n{}",
            started.elapsed(),
            engine.diagnostics()
        );
        thread::sleep(Duration::from_millis(50));
    }
}

/// A number swanctl printed for the CHILD SA (`bytes-in`, `packets-out`, …).
fn counter(child: &ChildSaStatus, key: &str) -> u64 {
    child
        .raw
        .str(key)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("swanctl shows no number `{key}`: {:#?}", child.raw))
}

fn gateway_child(sas: &[IkeSaStatus]) -> &ChildSaStatus {
    sas.iter()
        .flat_map(|sa| &sa.children)
        .find(|c| c.name == CHILD_NAME && c.state == "INSTALLED")
        .unwrap_or_else(|| panic!("no installed CHILD SA on the gateway: {sas:#?}"))
}

fn check_esp(tag: &str, ike: &str, esp: &str) {
    let started = Instant::now();
    let host: Ipv4Addr = PROTECTED_HOST.parse().unwrap();
    let mut session = EngineSession::start(tag, Initiator::Engine, false, RunSpec::new(ike, esp))
        .unwrap_or_else(|e| panic!("{e}"));
    let engine = session
        .start_engine_with(Path::new(ENGINE_PEER), |options| {
            options.ping = Some(PingOptions {
                dst: host,
                count: PINGS,
                interval: PING_INTERVAL,
            });
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let records = wait_for_pings(&engine);
    let live = started.elapsed();
    let sas = session
        .charon_established(Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("{e}\n{}", session.charon.diagnostics()));
    let gateway = gateway_child(&sas).clone();
    let events = engine.events().unwrap_or_else(|e| panic!("{e}"));
    let diagnostics = engine.diagnostics();
    let artifacts = session
        .finish(Some(&engine))
        .unwrap_or_else(|e| panic!("{e}"));

    let vip = check_pings(esp, &records, &events, host, &diagnostics);
    check_gateway_counters(esp, &gateway);

    let keys = artifacts.workdir.join("keys");
    let tables = EventKeyTables::from_events(&events).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tables.esp.len(), 2, "{esp}: {tables:#?}");
    tables.write(&keys).unwrap_or_else(|e| panic!("{e}"));
    let pcap = &artifacts.capture.pcap;
    let decrypted = check_tshark(esp, pcap, &keys, &events);
    check_tshark_with_a_wrong_key(esp, pcap, &artifacts.workdir.join("broken-keys"), &tables);
    check_dissect(esp, pcap, &keys, vip, host);
    eprintln!(
        "{tag}: {PINGS} pings, {PINGS} replies opened; gateway packets in/out {}/{}, bytes \
         in/out {}/{}; tshark decrypted {decrypted} ESP packets (ICV correct); handshake + \
         pings {live:?}, whole run {:?}",
        counter(&gateway, "packets-in"),
        counter(&gateway, "packets-out"),
        counter(&gateway, "bytes-in"),
        counter(&gateway, "bytes-out"),
        artifacts.total,
    );
}

/// Every request answered, inner addresses swapped, the copy refused; returns our
/// virtual IP.
fn check_pings(
    esp: &str,
    records: &[DriverRecord],
    events: &[Event],
    host: Ipv4Addr,
    diagnostics: &str,
) -> IpAddr {
    let child_up = events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ChildSaUp(up) => Some(up.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{esp}: no CHILD SA:\n{diagnostics}"));
    assert_eq!(child_up.proposal, esp, "{esp}: {child_up:#?}");
    assert!(
        child_up.udp_encap,
        "{esp}: kernel-libipsec forces ESP in UDP"
    );

    let sent: Vec<(u16, u16, IpAddr, IpAddr, u64)> = records
        .iter()
        .filter_map(|r| match r {
            DriverRecord::PingSent {
                seq,
                id,
                src,
                dst,
                esp_sequence,
                ..
            } => Some((*seq, *id, *src, *dst, *esp_sequence)),
            _ => None,
        })
        .collect();
    assert_eq!(sent.len(), usize::from(PINGS), "{esp}:\n{diagnostics}");
    let (_, id, vip, _, _) = sent[0];
    for (i, (seq, this_id, src, dst, esp_sequence)) in sent.iter().enumerate() {
        let n = u16::try_from(i).unwrap() + 1;
        assert_eq!((*seq, *this_id), (n, id), "{esp}: request {n}");
        assert_eq!((*src, *dst), (vip, IpAddr::V4(host)), "{esp}: request {n}");
        // RFC 4303 §3.3.3: the first packet of an SA carries 1, then +1 each.
        assert_eq!(*esp_sequence, u64::from(n), "{esp}: request {n}");
    }
    assert!(vip.to_string().starts_with("203.0.113."), "{esp}: {vip}");

    let mut replies = Vec::new();
    for r in records {
        match r {
            DriverRecord::EspOpened {
                spi,
                inner_src,
                inner_dst,
                echo: Some(echo),
                ..
            } => {
                assert_eq!(*spi, child_up.spi_in, "{esp}: reply on our inbound SPI");
                assert_eq!(
                    (*inner_src, *inner_dst),
                    (IpAddr::V4(host), vip),
                    "{esp}: reply addresses are the request's, swapped"
                );
                replies.push(*echo);
            }
            DriverRecord::EspOpened { .. } => {}
            DriverRecord::EspRejected { .. } => {
                panic!("{esp}: an ESP packet was refused: {r:?}\n{diagnostics}")
            }
            _ => {}
        }
    }
    let expected: Vec<IcmpEcho> = (1..=PINGS)
        .map(|seq| IcmpEcho {
            kind: ECHO_REPLY,
            id,
            seq,
        })
        .collect();
    replies.sort_by_key(|e| e.seq);
    assert_eq!(replies, expected, "{esp}: every request answered once");

    let replay = records
        .iter()
        .find_map(|r| match r {
            DriverRecord::ReplayCheck {
                esp_sequence,
                replay,
                detail,
            } => Some((*esp_sequence, *replay, detail.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{esp}: no replay check:\n{diagnostics}"));
    assert!(
        replay.1 && replay.2.contains("already received"),
        "{esp}: the replayed reply was not refused as a duplicate: {replay:?}"
    );

    let (sent_n, replies_n, counters) = records
        .iter()
        .find_map(|r| match r {
            DriverRecord::PingsDone {
                sent,
                replies,
                counters,
            } => Some((*sent, *replies, *counters)),
            _ => None,
        })
        .unwrap();
    assert_eq!((sent_n, replies_n), (PINGS, PINGS), "{esp}");
    let counters = counters.unwrap_or_else(|| panic!("{esp}: no counters"));
    assert!(
        counters.outbound.packets >= u64::from(PINGS)
            && counters.inbound.packets >= u64::from(PINGS),
        "{esp}: our counters {counters:?}"
    );
    assert_eq!(counters.last_sequence_out, u64::from(PINGS), "{esp}");
    assert!(counters.highest_sequence_in >= u64::from(PINGS), "{esp}");
    vip
}

/// The gateway counted our requests in and its replies out (84-octet inner packets:
/// IPv4 20 + ICMP 8 + 56 data).
fn check_gateway_counters(esp: &str, gateway: &ChildSaStatus) {
    let pings = u64::from(PINGS);
    for key in ["packets-in", "packets-out"] {
        assert!(
            counter(gateway, key) >= pings,
            "{esp}: gateway {key}: {:#?}",
            gateway.raw
        );
    }
    for key in ["bytes-in", "bytes-out"] {
        assert!(
            counter(gateway, key) >= pings * 84,
            "{esp}: gateway {key}: {:#?}",
            gateway.raw
        );
    }
}

/// tshark with our `esp_sa` lines: both directions decrypt, ICV correct, ICMP inside.
/// Returns how many ESP packets it decrypted.
fn check_tshark(esp: &str, pcap: &Path, keys: &Path, events: &[Event]) -> usize {
    let (spi_in, spi_out) = events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ChildSaUp(up) => Some((up.spi_in, up.spi_out)),
            _ => None,
        })
        .unwrap();
    let packets = Tshark::with_profile(keys)
        .esp_packets(pcap)
        .unwrap_or_else(|e| panic!("{e}"));
    let outbound = packets.iter().filter(|p| p.spi == spi_out).count();
    let inbound = packets.iter().filter(|p| p.spi == spi_in).count();
    assert!(
        outbound >= usize::from(PINGS) && inbound >= usize::from(PINGS),
        "{esp}: {outbound} sent, {inbound} received ESP packets in {packets:#?}"
    );
    for p in &packets {
        assert_eq!(p.icv_good, Some(true), "{esp}: ICV not [correct]: {p:#?}");
        assert_eq!(
            p.inner_protocols.first().map(String::as_str),
            Some("ip"),
            "{esp}: {p:#?}"
        );
        assert!(
            p.inner_protocols.iter().any(|proto| proto == "icmp"),
            "{esp}: no ICMP inside: {p:#?}"
        );
    }
    packets.len()
}

/// `ikelab dissect --keys` on the same capture: the requests and replies, decrypted.
fn check_dissect(esp: &str, pcap: &Path, keys: &Path, vip: IpAddr, host: Ipv4Addr) {
    let out = run_ikelab([
        "dissect".as_ref(),
        pcap.as_os_str(),
        "--keys".as_ref(),
        keys.as_os_str(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{esp}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let requests = format!("tunnelled ICMP (1) {vip} → {host}");
    let replies = format!("tunnelled ICMP (1) {host} → {vip}");
    for needle in [&requests, &replies] {
        assert!(
            stdout.matches(needle.as_str()).count() >= usize::from(PINGS),
            "{esp}: fewer than {PINGS} × {needle:?} in:\n{stdout}"
        );
    }

    let out = run_ikelab([
        "dissect".as_ref(),
        pcap.as_os_str(),
        "--keys".as_ref(),
        keys.as_os_str(),
        "--json".as_ref(),
    ]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let esp_frames: Vec<&Value> = doc["frames"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "esp")
        .collect();
    assert!(
        esp_frames.len() >= 2 * usize::from(PINGS),
        "{esp}: {} ESP frames",
        esp_frames.len()
    );
    for frame in esp_frames {
        let text = frame["esp"].to_string();
        assert!(
            text.contains("\"decrypted\":{"),
            "{esp}: not decrypted: {text}"
        );
    }
}

/// `0x…` with the low bit of its first hex digit flipped (a key octet, not the salt).
fn flip_first_digit(hex: &str) -> String {
    let digits = hex.strip_prefix("0x").unwrap();
    let (first, rest) = digits.split_at(1);
    let digit = u8::from_str_radix(first, 16).unwrap() ^ 1;
    format!("0x{digit:x}{rest}")
}

/// One octet of the key that authenticates our requests changed (the HMAC key with
/// CBC, the GCM key otherwise): tshark must flag their ICV as wrong while the replies
/// still verify, so the ICV check above can fail.
fn check_tshark_with_a_wrong_key(esp: &str, pcap: &Path, dir: &Path, tables: &EventKeyTables) {
    let mut broken = tables.clone();
    // `"IPv4","src","dst","0xSPI","ENCR","0xKEY","AUTH","0xAUTHKEY"`.
    let mut fields: Vec<String> = broken.esp[0]
        .strip_prefix('"')
        .and_then(|line| line.strip_suffix('"'))
        .unwrap()
        .split("\",\"")
        .map(str::to_owned)
        .collect();
    assert_eq!(fields.len(), 8, "{esp}: {fields:?}");
    let key = if fields[7].is_empty() { 5 } else { 7 };
    fields[key] = flip_first_digit(&fields[key]);
    broken.esp[0] = format!("\"{}\"", fields.join("\",\""));
    let spi_out = u32::from_str_radix(fields[3].trim_start_matches("0x"), 16).unwrap();
    broken.write(dir).unwrap_or_else(|e| panic!("{e}"));
    let packets = Tshark::with_profile(dir)
        .esp_packets(pcap)
        .unwrap_or_else(|e| panic!("{e}"));
    let (ours, theirs): (Vec<_>, Vec<_>) = packets.iter().partition(|p| p.spi == spi_out);
    assert!(
        !ours.is_empty() && !theirs.is_empty(),
        "{esp}: {packets:#?}"
    );
    // With a wrong GCM key tshark decrypts garbage first, and when the garbage's
    // next-header octet names a protocol tshark dissects (NHRP was seen), that
    // dissector can throw before ESP adds its ICV line: such a packet has no verdict
    // at all. None may pass as good, and the check must have failed on at least one.
    for p in &ours {
        assert_ne!(p.icv_good, Some(true), "{esp}: wrong key accepted: {p:#?}");
        if p.icv_good.is_none() {
            assert!(
                !p.inner_protocols.is_empty(),
                "{esp}: no ICV verdict and nothing dissected: {p:#?}"
            );
        }
    }
    assert!(
        ours.iter().any(|p| p.icv_good == Some(false)),
        "{esp}: no packet of ours failed its ICV check: {ours:#?}"
    );
    for p in theirs {
        assert_eq!(p.icv_good, Some(true), "{esp}: {p:#?}");
    }
}
