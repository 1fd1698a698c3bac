//! `ikelab dissect --keys DIR`: SK payloads sealed by our `SkProtection` (keys from our
//! key schedule), framed by our message emitter, written by our pcap writer, with a
//! Wireshark profile folder rendered by our `capture::keys::profile`; the CLI must show the inner
//! payloads (IDi, AUTH, SA, TSi, TSr, CP, ...) decrypted in text and JSON, note a wrong
//! key or a missing entry without failing (exit 0), and reject a malformed table line
//! with exit code 3, naming the file, the line and the fault.
//!
//! Build the binary first: `cargo build -p ikelab-bridge` (cargo xtask test does).

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ikelab_engine::capture::keys::profile::{ikev2_decryption_table_line, profile_files};
use ikelab_engine::capture::{DatagramContent, PcapWriter, TimestampResolution};
use ikelab_engine::crypto::keys::{IkeKeys, IkeSuite, derive_ike_keys};
use ikelab_engine::crypto::sk::SkProtection;
use ikelab_engine::wire::iana::{
    AuthMethod, CfgAttrType, CfgType, EncrId, ExchangeType, IntegId, NotifyType, TransformAttrType,
    TransformType,
};
use ikelab_engine::wire::{
    AttributeValue, AuthPayload, CfgAttribute, CpPayload, DeletePayload, Dissection, Flags,
    IdPayload, IkeHeader, IkeSpi, Message, NoncePayload, NotifyPayload, Payload, Proposal,
    SaPayload, SkPayload, TrafficSelector, TsPayload, check_leaf_coverage, emit_payload_chain,
};
use ikelab_tests::interop::engine_crypto::{child_suite, ike_suite};
use ikelab_tests::run_ikelab;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use serde_json::Value;

/// A directory under the temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "ikelab-cli-dissect-keys-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const INITIATOR: &str = "192.0.2.2";
const RESPONDER: &str = "192.0.2.1";
const VIP: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 129);

/// One IKE SA built with our code.
struct Sa {
    suite: IkeSuite,
    encr: EncrId,
    key_bits: Option<u16>,
    integ: Option<IntegId>,
    spi_i: [u8; 8],
    spi_r: [u8; 8],
    keys: IkeKeys,
    /// Only the key schedule's g^ir differs between SAs of one suite.
    proposal: Proposal,
}

impl Sa {
    fn new(ike: &str, spi_i: u64, spi_r: u64, g_ir: u8) -> Self {
        let (proposal, suite) = ike_suite(ike).unwrap_or_else(|e| panic!("{e}"));
        let transform = |kind| proposal.transforms.iter().find(|t| t.kind == kind);
        let encr = transform(TransformType::ENCR).unwrap();
        let key_bits = encr
            .attributes
            .iter()
            .find_map(|a| match (a.kind, &a.value) {
                (TransformAttrType::KEY_LENGTH, AttributeValue::Tv(bits)) => Some(*bits),
                _ => None,
            });
        let integ = transform(TransformType::INTEG).map(|t| IntegId(t.id));
        let (spi_i, spi_r) = (spi_i.to_be_bytes(), spi_r.to_be_bytes());
        let keys = derive_ike_keys(
            &suite,
            &[g_ir; 32],
            &[0x4e; 32],
            &[0x52; 32],
            &spi_i,
            &spi_r,
            None,
        )
        .unwrap();
        Self {
            suite,
            encr: EncrId(encr.id),
            key_bits,
            integ,
            spi_i,
            spi_r,
            keys,
            proposal,
        }
    }

    fn table_line(&self) -> String {
        ikev2_decryption_table_line(
            &self.spi_i,
            &self.spi_r,
            self.encr,
            self.key_bits,
            self.integ,
            &self.keys,
        )
        .unwrap()
    }

    fn header(&self, exchange: ExchangeType, response: bool, message_id: u32) -> IkeHeader {
        let spi_r = if exchange == ExchangeType::IKE_SA_INIT && !response {
            IkeSpi::ZERO
        } else {
            IkeSpi(self.spi_r)
        };
        IkeHeader::new(
            IkeSpi(self.spi_i),
            spi_r,
            exchange,
            Flags::new(!response, response),
            message_id,
        )
    }

    /// An SK message: the emitter writes the headers with their final lengths (the
    /// AAD, RFC 5282 §5.1 / what the ICV covers, RFC 7296 §3.14), `seal` the body.
    fn sealed(&self, header: IkeHeader, inner: &[Payload], rng: &mut ChaCha20Rng) -> Vec<u8> {
        let protection = if header.is_initiator() {
            SkProtection::initiator_to_responder(&self.suite, &self.keys)
        } else {
            SkProtection::responder_to_initiator(&self.suite, &self.keys)
        }
        .unwrap();
        let (plaintext, first_payload) = emit_payload_chain(inner).unwrap();
        let body_len = protection.sealed_len(plaintext.len());
        let mut bytes = Message {
            header,
            payloads: vec![Payload::Sk(SkPayload {
                first_payload,
                body: vec![0; body_len],
            })],
        }
        .emit();
        let aad_end = bytes.len() - body_len;
        let body = protection.seal(&bytes[..aad_end], &plaintext, rng).unwrap();
        bytes.truncate(aad_end);
        bytes.extend(body);
        bytes
    }
}

/// The IKE_AUTH request's inner payloads, as strongSwan sends them.
fn auth_request(esp: &Proposal) -> Vec<Payload> {
    vec![
        Payload::IdI(IdPayload::fqdn("cl.example")),
        Payload::Notify(NotifyPayload::new(NotifyType::INITIAL_CONTACT, Vec::new())),
        Payload::IdR(IdPayload::fqdn("gw.example")),
        Payload::Auth(AuthPayload {
            method: AuthMethod::SHARED_KEY_MIC,
            data: vec![0xa1; 32],
        }),
        Payload::Cp(CpPayload {
            cfg_type: CfgType::REQUEST,
            attributes: vec![CfgAttribute::request(CfgAttrType::INTERNAL_IP4_ADDRESS)],
        }),
        Payload::Sa(SaPayload {
            proposals: vec![Proposal {
                spi: 0xc1c2_c3c4u32.to_be_bytes().to_vec(),
                ..esp.clone()
            }],
        }),
        Payload::TsI(TsPayload {
            selectors: vec![TrafficSelector::ipv4_range(
                Ipv4Addr::UNSPECIFIED,
                Ipv4Addr::BROADCAST,
            )],
        }),
        Payload::TsR(protected()),
    ]
}

fn protected() -> TsPayload {
    TsPayload {
        selectors: vec![TrafficSelector::ipv4_range(
            Ipv4Addr::new(203, 0, 113, 0),
            Ipv4Addr::new(203, 0, 113, 127),
        )],
    }
}

/// The IKE_AUTH response's inner payloads, with the virtual IP in CP.
fn auth_response(esp: &Proposal) -> Vec<Payload> {
    vec![
        Payload::IdR(IdPayload::fqdn("gw.example")),
        Payload::Auth(AuthPayload {
            method: AuthMethod::SHARED_KEY_MIC,
            data: vec![0xb2; 32],
        }),
        Payload::Cp(CpPayload {
            cfg_type: CfgType::REPLY,
            attributes: vec![CfgAttribute::ipv4(CfgAttrType::INTERNAL_IP4_ADDRESS, VIP)],
        }),
        Payload::Sa(SaPayload {
            proposals: vec![Proposal {
                spi: 0xd1d2_d3d4u32.to_be_bytes().to_vec(),
                ..esp.clone()
            }],
        }),
        Payload::TsI(TsPayload {
            selectors: vec![TrafficSelector::ipv4_range(VIP, VIP)],
        }),
        Payload::TsR(protected()),
    ]
}

/// One datagram of the capture.
struct Datagram {
    from_initiator: bool,
    port: u16,
    bytes: Vec<u8>,
    /// The inner payloads of an SK message.
    inner: Option<Vec<Payload>>,
}

/// IKE_SA_INIT (plain, UDP 500), IKE_AUTH and an INFORMATIONAL Delete (sealed, on
/// `port`), for `sa`.
fn exchange(sa: &Sa, port: u16, seed: u8) -> Vec<Datagram> {
    let mut rng = ChaCha20Rng::from_seed([seed; 32]);
    let (esp, _) = child_suite("aes128gcm16").unwrap_or_else(|e| panic!("{e}"));
    let init = |response: bool, nonce: u8| Message {
        header: sa.header(ExchangeType::IKE_SA_INIT, response, 0),
        payloads: vec![
            Payload::Sa(SaPayload {
                proposals: vec![sa.proposal.clone()],
            }),
            Payload::Nonce(NoncePayload {
                data: vec![nonce; 32],
            }),
        ],
    };
    let mut datagrams = vec![
        Datagram {
            from_initiator: true,
            port: 500,
            bytes: init(false, 0x4e).emit(),
            inner: None,
        },
        Datagram {
            from_initiator: false,
            port: 500,
            bytes: init(true, 0x52).emit(),
            inner: None,
        },
    ];
    let sealed: [(ExchangeType, u32, bool, Vec<Payload>); 4] = [
        (ExchangeType::IKE_AUTH, 1, false, auth_request(&esp)),
        (ExchangeType::IKE_AUTH, 1, true, auth_response(&esp)),
        (
            ExchangeType::INFORMATIONAL,
            2,
            false,
            vec![Payload::Delete(DeletePayload::ike())],
        ),
        (ExchangeType::INFORMATIONAL, 2, true, Vec::new()),
    ];
    for (exchange, message_id, response, inner) in sealed {
        let bytes = sa.sealed(sa.header(exchange, response, message_id), &inner, &mut rng);
        datagrams.push(Datagram {
            from_initiator: !response,
            port,
            bytes,
            inner: Some(inner),
        });
    }
    datagrams
}

fn pcap(datagrams: &[Datagram]) -> Vec<u8> {
    let mut writer = PcapWriter::new(Vec::new(), TimestampResolution::Micro).unwrap();
    let mut time = Duration::new(1_700_000_000, 0);
    for d in datagrams {
        let (src, dst) = if d.from_initiator {
            (INITIATOR, RESPONDER)
        } else {
            (RESPONDER, INITIATOR)
        };
        let src: SocketAddr = format!("{src}:{}", d.port).parse().unwrap();
        let dst: SocketAddr = format!("{dst}:{}", d.port).parse().unwrap();
        writer
            .write_datagram(time, src, dst, DatagramContent::Ike(&d.bytes))
            .unwrap();
        time += Duration::from_millis(10);
    }
    writer.into_inner().unwrap()
}

/// A profile folder with these `ikev2_decryption_table` lines (rendered by `capture::keys::profile`).
fn profile(dir: &TempDir, lines: &[String]) -> PathBuf {
    let profile = dir.path().join("profile");
    std::fs::create_dir_all(&profile).unwrap();
    for (name, text) in profile_files(lines, &[]) {
        std::fs::write(profile.join(name), text).unwrap();
    }
    profile
}

/// The two suites of the issues, each on its own IKE SA; GCM's SK messages go over
/// UDP 4500 (after the Non-ESP Marker), CBC's stay on 500.
fn suites() -> (Sa, Sa) {
    (
        Sa::new(
            "aes256gcm16-prfsha256-x25519",
            0x0a0b_0c0d_0e0f_1011,
            0x2122_2324_2526_2728,
            0x61,
        ),
        Sa::new(
            "aes128-sha256-modp2048",
            0x3132_3334_3536_3738,
            0x4142_4344_4546_4748,
            0x62,
        ),
    )
}

fn capture(gcm: &Sa, cbc: &Sa) -> (Vec<u8>, Vec<Datagram>) {
    let mut datagrams = exchange(gcm, 4500, 1);
    datagrams.extend(exchange(cbc, 500, 2));
    (pcap(&datagrams), datagrams)
}

fn dissect(pcap: &Path, keys: Option<&Path>, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["dissect".into(), pcap.as_os_str().to_owned()];
    if let Some(keys) = keys {
        args.push("--keys".into());
        args.push(keys.as_os_str().to_owned());
    }
    args.extend(extra.iter().map(Into::into));
    run_ikelab(args)
}

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn names(payloads: &[Payload]) -> String {
    payloads
        .iter()
        .map(Payload::short_name)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The JSON document of `ikelab dissect --json`.
fn json_of(out: &std::process::Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Depth-first search of a JSON field tree (children and decrypted blocks) for a
/// field named `name`.
fn find_field<'v>(fields: &'v Value, name: &str, out: &mut Vec<&'v Value>) {
    for field in fields.as_array().into_iter().flatten() {
        if field["name"] == name {
            out.push(field);
        }
        find_field(&field["children"], name, out);
        find_field(&field["decrypted"]["fields"], name, out);
    }
}

fn values_of(dissection: &Value, name: &str) -> Vec<String> {
    let mut found = Vec::new();
    find_field(&dissection["fields"], name, &mut found);
    found
        .iter()
        .map(|f| f["value"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn text_shows_the_inner_payloads_decrypted() {
    let (gcm, cbc) = suites();
    let (pcap, datagrams) = capture(&gcm, &cbc);
    let dir = TempDir::new("text");
    let file = dir.write("capture.pcap", &pcap);
    let keys = profile(&dir, &[gcm.table_line(), cbc.table_line()]);
    let out = dissect(&file, Some(&keys), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let stdout = stdout_of(&out);
    for d in &datagrams {
        if let Some(inner) = d.inner.as_ref().filter(|inner| !inner.is_empty()) {
            let line = format!("  decrypted: [ {} ]  (", names(inner));
            assert!(stdout.contains(&line), "{line} missing in:\n{stdout}");
        }
    }
    for expected in [
        "decrypted: [ IDi N(INIT_CONTACT) IDr AUTH CPRQ(ADDR) SA TSi TSr ]",
        "decrypted: [ IDr AUTH CPRP(ADDR) SA TSi TSr ]",
        "decrypted: [ D ]",
        "decrypted: [ ]  (",
        "AES-GCM-256 with 16 octet ICV [RFC5282], SK_ei, ICV correct, key table line 1",
        "AES-GCM-256 with 16 octet ICV [RFC5282], SK_er, ICV correct, key table line 1",
        "AES-CBC-128 [RFC3602] with HMAC_SHA2_256_128 [RFC4868], SK_ei and SK_ai, ICV correct, \
         key table line 2",
        "Identification Data: \"cl.example\"",
        "Identification Data: \"gw.example\"",
        "Initialization Vector: ",
        "Integrity Checksum Data: ",
        "Pad Length: ",
        "203.0.113.129",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing in:\n{stdout}"
        );
    }
    assert!(!stdout.contains("not decrypted"), "{stdout}");
    // Without --keys the same file shows no plaintext.
    let plain = stdout_of(&dissect(&file, None, &[]));
    assert!(!plain.contains("decrypted"), "{plain}");
    assert!(!plain.contains("cl.example"), "{plain}");
}

#[test]
fn json_carries_the_decrypted_payloads_and_full_coverage() {
    let (gcm, cbc) = suites();
    let (pcap, datagrams) = capture(&gcm, &cbc);
    let dir = TempDir::new("json");
    let file = dir.write("capture.pcap", &pcap);
    let keys = profile(&dir, &[gcm.table_line(), cbc.table_line()]);
    let doc = json_of(&dissect(&file, Some(&keys), &["--json"]));
    let frames = doc["frames"].as_array().unwrap();
    assert_eq!(frames.len(), datagrams.len());
    for (frame, d) in frames.iter().zip(&datagrams) {
        let ike = &frame["ike"];
        assert_eq!(ike["error"], Value::Null);
        let dissection: Dissection = serde_json::from_value(ike["dissection"].clone()).unwrap();
        // Every octet of the message, and of each plaintext, in exactly one leaf.
        assert_eq!(
            check_leaf_coverage(&dissection.fields, 0..dissection.length),
            Ok(())
        );
        match &d.inner {
            None => assert!(ike.get("decryption").is_none(), "{ike}"),
            Some(inner) => {
                let decryption = &ike["decryption"];
                assert_eq!(decryption["decrypted"], true, "{decryption}");
                let types: Vec<u64> = inner
                    .iter()
                    .map(|p| u64::from(p.payload_type().0))
                    .collect();
                assert_eq!(decryption["payloads"], serde_json::json!(types));
                let short: Vec<String> = inner.iter().map(Payload::short_name).collect();
                assert_eq!(decryption["payload_names"], serde_json::json!(short));
                assert_eq!(decryption["error"], Value::Null);
                assert!(decryption["note"].as_str().unwrap().contains("ICV correct"));
            }
        }
    }
    // The IKE_AUTH payloads themselves, read back from the decrypted blocks.
    for offset in [0, 6] {
        let request = &frames[offset + 2]["ike"]["dissection"];
        let response = &frames[offset + 3]["ike"]["dissection"];
        assert_eq!(
            values_of(request, "Identification Data")[0],
            "\"cl.example\""
        );
        assert_eq!(
            values_of(request, "Identification Data")[1],
            "\"gw.example\""
        );
        assert_eq!(
            values_of(response, "Identification Data"),
            ["\"gw.example\""]
        );
        assert_eq!(values_of(request, "Auth Method").len(), 1);
        assert!(
            values_of(response, "Value")
                .iter()
                .any(|v| v.contains("203.0.113.129")),
            "{:?}",
            values_of(response, "Value")
        );
        let ts_starts = values_of(response, "Starting Address");
        assert!(
            ts_starts.contains(&"203.0.113.129".to_owned()),
            "{ts_starts:?}"
        );
        assert!(
            ts_starts.contains(&"203.0.113.0".to_owned()),
            "{ts_starts:?}"
        );
    }
}

#[test]
fn a_wrong_key_gives_the_icv_note_and_exit_0() {
    let (gcm, cbc) = suites();
    let (pcap, _) = capture(&gcm, &cbc);
    let dir = TempDir::new("wrong");
    let file = dir.write("capture.pcap", &pcap);
    // Same SPIs, keys from another g^ir: every ICV check must fail.
    let wrong_gcm = Sa::new(
        "aes256gcm16-prfsha256-x25519",
        0x0a0b_0c0d_0e0f_1011,
        0x2122_2324_2526_2728,
        0x99,
    );
    let wrong_cbc = Sa::new(
        "aes128-sha256-modp2048",
        0x3132_3334_3536_3738,
        0x4142_4344_4546_4748,
        0x99,
    );
    let keys = profile(&dir, &[wrong_gcm.table_line(), wrong_cbc.table_line()]);
    let out = dissect(&file, Some(&keys), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let stdout = stdout_of(&out);
    for expected in [
        "! not decrypted: ICV check failed with the key table entry for SPIs \
         0x0a0b0c0d0e0f1011/0x2122232425262728 (line 1), SK_ei",
        "! not decrypted: ICV check failed with the key table entry for SPIs \
         0x0a0b0c0d0e0f1011/0x2122232425262728 (line 1), SK_er",
        "! not decrypted: ICV check failed with the key table entry for SPIs \
         0x3132333435363738/0x4142434445464748 (line 2), SK_ei and SK_ai",
        "— not decrypted: ICV check failed with the key table entry for SPIs",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing in:\n{stdout}"
        );
    }
    assert!(!stdout.contains("cl.example"), "{stdout}");
    assert!(!stdout.contains("decrypted: ["), "{stdout}");

    let doc = json_of(&dissect(&file, Some(&keys), &["--json"]));
    let notes: Vec<&Value> = doc["frames"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["ike"].get("decryption"))
        .collect();
    assert_eq!(notes.len(), 8);
    for d in notes {
        assert_eq!(d["decrypted"], false);
        assert_eq!(d["payloads"], serde_json::json!([]));
        assert!(
            d["note"]
                .as_str()
                .unwrap()
                .starts_with("ICV check failed with the key table entry for SPIs 0x"),
            "{d}"
        );
    }
    assert_eq!(doc["error"], Value::Null);
}

#[test]
fn a_missing_entry_names_the_spi_pair() {
    let (gcm, cbc) = suites();
    let (pcap, _) = capture(&gcm, &cbc);
    let dir = TempDir::new("missing");
    let file = dir.write("capture.pcap", &pcap);
    // Only the GCM SA's keys: the CBC SA's messages have no entry.
    let keys = profile(&dir, &[gcm.table_line()]);
    let out = dissect(&file, Some(&keys), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let stdout = stdout_of(&out);
    assert!(stdout.contains(
        "! not decrypted: no entry for SPIs 0x3132333435363738/0x4142434445464748 \
         (SPIi/SPIr) in the key table"
    ));
    assert!(stdout.contains("decrypted: [ IDi N(INIT_CONTACT) IDr AUTH"));
}

#[test]
fn layers_and_keys_together() {
    let (gcm, cbc) = suites();
    let (pcap, _) = capture(&gcm, &cbc);
    let dir = TempDir::new("layers");
    let file = dir.write("capture.pcap", &pcap);
    let keys = profile(&dir, &[gcm.table_line(), cbc.table_line()]);
    let doc = json_of(&dissect(&file, Some(&keys), &["--json", "--layers"]));
    let frame = &doc["frames"][2];
    let layers: Dissection = serde_json::from_value(frame["layers"].clone()).unwrap();
    assert_eq!(
        check_leaf_coverage(&layers.fields, 0..layers.length),
        Ok(())
    );
    assert_eq!(
        values_of(&frame["layers"], "Identification Data")[0],
        "\"cl.example\""
    );
}

#[test]
fn a_malformed_table_line_exits_3_naming_file_line_and_fault() {
    let (gcm, cbc) = suites();
    let (pcap, _) = capture(&gcm, &cbc);
    let dir = TempDir::new("malformed");
    let file = dir.write("capture.pcap", &pcap);
    let keys = profile(&dir, &[gcm.table_line()]);
    let table = keys.join("ikev2_decryption_table");
    let cases = [
        (
            format!("# comment\n{}\n0102,", gcm.table_line()),
            "line 3: 2 fields where 8 are expected",
        ),
        (
            gcm.table_line()
                .replace("AES-GCM-256 with 16", "AES-GCM-256 with 17"),
            "line 1: unknown encryption algorithm \"AES-GCM-256 with 17 octet ICV [RFC5282]\"",
        ),
        (
            format!("{}\n{}", cbc.table_line(), cbc.table_line()),
            "line 2: SPIs 0x3132333435363738/0x4142434445464748 already have an entry on line 1",
        ),
        (
            gcm.table_line().replacen(",", ",zz", 2),
            "line 1: SPIr is not hex",
        ),
    ];
    for (text, expected) in cases {
        std::fs::write(&table, &text).unwrap();
        let out = dissect(&file, Some(&keys), &["--json"]);
        assert_eq!(out.status.code(), Some(3), "{text}");
        let stderr = stderr_of(&out);
        assert!(
            stderr.contains(&format!("{}: {expected}", table.display())),
            "{expected:?} missing in {stderr}"
        );
        assert!(out.stdout.is_empty(), "nothing is dissected");
    }
}

#[test]
fn a_folder_without_a_table_or_not_a_folder_exits_3() {
    let (gcm, cbc) = suites();
    let (pcap, _) = capture(&gcm, &cbc);
    let dir = TempDir::new("nofolder");
    let file = dir.write("capture.pcap", &pcap);
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = dissect(&file, Some(&empty), &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr_of(&out).contains(&format!(
            "cannot read {}",
            empty.join("ikev2_decryption_table").display()
        )),
        "{}",
        stderr_of(&out)
    );
    let out = dissect(&file, Some(&file), &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr_of(&out).contains("not a directory"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn esp_sa_is_read_and_a_bad_line_exits_3() {
    // --keys reads esp_sa too: a line it cannot parse is an input error naming the
    // file and the line, like a bad ikev2_decryption_table line.
    let (gcm, cbc) = suites();
    let (pcap, _) = capture(&gcm, &cbc);
    let dir = TempDir::new("espsa");
    let file = dir.write("capture.pcap", &pcap);
    let keys = profile(&dir, &[gcm.table_line(), cbc.table_line()]);
    std::fs::write(keys.join("esp_sa"), "not, a valid \"esp_sa line\n").unwrap();
    let out = dissect(&file, Some(&keys), &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stdout_of(&out));
    let stderr = stderr_of(&out);
    assert!(stderr.contains("esp_sa: line 1"), "{stderr}");
    // Without an esp_sa file the IKE decryption works as before.
    std::fs::remove_file(keys.join("esp_sa")).unwrap();
    let out = dissect(&file, Some(&keys), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains("decrypted: [ IDr AUTH CPRP(ADDR) SA TSi TSr ]"));
}

#[test]
fn help_describes_keys() {
    let out = run_ikelab(["dissect", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = stdout_of(&out);
    for expected in [
        "--keys <DIR>",
        "ikev2_decryption_table",
        "WIRESHARK_CONFIG_DIR=DIR tshark",
        "esp_sa",
    ] {
        assert!(help.contains(expected), "{expected:?} missing in:\n{help}");
    }
}

/// ESP sealed by the engine's data plane after a simulated handshake (two engines,
/// `sim::Pair`), captured with `PcapWriter`, keys exported by `capture::keys::profile` as `esp_sa`
/// lines: `ikelab dissect --keys` shows the inner pings, and without the lines the
/// packets stay encrypted.
mod esp {
    use std::net::{IpAddr, Ipv4Addr};
    use std::time::Duration;

    use ikelab_engine::capture::keys::profile::{esp_sa_lines_of, profile_files};
    use ikelab_engine::capture::{DatagramContent, PcapWriter, TimestampResolution};
    use ikelab_engine::child::SEAL_OVERHEAD_MAX;
    use ikelab_engine::config::PeerConfig;
    use ikelab_engine::sim::{LinkConfig, Pair, fixtures};
    use ikelab_engine::wire::ip::{IpProtocol, emit_ip_packet};
    use ikelab_engine::{Engine, EngineConfig};
    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::SeedableRng;

    use super::{TempDir, dissect, json_of, stderr_of, stdout_of};

    /// A shared fixture (`fixtures::CLIENT` or `GATEWAY`) with `esp` as the CHILD
    /// SA's proposal and, with `encap`, UDP encapsulation forced.
    fn config(base: &str, esp: &str, encap: bool) -> PeerConfig {
        let esp = format!("[\"{esp}\"]");
        let encap = if encap { "true" } else { "false" };
        fixtures::variant(
            base,
            &[("children.net.esp_proposals", &esp), ("encap", encap)],
        )
        .unwrap()
    }

    fn engine(responder: Vec<PeerConfig>, seed: u64) -> Engine {
        let config = EngineConfig {
            responder,
            ..EngineConfig::default()
        };
        Engine::new(config, Box::new(ChaCha20Rng::seed_from_u64(seed))).unwrap()
    }

    fn ping(src: IpAddr, dst: IpAddr, kind: u8, sequence: u16) -> Vec<u8> {
        let mut icmp = vec![kind, 0, 0, 0, 0x1d, 0x1d];
        icmp.extend(sequence.to_be_bytes());
        icmp.extend(b"ikelab esp ping payload");
        let mut out = Vec::new();
        emit_ip_packet(src, dst, IpProtocol(1), sequence, &icmp, &mut out).unwrap();
        out
    }

    /// A capture of two pings and their replies through one CHILD SA, and the
    /// CHILD SA's two `esp_sa` lines.
    fn capture(esp: &str, encap: bool) -> (Vec<u8>, [String; 2]) {
        let a = engine(Vec::new(), 11);
        let b = engine(vec![config(fixtures::GATEWAY, esp, encap)], 12);
        let mut pair = Pair::new(a, b, LinkConfig::default(), 13);
        let id = pair
            .a
            .initiate(Duration::ZERO, &config(fixtures::CLIENT, esp, encap))
            .unwrap();
        pair.drive();
        let vip = pair.a.ike_sa(id).unwrap().virtual_ips[0];
        let a_child = pair.a.child_sas().next().unwrap().clone();
        let b_child = pair.b.child_sas().next().unwrap().id;
        let host = IpAddr::V4(Ipv4Addr::new(10, 1, 0, 5));
        let mut writer = PcapWriter::new(Vec::new(), TimestampResolution::Micro).unwrap();
        let mut time = Duration::new(1_700_000_100, 0);
        for n in 1..=2u16 {
            for (from_a, packet) in [
                (true, ping(vip, host, 8, n)),
                (false, ping(host, vip, 0, n)),
            ] {
                let mut out = vec![0u8; packet.len() + SEAL_OVERHEAD_MAX];
                let (engine, child) = if from_a {
                    (&mut pair.a, a_child.id)
                } else {
                    (&mut pair.b, b_child)
                };
                let sealed = engine.seal(pair.now, child, &packet, &mut out).unwrap();
                let bytes = &out[..sealed.len];
                let content = if sealed.udp_encap {
                    DatagramContent::EspInUdp(bytes)
                } else {
                    DatagramContent::Esp(bytes)
                };
                writer
                    .write_datagram(time, sealed.src, sealed.dst, content)
                    .unwrap();
                time += Duration::from_millis(5);
            }
        }
        let lines = esp_sa_lines_of(&a_child).unwrap();
        (writer.into_inner().unwrap(), lines)
    }

    fn folder(dir: &TempDir, esp_lines: &[String]) -> std::path::PathBuf {
        let profile = dir.path().join("profile");
        std::fs::create_dir_all(&profile).unwrap();
        for (name, text) in profile_files(&[], esp_lines) {
            std::fs::write(profile.join(name), text).unwrap();
        }
        profile
    }

    #[test]
    fn esp_from_the_engine_shows_the_inner_pings() {
        for (esp, encap) in [("aes256gcm16", true), ("aes128-sha256", false)] {
            let (pcap, lines) = capture(esp, encap);
            let dir = TempDir::new(&format!("esp-{esp}"));
            let file = dir.write("esp.pcap", &pcap);
            let keys = folder(&dir, &lines);
            let out = dissect(&file, Some(&keys), &[]);
            assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
            let stdout = stdout_of(&out);
            if std::env::var_os("SHOW_ESP_DISSECTION").is_some() {
                println!("{stdout}");
            }
            assert!(
                stdout.matches("ICMP").count() >= 4,
                "{esp}: four decrypted ICMP packets expected in:\n{stdout}"
            );
            for needle in [
                "tunnelled ICMP (1) 10.3.0.1 → 10.1.0.5",
                "tunnelled ICMP (1) 10.1.0.5 → 10.3.0.1",
            ] {
                assert!(
                    stdout.contains(needle),
                    "{esp}: {needle} missing:\n{stdout}"
                );
            }
            let json = json_of(&dissect(&file, Some(&keys), &["--json"]));
            let frames = json["frames"].as_array().unwrap();
            assert_eq!(frames.len(), 4);
            for frame in frames {
                assert_eq!(frame["kind"], "esp");
                let text = frame["esp"].to_string();
                assert!(
                    text.contains("\"decrypted\":{"),
                    "{esp}: not decrypted: {text}"
                );
            }

            // Without the lines (an empty esp_sa) the packets stay encrypted.
            let bare = TempDir::new(&format!("esp-bare-{esp}"));
            let file = bare.write("esp.pcap", &pcap);
            let keys = folder(&bare, &[]);
            let json = json_of(&dissect(&file, Some(&keys), &["--json"]));
            for frame in json["frames"].as_array().unwrap() {
                let text = frame["esp"].to_string();
                assert!(
                    !text.contains("\"decrypted\":{"),
                    "{esp}: decrypted without keys"
                );
            }
        }
    }

    #[test]
    fn a_malformed_esp_sa_line_exits_3() {
        let (pcap, _) = capture("aes256gcm16", false);
        let dir = TempDir::new("esp-bad");
        let file = dir.write("esp.pcap", &pcap);
        let keys = folder(&dir, &["\"IPv4\",\"*\",\"*\",\"0x1\"".to_owned()]);
        let out = dissect(&file, Some(&keys), &[]);
        assert_eq!(out.status.code(), Some(3));
        let stderr = stderr_of(&out);
        assert!(
            stderr.contains("esp_sa") && stderr.contains("line 1"),
            "{stderr}"
        );
    }
}
