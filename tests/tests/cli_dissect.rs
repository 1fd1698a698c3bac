//! `ikelab dissect`: captures written by the engine's pcap writer (messages built by
//! the engine's emitter), read back by the CLI in text and JSON; and the exit code 3
//! cases (missing file, not a capture, a capture cut short).
//!
//! Build the binary first: `cargo build -p ikelab-bridge` (cargo xtask test does).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ikelab_engine::capture::{DatagramContent, PcapWriter, TimestampResolution};
use ikelab_engine::wire::iana::{
    DhId, EncrId, ExchangeType, IntegId, NotifyType, PayloadType, PrfId, ProtocolId, TransformType,
};
use ikelab_engine::wire::{
    Flags, IkeHeader, IkeSpi, KePayload, Message, NoncePayload, NotifyPayload, Payload, Proposal,
    SaPayload, SkPayload, Transform,
};
use ikelab_tests::run_ikelab;
use serde_json::Value;

/// A file in the temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, bytes: &[u8]) -> Self {
        let path =
            std::env::temp_dir().join(format!("ikelab-cli-dissect-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

const SPI_I: u64 = 0x1a2b_3c4d_5e6f_7081;
const SPI_R: u64 = 0x9192_a3a4_b5b6_c7c8;

fn header(exchange_type: ExchangeType, response: bool, message_id: u32, spi_r: u64) -> IkeHeader {
    IkeHeader {
        spi_i: IkeSpi::from(SPI_I),
        spi_r: IkeSpi::from(spi_r),
        major_version: 2,
        minor_version: 0,
        exchange_type,
        flags: Flags::new(!response, response),
        message_id,
    }
}

/// IKE_SA_INIT request: SA (AES-CBC-128, HMAC-SHA2-256, PRF-SHA2-256, MODP-2048), KE,
/// Nonce, NAT_DETECTION_SOURCE_IP.
fn sa_init_request() -> Message {
    let proposal = Proposal {
        number: 1,
        protocol: ProtocolId::IKE,
        spi: Vec::new(),
        transforms: vec![
            Transform::with_key_length(TransformType::ENCR, EncrId::AES_CBC.0, 128),
            Transform::new(TransformType::PRF, PrfId::HMAC_SHA2_256.0),
            Transform::new(TransformType::INTEG, IntegId::HMAC_SHA2_256_128.0),
            Transform::new(TransformType::DH, DhId::MODP_2048.0),
        ],
    };
    Message {
        header: header(ExchangeType::IKE_SA_INIT, false, 0, 0),
        payloads: vec![
            Payload::Sa(SaPayload {
                proposals: vec![proposal],
            }),
            Payload::Ke(KePayload {
                group: DhId::MODP_2048,
                data: vec![0x5a; 256],
            }),
            Payload::Nonce(NoncePayload {
                data: vec![0xa5; 32],
            }),
            Payload::Notify(NotifyPayload::new(
                NotifyType::NAT_DETECTION_SOURCE_IP,
                vec![0x11; 20],
            )),
        ],
    }
}

/// IKE_AUTH request, encrypted: one SK payload (IV, ciphertext, ICV as opaque octets).
fn auth_request() -> Message {
    Message {
        header: header(ExchangeType::IKE_AUTH, false, 1, SPI_R),
        payloads: vec![Payload::Sk(SkPayload {
            first_payload: PayloadType::IDI,
            body: (0..96u8).collect(),
        })],
    }
}

/// INFORMATIONAL response with an empty SK payload.
fn informational_response() -> Message {
    Message {
        header: header(ExchangeType::INFORMATIONAL, true, 2, SPI_R),
        payloads: vec![Payload::Sk(SkPayload {
            first_payload: PayloadType::NONE,
            body: vec![0x77; 32],
        })],
    }
}

/// An ESP packet: SPI c0ffee01, Sequence Number 1, 40 opaque octets.
fn esp_packet() -> Vec<u8> {
    let mut packet = vec![0xc0, 0xff, 0xee, 0x01, 0, 0, 0, 1];
    packet.extend(std::iter::repeat_n(0xee, 40));
    packet
}

fn addr(text: &str) -> SocketAddr {
    text.parse().unwrap()
}

/// The capture every test reads: IKE_SA_INIT on 500, IKE_AUTH and INFORMATIONAL on
/// 4500 (IPv4), ESP in UDP, a NAT-keepalive, ESP in IP over IPv6.
fn exchange_pcap() -> (Vec<u8>, Vec<Message>) {
    let messages = vec![sa_init_request(), auth_request(), informational_response()];
    let mut writer = PcapWriter::new(Vec::new(), TimestampResolution::Micro).unwrap();
    let t0 = Duration::from_secs(1_700_000_000);
    let ms = Duration::from_millis;
    writer
        .write_datagram(
            t0,
            addr("192.0.2.1:500"),
            addr("192.0.2.2:500"),
            DatagramContent::Ike(&messages[0].emit()),
        )
        .unwrap();
    writer
        .write_datagram(
            t0 + ms(250),
            addr("192.0.2.1:4500"),
            addr("192.0.2.2:4500"),
            DatagramContent::Ike(&messages[1].emit()),
        )
        .unwrap();
    writer
        .write_datagram(
            t0 + ms(500),
            addr("192.0.2.2:4500"),
            addr("192.0.2.1:4500"),
            DatagramContent::Ike(&messages[2].emit()),
        )
        .unwrap();
    writer
        .write_datagram(
            t0 + ms(750),
            addr("192.0.2.1:4500"),
            addr("192.0.2.2:4500"),
            DatagramContent::EspInUdp(&esp_packet()),
        )
        .unwrap();
    writer
        .write_datagram(
            t0 + ms(1000),
            addr("192.0.2.1:4500"),
            addr("192.0.2.2:4500"),
            DatagramContent::NatKeepalive,
        )
        .unwrap();
    writer
        .write_datagram(
            t0 + ms(1250),
            addr("[2001:db8::1]:0"),
            addr("[2001:db8::2]:0"),
            DatagramContent::Esp(&esp_packet()),
        )
        .unwrap();
    (writer.into_inner().unwrap(), messages)
}

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

#[test]
fn text_output_explains_every_message() {
    let (pcap, _) = exchange_pcap();
    let file = TempFile::new("text.pcap", &pcap);
    let out = run_ikelab(["dissect".as_ref(), file.path().as_os_str()]);
    let stdout = stdout_of(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    for expected in [
        "frame 1  2023-11-14T22:13:20.000000Z (+0.000000 s)  192.0.2.1:500 → 192.0.2.2:500  IKE on UDP 500",
        "IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) ]",
        "IKE SA Initiator's SPI: 0x1a2b3c4d5e6f7081",
        "frame 2  2023-11-14T22:13:20.250000Z (+0.250000 s)  192.0.2.1:4500 → 192.0.2.2:4500  IKE on UDP 4500",
        "IKE on UDP 4500 (after the Non-ESP Marker)",
        "IKE_AUTH request 1 [ E ]",
        "INFORMATIONAL response 2 [ E ]",
        "ESP in UDP 4500",
        "ESP SPI 0xc0ffee01 Seq 1",
        "NAT-keepalive on UDP 4500",
        "NAT-Keepalive: 0xff",
        "frame 6  2023-11-14T22:13:21.250000Z (+1.250000 s)  2001:db8::1 → 2001:db8::2  ESP (IP protocol 50)",
        ": 6 frames: 3 IKE, 2 ESP, 1 NAT-keepalive, 0 other",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    // Meanings and RFC sections by default; not with --brief.
    assert!(stdout.contains("(RFC 7296 §3.1)"), "{stdout}");
    let brief = stdout_of(&run_ikelab([
        "dissect".as_ref(),
        file.path().as_os_str(),
        "--brief".as_ref(),
    ]));
    assert!(!brief.contains("(RFC 7296 §3.1)"), "{brief}");
    assert!(
        brief.contains("IKE SA Initiator's SPI: 0x1a2b3c4d5e6f7081\n"),
        "{brief}"
    );
}

#[test]
fn ranges_and_layers() {
    let (pcap, _) = exchange_pcap();
    let file = TempFile::new("ranges.pcap", &pcap);
    let out = run_ikelab([
        "dissect".as_ref(),
        file.path().as_os_str(),
        "--ranges".as_ref(),
        "--brief".as_ref(),
    ]);
    let stdout = stdout_of(&out);
    assert!(stdout.contains("[0..28] IKE Header"), "{stdout}");
    assert!(stdout.contains("[24..28] Length"), "{stdout}");
    let layers = stdout_of(&run_ikelab([
        "dissect".as_ref(),
        file.path().as_os_str(),
        "--ranges".as_ref(),
        "--layers".as_ref(),
        "--brief".as_ref(),
    ]));
    assert!(
        layers.contains("[0..20] IPv4 Header: 192.0.2.1 → 192.0.2.2"),
        "{layers}"
    );
    assert!(
        layers.contains("[20..28] UDP Header: 500 → 500"),
        "{layers}"
    );
    assert!(layers.contains("[28..56] IKE Header"), "{layers}");
    // On port 4500 the marker sits between the UDP header and the IKE header.
    assert!(
        layers.contains("[28..32] Non-ESP Marker: 0x00000000"),
        "{layers}"
    );
    assert!(layers.contains("[32..60] IKE Header"), "{layers}");
    assert!(layers.contains("[0..40] IPv6 Header"), "{layers}");
}

#[test]
fn json_lists_messages_spis_ids_and_payload_types() {
    let (pcap, messages) = exchange_pcap();
    let file = TempFile::new("json.pcap", &pcap);
    let out = run_ikelab([
        "dissect".as_ref(),
        file.path().as_os_str(),
        "--json".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], "ikelab-dissect/1");
    assert_eq!(doc["format"], "pcap");
    assert_eq!(doc["error"], Value::Null);
    assert_eq!(
        doc["totals"],
        serde_json::json!({"frames": 6, "ike": 3, "esp": 2, "nat_keepalive": 1, "other": 0})
    );
    let frames = doc["frames"].as_array().unwrap();
    assert_eq!(frames.len(), 6);
    let ike: Vec<&Value> = frames.iter().filter(|f| f["kind"] == "ike").collect();
    assert_eq!(ike.len(), messages.len());
    for (frame, message) in ike.iter().zip(&messages) {
        let report = &frame["ike"];
        let h = &message.header;
        assert_eq!(report["ispi"], format!("{SPI_I:016x}"));
        assert_eq!(report["rspi"], format!("{:016x}", u64::from(h.spi_r)));
        assert_eq!(report["exchange_type"], h.exchange_type.0);
        assert_eq!(report["exchange"], h.exchange_type.name().unwrap());
        assert_eq!(report["message_id"], h.message_id);
        assert_eq!(report["flags"], h.flags.0);
        assert_eq!(report["length"], message.emit().len());
        let types: Vec<u64> = message
            .payloads
            .iter()
            .map(|p| u64::from(p.payload_type().0))
            .collect();
        let reported: Vec<u64> = report["payloads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(reported, types);
        assert_eq!(report["summary"], message.summary());
        assert_eq!(report["error"], Value::Null);
        assert_eq!(report["dissection"]["length"], message.emit().len());
    }
    assert_eq!(frames[0]["transport"], "udp500");
    assert_eq!(frames[0]["time"], "2023-11-14T22:13:20.000000Z");
    assert_eq!(frames[0]["time_us"], 1_700_000_000_000_000u64);
    assert_eq!(frames[0]["sport"], 500);
    assert_eq!(frames[1]["transport"], "udp4500");
    // The 4500 dissection covers the IKE message only (the marker is not in it).
    assert_eq!(
        frames[1]["ike"]["dissection"]["fields"][0]["name"],
        "IKE Header"
    );
    assert_eq!(frames[3]["kind"], "esp");
    assert_eq!(frames[3]["esp"]["spi"], "c0ffee01");
    assert_eq!(frames[3]["esp"]["sequence"], 1);
    assert_eq!(frames[4]["kind"], "nat_keepalive");
    assert_eq!(frames[5]["transport"], "ip50");
    assert_eq!(frames[5]["sport"], Value::Null);
    assert_eq!(frames[5]["src"], "2001:db8::1");
}

#[test]
fn a_malformed_message_is_shown_and_the_file_goes_on() {
    let mut broken = sa_init_request().emit();
    broken.truncate(broken.len() - 5);
    let mut writer = PcapWriter::new(Vec::new(), TimestampResolution::Nano).unwrap();
    let t = Duration::from_secs(1_700_000_000);
    writer
        .write_datagram(
            t,
            addr("192.0.2.1:500"),
            addr("192.0.2.2:500"),
            DatagramContent::Ike(&broken),
        )
        .unwrap();
    writer
        .write_datagram(
            t,
            addr("192.0.2.2:500"),
            addr("192.0.2.1:500"),
            DatagramContent::Ike(&informational_response().emit()),
        )
        .unwrap();
    let file = TempFile::new("malformed.pcap", &writer.into_inner().unwrap());
    let out = run_ikelab(["dissect".as_ref(), file.path().as_os_str()]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = stdout_of(&out);
    assert!(
        stdout.contains(
            "malformed IKE message: at byte 24, Length: says 404 octets but there are 399"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("IKE SA Initiator's SPI: 0x1a2b3c4d5e6f7081"),
        "{stdout}"
    );
    assert!(
        stdout.contains("INFORMATIONAL response 2 [ E ]"),
        "{stdout}"
    );

    let json = run_ikelab([
        "dissect".as_ref(),
        file.path().as_os_str(),
        "--json".as_ref(),
    ]);
    let doc: Value = serde_json::from_slice(&json.stdout).unwrap();
    let first = &doc["frames"][0]["ike"];
    assert!(
        first["error"].as_str().unwrap().contains("Length"),
        "{first}"
    );
    assert_eq!(first["exchange"], "IKE_SA_INIT");
    // The payload headers that still hold together are listed.
    assert_eq!(first["payloads"][0], 33);
    assert_eq!(doc["frames"][1]["ike"]["error"], Value::Null);
}

#[test]
fn other_frames_are_listed_with_all() {
    let mut writer = PcapWriter::new(Vec::new(), TimestampResolution::Micro).unwrap();
    writer
        .write_datagram(
            Duration::ZERO,
            addr("192.0.2.1:53"),
            addr("192.0.2.2:53"),
            DatagramContent::Udp(b"not ike"),
        )
        .unwrap();
    let file = TempFile::new("other.pcap", &writer.into_inner().unwrap());
    let quiet = stdout_of(&run_ikelab(["dissect".as_ref(), file.path().as_os_str()]));
    assert!(!quiet.contains("skipped"), "{quiet}");
    assert!(
        quiet.contains("1 frames: 0 IKE, 0 ESP, 0 NAT-keepalive, 1 other"),
        "{quiet}"
    );
    let all = stdout_of(&run_ikelab([
        "dissect".as_ref(),
        file.path().as_os_str(),
        "--all".as_ref(),
    ]));
    assert!(
        all.contains("frame 1  skipped: UDP (17), ports 53 → 53: not IKE or ESP"),
        "{all}"
    );
}

#[test]
fn a_missing_file_exits_3_naming_it() {
    let path = std::env::temp_dir().join("ikelab-cli-dissect-no-such-file.pcap");
    let out = run_ikelab(["dissect".as_ref(), path.as_os_str()]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = stderr_of(&out);
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(stderr.contains("cannot read"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_file_that_is_not_a_capture_exits_3_saying_so() {
    let file = TempFile::new("notes.txt", b"these are my notes, not packets\n");
    let out = run_ikelab(["dissect".as_ref(), file.path().as_os_str()]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains(&file.path().display().to_string()),
        "{stderr}"
    );
    assert!(stderr.contains("not a pcap or pcapng capture"), "{stderr}");

    let empty = TempFile::new("empty.pcap", b"");
    let out = run_ikelab(["dissect".as_ref(), empty.path().as_os_str()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr_of(&out).contains("empty"), "{}", stderr_of(&out));
}

#[test]
fn a_capture_cut_short_prints_what_it_has_then_exits_3() {
    let (pcap, _) = exchange_pcap();
    let cut = &pcap[..pcap.len() - 10];
    let file = TempFile::new("cut.pcap", cut);
    let out = run_ikelab(["dissect".as_ref(), file.path().as_os_str()]);
    assert_eq!(out.status.code(), Some(3));
    let stdout = stdout_of(&out);
    assert!(stdout.contains("IKE_SA_INIT request 0"), "{stdout}");
    assert!(stdout.contains("5 frames"), "{stdout}");
    let stderr = stderr_of(&out);
    assert!(stderr.contains("cut short at byte"), "{stderr}");
    assert!(
        stderr.contains(&file.path().display().to_string()),
        "{stderr}"
    );

    let json = run_ikelab([
        "dissect".as_ref(),
        file.path().as_os_str(),
        "--json".as_ref(),
    ]);
    assert_eq!(json.status.code(), Some(3));
    let doc: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(
        doc["error"]
            .as_str()
            .unwrap()
            .starts_with("cut short at byte")
    );
    assert_eq!(doc["frames"].as_array().unwrap().len(), 5);
}

#[test]
fn dissect_help_lists_the_exit_codes() {
    let out = run_ikelab(["dissect", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = stdout_of(&out);
    assert!(stdout.contains("--json"), "{stdout}");
    assert!(
        stdout.contains("3  an input file could not be read or parsed"),
        "{stdout}"
    );
}
