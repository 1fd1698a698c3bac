//! Full ESP packets from published sources.
//!
//! * draft-mcgrew-gcm-test-01 §4 ("Test Cases for the use of GCM and GMAC in IPsec
//!   ESP"), test cases 1–3: SPI, sequence number, key, salt, IV, plaintext (inner
//!   packet with padding and trailer), ciphertext and ICV. Quoted as the draft's
//!   test vectors are reproduced, with the draft cited, in public test suites; the
//!   draft's own text could not be fetched here (only its title page).
//! * RFC 3602 §4 Case #5 (AES-CBC, transport mode ping, no integrity): key, SPI,
//!   sequence number, IV, the 80 octets before and after encryption.
//! * RFC 7634 Appendix A (ChaCha20-Poly1305 in ESP): SPI 0x01020304, sequence 5,
//!   IV 10 11 … 17, the tunnelled ping with its trailer, ciphertext and tag (the
//!   values as `crypto::kat::rfc7634` quotes them), opened as a whole ESP packet.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::hex;
use crate::child::open::open_packet;
use crate::child::replay::ReplayWindow;
use crate::child::{
    ChildEsp, EspParams, InboundContext, VolumeLimits, open_ip_packet, seal_ip_packet,
};
use crate::config::Mode;
use crate::crypto::providers;
use crate::crypto::test_rng::ReplayRng;
use crate::wire::iana::{EncrId, IntegId};

struct GcmCase {
    name: &'static str,
    key_bits: u16,
    key: &'static str,
    salt: &'static str,
    spi: u32,
    /// The full 64-bit sequence number (the AAD of case 1 is the 12-octet ESN form).
    sequence: u64,
    esn: bool,
    iv: &'static str,
    plaintext: &'static str,
    ciphertext_and_icv: &'static str,
    /// Octets of padding + 2 at the end of `plaintext`, and its Next Header.
    trailer_len: usize,
    next_header: u8,
}

const GCM_CASES: [GcmCase; 3] = [
    GcmCase {
        name: "draft-mcgrew-gcm-test-01 case 1 (AES-128, ESN)",
        key_bits: 128,
        key: "4c80cdefbb5d10da906ac73c3613a634",
        salt: "2e443b68",
        spi: 0x0000_4321,
        sequence: 0x8765_4321_0000_0000,
        esn: true,
        iv: "4956ed7e3b244cfe",
        plaintext: "45000048699a000080114db7c0a80102c0a801010a9bf15638d3010000010000
                    00000000045f736970045f756470037369700963796265726369747902646b00
                    0021000101020201",
        ciphertext_and_icv: "fecf537e729d5b07dc30df528dd22b768d1b98736696a6fd348509fa13ceac34
                             cfa2436f14a3f3cf65925bf1f4a13c5d15b21e1884f5ff6247aeabb786b93bce
                             61bc17d768fd9732459018148f6cbe722fd04796562dfdb4",
        trailer_len: 4,
        next_header: 1,
    },
    GcmCase {
        name: "draft-mcgrew-gcm-test-01 case 2 (AES-192)",
        key_bits: 192,
        key: "feffe9928665731c6d6a8f9467308308feffe9928665731c",
        salt: "cafebabe",
        spi: 0x0000_a5f8,
        sequence: 0x0000_000a,
        esn: false,
        iv: "facedbaddecaf888",
        plaintext: "45000028a4ad4000400678800a01038f0a010612802306b8cb712602dd6bb03e
                    501016d075680001",
        ciphertext_and_icv: "a5b1f8066029aea40e598b8122de02420938b3ab33f828e687b8858b5bfbdbd0
                             315b27452144cc7795457b9652037f5318027b5b4cd7a636",
        trailer_len: 2,
        next_header: 1,
    },
    GcmCase {
        name: "draft-mcgrew-gcm-test-01 case 3 (AES-256)",
        key_bits: 256,
        key: "abbccddef00112233445566778899aababbccddef00112233445566778899aab",
        salt: "11223344",
        spi: 0x4a2c_bfe3,
        sequence: 2,
        esn: false,
        iv: "0102030405060708",
        plaintext: "4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee000000000
                    7002400020bf0000020405b40101040201020201",
        ciphertext_and_icv: "ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06efae9d65a5d763
                             748a637985771d347f0545659f14e99def842d8eb335f4eecfdbf831824b4c49
                             15956c96",
        trailer_len: 4,
        next_header: 1,
    },
];

fn gcm_state(provider: &crate::crypto::CryptoProvider, case: &GcmCase) -> ChildEsp {
    let mut material = hex(case.key);
    material.extend(hex(case.salt));
    ChildEsp::new(
        provider,
        &EspParams {
            spi_in: case.spi,
            spi_out: case.spi,
            encr: EncrId::AES_GCM_16,
            encr_key_bits: Some(case.key_bits),
            integ: None,
            esn: case.esn,
            outbound_keys: (&material, &[]),
            inbound_keys: (&material, &[]),
            replay_window: 128,
            limits: VolumeLimits::default(),
        },
    )
    .expect("GCM keys")
}

/// SPI | low 32 bits of the sequence number | IV | ciphertext | ICV.
fn gcm_packet(case: &GcmCase) -> Vec<u8> {
    let mut packet = case.spi.to_be_bytes().to_vec();
    packet.extend((case.sequence as u32).to_be_bytes());
    packet.extend(hex(case.iv));
    packet.extend(hex(case.ciphertext_and_icv));
    packet
}

#[test]
fn gcm_esp_packets_open() {
    for provider in providers() {
        for case in &GCM_CASES {
            let esp = gcm_state(provider, case);
            let mut window = ReplayWindow::new(128, case.esn);
            if case.esn {
                // The receiver has seen up to the packet before: the high half of
                // the ESN is inferred across the 2^32 boundary (RFC 4303 App. A).
                window.commit(case.sequence - 1).unwrap();
            }
            let mut packet = gcm_packet(case);
            let opened = open_packet(&esp.inbound, Some(&mut window), &mut packet)
                .unwrap_or_else(|e| panic!("{} / {}: {e}", provider.name, case.name));
            let plaintext = hex(case.plaintext);
            assert_eq!(opened.sequence, case.sequence, "{}", case.name);
            assert_eq!(opened.next_header, case.next_header, "{}", case.name);
            assert_eq!(
                &packet[opened.payload.clone()],
                &plaintext[..plaintext.len() - case.trailer_len],
                "{} / {}",
                provider.name,
                case.name
            );
            // The same packet again is a replay.
            let mut again = gcm_packet(case);
            assert!(open_packet(&esp.inbound, Some(&mut window), &mut again).is_err());
        }
    }
}

#[test]
fn gcm_esp_packets_reject_a_changed_octet() {
    for provider in providers() {
        for case in &GCM_CASES {
            let esp = gcm_state(provider, case);
            let clean = gcm_packet(case);
            for index in [4, 9, clean.len() / 2, clean.len() - 1] {
                let mut packet = clean.clone();
                packet[index] ^= 0x01;
                let mut window = ReplayWindow::new(128, case.esn);
                if case.esn {
                    window.commit(case.sequence - 1).unwrap();
                }
                assert!(
                    open_packet(&esp.inbound, Some(&mut window), &mut packet).is_err(),
                    "{} octet {index}",
                    case.name
                );
            }
        }
    }
}

// RFC 3602 §4, Case #5: Sample transport-mode ESP packet (ping 192.168.123.100).
const RFC3602_KEY: &str = "90d382b4 10eeba7a d938c46c ec1a82bf";
const RFC3602_SPI: u32 = 0x4321;
const RFC3602_IV: &str = "e96e8c08 ab465763 fd098d45 dd3ff893";
const RFC3602_IP_HEADER: &str = "45000054 08f20000 4001f9fe c0a87b03 c0a87b64";
const RFC3602_DATA: &str = "08000ebd a70a0000 8e9c083d b95b0700 08090a0b 0c0d0e0f 10111213 14151617
                            18191a1b 1c1d1e1f 20212223 24252627 28292a2b 2c2d2e2f 30313233 34353637";
const RFC3602_ENCRYPTED: &str = "f663c25d 325c18c6 a9453e19 4e120849 a4870b66 cc6b9965 330013b4 898dc856
                                 a4699e52 3a55db08 0b59ec3a 8e4b7e52 775b07d1 db34ed9c 538ab50c 551b874a
                                 a269add0 47ad2d59 13ac19b7 cfbad4a6";

#[test]
fn rfc3602_case5_transport_mode_cbc_and_padding() {
    for provider in providers() {
        // RFC 3602's cases carry no ICV; ours adds HMAC-SHA2-256-128 after the
        // ciphertext, which the comparison leaves out.
        let integ_key = [0x42u8; 32];
        let key = hex(RFC3602_KEY);
        let mut esp = ChildEsp::new(
            provider,
            &EspParams {
                spi_in: RFC3602_SPI,
                spi_out: RFC3602_SPI,
                encr: EncrId::AES_CBC,
                encr_key_bits: Some(128),
                integ: Some(IntegId::HMAC_SHA2_256_128),
                esn: false,
                outbound_keys: (&key, &integ_key),
                inbound_keys: (&key, &integ_key),
                replay_window: 32,
                limits: VolumeLimits::default(),
            },
        )
        .expect("CBC keys");
        let mut packet = hex(RFC3602_IP_HEADER);
        packet.extend(hex(RFC3602_DATA));
        let mut rng = ReplayRng::new(&hex(RFC3602_IV));
        let mut out = vec![0u8; 256];
        let sealed =
            seal_ip_packet(&mut esp, Mode::Transport, &mut rng, &packet, &mut out).expect("seal");
        assert_eq!(sealed.sequence, 1);
        let mut expected = hex("00004321 00000001");
        expected.extend(hex(RFC3602_IV));
        expected.extend(hex(RFC3602_ENCRYPTED));
        assert_eq!(&out[..expected.len()], &expected[..], "{}", provider.name);
        assert_eq!(sealed.len, expected.len() + 16);

        // And back: the IP header is rebuilt in the headroom before the ESP packet.
        let headroom = 32;
        let mut buf = vec![0u8; headroom];
        buf.extend_from_slice(&out[..sealed.len]);
        let context = InboundContext {
            mode: Mode::Transport,
            local_ts: &super::any_ts(),
            remote_ts: &super::any_ts(),
            outer_src: "192.168.123.3".parse().unwrap(),
            outer_dst: "192.168.123.100".parse().unwrap(),
        };
        let opened = open_ip_packet(&mut esp, &context, &mut buf, headroom).expect("open");
        let inner = &buf[opened.packet];
        assert_eq!(&inner[20..], &hex(RFC3602_DATA)[..]);
        assert_eq!(&inner[12..20], &hex("c0a87b03 c0a87b64")[..]);
        assert_eq!(inner[9], 1, "Protocol = Next Header (ICMP)");
    }
}

#[test]
fn rfc7634_appendix_a_esp_packet_opens() {
    let keymat = hex(crate::crypto::kat::rfc7634::KEYMAT);
    let plain = hex(
        "45000054a6f200004001e778c6336405c000020508005b7a3a080000553bec10
         0007362708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223
         2425262728292a2b2c2d2e2f303132333435363701020204",
    );
    let sealed = hex(
        "24039428b97f417e3c13753a4f05087b67c352e6a7fab1b982d466ef407ae5c6
         14ee8099d52844eb61aa95dfab4c02f72aa71e7c4c4f64c9befe2facc638e8f3
         cbec163fac469b502773f6fb94e664da9165b82829f641e0
         76aaa8266b7fb0f7b11b369907e1ad43",
    );
    for provider in providers() {
        let mut esp = ChildEsp::new(
            provider,
            &EspParams {
                spi_in: 0x0102_0304,
                spi_out: 0x0102_0304,
                encr: EncrId::CHACHA20_POLY1305,
                encr_key_bits: None,
                integ: None,
                esn: false,
                outbound_keys: (&keymat, &[]),
                inbound_keys: (&keymat, &[]),
                replay_window: 32,
                limits: VolumeLimits::default(),
            },
        )
        .expect("ChaCha20-Poly1305 keys");
        let mut packet = hex("01020304 00000005 1011121314151617");
        packet.extend(&sealed);
        let context = InboundContext {
            mode: Mode::Tunnel,
            local_ts: &super::any_ts(),
            remote_ts: &super::any_ts(),
            outer_src: "203.0.113.153".parse().unwrap(),
            outer_dst: "192.0.2.100".parse().unwrap(),
        };
        let opened = open_ip_packet(&mut esp, &context, &mut packet, 0)
            .unwrap_or_else(|e| panic!("{}: {e}", provider.name));
        assert_eq!(opened.sequence, 5);
        // The inner packet without padding 01 02, Pad Length 2, Next Header 4.
        assert_eq!(&packet[opened.packet], &plain[..plain.len() - 4]);
    }
}
