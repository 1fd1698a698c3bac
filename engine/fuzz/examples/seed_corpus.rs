//! Writes the seed corpus of every fuzz target into `corpus/<target>/`.
//!
//! Run from `engine/fuzz`: `cargo +nightly run --release --example seed_corpus`.
//!
//! Sources:
//! - the wire format's fixed test vectors (`engine/src/wire/tests/vectors.rs`: real
//!   captured messages and hand-built ones covering every payload type), read from
//!   that file's hex strings, kept as they are and as our emitter writes them back
//!   (`Message::parse` → `Message::emit`);
//! - real captures given on the command line (pcap/pcapng files, e.g. a strongSwan ↔
//!   strongSwan exchange from the interop harness): copied into `capture_read/`, and
//!   their IKE messages, ESP packets and IP packets into the other targets' corpora;
//! - framings of the messages by our pcap writer (IPv4/IPv6, UDP 500/4500, ESP in UDP,
//!   ESP in IP, NAT-keepalive), and a hand-built pcapng and SLL2 file.
//!
//! File names are the content's FNV-1a hash, so reruns do not duplicate seeds.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ikelab_engine::capture::{
    CaptureReader, DatagramContent, DatagramKind, PcapWriter, TimestampResolution,
};
use ikelab_engine::wire::Message;
use ikelab_engine::wire::hex;

type Corpus = BTreeMap<&'static str, Vec<Vec<u8>>>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fuzz_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let vectors_path = fuzz_dir.join("../src/wire/tests/vectors.rs");
    let vectors = hex_vectors(&std::fs::read_to_string(&vectors_path)?);
    if vectors.is_empty() {
        return Err(format!("no hex vectors found in {}", vectors_path.display()).into());
    }
    let mut corpus = Corpus::new();
    let mut messages = Vec::new();
    for (name, bytes) in &vectors {
        messages.push(bytes.clone());
        match Message::parse(bytes) {
            Ok(message) => messages.push(message.emit()),
            Err(err) => eprintln!("vector {name} does not parse ({err}): kept as it is"),
        }
    }
    messages.sort();
    messages.dedup();

    let esp_packets = sample_esp_packets();
    for message in &messages {
        add(&mut corpus, "message_parse", message);
        add(&mut corpus, "dissect", message);
        let mut with_marker = vec![0, 0, 0, 0];
        with_marker.extend_from_slice(message);
        add(&mut corpus, "udp_encap", &with_marker);
    }
    add(&mut corpus, "udp_encap", &[0xff]);
    for esp in &esp_packets {
        add(&mut corpus, "udp_encap", esp);
    }

    for resolution in [TimestampResolution::Micro, TimestampResolution::Nano] {
        let pcap = written_capture(&messages, &esp_packets, resolution)?;
        add_capture(&mut corpus, &pcap);
    }
    add_capture(&mut corpus, &pcapng_of(&messages[..messages.len().min(3)]));

    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path)?;
        add_capture(&mut corpus, &bytes);
    }

    for (target, seeds) in &corpus {
        let dir = fuzz_dir.join("corpus").join(target);
        std::fs::create_dir_all(&dir)?;
        for seed in seeds {
            std::fs::write(dir.join(format!("{:016x}", fnv1a(seed))), seed)?;
        }
        println!("{target}: {} seeds", seeds.len());
    }
    Ok(())
}

fn add(corpus: &mut Corpus, target: &'static str, seed: &[u8]) {
    let seeds = corpus.entry(target).or_default();
    if !seeds.iter().any(|s| s == seed) {
        seeds.push(seed.to_vec());
    }
}

/// A capture file goes to `capture_read`; its IKE messages, ESP packets and IP
/// packets to the other targets.
fn add_capture(corpus: &mut Corpus, bytes: &[u8]) {
    add(corpus, "capture_read", bytes);
    let Ok(reader) = CaptureReader::new(bytes) else {
        eprintln!("not a capture: skipped");
        return;
    };
    for record in reader.flatten() {
        let Ok(datagram) = record.datagram() else {
            continue;
        };
        add(corpus, "ip_parse", datagram.ip_packet);
        match datagram.kind {
            DatagramKind::Ike500 | DatagramKind::Ike4500 => {
                add(corpus, "message_parse", datagram.payload);
                add(corpus, "dissect", datagram.payload);
            }
            DatagramKind::EspInUdp | DatagramKind::Esp => {
                add(corpus, "udp_encap", datagram.payload);
            }
            DatagramKind::NatKeepalive | DatagramKind::Other => {}
        }
    }
}

/// Every `const NAME: &[&str] = &[ "hex", ... ];` of the vectors file, decoded.
fn hex_vectors(source: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in source.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("pub(super) const ") {
            if rest.contains("&[&str]") {
                let name = rest.split(':').next().unwrap_or("").to_owned();
                current = Some((name, String::new()));
            }
            continue;
        }
        let Some((name, hex_text)) = current.as_mut() else {
            continue;
        };
        if line.starts_with("];") {
            if let Some(bytes) = hex::decode(hex_text) {
                out.push((std::mem::take(name), bytes));
            }
            current = None;
        } else if let Some(start) = line.find('"') {
            let rest = &line[start + 1..];
            if let Some(end) = rest.find('"') {
                hex_text.push_str(&rest[..end]);
            }
        }
    }
    out
}

/// ESP packets of a few shapes: SPI, Sequence Number, and an opaque body as a real
/// AES-GCM packet has (8-octet IV, ciphertext, 16-octet ICV).
fn sample_esp_packets() -> Vec<Vec<u8>> {
    [0usize, 4, 60, 1400]
        .iter()
        .enumerate()
        .map(|(i, &len)| {
            let mut packet = (0xc0ff_ee00u32 + i as u32).to_be_bytes().to_vec();
            packet.extend_from_slice(&(i as u32 + 1).to_be_bytes());
            packet.extend((0..8 + len + 16).map(|j| (j * 31 + i) as u8));
            packet
        })
        .collect()
}

fn addr(text: &str) -> SocketAddr {
    text.parse()
        .unwrap_or_else(|_| SocketAddr::from(([192, 0, 2, 1], 500)))
}

/// A pcap from our writer: each message on UDP 500 over IPv4 and on UDP 4500 over
/// IPv6, then ESP in UDP, ESP in IP and a NAT-keepalive.
fn written_capture(
    messages: &[Vec<u8>],
    esp_packets: &[Vec<u8>],
    resolution: TimestampResolution,
) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut writer = PcapWriter::new(Vec::new(), resolution)?;
    let mut time = Duration::new(1_700_000_000, 0);
    let mut next = || {
        time += Duration::from_micros(1_234);
        time
    };
    for message in messages.iter().take(6) {
        let t = next();
        writer.write_datagram(
            t,
            addr("192.0.2.1:500"),
            addr("192.0.2.2:500"),
            DatagramContent::Ike(message),
        )?;
        let t = next();
        writer.write_datagram(
            t,
            addr("[2001:db8::1]:4500"),
            addr("[2001:db8::2]:4500"),
            DatagramContent::Ike(message),
        )?;
    }
    for esp in esp_packets {
        let t = next();
        writer.write_datagram(
            t,
            addr("192.0.2.1:4500"),
            addr("192.0.2.2:4500"),
            DatagramContent::EspInUdp(esp),
        )?;
        let t = next();
        writer.write_datagram(
            t,
            addr("192.0.2.1:0"),
            addr("192.0.2.2:0"),
            DatagramContent::Esp(esp),
        )?;
    }
    let t = next();
    writer.write_datagram(
        t,
        addr("192.0.2.1:4500"),
        addr("192.0.2.2:4500"),
        DatagramContent::NatKeepalive,
    )?;
    Ok(writer.into_inner()?)
}

/// A little-endian pcapng file: one SLL2 interface (as `tcpdump -i any` writes), one
/// Enhanced Packet Block per message on UDP 500.
fn pcapng_of(messages: &[Vec<u8>]) -> Vec<u8> {
    fn block(block_type: u32, body: &[u8]) -> Vec<u8> {
        let padded = body.len().div_ceil(4) * 4;
        let total = (12 + padded) as u32;
        let mut out = block_type.to_le_bytes().to_vec();
        out.extend_from_slice(&total.to_le_bytes());
        out.extend_from_slice(body);
        out.resize(8 + padded, 0);
        out.extend_from_slice(&total.to_le_bytes());
        out
    }
    let mut file = block(
        0x0A0D_0D0A,
        &[
            0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ],
    );
    // Interface: LINKTYPE_LINUX_SLL2 (276), snaplen 262144, if_tsresol 9 (ns).
    file.extend(block(
        1,
        &[
            0x14, 0x01, 0, 0, 0, 0, 4, 0, 9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0,
        ],
    ));
    let mut writer = match PcapWriter::new(Vec::new(), TimestampResolution::Nano) {
        Ok(writer) => writer,
        Err(_) => return file,
    };
    for message in messages {
        let _ = writer.write_datagram(
            Duration::ZERO,
            addr("192.0.2.1:500"),
            addr("192.0.2.2:500"),
            DatagramContent::Ike(message),
        );
    }
    let Ok(pcap) = writer.into_inner() else {
        return file;
    };
    let Ok(reader) = CaptureReader::new(&pcap) else {
        return file;
    };
    for (i, record) in reader.flatten().enumerate() {
        let ticks = 1_700_000_000_000_000_000u64 + i as u64 * 1_000_000;
        let len = (20 + record.data.len()) as u32;
        let mut body = 0u32.to_le_bytes().to_vec();
        body.extend_from_slice(&((ticks >> 32) as u32).to_le_bytes());
        body.extend_from_slice(&(ticks as u32).to_le_bytes());
        body.extend_from_slice(&len.to_le_bytes());
        body.extend_from_slice(&len.to_le_bytes());
        // SLL2: IPv4, reserved, ifindex 2, ARPHRD_ETHER, outgoing, 6-octet address.
        body.extend_from_slice(&[
            0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 4, 6, 2, 0, 0, 0, 0, 1, 0, 0,
        ]);
        body.extend_from_slice(record.data);
        file.extend(block(6, &body));
    }
    file
}

/// FNV-1a, 64 bits: stable names for seed files.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
