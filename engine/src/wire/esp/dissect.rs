//! Dissection of an ESP packet (RFC 4303 §2), and the hook that lets a key table
//! (the ESP SAs of the crypto layer, or `ikelab dissect --keys`) show its plaintext.

use crate::wire::dissect::catalogue::{self, ESP_NEXT_HEADERS};
use std::borrow::Cow;
use std::net::IpAddr;
use std::ops::Range;

use super::{EspError, EspHeader, EspPlaintext, field};
use crate::wire::dissect::{DecryptedBlock, Dissection, Field};
use crate::wire::hex;
use crate::wire::ip::{IpPacket, IpProtocol, dissect_ip_header};
use crate::wire::{ErrorKind, WireError};

/// Decrypts ESP packets for the dissector.
pub trait EspDecryptor {
    /// Called once per ESP packet being dissected. Return `None` when no SA matches
    /// (the packet then shows as one encrypted leaf). Verify the ICV before
    /// returning plaintext.
    fn decrypt_esp(&mut self, request: &EspDecryptRequest<'_>) -> Option<EspDecrypted>;
}

/// Everything an ESP decryption needs.
#[derive(Debug, Clone)]
pub struct EspDecryptRequest<'a> {
    /// Picks the SA (RFC 4303 §2.1), with the addresses when known (Wireshark's
    /// `esp_sa` table matches on them too).
    pub spi: u32,
    pub sequence_number: u32,
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    /// The whole ESP packet, from the SPI to the ICV: the ICV covers
    /// `packet[..len - icv_len]`; for AEAD the associated data is the SPI and the
    /// Sequence Number (RFC 4106 §5).
    pub packet: &'a [u8],
}

/// What an ESP decryptor hands back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EspDecrypted {
    /// Octets of IV after the Sequence Number.
    pub iv_len: usize,
    /// Octets of ICV at the end of the packet.
    pub icv_len: usize,
    /// Payload Data | Padding | Pad Length | Next Header; as long as the ciphertext
    /// between the IV and the ICV.
    pub plaintext: Vec<u8>,
    /// How it was decrypted ("ENCR_AES_GCM_16 (20), 256-bit key").
    pub note: String,
}

/// Dissects an ESP packet (`packet` starts at the SPI). Never fails: a malformed
/// packet yields the fields read so far, a "Malformed" leaf and `error`.
/// `addresses` (source, destination) are passed to the decryptor.
pub fn dissect_esp(
    packet: &[u8],
    addresses: Option<(IpAddr, IpAddr)>,
    decryptor: Option<&mut (dyn EspDecryptor + '_)>,
) -> Dissection {
    let mut fields = Vec::new();
    let header = match EspHeader::parse(packet) {
        Ok((header, _)) => header,
        Err(err) => return malformed_header(packet, err),
    };
    fields.push(spi_leaf(header.spi));
    fields.push(Field::leaf(
        &catalogue::ESP_SEQUENCE_NUMBER,
        field::SEQUENCE_NUMBER,
        header.sequence_number.to_string(),
    ));
    let mut summary = format!(
        "ESP SPI 0x{:08x} Seq {} ({} octets)",
        header.spi,
        header.sequence_number,
        packet.len()
    );
    let body = EspHeader::LEN..packet.len();
    if body.is_empty() {
        let error = WireError::new(
            EspHeader::LEN,
            "Payload Data",
            ErrorKind::Truncated {
                needed: EspPlaintext::TRAILER_LEN,
                available: 0,
            },
        );
        fields.push(malformed_leaf(&error, packet.len()));
        return Dissection {
            length: packet.len(),
            summary,
            fields,
            error: Some(error),
        };
    }
    let request = EspDecryptRequest {
        spi: header.spi,
        sequence_number: header.sequence_number,
        src: addresses.map(|(src, _)| src),
        dst: addresses.map(|(_, dst)| dst),
        packet,
    };
    let decrypted = decryptor.and_then(|d| d.decrypt_esp(&request));
    match decrypted.and_then(|d| layout(d, body.clone())) {
        Some((decrypted, iv, ciphertext, icv)) => {
            if !iv.is_empty() {
                fields.push(Field::leaf(
                    &catalogue::ESP_INITIALIZATION_VECTOR,
                    iv.clone(),
                    hex::preview(packet.get(iv).unwrap_or_default()),
                ));
            }
            let (block, inner_summary) = dissect_plaintext(decrypted.plaintext, decrypted.note);
            let mut leaf = Field::leaf(
                &catalogue::ESP_ENCRYPTED_PAYLOAD,
                ciphertext.clone(),
                format!("{} octets, decrypted", ciphertext.len()),
            );
            leaf.decrypted = Some(Box::new(block));
            fields.push(leaf);
            if !icv.is_empty() {
                fields.push(Field::leaf(
                    &catalogue::ESP_INTEGRITY_CHECK_VALUE,
                    icv.clone(),
                    hex::preview(packet.get(icv).unwrap_or_default()),
                ));
            }
            summary.push_str(", ");
            summary.push_str(&inner_summary);
        }
        None => fields.push(Field::leaf(
            &catalogue::ESP_ENCRYPTED_DATA_AND_ICV,
            body.clone(),
            hex::preview(packet.get(body).unwrap_or_default()),
        )),
    }
    Dissection {
        length: packet.len(),
        summary,
        fields,
        error: None,
    }
}

/// A decryption placed in the packet: IV, ciphertext and ICV ranges.
type Layout = (EspDecrypted, Range<usize>, Range<usize>, Range<usize>);

/// Splits the body into IV, ciphertext and ICV ranges, if the decryptor's lengths fit.
fn layout(decrypted: EspDecrypted, body: Range<usize>) -> Option<Layout> {
    let iv_end = body.start.checked_add(decrypted.iv_len)?;
    let icv_start = body.end.checked_sub(decrypted.icv_len)?;
    if iv_end > icv_start || icv_start - iv_end != decrypted.plaintext.len() {
        return None;
    }
    Some((
        decrypted,
        body.start..iv_end,
        iv_end..icv_start,
        icv_start..body.end,
    ))
}

fn spi_leaf(spi: u32) -> Field {
    let value = if (1..=255).contains(&spi) {
        format!("0x{spi:08x} (reserved by IANA: a sender must not use it)")
    } else {
        format!("0x{spi:08x}")
    };
    Field::leaf(&catalogue::ESP_SECURITY_PARAMETERS_INDEX, field::SPI, value)
}

fn malformed_leaf(error: &WireError, end: usize) -> Field {
    Field::leaf(
        &catalogue::ESP_MALFORMED,
        error.offset..end.max(error.offset),
        error.to_string(),
    )
}

fn malformed_header(packet: &[u8], err: EspError) -> Dissection {
    let mut fields = Vec::new();
    let error = match err {
        EspError::ZeroSpi => WireError::new(
            field::SPI.start,
            "Security Parameters Index",
            ErrorKind::BadValue {
                found: 0,
                expected: Cow::Borrowed("a non-zero SPI (RFC 4303 §2.1: 0 is never sent)"),
            },
        ),
        _ => {
            let (offset, name) = match packet.first_chunk::<4>() {
                None => (0, "Security Parameters Index"),
                Some(spi) => {
                    fields.push(spi_leaf(u32::from_be_bytes(*spi)));
                    (field::SEQUENCE_NUMBER.start, "Sequence Number")
                }
            };
            WireError::new(
                offset,
                name,
                ErrorKind::Truncated {
                    needed: 4,
                    available: packet.len() - offset,
                },
            )
        }
    };
    fields.push(malformed_leaf(&error, packet.len()));
    Dissection {
        length: packet.len(),
        summary: format!("ESP, malformed ({} octets)", packet.len()),
        fields,
        error: Some(error),
    }
}

/// Dissects decrypted ESP content: Payload Data (an IP packet in tunnel mode),
/// Padding, Pad Length, Next Header (RFC 4303 §2.3–§2.6).
fn dissect_plaintext(bytes: Vec<u8>, note: String) -> (DecryptedBlock, String) {
    let mut fields = Vec::new();
    let (error, summary) = match EspPlaintext::parse(&bytes) {
        Err(err) => {
            let error = WireError::new(
                0,
                "Pad Length",
                match err {
                    EspError::PadLengthOverrun {
                        pad_length,
                        available,
                    } => ErrorKind::LengthOverrun {
                        length: usize::from(pad_length),
                        available,
                    },
                    _ => ErrorKind::Truncated {
                        needed: EspPlaintext::TRAILER_LEN,
                        available: bytes.len(),
                    },
                },
            );
            fields.push(malformed_leaf(&error, bytes.len()));
            (Some(error), "plaintext malformed".to_owned())
        }
        Ok(plaintext) => {
            let payload_end = plaintext.payload.len();
            let padding_end = payload_end + plaintext.padding.len();
            let (payload_field, summary) = payload_data(plaintext.payload, plaintext.next_header);
            fields.extend(payload_field);
            if !plaintext.padding.is_empty() {
                let value = if plaintext.padding_is_default() {
                    format!(
                        "{} octets: 1, 2, 3, … (the default)",
                        plaintext.padding.len()
                    )
                } else {
                    format!(
                        "{} (not the default 1, 2, 3, …)",
                        hex::preview(plaintext.padding)
                    )
                };
                fields.push(Field::leaf(
                    &catalogue::ESP_PADDING,
                    payload_end..padding_end,
                    value,
                ));
            }
            fields.push(Field::leaf(
                &catalogue::ESP_PAD_LENGTH,
                padding_end..padding_end + 1,
                plaintext.pad_length().to_string(),
            ));
            fields.push(Field::with_id(
                ESP_NEXT_HEADERS.id(
                    u32::from(plaintext.next_header.0),
                    &catalogue::ESP_NEXT_HEADER,
                ),
                padding_end + 1..padding_end + 2,
                plaintext.next_header.to_string(),
            ));
            (None, summary)
        }
    };
    (
        DecryptedBlock {
            note,
            bytes,
            fields,
            error,
        },
        summary,
    )
}

/// The catalogue's Next Header entry for a protocol number
/// (`catalogue::ESP_NEXT_HEADERS`); `None` for the protocols the generic entry
/// explains.
pub(crate) fn next_header_title(key: u32) -> Option<catalogue::Title> {
    let meaning = match IpProtocol(u8::try_from(key).ok()?) {
        IpProtocol::IPV4 | IpProtocol::IPV6 => {
            "The Payload Data is a whole IP packet: tunnel mode."
        }
        IpProtocol::IPV6_NO_NEXT => {
            "No payload: a dummy packet, sent to hide traffic patterns (RFC 4303 §2.6)."
        }
        _ => return None,
    };
    Some((
        Cow::Borrowed(catalogue::ESP_NEXT_HEADER.name),
        catalogue::ESP_NEXT_HEADER.rfc,
        meaning,
    ))
}

/// The Payload Data field: in tunnel mode an IP packet, dissected down to its
/// header, with any Traffic Flow Confidentiality padding after it (RFC 4303 §2.7).
fn payload_data(payload: &[u8], next_header: IpProtocol) -> (Option<Field>, String) {
    if payload.is_empty() {
        return (None, "no payload data".to_owned());
    }
    let range = 0..payload.len();
    let tunnel = matches!(next_header, IpProtocol::IPV4 | IpProtocol::IPV6);
    if tunnel && let Ok(inner) = IpPacket::parse(payload) {
        let mut children = dissect_ip_header(payload, &inner);
        let upper_start = inner.payload_offset;
        let upper_end = upper_start + inner.payload.len();
        if upper_end > upper_start {
            children.push(Field::leaf(
                &catalogue::ESP_INNER_PAYLOAD,
                upper_start..upper_end,
                format!("{}, {}", inner.protocol, hex::preview(inner.payload)),
            ));
        }
        if payload.len() > upper_end {
            children.push(Field::leaf(
                &catalogue::ESP_TFC_PADDING,
                upper_end..payload.len(),
                format!("{} octets", payload.len() - upper_end),
            ));
        }
        let summary = format!(
            "tunnelled {} {} → {}",
            inner.protocol,
            inner.header.src(),
            inner.header.dst()
        );
        let field = Field::node(
            &catalogue::ESP_PAYLOAD_DATA,
            range,
            format!("{} octets, an IP packet", payload.len()),
            children,
        );
        return (Some(field), summary);
    }
    let field = Field::leaf(&catalogue::ESP_PAYLOAD_DATA_2, range, hex::preview(payload));
    (Some(field), format!("{next_header} payload"))
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::wire::dissect::check_leaf_coverage;
    use crate::wire::esp::EspPacket;
    use crate::wire::ip::emit_ip_packet;

    /// A test decryptor with a fixed layout: IV 8, ICV 16, "ciphertext" = plaintext
    /// XOR 0x5a (a stand-in for a cipher; the dissector never sees the algorithm).
    struct XorDecryptor {
        calls: usize,
    }

    impl EspDecryptor for XorDecryptor {
        fn decrypt_esp(&mut self, request: &EspDecryptRequest<'_>) -> Option<EspDecrypted> {
            self.calls += 1;
            if request.spi != 0xc0ff_ee01 {
                return None;
            }
            let body = request
                .packet
                .get(16..request.packet.len().checked_sub(16)?)?;
            Some(EspDecrypted {
                iv_len: 8,
                icv_len: 16,
                plaintext: body.iter().map(|b| b ^ 0x5a).collect(),
                note: "xor test cipher".to_owned(),
            })
        }
    }

    fn tunnel_packet() -> Vec<u8> {
        let mut inner = Vec::new();
        emit_ip_packet(
            Ipv4Addr::new(10, 1, 0, 1).into(),
            Ipv4Addr::new(10, 2, 0, 1).into(),
            IpProtocol::ICMP,
            1,
            &[8, 0, 0xf7, 0xff, 0, 0, 0, 0],
            &mut inner,
        )
        .unwrap();
        let mut plaintext = Vec::new();
        EspPlaintext::emit(&inner, IpProtocol::IPV4, 16, &mut plaintext).unwrap();
        let mut packet = Vec::new();
        EspHeader {
            spi: 0xc0ff_ee01,
            sequence_number: 3,
        }
        .emit(&mut packet);
        packet.extend_from_slice(&[0x11; 8]);
        packet.extend(plaintext.iter().map(|b| b ^ 0x5a));
        packet.extend_from_slice(&[0x22; 16]);
        packet
    }

    #[test]
    fn without_keys_the_body_is_one_leaf() {
        let packet = tunnel_packet();
        let dissection = dissect_esp(&packet, None, None);
        assert_eq!(dissection.error, None);
        check_leaf_coverage(&dissection.fields, 0..packet.len()).unwrap();
        assert_eq!(dissection.fields.len(), 3);
        assert_eq!(dissection.fields[0].value, "0xc0ffee01");
        assert_eq!(dissection.fields[1].value, "3");
        assert_eq!(dissection.fields[2].name(), "Encrypted Data and ICV");
        assert_eq!(
            dissection.summary,
            format!("ESP SPI 0xc0ffee01 Seq 3 ({} octets)", packet.len())
        );
        let mut out = Vec::new();
        EspPacket::parse(&packet).unwrap().emit(&mut out);
        assert_eq!(out, packet);
    }

    #[test]
    fn with_keys_the_plaintext_is_dissected() {
        let packet = tunnel_packet();
        let mut decryptor = XorDecryptor { calls: 0 };
        let src = IpAddr::from(Ipv4Addr::new(192, 0, 2, 1));
        let dst = IpAddr::from(Ipv4Addr::new(192, 0, 2, 2));
        let dissection = dissect_esp(&packet, Some((src, dst)), Some(&mut decryptor));
        assert_eq!(decryptor.calls, 1);
        assert_eq!(dissection.error, None);
        check_leaf_coverage(&dissection.fields, 0..packet.len()).unwrap();
        let names: Vec<String> = dissection
            .fields
            .iter()
            .map(|f| f.name().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "Security Parameters Index",
                "Sequence Number",
                "Initialization Vector",
                "Encrypted Payload",
                "Integrity Check Value"
            ]
        );
        let block = dissection.fields[3].decrypted.as_ref().unwrap();
        assert_eq!(block.error, None);
        let inner: Vec<String> = block.fields.iter().map(|f| f.name().into_owned()).collect();
        assert_eq!(
            inner,
            ["Payload Data", "Padding", "Pad Length", "Next Header"]
        );
        assert_eq!(block.fields[3].value, "IPv4 (4)");
        let data = &block.fields[0];
        assert_eq!(data.children[0].name(), "IPv4 Header");
        assert_eq!(data.find("Source Address").unwrap().value, "10.1.0.1");
        assert!(
            dissection
                .summary
                .ends_with("tunnelled ICMP (1) 10.1.0.1 → 10.2.0.1"),
            "{}",
            dissection.summary
        );
    }

    #[test]
    fn a_decryptor_with_wrong_lengths_is_ignored() {
        struct Liar;
        impl EspDecryptor for Liar {
            fn decrypt_esp(&mut self, _: &EspDecryptRequest<'_>) -> Option<EspDecrypted> {
                Some(EspDecrypted {
                    iv_len: 1000,
                    icv_len: 16,
                    plaintext: vec![0; 4],
                    note: String::new(),
                })
            }
        }
        let packet = tunnel_packet();
        let dissection = dissect_esp(&packet, None, Some(&mut Liar));
        assert_eq!(dissection.fields[2].name(), "Encrypted Data and ICV");
        check_leaf_coverage(&dissection.fields, 0..packet.len()).unwrap();
    }

    #[test]
    fn a_bad_trailer_is_reported_inside_the_block() {
        struct BadPad;
        impl EspDecryptor for BadPad {
            fn decrypt_esp(&mut self, r: &EspDecryptRequest<'_>) -> Option<EspDecrypted> {
                let len = r.packet.len() - 8;
                let mut plaintext = vec![0; len];
                plaintext[len - 2] = 250;
                Some(EspDecrypted {
                    iv_len: 0,
                    icv_len: 0,
                    plaintext,
                    note: String::new(),
                })
            }
        }
        let packet = tunnel_packet();
        let dissection = dissect_esp(&packet, None, Some(&mut BadPad));
        let block = dissection.fields[2].decrypted.as_ref().unwrap();
        assert!(matches!(
            block.error.as_ref().unwrap().kind,
            ErrorKind::LengthOverrun { length: 250, .. }
        ));
        check_leaf_coverage(&dissection.fields, 0..packet.len()).unwrap();
    }

    #[test]
    fn malformed_packets_still_dissect() {
        for len in 0..=8 {
            let packet = &tunnel_packet()[..len];
            let dissection = dissect_esp(packet, None, None);
            assert!(dissection.error.is_some(), "length {len}");
            check_leaf_coverage(&dissection.fields, 0..len).unwrap();
        }
        let mut zero = tunnel_packet();
        zero[..4].fill(0);
        let dissection = dissect_esp(&zero, None, None);
        assert!(matches!(
            dissection.error.unwrap().kind,
            ErrorKind::BadValue { found: 0, .. }
        ));
    }
}
