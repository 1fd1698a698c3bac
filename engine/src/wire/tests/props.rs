//! Property tests: arbitrary well-formed messages (every payload kind) survive
//! emit → parse unchanged and dissect with every byte in one leaf; arbitrary bytes
//! never make the parser or the dissector panic.

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::collection::vec;
use proptest::prelude::*;

use super::vectors;
use crate::wire::iana::{
    AuthMethod, CertEncoding, CfgAttrType, CfgType, DhId, EapCode, ExchangeType, IdType,
    NotifyType, PayloadType, ProtocolId, TransformAttrType, TransformType, TsType,
};
use crate::wire::*;

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..=max)
}

fn attribute() -> impl Strategy<Value = TransformAttribute> {
    (
        0u16..0x8000,
        prop_oneof![
            any::<u16>().prop_map(AttributeValue::Tv),
            bytes(8).prop_map(AttributeValue::Tlv)
        ],
    )
        .prop_map(|(kind, value)| TransformAttribute {
            kind: TransformAttrType(kind),
            value,
        })
}

fn transform() -> impl Strategy<Value = Transform> {
    (any::<u8>(), any::<u16>(), vec(attribute(), 0..3)).prop_map(|(kind, id, attributes)| {
        Transform {
            kind: TransformType(kind),
            id,
            attributes,
        }
    })
}

/// A protocol and an SPI of a size RFC 7296 §3.3.1 allows for it.
fn protocol_and_spi() -> impl Strategy<Value = (ProtocolId, Vec<u8>)> {
    prop_oneof![
        prop_oneof![Just(0usize), Just(8)]
            .prop_flat_map(|n| vec(any::<u8>(), n))
            .prop_map(|spi| (ProtocolId::IKE, spi)),
        (
            prop_oneof![Just(ProtocolId::ESP), Just(ProtocolId::AH)],
            vec(any::<u8>(), 4)
        ),
        (4u8..=255, bytes(16)).prop_map(|(p, spi)| (ProtocolId(p), spi)),
    ]
}

fn sa() -> impl Strategy<Value = SaPayload> {
    vec((protocol_and_spi(), vec(transform(), 0..4)), 0..4).prop_map(|proposals| SaPayload {
        proposals: proposals
            .into_iter()
            .enumerate()
            .map(|(i, ((protocol, spi), transforms))| Proposal {
                number: u8::try_from(i + 1).unwrap_or(u8::MAX),
                protocol,
                spi,
                transforms,
            })
            .collect(),
    })
}

fn id() -> impl Strategy<Value = IdPayload> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|a| IdPayload::ipv4(Ipv4Addr::from(a))),
        any::<[u8; 16]>().prop_map(|a| IdPayload::ipv6(Ipv6Addr::from(a))),
        "[a-z]{1,12}(\\.[a-z]{2,6}){0,2}".prop_map(|s| IdPayload::fqdn(&s)),
        (
            any::<u8>().prop_filter("not an address type", |t| *t != 1 && *t != 5),
            bytes(40)
        )
            .prop_map(|(t, data)| IdPayload {
                id_type: IdType(t),
                data
            }),
    ]
}

fn notify() -> impl Strategy<Value = NotifyPayload> {
    (any::<u8>(), bytes(8), any::<u16>(), bytes(40)).prop_map(|(protocol, spi, t, data)| {
        NotifyPayload {
            protocol: ProtocolId(protocol),
            spi,
            notify_type: NotifyType(t),
            data,
        }
    })
}

/// Notifies whose data has a typed layout, with data of the right shape.
fn typed_notify() -> impl Strategy<Value = NotifyPayload> {
    prop_oneof![
        any::<u16>().prop_map(|g| NotifyPayload::invalid_ke(DhId(g))),
        vec(any::<u16>(), 0..6).prop_map(|l| {
            let list: Vec<_> = l
                .into_iter()
                .map(crate::wire::iana::HashAlgorithm)
                .collect();
            NotifyPayload::signature_hash_algorithms(&list)
        }),
        vec(any::<u8>(), 20)
            .prop_map(|h| NotifyPayload::new(NotifyType::NAT_DETECTION_SOURCE_IP, h)),
        vec(any::<u8>(), 1..=64).prop_map(|c| NotifyPayload::new(NotifyType::COOKIE, c)),
        any::<u32>().prop_map(|spi| NotifyPayload::rekey_sa(ProtocolId::ESP, spi)),
        (any::<u8>(), bytes(20), bytes(16)).prop_map(|(t, ident, nonce)| {
            let mut data = vec![t, u8::try_from(ident.len()).unwrap_or(0)];
            data.extend(ident);
            data.extend(nonce);
            NotifyPayload::new(NotifyType::REDIRECT, data)
        }),
    ]
}

fn delete() -> impl Strategy<Value = DeletePayload> {
    prop_oneof![
        (0usize..3).prop_map(|n| DeletePayload {
            protocol: ProtocolId::IKE,
            spi_size: 0,
            spis: vec![Vec::new(); n],
        }),
        vec(any::<u32>(), 0..4).prop_map(|spis| DeletePayload::esp(&spis)),
        (4u8..=255, 1u8..=8, 0usize..3).prop_flat_map(|(p, size, n)| {
            vec(vec(any::<u8>(), usize::from(size)), n).prop_map(move |spis| DeletePayload {
                protocol: ProtocolId(p),
                spi_size: size,
                spis,
            })
        }),
    ]
}

fn selector() -> impl Strategy<Value = TrafficSelector> {
    prop_oneof![
        (
            any::<u8>(),
            any::<u16>(),
            any::<u16>(),
            any::<[u8; 4]>(),
            any::<[u8; 4]>()
        )
            .prop_map(|(p, sp, ep, s, e)| {
                TrafficSelector::Ipv4 {
                    ip_protocol: p,
                    start_port: sp,
                    end_port: ep,
                    start: Ipv4Addr::from(s),
                    end: Ipv4Addr::from(e),
                }
            }),
        (
            any::<u8>(),
            any::<u16>(),
            any::<u16>(),
            any::<[u8; 16]>(),
            any::<[u8; 16]>()
        )
            .prop_map(|(p, sp, ep, s, e)| {
                TrafficSelector::Ipv6 {
                    ip_protocol: p,
                    start_port: sp,
                    end_port: ep,
                    start: Ipv6Addr::from(s),
                    end: Ipv6Addr::from(e),
                }
            }),
        (
            any::<u8>().prop_filter("not an IP range", |t| *t != 7 && *t != 8),
            any::<u8>(),
            bytes(24)
        )
            .prop_map(|(t, second_octet, data)| TrafficSelector::Other {
                ts_type: TsType(t),
                second_octet,
                data,
            }),
    ]
}

fn cp() -> impl Strategy<Value = CpPayload> {
    (any::<u8>(), vec((0u16..0x8000, bytes(20)), 0..4)).prop_map(|(t, attrs)| CpPayload {
        cfg_type: CfgType(t),
        attributes: attrs
            .into_iter()
            .map(|(a, value)| CfgAttribute {
                attr_type: CfgAttrType(a),
                value,
            })
            .collect(),
    })
}

fn plain_payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        sa().prop_map(Payload::Sa),
        (any::<u16>(), bytes(64)).prop_map(|(g, data)| Payload::Ke(KePayload {
            group: DhId(g),
            data
        })),
        id().prop_map(Payload::IdI),
        id().prop_map(Payload::IdR),
        (any::<u8>(), bytes(64)).prop_map(|(e, data)| Payload::Cert(CertPayload {
            encoding: CertEncoding(e),
            data,
        })),
        (any::<u8>(), bytes(60)).prop_map(|(e, authorities)| Payload::CertReq(CertReqPayload {
            encoding: CertEncoding(e),
            authorities,
        })),
        (any::<u8>(), bytes(64)).prop_map(|(m, data)| Payload::Auth(AuthPayload {
            method: AuthMethod(m),
            data,
        })),
        vec(any::<u8>(), NoncePayload::MIN_LEN..=NoncePayload::MAX_LEN)
            .prop_map(|data| Payload::Nonce(NoncePayload { data })),
        notify().prop_map(Payload::Notify),
        typed_notify().prop_map(Payload::Notify),
        delete().prop_map(Payload::Delete),
        bytes(32).prop_map(|data| Payload::VendorId(VendorIdPayload { data })),
        vec(selector(), 0..4).prop_map(|selectors| Payload::TsI(TsPayload { selectors })),
        vec(selector(), 0..4).prop_map(|selectors| Payload::TsR(TsPayload { selectors })),
        cp().prop_map(Payload::Cp),
        (any::<u8>(), any::<u8>(), bytes(40)).prop_map(|(c, identifier, data)| Payload::Eap(
            EapPayload {
                code: EapCode(c),
                identifier,
                data,
            }
        )),
        (
            any::<u8>().prop_filter("not understood", |t| !matches!(t, 0 | 33..=48 | 53)),
            bytes(32)
        )
            .prop_map(|(t, body)| Payload::Unknown(UnknownPayload {
                payload_type: PayloadType(t),
                critical: false,
                body,
            })),
    ]
}

fn encrypted_payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        (any::<u8>(), bytes(64)).prop_map(|(first, body)| Payload::Sk(SkPayload {
            first_payload: PayloadType(first),
            body,
        })),
        (any::<u8>(), 1u16..=u16::MAX, bytes(64)).prop_flat_map(|(first, total, body)| {
            (1..=total).prop_map(move |number| {
                Payload::Skf(SkfPayload {
                    first_payload: PayloadType(first),
                    fragment_number: number,
                    total_fragments: total,
                    body: body.clone(),
                })
            })
        }),
    ]
}

fn message() -> impl Strategy<Value = Message> {
    (
        any::<[u8; 8]>(),
        any::<[u8; 8]>(),
        0u8..16,
        any::<u8>(),
        any::<u8>(),
        any::<u32>(),
        vec(plain_payload(), 0..6),
        proptest::option::of(encrypted_payload()),
    )
        .prop_map(
            |(spi_i, spi_r, minor, exchange, flags, message_id, mut payloads, encrypted)| {
                payloads.extend(encrypted);
                Message {
                    header: IkeHeader {
                        spi_i: IkeSpi(spi_i),
                        spi_r: IkeSpi(spi_r),
                        major_version: 2,
                        minor_version: minor,
                        exchange_type: ExchangeType(exchange),
                        flags: Flags(flags),
                        message_id,
                    },
                    payloads,
                }
            },
        )
}

/// A decryptor that hands back the body minus an 8-octet IV and a 12-octet ICV.
#[derive(Debug)]
struct Copy;

impl Decryptor for Copy {
    fn decrypt_sk(&mut self, request: &SkDecryptRequest<'_>) -> Option<Decrypted> {
        let body = request.message.get(request.body.clone())?;
        Some(Decrypted {
            iv_len: 8,
            icv_len: 12,
            plaintext: body.get(8..body.len().checked_sub(12)?)?.to_vec(),
            note: String::new(),
        })
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn emit_then_parse_gives_the_message_back(m in message()) {
        let bytes = m.try_emit();
        prop_assert!(bytes.is_ok());
        let bytes = bytes.unwrap_or_default();
        prop_assert_eq!(Message::parse(&bytes), Ok(m.clone()));
        let (chain, first) = emit_payload_chain(&m.payloads).expect("chain emits");
        prop_assert_eq!(first, m.first_payload_type());
        prop_assert_eq!(bytes.get(IkeHeader::LEN..), Some(chain.as_slice()));
        prop_assert_eq!(parse_payload_chain(&chain, first), Ok(m.payloads.clone()));
    }

    #[test]
    fn emitted_messages_are_fully_dissected(m in message()) {
        let bytes = m.emit();
        let d = dissect_message(&bytes, None);
        prop_assert_eq!(&d.error, &None);
        prop_assert_eq!(check_leaf_coverage(&d.fields, 0..bytes.len()), Ok(()));
        prop_assert_eq!(d.summary, m.summary());
        // With a decryptor, SK / SKF bodies long enough are split and their
        // plaintext (valid or not) is covered too.
        let d = dissect_message(&bytes, Some(&mut Copy));
        prop_assert_eq!(&d.error, &None);
        prop_assert_eq!(check_leaf_coverage(&d.fields, 0..bytes.len()), Ok(()));
    }

    #[test]
    fn sk_plaintext_chains_are_dissected_inside(inner in vec(plain_payload(), 0..4), pad in 0u8..16) {
        let (mut plaintext, first) = emit_payload_chain(&inner).expect("chain emits");
        plaintext.extend(std::iter::repeat_n(0xee, usize::from(pad)));
        plaintext.push(pad);
        let mut body = vec![0xaa; 8];
        body.extend(&plaintext);
        body.extend([0xbb; 12]);
        let m = Message {
            header: IkeHeader::new(IkeSpi::from(1), IkeSpi::from(2), ExchangeType::IKE_AUTH, Flags(8), 1),
            payloads: vec![Payload::Sk(SkPayload { first_payload: first, body })],
        };
        let bytes = m.emit();
        let d = dissect_message(&bytes, Some(&mut Copy));
        prop_assert_eq!(check_leaf_coverage(&d.fields, 0..bytes.len()), Ok(()));
        let block = d.find("Encrypted IKE Payloads").and_then(|f| f.decrypted.clone());
        prop_assert_eq!(block.as_ref().map(|b| &b.error), Some(&None));
        prop_assert_eq!(block.map(|b| b.bytes), Some(plaintext));
        let decrypted = block_bytes(&d);
        let (chain, _) = split_sk_plaintext(&decrypted).unwrap_or_default();
        prop_assert_eq!(parse_payload_chain(chain, first), Ok(inner));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in bytes(400)) {
        let parsed = Message::parse(&bytes);
        let d = dissect_message(&bytes, Some(&mut Copy));
        prop_assert_eq!(parsed.err(), d.error);
        // Malformed or not, every octet is in exactly one leaf.
        prop_assert_eq!(check_leaf_coverage(&d.fields, 0..bytes.len()), Ok(()));
        let _ = IkeHeader::parse(&bytes);
        let _ = parse_payload_chain(&bytes, PayloadType::SA);
        let chain = dissect_payload_chain(&bytes, PayloadType::NOTIFY);
        prop_assert_eq!(check_leaf_coverage(&chain.fields, 0..bytes.len()), Ok(()));
    }

    #[test]
    fn mutated_vectors_never_panic(index in 0usize..12, flips in vec((any::<usize>(), any::<u8>()), 1..6), cut in any::<usize>()) {
        let all = vectors::all();
        let (_, original) = &all[index % all.len()];
        let mut bytes = original.clone();
        for (at, value) in flips {
            let at = at % bytes.len();
            bytes[at] = value;
        }
        bytes.truncate(cut % (bytes.len() + 1));
        let parsed = Message::parse(&bytes);
        let d = dissect_message(&bytes, Some(&mut Copy));
        prop_assert_eq!(parsed.as_ref().err(), d.error.as_ref());
        // Whatever the damage, every octet is in exactly one leaf.
        prop_assert_eq!(check_leaf_coverage(&d.fields, 0..bytes.len()), Ok(()));
        prop_assert_eq!(check_leaf_coverage(&dissect_message(&bytes, None).fields, 0..bytes.len()), Ok(()));
        if let Ok(m) = parsed {
            // Whatever parses re-emits to a message that parses to the same thing
            // (reserved bits may be cleared on the way).
            prop_assert_eq!(Message::parse(&m.emit()), Ok(m));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mutated_generated_messages_never_panic(m in message(), flips in vec((any::<usize>(), any::<u8>()), 1..4)) {
        let mut bytes = m.emit();
        for (at, value) in flips {
            let at = at % bytes.len();
            bytes[at] = value;
        }
        let parsed = Message::parse(&bytes);
        let d = dissect_message(&bytes, Some(&mut Copy));
        prop_assert_eq!(parsed.as_ref().err(), d.error.as_ref());
        prop_assert_eq!(check_leaf_coverage(&d.fields, 0..bytes.len()), Ok(()));
        prop_assert_eq!(check_leaf_coverage(&dissect_message(&bytes, None).fields, 0..bytes.len()), Ok(()));
        if let Ok(m) = parsed {
            prop_assert_eq!(Message::parse(&m.emit()), Ok(m));
        }
    }
}

/// The plaintext of the first decrypted block in a dissection.
fn block_bytes(d: &Dissection) -> Vec<u8> {
    d.find("Encrypted IKE Payloads")
        .and_then(|f| f.decrypted.as_ref())
        .map(|b| b.bytes.clone())
        .unwrap_or_default()
}
