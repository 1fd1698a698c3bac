//! Parse → emit gives the same bytes (every fixed vector), and typed structures emit
//! exactly the fixed bytes (construct tests).

use std::net::{Ipv4Addr, Ipv6Addr};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::vectors::{self, hex};
use crate::wire::iana::{
    AuthMethod, CertEncoding, CfgAttrType, CfgType, DhId, EapCode, EapType, EncrId, EsnId,
    ExchangeType, HashAlgorithm, IdType, IntegId, IpcompId, NotifyType, PayloadType, PrfId,
    ProtocolId, TransformType,
};
use crate::wire::*;

fn parse(parts: &[&str]) -> Message {
    match Message::parse(&hex(parts)) {
        Ok(m) => m,
        Err(e) => panic!("vector does not parse: {e}"),
    }
}

#[test]
fn every_fixed_vector_round_trips() {
    for (name, bytes) in vectors::all() {
        let message = Message::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            message.emit(),
            bytes,
            "{name}: emit differs from the parsed bytes"
        );
        let json = serde_json::to_string(&message).unwrap_or_default();
        let back: Message = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back, message, "{name}: serde round trip");
    }
}

fn header(exchange: ExchangeType, flags: u8, id: u32) -> IkeHeader {
    IkeHeader::new(
        IkeSpi::from(0x0102_0304_0506_0708),
        IkeSpi::from(0x1112_1314_1516_1718),
        exchange,
        Flags(flags),
        id,
    )
}

#[test]
fn captured_init_request_reads_as_expected() {
    let m = parse(vectors::CAPTURE_INIT_REQUEST);
    assert_eq!(m.header.spi_i, IkeSpi::from(0xea68_4d21_597a_fd36));
    assert!(m.header.spi_r.is_zero());
    assert_eq!(m.header.exchange_type, ExchangeType::IKE_SA_INIT);
    assert!(m.header.is_initiator() && !m.header.is_response());
    assert_eq!(
        m.summary(),
        "IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) N(HASH_ALG) ]"
    );
    let Some(Payload::Sa(sa)) = m.payloads.first() else {
        panic!("SA first")
    };
    let p = &sa.proposals[0];
    assert_eq!((p.number, p.protocol, p.spi.len()), (1, ProtocolId::IKE, 0));
    assert_eq!(p.transforms[0].kind, TransformType::ENCR);
    assert_eq!(EncrId(p.transforms[0].id), EncrId::AES_CCM_12);
    assert_eq!(p.transforms[0].key_length(), Some(128));
    assert_eq!(PrfId(p.transforms[1].id), PrfId::HMAC_SHA2_256);
    assert_eq!(DhId(p.transforms[2].id), DhId::ECP_256);
    let Some(Payload::Ke(ke)) = m.payloads.get(1) else {
        panic!("KE second")
    };
    assert_eq!((ke.group, ke.data.len()), (DhId::ECP_256, 64));
    let Some(Payload::Notify(natd)) = m.payloads.get(3) else {
        panic!("N fourth")
    };
    assert_eq!(natd.nat_detection_hash().map(<[u8]>::len), Some(20));
    let Some(Payload::Notify(sha)) = m.payloads.get(5) else {
        panic!("N sixth")
    };
    assert_eq!(
        sha.signature_hashes(),
        Some(vec![
            HashAlgorithm::SHA1,
            HashAlgorithm::SHA2_256,
            HashAlgorithm::SHA2_384,
            HashAlgorithm::SHA2_512
        ])
    );
}

#[test]
fn captured_sk_keeps_the_first_inner_payload_type() {
    let m = parse(vectors::CAPTURE_INFO_REQUEST);
    let Some(Payload::Sk(sk)) = m.payloads.first() else {
        panic!("SK")
    };
    assert_eq!(sk.first_payload, PayloadType::DELETE);
    assert_eq!(sk.body.len(), 29);
    let m = parse(vectors::CAPTURE_INFO_RESPONSE);
    let Some(Payload::Sk(sk)) = m.payloads.first() else {
        panic!("SK")
    };
    assert_eq!(sk.first_payload, PayloadType::NONE);
    assert_eq!(m.first_payload_type(), PayloadType::SK);
}

#[test]
fn captured_four_proposals_are_numbered_one_to_four() {
    let m = parse(vectors::IPSEC_PARSER_INIT_REQUEST);
    let Some(Payload::Sa(sa)) = m.payloads.first() else {
        panic!("SA")
    };
    let numbers: Vec<u8> = sa.proposals.iter().map(|p| p.number).collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
    let counts: Vec<usize> = sa.proposals.iter().map(|p| p.transforms.len()).collect();
    assert_eq!(counts, [3, 3, 4, 4]);
    assert_eq!(
        IntegId(sa.proposals[2].transforms[1].id),
        IntegId::HMAC_SHA2_256_128
    );
}

fn transform(kind: TransformType, id: u16) -> Transform {
    Transform::new(kind, id)
}

#[test]
fn construct_auth_plain() {
    let message = Message {
        header: header(ExchangeType::IKE_AUTH, Flags::INITIATOR, 1),
        payloads: vec![
            Payload::IdI(IdPayload::fqdn("cl.example")),
            Payload::Cert(CertPayload {
                encoding: CertEncoding::X509_SIGNATURE,
                data: hex(&["3006020101020102"]),
            }),
            Payload::CertReq(CertReqPayload {
                encoding: CertEncoding::X509_SIGNATURE,
                authorities: hex(&["a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3"]),
            }),
            Payload::Auth(AuthPayload {
                method: AuthMethod::SHARED_KEY_MIC,
                data: (0xc0..=0xdf).collect(),
            }),
            Payload::Notify(NotifyPayload::new(NotifyType::INITIAL_CONTACT, Vec::new())),
            Payload::IdR(IdPayload::ipv4(Ipv4Addr::new(192, 0, 2, 1))),
            Payload::Cp(CpPayload {
                cfg_type: CfgType::REQUEST,
                attributes: vec![
                    CfgAttribute::request(CfgAttrType::INTERNAL_IP4_ADDRESS),
                    CfgAttribute::request(CfgAttrType::INTERNAL_IP4_DNS),
                ],
            }),
            Payload::Sa(SaPayload {
                proposals: vec![Proposal {
                    number: 1,
                    protocol: ProtocolId::ESP,
                    spi: vec![0xc0, 0xff, 0xee, 0x01],
                    transforms: vec![
                        Transform::with_key_length(TransformType::ENCR, EncrId::AES_GCM_16.0, 256),
                        transform(TransformType::ESN, EsnId::NO_ESN.0),
                    ],
                }],
            }),
            Payload::TsI(TsPayload {
                selectors: vec![TrafficSelector::ipv4_range(
                    Ipv4Addr::UNSPECIFIED,
                    Ipv4Addr::BROADCAST,
                )],
            }),
            Payload::TsR(TsPayload {
                selectors: vec![
                    TrafficSelector::ipv4_range(
                        Ipv4Addr::new(10, 1, 0, 0),
                        Ipv4Addr::new(10, 1, 0, 255),
                    ),
                    TrafficSelector::Ipv6 {
                        ip_protocol: 6,
                        start_port: 80,
                        end_port: 80,
                        start: Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0),
                        end: Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0xffff, 0xffff, 0xffff, 0xffff),
                    },
                ],
            }),
        ],
    };
    assert_eq!(message.emit(), hex(vectors::AUTH_PLAIN));
    assert_eq!(parse(vectors::AUTH_PLAIN), message);
    let Some(Payload::IdI(id)) = message.payloads.first() else {
        panic!("IDi")
    };
    assert_eq!(id.as_fqdn(), Some("cl.example"));
    let Some(Payload::TsR(ts)) = message.payloads.get(9) else {
        panic!("TSr")
    };
    assert_eq!(ts.selectors[1].to_string(), "2001:db8::/64[tcp/80]");
}

#[test]
fn construct_informational() {
    let message = Message {
        header: header(ExchangeType::INFORMATIONAL, 0, 2),
        payloads: vec![
            Payload::Delete(DeletePayload::esp(&[0xc0ff_ee01, 0xc0ff_ee02])),
            Payload::Delete(DeletePayload::ike()),
            Payload::VendorId(VendorIdPayload {
                data: b"ikelab test".to_vec(),
            }),
            Payload::Notify(NotifyPayload::rekey_sa(ProtocolId::ESP, 0xc0ff_ee03)),
            Payload::Notify(NotifyPayload::new(
                NotifyType::USE_TRANSPORT_MODE,
                Vec::new(),
            )),
        ],
    };
    assert_eq!(message.emit(), hex(vectors::INFORMATIONAL_PLAIN));
    assert_eq!(parse(vectors::INFORMATIONAL_PLAIN), message);
    let Some(Payload::Notify(rekey)) = message.payloads.get(3) else {
        panic!("N")
    };
    assert_eq!(rekey.rekey_sa_spi(), Some(&[0xc0, 0xff, 0xee, 0x03][..]));
}

#[test]
fn construct_eap_and_signature() {
    let mut auth_data = hex(&["0f", "300d06092a864886f70d01010b0500"]);
    auth_data.extend(0x50..=0x5f);
    let message = Message {
        header: header(ExchangeType::IKE_AUTH, Flags::RESPONSE, 1),
        payloads: vec![
            Payload::IdR(IdPayload::ipv6(Ipv6Addr::new(
                0x2001, 0xdb8, 0, 0, 0, 0, 0, 1,
            ))),
            Payload::Auth(AuthPayload {
                method: AuthMethod::DIGITAL_SIGNATURE,
                data: auth_data,
            }),
            Payload::Eap(EapPayload::new(EapCode::REQUEST, 1, EapType::IDENTITY, &[])),
            Payload::Eap(EapPayload {
                code: EapCode::SUCCESS,
                identifier: 1,
                data: Vec::new(),
            }),
        ],
    };
    assert_eq!(message.emit(), hex(vectors::EAP_AND_SIGNATURE));
    assert_eq!(parse(vectors::EAP_AND_SIGNATURE), message);
    let Some(Payload::Auth(auth)) = message.payloads.get(1) else {
        panic!("AUTH")
    };
    let (alg, sig) = auth.digital_signature().unwrap_or_default();
    assert_eq!(alg, hex(&["300d06092a864886f70d01010b0500"]).as_slice());
    assert_eq!(sig.len(), 16);
    let Some(Payload::Eap(eap)) = message.payloads.get(2) else {
        panic!("EAP")
    };
    assert_eq!(eap.eap_type(), Some(EapType::IDENTITY));
}

#[test]
fn construct_fragment() {
    let message = Message {
        header: header(ExchangeType::IKE_AUTH, Flags::INITIATOR, 1),
        payloads: vec![Payload::Skf(SkfPayload {
            first_payload: PayloadType::IDI,
            fragment_number: 1,
            total_fragments: 2,
            body: hex(&["0001020304050607", "a0a1a201", "0c0d0e0f1011121314151617"]),
        })],
    };
    assert_eq!(message.emit(), hex(vectors::FRAGMENT));
    assert_eq!(parse(vectors::FRAGMENT), message);
}

#[test]
fn construct_unknown_payloads() {
    let message = Message {
        header: header(
            ExchangeType::INFORMATIONAL,
            Flags::INITIATOR | Flags::RESPONSE,
            5,
        ),
        payloads: vec![
            Payload::Unknown(UnknownPayload {
                payload_type: PayloadType(200),
                critical: false,
                body: vec![0xde, 0xad, 0xbe, 0xef],
            }),
            Payload::Notify(NotifyPayload::new(NotifyType(0xa001), vec![1, 2, 3])),
            Payload::Notify(NotifyPayload::unsupported_critical_payload(PayloadType(
                200,
            ))),
        ],
    };
    assert_eq!(message.emit(), hex(vectors::UNKNOWN_PAYLOADS));
    assert_eq!(parse(vectors::UNKNOWN_PAYLOADS), message);
    assert_eq!(
        message.summary(),
        "INFORMATIONAL response 5 [ UNKNOWN(200) N(40961) N(CRIT) ]"
    );
}

#[test]
fn construct_notify_data() {
    let mut redirect = vec![3, 10];
    redirect.extend_from_slice(b"gw.example");
    redirect.extend(0..16);
    let message = Message {
        header: IkeHeader::new(
            IkeSpi::from(0x0102_0304_0506_0708),
            IkeSpi::ZERO,
            ExchangeType::IKE_SA_INIT,
            Flags(Flags::RESPONSE),
            0,
        ),
        payloads: vec![
            Payload::Notify(NotifyPayload::invalid_ke(DhId::ECP_256)),
            Payload::Notify(NotifyPayload::new(NotifyType::REDIRECT, redirect)),
            Payload::Notify(NotifyPayload::new(
                NotifyType::IPCOMP_SUPPORTED,
                vec![0x12, 0x34, 2],
            )),
            Payload::Notify(NotifyPayload::new(
                NotifyType::ADDITIONAL_IP4_ADDRESS,
                vec![198, 51, 100, 7],
            )),
            Payload::Notify(NotifyPayload::new(
                NotifyType::SET_WINDOW_SIZE,
                4u32.to_be_bytes().to_vec(),
            )),
            Payload::Notify(NotifyPayload::new(
                NotifyType::AUTH_LIFETIME,
                3600u32.to_be_bytes().to_vec(),
            )),
            Payload::Notify(NotifyPayload::new(
                NotifyType::COOKIE,
                hex(&["0123456789abcdef"]),
            )),
            Payload::Notify(NotifyPayload::new(
                NotifyType::ADDITIONAL_IP6_ADDRESS,
                Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2)
                    .octets()
                    .to_vec(),
            )),
        ],
    };
    assert_eq!(message.emit(), hex(vectors::NOTIFY_DATA));
    assert_eq!(parse(vectors::NOTIFY_DATA), message);
    let n = |i: usize| match message.payloads.get(i) {
        Some(Payload::Notify(n)) => n.decoded(),
        _ => panic!("notify {i}"),
    };
    assert_eq!(n(0), Ok(NotifyData::DhGroup(DhId::ECP_256)));
    assert_eq!(
        n(1),
        Ok(NotifyData::Redirect {
            gateway: GatewayIdentity::Fqdn("gw.example".to_owned()),
            nonce: (0..16).collect(),
        })
    );
    assert_eq!(
        n(2),
        Ok(NotifyData::Ipcomp {
            cpi: 0x1234,
            transform: IpcompId::DEFLATE,
            attributes: Vec::new(),
        })
    );
    assert_eq!(n(3), Ok(NotifyData::Ipv4(Ipv4Addr::new(198, 51, 100, 7))));
    assert_eq!(n(4), Ok(NotifyData::WindowSize(4)));
    assert_eq!(n(5), Ok(NotifyData::Lifetime(3600)));
    assert_eq!(n(6), Ok(NotifyData::Cookie(hex(&["0123456789abcdef"]))));
    assert_eq!(
        n(7),
        Ok(NotifyData::Ipv6(Ipv6Addr::new(
            0x2001, 0xdb8, 0, 0, 0, 0, 0, 2
        )))
    );
    let Some(Payload::Notify(ke)) = message.payloads.first() else {
        panic!("N")
    };
    assert_eq!(ke.invalid_ke_group(), Some(DhId::ECP_256));
    let Some(Payload::Notify(cookie)) = message.payloads.get(6) else {
        panic!("N")
    };
    assert_eq!(cookie.cookie().map(<[u8]>::len), Some(8));
}

#[test]
fn payload_chain_parses_and_emits_alone() {
    // The payloads after the AUTH_PLAIN header, as they would sit in SK plaintext.
    let bytes = hex(vectors::AUTH_PLAIN);
    let chain = bytes.get(IkeHeader::LEN..).unwrap_or_default();
    let payloads = parse_payload_chain(chain, PayloadType::IDI).unwrap_or_default();
    assert_eq!(payloads.len(), 10);
    let (emitted, first) = emit_payload_chain(&payloads).expect("chain emits");
    assert_eq!((emitted.as_slice(), first), (chain, PayloadType::IDI));
    assert_eq!(emit_payload_chain(&[]), Ok((Vec::new(), PayloadType::NONE)));
}

#[test]
fn sk_plaintext_splits_at_the_pad_length() {
    let plaintext = hex(&["00000008 01000000", "000000 03"]);
    let (inner, padding) = split_sk_plaintext(&plaintext).unwrap_or_default();
    assert_eq!(inner.len(), 8);
    assert_eq!(padding, [0, 0, 0]);
    assert_eq!(
        parse_payload_chain(inner, PayloadType::DELETE),
        Ok(vec![Payload::Delete(DeletePayload::ike())])
    );
    assert!(split_sk_plaintext(&[]).is_err());
    assert!(split_sk_plaintext(&[0, 5]).is_err());
}

#[test]
fn registries_name_known_values_and_number_others() {
    assert_eq!(NotifyType::NAT_DETECTION_SOURCE_IP.0, 16388);
    assert_eq!(NotifyType::IKEV2_FRAGMENTATION_SUPPORTED.0, 16430);
    assert_eq!(
        NotifyType(16431).to_string(),
        "SIGNATURE_HASH_ALGORITHMS (16431)"
    );
    assert_eq!(NotifyType(50000).to_string(), "50000");
    assert!(NotifyType::TS_UNACCEPTABLE.is_error() && !NotifyType::COOKIE.is_error());
    assert_eq!(ExchangeType::IKE_INTERMEDIATE.0, 43);
    assert_eq!(PayloadType::SKF.0, 53);
    assert_eq!(IdType::NULL.0, 13);
    assert_eq!(AuthMethod::DIGITAL_SIGNATURE.0, 14);
    assert_eq!(CertEncoding::RAW_PUBLIC_KEY.0, 15);
    assert_eq!(CfgAttrType::INTERNAL_DNSSEC_TA.0, 26);
    assert_eq!(format!("{:?}", PayloadType(99)), "PayloadType(99)");
    // Open enums keep unknown values through serde too.
    let json = serde_json::to_string(&NotifyType(50000)).unwrap_or_default();
    assert_eq!(json, "50000");
}

#[test]
fn emit_reports_values_that_do_not_fit() {
    let too_long = Message {
        header: header(ExchangeType::INFORMATIONAL, 0, 0),
        payloads: vec![Payload::VendorId(VendorIdPayload {
            data: vec![0; 70_000],
        })],
    };
    assert_eq!(
        too_long.try_emit().map_err(|e| e.field.into_owned()),
        Err("Payload Length".to_owned())
    );
    let sk_not_last = Message {
        header: header(ExchangeType::INFORMATIONAL, 0, 0),
        payloads: vec![
            Payload::Sk(SkPayload {
                first_payload: PayloadType::NONE,
                body: vec![0; 16],
            }),
            Payload::Delete(DeletePayload::ike()),
        ],
    };
    assert_eq!(
        sk_not_last.try_emit().map_err(|e| e.kind),
        Err(EmitErrorKind::MustBeLast)
    );
    let bad_spi = DeletePayload {
        protocol: ProtocolId::ESP,
        spi_size: 4,
        spis: vec![vec![1, 2, 3]],
    };
    assert!(Payload::Delete(bad_spi).emit_body().is_err());
}

#[test]
fn header_parses_alone_whatever_the_version() {
    let mut bytes = hex(vectors::CAPTURE_INIT_REQUEST);
    bytes[17] = 0x10; // IKEv1
    let parsed = IkeHeader::parse(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((parsed.header.major_version, parsed.length), (1, 248));
    assert_eq!(parsed.next_payload, PayloadType::SA);
}
