//! SK payloads sealed by IKElab, decrypted by tshark with the keys IKElab exports.
//!
//! For each IKE suite tshark 4.0.17 can decrypt (AES-GCM with 8, 12 and 16-octet ICVs,
//! AES-CBC with HMAC-SHA1-96 and HMAC-SHA2-256/384/512), our code alone builds an exchange:
//! an X25519 key exchange and the key schedule (`derive_ike_keys`), plaintext IKE_SA_INIT
//! messages, an IKE_AUTH request (IDi, N(INITIAL_CONTACT), IDr, AUTH, CP, SA, TSi, TSr) and
//! response (IDr, AUTH, CP, SA, TSi, TSr) with PSK AUTH values (RFC 7296 §2.15), and an
//! INFORMATIONAL Delete with an empty response. Inner chains come from our wire emitter,
//! the IKE header and SK generic header (the associated data, RFC 5282 §5.1, or the start
//! of what the ICV covers, RFC 7296 §3.14) from our message emitter, the SK bodies from
//! `SkProtection::seal` with a seeded RNG, the file from our pcap writer (IPv4; IKE_SA_INIT
//! on UDP 500, the rest on UDP 4500 behind the Non-ESP Marker or on 500). The keys go into
//! a Wireshark profile folder rendered by our `capture::keys::profile` module.
//!
//! tshark must then decrypt every SK payload with the ICV shown `[correct]` and list the
//! inner payloads we put in; with one ciphertext octet flipped per message it must call
//! every ICV incorrect; and it must find no malformed frame, with or without the keys.
//!
//! Interop layer (tshark must be installed; no root, no strongSwan).

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use ikelab_engine::capture::keys::profile::{ikev2_decryption_table_line, profile_files};
use ikelab_engine::capture::{DatagramContent, PcapWriter, TimestampResolution};
use ikelab_engine::crypto::auth::{shared_key_auth, signed_octets};
use ikelab_engine::crypto::keys::{IkeKeys, IkeSuite, derive_ike_keys};
use ikelab_engine::crypto::sk::SkProtection;
use ikelab_engine::crypto::{Cipher, RUST_CRYPTO};
use ikelab_engine::wire::iana::{
    AuthMethod, CfgAttrType, CfgType, DhId, EncrId, ExchangeType, IntegId, NotifyType,
    TransformAttrType, TransformType,
};
use ikelab_engine::wire::{
    AttributeValue, AuthPayload, CfgAttribute, CpPayload, DeletePayload, Flags, IdPayload,
    IkeHeader, IkeSpi, KePayload, Message, NoncePayload, NotifyPayload, Payload, Proposal,
    SaPayload, SkPayload, TrafficSelector, TsPayload, emit_payload_chain,
};
use ikelab_tests::interop::engine_crypto::{child_suite, ike_suite, open_message};
use ikelab_tests::interop::tshark::{Tshark, TsharkIkeMessage};
use ikelab_tests::interop::workdir::WorkDir;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// One IKE SA of the file: its suite as strongSwan writes it, and whether IKE_AUTH and
/// INFORMATIONAL travel on UDP 4500 (Non-ESP Marker, RFC 3948 §2.2) or stay on 500.
struct Case {
    ike: &'static str,
    udp_4500: bool,
}

const CASES: &[Case] = &[
    Case {
        ike: "aes128gcm16-prfsha256-x25519",
        udp_4500: true,
    },
    Case {
        ike: "aes256gcm16-prfsha256-x25519",
        udp_4500: true,
    },
    Case {
        ike: "aes256gcm8-prfsha256-x25519",
        udp_4500: false,
    },
    Case {
        ike: "aes192gcm12-prfsha384-x25519",
        udp_4500: true,
    },
    Case {
        ike: "aes128-sha256-x25519",
        udp_4500: false,
    },
    Case {
        ike: "aes256-sha256-x25519",
        udp_4500: true,
    },
    Case {
        ike: "aes256-sha384-x25519",
        udp_4500: true,
    },
    Case {
        ike: "aes192-sha512-x25519",
        udp_4500: false,
    },
    Case {
        ike: "aes128-sha1-x25519",
        udp_4500: true,
    },
];

const INITIATOR: &str = "192.0.2.2";
const RESPONDER: &str = "192.0.2.1";
const PSK: &[u8] = b"ikelab-sk-tshark-psk";
const ESP_PROPOSAL: &str = "aes128gcm16";

/// One datagram of the file.
struct Datagram {
    from_initiator: bool,
    port: u16,
    bytes: Vec<u8>,
    /// For an encrypted message: what we put inside and where its ciphertext starts.
    sealed: Option<Sealed>,
}

struct Sealed {
    inner_types: Vec<u8>,
    /// Offset of the first ciphertext octet (after the IV) in `bytes`.
    ciphertext_at: usize,
    /// The IV, Pad Length and ICV our code chose, to compare with where tshark found them.
    iv: Vec<u8>,
    pad_length: u8,
    icv: Vec<u8>,
}

/// The IKE SA of one case: suite, SPIs, keys and the table line our `capture::keys::profile` renders.
struct Sa {
    ike: &'static str,
    suite: IkeSuite,
    encr: EncrId,
    key_bits: Option<u16>,
    integ: Option<IntegId>,
    spi_i: [u8; 8],
    spi_r: [u8; 8],
    keys: IkeKeys,
    table_line: String,
}

fn transform_of(proposal: &Proposal, kind: TransformType) -> Option<(u16, Option<u16>)> {
    proposal
        .transforms
        .iter()
        .find(|t| t.kind == kind)
        .map(|t| {
            let bits = t.attributes.iter().find_map(|a| match (a.kind, &a.value) {
                (TransformAttrType::KEY_LENGTH, AttributeValue::Tv(bits)) => Some(*bits),
                _ => None,
            });
            (t.id, bits)
        })
}

fn header(sa: &Sa, exchange: ExchangeType, response: bool, message_id: u32) -> IkeHeader {
    let spi_r = if exchange == ExchangeType::IKE_SA_INIT && !response {
        IkeSpi::ZERO
    } else {
        IkeSpi(sa.spi_r)
    };
    IkeHeader::new(
        IkeSpi(sa.spi_i),
        spi_r,
        exchange,
        // Every message here is a request from the original initiator or a response
        // from the original responder (RFC 7296 §3.1 flags).
        Flags::new(!response, response),
        message_id,
    )
}

/// Seals `inner` into an SK payload: the message emitter writes the IKE header and the SK
/// generic header with their final lengths (`sealed_len`), those octets are the AAD, and
/// `SkProtection::seal` fills the body (RFC 7296 §3.14, RFC 5282 §5.1).
fn seal(
    header: IkeHeader,
    inner: &[Payload],
    protection: &SkProtection,
    (iv_len, icv_len): (usize, usize),
    rng: &mut ChaCha20Rng,
) -> (Vec<u8>, Sealed) {
    let (plaintext, first_payload) = emit_payload_chain(inner).unwrap();
    let body_len = protection.sealed_len(plaintext.len());
    let mut message = Message {
        header,
        payloads: vec![Payload::Sk(SkPayload {
            first_payload,
            body: vec![0; body_len],
        })],
    };
    let framed = message.try_emit().unwrap();
    let aad = framed[..framed.len() - body_len].to_vec();
    let body = protection.seal(&aad, &plaintext, rng).unwrap();
    assert_eq!(body.len(), body_len);
    message.payloads = vec![Payload::Sk(SkPayload {
        first_payload,
        body,
    })];
    let bytes = message.try_emit().unwrap();
    assert_eq!(bytes[..aad.len()], aad[..], "the header did not change");
    // Our own open gets back what went in.
    let opened = open_message(&bytes, protection).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(opened.plaintext, plaintext);
    assert_eq!(opened.payloads, inner);
    // Body = IV | inner payloads | Padding | Pad Length | ICV (§3.14).
    let pad_length = body_len - iv_len - plaintext.len() - 1 - icv_len;
    let sealed = Sealed {
        inner_types: inner.iter().map(|p| p.payload_type().0).collect(),
        ciphertext_at: aad.len() + iv_len,
        iv: bytes[aad.len()..aad.len() + iv_len].to_vec(),
        pad_length: u8::try_from(pad_length).unwrap(),
        icv: bytes[bytes.len() - icv_len..].to_vec(),
    };
    (bytes, sealed)
}

fn plain(from_initiator: bool, message: &Message) -> Datagram {
    Datagram {
        from_initiator,
        port: 500,
        bytes: message.emit(),
        sealed: None,
    }
}

/// The exchange of one case, and its IKE SA.
fn build_exchange(case: &Case, rng: &mut ChaCha20Rng) -> (Sa, Vec<Datagram>) {
    let (proposal, suite) = ike_suite(case.ike).unwrap_or_else(|e| panic!("{e}"));
    let (encr, key_bits) = transform_of(&proposal, TransformType::ENCR).unwrap();
    let integ = transform_of(&proposal, TransformType::INTEG).map(|(id, _)| IntegId(id));
    let group = RUST_CRYPTO.group(DhId::CURVE25519).unwrap();
    let ours = group.start(rng).unwrap();
    let theirs = group.start(rng).unwrap();
    let g_ir = ours.complete(theirs.public_value()).unwrap();
    assert_eq!(g_ir, theirs.complete(ours.public_value()).unwrap());
    let mut random = |len: usize| {
        let mut bytes = vec![0; len];
        rng.fill_bytes(&mut bytes);
        bytes
    };
    let (ni, nr) = (random(32), random(32));
    let spi_i: [u8; 8] = random(8).try_into().unwrap();
    let spi_r: [u8; 8] = random(8).try_into().unwrap();
    let keys = derive_ike_keys(&suite, g_ir.as_bytes(), &ni, &nr, &spi_i, &spi_r, None).unwrap();
    let table_line =
        ikev2_decryption_table_line(&spi_i, &spi_r, EncrId(encr), key_bits, integ, &keys)
            .unwrap_or_else(|e| panic!("{}: {e}", case.ike));
    let sa = Sa {
        ike: case.ike,
        suite,
        encr: EncrId(encr),
        key_bits,
        integ,
        spi_i,
        spi_r,
        keys,
        table_line,
    };

    let init_request = Message {
        header: header(&sa, ExchangeType::IKE_SA_INIT, false, 0),
        payloads: vec![
            Payload::Sa(SaPayload {
                proposals: vec![proposal.clone()],
            }),
            Payload::Ke(KePayload {
                group: DhId::CURVE25519,
                data: ours.public_value().to_vec(),
            }),
            Payload::Nonce(NoncePayload { data: ni.clone() }),
        ],
    };
    let init_response = Message {
        header: header(&sa, ExchangeType::IKE_SA_INIT, true, 0),
        payloads: vec![
            Payload::Sa(SaPayload {
                proposals: vec![proposal],
            }),
            Payload::Ke(KePayload {
                group: DhId::CURVE25519,
                data: theirs.public_value().to_vec(),
            }),
            Payload::Nonce(NoncePayload { data: nr.clone() }),
        ],
    };
    let mut datagrams = vec![plain(true, &init_request), plain(false, &init_response)];

    let (esp, _) = child_suite(ESP_PROPOSAL).unwrap_or_else(|e| panic!("{e}"));
    let id_i = IdPayload::fqdn("cl.example");
    let id_r = IdPayload::fqdn("gw.example");
    let auth = |real_message: &[u8], nonce: &[u8], sk_p, id: &IdPayload| {
        let rest_of_id = Payload::IdI(id.clone()).emit_body().unwrap();
        let octets = signed_octets(sa.suite.prf, real_message, nonce, sk_p, &rest_of_id);
        Payload::Auth(AuthPayload {
            method: AuthMethod::SHARED_KEY_MIC,
            data: shared_key_auth(sa.suite.prf, PSK, &octets)
                .as_bytes()
                .to_vec(),
        })
    };
    let vip = std::net::Ipv4Addr::new(203, 0, 113, 129);
    let protected = TsPayload {
        selectors: vec![TrafficSelector::ipv4_range(
            std::net::Ipv4Addr::new(203, 0, 113, 0),
            std::net::Ipv4Addr::new(203, 0, 113, 127),
        )],
    };
    let auth_request = vec![
        Payload::IdI(id_i.clone()),
        Payload::Notify(NotifyPayload::new(NotifyType::INITIAL_CONTACT, Vec::new())),
        Payload::IdR(id_r.clone()),
        auth(&init_request.emit(), &nr, sa.keys.sk_pi(), &id_i),
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
                std::net::Ipv4Addr::UNSPECIFIED,
                std::net::Ipv4Addr::BROADCAST,
            )],
        }),
        Payload::TsR(protected.clone()),
    ];
    let auth_response = vec![
        Payload::IdR(id_r.clone()),
        auth(&init_response.emit(), &ni, sa.keys.sk_pr(), &id_r),
        Payload::Cp(CpPayload {
            cfg_type: CfgType::REPLY,
            attributes: vec![CfgAttribute::ipv4(CfgAttrType::INTERNAL_IP4_ADDRESS, vip)],
        }),
        Payload::Sa(SaPayload {
            proposals: vec![Proposal {
                spi: 0xd1d2_d3d4u32.to_be_bytes().to_vec(),
                ..esp
            }],
        }),
        Payload::TsI(TsPayload {
            selectors: vec![TrafficSelector::ipv4_range(vip, vip)],
        }),
        Payload::TsR(protected),
    ];
    let delete_request = vec![Payload::Delete(DeletePayload::ike())];
    let iv_and_icv_len = match (sa.suite.cipher, sa.suite.integ) {
        (Cipher::Aead(aead), _) => (aead.iv_len(), aead.icv_len()),
        (Cipher::Cbc(cbc), Some(integ)) => (cbc.block_len(), integ.icv_len()),
        (Cipher::Cbc(_), None) => panic!("{}: CBC without integrity", case.ike),
    };
    let to_responder = SkProtection::initiator_to_responder(&sa.suite, &sa.keys).unwrap();
    let to_initiator = SkProtection::responder_to_initiator(&sa.suite, &sa.keys).unwrap();
    let port = if case.udp_4500 { 4500 } else { 500 };
    let encrypted: [(ExchangeType, u32, bool, &[Payload]); 4] = [
        (ExchangeType::IKE_AUTH, 1, false, &auth_request),
        (ExchangeType::IKE_AUTH, 1, true, &auth_response),
        (ExchangeType::INFORMATIONAL, 2, false, &delete_request),
        (ExchangeType::INFORMATIONAL, 2, true, &[]),
    ];
    for (exchange, message_id, response, inner) in encrypted {
        let protection = if response {
            &to_initiator
        } else {
            &to_responder
        };
        let (bytes, sealed) = seal(
            header(&sa, exchange, response, message_id),
            inner,
            protection,
            iv_and_icv_len,
            rng,
        );
        datagrams.push(Datagram {
            from_initiator: !response,
            port,
            bytes,
            sealed: Some(sealed),
        });
    }
    (sa, datagrams)
}

/// Writes the datagrams into a pcap with our writer; with `flip`, one ciphertext octet of
/// every encrypted message is inverted.
fn write_pcap(path: &Path, datagrams: &[&Datagram], flip: bool) {
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
        let mut bytes = d.bytes.clone();
        if let (true, Some(sealed)) = (flip, &d.sealed) {
            bytes[sealed.ciphertext_at] ^= 0x01;
        }
        writer
            .write_datagram(time, src, dst, DatagramContent::Ike(&bytes))
            .unwrap();
        time += Duration::from_millis(1);
    }
    std::fs::write(path, writer.into_inner().unwrap()).unwrap();
}

/// tshark's verbose text, split per frame: for each frame, the lines naming the
/// Integrity Checksum Data of an SK payload (`isakmp.enc.icd`).
fn icd_lines(tshark: &Tshark, pcap: &Path) -> Vec<Vec<String>> {
    let out = tshark
        .command(pcap)
        .args(["-Y", "isakmp", "-V"])
        .run(Duration::from_secs(60))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut frames: Vec<Vec<String>> = Vec::new();
    for line in out.stdout.lines() {
        if line.starts_with("Frame ") {
            frames.push(Vec::new());
        } else if line.trim_start().starts_with("Integrity Checksum Data:") {
            frames
                .last_mut()
                .expect("a frame header first")
                .push(line.trim().to_owned());
        }
    }
    frames
}

/// Where tshark found the IV, the Pad Length and the ICV of each SK payload is where our
/// code put them (`isakmp.enc.iv`, `isakmp.enc.pad_length`, `isakmp.enc.icd`).
fn check_sk_layout(tshark: &Tshark, pcap: &Path, datagrams: &[Datagram]) {
    let rows = tshark
        .fields(
            pcap,
            "isakmp",
            &[
                "frame.number",
                "isakmp.enc.iv",
                "isakmp.enc.pad_length",
                "isakmp.enc.icd",
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rows.len(), datagrams.len());
    let hex = |bytes: &[u8]| -> String { bytes.iter().map(|b| format!("{b:02x}")).collect() };
    for (row, ours) in rows.iter().zip(datagrams) {
        let theirs: Vec<String> = row[1..]
            .iter()
            .map(|values| values.join(",").replace(':', ""))
            .collect();
        let expected = match &ours.sealed {
            Some(sealed) => vec![
                hex(&sealed.iv),
                sealed.pad_length.to_string(),
                hex(&sealed.icv),
            ],
            None => vec![String::new(); 3],
        };
        assert_eq!(theirs, expected, "frame {:?}", row[0]);
    }
}

#[test]
fn tshark_decrypts_sk_payloads_sealed_by_ikelab() {
    let started = Instant::now();
    let mut rng = ChaCha20Rng::from_seed([0x5c; 32]);
    let mut sas = Vec::new();
    let mut datagrams = Vec::new();
    for case in CASES {
        let (sa, exchange) = build_exchange(case, &mut rng);
        sas.push(sa);
        datagrams.extend(exchange);
    }
    let dir = WorkDir::new("sktshark").unwrap_or_else(|e| panic!("{e}"));
    let good = dir.join("sealed.pcap");
    let flipped = dir.join("flipped.pcap");
    let all: Vec<&Datagram> = datagrams.iter().collect();
    write_pcap(&good, &all, false);
    write_pcap(&flipped, &all, true);
    let lines: Vec<String> = sas.iter().map(|sa| sa.table_line.clone()).collect();
    let profile = dir.subdir("profile").unwrap_or_else(|e| panic!("{e}"));
    for (name, text) in profile_files(&lines, &[]) {
        std::fs::write(profile.join(name), text).unwrap();
    }
    let built = started.elapsed();

    let t = Instant::now();
    let tshark = Tshark::with_profile(&profile);
    let seen = tshark.ike_messages(&good).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(seen.len(), datagrams.len(), "{seen:#?}");
    let icds = icd_lines(&tshark, &good);
    assert_eq!(icds.len(), datagrams.len());
    let mut encrypted = 0;
    for ((theirs, ours), icd) in seen.iter().zip(&datagrams).zip(&icds) {
        let sa = sas
            .iter()
            .find(|sa| sa.spi_i == theirs.ispi)
            .unwrap_or_else(|| panic!("frame {}: unknown SPI", theirs.frame));
        let context = || format!("{} frame {}: {theirs:#?} {icd:?}", sa.ike, theirs.frame);
        assert_eq!(theirs.length as usize, ours.bytes.len(), "{}", context());
        assert_eq!(theirs.udp_encapsulated, ours.port == 4500, "{}", context());
        let Some(sealed) = &ours.sealed else {
            assert_eq!(theirs.decrypted_payload_types, None, "{}", context());
            assert!(icd.is_empty(), "{}", context());
            continue;
        };
        encrypted += 1;
        assert_eq!(theirs.payload_types, vec![46], "{}", context());
        assert_eq!(
            theirs.encrypted_next_payload,
            Some(sealed.inner_types.first().copied().unwrap_or(0)),
            "{}",
            context()
        );
        assert_eq!(theirs.icv_correct, Some(true), "{}", context());
        assert_eq!(
            theirs.decrypted_payload_types.as_ref(),
            Some(&sealed.inner_types),
            "{}",
            context()
        );
        assert_eq!(icd.len(), 1, "{}", context());
        assert!(icd[0].ends_with("[correct]"), "{}", context());
    }
    assert_eq!(encrypted, 4 * CASES.len());
    check_sk_layout(&tshark, &good, &datagrams);

    // Nothing malformed, neither as ciphertext nor once decrypted.
    assert_eq!(
        Tshark::new().malformed_frames(&good).unwrap(),
        Vec::<u32>::new()
    );
    assert_eq!(tshark.malformed_frames(&good).unwrap(), Vec::<u32>::new());

    // One flipped ciphertext octet: every ICV is incorrect.
    let broken = tshark
        .ike_messages(&flipped)
        .unwrap_or_else(|e| panic!("{e}"));
    let broken_icds = icd_lines(&tshark, &flipped);
    let sealed_frames: Vec<(&TsharkIkeMessage, &Vec<String>)> = broken
        .iter()
        .zip(&broken_icds)
        .zip(&datagrams)
        .filter(|(_, d)| d.sealed.is_some())
        .map(|(pair, _)| pair)
        .collect();
    assert_eq!(sealed_frames.len(), 4 * CASES.len());
    for (m, icd) in sealed_frames {
        assert_ne!(
            m.icv_correct,
            Some(true),
            "frame {}: {m:#?} {icd:?}",
            m.frame
        );
        assert_eq!(icd.len(), 1, "frame {}: {icd:?}", m.frame);
        assert!(!icd[0].ends_with("[correct]"), "frame {}: {icd:?}", m.frame);
        assert!(icd[0].contains("incorrect"), "frame {}: {icd:?}", m.frame);
    }
    eprintln!(
        "{} IKE SAs, {} datagrams: built and sealed in {built:?}, tshark checks {:?}",
        sas.len(),
        datagrams.len(),
        t.elapsed()
    );
    for sa in &sas {
        eprintln!("  {}: {} {:?} {:?}", sa.ike, sa.encr, sa.key_bits, sa.integ);
    }
}
