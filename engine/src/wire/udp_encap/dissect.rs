//! Dissection of port-4500 UDP data: the Non-ESP Marker and the IKE message after
//! it, a NAT-keepalive, or an ESP packet (RFC 3948 §2).

use crate::wire::dissect::catalogue;
use std::net::IpAddr;

use super::{NON_ESP_MARKER, Udp4500Payload, UdpEncapError};
use crate::wire::dissect::{Decryptor, Dissection, Field, dissect_message};
use crate::wire::esp::{EspDecryptor, dissect_esp};
use crate::wire::hex;
use crate::wire::{ErrorKind, WireError};

/// Dissects the UDP data of a port-4500 datagram. Ranges are offsets into `data`.
/// `addresses` (source, destination) and `esp` serve ESP decryption; `ike` serves
/// SK payloads. Never fails: see `Dissection::error`.
pub fn dissect_udp_4500(
    data: &[u8],
    addresses: Option<(IpAddr, IpAddr)>,
    ike: Option<&mut (dyn Decryptor + '_)>,
    esp: Option<&mut (dyn EspDecryptor + '_)>,
) -> Dissection {
    match Udp4500Payload::parse(data) {
        Ok(Udp4500Payload::NatKeepalive) => Dissection {
            length: data.len(),
            summary: "NAT-keepalive".to_owned(),
            fields: vec![Field::leaf(
                &catalogue::UDP_ENCAP_NAT_KEEPALIVE,
                0..1,
                "0xff",
            )],
            error: None,
        },
        Ok(Udp4500Payload::Ike(message)) => {
            let mut dissection = dissect_message(message, ike);
            dissection.shift(NON_ESP_MARKER.len());
            dissection.fields.insert(
                0,
                Field::leaf(
                    &catalogue::UDP_ENCAP_NON_ESP_MARKER,
                    0..NON_ESP_MARKER.len(),
                    "0x00000000",
                ),
            );
            dissection
        }
        Ok(Udp4500Payload::Esp(_)) | Err(UdpEncapError::Esp(_)) => {
            dissect_esp(data, addresses, esp)
        }
        Err(UdpEncapError::Empty | UdpEncapError::TooShort { .. }) => {
            let error = WireError::new(
                0,
                "Non-ESP Marker",
                ErrorKind::Truncated {
                    needed: NON_ESP_MARKER.len(),
                    available: data.len(),
                },
            );
            let fields = if data.is_empty() {
                Vec::new()
            } else {
                vec![Field::leaf(
                    &catalogue::UDP_ENCAP_MALFORMED,
                    0..data.len(),
                    format!("{} — {error}", hex::preview(data)),
                )]
            };
            Dissection {
                length: data.len(),
                summary: format!("port 4500, malformed ({} octets)", data.len()),
                fields,
                error: Some(error),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::dissect::check_leaf_coverage;
    use crate::wire::iana::{ExchangeType, NotifyType};
    use crate::wire::{Flags, IkeHeader, IkeSpi, Message, NoncePayload, NotifyPayload, Payload};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn informational() -> Vec<u8> {
        Message {
            header: IkeHeader {
                spi_i: IkeSpi::from(0x0102_0304_0506_0708),
                spi_r: IkeSpi::from(0x1112_1314_1516_1718),
                major_version: 2,
                minor_version: 0,
                exchange_type: ExchangeType::INFORMATIONAL,
                flags: Flags::new(true, false),
                message_id: 5,
            },
            payloads: vec![
                Payload::Notify(NotifyPayload::new(NotifyType::COOKIE, vec![7; 8])),
                Payload::Nonce(NoncePayload { data: vec![9; 16] }),
            ],
        }
        .emit()
    }

    #[test]
    fn ike_after_the_marker_is_dissected_in_place() {
        let message = informational();
        let mut data = NON_ESP_MARKER.to_vec();
        data.extend_from_slice(&message);
        let dissection = dissect_udp_4500(&data, None, None, None);
        assert_eq!(dissection.error, None);
        assert_eq!(dissection.length, data.len());
        check_leaf_coverage(&dissection.fields, 0..data.len()).unwrap();
        assert_eq!(dissection.fields[0].name(), "Non-ESP Marker");
        assert_eq!(dissection.fields[1].range.start, 4);
        let plain = Message::parse(&message).unwrap();
        assert_eq!(dissection.summary, plain.summary());
    }

    #[test]
    fn keepalive_esp_and_garbage() {
        let keepalive = dissect_udp_4500(&[0xff], None, None, None);
        assert_eq!(keepalive.summary, "NAT-keepalive");
        check_leaf_coverage(&keepalive.fields, 0..1).unwrap();

        let esp = [0xc0, 0xff, 0xee, 0x01, 0, 0, 0, 9, 1, 2, 3, 4];
        let dissection = dissect_udp_4500(&esp, None, None, None);
        assert_eq!(dissection.error, None);
        assert!(dissection.summary.starts_with("ESP SPI 0xc0ffee01 Seq 9"));
        check_leaf_coverage(&dissection.fields, 0..esp.len()).unwrap();

        for garbage in [&[][..], &[1, 2], &[0xc0, 0xff, 0xee, 0x01, 0]] {
            let dissection = dissect_udp_4500(garbage, None, None, None);
            assert!(dissection.error.is_some(), "{garbage:?}");
            check_leaf_coverage(&dissection.fields, 0..garbage.len()).unwrap();
        }
    }

    #[test]
    fn a_malformed_ike_message_keeps_its_fields_and_error() {
        let mut data = NON_ESP_MARKER.to_vec();
        let message = informational();
        data.extend_from_slice(&message[..message.len() - 3]);
        let dissection = dissect_udp_4500(&data, None, None, None);
        let error = dissection.error.as_ref().unwrap();
        // The Length field (offset 24 in the message) disagrees with the bytes: the
        // error names it at its offset in the UDP data, after the marker.
        assert_eq!(error.offset, 4 + 24);
        assert_eq!(error.field, "Length");
        assert_eq!(dissection.fields[0].name(), "Non-ESP Marker");
    }
}
